# METADATA
# title: The model's reachability agrees with what a probe observes
# description: >-
#   `mlscan probe TARGET --host-snapshot host.json`, run from another host,
#   records for every probed port what the packet-path model predicts from
#   the target's own snapshot for a connection from that vantage, beside
#   what the connection found. Every other exposure verdict rests on the
#   model, so each disagreement is a finding of its own: an open port the
#   model said was unreachable fails critical (a security tool stated that
#   a reachable port was not); a closed or filtered port the model said
#   was reachable fails medium. A port the model could not decide is
#   unknown; a probe without a host snapshot is not applicable.
# custom:
#   id: MLS-EXP-008
#   severity: critical
#   requires: [probes]
#   remediation: "Take a fresh snapshot of the host (`sudo mlscan scan --snapshot host.json`) and probe again: a stale snapshot disagrees. If they still disagree, trust the probe for that port (close it with UFW or bind the service to 127.0.0.1) and report both snapshots: the model missed a rule"
#   references: ["docs/rules.md#mls-exp-008"]
package mlscan.exposure.model_agreement

import data.mlscan.lib.reachability as reach
import data.mlscan.lib.target

# predicted are the probe results with the model's prediction.
predicted := [r | some r in reach.results; r.predicted]

observed(r) := sprintf("%s:%d/%s %s from %s", [r.target, r.port, r.proto, r.state, r.vantage_addr])

model_said(r) := sprintf("%s (model from %s, collected %s): %s", [r.predicted.verdict, r.predicted.host_snapshot, r.predicted.collected_at, r.predicted.reason])

evidence(r) := {
	"observed": observed(r),
	"expected": model_said(r),
	"source": sprintf("mlscan probe %s from %s --host-snapshot %s", [r.target, r.vantage_addr, r.predicted.host_snapshot]),
}

# agrees(r): what was observed is what the model said.
agrees(r) if {
	r.state == "open"
	r.predicted.verdict == "reachable"
}

agrees(r) if {
	r.state in {"closed", "filtered"}
	r.predicted.verdict == "unreachable"
}

deny contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s is open to %s, but the model predicted it unreachable from %s (collected %s): %s. mlscan's own model calls a reachable port unreachable, so the exposure checks' verdicts for this port cannot be trusted", [reach.subject(r), reach.vantage_str(r.vantage_addr), r.predicted.host_snapshot, r.predicted.collected_at, r.predicted.reason]),
	"severity": "critical",
	"evidence": evidence(r),
} if {
	some r in predicted
	r.state == "open"
	r.predicted.verdict == "unreachable"
}

deny contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s is %s from %s, but the model predicted it reachable from %s (collected %s): %s", [reach.subject(r), r.state, reach.vantage_str(r.vantage_addr), r.predicted.host_snapshot, r.predicted.collected_at, r.predicted.reason]),
	"severity": "medium",
	"evidence": evidence(r),
} if {
	some r in predicted
	r.state in {"closed", "filtered"}
	r.predicted.verdict == "reachable"
}

pass contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s is %s from %s, as the model predicted from %s: %s", [reach.subject(r), r.state, reach.vantage_str(r.vantage_addr), r.predicted.host_snapshot, r.predicted.reason]),
	"evidence": evidence(r),
} if {
	some r in predicted
	agrees(r)
}

unknown contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s is %s from %s, but the model could not predict it from %s: %s", [reach.subject(r), r.state, reach.vantage_str(r.vantage_addr), r.predicted.host_snapshot, r.predicted.reason]),
	"evidence": evidence(r),
} if {
	some r in predicted
	r.state in {"open", "closed", "filtered"}
	not r.predicted.verdict in {"reachable", "unreachable"}
}

unknown contains {
	"subject": reach.subject(r),
	"target": target.port(r.port, r.proto),
	"message": sprintf("%s could not be probed from %s (%s), so the model's prediction (%s) is not compared", [reach.subject(r), r.vantage_addr, object.get(r, "error", r.state), r.predicted.verdict]),
	"evidence": evidence(r),
} if {
	some r in predicted
	not r.state in {"open", "closed", "filtered"}
}

not_applicable contains reach.local_scan if count(reach.results) == 0

not_applicable contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("the probe from %s holds no prediction of the model: give the target's own snapshot, `mlscan probe TARGET --host-snapshot host.json` (from `sudo mlscan scan --snapshot host.json` on the target)", [concat(", ", vantages)]),
	"evidence": {"observed": sprintf("%d ports probed, none with probes.reachability[].predicted", [count(reach.results)]), "expected": "a host snapshot's predictions", "source": "mlscan probe"},
} if {
	count(reach.results) > 0
	count(predicted) == 0
}

vantages := {r.vantage_addr | some r in reach.results}
