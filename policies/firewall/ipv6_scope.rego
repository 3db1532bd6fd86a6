# METADATA
# title: IPv6 filtered with the same scope as IPv4
# description: >-
#   IPv6 rules must be as narrow as the IPv4 ones: no (v6) allow from
#   Anywhere or from a network outside the private plan for a non-public
#   port, and with IPV6=yes UFW's IPv6 chains must be loaded (otherwise
#   IPv6 is unfiltered). IPV6=no is reported for information: UFW then
#   drops all IPv6 but loopback. The kernel's loaded rules are judged too
#   (input.model): a non-public port that a connection from outside reaches
#   over IPv6 while IPv4 keeps it private fails, naming the IPv6 path.
# custom:
#   id: MLS-FW-007
#   severity: high
#   requires: [ufw.rules, ufw.defaults]
#   remediation: "Keep IPV6=yes in /etc/default/ufw, scope (v6) rules like the IPv4 ones, then `sudo ufw disable && sudo ufw enable`"
#   references: ["https://manpages.debian.org/unstable/ufw/ufw-framework.8.en.html", "https://manpages.ubuntu.com/manpages/noble/man8/ufw.8.html"]
package mlscan.firewall.ipv6_scope

import data.mlscan.lib.model
import data.mlscan.lib.network
import data.mlscan.lib.target
import data.mlscan.lib.ufw

opens_private(r) if count(r.to_ranges) == 0

opens_private(r) if {
	some x in r.to_ranges
	some p in numbers.range(x.from, min([x.to, x.from + 1023]))
	some proto in ufw.protos(r)
	not network.is_public(p, proto)
}

deny contains {
	"subject": sprintf("ufw rule: %s", [ufw.rule_str(r)]),
	"target": target.firewall_rule(r),
	"message": sprintf("IPv6 rule admits a non-public port from %s", [ufw.from_str(r)]),
	"evidence": {"observed": r.raw, "expected": "IPv6 rules scoped like IPv4 (public ports only from anywhere)", "source": input.ufw.rules.from},
} if {
	some r in ufw.rules
	r.v6
	r.direction == "in"
	ufw.admits(r)
	not ufw.from_trusted(r)
	opens_private(r)
}

# v6_doubts are the rules not understood that may be IPv6 rules admitting
# a non-public port.
v6_doubts contains u if {
	some u in ufw.unparsed
	object.get(u, "family", "") in {"", "ipv6"}
	object.get(u, "direction", "") in {"", "in"}
	not object.get(u, "action", "") in {"deny", "reject"}
	may_open_private(u)
}

may_open_private(u) if not u.ports_known

may_open_private(u) if {
	u.ports_known
	opens_private({"to_ranges": u.to_ranges, "proto": object.get(u, "proto", "any")})
}

unknown contains {
	"subject": ufw.unparsed_subject(u),
	"target": target.firewall,
	"message": sprintf("%s line %d could not be read (%s): it may admit a non-public port over IPv6", [u.from, u.line, u.reason]),
	"evidence": {"observed": u.raw, "expected": "IPv6 rules scoped like IPv4 (public ports only from anywhere)", "source": u.from},
} if some u in v6_doubts

deny contains {
	"subject": "ufw ipv6",
	"target": target.firewall,
	"message": "IPV6=yes but UFW's IPv6 chains (ufw6-user-input) are not loaded: IPv6 traffic is not filtered",
	"evidence": {"observed": "ufw6 chains absent", "expected": "ufw6-user-input present", "source": "ip6tables -S ufw6-user-input"},
} if ufw.v6_unfiltered

deny contains {
	"subject": "ufw ipv6",
	"target": target.firewall,
	"message": "IPV6=no: UFW drops all IPv6 except loopback (safe, but outgoing IPv6 is blocked too)",
	"severity": "info",
	"evidence": {"observed": "IPV6=no", "expected": "IPV6=yes", "source": input.ufw.defaults.from},
} if input.ufw.defaults.ipv6 == false

# by_family(i) is listener i's outside reach split by family.
by_family(i) := object.get(model.listener(i), "outside_by_family", {})

# judged_v6 are the non-public listeners, with their index.
judged_v6 contains [i, l] if {
	some i, l in object.get(input, ["sockets", "listeners"], [])
	not l.loopback
	not network.is_public(l.port, l.proto)
}

# v4_verdicts(port, proto) are the IPv4 reaches from outside of every
# listener on the port (a "::" listener may serve IPv4 too).
v4_verdicts(port, proto) := {by_family(i).ipv4.verdict |
	some [i, l] in judged_v6
	l.port == port
	l.proto == proto
	by_family(i).ipv4
}

# wider_v6 are the non-public ports the kernel lets a connection from
# outside reach over IPv6 while no listener of the port is reached over
# IPv4, with the IPv6 reach.
wider_v6 contains [l, by_family(i).ipv6] if {
	some [i, l] in judged_v6
	by_family(i).ipv6.verdict == "reachable"
	every v in v4_verdicts(l.port, l.proto) {
		v == "unreachable"
	}
}

deny contains {
	"subject": network.port_str(l.port, l.proto),
	"target": target.port(l.port, l.proto),
	"message": sprintf("%s is reachable from outside over IPv6 but not over IPv4, through the rules the kernel holds: %s", [network.port_str(l.port, l.proto), model.reach_str(r)]),
	"evidence": {"observed": sprintf("%s: %s", [network.listener_str(l), model.reach_str(r)]), "expected": "IPv6 filtered like IPv4", "source": model.ruleset_source},
} if some [l, r] in wider_v6

pass contains {
	"subject": "ufw ipv6",
	"target": target.firewall,
	"message": "IPv6 is filtered and no IPv6 rule is wider than the IPv4 plan",
	"evidence": {"observed": "IPV6=yes", "source": input.ufw.defaults.from},
} if {
	input.ufw.defaults.ipv6 == true
	not ufw.v6_unfiltered
	count(v6_doubts) == 0
	count(wider_v6) == 0
	count(v6_kernel_doubts) == 0
}

# v6_kernel_doubts are the non-public listeners whose reach from outside
# over IPv6, or over IPv4 on the same port, the model could not decide.
v6_kernel_doubts contains [l, by_family(i).ipv6] if {
	some [i, l] in judged_v6
	by_family(i).ipv6
	undecided_v6(i, l)
}

# The IPv6 reach is undecided, or reachable while an IPv4 reach of the
# port is undecided (wider or not cannot be told).
undecided_v6(i, _) if not by_family(i).ipv6.verdict in {"reachable", "unreachable"}

undecided_v6(i, l) if {
	by_family(i).ipv6.verdict == "reachable"
	some v in v4_verdicts(l.port, l.proto)
	not v in {"reachable", "unreachable"}
}

unknown contains {
	"subject": network.port_str(l.port, l.proto),
	"target": target.port(l.port, l.proto),
	"message": sprintf("whether %s is filtered over IPv6 like over IPv4 in the rules the kernel holds cannot be told: %s", [network.port_str(l.port, l.proto), model.reach_str(r)]),
	"evidence": {"observed": sprintf("%s: %s", [network.listener_str(l), model.reach_str(r)]), "expected": "IPv6 filtered like IPv4", "source": model.ruleset_source},
} if some [l, r] in v6_kernel_doubts
