# METADATA
# title: No allow-all rules
# description: >-
#   A rule that allows every port from outside the trusted networks (for
#   example `ufw allow from 0.0.0.0/0`, or `Anywhere ALLOW IN Anywhere`)
#   defeats the default deny.
# custom:
#   id: MLS-FW-006
#   severity: critical
#   requires: [ufw.rules]
#   remediation: "Delete the rule: `sudo ufw status numbered`, then `sudo ufw delete N`"
#   references: ["networking-architecture.md §Firewall Protection (UFW)"]
package mlscan.firewall.allow_all

import data.mlscan.lib.network
import data.mlscan.lib.ufw

deny contains {
	"subject": sprintf("ufw rule: %s", [ufw.rule_str(r)]),
	"message": sprintf("allows every port from %s", [r.from]),
	"evidence": {"observed": r.raw, "expected": "no rule without a port from outside the trusted networks", "source": input.ufw.rules.from},
} if {
	some r in ufw.rules
	r.direction == "in"
	ufw.admits(r)
	r.to == "any"
	count(r.to_ranges) == 0
	not network.within_trusted(r.from)
}
