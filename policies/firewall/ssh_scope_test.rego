package mlscan.firewall.ssh_scope_test

import data.mlscan.firewall.ssh_scope as check
import data.mlscan.lib.fixtures as f

test_documented_host_passes if {
	count(check.deny) == 0 with input as f.doc_host
	count(check.pass) == 1 with input as f.doc_host
}

test_ssh_from_anywhere_fails if {
	inp := f.with_rules([f.rule("allow", "22", "tcp", "any", false)])
	some d in check.deny with input as inp
	contains(d.message, "any")
	count(check.pass) == 0 with input as inp
}

test_ssh_v6_anywhere_fails if {
	count(check.deny) == 1 with input as f.with_rules([f.rule("limit", "22", "tcp", "any", true)])
}

test_wider_private_net_fails if {
	count(check.deny) == 1 with input as f.with_rules([f.rule("allow", "22", "tcp", "10.0.0.0/8", false)])
}

test_port_range_covering_22_fails if {
	count(check.deny) == 1 with input as f.with_rules([f.rule("allow", "20:30", "any", "any", false)])
}

test_no_ssh_rule_is_info if {
	inp := f.patched([{"op": "replace", "path": "/ufw/rules/items", "value": []}])
	some d in check.deny with input as inp
	d.severity == "info"
}
