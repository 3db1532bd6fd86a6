# METADATA
# title: SSH allowed only from the private network
# description: >-
#   The document allows SSH (22/tcp) from 10.0.0.0/24 only. Any allow or
#   limit rule admitting 22/tcp from a wider source (Anywhere, Anywhere (v6),
#   10.0.0.0/8) fails. When UFW's rules are right but the kernel's loaded
#   rules let a connection from outside reach sshd on 22/tcp (hand-written
#   before.rules, rules another tool loaded, a `ufw reload` not run), that
#   fails too, naming the kernel's path: the two disagree.
# custom:
#   id: MLS-FW-004
#   severity: high
#   requires: [ufw.rules]
#   remediation: "`sudo ufw delete allow 22/tcp`; `sudo ufw allow from 10.0.0.0/24 to any port 22 proto tcp`"
#   references: ["docs/rules.md#configuration"]
package mlscan.firewall.ssh_scope

import data.mlscan.lib.model
import data.mlscan.lib.network
import data.mlscan.lib.target
import data.mlscan.lib.ufw

ssh := {"proto": "tcp", "port": 22, "wildcard": true, "address": "0.0.0.0"}

ssh_rules contains r if {
	some r in ufw.rules
	r.direction == "in"
	ufw.admits(r)
	ufw.proto_ok(r.proto, "tcp")
	ufw.port_ok(r.to_ranges, 22)
}

deny contains {
	"subject": sprintf("ufw rule: %s", [ufw.rule_str(r)]),
	"target": target.firewall_rule(r),
	"message": sprintf("SSH (22/tcp) is allowed from %s, outside the trusted networks %s", [ufw.from_str(r), network.trusted_str]),
	"evidence": {"observed": r.raw, "expected": sprintf("from %s only", [network.trusted_str]), "source": input.ufw.rules.from},
} if {
	some r in ssh_rules
	not ufw.from_trusted(r)
}

deny contains {
	"subject": "ssh",
	"target": target.firewall_port(22, "tcp"),
	"message": "no UFW rule allows SSH from the trusted networks: administrators cannot reach the host over the LAN",
	"severity": "info",
	"evidence": {"observed": "no allow rule for 22/tcp", "expected": sprintf("allow from %s to any port 22 proto tcp", [network.trusted_str]), "source": input.ufw.rules.from},
} if {
	not trusted_rule
	count([r | some r in ssh_rules; not ufw.from_trusted(r)]) == 0
	count(ssh_doubts) == 0
}

# kernel_open are the SSH listeners the kernel's loaded rules let a
# connection from outside reach (input.model), with that reach.
kernel_open contains [l, r] if {
	some [l, r] in kernel_reach
	r.verdict == "reachable"
}

# kernel_reach are the SSH listeners (22/tcp, not loopback) with their
# reach from outside through the rules the kernel holds (input.model).
kernel_reach contains [l, model.listener(i).outside] if {
	some i, l in object.get(input, ["sockets", "listeners"], [])
	l.port == 22
	l.proto == "tcp"
	not l.loopback
}

deny contains {
	"subject": "ssh",
	"target": target.firewall_port(22, "tcp"),
	"message": sprintf("SSH (22/tcp) is reachable from outside %s through the rules the kernel holds, though no UFW rule admits it from there: %s. %s", [network.trusted_str, model.reach_str(open[0][1]), why_open]),
	"evidence": {
		"observed": [sprintf("%s: %s", [network.listener_str(l), model.reach_str(r)]) | some [l, r] in open],
		"expected": sprintf("from %s only", [network.trusted_str]),
		"source": sprintf("%s, %s", [input.ufw.rules.from, model.ruleset_source]),
	},
} if {
	count([r | some r in ssh_rules; not ufw.from_trusted(r)]) == 0
	open := sort(kernel_open)
	count(open) > 0
}

# why_open says why the kernel admits what UFW's rules do not.
why_open := "UFW is inactive" if {
	input.ufw.live.active == false
} else := "UFW's default incoming policy is allow" if {
	input.ufw.live.default_incoming == "allow"
} else := "UFW's files and the kernel's loaded rules differ (hand-written before.rules, rules another tool loaded, or a `ufw reload` not run)"

trusted_rule if {
	some r in ssh_rules
	ufw.from_trusted(r)
}

# ssh_doubts are the rules not understood that may admit 22/tcp.
ssh_doubts contains u if {
	some u in ufw.unparsed
	object.get(u, "direction", "") in {"", "in"}
	not object.get(u, "action", "") in {"deny", "reject"}
	ufw.unparsed_proto_ok(object.get(u, "proto", ""), "tcp")
	ufw.unparsed_port_ok(u, 22)
}

unknown contains {
	"subject": ufw.unparsed_subject(u),
	"target": target.firewall,
	"message": sprintf("%s line %d could not be read (%s): it may admit SSH (22/tcp) from outside %s", [u.from, u.line, u.reason, network.trusted_str]),
	"evidence": {"observed": u.raw, "expected": sprintf("from %s only", [network.trusted_str]), "source": u.from},
} if some u in ssh_doubts

pass contains {
	"subject": "ssh",
	"target": target.firewall_port(22, "tcp"),
	"message": sprintf("SSH is allowed only from trusted sources (%s)", [concat(", ", sort({r.from | some r in ssh_rules}))]),
	"evidence": {"observed": [r.raw | some r in ssh_rules], "expected": sprintf("from %s only", [network.trusted_str]), "source": input.ufw.rules.from},
} if {
	trusted_rule
	count([r | some r in ssh_rules; not ufw.from_trusted(r)]) == 0
	count(ssh_doubts) == 0
	count(kernel_open) == 0
	count(kernel_doubts) == 0
}

# kernel_doubts are the SSH listeners whose reach from outside the model
# could not decide: UFW's rules alone cannot pass them.
kernel_doubts contains [l, r] if {
	some [l, r] in kernel_reach
	not r.verdict in {"reachable", "unreachable"}
}

unknown contains {
	"subject": "ssh",
	"target": target.firewall_port(22, "tcp"),
	"message": sprintf("UFW's rules allow SSH only from trusted sources, but whether the rules the kernel holds let a connection from outside %s reach sshd cannot be told: %s", [network.trusted_str, model.reach_str(doubts[0][1])]),
	"evidence": {
		"observed": [sprintf("%s: %s", [network.listener_str(l), model.reach_str(r)]) | some [l, r] in doubts],
		"expected": sprintf("from %s only", [network.trusted_str]),
		"source": sprintf("%s, %s", [input.ufw.rules.from, model.ruleset_source]),
	},
} if {
	trusted_rule
	count([r | some r in ssh_rules; not ufw.from_trusted(r)]) == 0
	count(ssh_doubts) == 0
	count(kernel_open) == 0
	doubts := sort(kernel_doubts)
	count(doubts) > 0
}
