package mlscan.exposure.model_agreement_test

import data.mlscan.exposure.model_agreement as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

# run is a probe from vantage; each result is [port, state, verdict] (null:
# no prediction).
run(vantage, results) := json.patch(pf.probe_run(vantage, [[p, s] | some [p, s, _] in results]), [op |
	some i, [_, _, v] in results
	v != null
	op := {"op": "add", "path": sprintf("/probes/reachability/%d/predicted", [i]), "value": predicted(v)}
])

predicted(v) := {
	"verdict": v,
	"reason": reason[v],
	"host_snapshot": "host.json",
	"collected_at": "2026-12-03T10:00:00Z",
}

reason := {
	"reachable": "accepted in INPUT by UFW's user rules (ufw-user-input) (`-A ufw-user-input -p tcp -m tcp --dport 80 -j ACCEPT`)",
	"unreachable": "dropped in INPUT by the filter INPUT chain's policy (policy DROP)",
	"unknown": "cannot follow the packet through the kernel's rules: a match the model does not understand (`-m bpf`)",
}

# The outside host's probe of the documented host: the model agrees.
outside := run("192.0.2.10", [
	[80, "open", "reachable"], [443, "open", "reachable"],
	[22, "filtered", "unreachable"], [6380, "filtered", "unreachable"],
])

test_agreement_passes if {
	count(check.deny) == 0 with input as outside
	count(check.unknown) == 0 with input as outside
	{p.subject | some p in check.pass} == {"80/tcp", "443/tcp", "22/tcp", "6380/tcp"} with input as outside
	some p in check.pass with input as outside
	p.subject == "6380/tcp"
	contains(p.message, "filtered from 192.0.2.10 (untrusted")
	contains(p.message, "as the model predicted from host.json: dropped in INPUT")
}

# The dangerous direction: an open port the model said was unreachable.
test_open_but_predicted_unreachable_is_critical if {
	inp := run("192.0.2.10", [[8888, "open", "unreachable"], [80, "open", "reachable"]])
	[d] := [d | some d in check.deny] with input as inp
	d.subject == "8888/tcp"
	d.severity == "critical"
	contains(d.message, "8888/tcp is open to 192.0.2.10 (untrusted: outside 10.0.0.0/24)")
	contains(d.message, "predicted it unreachable from host.json (collected 2026-12-03T10:00:00Z): dropped in INPUT")
	d.evidence.observed == "10.0.0.84:8888/tcp open from 192.0.2.10"
	startswith(d.evidence.expected, "unreachable (model from host.json")
	d.target == {"kind": "port", "port": 8888, "proto": "tcp"}
}

test_closed_but_predicted_reachable_is_medium if {
	inp := run("10.0.0.80", [[80, "closed", "reachable"], [81, "filtered", "reachable"]])
	sevs := {d.subject: d.severity | some d in check.deny} with input as inp
	sevs == {"80/tcp": "medium", "81/tcp": "medium"}
	some d in check.deny with input as inp
	d.subject == "81/tcp"
	contains(d.message, "81/tcp is filtered from 10.0.0.80 (trusted: inside 10.0.0.0/24), but the model predicted it reachable from host.json")
	contains(d.message, "accepted in INPUT by UFW's user rules")
}

test_unknown_prediction_is_unknown if {
	inp := run("192.0.2.10", [[2375, "open", "unknown"], [2376, "filtered", "unknown"]])
	count(check.deny) == 0 with input as inp
	count(check.pass) == 0 with input as inp
	{u.subject | some u in check.unknown} == {"2375/tcp", "2376/tcp"} with input as inp
	some u in check.unknown with input as inp
	contains(u.message, "could not predict it from host.json: cannot follow the packet")
}

test_probe_error_is_unknown if {
	inp := json.patch(run("192.0.2.10", [[6380, "error", "unreachable"]]), [{"op": "add", "path": "/probes/reachability/0/error", "value": "socket: too many open files"}])
	[u] := [u | some u in check.unknown] with input as inp
	contains(u.message, "too many open files")
	count(check.pass) == 0 with input as inp
	count(check.deny) == 0 with input as inp
}

test_without_host_snapshot_not_applicable if {
	inp := run("192.0.2.10", [[80, "open", null], [22, "filtered", null]])
	[n] := [n | some n in check.not_applicable] with input as inp
	contains(n.message, "--host-snapshot")
	count(check.pass) == 0 with input as inp
	count(check.unknown) == 0 with input as inp
	count(check.not_applicable) == 1 with input as pf.patched([])
}

# Every result carries a valid target.
test_targets if {
	inps := [
		outside, f.doc_host,
		run("192.0.2.10", [[8888, "open", "unreachable"], [2375, "open", "unknown"], [9, "closed", "reachable"], [22, "filtered", null]]),
		run("192.0.2.10", [[22, "filtered", null]]),
	]
	every inp in inps {
		rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as inp
		count(rs) > 0
		every r in rs {
			tt.valid(r.target)
		}
	}
}
