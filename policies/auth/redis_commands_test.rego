package mlscan.auth.redis_commands_test

import data.mlscan.auth.redis_commands as check
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

# The document's command line: a password, nothing else.
documented_cmd := ["redis-server", "--port", "6380", "--requirepass", "<redacted>", "--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru"]

test_acl_restricts_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.pass) == 1 with input as pf.host
}

test_documented_redis_fails_medium if {
	inp := pf.with_container(object.union(pf.redis, {"cmd": documented_cmd, "command": concat(" ", documented_cmd)}))
	some d in check.deny with input as inp
	d.subject == "container redis (compose service redis)"
	contains(d.message, "CONFIG")
	not d.severity
	d.location.file == "/opt/ml/docker-compose.yml"
}

test_old_redis_without_acl_warns_about_lua if {
	inp := pf.with_container(object.union(pf.redis, {"cmd": documented_cmd, "image": "redis:7.2.4"}))
	some d in check.deny with input as inp
	d.severity == "info"
	contains(d.message, "CVE-2025-49844")
}

test_rename_command_everything_passes if {
	cmd := array.concat(documented_cmd, [w |
		some c in check.dangerous
		some w in ["--rename-command", c, "\"\""]
	])
	inp := pf.with_container(object.union(pf.redis, {"cmd": cmd}))
	count(check.deny) == 0 with input as inp
}

test_debug_command_on_fails if {
	inp := pf.with_container(object.union(pf.redis, {"cmd": array.concat(pf.redis_cmd, ["--enable-debug-command", "yes"])}))
	some d in check.deny with input as inp
	contains(d.message, "enable-debug-command yes")
	d.severity == "medium"
}

test_config_file_is_unknown if {
	c := json.patch(pf.redis, [
		{"op": "replace", "path": "/cmd", "value": ["redis-server", "/etc/redis/redis.conf"]},
		{"op": "add", "path": "/redis/config_file", "value": "/etc/redis/redis.conf"},
	])
	some u in check.unknown with input as pf.with_container(c)
	contains(u.message, "/etc/redis/redis.conf")
	count(check.deny) == 0 with input as pf.with_container(c)
}

test_no_password_fails if {
	inp := pf.patched([{"op": "replace", "path": "/probes/redis/1", "value": pf.redis_probe("127.0.0.1", "pong")}])
	some d in check.deny with input as inp
	d.subject == "127.0.0.1:6380"
}

test_docker_missing_is_unknown if {
	some u in check.unknown with input as pf.without("docker", "error", "Cannot connect")
	contains(u.message, "could not be listed")
}

test_no_redis_is_not_applicable if {
	count(check.not_applicable) == 1 with input as pf.no_service("redis", 6380)
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

# The Lua finding follows the fixed release of the version's own line
# (GHSA-4789-qfc9-5f9q): 7.4.5 is unpatched, 6.2.20 is patched.
test_lua_finding_per_release_line if {
	lua(object.union(pf.redis, {"cmd": documented_cmd, "image": "redis:7.4.5"}))
	not lua(object.union(pf.redis, {"cmd": documented_cmd, "image": "redis:6.2.20"}))
	not lua(object.union(pf.redis, {"cmd": documented_cmd, "image": "redis:7.2.11"}))
	some d in check.deny with input as pf.with_container(object.union(pf.redis, {"cmd": documented_cmd, "image": "redis:7.4.5"}))
	contains(d.message, "older than 7.4.6, the fixed release of the 7.4 line")
	d.evidence.expected == "EVAL, EVALSHA and FUNCTION restricted (-@scripting), or Redis >= 7.4.6"
}

lua(c) if {
	some d in check.deny with input as pf.with_container(c)
	contains(d.message, "CVE-2025-49844")
}
