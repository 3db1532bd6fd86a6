package mlscan.exposure.ray_bind_test

import data.mlscan.exposure.ray_bind as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt

# The documented host: dashboard, client and GCS on 0.0.0.0 (expected finding).
test_documented_wildcards_fail if {
	{d.subject | some d in check.deny} == {"8265/tcp", "10001/tcp", "6379/tcp"} with input as f.doc_host
	{p.subject | some p in check.pass} == {"9091/tcp"} with input as f.doc_host
}

test_node_address_passes if {
	inp := f.patched([{"op": "replace", "path": "/sockets/listeners", "value": [
		f.listener("127.0.0.1", 8265, "ray"), f.listener("10.0.0.84", 10001, "ray"), f.listener("10.0.0.84", 6379, "gcs_server"),
	]}])
	count(check.deny) == 0 with input as inp
	count(check.pass) == 3 with input as inp
}

test_worker_range_counts if {
	inp := f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("::", 10020, "raylet")}])
	some d in check.deny with input as inp
	d.subject == "10020/tcp"
	contains(d.message, "ray-workers")
}

test_no_ray_is_not_applicable if {
	inp := f.patched([{"op": "replace", "path": "/sockets/listeners", "value": [f.listener("0.0.0.0", 22, "sshd")]}])
	count(check.not_applicable) == 1 with input as inp
	count(check.pass) == 0 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "10001/tcp"
	r.target == {"kind": "port", "port": 10001, "proto": "tcp", "registry": "ray-client"}
}
