# METADATA
# title: SSH allowed only from the private network
# description: >-
#   The document allows SSH (22/tcp) from 10.0.0.0/24 only. Any allow or
#   limit rule admitting 22/tcp from a wider source (Anywhere, Anywhere (v6),
#   10.0.0.0/8) fails.
# custom:
#   id: MLS-FW-004
#   severity: high
#   requires: [ufw.rules]
#   remediation: "`sudo ufw delete allow 22/tcp`; `sudo ufw allow from 10.0.0.0/24 to any port 22 proto tcp`"
#   references: ["docs/rules.md#configuration"]
package mlscan.firewall.ssh_scope

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
}
