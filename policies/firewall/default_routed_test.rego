package mlscan.firewall.default_routed_test

import data.mlscan.firewall.default_routed as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt

test_documented_host_passes if {
	count(check.deny) == 0 with input as f.doc_host
	count(check.pass) == 2 with input as f.doc_host
}

test_routed_allow_fails if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/live/default_routed", "value": "allow"}])
	d.subject == "default routed policy"
}

test_outgoing_not_declared_fails if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/live/default_outgoing", "value": "deny"}])
	d.subject == "default outgoing policy"
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "default outgoing policy"
	r.target == {"kind": "firewall"}
}
