# METADATA
# title: Observed reachability from a vantage point matches the registry
# description: >-
#   `mlscan probe TARGET`, run from another host, connects to every
#   registered port (and any port given) the way the document's own
#   `nc -zv 10.0.0.84 6380` check does, and records open, closed or
#   filtered. The vantage is trusted when its source address is inside
#   networks.trusted (or loopback). A port open to a vantage the registry
#   does not allow fails: any non-public port from an untrusted vantage, a
#   loopback-only port from anywhere else, an unregistered port from
#   anywhere. Critical for Ray, Redis, Flower and Docker ports, high
#   otherwise. A local scan has no reachability (not applicable).
# custom:
#   id: MLS-EXP-006
#   severity: critical
#   requires: [probes]
#   remediation: "Close what should not be reachable: scope the UFW rule (`sudo ufw allow from 10.0.0.0/24 to any port PORT proto tcp`) or delete it, and bind the service to 127.0.0.1 or 10.0.0.84"
#   references: ["docs/rules.md#mls-exp-006"]
package mlscan.exposure.reachability

import data.mlscan.lib.reachability as reach
import data.mlscan.lib.target

expected(r) := sprintf("reachable from %s only", [concat(", ", reach.entry(r).allowed_sources)]) if {
	reach.entry(r)
} else := "not reachable (unregistered port)"

forbidden(r) if {
	some f in data.mlscan.config.forbidden_ports
	f.port == r.port
	f.proto == r.proto
}

category_severity := {"ray": "critical", "redis": "critical", "flower": "critical", "docker": "critical"}

severity(r) := "critical" if {
	forbidden(r)
} else := s if {
	s := category_severity[reach.entry(r).category]
} else := "high"

why_not(r) := "the port is not in the registry" if {
	not reach.entry(r)
} else := sprintf("the registry allows %s", [concat(", ", reach.entry(r).allowed_sources)])

deny contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s %s is open to %s, but %s", [reach.service(r), reach.subject(r), reach.vantage_str(r.vantage_addr), why_not(r)]),
	"severity": severity(r),
	"evidence": {"observed": sprintf("%s:%d/%s open from %s", [r.target, r.port, r.proto, r.vantage_addr]), "expected": expected(r), "source": sprintf("mlscan probe %s from %s", [r.target, r.vantage_addr])},
} if {
	some r in reach.results
	r.state == "open"
	not reach.allowed_by(r)
}

pass contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s %s is open to %s, as allowed (%s)", [reach.service(r), reach.subject(r), reach.vantage_str(r.vantage_addr), reach.allowed_by(r)]),
	"evidence": {"observed": sprintf("%s:%d/%s open from %s", [r.target, r.port, r.proto, r.vantage_addr]), "expected": expected(r), "source": sprintf("mlscan probe %s from %s", [r.target, r.vantage_addr])},
} if {
	some r in reach.results
	r.state == "open"
	reach.allowed_by(r)
}

pass contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s %s is %s from %s", [reach.service(r), reach.subject(r), r.state, reach.vantage_str(r.vantage_addr)]),
	"evidence": {"observed": sprintf("%s:%d/%s %s from %s", [r.target, r.port, r.proto, r.state, r.vantage_addr]), "expected": expected(r), "source": sprintf("mlscan probe %s from %s", [r.target, r.vantage_addr])},
} if {
	some r in reach.results
	r.state in {"closed", "filtered"}
}

unknown contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s %s could not be probed from %s: %s", [reach.service(r), reach.subject(r), r.vantage_addr, object.get(r, "error", r.state)]),
	"evidence": {"observed": r.state, "expected": expected(r), "source": sprintf("mlscan probe %s from %s", [r.target, r.vantage_addr])},
} if {
	some r in reach.results
	not r.state in {"open", "closed", "filtered"}
}

not_applicable contains reach.local_scan if count(reach.results) == 0
