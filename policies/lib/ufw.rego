# UFW helpers: rule matching and the admission of untrusted sources, with
# UFW's own semantics: user rules in order, first match wins, else the
# default incoming policy (before.rules accepts loopback first). Rules are
# compared by their normalised networks (net_of: to_net/from_net from the
# collector, derived from the strings for older snapshots), never by
# address strings. A verdict a rule could change but cannot be judged
# exactly (a rule the collector could not read, a block with a
# non-contiguous mask, an application rule whose ports are not shown) is
# unknown, naming the rule; the other ports are still judged.
package mlscan.lib.ufw

import data.mlscan.lib.network
import data.mlscan.lib.status

rules := input.ufw.rules.items

# unparsed are the rule lines the collector could not read (kept verbatim
# with what could still be read of them): each makes unknown only the
# verdicts it could change.
# A field missing from an entry takes its most cautious value (first in
# the rule order, ports unread).
unparsed := [object.union(unparsed_defaults, u) | some u in object.get(input, ["ufw", "rules", "unparsed"], [])]

unparsed_defaults := {"raw": "", "reason": "not understood", "from": "ufw rules", "line": 0, "before": 0, "ports_known": false, "to_ranges": []}

# net_of(r, side) is a rule's To (side "to") or From ("from") as a network:
# {canonical, any, family, contiguous, cover}. Checks compare these, never
# the address strings (::1/0 is every IPv6 address, like Anywhere (v6)).
# Snapshots written before to_net/from_net existed get the same facts
# derived from the string.
net_of(r, side) := n if {
	n := r[concat("_", [side, "net"])]
} else := legacy_net(r[side], r.v6)

legacy_net("any", v6) := {"canonical": any_cidr(v6), "any": true, "contiguous": true, "cover": any_cidr(v6)}

legacy_net(s, _) := {"canonical": s, "any": endswith(s, "/0"), "contiguous": true, "cover": network.as_cidr(s)} if {
	s != "any"
	regex.match(`^[^/]+(/[0-9]+)?$`, s)
}

# A mask written as an address cannot be judged from the string: its cover
# is every address of the family.
legacy_net(s, v6) := {"canonical": s, "any": false, "contiguous": false, "cover": any_cidr(v6)} if {
	s != "any"
	not regex.match(`^[^/]+(/[0-9]+)?$`, s)
}

any_cidr(true) := "::/0"

any_cidr(false) := "0.0.0.0/0"

# from_any: the rule's source is every address of its family.
from_any(r) if net_of(r, "from").any

to_any(r) if net_of(r, "to").any

# from_trusted: every source the rule names is inside the trusted networks.
from_trusted(r) if network.net_within_trusted(net_of(r, "from"))

# exact: both sides are CIDRs, so what the rule matches is known exactly.
# A non-contiguous mask (addr&mask, as iptables applies it) is not.
exact(r) if {
	net_of(r, "to").contiguous
	net_of(r, "from").contiguous
}

# from_str is the rule's source as ufw wrote it, saying when it is every
# address although not written "any" (::1/0).
from_str(r) := sprintf("%s (every %s address)", [r.from, net_of(r, "from").family]) if {
	r.from != "any"
	from_any(r)
} else := r.from

live_ok if status.ok(input.ufw.live)

defaults_ok if status.ok(input.ufw.defaults)

policy_word := {"DROP": "deny", "REJECT": "reject", "ACCEPT": "allow"}

# default_incoming is the default incoming policy with where it came from.
default_incoming := {"value": input.ufw.live.default_incoming, "source": "ufw status verbose"} if {
	live_ok
	input.ufw.live.default_incoming != ""
} else := {"value": policy_word[upper(input.ufw.defaults.input_policy)], "source": input.ufw.defaults.from} if {
	defaults_ok
}

# active is true/false when known.
active := input.ufw.live.active if live_ok

admits(r) if r.action in {"allow", "limit"}

blocks(r) if r.action in {"deny", "reject"}

proto_ok(p, _) if p == "any"

proto_ok(p, q) if p == q

port_ok(ranges, _) if count(ranges) == 0

port_ok(ranges, port) if {
	some x in ranges
	x.from <= port
	port <= x.to
}

# to_ok: the rule's destination may be the listener's address (a
# non-contiguous destination is over-approximated by its cover; a block
# with one is never taken as deciding, see exact).
to_ok(r, _) if to_any(r)

to_ok(r, l) if {
	not to_any(r)
	l.wildcard
}

to_ok(r, l) if {
	not to_any(r)
	not l.wildcard
	net.cidr_contains(net_of(r, "to").cover, l.address)
}

