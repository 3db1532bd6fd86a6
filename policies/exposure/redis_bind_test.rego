package mlscan.exposure.redis_bind_test

import data.mlscan.exposure.redis_bind as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

test_documented_wildcard_fails if {
	some d in check.deny with input as f.doc_host
	d.subject == "6380/tcp"
	contains(d.message, "0.0.0.0")
	count(check.pass) == 0 with input as f.doc_host
}

test_host_address_fails_and_names_the_flag if {
	inp := json.patch(pf.with_container(object.union(pf.redis, {"redis": {"bind": "10.0.0.84"}})), [
		{"op": "replace", "path": "/sockets/listeners", "value": [f.listener("10.0.0.84", 6380, "redis-server")]},
	])
	some d in check.deny with input as inp
	contains(d.message, "--bind 10.0.0.84")
}

test_loopback_passes if {
	inp := f.patched([{"op": "replace", "path": "/sockets/listeners", "value": [f.listener("127.0.0.1", 6380, "redis-server"), f.listener("::1", 6380, "redis-server")]}])
	count(check.deny) == 0 with input as inp
	count(check.pass) == 1 with input as inp
}

test_gcs_on_6379_is_not_redis if {
	inp := f.patched([{"op": "replace", "path": "/sockets/listeners", "value": [f.listener("0.0.0.0", 6379, "gcs_server")]}])
	count(check.deny) == 0 with input as inp
	count(check.not_applicable) == 1 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "6380/tcp"
	r.target == {"kind": "port", "port": 6380, "proto": "tcp", "registry": "redis-broker"}
}
