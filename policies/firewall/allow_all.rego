# METADATA
# title: No allow-all rules
# description: >-
#   A rule that allows every port from outside the trusted networks (for
#   example `ufw allow from 0.0.0.0/0`, `ufw allow from ::1/0`, which ufw
#   keeps as written and matches every IPv6 source, or `Anywhere ALLOW IN
#   Anywhere`) defeats the default deny. Addresses are compared as
#   networks; a rule mlscan could not read that may be such a rule makes
#   the result unknown, naming it.
# custom:
#   id: MLS-FW-006
#   severity: critical
#   requires: [ufw.rules]
#   remediation: "Delete the rule: `sudo ufw status numbered`, then `sudo ufw delete N`"
#   references: ["https://manpages.ubuntu.com/manpages/noble/man8/ufw.8.html"]
package mlscan.firewall.allow_all

import data.mlscan.lib.target
import data.mlscan.lib.ufw

deny contains {
	"subject": sprintf("ufw rule: %s", [ufw.rule_str(r)]),
	"target": target.firewall_rule(r),
	"message": sprintf("allows every port from %s", [ufw.from_str(r)]),
	"evidence": {"observed": r.raw, "expected": "no rule without a port from outside the trusted networks", "source": input.ufw.rules.from},
} if {
	some r in ufw.rules
	r.direction == "in"
	ufw.admits(r)
	ufw.to_any(r)
	count(r.to_ranges) == 0
	not ufw.from_trusted(r)
}

unknown contains {
	"subject": ufw.unparsed_subject(u),
	"target": target.firewall,
	"message": sprintf("%s line %d could not be read (%s): it may allow every port from anywhere", [u.from, u.line, u.reason]),
	"evidence": {"observed": u.raw, "expected": "no rule without a port from outside the trusted networks", "source": u.from},
} if {
	some u in ufw.unparsed
	object.get(u, "direction", "") in {"", "in"}
	not object.get(u, "action", "") in {"deny", "reject"}
	every_port_possible(u)
}

every_port_possible(u) if not u.ports_known

every_port_possible(u) if count(u.to_ranges) == 0
