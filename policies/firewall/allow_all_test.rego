package mlscan.firewall.allow_all_test

import data.mlscan.firewall.allow_all as check
import data.mlscan.lib.fixtures as f

test_documented_host_passes if {
	count(check.deny) == 0 with input as f.doc_host
}

test_allow_from_anywhere_all_ports_fails if {
	count(check.deny) == 1 with input as f.with_rules([f.rule("allow", "any", "any", "any", false)])
}

test_allow_from_wide_net_fails if {
	count(check.deny) == 1 with input as f.with_rules([f.rule("allow", "any", "any", "10.0.0.0/8", false)])
}

test_allow_all_from_trusted_passes if {
	count(check.deny) == 0 with input as f.with_rules([f.rule("allow", "any", "any", "10.0.0.0/24", false)])
}
