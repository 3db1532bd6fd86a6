package mlscan.resources.redis_eviction_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.resources.redis_eviction as check

subj := "container redis-celery (compose service redis)"

redis(args) := json.patch(d.redis, [{"op": "replace", "path": "/redis", "value": args}])

test_documented_allkeys_lru_is_info if {
	r := d.by_subject(check.deny, subj) with input as d.doc
	r.severity == "info"
	contains(r.message, "allkeys-lru")
}

test_random_fails if {
	r := d.by_subject(check.deny, subj) with input as d.host([redis({"maxmemory_policy": "volatile-random"})])
	r.severity == "medium"
}

test_noeviction_and_default_pass if {
	subj in d.subjects(check.pass) with input as d.host([redis({"maxmemory_policy": "noeviction"})])
	subj in d.subjects(check.pass) with input as d.host([redis({})])
}

test_config_file_is_unknown if {
	subj in d.subjects(check.unknown) with input as d.host([redis({"config_file": "/etc/redis.conf"})])
}

test_no_engine_not_applicable if count(check.not_applicable) == 1 with input as d.no_engine

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
