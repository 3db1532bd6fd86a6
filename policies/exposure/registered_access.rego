# METADATA
# title: Registered access actually works
# description: >-
#   The other half of the probe: a port the registry says this vantage may
#   reach, that `mlscan probe` found closed or filtered, is a functional
#   gap. The document says Ray's client server (10001), the GCS and the
#   dashboard serve the other 10.0.0.x servers and Prometheus scrapes the
#   exporters, yet its firewall rules admit only SSH from the LAN. Info:
#   nothing is exposed, something declared does not work.
# custom:
#   id: MLS-EXP-007
#   severity: info
#   requires: [probes]
#   remediation: "Add the scoped UFW rule the registry implies (`sudo ufw allow from 10.0.0.0/24 to any port PORT proto tcp`), or correct the registry's allowed_sources"
#   references: ["docs/rules.md#mls-exp-007"]
package mlscan.exposure.registered_access

import data.mlscan.lib.reachability as reach
import data.mlscan.lib.target

deny contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("the registry lets %s reach %s %s (%s), but it is %s", [reach.vantage_str(r.vantage_addr), reach.service(r), reach.subject(r), reach.allowed_by(r), r.state]),
	"evidence": {"observed": sprintf("%s:%d/%s %s from %s", [r.target, r.port, r.proto, r.state, r.vantage_addr]), "expected": "open", "source": sprintf("mlscan probe %s from %s", [r.target, r.vantage_addr])},
	"location": {"file": data.mlscan.config.file, "line": reach.entry(r).line, "what": sprintf("registry entry %s", [reach.service(r)])},
} if {
	some r in reach.results
	r.state in {"closed", "filtered"}
	reach.allowed_by(r)
	reach.entry(r)
}

deny contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s is a public port, but it is %s from %s", [reach.subject(r), r.state, reach.vantage_str(r.vantage_addr)]),
	"evidence": {"observed": sprintf("%s:%d/%s %s from %s", [r.target, r.port, r.proto, r.state, r.vantage_addr]), "expected": "open", "source": sprintf("mlscan probe %s from %s", [r.target, r.vantage_addr])},
} if {
	some r in reach.results
	r.state in {"closed", "filtered"}
	reach.allowed_by(r)
	not reach.entry(r)
}

pass contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s %s is reachable from %s, as registered (%s)", [reach.service(r), reach.subject(r), reach.vantage_str(r.vantage_addr), reach.allowed_by(r)]),
	"evidence": {"observed": sprintf("%s:%d/%s open from %s", [r.target, r.port, r.proto, r.vantage_addr]), "expected": "open", "source": sprintf("mlscan probe %s from %s", [r.target, r.vantage_addr])},
} if {
	some r in reach.results
	r.state == "open"
	reach.allowed_by(r)
}

unknown contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s could not be probed from %s: %s", [reach.subject(r), r.vantage_addr, object.get(r, "error", r.state)]),
	"evidence": {"observed": r.state, "expected": "open", "source": sprintf("mlscan probe %s from %s", [r.target, r.vantage_addr])},
} if {
	some r in reach.results
	not r.state in {"open", "closed", "filtered"}
	reach.allowed_by(r)
}

not_applicable contains reach.local_scan if count(reach.results) == 0

# Ports this vantage may not reach say nothing about registered access.
not_applicable contains {
	"subject": "registered access",
	"target": target.host,
	"message": sprintf("no port probed from %s is one the registry lets it reach", [concat(", ", vantages)]),
	"evidence": {"observed": sprintf("%d ports probed", [count(reach.results)]), "expected": "a registered port for this vantage", "source": "mlscan probe"},
} if {
	count(reach.results) > 0
	count([r | some r in reach.results; reach.allowed_by(r)]) == 0
}

vantages := {r.vantage_addr | some r in reach.results}
