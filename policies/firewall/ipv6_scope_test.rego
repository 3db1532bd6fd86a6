package mlscan.firewall.ipv6_scope_test

import data.mlscan.firewall.ipv6_scope as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.model_fixtures as mf
import data.mlscan.lib.target_test as tt
import data.mlscan.lib.ufw_test as u

test_documented_host_passes if {
	count(check.deny) == 0 with input as f.doc_host
	count(check.pass) == 1 with input as f.doc_host
}

test_v6_private_port_from_anywhere_fails if {
	some d in check.deny with input as f.with_rules([f.rule("allow", "8265", "tcp", "any", true)])
	contains(d.message, "IPv6")
}

test_v6_from_global_net_fails if {
	count(check.deny) == 1 with input as f.with_rules([f.rule("allow", "5555", "tcp", "2001:db8::/32", true)])
}

test_v6_chains_missing_fails if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/live/v6_chains", "value": false}])
	d.subject == "ufw ipv6"
}

test_ipv6_no_is_info if {
	some d in check.deny with input as f.patched([{"op": "replace", "path": "/ufw/defaults/ipv6", "value": false}])
	d.severity == "info"
}

test_v6_prefix0_fails if {
	some d in check.deny with input as u.with_extra([u.v6_prefix0_allow])
	contains(d.message, "::1/0 (every ipv6 address)")
}

# An IPv6 deny not understood cannot widen IPv6; an IPv4 rule is not IPv6.
test_unparsed_deny_or_v4_rule_leaves_pass if {
	inp := u.host(f.doc_rules, [u.unparsed_v6_ports, u.unparsed_8080])
	count(check.unknown) == 0 with input as inp
	count(check.pass) == 1 with input as inp
}

test_unparsed_v6_allow_is_unknown if {
	inp := u.host(f.doc_rules, [object.union(u.unparsed_v6_ports, {"action": "allow"})])
	some x in check.unknown with input as inp
	contains(x.message, "line 13")
	count(check.pass) == 0 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "ufw ipv6"
	r.target == {"kind": "firewall"}
}

# The kernel's loaded rules let a connection from outside reach Redis over
# IPv6 while IPv4 keeps it private (ip6tables flushed by hand, say).
test_kernel_wider_over_ipv6_fails if {
	v4 := {"verdict": "unreachable", "reason": "dropped in INPUT by the filter INPUT chain's policy (policy DROP)"}
	v6 := {"verdict": "reachable", "from": "2001:db8:ffff::7 on eth0", "to": "[fd00::84]:6380", "reason": "accepted: no rule and no chain policy of the kernel's ruleset applies to it"}
	base := mf.with_outside(f.doc_host, {})
	i := [j | some j, l in f.doc_listeners; l.port == 6380][0]
	inp := json.patch(base, [{"op": "add", "path": sprintf("/model/listeners/%d/outside_by_family", [i]), "value": {"ipv4": v4, "ipv6": v6}}])
	some d in check.deny with input as inp
	d.subject == "6380/tcp"
	contains(d.message, "over IPv6 but not over IPv4")
	contains(d.message, "[fd00::84]:6380")
	count(check.pass) == 0 with input as inp
	count(check.pass) == 1 with input as base
}

# A port served by a "::" listener (IPv6 only) and a 0.0.0.0 one, both
# reachable: IPv6 is not wider than IPv4.
test_v6_listener_beside_a_reachable_v4_one_is_not_wider if {
	r := {"verdict": "reachable", "from": "203.0.113.7 on eth0", "to": "10.0.0.84:22", "reason": "accepted in INPUT by the filter INPUT chain's policy (policy ACCEPT)"}
	base := mf.with_outside(f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": object.union(f.listener("::", 22, "sshd"), {"dual_stack": false})}]), {})
	n := count(f.doc_listeners)
	inp := json.patch(base, [
		{"op": "add", "path": "/model/listeners/0/outside_by_family", "value": {"ipv4": r}},
		{"op": "add", "path": sprintf("/model/listeners/%d/outside_by_family", [n]), "value": {"ipv6": r}},
	])
	not "22/tcp" in {d.subject | some d in check.deny} with input as inp
}
