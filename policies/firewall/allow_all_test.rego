package mlscan.firewall.allow_all_test

import data.mlscan.firewall.allow_all as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt
import data.mlscan.lib.ufw_test as u

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

test_normalised_documented_host_passes if {
	count(check.deny) == 0 with input as u.with_extra([])
	count(check.unknown) == 0 with input as u.with_extra([])
}

# ufw keeps ::1/0 as written; it is every IPv6 source, like Anywhere (v6).
test_allow_from_v6_prefix0_fails_like_anywhere if {
	inp := u.with_extra([u.v6_prefix0_allow])
	some d in check.deny with input as inp
	d.message == "allows every port from ::1/0 (every ipv6 address)"
	count(check.deny) == 1 with input as inp
	count(check.deny) == 1 with input as u.with_extra([object.union(u.v6_prefix0_allow, {"from": "any", "from_net": u.http_v6.from_net})])
}

# A snapshot written before from_net existed gives the same verdict.
test_legacy_v6_prefix0_fails if {
	count(check.deny) == 1 with input as f.with_rules([f.rule("allow", "any", "any", "::1/0", true)])
	count(check.deny) == 1 with input as f.with_rules([f.rule("allow", "any", "any", "1.2.3.4/0", false)])
}

# ufw's "ISP style" rule allows every port from 192.168.x.2: a finding.
test_dotted_mask_allow_fails if {
	some d in check.deny with input as u.with_extra([u.dotted_allow])
	d.message == "allows every port from 192.168.0.2/255.255.0.2"
}

test_unparsed_rule_of_unknown_ports_is_unknown if {
	inp := u.host(f.doc_rules, [u.unparsed_any])
	some x in check.unknown with input as inp
	x.subject == "ufw rule: what is this"
	contains(x.message, "ufw status verbose line 9")
	count(check.deny) == 0 with input as inp
}

test_unparsed_rule_with_a_port_cannot_allow_all if {
	count(check.unknown) == 0 with input as u.host(f.doc_rules, [u.unparsed_8080])
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.with_rules([f.rule("allow", "any", "any", "any", false)])
	count(rs) > 0
	every r in rs {
		tt.valid(r.target)
	}
}
