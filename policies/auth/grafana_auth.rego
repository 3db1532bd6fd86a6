# METADATA
# title: Grafana anonymous access off and admin password changed
# description: >-
#   Anonymous Grafana shows every dashboard (hosts, ports, job names) and,
#   with an editor role, lets visitors add data sources that query the
#   private network; the default admin/admin is the first guess of anyone
#   who finds it. mlscan asks GET /api/org anonymously (401 expected), reads
#   GF_AUTH_ANONYMOUS_ENABLED from the Grafana containers, and judges the
#   strength of GF_SECURITY_ADMIN_PASSWORD from the docker collector's
#   secret findings (never the password itself; no login is attempted).
# custom:
#   id: MLS-AUTH-009
#   severity: high
#   remediation: "Set GF_AUTH_ANONYMOUS_ENABLED=false and a strong GF_SECURITY_ADMIN_PASSWORD__FILE (or change the admin password in Grafana)"
#   references: ["https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/", "docs/rules.md#mls-auth-009"]
package mlscan.auth.grafana_auth

import data.mlscan.lib.services as svc
import data.mlscan.lib.target

results := object.get(svc.probes, "grafana", [])

grafanas := svc.of_kind("grafana")

source(p) := sprintf("probe: GET http://%s/api/org without credentials", [svc.addr_port(p)])

deny contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Grafana at %s answers GET /api/org without credentials (%d): anonymous access is on", [svc.addr_port(p), p.anon_status]),
	"evidence": {"observed": sprintf("GET /api/org → %d", [p.anon_status]), "expected": "401", "source": source(p)},
} if {
	some p in results
	p.state == "open"
	p.anon_status == 200
}

pass contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Grafana at %s refuses anonymous requests (GET /api/org → %d)", [svc.addr_port(p), p.anon_status]),
	"evidence": {"observed": sprintf("GET /api/org → %d", [p.anon_status]), "expected": "401", "source": source(p)},
} if {
	some p in results
	p.state == "open"
	p.anon_status in {401, 403}
}

unknown contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Grafana at %s gave no clear answer (GET /api/org → %d)", [svc.addr_port(p), p.anon_status]),
	"evidence": {"observed": sprintf("GET /api/org → %d", [p.anon_status]), "expected": "401", "source": source(p)},
} if {
	some p in results
	p.state == "open"
	not p.anon_status in {200, 401, 403}
}

unknown contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Grafana could not be asked: %s", [svc.not_open(p)]),
	"evidence": {"observed": p.state, "expected": "401", "source": source(p)},
} if {
	some p in results
	p.state != "open"
}

anonymous_env(c) if lower(svc.env_value(c, "GF_AUTH_ANONYMOUS_ENABLED")) in {"true", "1", "yes"}

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s sets GF_AUTH_ANONYMOUS_ENABLED=%s", [svc.container_subject(c), svc.env_value(c, "GF_AUTH_ANONYMOUS_ENABLED")]),
		"evidence": {"observed": sprintf("GF_AUTH_ANONYMOUS_ENABLED=%s", [svc.env_value(c, "GF_AUTH_ANONYMOUS_ENABLED")]), "expected": "false or unset", "source": "container environment (docker collector)"},
	},
	c,
) if {
	some c in grafanas
	anonymous_env(c)
}

weak(s) if s.denylisted

weak(s) if s.strength == "weak"

admin_secret(c) := s if {
	some s in object.get(c, "secrets", [])
	contains(upper(s.key), "ADMIN_PASSWORD")
}

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s's admin password (%s) is %s", [svc.container_subject(c), s.key, why]),
		"evidence": {"observed": sprintf("length %d, %d character classes, strength %s%s", [s.length, s.classes, s.strength, deny_note(s)]), "expected": "a strong, unique admin password", "source": "docker collector secret findings (the password is never read out)"},
	},
	c,
) if {
	some c in grafanas
	s := admin_secret(c)
	weak(s)
	why := weak_why(s)
}

weak_why(s) := "on the list of passwords every attacker tries first" if {
	s.denylisted
} else := "weak"

deny_note(s) := ", denylisted" if {
	s.denylisted
} else := ""

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s sets no admin password: Grafana starts with admin/admin until someone changes it in the UI (mlscan does not try to log in)", [svc.container_subject(c)]),
		"severity": "info",
		"evidence": {"observed": "no GF_SECURITY_ADMIN_PASSWORD(__FILE)", "expected": "an admin password set from a secret", "source": "container environment (docker collector)"},
	},
	c,
) if {
	some c in grafanas
	not admin_secret(c)
	not svc.has_env(c, "GF_SECURITY_ADMIN_PASSWORD__FILE")
}

pass contains {
	"subject": svc.container_subject(c),
	"target": target.container(c),
	"message": sprintf("%s keeps anonymous access off and sets a strong admin password", [svc.container_subject(c)]),
	"evidence": {"observed": "GF_AUTH_ANONYMOUS_ENABLED not true; admin password strong", "expected": "anonymous off, strong admin password", "source": "docker collector"},
} if {
	some c in grafanas
	not anonymous_env(c)
	s := admin_secret(c)
	not weak(s)
}

not_applicable contains r if {
	count(results) == 0
	count(grafanas) == 0
	some r in svc.absent("grafana")
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": svc.why_unknown("grafana"),
	"evidence": {"expected": "401 on /api/org without credentials", "source": "probes collector"},
} if {
	count(results) == 0
	count(svc.absent("grafana")) == 0
}

# A container whose inspect call failed is unknown, not judged.
unknown contains e if some e in svc.uninspected
