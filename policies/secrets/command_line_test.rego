package mlscan.secrets.command_line_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.secrets.command_line as check

test_requirepass_on_command_line_fails if {
	r := d.by_subject(check.deny, "container redis-celery (compose service redis)") with input as d.doc
	contains(r.message, "--requirepass")
	r.evidence.observed == ["--requirepass (24 characters, medium)"]
}

test_env_secrets_are_not_command_line if {
	"container celery-worker (compose service celery-worker)" in d.subjects(check.pass) with input as d.doc
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