# unconditional: no source port or interface narrows the rule.
unconditional(r) if {
	count(r.from_ranges) == 0
	not r.iface_in
}

# A rule that admits some untrusted source (a non-contiguous source is
# judged by its cover: an allow over-approximates what gets through).
admits_untrusted(r) if {
	admits(r)
	not from_trusted(r)
}

# ports_unknown: an application rule shown by name only (plain and numbered
# `ufw status`: "Nginx DENY IN Anywhere", "Anywhere DENY IN Nginx") has its
# profile's ports, which the output does not show: its empty ranges are not
# "every port". It matches any port as far as is known, so an allow is
# taken as admitting, but a block never decides (a block before an
# admitting rule makes the verdict unknown, naming it).
ports_unknown(r) if {
	object.get(r, "to_app", "") != ""
	count(r.to_ranges) == 0
}

ports_unknown(r) if {
	object.get(r, "from_app", "") != ""
	count(r.from_ranges) == 0
}

# A rule that blocks every untrusted source on its way to listener l: to
# every address, or to the listener's own when it binds one address. (A
# block to one address does not close a wildcard listener: it still
# answers on the host's other addresses.)
blocks_all(r, l) if {
	blocks(r)
	from_any(r)
	exact(r)
	unconditional(r)
	not ports_unknown(r)
	to_all_of(r, l)
}

to_all_of(r, _) if to_any(r)

to_all_of(r, l) if {
	not to_any(r)
	not l.wildcard
	net.cidr_contains(net_of(r, "to").cover, l.address)
}

# covers(a, b): block rule a's source holds every source of rule b.
covers(a, _) if from_any(a)

covers(a, b) if {
	not from_any(a)
	not from_any(b)
	net.cidr_contains(net_of(a, "from").cover, net_of(b, "from").cover)
}

# family_view is, for listener l over IPv6 (v6 true) or IPv4, the rules
# that match it, matched once, as indexes into rules: "matching" (every
# rule whose protocol, port and destination may match), "first_block"
# (the first that blocks every untrusted source; absent when none does)
# and "admitting" (the rules admitting untrusted sources before the first
# block that no earlier matching block shadows).
family_view(l, v6) := view if {
	m := [i |
		some i in in_rules[v6]
		r := rules[i]
		proto_ok(r.proto, l.proto)
		port_ok(r.to_ranges, l.port)
		to_ok(r, l)
	]
	fbs := [i | some i in m; blocks_all(rules[i], l)]
	admitting := {i |
		some i in m
		admits_untrusted(rules[i])
		before_first(i, fbs)
		not shadowed_in(i, m, l)
	}
	view := object.union(with_first_block(admitting, fbs), {"matching": m})
}

# in_rules are the indexes of the incoming rules of each family (v6 true or
# false), as family_view reads them, computed once per evaluation.
in_rules := {v6: [i | some i, r in rules; r.direction == "in"; r.v6 == v6] | some v6 in [false, true]}

with_first_block(admitting, fbs) := {"admitting": admitting, "first_block": min(fbs)} if count(fbs) > 0

else := {"admitting": admitting}

before_first(_, fbs) if count(fbs) == 0

before_first(i, fbs) if {
	count(fbs) > 0
	i < min(fbs)
}

# shadowed_in: an earlier matching block (among the matching indexes m)
# covers every source and destination rule i admits (on the way to l).
shadowed_in(i, m, l) if {
	some j in m
	j < i
	rj := rules[j]
	blocks(rj)
	exact(rj)
	unconditional(rj)
	not ports_unknown(rj)
	covers(rj, rules[i])
	to_covers(rj, rules[i], l)
}

# to_covers(a, b, l): block rule a's destination holds every destination
# of rule b on the way to listener l.
to_covers(a, _, l) if to_all_of(a, l)

to_covers(a, b, _) if {
	not to_any(a)
	not to_any(b)
	net.cidr_contains(net_of(a, "to").cover, net_of(b, "to").cover)
}

# families(l) are the address families (v6 true, IPv4 false) whose rules
# govern listener l: both for a dual-stack "::" listener.
families(l) := {false} if l.family == "ipv4"

families(l) := {false, true} if {
	l.family == "ipv6"
	l.dual_stack
}

families(l) := {true} if {
	l.family == "ipv6"
	not l.dual_stack
}

# v6_closed: with IPV6=no ufw drops all IPv6 but loopback.
v6_closed if {
	defaults_ok
	input.ufw.defaults.ipv6 == false
}

