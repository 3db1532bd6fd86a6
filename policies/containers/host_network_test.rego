package mlscan.containers.host_network_test

import data.mlscan.containers.host_network as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt

web := "container web (compose service web)"

ray := d.mod(d.clean("ray-head", "ray-head"), {"image": "rayproject/ray:2.54.0"})

ray_subject := "container ray-head (compose service ray-head)"

# owned(addr, port, process, c) is a listener the collector linked to
# container c.
owned(addr, port, process, c) := object.union(f.listener(addr, port, process), {
	"container_id": c.id, "container_name": c.name, "compose_service": c.compose.service,
})

# with_listeners is the documented host with these containers and extra
# listeners.
with_listeners(cs, ls) := json.patch(d.host(cs), [{"op": "replace", "path": "/sockets/listeners", "value": array.concat(f.doc_listeners, ls)}])

# The documented Ray head: its name is no registry owner, but every port
# it listens on is registered with its processes among the owners.
ray_ls := [
	owned("0.0.0.0", 6379, "gcs_server", ray),
	owned("0.0.0.0", 8265, "dashboard", ray),
	owned("0.0.0.0", 10001, "ray", ray),
	owned("10.0.0.84", 9091, "raylet", ray),
	owned("10.0.0.84", 10002, "raylet", ray),
	owned("10.0.0.84", 10003, "raylet", ray),
]

test_registered_listeners_pass if {
	inp := with_listeners([ray], ray_ls)
	count(check.deny) == 0 with input as inp
	p := d.by_subject(check.pass, ray_subject) with input as inp
	contains(p.message, "every socket it listens on is registered to it")
	contains(p.message, "0.0.0.0:6379 (gcs_server")
	contains(p.evidence.observed, "10.0.0.84:10003")
}

test_listener_linked_by_id_prefix if {
	# A listener carrying only the (short) container id is still linked.
	l := object.union(f.listener("0.0.0.0", 8888, "jupyter"), {"container_id": substring(ray.id, 0, 12)})
	r := d.by_subject(check.deny, ray_subject) with input as with_listeners([ray], array.concat(ray_ls, [l]))
	contains(r.message, "port 8888/tcp is not in the registry")
}

test_no_listener_passes if {
	# The documented Celery workers listen on nothing.
	p := d.by_subject(check.pass, "container celery-worker (compose service celery-worker)") with input as d.doc
	contains(p.message, "listens on nothing")
	contains(p.evidence.observed, "listens on nothing")
	count(check.deny) == 0 with input as d.doc
}

test_unregistered_listener_fails if {
	inp := with_listeners([d.web], [owned("0.0.0.0", 8888, "jupyter-lab", d.web)])
	r := d.by_subject(check.deny, web) with input as inp
	contains(r.message, "does not declare for it")
	contains(r.message, "0.0.0.0:8888 (jupyter-lab, pid 8888): port 8888/tcp is not in the registry")
	r.location.file == "/opt/ml/docker-compose.yml"
}

test_unregistered_listener_fails_even_when_declared_by_name if {
	# redis owns 6380 in the registry; 20380 is not registered.
	inp := with_listeners([d.redis], [owned("0.0.0.0", 6380, "redis-server", d.redis), owned("10.0.0.84", 20380, "redis-server", d.redis)])
	r := d.by_subject(check.deny, "container redis-celery (compose service redis)") with input as inp
	contains(r.message, "20380/tcp is not in the registry")
	not contains(r.message, "0.0.0.0:6380")
}

test_registered_port_other_owner_fails if {
	# A host-network container squatting Ray's GCS port.
	inp := with_listeners([d.web], [owned("0.0.0.0", 6379, "nc", d.web)])
	r := d.by_subject(check.deny, web) with input as inp
	contains(r.message, "registered for gcs_server|ray, owned by nc, web")
}

test_undeclared_loopback_listener_fails if {
	inp := with_listeners([d.web], [owned("127.0.0.1", 18081, "httpd", d.web)])
	r := d.by_subject(check.deny, web) with input as inp
	contains(r.message, "is not among the registry's owners, and listens on loopback ports")
}

test_declared_loopback_listener_passes if {
	inp := with_listeners([d.redis], [owned("127.0.0.1", 6380, "redis-server", d.redis), owned("127.0.0.1", 26379, "redis-server", d.redis)])
	count(check.deny) == 0 with input as inp
	p := d.by_subject(check.pass, "container redis-celery (compose service redis)") with input as inp
	contains(p.message, "declared in the registry as redis")
}

test_owners_unreadable_is_unknown if {
	inp := json.patch(d.doc, [{"op": "replace", "path": "/sockets/owners", "value": {"status": "permission", "error": "/proc/1/fd: permission denied"}}])
	u := d.by_subject(check.unknown, "container celery-worker (compose service celery-worker)") with input as inp
	contains(u.message, "permission denied")
	contains(u.message, "run mlscan as root")
	count(check.pass) == 0 with input as inp
	count(check.deny) == 0 with input as inp
}

test_sockets_missing_is_unknown if {
	inp := json.remove(d.doc, ["/sockets"])
	u := d.by_subject(check.unknown, web) with input as inp
	contains(u.message, "did not run")
	count(check.pass) == 0 with input as inp
}

test_stopped_container if {
	stopped := d.mod(d.web, {"running": false, "state": "exited"})
	u := d.by_subject(check.unknown, web) with input as d.host([stopped])
	contains(u.message, "not running (exited)")
	declared := d.mod(d.redis, {"running": false, "state": "exited"})
	"container redis-celery (compose service redis)" in d.subjects(check.pass) with input as d.host([declared])
}

test_bridge_containers_not_judged if {
	c := d.mod(d.web, {"network_mode": "bridge"})
	count(check.deny) == 0 with input as d.host([c])
	some n in check.not_applicable with input as d.host([c])
	contains(n.message, "no host-network containers")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as d.doc
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "container celery-worker (compose service celery-worker)"
	r.target == {"container": "celery-worker", "kind": "container"}
}

# A container whose inspect call failed is unknown; the others are judged
# as without it; a host with only that container is not "no containers".
test_uninspected_container_is_unknown if {
	v := {"deny": check.deny, "pass": check.pass, "unknown": check.unknown} with input as d.with_ghost
	doc := {"deny": check.deny, "pass": check.pass} with input as d.doc
	only := {"unknown": check.unknown, "not_applicable": check.not_applicable} with input as d.host([d.ghost])
	d.ghost_judged(v, doc, only)
}
