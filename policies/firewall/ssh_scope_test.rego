package mlscan.firewall.ssh_scope_test

import data.mlscan.firewall.ssh_scope as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.model_fixtures as mf
import data.mlscan.lib.target_test as tt
import data.mlscan.lib.ufw_test as u

test_documented_host_passes if {
	inp := mf.with_outside(f.doc_host, {})
	count(check.deny) == 0 with input as inp
	count(check.pass) == 1 with input as inp
}

# Without the model's facts for sshd, UFW's rules alone do not pass it.
test_kernel_undecided_is_unknown if {
	count(check.pass) == 0 with input as f.doc_host
	some x in check.unknown with input as f.doc_host
	contains(x.message, "cannot be told")
	count(check.pass) == 0 with input as mf.with_outside(f.doc_host, {22: mf.undecided})
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

test_normalised_documented_host_passes if {
	inp := mf.with_outside(u.with_extra([]), {})
	count(check.deny) == 0 with input as inp
	count(check.pass) == 1 with input as inp
}

test_v6_prefix0_admits_ssh_from_anywhere if {
	some d in check.deny with input as u.with_extra([u.v6_prefix0_allow])
	contains(d.message, "::1/0 (every ipv6 address)")
}

# A rule not understood that may admit 22/tcp: unknown, and no pass.
test_unparsed_rule_of_unknown_ports_is_unknown if {
	inp := u.host(f.doc_rules, [u.unparsed_any])
	count(check.unknown) == 1 with input as inp
	count(check.pass) == 0 with input as inp
}

# One for 8080 leaves SSH judged.
test_unparsed_other_port_leaves_ssh_judged if {
	inp := mf.with_outside(u.host(f.doc_rules, [u.unparsed_8080]), {})
	count(check.unknown) == 0 with input as inp
	count(check.pass) == 1 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "ssh"
	r.target == {"kind": "firewall", "port": 22, "proto": "tcp"}
}

# UFW's rules keep SSH to the LAN, but the kernel's loaded rules let a
# connection from outside through (a hand-written before.rules accept):
# the two disagree, and that fails naming the kernel's path.
test_kernel_admits_ssh_that_ufw_does_not if {
	open := {
		"verdict": "reachable", "from": "203.0.113.7 on eth0", "to": "10.0.0.84:22", "via": "INPUT",
		"reason": "accepted in INPUT by ufw-before-input (`-A ufw-before-input -p tcp -m tcp --dport 22 -j ACCEPT`)",
	}
	inp := mf.with_outside(f.doc_host, {22: open})
	some d in check.deny with input as inp
	d.subject == "ssh"
	contains(d.message, "UFW's files and the kernel's loaded rules differ")
	contains(d.message, "ufw-before-input")
	count(check.pass) == 0 with input as inp
	count(check.deny) == 0 with input as mf.with_outside(f.doc_host, {})
	count(check.pass) == 1 with input as mf.with_outside(f.doc_host, {})
}

test_kernel_admits_ssh_with_ufw_inactive_says_so if {
	open := {"verdict": "reachable", "from": "203.0.113.7 on eth0", "to": "10.0.0.84:22", "reason": "accepted: no rule and no chain policy of the kernel's ruleset applies to it"}
	inp := json.patch(mf.with_outside(f.doc_host, {22: open}), [{"op": "replace", "path": "/ufw/live/active", "value": false}])
	some d in check.deny with input as inp
	d.subject == "ssh"
	endswith(d.message, "UFW is inactive")
}
