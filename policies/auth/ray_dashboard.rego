# METADATA
# title: Ray dashboard and Jobs API require authentication
# description: >-
#   Whoever reaches the Ray dashboard can submit jobs, that is run any
#   command on the cluster (CVE-2023-48022, "ShadowRay"). mlscan asks the
#   dashboard on every address it listens on, without a token: GET
#   /api/authentication_mode (token, disabled, or 404 before Ray 2.52, which
#   has no token authentication) and GET /api/version (200 means the
#   control plane answers anyone). Critical; high when the firewall provably keeps
#   the port private (as MLS-EXP-001 computes).
# custom:
#   id: MLS-AUTH-001
#   severity: critical
#   requires: [probes]
#   remediation: "Run Ray >= 2.52 with `RAY_AUTH_MODE=token` on every node and client (token from `RAY_AUTH_TOKEN_PATH`), or put an authenticating proxy in front of the dashboard; keep 8265 private (`--dashboard-host=127.0.0.1` and an SSH tunnel)"
#   references: ["CVE-2023-48022", "https://nvd.nist.gov/vuln/detail/CVE-2023-48022", "CVE-2025-62593", "https://github.com/ray-project/ray/security/advisories/GHSA-q279-jhrf-cc6v", "https://docs.ray.io/en/latest/ray-security/index.html", "https://docs.ray.io/en/latest/ray-security/token-auth.html"]
package mlscan.auth.ray_dashboard

import data.mlscan.lib.services as svc
import data.mlscan.lib.target

results := object.get(svc.probes, "ray", [])

expected := "authentication_mode token, and GET /api/version without a token answers 401 or 403"

source(p) := sprintf("probe: GET http://%s/api/authentication_mode and /api/version without a token", [svc.addr_port(p)])

observed(p) := sprintf("GET /api/authentication_mode → %d (%s); GET /api/version → %d%s", [
	p.mode_status, p.auth_mode, p.version_status, version_part(p),
])

version_part(p) := sprintf(" (Ray %s)", [p.ray_version]) if {
	p.ray_version != ""
} else := ""

reasons(p) := [r |
	some r in [
		mode_reason(p),
		version_reason(p),
	]
	r != ""
]

mode_reason(p) := "token authentication is disabled" if {
	p.auth_mode == "disabled"
} else := "/api/authentication_mode does not exist (Ray before 2.52 has no token authentication)" if {
	p.auth_mode == "absent"
	p.version_status == 200
} else := ""

# A 404 on /api/authentication_mode alone is not proof: the answer to
# /api/version decides whether this is a Ray dashboard without a token.
version_reason(p) := "GET /api/version answers 200 without a token" if {
	p.version_status == 200
} else := ""

severity(p) := "high" if {
	svc.private_only(p.port)
} else := "critical"

private_note(p) := "; the firewall keeps the port private, so only trusted hosts can use it" if {
	svc.private_only(p.port)
} else := ""

deny contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("the Ray dashboard at %s lets anyone run jobs: %s%s", [svc.addr_port(p), concat(" and ", reasons(p)), private_note(p)]),
	"severity": severity(p),
	"evidence": {"observed": observed(p), "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state == "open"
	count(reasons(p)) > 0
}

pass contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("the Ray dashboard at %s demands a token (GET /api/version → %d)", [svc.addr_port(p), p.version_status]),
	"evidence": {"observed": observed(p), "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state == "open"
	count(reasons(p)) == 0
	p.version_status in {401, 403}
}

unknown contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("the Ray dashboard at %s gave no clear answer: %s", [svc.addr_port(p), observed(p)]),
	"evidence": {"observed": observed(p), "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state == "open"
	count(reasons(p)) == 0
	not p.version_status in {401, 403}
}

unknown contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("the Ray dashboard could not be asked: %s", [svc.not_open(p)]),
	"evidence": {"observed": p.state, "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state != "open"
}

not_applicable contains r if {
	count(results) == 0
	some r in svc.absent("ray")
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": svc.why_unknown("ray"),
	"evidence": {"expected": expected, "source": "probes collector"},
} if {
	count(results) == 0
	count(svc.absent("ray")) == 0
}
