package mlscan.auth.ray_exposure_test

import data.mlscan.auth.ray_exposure as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.model_fixtures as mf
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

# host is the probe fixtures' host with the model's facts: outside reach
# from over (by port), every other dropped.
host(ops, over) := mf.with_outside(pf.patched(ops), over)

open_10001 := {10001: mf.accepted(10001)}

test_documented_firewall_keeps_them_private if {
	count(check.deny) == 0 with input as host([], {})
	{p.subject | some p in check.pass} == {"10001/tcp", "6379/tcp"} with input as host([], {})
}

test_exposed_without_token_fails if {
	inp := host(
		[
			{"op": "replace", "path": "/probes/ray", "value": [pf.ray_probe("10.0.0.84", "absent", 404, 200, "")]},
			{"op": "replace", "path": "/docker/containers", "value": []},
		],
		open_10001,
	)
	some d in check.deny with input as inp
	d.subject == "10001/tcp"
	contains(d.message, "ray-client")
	contains(d.message, "off")
	count(check.deny) == 1 with input as inp
}

test_exposed_with_token_passes if {
	inp := host([], open_10001)
	count(check.deny) == 0 with input as inp
	some p in check.pass with input as inp
	p.subject == "10001/tcp"
	contains(p.message, "token authentication is on")
}

test_no_listener_is_not_applicable if {
	inp := host([{"op": "replace", "path": "/sockets/listeners", "value": [l | some l in f.doc_listeners; l.port != 6379]}], {})
	some n in check.not_applicable with input as inp
	n.subject == "6379/tcp"
}

token_off := [
	{"op": "replace", "path": "/probes/ray", "value": [pf.ray_probe("10.0.0.84", "absent", 404, 200, "")]},
	{"op": "replace", "path": "/docker/containers", "value": []},
]

# A rule the model does not understand on the way: whether the client
# server is reachable cannot be told; without a token that is unknown.
test_rule_not_understood_without_token_is_unknown if {
	inp := host(token_off, {10001: mf.undecided, 6379: mf.undecided})
	{x.subject | some x in check.unknown} == {"10001/tcp", "6379/tcp"} with input as inp
	count(check.deny) == 0 with input as inp
	count(check.pass) == 0 with input as inp
}

test_rule_not_understood_with_token_passes if {
	inp := host([], {10001: mf.undecided, 6379: mf.undecided})
	count(check.unknown) == 0 with input as inp
	some p in check.pass with input as inp
	contains(p.message, "cannot be told, but Ray token authentication is on")
}

test_rule_not_understood_for_another_port_leaves_it_judged if {
	inp := host(token_off, {8080: mf.undecided})
	count(check.unknown) == 0 with input as inp
	{p.subject | some p in check.pass} == {"10001/tcp", "6379/tcp"} with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as host([], {})
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "10001/tcp"
	r.target == {"kind": "port", "port": 10001, "proto": "tcp", "registry": "ray-client"}
}
