package mlscan.containers.celery_worker_test

import data.mlscan.containers.celery_worker as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt

subj := "container celery-worker (compose service celery-worker)"

env(k, v) := {"key": k, "value": v, "kept": true}

test_force_root_and_pickle_fail if {
	c := d.mod(d.worker, {"env": [env("C_FORCE_ROOT", "true"), env("CELERY_ACCEPT_CONTENT", "json,pickle")]})
	r := d.by_subject(check.deny, subj) with input as d.host([c])
	contains(r.message, "C_FORCE_ROOT=true")
	contains(r.message, "allows pickle")
}

test_python_serialize_mime_fails if {
	c := d.mod(d.worker, {"env": [env("CELERY_ACCEPT_CONTENT", "application/x-python-serialize")]})
	subj in d.subjects(check.deny) with input as d.host([c])
}

test_json_worker_passes if {
	c := d.mod(d.worker, {"env": [env("CELERY_ACCEPT_CONTENT", "json")]})
	subj in d.subjects(check.pass) with input as d.host([c])
}

test_worker_found_by_command if {
	c := d.mod(d.clean("w1", "tasks"), {"cmd": ["python", "-m", "celery", "-A", "app", "worker"]})
	"container w1 (compose service tasks)" in d.subjects(check.pass) with input as d.host([c, d.web])
	not "container web (compose service web)" in d.subjects(check.pass) with input as d.host([c, d.web])
}

test_no_worker_not_applicable if {
	some n in check.not_applicable with input as d.host([d.web])
	contains(n.message, "no Celery worker containers")
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