# v6_unfiltered: IPV6=yes, but UFW's IPv6 chains are not loaded, so IPv6
# passes unfiltered.
v6_unfiltered if {
	defaults_ok
	input.ufw.defaults.ipv6 == true
	input.ufw.live.v6_chains == false
}

# admission(l) says whether some source outside the trusted networks can
# reach listener l, and why: {"admitted": bool, "reason": string}, with
# "unknown": true (and admitted true) when a rule that could change the
# verdict cannot be judged (see ruled_verdict). A dual-stack listener is
# judged for IPv4 and IPv6; the reasons of both families are joined (a
# rule and its (v6) twin give one reason each).
admission(l) := admission_cache[admission_key(l)]

admission(l) := admission_of(l) if not admission_cache[admission_key(l)]

# admission_key is everything admission_of reads of a listener.
admission_key(l) := [l.proto, l.port, l.wildcard, l.address, l.family, object.get(l, "dual_stack", false)]

# admission_cache holds the admission of the snapshot's non-loopback
# listeners, computed once per evaluation.
admission_cache := {k: admission_of(l) |
	some l in object.get(input, ["sockets", "listeners"], [])
	not l.loopback
	k := admission_key(l)
}

admission_of(l) := {"admitted": true, "reason": "UFW is inactive: nothing is filtered"} if {
	active == false
} else := {"admitted": true, "reason": "IPv6 is enabled but UFW's IPv6 chains are not loaded: IPv6 is unfiltered"} if {
	true in families(l)
	v6_unfiltered
} else := default_verdict(fs) if {
	fs := families(l)
	unruled(l.port)
} else := ruled_verdict(l, {v6: family_view(l, v6) | some v6 in families(l)})

# unruled(port): no incoming rule covers the port, so every family of a
# listener on it falls through to the default incoming policy. Known for
# the snapshot's listener ports (other ports take the full path).
unruled(port) if {
	port in listener_ports
	not port in ruled_ports
	not any_port_rule
	not unparsed_port(port)
}

# unparsed_port(port): some rule not understood may be an incoming rule for
# the port (its ports unread, or listing it).
unparsed_port(port) if {
	some u in unparsed
	object.get(u, "direction", "") in {"", "in"}
	unparsed_port_ok(u, port)
}

unparsed_port_ok(u, _) if not u.ports_known

unparsed_port_ok(u, port) if {
	u.ports_known
	port_ok(u.to_ranges, port)
}

# unparsed_for(l, v6): the rules not understood that may match listener l
# over IPv6 (v6 true) or IPv4: same direction, family, protocol and port
# as far as they could be read.
unparsed_for(l, v6) := [u |
	some u in unparsed
	object.get(u, "direction", "") in {"", "in"}
	family_may_be(object.get(u, "family", ""), v6)
	unparsed_proto_ok(object.get(u, "proto", ""), l.proto)
	unparsed_port_ok(u, l.port)
]

family_may_be("", _)

family_may_be("ipv4", false)

family_may_be("ipv6", true)

unparsed_proto_ok("", _)

unparsed_proto_ok(p, q) if {
	p != ""
	proto_ok(p, q)
}

# unparsed_subject names a rule not understood as a result's subject (its
# line with the column padding collapsed).
unparsed_subject(u) := sprintf("ufw rule: %s", [regex.replace(trim_space(u.raw), `\s+`, " ")])

# unparsed_str quotes a rule not understood for a message.
unparsed_str(u) := sprintf("%s line %d, not understood (%s): %s", [u.from, u.line, u.reason, regex.replace(trim_space(u.raw), `\s+`, " ")])

# inexact_str names a rule whose non-contiguous mask keeps what it matches
# from being judged exactly.
inexact_str(r) := sprintf("%s (non-contiguous mask: may block only part of the traffic)", [rule_str(r)])

# app_str names an application rule whose ports the output does not show.
app_str(r) := sprintf("%s (application rule shown by name only: its ports are unknown): %s", [rule_str(r), regex.replace(trim_space(r.raw), `\s+`, " ")])

listener_ports := {l.port | some l in object.get(input, ["sockets", "listeners"], []); not l.loopback}

# in_ranges are the port ranges of the incoming rules.
in_ranges := [x | some r in rules; r.direction == "in"; some x in r.to_ranges]

ruled_ports := {p | some p in listener_ports; some x in in_ranges; x.from <= p; p <= x.to}

any_port_rule if {
	some r in rules
	r.direction == "in"
	count(r.to_ranges) == 0
}

