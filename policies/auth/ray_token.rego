# METADATA
# title: Ray token authentication configured and Ray not vulnerable
# description: >-
#   Token authentication exists from Ray 2.52 and is off unless
#   RAY_AUTH_MODE=token is set on every node. Ray before 2.52.0 lets a web
#   page run jobs through the browser (CVE-2025-62593); before 2.54.0 its
#   dashboard has unauthenticated DELETE endpoints (CVE-2026-27482, info).
#   mlscan reads RAY_AUTH_MODE from the Ray containers' environment and the
#   version from the dashboard's /api/version, else from the image tag.
# custom:
#   id: MLS-AUTH-002
#   severity: high
#   remediation: "Upgrade Ray to >= 2.54.0 on every node and set `RAY_AUTH_MODE=token` with the token in a file (`RAY_AUTH_TOKEN_PATH`)"
#   references: ["CVE-2025-62593", "https://github.com/ray-project/ray/security/advisories/GHSA-q279-jhrf-cc6v", "CVE-2026-27482", "https://github.com/ray-project/ray/security/advisories/GHSA-q5fh-2hc8-f6rq", "https://docs.ray.io/en/latest/ray-security/token-auth.html"]
package mlscan.auth.ray_token

import data.mlscan.lib.services as svc
import data.mlscan.lib.target

rays := svc.of_kind("ray")

probe_version := v if {
	vs := {p.ray_version | some p in object.get(svc.probes, "ray", []); p.ray_version != ""}
	count(vs) > 0
	v := sort(vs)[0]
}

# probe_modes are the authentication modes of the probes that show a Ray
# dashboard: a mode it states, or a 404 for the mode next to an
# unauthenticated /api/version (Ray before 2.52).
probe_modes := {p.auth_mode | some p in object.get(svc.probes, "ray", []); p.state == "open"; ray_like(p)}

ray_like(p) if p.auth_mode in {"token", "disabled"}

ray_like(p) if {
	p.auth_mode == "absent"
	p.version_status == 200
}

# version_of(c) is the Ray version of a container and where it came from.
version_of(c) := {"version": probe_version, "source": "GET /api/version"} if {
	probe_version
} else := {"version": v, "source": sprintf("image tag %s", [svc.image(c)])} if {
	v := svc.tag_version(c)
}

# --- RAY_AUTH_MODE per Ray container ---

deny contains svc.with_location(
	{
		"subject": sprintf("%s auth mode", [svc.container_subject(c)]),
		"target": target.container(c),
		"message": sprintf("%s runs Ray with RAY_AUTH_MODE %s: token authentication is off", [svc.container_subject(c), mode_str(c)]),
		"evidence": {"observed": mode_str(c), "expected": "RAY_AUTH_MODE=token", "source": "container environment (docker collector)"},
	},
	c,
) if {
	some c in rays
	not token_mode(c)
}

# token_mode: the container sets RAY_AUTH_MODE=token. (A helper: OPA
# evaluates `not f(x) == v` as false when f(x) is undefined.)
token_mode(c) if svc.env_value(c, "RAY_AUTH_MODE") == "token"

mode_word(m) := "none (404: Ray before 2.52)" if {
	m == "absent"
} else := m

mode_str(c) := sprintf("=%s", [v]) if {
	v := svc.env_value(c, "RAY_AUTH_MODE")
} else := "not set (the default is disabled)"

pass contains {
	"subject": sprintf("%s auth mode", [svc.container_subject(c)]),
	"target": target.container(c),
	"message": sprintf("%s sets RAY_AUTH_MODE=token", [svc.container_subject(c)]),
	"evidence": {"observed": "RAY_AUTH_MODE=token", "expected": "RAY_AUTH_MODE=token", "source": "container environment (docker collector)"},
} if {
	some c in rays
	token_mode(c)
}

# Ray outside a container (or containers unreadable): the dashboard's own
# answer.
deny contains {
	"subject": "ray dashboard auth mode",
	"target": target.service("ray"),
	"message": sprintf("the Ray dashboard reports authentication mode %s: token authentication is off", [concat(", ", [mode_word(m) | some m in probe_modes])]),
	"evidence": {"observed": probe_modes, "expected": "token", "source": "GET /api/authentication_mode"},
} if {
	count(rays) == 0
	count(probe_modes) > 0
	not probe_modes == {"token"}
}

pass contains {
	"subject": "ray dashboard auth mode",
	"target": target.service("ray"),
	"message": "the Ray dashboard reports token authentication",
	"evidence": {"observed": "token", "expected": "token", "source": "GET /api/authentication_mode"},
} if {
	count(rays) == 0
	probe_modes == {"token"}
}

# --- version ---

version_subjects contains {"subject": sprintf("%s version", [svc.container_subject(c)]), "target": target.container(c), "c": c, "v": version_of(c)} if {
	some c in rays
}

version_subjects contains {"subject": "ray version", "target": target.service("ray"), "c": {}, "v": {"version": probe_version, "source": "GET /api/version"}} if {
	count(rays) == 0
	probe_version
}

deny contains svc.with_location(
	{
		"subject": s.subject,
		"target": s.target,
		"message": sprintf("Ray %s is older than 2.52.0: it has no token authentication and web pages can submit jobs (CVE-2025-62593)", [s.v.version]),
		"evidence": {"observed": s.v.version, "expected": ">= 2.54.0", "source": s.v.source},
	},
	s.c,
) if {
	some s in version_subjects
	svc.older(s.v.version, "2.52.0")
}

deny contains svc.with_location(
	{
		"subject": s.subject,
		"target": s.target,
		"message": sprintf("Ray %s is older than 2.54.0: unauthenticated DELETE endpoints when the dashboard binds 0.0.0.0 (CVE-2026-27482)", [s.v.version]),
		"severity": "info",
		"evidence": {"observed": s.v.version, "expected": ">= 2.54.0", "source": s.v.source},
	},
	s.c,
) if {
	some s in version_subjects
	svc.at_least(s.v.version, "2.52.0")
	svc.older(s.v.version, "2.54.0")
}

pass contains {
	"subject": s.subject,
	"target": s.target,
	"message": sprintf("Ray %s has the fixes for CVE-2025-62593 and CVE-2026-27482", [s.v.version]),
	"evidence": {"observed": s.v.version, "expected": ">= 2.54.0", "source": s.v.source},
} if {
	some s in version_subjects
	svc.at_least(s.v.version, "2.54.0")
}

unknown contains {
	"subject": sprintf("%s version", [svc.container_subject(c)]),
	"target": target.container(c),
	"message": sprintf("the Ray version of %s is unknown: the dashboard did not tell it and the image tag %q carries none", [svc.container_subject(c), svc.image(c)]),
	"evidence": {"expected": ">= 2.54.0", "source": "GET /api/version, image tag"},
} if {
	some c in rays
	not version_of(c)
}

# --- nothing to judge ---

not_applicable contains r if {
	count(rays) == 0
	count(probe_modes) == 0
	some r in svc.absent("ray")
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("Ray's configuration could not be read: %s", [why]),
	"evidence": {"expected": "RAY_AUTH_MODE=token, Ray >= 2.54.0", "source": "docker collector, probes"},
} if {
	count(rays) == 0
	count(probe_modes) == 0
	not probe_version
	count(svc.absent("ray")) == 0
	why := svc.why_unknown("ray")
}

# A container whose inspect call failed is unknown, not judged.
unknown contains e if some e in svc.uninspected
