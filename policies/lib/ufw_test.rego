# Fixtures and tests for the normalised UFW facts (issue 15): rules as the
# collector writes them (to_net, from_net, unparsed), so that checks
# compare networks, never address strings.
#
# The captured_* values are what collectors.ParseUFWStatusLenient makes of
# the real `ufw status verbose` in collectors/ufw_capture_netmask_test.go
# (ufw 0.36.2, rules added with ufw's own test-suite forms:
# `allow from 192.168.0.2/255.255.0.2`, `allow from ::1/0`,
# `deny from 10.0.0.1/255.255.0.255 to any port 8080 proto tcp`). The
# unparsed_* values are that output with two rows ufw never prints (a
# /33 prefix, port 99999), as the collector keeps them.
package mlscan.lib.ufw_test

import data.mlscan.lib.fixtures as f
import data.mlscan.lib.ufw

ssh_from_lan := {"action": "allow", "direction": "in", "proto": "tcp", "to": "any", "to_ports": "22", "from": "10.0.0.0/24", "from_ports": "any", "to_ranges": [{"from": 22, "to": 22}], "from_ranges": [], "v6": false, "raw": "22/tcp                     ALLOW IN    10.0.0.0/24", "to_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}, "from_net": {"canonical": "10.0.0.0/24", "any": false, "family": "ipv4", "contiguous": true, "cover": "10.0.0.0/24"}}

http_v4 := {"action": "allow", "direction": "in", "proto": "tcp", "to": "any", "to_ports": "80", "from": "any", "from_ports": "any", "to_ranges": [{"from": 80, "to": 80}], "from_ranges": [], "v6": false, "raw": "80/tcp                     ALLOW IN    Anywhere", "to_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}, "from_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}}

