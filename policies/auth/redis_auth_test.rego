package mlscan.auth.redis_auth_test

import data.mlscan.auth.redis_auth as check
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

test_password_required_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.unknown) == 0 with input as pf.host
	count(check.pass) == 2 with input as pf.host
}

test_pong_fails_critical if {
	inp := pf.patched([{"op": "replace", "path": "/probes/redis/1", "value": pf.redis_probe("127.0.0.1", "pong")}])
	some d in check.deny with input as inp
	d.subject == "127.0.0.1:6380"
	d.severity == "critical"
	contains(d.message, "+PONG")
	count(check.deny) == 1 with input as inp
}

test_protected_mode_fails_high if {
	inp := pf.patched([{"op": "replace", "path": "/probes/redis/0", "value": pf.redis_probe("10.0.0.84", "denied")}])
	some d in check.deny with input as inp
	d.subject == "10.0.0.84:6380"
	d.severity == "high"
}

test_unreachable_address_is_unknown_never_pass if {
	p := object.union(pf.redis_probe("10.0.0.84", "none"), {"state": "filtered", "error": "i/o timeout"})
	inp := pf.patched([{"op": "replace", "path": "/probes/redis/0", "value": p}])
	some u in check.unknown with input as inp
	u.subject == "10.0.0.84:6380"
	contains(u.message, "filtered")
	not "10.0.0.84:6380" in {r.subject | some r in check.pass} with input as inp
}

test_no_redis_is_not_applicable if {
	inp := pf.no_service("redis", 6380)
	some n in check.not_applicable with input as inp
	contains(n.message, "nothing listens on 6380/tcp")
	contains(n.message, "no redis container")
	count(check.unknown) == 0 with input as inp
}

test_no_probe_but_listener_is_unknown if {
	inp := pf.patched([{"op": "replace", "path": "/probes/redis", "value": []}])
	some u in check.unknown with input as inp
	u.subject == "host"
	count(check.not_applicable) == 0 with input as inp
}

test_no_probe_docker_missing_is_unknown if {
	inp := json.patch(pf.no_service("redis", 6380), [
		{"op": "remove", "path": "/docker"},
		{"op": "replace", "path": "/collectors/docker", "value": {"status": "error", "error": "Cannot connect to the Docker daemon"}},
	])
	some u in check.unknown with input as inp
	contains(u.message, "containers could not be listed")
	count(check.not_applicable) == 0 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "10.0.0.84:6380"
	r.target == {"address": "10.0.0.84", "kind": "listener", "port": 6380, "proto": "tcp", "registry": "redis-broker"}
}
