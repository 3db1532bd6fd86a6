# METADATA
# title: Default incoming policy is deny or reject
# description: >-
#   With host networking every container port is a host port; only UFW's
#   default deny keeps the unlisted ones private. The live policy is read
#   from `ufw status verbose` (root) or, without root, from /etc/default/ufw.
# custom:
#   id: MLS-FW-002
#   severity: critical
#   requires: [ufw]
#   remediation: "`sudo ufw default deny incoming`"
#   references: ["https://manpages.ubuntu.com/manpages/noble/man8/ufw.8.html"]
package mlscan.firewall.default_incoming

import data.mlscan.lib.target
import data.mlscan.lib.ufw

deny contains {
	"subject": "default incoming policy",
	"target": target.firewall,
	"message": sprintf("the default incoming policy is %s: every port without a rule is open", [d.value]),
	"evidence": {"observed": d.value, "expected": "deny or reject", "source": d.source},
} if {
	d := ufw.default_incoming
	not d.value in {"deny", "reject"}
}

inactive_note := " (configured, but UFW is inactive so it is not enforced: see MLS-FW-001)" if {
	ufw.live_ok
	input.ufw.live.active == false
} else := ""

pass contains {
	"subject": "default incoming policy",
	"target": target.firewall,
	"message": sprintf("the default incoming policy is %s%s", [d.value, inactive_note]),
	"evidence": {"observed": d.value, "expected": "deny or reject", "source": d.source},
} if {
	d := ufw.default_incoming
	d.value in {"deny", "reject"}
}

unknown contains {
	"subject": "default incoming policy",
	"target": target.firewall,
	"message": "neither `ufw status verbose` nor /etc/default/ufw could be read: run mlscan as root",
	"evidence": {"expected": "deny or reject", "source": "ufw collector"},
} if not ufw.default_incoming
