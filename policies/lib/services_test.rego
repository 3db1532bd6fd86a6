package mlscan.lib.services_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.model_fixtures as mf
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.services as svc

test_image_repo_tag_version if {
	c := {"image": "docker.io/rayproject/ray:2.9.3-py310-gpu@sha256:abc"}
	svc.image_repo(c) == "ray"
	svc.image_tag(c) == "2.9.3-py310-gpu"
	svc.tag_version(c) == "2.9.3"
	svc.tag_version({"image": "mher/flower:v2.0.1"}) == "2.0.1"
	not svc.tag_version({"image": "redis:7.2"})
	not svc.tag_version({"image": "redis:latest"})
	not svc.tag_version({"image": "redis"})
	svc.image_repo({"image": "localhost:5000/redis"}) == "redis"
}

test_kinds if {
	svc.is_kind(pf.ray_head, "ray")
	svc.is_kind(pf.redis, "redis")
	svc.is_kind(pf.flower, "flower")
	svc.is_kind(pf.grafana, "grafana")
	not svc.is_kind(pf.flower, "redis")
	not svc.is_kind(pf.redis, "ray")
	svc.is_kind({"name": "ml-ray-worker-1", "image": "custom:1"}, "ray")
	not svc.is_kind({"name": "array-store", "image": "custom:1"}, "ray")
}

kinds(c) := {k | some k in svc.kinds; svc.is_kind(c, k)}

# Each way a container is recognised, alone (custom image, neutral name).
test_kinds_each_signal if {
	kinds({"name": "a", "image": "custom:1", "cmd": ["/opt/bin/ray", "start", "--head"]}) == {"ray"}
	kinds({"name": "a", "image": "custom:1", "cmd": ["celery", "flower", "--port=5555"]}) == {"flower"}
	kinds({"name": "a", "image": "custom:1", "redis": {}}) == {"redis"}
	kinds({"name": "a", "image": "grafana/grafana-oss:10.4.2"}) == {"grafana"}
	kinds({"name": "a", "image": "valkey/valkey:7.2"}) == {"redis"}
	kinds({"name": "a", "compose": {"service": "Grafana_2"}, "image": "custom:1"}) == {"grafana"}
	kinds({"name": "sunflower", "image": "custom:1", "cmd": ["flowers", "start"]}) == set()
	kinds({"name": "ray-flower", "image": "custom:1"}) == {"ray", "flower"}
	kinds({"name": "a", "image": "custom:1", "entrypoint": ["ray"], "cmd": ["start"]}) == {"ray"}
}

test_ray_start if {
	svc.ray_start({"entrypoint": ["/usr/bin/ray"], "cmd": ["start", "--head"]})
	svc.ray_start({"cmd": ["sh", "-c", "ray start --head --block"]})
	not svc.ray_start({"cmd": ["ray", "status"]})
	not svc.ray_start({"cmd": ["xray", "start"]})
	not svc.ray_start({"cmd": ["start", "ray"]})
	svc.ray_start({"cmd": ["/opt/venv/bin/ray", "start"]})
}

test_flag_value if {
	svc.flag_value(pf.ray_head, "--dashboard-host") == "0.0.0.0"
	svc.flag_value({"cmd": ["redis-server", "--port", "6380"]}, "--port") == "6380"
	svc.has_flag({"cmd": ["x", "--block"]}, "--block")
	not svc.has_flag(pf.ray_head, "--worker-port-list")
}

test_flag_value_forms if {
	c := {"cmd": ["sh", "-c", "ray start --port=6379 --port 7000 --block --x==y --head"]}
	svc.flag_value(c, "--port") == "6379" # "--flag=value" first
	svc.flag_value(c, "--x") == "=y"
	svc.flag_value(c, "--block") == "--x==y"
	not svc.flag_value(c, "--head") # last word: no value
	not svc.flag_value(c, "--nope")
	svc.has_flag(c, "--head")
	svc.flag_value({"entrypoint": ["redis-server"], "cmd": ["--requirepass", "a b"]}, "--requirepass") == "a"
}

