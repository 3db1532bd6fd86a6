package mlscan.containers.privileged_test

import data.mlscan.containers.privileged as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt

test_privileged_fails if {
	c := d.mod(d.web, {"privileged": true})
	r := d.by_subject(check.deny, "container web (compose service web)") with input as d.host([c, d.redis])
	contains(r.message, "privileged")
	"container redis-celery (compose service redis)" in d.subjects(check.pass) with input as d.host([c, d.redis])
}

test_unprivileged_passes if {
	count(check.deny) == 0 with input as d.doc
	count(check.pass) == 3 with input as d.doc
}

test_no_engine_not_applicable if count(check.not_applicable) == 1 with input as d.no_engine

# A container from no compose file has a null location (no location in the
# report); one from a compose file points at it.
test_location_of_entries if {
	c := d.mod(d.web, {"name": "solo", "compose": {"project": "", "service": "", "config_files": []}})
	solo := d.by_subject(check.pass, "container solo") with input as d.host([c, d.redis])
	solo.location == null
	redis := d.by_subject(check.pass, "container redis-celery (compose service redis)") with input as d.host([c, d.redis])
	redis.location.what == "compose service redis"
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
