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
#   references: ["networking-architecture.md §Firewall Configuration"]
package mlscan.firewall.ssh_scope

import data.mlscan.lib.network
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
	"message": sprintf("SSH (22/tcp) is allowed from %s, outside the trusted networks %s", [r.from, network.trusted_str]),
	"evidence": {"observed": r.raw, "expected": sprintf("from %s only", [network.trusted_str]), "source": input.ufw.rules.from},
} if {
	some r in ssh_rules
	not network.within_trusted(r.from)
}

deny contains {
	"subject": "ssh",
	"message": "no UFW rule allows SSH from the trusted networks: administrators cannot reach the host over the LAN",
	"severity": "info",
	"evidence": {"observed": "no allow rule for 22/tcp", "expected": sprintf("allow from %s to any port 22 proto tcp", [network.trusted_str]), "source": input.ufw.rules.from},
} if {
	not trusted_rule
	count([r | some r in ssh_rules; not network.within_trusted(r.from)]) == 0
}

trusted_rule if {
	some r in ssh_rules
	network.within_trusted(r.from)
}

pass contains {
	"subject": "ssh",
	"message": sprintf("SSH is allowed only from trusted sources (%s)", [concat(", ", sort({r.from | some r in ssh_rules}))]),
	"evidence": {"observed": [r.raw | some r in ssh_rules], "expected": sprintf("from %s only", [network.trusted_str]), "source": input.ufw.rules.from},
} if {
	trusted_rule
	count([r | some r in ssh_rules; not network.within_trusted(r.from)]) == 0
}
