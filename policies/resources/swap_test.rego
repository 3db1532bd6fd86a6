package mlscan.resources.swap_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.resources.swap as check

subj := "container web (compose service web)"

verdict(limits) := r if {
	inp := d.host([d.mod(d.web, {"limits": limits})])
	rs := {x | some x in check.deny with input as inp} | {x | some x in check.pass with input as inp}
	some r in rs
	r.subject == subj
}

test_unlimited_swap_fails if {
	r := verdict({"memory": 1073741824, "memory_swap": -1})
	r.severity == "medium"
	contains(r.message, "unlimited swap")
}

test_no_memory_limit_fails if contains(verdict({"memory": 0, "memory_swap": 0}).message, "no memory limit")

test_double_swap_is_info if {
	r := verdict({"memory": 1073741824, "memory_swap": 2147483648})
	r.severity == "info"
	contains(r.message, "may swap 1.0 GiB")
}

test_unset_swap_is_info if verdict({"memory": 1073741824, "memory_swap": 0}).severity == "info"

test_equal_passes if {
	subj in d.subjects(check.pass) with input as d.doc
	not subj in d.subjects(check.deny) with input as d.doc
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
