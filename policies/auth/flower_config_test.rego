package mlscan.auth.flower_config_test

import data.mlscan.auth.flower_config as check
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

test_current_flower_passes_with_csrf_note if {
	# 2.0.1 predates the CSRF fix: an info finding, nothing above it.
	some d in check.deny with input as pf.host
	d.severity == "info"
	contains(d.message, "CVE-2022-51020")
	count(check.deny) == 1 with input as pf.host
	count(check.pass) == 1 with input as pf.host
}

test_2_2_passes_cleanly if {
	inp := pf.with_container(object.union(pf.flower, {"image": "mher/flower:2.2.0"}))
	count(check.deny) == 0 with input as inp
}

test_unauthenticated_api_fails if {
	c := object.union(pf.flower, {"image": "mher/flower:2.2.0", "env": [pf.env("FLOWER_UNAUTHENTICATED_API", "true")]})
	some d in check.deny with input as pf.with_container(c)
	contains(d.message, "FLOWER_UNAUTHENTICATED_API=true")
	not d.severity
	count(check.pass) == 0 with input as pf.with_container(c)
}

test_old_flower_fails_high if {
	some d in check.deny with input as pf.with_container(object.union(pf.flower, {"image": "mher/flower:1.0.0"}))
	contains(d.message, "CVE-2022-30034")
	not d.severity
}

test_loose_auth_regex_is_info if {
	c := object.union(pf.flower, {"image": "mher/flower:2.2.0", "cmd": ["celery", "flower", "--auth=.*@example.com"]})
	some d in check.deny with input as pf.with_container(c)
	d.severity == "info"
	contains(d.message, "not anchored")
	c2 := object.union(pf.flower, {"image": "mher/flower:2.2.0", "cmd": ["celery", "flower", "--auth=^[a-z]+@example.com$"]})
	some d2 in check.deny with input as pf.with_container(c2)
	contains(d2.message, "unescaped dots")
	c3 := object.union(pf.flower, {"image": "mher/flower:2.2.0", "cmd": ["celery", "flower", "--auth=^[a-z]+@example\\.com$"]})
	count(check.deny) == 0 with input as pf.with_container(c3)
}

test_docker_missing_is_unknown if {
	some u in check.unknown with input as pf.without("docker", "error", "Cannot connect")
	u.subject == "host"
}

test_no_flower_is_not_applicable if {
	count(check.not_applicable) == 1 with input as pf.no_service("flower", 5555)
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "container flower (compose service flower)"
	r.target == {"container": "flower", "kind": "container"}
}
