package mlscan.resources.memory_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.resources.memory as check

test_no_limit_fails if {
	c := d.mod(d.web, {"limits": {"memory": 0}})
	r := d.by_subject(check.deny, "container web (compose service web)") with input as d.host([c])
	contains(r.message, "no memory limit")
}

test_redis_must_have_the_declared_2gib if {
	p := d.by_subject(check.pass, "container redis-celery (compose service redis)") with input as d.doc
	p.evidence.expected == "2.0 GiB (declared)"
	c := d.mod(d.redis, {"limits": {"memory": 1073741824}})
	r := d.by_subject(check.deny, "container redis-celery (compose service redis)") with input as d.host([c])
	contains(r.message, "limited to 1.0 GiB, not the declared 2.0 GiB")
}

test_overcommit_fails_at_medium if {
	big := d.mod(d.web, {"limits": {"memory": 16106127360}})
	r := d.by_subject(check.deny, "host") with input as d.host([big, d.redis])
	r.severity == "medium"
	contains(r.message, "add up to 17.0 GiB")
}

test_stopped_containers_do_not_count if {
	big := d.mod(d.web, {"limits": {"memory": 16106127360}, "running": false, "state": "exited"})
	not "host" in d.subjects(check.deny) with input as d.host([big, d.redis])
}

test_documented_host_passes if count(check.deny) == 0 with input as d.doc

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