test_registry_ports_by_kind if {
	svc.ports_of("redis") == {6380}
	svc.ports_of("ray") == {8265}
	svc.ports_of("flower") == {5555}
	svc.ports_of("grafana") == {3002}
	not 6379 in svc.ports_of("redis")
}

test_absent_needs_both_listener_and_container_evidence if {
	count(svc.absent("flower")) == 1 with input as pf.no_service("flower", 5555)
	count(svc.absent("flower")) == 0 with input as pf.host

	# the listener is gone but the container remains
	inp := json.patch(pf.no_service("flower", 5555), [{"op": "add", "path": "/docker/containers/-", "value": pf.flower}])
	count(svc.absent("flower")) == 0 with input as inp
	svc.why_unknown("flower") == "no flower probe result, and nothing proves flower absent: a flower container exists but answers no probe" with input as inp
}

test_absent_when_no_engine if {
	inp := json.patch(pf.no_service("flower", 5555), [
		{"op": "replace", "path": "/docker", "value": {"engine_installed": false, "containers": []}},
		{"op": "replace", "path": "/collectors/docker", "value": {"status": "unavailable", "error": "no engine"}},
	])
	some r in svc.absent("flower") with input as inp
	contains(r.message, "no container engine is installed")
}

test_addr_port if {
	svc.addr_port({"address": "::1", "port": 8265}) == "[::1]:8265"
	svc.addr_port({"address": "10.0.0.84", "port": 8265}) == "10.0.0.84:8265"
}

test_private_only_follows_the_model if {
	svc.private_only(8265) with input as mf.with_outside(pf.host, {})
	not svc.private_only(8265) with input as mf.with_outside(pf.host, {8265: mf.accepted(8265)})
	not svc.private_only(8265) with input as mf.with_outside(pf.host, {8265: mf.undecided})
	not svc.private_only(8265) with input as pf.host
	not svc.private_only(8265) with input as mf.with_outside(pf.patched([{"op": "replace", "path": "/collectors/netfilter", "value": {"status": "permission", "error": "needs root"}}]), {})
}

test_docker_missing_reads_no_containers if {
	count(svc.containers) == 0 with input as pf.without("docker", "error", "Cannot connect")
	not svc.docker_ok with input as pf.without("docker", "error", "Cannot connect")
}

test_redis_unpatched_per_line if {
	not svc.redis_unpatched("7.4.6")
	svc.redis_unpatched("7.4.5")
	svc.redis_unpatched("8.2.1")
	not svc.redis_unpatched("8.2.2")
	not svc.redis_unpatched("8.4.0")
	contains(svc.redis_unpatched("7.0.15"), "received no fix")
	contains(svc.redis_unpatched("6.0.20"), "received no fix")
	svc.redis_unpatched("7.2.4") == "Redis 7.2.4 is older than 7.2.11, the fixed release of the 7.2 line"
	not svc.redis_unpatched("6.2.20")
	svc.redis_fixed_str("7.4.1", "x") == "7.4.6"
	svc.redis_fixed_str("7.0.1", "x") == "x"
}

# A Redis container whose inspect call failed is not judged on the fields
# it lacks: it is left out of the services and every service check makes
# it unknown.
test_uninspected_container_is_not_a_service if {
	ghost := object.union(d.ghost, {"name": "redis-ghost", "image": "redis:7"})
	inp := pf.patched([{"op": "add", "path": "/docker/containers/-", "value": ghost}])
	not "redis-ghost" in {c.name | some c in svc.containers} with input as inp
	some u in svc.uninspected with input as inp
	contains(u.message, "could not be verified")
	some r in data.mlscan.auth.redis_commands.unknown with input as inp
	r.subject == "container redis-ghost (compose service ghost)"
	not "container redis-ghost (compose service ghost)" in {x.subject | some x in data.mlscan.auth.redis_commands.deny} with input as inp
}
