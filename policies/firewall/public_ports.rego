# METADATA
# title: Only the public ports are allowed from anywhere
# description: >-
#   An allow or limit rule from Anywhere (0.0.0.0/0, ::/0) may only open the
#   configured public ports (80/tcp and 443/tcp). Everything else must be
#   scoped to the trusted networks.
# custom:
#   id: MLS-FW-005
#   severity: high
#   requires: [ufw.rules]
#   remediation: "Delete the rule (`sudo ufw delete allow PORT`) or scope it: `sudo ufw allow from 10.0.0.0/24 to any port PORT proto tcp`"
#   references: ["docs/rules.md#configuration"]
package mlscan.firewall.public_ports

import data.mlscan.lib.network
import data.mlscan.lib.target
import data.mlscan.lib.ufw

# open_rules admit every source of their family (Anywhere, ::/0, ::1/0).
open_rules contains r if {
	some r in ufw.rules
	r.direction == "in"
	ufw.admits(r)
	ufw.from_any(r)
}

# non_public lists what a rule opens beyond the public ports.
non_public(r) := ["every port"] if count(r.to_ranges) == 0

non_public(r) := array.concat(small, large) if {
	count(r.to_ranges) > 0
	small := [sprintf("%d/%s", [p, proto]) |
		some x in r.to_ranges
		x.to - x.from < 1024
		some p in numbers.range(x.from, x.to)
		some proto in ufw.protos(r)
		not network.is_public(p, proto)
	]
	large := [sprintf("%d:%d", [x.from, x.to]) | some x in r.to_ranges; x.to - x.from >= 1024]
}

deny contains {
	"subject": sprintf("ufw rule: %s", [ufw.rule_str(r)]),
	"target": target.firewall_rule(r),
	"message": sprintf("%s allowed from anywhere: %s", [ports_word(extra), concat(", ", extra)]),
	"evidence": {"observed": r.raw, "expected": sprintf("from anywhere only %v", [data.mlscan.config.public_ports]), "source": input.ufw.rules.from},
} if {
	some r in open_rules
	extra := non_public(r)
	count(extra) > 0
}

# A rule that could not be read and may open a non-public port from
# anywhere makes the result unknown for that rule.
unknown contains {
	"subject": ufw.unparsed_subject(u),
	"target": target.firewall,
	"message": sprintf("%s line %d could not be read (%s): it may open a non-public port to anywhere", [u.from, u.line, u.reason]),
	"evidence": {"observed": u.raw, "expected": sprintf("from anywhere only %v", [data.mlscan.config.public_ports]), "source": u.from},
} if {
	some u in ufw.unparsed
	object.get(u, "direction", "") in {"", "in"}
	not object.get(u, "action", "") in {"deny", "reject"}
	may_open_non_public(u)
}

may_open_non_public(u) if not u.ports_known

may_open_non_public(u) if {
	u.ports_known
	count(non_public({"to_ranges": u.to_ranges, "proto": object.get(u, "proto", "any")})) > 0
}

ports_word(x) := "non-public port" if count(x) == 1

ports_word(x) := "non-public ports" if count(x) > 1

pass contains {
	"subject": sprintf("ufw rule: %s", [ufw.rule_str(r)]),
	"target": target.firewall_rule(r),
	"message": "opens only public ports to anywhere",
	"evidence": {"observed": r.raw, "expected": sprintf("from anywhere only %v", [data.mlscan.config.public_ports]), "source": input.ufw.rules.from},
} if {
	some r in open_rules
	count(non_public(r)) == 0
}
