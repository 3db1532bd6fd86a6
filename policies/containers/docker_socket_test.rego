package mlscan.containers.docker_socket_test

import data.mlscan.containers.docker_socket as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt

mount(src, dst, rw) := {"type": "bind", "source": src, "destination": dst, "rw": rw}

test_socket_mount_fails_even_read_only if {
	c := d.mod(d.web, {"mounts": [mount("/var/run/docker.sock", "/var/run/docker.sock", false)]})
	r := d.by_subject(check.deny, "container web (compose service web)") with input as d.host([c])
	r.evidence.observed == ["/var/run/docker.sock -> /var/run/docker.sock (ro)"]
}

test_run_directory_fails if {
	c := d.mod(d.web, {"mounts": [mount("/var/run", "/var/run", false)]})
	"container web (compose service web)" in d.subjects(check.deny) with input as d.host([c])
}

test_renamed_socket_at_docker_sock_fails if {
	c := d.mod(d.web, {"mounts": [mount("/srv/proxy/api.sock", "/var/run/docker.sock", true)]})
	"container web (compose service web)" in d.subjects(check.deny) with input as d.host([c])
}

test_other_mounts_pass if {
	c := d.mod(d.web, {"mounts": [mount("/opt/ml/data", "/data", true), mount("/var/run/redis.sock.d", "/sock", true)]})
	count(check.deny) == 0 with input as d.host([c])
	"container web (compose service web)" in d.subjects(check.pass) with input as d.host([c])
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
