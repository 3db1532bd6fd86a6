package mlscan.firewall.ufw_enabled_test

import data.mlscan.firewall.ufw_enabled as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt

test_documented_host_passes if {
	count(check.deny) == 0 with input as f.doc_host
	count(check.pass) == 2 with input as f.doc_host
}

test_inactive_fails if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/live/active", "value": false}])
	d.subject == "ufw"
	contains(d.message, "inactive")
}

test_not_installed_fails if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/installed", "value": false}])
	contains(d.message, "not installed")
}

test_not_enabled_at_boot_fails_high if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/conf/enabled", "value": false}])
	d.severity == "high"
}

test_logging_off_is_low if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/live/logging", "value": "off"}])
	d.subject == "ufw logging"
	d.severity == "low"
}

test_non_root_is_unknown_never_pass if {
	count(check.pass) == 0 with input as f.non_root
	count(check.deny) == 0 with input as f.non_root
	some u in check.unknown with input as f.non_root
	contains(u.message, "root")
}

test_non_root_disabled_file_fails if {
	inp := json.patch(f.non_root, [{"op": "replace", "path": "/ufw/conf/enabled", "value": false}])
	some d in check.deny with input as inp
	contains(d.message, "ENABLED=no")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "ufw"
	r.target == {"kind": "firewall"}
}