# default_verdict is the admission when no rule matches in any of the
# address families fs: the default policy of the families that are not
# closed.
# (unruled: no rule, read or not, can match, so there is nothing to doubt.)
default_verdict(fs) := {"admitted": true, "reason": default_admits} if {
	default_incoming.value == "allow"
	some v6 in fs
	not v6_blocked(v6)
} else := {"admitted": false, "reason": default_blocks}

# ruled_verdict judges a listener from its family views (v6 → view): the
# reasons untrusted sources get through, per family the first admitting
# rule or the default policy allow; else what blocks them. A family's
# verdict is in doubt when a rule that could change it was not understood
# or cannot be judged exactly (a block with a non-contiguous mask before
# the admitting rule); then, unless another family surely admits, the
# admission is unknown: {"admitted": true, "unknown": true, "reason"}
# (admitted stays true so that a caller that ignores unknown never takes
# it for private).
ruled_verdict(l, views) := {"admitted": true, "reason": concat("; ", sort(rs))} if {
	rs := {r | some v6, view in views; not v6_blocked(v6); r := family_admission(view); count(doubts(l, v6, view)) == 0}
	count(rs) > 0
} else := {"admitted": true, "unknown": true, "reason": sprintf("UFW rules that could change the verdict cannot be judged: %s", [concat("; ", sort(ds))])} if {
	ds := {d | some v6, view in views; not v6_blocked(v6); some d in doubts(l, v6, view)}
	count(ds) > 0
} else := {"admitted": false, "reason": reason_blocked(views)}

# doubts(l, v6, view) names the rules that could change the family's
# verdict: when it admits, the rules before the admitting one (all, when
# the default policy admits) that may block and could not be judged; when
# it blocks, the rules not understood before the blocking one (all, under
# the default policy) that may admit.
doubts(l, v6, view) := ds if {
	family_admission(view)
	upto := decided_at(view.admitting)
	inexact := {inexact_str(r) |
		some j in view.matching
		j < upto
		r := rules[j]
		blocks(r)
		not exact(r)
	}
	app := {app_str(r) |
		some j in view.matching
		j < upto
		r := rules[j]
		blocks(r)
		ports_unknown(r)
	}
	unread := {unparsed_str(u) |
		some u in unparsed_for(l, v6)
		u.before <= upto
		not object.get(u, "action", "") in {"allow", "limit"}
	}
	ds := (inexact | app) | unread
} else := {unparsed_str(u) |
	some u in unparsed_for(l, v6)
	u.before <= object.get(view, "first_block", count(rules))
	not object.get(u, "action", "") in {"deny", "reject"}
}

# decided_at is the index of the admitting rule, or past the last rule
# when the default policy admits.
decided_at(admitting) := min(admitting) if count(admitting) > 0

else := count(rules)

family_admission(view) := sprintf("admitted by rule: %s", [rule_str(rules[i])]) if {
	i := min(view.admitting)
} else := default_admits if {
	not view.first_block
	default_incoming.value == "allow"
}

default_admits := sprintf("no rule matches and the default incoming policy is %s (%s)", [default_incoming.value, default_incoming.source])

v6_blocked(true) if v6_closed

reason_blocked(views) := concat("; ", sort(rs)) if {
	rs := {sprintf("blocked by rule: %s", [rule_str(rules[i])]) | some view in views; i := view.first_block}
	count(rs) > 0
} else := default_blocks

default_blocks := sprintf("no rule admits it; default incoming policy %s (%s)", [default_incoming.value, default_incoming.source])

# rule_str is a canonical one-line form of a rule.
rule_str(r) := sprintf("%s %s %s%s from %s%s%s%s", [
	r.action, r.direction, port_part(r), proto_part(r), from_str(r), from_app_part(r), v6_part(r), comment_part(r),
])

from_app_part(r) := sprintf(" application %s", [r.from_app]) if object.get(r, "from_app", "") != ""

else := ""

port_part(r) := sprintf("application %s", [r.to_app]) if {
	object.get(r, "to_app", "") != ""
	count(r.to_ranges) == 0
} else := "any port" if r.to_ports == "any"

else := sprintf("port %s", [r.to_ports])

proto_part(r) := "" if r.proto == "any"

proto_part(r) := concat("", ["/", r.proto]) if r.proto != "any"

v6_part(r) := " (v6)" if r.v6

v6_part(r) := "" if not r.v6

comment_part(r) := sprintf(" # %s", [r.comment]) if r.comment

comment_part(r) := "" if not r.comment

# protos is the set of transport protocols a rule covers.
protos(r) := {"tcp", "udp"} if r.proto == "any"

protos(r) := {r.proto} if r.proto != "any"
