package mlscan.containers.privileged_test

import data.mlscan.containers.privileged as check
import data.mlscan.lib.docker_fixtures as d

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
