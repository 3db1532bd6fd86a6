# METADATA
# title: Routed traffic denied by default; outgoing policy as declared
# description: >-
#   Forwarded (routed) traffic is denied or routing is disabled, and the
#   default outgoing policy is the one the configuration declares
#   (ufw.default_outgoing, allow in the document).
# custom:
#   id: MLS-FW-003
#   severity: medium
#   requires: [ufw]
#   remediation: "`sudo ufw default deny routed`; `sudo ufw default allow outgoing` (or as declared)"
#   references: ["docs/rules.md#configuration"]
package mlscan.firewall.default_routed

import data.mlscan.lib.target
import data.mlscan.lib.ufw

u := input.ufw

routed := {"value": u.live.default_routed, "source": u.live.from} if {
	ufw.live_ok
	u.live.default_routed != ""
} else := {"value": ufw.policy_word[upper(u.defaults.forward_policy)], "source": u.defaults.from} if {
	ufw.defaults_ok
}

outgoing := {"value": u.live.default_outgoing, "source": u.live.from} if {
	ufw.live_ok
	u.live.default_outgoing != ""
} else := {"value": ufw.policy_word[upper(u.defaults.output_policy)], "source": u.defaults.from} if {
	ufw.defaults_ok
}

declared := object.get(data.mlscan.config, ["ufw", "default_outgoing"], "allow")

deny contains {
	"subject": "default routed policy",
	"target": target.firewall,
	"message": sprintf("the default routed policy is %s: the host forwards traffic between networks", [routed.value]),
	"evidence": {"observed": routed.value, "expected": "deny, reject or disabled", "source": routed.source},
} if not routed.value in {"deny", "reject", "disabled"}

pass contains {
	"subject": "default routed policy",
	"target": target.firewall,
	"message": sprintf("the default routed policy is %s", [routed.value]),
	"evidence": {"observed": routed.value, "expected": "deny, reject or disabled", "source": routed.source},
} if routed.value in {"deny", "reject", "disabled"}

deny contains {
	"subject": "default outgoing policy",
	"target": target.firewall,
	"message": sprintf("the default outgoing policy is %s, the configuration declares %s", [outgoing.value, declared]),
	"evidence": {"observed": outgoing.value, "expected": declared, "source": outgoing.source},
} if outgoing.value != declared

pass contains {
	"subject": "default outgoing policy",
	"target": target.firewall,
	"message": sprintf("the default outgoing policy is %s, as declared", [outgoing.value]),
	"evidence": {"observed": outgoing.value, "expected": declared, "source": outgoing.source},
} if outgoing.value == declared

unknown contains {
	"subject": s,
	"target": target.firewall,
	"message": "neither `ufw status verbose` nor /etc/default/ufw could be read: run mlscan as root",
	"evidence": {"source": "ufw collector"},
} if {
	not routed
	some s in {"default routed policy", "default outgoing policy"}
}
