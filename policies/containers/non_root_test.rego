package mlscan.containers.non_root_test

import data.mlscan.containers.non_root as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt

test_documented_containers_pass if {
	denied := check.deny with input as d.doc
	count(denied) == 0
	passed := d.subjects(check.pass) with input as d.doc
	passed == {"container redis-celery (compose service redis)", "container celery-worker (compose service celery-worker)", "container web (compose service web)"}
}

test_root_entrypoint_that_drops_privileges_passes if {
	# redis: no Config.User, the entrypoint drops to uid 999.
	p := d.by_subject(check.pass, "container redis-celery (compose service redis)") with input as d.doc
	contains(p.message, "uid 999")
	contains(p.evidence.observed, "effective uid 999")
}

test_effective_root_fails_despite_config_user if {
	c := d.mod(d.web, {"user": "1000", "process": {"uid": 0, "gid": 0}})
	r := d.by_subject(check.deny, "container web (compose service web)") with input as d.host([c])
	contains(r.message, "runs as root")
	r.location.file == "/opt/ml/docker-compose.yml"
	r.location.what == "compose service web"
}

test_stopped_container_judged_by_config if {
	stopped := {"state": "exited", "running": false, "process": {"status": "unavailable", "error": "container is not running (state exited)", "pid": 0}}
	root := object.remove(d.mod(d.web, object.union(stopped, {"user": "0:0"})), [])
	c := json.patch(root, [{"op": "remove", "path": "/process/uid"}, {"op": "remove", "path": "/process/gid"}])
	r := d.by_subject(check.deny, "container web (compose service web)") with input as d.host([c])
	contains(r.message, "runs as root (exited)")
}

test_image_user_used_when_container_sets_none if {
	base := json.patch(d.web, [{"op": "replace", "path": "/process", "value": {"status": "unavailable", "error": "not running"}}])
	c := d.mod(base, {"user": "", "image_user": "nobody", "running": false, "state": "created"})
	p := d.by_subject(check.pass, "container web (compose service web)") with input as d.host([c])
	contains(p.evidence.observed, "image USER")
}

test_celery_worker_must_be_1000 if {
	c := d.mod(d.worker, {"user": "999", "process": {"uid": 999, "gid": 999}})
	r := d.by_subject(check.deny, "container celery-worker (compose service celery-worker)") with input as d.host([c])
	contains(r.message, "not the declared user 1000")
}

test_celery_worker_as_root if {
	c := d.mod(d.worker, {"user": "", "process": {"uid": 0, "gid": 0}})
	r := d.by_subject(check.deny, "container celery-worker (compose service celery-worker)") with input as d.host([c])
	contains(r.message, "runs as root")
	r.evidence.expected == "user 1000 (declared in the config)"
}

test_named_user_of_stopped_worker_is_unknown if {
	base := json.patch(d.worker, [{"op": "replace", "path": "/process", "value": {"status": "unavailable", "error": "not running"}}])
	c := d.mod(base, {"user": "celery", "running": false, "state": "exited"})
	u := d.by_subject(check.unknown, "container celery-worker (compose service celery-worker)") with input as d.host([c])
	contains(u.message, "cannot be compared")
}

test_declared_user_from_config if {
	c := d.mod(d.web, {"user": "33", "process": {"uid": 33, "gid": 33}})
	cfg := object.union(data.mlscan.config, {"containers": {"services": {"web": {"user": "1000"}}}})
	r := d.by_subject(check.deny, "container web (compose service web)") with input as d.host([c]) with data.mlscan.config as cfg
	contains(r.message, "not the declared user 1000")
}

test_no_engine_not_applicable if {
	count(check.not_applicable) == 1 with input as d.no_engine
	count(check.pass) == 0 with input as d.no_engine
}

test_no_containers_not_applicable if {
	some n in check.not_applicable with input as d.host([])
	contains(n.message, "no containers")
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
