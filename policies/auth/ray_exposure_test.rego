package mlscan.auth.ray_exposure_test

import data.mlscan.auth.ray_exposure as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
import data.mlscan.lib.ufw_test as u

open_10001 := f.rule("allow", "10001", "tcp", "any", false)

test_documented_firewall_keeps_them_private if {
	count(check.deny) == 0 with input as pf.host
	{p.subject | some p in check.pass} == {"10001/tcp", "6379/tcp"} with input as pf.host
}

test_exposed_without_token_fails if {
	inp := pf.patched([
		{"op": "add", "path": "/ufw/rules/items/-", "value": open_10001},
		{"op": "replace", "path": "/probes/ray", "value": [pf.ray_probe("10.0.0.84", "absent", 404, 200, "")]},
		{"op": "replace", "path": "/docker/containers", "value": []},
	])
	some d in check.deny with input as inp
	d.subject == "10001/tcp"
	contains(d.message, "ray-client")
	contains(d.message, "off")
	count(check.deny) == 1 with input as inp
}

test_exposed_with_token_passes if {
	inp := pf.patched([{"op": "add", "path": "/ufw/rules/items/-", "value": open_10001}])
	count(check.deny) == 0 with input as inp
	some p in check.pass with input as inp
	p.subject == "10001/tcp"
	contains(p.message, "token authentication is on")
}

test_no_listener_is_not_applicable if {
	inp := pf.patched([{"op": "replace", "path": "/sockets/listeners", "value": [l | some l in f.doc_listeners; l.port != 6379]}])
	some n in check.not_applicable with input as inp
	n.subject == "6379/tcp"
}

token_off := [
	{"op": "replace", "path": "/probes/ray", "value": [pf.ray_probe("10.0.0.84", "absent", 404, 200, "")]},
	{"op": "replace", "path": "/docker/containers", "value": []},
]

# A rule not understood of which no port could be read: whether the client
# server is reachable cannot be told; without a token that is unknown.
test_unparsed_rule_without_token_is_unknown if {
	inp := pf.patched(array.concat(token_off, [{"op": "add", "path": "/ufw/rules/unparsed", "value": [u.unparsed_any]}]))
	{x.subject | some x in check.unknown} == {"10001/tcp", "6379/tcp"} with input as inp
	count(check.deny) == 0 with input as inp
	count(check.pass) == 0 with input as inp
}

test_unparsed_rule_with_token_passes if {
	inp := pf.patched([{"op": "add", "path": "/ufw/rules/unparsed", "value": [u.unparsed_any]}])
	count(check.unknown) == 0 with input as inp
	some p in check.pass with input as inp
	contains(p.message, "cannot be told, but Ray token authentication is on")
}

test_unparsed_rule_for_another_port_leaves_it_judged if {
	inp := pf.patched(array.concat(token_off, [{"op": "add", "path": "/ufw/rules/unparsed", "value": [u.unparsed_8080]}]))
	count(check.unknown) == 0 with input as inp
	{p.subject | some p in check.pass} == {"10001/tcp", "6379/tcp"} with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "10001/tcp"
	r.target == {"kind": "port", "port": 10001, "proto": "tcp", "registry": "ray-client"}
}
