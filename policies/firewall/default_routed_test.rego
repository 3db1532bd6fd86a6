package mlscan.firewall.default_routed_test

import data.mlscan.firewall.default_routed as check
import data.mlscan.lib.fixtures as f

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
