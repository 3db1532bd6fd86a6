# Network helpers shared by the checks.
package mlscan.lib.network

trusted := data.mlscan.config.networks.trusted

# trusted_str is the trusted networks for messages ("10.0.0.0/24").
trusted_str := concat(", ", trusted)

# as_cidr turns an address into a one-address CIDR.
as_cidr(a) := a if contains(a, "/")

as_cidr(a) := concat("", [a, "/32"]) if {
	not contains(a, "/")
	not contains(a, ":")
}

as_cidr(a) := concat("", [a, "/128"]) if {
	not contains(a, "/")
	contains(a, ":")
}

loopback_nets := ["127.0.0.0/8", "::1/128"]

# is_loopback holds for an address or network inside loopback.
is_loopback(a) if {
	a != "any"
	some n in loopback_nets
	net.cidr_contains(n, a)
}

# within_trusted holds for an address or network inside a trusted network or
# loopback ("any" is never within).
within_trusted(a) if {
	a != "any"
	some n in trusted
	net.cidr_contains(n, a)
}

within_trusted(a) if is_loopback(a)

# net_within_trusted holds for a normalised network (a UFW rule's to_net or
# from_net, see ufw.net_of) inside a trusted network or loopback. Its cover
# is the set itself when contiguous, else the smallest CIDR holding it: a
# set is inside a CIDR exactly when its cover is. Any is never within.
net_within_trusted(n) if {
	not n.any
	some t in array.concat(trusted, loopback_nets)
	net.cidr_contains(t, n.cover)
}

# public_ports is the set of {port, proto} reachable from anywhere by design.
public_ports := {{"port": to_number(parts[0]), "proto": proto_of(parts)} |
	some p in data.mlscan.config.public_ports
	parts := split(p, "/")
}

proto_of(parts) := parts[1] if count(parts) > 1

proto_of(parts) := "tcp" if count(parts) == 1

is_public(port, proto) if {"port": port, "proto": proto} in public_ports

# bind_scope is the widest scope of a listener's address.
bind_scope(l) := "wildcard" if l.wildcard

bind_scope(l) := "loopback" if {
	not l.wildcard
	l.loopback
}

bind_scope(l) := "host" if {
	not l.wildcard
	not l.loopback
}

scope_rank := {"loopback": 1, "host": 2, "wildcard": 3}

# single_ports indexes the registry entries of one port by [port, proto]
# (computed once per evaluation); range_entries are the others.
single_ports := {[e.port, e.proto]: e |
	some e in data.mlscan.config.registry
	e.end_port == 0
}

range_entries := [e | some e in data.mlscan.config.registry; e.end_port != 0]

# registry_entry returns the registry entry covering port/proto.
registry_entry(port, proto) := single_ports[[port, proto]]

registry_entry(port, proto) := e if {
	not single_ports[[port, proto]]
	some e in range_entries
	e.proto == proto
	e.port <= port
	port <= e.end_port
}

# port_str is "6380/tcp".
port_str(port, proto) := sprintf("%d/%s", [port, proto])

# listener_str describes where a listener binds and who owns it.
listener_str(l) := sprintf("%s:%d (%s, pid %d)", [l.address, l.port, l.process, l.pid]) if {
	l.process
	l.pid
} else := sprintf("%s:%d", [l.address, l.port])

# registry_location points at the registry entry of port/proto in the
# config file, or at the registry as a whole when the port has no entry.
registry_location(port, proto) := {"file": data.mlscan.config.file, "line": e.line, "what": sprintf("registry entry %s", [e.service])} if {
	e := registry_entry(port, proto)
} else := {"file": data.mlscan.config.file, "what": "registry"}
