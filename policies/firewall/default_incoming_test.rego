package mlscan.firewall.default_incoming_test

import data.mlscan.firewall.default_incoming as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt

test_deny_passes if {
	count(check.deny) == 0 with input as f.doc_host
	count(check.pass) == 1 with input as f.doc_host
}

test_allow_fails if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/live/default_incoming", "value": "allow"}])
	d.evidence.observed == "allow"
}

test_non_root_reads_defaults_file if {
	some p in check.pass with input as f.non_root
	p.evidence.source == "/etc/default/ufw"
}

test_non_root_accept_in_file_fails if {
	inp := json.patch(f.non_root, [{"op": "replace", "path": "/ufw/defaults/input_policy", "value": "ACCEPT"}])
	count(check.deny) == 1 with input as inp
}

test_nothing_readable_is_unknown if {
	inp := json.patch(f.non_root, [{"op": "replace", "path": "/ufw/defaults", "value": {"status": "permission"}}])
	count(check.unknown) == 1 with input as inp
	count(check.pass) == 0 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "default incoming policy"
	r.target == {"kind": "firewall"}
}
