package mlscan.containers.hardening_test

import data.mlscan.containers.hardening as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt

subj := "container web (compose service web)"

test_all_issues_listed if {
	c := d.mod(d.web, {"readonly_rootfs": false, "restart_policy": {"name": "always"}, "healthcheck": false})
	r := d.by_subject(check.deny, subj) with input as d.host([c])
	r.message == "container web (compose service web): writable root filesystem, restart policy always (prefer unless-stopped or on-failure), no healthcheck"
}

test_on_failure_limits if {
	subj in d.subjects(check.deny) with input as d.host([d.mod(d.web, {"restart_policy": {"name": "on-failure", "maximum_retry_count": 10}})])
	subj in d.subjects(check.deny) with input as d.host([d.mod(d.web, {"restart_policy": {"name": "on-failure", "maximum_retry_count": 0}})])
	subj in d.subjects(check.deny) with input as d.host([d.mod(d.web, {"restart_policy": {"name": "", "maximum_retry_count": 0}})])
	subj in d.subjects(check.pass) with input as d.host([d.mod(d.web, {"restart_policy": {"name": "on-failure", "maximum_retry_count": 5}})])
}

test_hardened_passes if subj in d.subjects(check.pass) with input as d.doc

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
