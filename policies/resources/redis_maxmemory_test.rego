package mlscan.resources.redis_maxmemory_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.resources.redis_maxmemory as check

subj := "container redis-celery (compose service redis)"

redis(args) := json.patch(d.redis, [{"op": "replace", "path": "/redis", "value": args}])

test_documented_2gb_under_2gib_fails if {
	r := d.by_subject(check.deny, subj) with input as d.doc
	contains(r.message, "not below its container limit")
	r.location.what == "compose service redis"
}

test_75_percent_passes if {
	c := redis({"maxmemory": "1536mb", "maxmemory_bytes": 1610612736})
	subj in d.subjects(check.pass) with input as d.host([c])
}

test_90_percent_is_info if {
	c := redis({"maxmemory": "1843mb", "maxmemory_bytes": 1932525568})
	r := d.by_subject(check.deny, subj) with input as d.host([c])
	r.severity == "info"
}

test_unset_fails if {
	r := d.by_subject(check.deny, subj) with input as d.host([redis({"requirepass": false})])
	contains(r.message, "sets no maxmemory")
}

test_config_file_is_unknown if {
	u := d.by_subject(check.unknown, subj) with input as d.host([redis({"config_file": "/usr/local/etc/redis/redis.conf"})])
	contains(u.message, "is not read")
}

test_no_redis_not_applicable if {
	some n in check.not_applicable with input as d.host([d.web])
	contains(n.message, "no Redis containers")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as d.doc
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "container redis-celery (compose service redis)"
	r.target == {"container": "redis-celery", "kind": "container"}
}

# A container whose inspect call failed is unknown; the others are judged
# as without it; a host with only that container is not "no containers".
test_uninspected_container_is_unknown if {
	v := {"deny": check.deny, "pass": check.pass, "unknown": check.unknown} with input as d.with_ghost
	doc := {"deny": check.deny, "pass": check.pass} with input as d.doc
	only := {"unknown": check.unknown, "not_applicable": check.not_applicable} with input as d.host([d.ghost])
	d.ghost_judged(v, doc, only)
}
