package mlscan.firewall.public_ports_test

import data.mlscan.firewall.public_ports as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt
import data.mlscan.lib.ufw_test as u

test_documented_host_passes if {
	count(check.deny) == 0 with input as f.doc_host
	count(check.pass) == 4 with input as f.doc_host
}

test_redis_port_from_anywhere_fails if {
	some d in check.deny with input as f.with_rules([f.rule("allow", "6380", "tcp", "any", false)])
	contains(d.message, "6380/tcp")
}

test_any_proto_80_opens_udp if {
	some d in check.deny with input as f.with_rules([f.rule("allow", "80", "any", "any", false)])
	contains(d.message, "80/udp")
}

test_large_range_fails if {
	some d in check.deny with input as f.with_rules([f.rule("allow", "1000:65535", "tcp", "any", false)])
	contains(d.message, "1000:65535")
}

test_scoped_rule_is_not_judged if {
	count(check.deny) == 0 with input as f.with_rules([f.rule("allow", "6380", "tcp", "10.0.0.0/24", false)])
}

test_deny_rule_is_not_judged if {
	count(check.deny) == 0 with input as f.with_rules([f.rule("deny", "6380", "tcp", "any", false)])
}

test_normalised_documented_host_passes if {
	count(check.deny) == 0 with input as u.with_extra([])
	count(check.pass) == 4 with input as u.with_extra([])
}

# Every port from ::1/0 is every port from anywhere.
test_v6_prefix0_opens_every_port_to_anywhere if {
	some d in check.deny with input as u.with_extra([u.v6_prefix0_allow])
	contains(d.message, "every port")
}

test_unparsed_non_public_port_is_unknown if {
	inp := u.host(f.doc_rules, [u.unparsed_8080])
	some x in check.unknown with input as inp
	x.subject == "ufw rule: 8080/tcp ALLOW IN 10.0.0.0/33"
	count(check.deny) == 0 with input as inp
	count(check.pass) == 4 with input as inp
}

test_unparsed_deny_is_not_judged if {
	count(check.unknown) == 0 with input as u.host(f.doc_rules, [u.unparsed_v6_ports])
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "ufw rule: allow in port 443/tcp from any"
	r.target == {"kind": "firewall", "port": 443, "proto": "tcp"}
}

test_target_of_a_one_port_rule_is_the_firewall_about_that_port if {
	some d in check.deny with input as f.with_rules([f.rule("allow", "6380", "tcp", "any", false)])
	d.target == {"kind": "firewall", "port": 6380, "proto": "tcp"}
	some e in check.deny with input as f.with_rules([f.rule("allow", "1000:65535", "tcp", "any", false)])
	e.target == {"kind": "firewall"}
}
