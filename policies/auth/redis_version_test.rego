package mlscan.auth.redis_version_test

import data.mlscan.auth.redis_version as check
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

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
	contains(u.message, "no REDIS_VERSION")
	count(check.pass) == 0 with input as inp
}

# The official image under a floating tag names its release in
# REDIS_VERSION: the documented redis:7.2-alpine behind a password.
test_redis_version_env_is_judged if {
	c := object.union(pf.redis, {"image": "docker.io/library/redis:7.2-alpine", "env": [pf.env("REDIS_VERSION", "7.2.11")]})
	inp := pf.with_container(c)
	some p in check.pass with input as inp
	p.subject == "container redis (compose service redis)"
	p.evidence.observed == "7.2.11"
	contains(p.evidence.source, "REDIS_VERSION=7.2.11 in the environment of container redis")
	contains(p.evidence.source, "redis:7.2-alpine")
	count(check.unknown) == 0 with input as inp
	count(check.deny) == 0 with input as inp
}

test_redis_version_env_unpatched_fails if {
	c := object.union(pf.redis, {"image": "redis:7.2-alpine", "env": [pf.env("REDIS_VERSION", "7.2.4")]})
	some d in check.deny with input as pf.with_container(c)
	d.subject == "container redis (compose service redis)"
	contains(d.message, "Redis 7.2.4 is older than 7.2.11")
	startswith(d.evidence.source, "REDIS_VERSION=7.2.4")
	d.location.file == "/opt/ml/docker-compose.yml"
}

test_redis_version_env_before_tag if {
	# The environment names the image's build; the tag may be re-pointed.
	c := object.union(pf.redis, {"image": "redis:7.2.11-alpine", "env": [pf.env("REDIS_VERSION", "7.2.10")]})
	some d in check.deny with input as pf.with_container(c)
	d.evidence.observed == "7.2.10"
}

test_redis_version_dropped_or_odd_value_falls_back_to_tag if {
	# A value the collector dropped (not kept) or that is no x.y.z.
	dropped := object.union(pf.redis, {"env": [{"key": "REDIS_VERSION", "kept": false}]})
	some p in check.pass with input as pf.with_container(dropped)
	p.evidence.source == "image tag redis:7.2.11-alpine"
	odd := object.union(pf.redis, {"image": "redis:7.2", "env": [pf.env("REDIS_VERSION", "unstable")]})
	some u in check.unknown with input as pf.with_container(odd)
	u.subject == "container redis (compose service redis)"
}

test_docker_missing_is_unknown if {
	some u in check.unknown with input as pf.without("docker", "error", "Cannot connect")
	u.subject == "host"
}

test_no_redis_is_not_applicable if {
	count(check.not_applicable) == 1 with input as pf.no_service("redis", 6380)
}

# When INFO server tells the version on the container's port, that is
# what runs: the image's REDIS_VERSION or tag is not judged beside it.
test_info_server_supersedes_the_image if {
	p := object.union(pf.redis_probe("127.0.0.1", "pong"), {"version": "7.0.15"})
	c := object.union(pf.redis, {"image": "redis:7.2-alpine", "env": [pf.env("REDIS_VERSION", "7.2.11")]})
	inp := json.patch(pf.with_container(c), [{"op": "replace", "path": "/probes/redis/1", "value": p}])
	some d in check.deny with input as inp
	d.subject == "127.0.0.1:6380"
	not "container redis (compose service redis)" in {r.subject | some r in check.pass} with input as inp
	not "container redis (compose service redis)" in {r.subject | some r in check.unknown} with input as inp
}

test_info_server_on_another_port_does_not_hide_a_container if {
	# A second Redis (no password) answered on 6390; the broker on 6380
	# behind its password is still judged from its image.
	p := object.union(pf.redis_probe("127.0.0.1", "pong"), {"version": "7.2.11", "port": 6390})
	c := object.union(pf.redis, {"image": "redis:7.2", "env": []})
	inp := json.patch(pf.with_container(c), [{"op": "add", "path": "/probes/redis/-", "value": p}])
	some u in check.unknown with input as inp
	u.subject == "container redis (compose service redis)"
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "container redis (compose service redis)"
	r.target == {"container": "redis", "kind": "container"}
}
