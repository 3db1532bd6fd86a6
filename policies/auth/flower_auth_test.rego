package mlscan.auth.flower_auth_test

import data.mlscan.auth.flower_auth as check
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

test_basic_auth_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.pass) == 2 with input as pf.host
}

test_open_flower_fails_critical if {
	inp := pf.patched([{"op": "replace", "path": "/probes/flower/0", "value": pf.flower_probe("10.0.0.84", 200, 200)}])
	some d in check.deny with input as inp
	d.subject == "10.0.0.84:5555"
	contains(d.message, "/ and /api/workers")
}

# busybox httpd without auth: / 200, /api/workers 404.
test_open_root_alone_fails if {
	inp := pf.patched([{"op": "replace", "path": "/probes/flower/1", "value": pf.flower_probe("127.0.0.1", 200, 404)}])
	some d in check.deny with input as inp
	d.subject == "127.0.0.1:5555"
}

test_oauth_redirect_passes if {
	inp := pf.patched([{"op": "replace", "path": "/probes/flower/1", "value": pf.flower_probe("127.0.0.1", 302, 401)}])
	count(check.deny) == 0 with input as inp
	count(check.pass) == 2 with input as inp
}

test_server_error_is_unknown if {
	inp := pf.patched([{"op": "replace", "path": "/probes/flower/1", "value": pf.flower_probe("127.0.0.1", 500, 500)}])
	some u in check.unknown with input as inp
	u.subject == "127.0.0.1:5555"
}

test_no_flower_is_not_applicable if {
	some n in check.not_applicable with input as pf.no_service("flower", 5555)
	contains(n.message, "nothing listens on 5555/tcp")
	contains(n.message, "no flower container")
}

test_probes_skipped_gives_no_pass if {
	inp := pf.without("probes", "skipped", "--no-probes")
	count(check.pass) == 0 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "10.0.0.84:5555"
	r.target == {"address": "10.0.0.84", "kind": "listener", "port": 5555, "proto": "tcp", "registry": "flower"}
}
