package mlscan.auth.redis_version_test

import data.mlscan.auth.redis_version as check
import data.mlscan.lib.probe_fixtures as pf

test_patched_image_passes if {
	count(check.deny) == 0 with input as pf.host
	some p in check.pass with input as pf.host
	p.subject == "container redis (compose service redis)"
}

test_unpatched_7_2_fails if {
	inp := pf.with_container(object.union(pf.redis, {"image": "redis:7.2.4-alpine"}))
	some d in check.deny with input as inp
	contains(d.message, "older than 7.2.11")
	d.evidence.expected == ">= 7.2.11"
	d.location.file == "/opt/ml/docker-compose.yml"
}

test_other_lines if {
	not check.vulnerable("7.4.6")
	check.vulnerable("7.4.5")
	check.vulnerable("8.2.1")
	not check.vulnerable("8.2.2")
	not check.vulnerable("8.4.0")
	contains(check.vulnerable("7.0.15"), "received no fix")
	contains(check.vulnerable("6.0.20"), "received no fix")
}

test_info_server_version_is_judged if {
	p := object.union(pf.redis_probe("127.0.0.1", "pong"), {"version": "7.0.15"})
	inp := pf.patched([{"op": "replace", "path": "/probes/redis/1", "value": p}])
	some d in check.deny with input as inp
	d.subject == "127.0.0.1:6380"
	d.evidence.source == "INFO server at 127.0.0.1:6380"
}

test_floating_tag_is_unknown if {
	inp := pf.with_container(object.union(pf.redis, {"image": "redis:7.2"}))
	some u in check.unknown with input as inp
	contains(u.message, "redis:7.2")
	count(check.pass) == 0 with input as inp
}

test_docker_missing_is_unknown if {
	some u in check.unknown with input as pf.without("docker", "error", "Cannot connect")
	u.subject == "host"
}

test_no_redis_is_not_applicable if {
	count(check.not_applicable) == 1 with input as pf.no_service("redis", 6380)
}
