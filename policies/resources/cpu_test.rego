package mlscan.resources.cpu_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.resources.cpu as check

test_no_cpu_limit_fails if {
	c := d.mod(d.web, {"limits": {"nano_cpus": 0, "cpu_quota": 0, "cpus": 0}})
	"container web (compose service web)" in d.subjects(check.deny) with input as d.host([c])
}

test_quota_counts if {
	c := d.mod(d.web, {"limits": {"nano_cpus": 0, "cpu_quota": 50000, "cpu_period": 100000, "cpus": 0.5}})
	"container web (compose service web)" in d.subjects(check.pass) with input as d.host([c])
}

test_redis_declared_one_cpu if {
	"container redis-celery (compose service redis)" in d.subjects(check.pass) with input as d.doc
	c := d.mod(d.redis, {"limits": {"cpus": 2}})
	r := d.by_subject(check.deny, "container redis-celery (compose service redis)") with input as d.host([c])
	contains(r.message, "not the declared 1")
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
