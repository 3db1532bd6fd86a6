# METADATA
# title: Listener owner and bind scope match the registry
# description: >-
#   A registered port must be owned by the registered process or container
#   (another process squatting a host-network port fails) and must not bind
#   wider than registered (loopback < host address < wildcard). Owners need
#   root to read; without it the owner part is unknown.
# custom:
#   id: MLS-REG-002
#   severity: high
#   requires: [sockets]
#   remediation: "Bind the service as registered (e.g. Redis `--bind 127.0.0.1 -::1`), stop the squatting process, or correct the registry"
#   references: ["networking-architecture.md §Port Registry", "rules.md §4.2"]
package mlscan.registry.owner_scope

import data.mlscan.lib.network

# entries: the registry entry of each registered listener, by index.
entries := {i: e |
	some i, l in input.sockets.listeners
	e := network.registry_entry(l.port, l.proto)
}

registered contains [input.sockets.listeners[i], e] if some i, e in entries

subject(l) := network.port_str(l.port, l.proto)

location(e) := {"file": data.mlscan.config.file, "line": e.line, "what": sprintf("registry entry %s", [e.service])}

too_wide(l, e) if network.scope_rank[network.bind_scope(l)] > network.scope_rank[e.bind]

owner_known(l) if l.process

owner_ok(l, e) if l.process in e.owners

owner_ok(l, e) if l.container_name in e.owners

owner_ok(l, e) if l.compose_service in e.owners

deny contains {
	"subject": subject(l),
	"message": sprintf("%s binds %s (%s), wider than the registered %s for %s", [subject(l), l.address, network.bind_scope(l), e.bind, e.service]),
	"evidence": {"observed": network.listener_str(l), "expected": sprintf("bind scope at most %s", [e.bind]), "source": "/proc/net"},
	"location": location(e),
} if {
	some [l, e] in registered
	too_wide(l, e)
}

deny contains {
	"subject": subject(l),
	"message": sprintf("%s is owned by %s, not by the registered %s (%s)", [subject(l), l.process, e.service, concat(", ", e.owners)]),
	"evidence": {"observed": network.listener_str(l), "expected": sprintf("one of %v", [e.owners]), "source": "/proc/net, /proc/PID"},
	"location": location(e),
} if {
	some [l, e] in registered
	owner_known(l)
	not owner_ok(l, e)
}

unknown contains {
	"subject": subject(l),
	"message": sprintf("the owner of %s could not be read (%s)", [subject(l), object.get(input.sockets.owners, "error", "no pid mapping")]),
	"evidence": {"observed": network.listener_str(l), "expected": sprintf("one of %v", [e.owners]), "source": "/proc/net"},
} if {
	some [l, e] in registered
	not owner_known(l)
}

pass contains {
	"subject": subject(l),
	"message": sprintf("%s is owned by %s and binds within %s", [subject(l), l.process, e.bind]),
	"evidence": {"observed": network.listener_str(l), "expected": sprintf("%s, bind at most %s", [concat("|", e.owners), e.bind]), "source": "/proc/net, /proc/PID"},
} if {
	some [l, e] in registered
	owner_ok(l, e)
	not too_wide(l, e)
}
