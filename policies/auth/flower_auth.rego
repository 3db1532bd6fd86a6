# METADATA
# title: Flower requires authentication
# description: >-
#   Flower shows every task with its arguments and, through its API, runs
#   registered tasks and shuts workers down. mlscan asks Flower on every
#   address it listens on, without credentials, for / and /api/workers: 401
#   (or 403, or a redirect to a login page) passes; 200 fails.
# custom:
#   id: MLS-AUTH-007
#   severity: critical
#   requires: [probes]
#   remediation: "Start Flower with basic auth from a secret (`FLOWER_BASIC_AUTH` from a file, not `--basic_auth` on the command line) or OAuth, and bind it to 127.0.0.1 or 10.0.0.84"
#   references: ["https://flower.readthedocs.io/en/latest/auth.html", "https://flower.readthedocs.io/en/latest/api.html"]
package mlscan.auth.flower_auth

import data.mlscan.lib.services as svc
import data.mlscan.lib.target

results := object.get(svc.probes, "flower", [])

expected := "401 on / and on /api/workers without credentials"

source(p) := sprintf("probe: GET http://%s/ and /api/workers without credentials", [svc.addr_port(p)])

observed(p) := sprintf("GET / → %d; GET /api/workers → %d", [p.root_status, p.api_status])

open_status(s) if {
	s >= 200
	s < 300
}

guarded(s) if s in {401, 403}

guarded(s) if {
	s >= 300
	s < 400
}

open_paths(p) := [path | some [path, s] in [["/", p.root_status], ["/api/workers", p.api_status]]; open_status(s)]

deny contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Flower at %s answers %s without credentials: anyone who reaches it sees task arguments and can run tasks", [svc.addr_port(p), concat(" and ", open_paths(p))]),
	"evidence": {"observed": observed(p), "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state == "open"
	count(open_paths(p)) > 0
}

pass contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Flower at %s demands credentials (%s)", [svc.addr_port(p), observed(p)]),
	"evidence": {"observed": observed(p), "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state == "open"
	guarded(p.root_status)
	guarded(p.api_status)
}

unknown contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Flower at %s gave no clear answer: %s", [svc.addr_port(p), observed(p)]),
	"evidence": {"observed": observed(p), "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state == "open"
	count(open_paths(p)) == 0
	not both_guarded(p)
}

both_guarded(p) if {
	guarded(p.root_status)
	guarded(p.api_status)
}

unknown contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Flower could not be asked: %s", [svc.not_open(p)]),
	"evidence": {"observed": p.state, "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state != "open"
}

not_applicable contains r if {
	count(results) == 0
	some r in svc.absent("flower")
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": svc.why_unknown("flower"),
	"evidence": {"expected": expected, "source": "probes collector"},
} if {
	count(results) == 0
	count(svc.absent("flower")) == 0
}
