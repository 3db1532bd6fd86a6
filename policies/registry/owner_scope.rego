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
#   references: ["docs/rules.md#port-registry", "https://docs.docker.com/engine/network/drivers/host/"]
package mlscan.registry.owner_scope

import data.mlscan.lib.network
import data.mlscan.lib.target

# entries: the registry entry of each registered listener, by index.
entries := {i: e |
	some i, l in input.sockets.listeners
	e := network.registry_entry(l.port, l.proto)
}

# registered: each registered listener with its entry, subject and
# observed description, computed once for all the results.
registered contains [l, e, network.port_str(l.port, l.proto), network.listener_str(l)] if {
	some i, e in entries
	l := input.sockets.listeners[i]
}

location(e) := {"file": data.mlscan.config.file, "line": e.line, "what": sprintf("registry entry %s", [e.service])}

too_wide(l, e) if network.scope_rank[network.bind_scope(l)] > network.scope_rank[e.bind]

owner_known(l) if l.process

owner_ok(l, e) if l.process in e.owners

owner_ok(l, e) if l.container_name in e.owners

owner_ok(l, e) if l.compose_service in e.owners

deny contains {
	"subject": subject,
	"target": target.port(l.port, l.proto),
	"message": sprintf("%s binds %s (%s), wider than the registered %s for %s", [subject, l.address, network.bind_scope(l), e.bind, e.service]),
	"evidence": {"observed": observed, "expected": sprintf("bind scope at most %s", [e.bind]), "source": "/proc/net"},
	"location": location(e),
} if {
	some [l, e, subject, observed] in registered
	too_wide(l, e)
}

deny contains {
	"subject": subject,
	"target": target.port(l.port, l.proto),
	"message": sprintf("%s is owned by %s, not by the registered %s (%s)", [subject, l.process, e.service, concat(", ", e.owners)]),
	"evidence": {"observed": observed, "expected": sprintf("one of %v", [e.owners]), "source": "/proc/net, /proc/PID"},
	"location": location(e),
} if {
	some [l, e, subject, observed] in registered
	owner_known(l)
	not owner_ok(l, e)
}

unknown contains {
	"subject": subject,
	"target": target.port(l.port, l.proto),
	"message": sprintf("the owner of %s could not be read (%s)", [subject, object.get(input.sockets.owners, "error", "no pid mapping")]),
	"evidence": {"observed": observed, "expected": sprintf("one of %v", [e.owners]), "source": "/proc/net"},
} if {
	some [l, e, subject, observed] in registered
	not owner_known(l)
}

pass contains {
	"subject": subject,
	"target": target.port(l.port, l.proto),
	"message": sprintf("%s is owned by %s and binds within %s", [subject, l.process, e.bind]),
	"evidence": {"observed": observed, "expected": sprintf("%s, bind at most %s", [concat("|", e.owners), e.bind]), "source": "/proc/net, /proc/PID"},
} if {
	some [l, e, subject, observed] in registered
	owner_ok(l, e)
	not too_wide(l, e)
}
