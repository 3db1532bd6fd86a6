package mlscan.registry.owner_scope_test

import data.mlscan.lib.fixtures as f
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
import data.mlscan.registry.owner_scope as check

test_redis_on_wildcard_is_wider_than_registered if {
	some d in check.deny with input as f.doc_host
	d.subject == "6380/tcp"
	contains(d.message, "wider")
	d.location.line > 0
}

test_redis_on_loopback_passes if {
	inp := f.patched([{"op": "replace", "path": "/sockets/listeners/3", "value": f.listener("127.0.0.1", 6380, "redis-server")}])
	not "6380/tcp" in {d.subject | some d in check.deny} with input as inp
	"6380/tcp" in {p.subject | some p in check.pass} with input as inp
}

test_squatter_fails if {
	inp := f.patched([{"op": "replace", "path": "/sockets/listeners/0", "value": f.listener("0.0.0.0", 22, "nc")}])
	some d in check.deny with input as inp
	d.subject == "22/tcp"
	contains(d.message, "owned by nc")
}

test_owner_unreadable_is_unknown if {
	l := object.remove(f.listener("0.0.0.0", 22, ""), ["process", "pid"])
	inp := f.patched([{"op": "replace", "path": "/sockets/listeners/0", "value": l}])
	some u in check.unknown with input as inp
	u.subject == "22/tcp"
	not "22/tcp" in {p.subject | some p in check.pass} with input as inp
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