dotted_allow := {"action": "allow", "direction": "in", "proto": "any", "to": "any", "to_ports": "any", "from": "192.168.0.2/255.255.0.2", "from_ports": "any", "to_ranges": [], "from_ranges": [], "v6": false, "raw": "Anywhere                   ALLOW IN    192.168.0.2/255.255.0.2", "to_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}, "from_net": {"canonical": "192.168.0.2/255.255.0.2", "any": false, "family": "ipv4", "contiguous": false, "cover": "192.168.0.0/16", "addr": "192.168.0.2", "mask": "255.255.0.2"}}

redis_from_lan := {"action": "allow", "direction": "in", "proto": "tcp", "to": "any", "to_ports": "6380", "from": "10.0.0.0/24", "from_ports": "any", "to_ranges": [{"from": 6380, "to": 6380}], "from_ranges": [], "v6": false, "raw": "6380/tcp                   ALLOW IN    10.0.0.0/24", "to_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}, "from_net": {"canonical": "10.0.0.0/24", "any": false, "family": "ipv4", "contiguous": true, "cover": "10.0.0.0/24"}}

dotted_deny_8080 := {"action": "deny", "direction": "in", "proto": "tcp", "to": "any", "to_ports": "8080", "from": "10.0.0.1/255.255.0.255", "from_ports": "any", "to_ranges": [{"from": 8080, "to": 8080}], "from_ranges": [], "v6": false, "raw": "8080/tcp                   DENY IN     10.0.0.1/255.255.0.255", "to_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}, "from_net": {"canonical": "10.0.0.1/255.255.0.255", "any": false, "family": "ipv4", "contiguous": false, "cover": "10.0.0.0/16", "addr": "10.0.0.1", "mask": "255.255.0.255"}}

http_v6 := {"action": "allow", "direction": "in", "proto": "tcp", "to": "any", "to_ports": "80", "from": "any", "from_ports": "any", "to_ranges": [{"from": 80, "to": 80}], "from_ranges": [], "v6": true, "raw": "80/tcp (v6)                ALLOW IN    Anywhere (v6)", "to_net": {"canonical": "::/0", "any": true, "family": "ipv6", "contiguous": true, "cover": "::/0"}, "from_net": {"canonical": "::/0", "any": true, "family": "ipv6", "contiguous": true, "cover": "::/0"}}

v6_prefix0_allow := {"action": "allow", "direction": "in", "proto": "any", "to": "any", "to_ports": "any", "from": "::1/0", "from_ports": "any", "to_ranges": [], "from_ranges": [], "v6": true, "raw": "Anywhere (v6)              ALLOW IN    ::1/0", "to_net": {"canonical": "::/0", "any": true, "family": "ipv6", "contiguous": true, "cover": "::/0"}, "from_net": {"canonical": "::/0", "any": true, "family": "ipv6", "contiguous": true, "cover": "::/0"}}

# unparsed_8080: an IPv4 allow for 8080/tcp whose source could not be read.
unparsed_8080 := {"raw": "8080/tcp                   ALLOW IN    10.0.0.0/33", "reason": "From \"10.0.0.0/33\": not an address, port or application: \"10.0.0.0/33\"", "from": "ufw status verbose", "line": 9, "before": 1, "action": "allow", "direction": "in", "family": "ipv4", "proto": "tcp", "ports_known": true, "to_ranges": [{"from": 8080, "to": 8080}]}

# unparsed_v6_ports: an IPv6 deny whose ports could not be read.
unparsed_v6_ports := {"raw": "99999/tcp (v6)             DENY IN     Anywhere (v6)", "reason": "To \"99999/tcp (v6)\": bad port \"99999\"", "from": "ufw status verbose", "line": 13, "before": 4, "action": "deny", "direction": "in", "family": "ipv6", "ports_known": false, "to_ranges": []}

# unparsed_any: a row of which nothing could be read (IPv4: no colon).
unparsed_any := {"raw": "what is this", "reason": "no action (ALLOW, DENY, REJECT or LIMIT)", "from": "ufw status verbose", "line": 9, "before": 1, "family": "ipv4", "ports_known": false, "to_ranges": []}

# normalised_doc_rules are the documented host's rules with their networks,
# as the collector now writes them.
normalised_doc_rules := [ssh_from_lan, http_v4, object.union(http_v4, {"to_ports": "443", "to_ranges": [{"from": 443, "to": 443}]}), http_v6, object.union(http_v6, {"to_ports": "443", "to_ranges": [{"from": 443, "to": 443}]})]

# host returns the documented host with the given rules (normalised) and
# lines not understood.
host(items, unparsed) := f.patched([
	{"op": "replace", "path": "/ufw/rules/items", "value": items},
	{"op": "add", "path": "/ufw/rules/unparsed", "value": unparsed},
])

# with_extra returns the documented host (normalised) with rules appended.
with_extra(extra) := host(array.concat(normalised_doc_rules, extra), [])

# listener_on adds a wildcard IPv4 listener on port.
listener_on(inp, port) := json.patch(inp, [{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", port, "test")}])

redis := f.listener("0.0.0.0", 6380, "redis-server")

test_normalised_doc_host_keeps_redis_private if {
	d := ufw.admission(redis) with input as with_extra([])
	d.admitted == false
	not d.unknown
}

test_prefix0_is_any if {
	ufw.from_any(v6_prefix0_allow)
	ufw.from_str(v6_prefix0_allow) == "::1/0 (every ipv6 address)"
	not ufw.from_trusted(v6_prefix0_allow)
}

# Snapshots written before to_net/from_net: the same facts from the string.
test_legacy_prefix0_is_any if {
	legacy := object.remove(v6_prefix0_allow, ["to_net", "from_net"])
	ufw.from_any(legacy)
	ufw.net_of(legacy, "from").cover == "::1/0"
}

test_legacy_host_bits_within_trusted if {
	ufw.from_trusted(f.rule("allow", "22", "tcp", "10.0.0.5/24", false))
}

test_legacy_dotted_mask_is_never_trusted if {
	r := f.rule("allow", "22", "tcp", "10.0.0.1/255.255.255.1", false)
	not ufw.from_trusted(r)
	not ufw.exact(r)
}

test_dotted_allow_judged_by_cover if {
	not ufw.from_trusted(dotted_allow)
	ufw.admits_untrusted(dotted_allow)
	not ufw.exact(dotted_allow)
}

# The dotted-mask allow from ufw's test suite admits 192.168.x.2 to every
# port: a finding, not a blind firewall.
test_dotted_allow_admits_redis if {
	d := ufw.admission(redis) with input as with_extra([dotted_allow])
	d.admitted == true
	not d.unknown
	contains(d.reason, "192.168.0.2/255.255.0.2")
}

# A deny with a non-contiguous mask for another port changes nothing here.
test_dotted_deny_other_port_leaves_redis_judged if {
	d := ufw.admission(redis) with input as with_extra([dotted_deny_8080])
	d.admitted == false
	not d.unknown
}

# Before an allow for the same port it may block only part: unknown,
# naming it.
test_dotted_deny_before_allow_is_unknown if {
	open_8080 := object.union(http_v4, {"to_ports": "8080", "to_ranges": [{"from": 8080, "to": 8080}]})
	inp := listener_on(with_extra([dotted_deny_8080, open_8080]), 8080)
	d := ufw.admission(f.listener("0.0.0.0", 8080, "test")) with input as inp
	d.unknown
	d.admitted
	contains(d.reason, "10.0.0.1/255.255.0.255")
	contains(d.reason, "non-contiguous")
}

# After the allow it cannot change the verdict.
test_dotted_deny_after_allow_is_judged if {
	open_8080 := object.union(http_v4, {"to_ports": "8080", "to_ranges": [{"from": 8080, "to": 8080}]})
	inp := listener_on(with_extra([open_8080, dotted_deny_8080]), 8080)
	d := ufw.admission(f.listener("0.0.0.0", 8080, "test")) with input as inp
	d.admitted
	not d.unknown
}

# A rule not understood for 8080 leaves 6380 judged...
test_unparsed_other_port_leaves_redis_judged if {
	d := ufw.admission(redis) with input as host(normalised_doc_rules, [unparsed_8080])
	d.admitted == false
	not d.unknown
}

# ...and makes 8080 unknown, quoting it.
test_unparsed_same_port_is_unknown if {
	inp := listener_on(host(normalised_doc_rules, [unparsed_8080]), 8080)
	d := ufw.admission(f.listener("0.0.0.0", 8080, "test")) with input as inp
	d.unknown
	contains(d.reason, "10.0.0.0/33")
	contains(d.reason, "ufw status verbose line 9")
}

# A rule whose ports could not be read affects every port of its family.
test_unparsed_unknown_ports_affect_every_v4_port if {
	inp := host(normalised_doc_rules, [unparsed_any])
	d := ufw.admission(redis) with input as inp
	d.unknown
	contains(d.reason, "what is this")
}

# An IPv6 deny, even of every port, cannot make a blocked port reachable,
# nor touch an IPv4-only listener.
test_unparsed_v6_deny_does_not_doubt_blocked if {
	inp := host(normalised_doc_rules, [unparsed_v6_ports])
	d := ufw.admission(f.listener("::", 5555, "flower")) with input as inp
	d.admitted == false
	not d.unknown
}

# An IPv4 deny before the admitting allow may shadow it: unknown.
test_unparsed_deny_before_allow_is_unknown if {
	deny_unread := object.union(unparsed_any, {"action": "deny", "direction": "in", "before": 5})
	inp := host(array.concat(normalised_doc_rules, [object.union(http_v4, {"to_ports": "6380", "to_ranges": [{"from": 6380, "to": 6380}]})]), [deny_unread])
	d := ufw.admission(redis) with input as inp
	d.unknown
}

# After the admitting rule it cannot matter.
test_unparsed_after_allow_is_judged if {
	late := object.union(unparsed_any, {"before": 6})
	inp := host(array.concat(normalised_doc_rules, [object.union(http_v4, {"to_ports": "6380", "to_ranges": [{"from": 6380, "to": 6380}]})]), [late])
	d := ufw.admission(redis) with input as inp
	d.admitted
	not d.unknown
}

# An entry missing fields (not a snapshot mlscan wrote) is taken at its
# most cautious: before every rule, every port.
test_unparsed_entry_missing_fields_is_cautious if {
	inp := host(normalised_doc_rules, [{"raw": "???", "family": "ipv4"}])
	d := ufw.admission(redis) with input as inp
	d.unknown
	contains(d.reason, "???")
}

# rule_6380(action, to) is a rule for 6380/tcp from anywhere to one address.
rule_6380(action, to) := object.union(http_v4, {
	"action": action, "to": to, "to_ports": "6380", "to_ranges": [{"from": 6380, "to": 6380}],
	"to_net": {"canonical": concat("", [to, "/32"]), "any": false, "family": "ipv4", "contiguous": true, "cover": concat("", [to, "/32"])},
})

open_6380 := object.union(http_v4, {"to_ports": "6380", "to_ranges": [{"from": 6380, "to": 6380}]})

# A block to one address does not close a wildcard listener: it answers on
# the host's other addresses, which the allow after it admits.
test_block_to_one_address_leaves_wildcard_open if {
	d := ufw.admission(redis) with input as with_extra([rule_6380("deny", "10.0.0.84"), open_6380])
	d.admitted
	not d.unknown
}

# For a listener bound to that address it is the first match.
test_block_to_the_listener_address_closes_it if {
	l := f.listener("10.0.0.84", 6380, "redis-server")
	inp := json.patch(with_extra([rule_6380("deny", "10.0.0.84"), open_6380]), [{"op": "add", "path": "/sockets/listeners/-", "value": l}])
	d := ufw.admission(l) with input as inp
	d.admitted == false
}

# A block to one address shadows an allow to that same address only.
test_block_shadows_allow_to_same_address if {
	d := ufw.admission(redis) with input as with_extra([rule_6380("deny", "10.0.0.84"), rule_6380("allow", "10.0.0.84")])
	d.admitted == false
}

# Application rules as `ufw status` (plain, numbered) shows them, by name
# only: what collectors.ParseUFWStatusLenient makes of the rows
# "Nginx  DENY IN  Anywhere", "Anywhere  DENY IN  Nginx" and their (v6)
# twin. Their ports are the profile's, not in the output.
nginx_deny_to := {"action": "deny", "direction": "in", "proto": "any", "to": "any", "to_ports": "any", "from": "any", "from_ports": "any", "to_ranges": [], "from_ranges": [], "v6": false, "to_app": "Nginx", "raw": "Nginx                      DENY IN     Anywhere", "to_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}, "from_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}}

nginx_deny_from := {"action": "deny", "direction": "in", "proto": "any", "to": "any", "to_ports": "any", "from": "any", "from_ports": "any", "to_ranges": [], "from_ranges": [], "v6": false, "from_app": "Nginx", "raw": "Anywhere                   DENY IN     Nginx", "to_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}, "from_net": {"canonical": "0.0.0.0/0", "any": true, "family": "ipv4", "contiguous": true, "cover": "0.0.0.0/0"}}

nginx_deny_to_v6 := {"action": "deny", "direction": "in", "proto": "any", "to": "any", "to_ports": "any", "from": "any", "from_ports": "any", "to_ranges": [], "from_ranges": [], "v6": true, "to_app": "Nginx", "raw": "Nginx (v6)                 DENY IN     Anywhere (v6)", "to_net": {"canonical": "::/0", "any": true, "family": "ipv6", "contiguous": true, "cover": "::/0"}, "from_net": {"canonical": "::/0", "any": true, "family": "ipv6", "contiguous": true, "cover": "::/0"}}

# nginx_deny_to_ports is the same rule read from user.rules' tuple, which
# carries the profile's ports.
nginx_deny_to_ports := object.union(nginx_deny_to, {"to_ports": "80,443", "proto": "tcp", "to_ranges": [{"from": 80, "to": 80}, {"from": 443, "to": 443}], "raw": "### tuple ### deny tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 Nginx%20Full - in"})

# An application block shown by name only never decides: before an allow
# for the port it makes the verdict unknown, naming the rule; alone it
# leaves the default policy's verdict.
test_application_block_by_name_only if {
	cases := [
		{"name": "to app before an allow", "rules": [nginx_deny_to, open_6380], "admitted": true, "unknown": true, "names": "deny in application Nginx from any (application rule shown by name only: its ports are unknown): Nginx DENY IN Anywhere"},
		{"name": "from app before an allow", "rules": [nginx_deny_from, open_6380], "admitted": true, "unknown": true, "names": "deny in any port from any application Nginx (application rule shown by name only"},
		{"name": "both families before an allow", "rules": [nginx_deny_to, nginx_deny_to_v6, open_6380], "admitted": true, "unknown": true, "names": "Nginx DENY IN Anywhere"},
		{"name": "after the allow", "rules": [open_6380, nginx_deny_to], "admitted": true, "unknown": false},
		{"name": "alone, default deny", "rules": [nginx_deny_to], "admitted": false, "unknown": false},
		{"name": "an allow it cannot shadow", "rules": [nginx_deny_to, open_6380, nginx_deny_from], "admitted": true, "unknown": true, "names": "Nginx DENY IN Anywhere"},
		{"name": "with its ports from user.rules, another port", "rules": [nginx_deny_to_ports, open_6380], "admitted": true, "unknown": false},
	]
	every c in cases {
		d := ufw.admission(redis) with input as with_extra(c.rules)
		d.admitted == c.admitted
		object.get(d, "unknown", false) == c.unknown
		contains(d.reason, object.get(c, "names", ""))
	}
}

test_application_block_by_name_only_is_not_blocks_all if {
	not ufw.blocks_all(nginx_deny_to, redis)
	not ufw.blocks_all(nginx_deny_from, redis)
	ufw.ports_unknown(nginx_deny_to)
	ufw.ports_unknown(nginx_deny_from)
	not ufw.ports_unknown(nginx_deny_to_ports)
}
