package mlscan.registry.ray_ports_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
import data.mlscan.registry.ray_ports as check

test_pinned_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.pass) == 1 with input as pf.host
}

test_missing_flags_fail if {
	cmd := ["ray", "start", "--head", "--port=6379", "--dashboard-host=0.0.0.0", "--metrics-export-port", "9091", "--block"]
	some d in check.deny with input as pf.with_container(object.union(pf.ray_head, {"cmd": cmd}))
	contains(d.message, "--node-manager-port")
	contains(d.message, "--min-worker-port")
	not contains(d.message, "--metrics-export-port")
	d.location.file == "/opt/ml/docker-compose.yml"
}

test_worker_port_list_replaces_range if {
	cmd := array.concat([f | some f in pf.ray_cmd; not startswith(f, "--min-worker-port"); not startswith(f, "--max-worker-port")], ["--worker-port-list=10010,10011"])
	count(check.deny) == 0 with input as pf.with_container(object.union(pf.ray_head, {"cmd": cmd}))
}

test_shell_wrapped_command_is_read if {
	c := object.union(pf.ray_head, {"cmd": ["sh", "-c", concat(" ", pf.ray_cmd)]})
	count(check.deny) == 0 with input as pf.with_container(c)
	count(check.pass) == 1 with input as pf.with_container(c)
}

test_docker_missing_is_unknown if {
	some u in check.unknown with input as pf.without("docker", "error", "Cannot connect")
	contains(u.message, "could not be listed")
}

test_no_ray_is_not_applicable if {
	inp := pf.patched([
		{"op": "replace", "path": "/docker/containers", "value": [pf.redis]},
		{"op": "replace", "path": "/sockets/listeners", "value": [l | some l in input_listeners; not l.port in {6379, 8265, 9091, 10001}]},
	])
	count(check.not_applicable) == 1 with input as inp
	count(check.unknown) == 0 with input as inp
}

input_listeners := pf.host.sockets.listeners

# The documented host pins everything below Linux's default ephemeral range.
with_ephemeral(from, to, reserved) := pf.patched([
	{"op": "add", "path": "/sockets/ephemeral_ports", "value": {"from": from, "to": to}},
	{"op": "add", "path": "/sockets/reserved_ports", "value": reserved},
])

test_outside_ephemeral_range_passes if {
	inp := with_ephemeral(32768, 60999, [])
	count(check.deny) == 0 with input as inp
	some p in check.pass with input as inp
	contains(p.message, "outside the kernel's ephemeral port range 32768-60999")
}

test_unrecorded_ephemeral_range_is_said if {
	some p in check.pass with input as pf.host
	contains(p.message, "does not record the kernel's ephemeral port range")
}

test_pinned_port_in_ephemeral_range_fails if {
	# A range lowered to 10000-65000 takes the node manager's port and
	# part of the worker range.
	inp := with_ephemeral(10000, 65000, [])
	some d in check.deny with input as inp
	contains(d.message, "--node-manager-port=10002")
	contains(d.message, "--min-worker-port..--max-worker-port=")
	contains(d.message, "ephemeral port range 10000-65000")
	count(check.pass) == 0 with input as inp
}

test_reserved_ports_are_not_clashes if {
	inp := with_ephemeral(9000, 65000, [{"from": 9000, "to": 20000}])
	count(check.deny) == 0 with input as inp
	count(check.pass) == 1 with input as inp
}

test_worker_port_list_in_ephemeral_range_fails if {
	cmd := array.concat([f | some f in pf.ray_cmd; not startswith(f, "--min-worker-port"); not startswith(f, "--max-worker-port")], ["--worker-port-list=10010,40000"])
	inp := json.patch(with_ephemeral(32768, 60999, []), [{"op": "replace", "path": sprintf("/docker/containers/%d/cmd", [pf.container_index(pf.ray_head.name)]), "value": cmd}])
	some d in check.deny with input as inp
	contains(d.message, "--worker-port-list=40000")
	not contains(d.message, "10010")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "container ray-head (compose service ray-head)"
	r.target == {"container": "ray-head", "kind": "container"}
}
