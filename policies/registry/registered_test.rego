package mlscan.registry.registered_test

import data.mlscan.lib.fixtures as f
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
import data.mlscan.registry.registered as check

test_documented_host_passes if {
	count(check.deny) == 0 with input as f.doc_host
}

test_unregistered_wildcard_is_high if {
	inp := f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 4444, "nc")}])
	some d in check.deny with input as inp
	d.subject == "4444/tcp"
	d.severity == "high"
}

test_unregistered_host_addr_is_medium if {
	inp := f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("10.0.0.84", 4444, "nc")}])
	some d in check.deny with input as inp
	d.severity == "medium"
}

test_ray_worker_range_is_registered if {
	inp := f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("10.0.0.84", 12345, "raylet")}])
	count(check.deny) == 0 with input as inp
}

test_loopback_not_judged if {
	inp := f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("127.0.0.1", 4444, "nc")}])
	count(check.deny) == 0 with input as inp
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
