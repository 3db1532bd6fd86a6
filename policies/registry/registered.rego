# METADATA
# title: Every listener is registered
# description: >-
#   With host networking, every container's port is a host port. Each
#   non-loopback listener must be in the port registry (ranges allowed), so
#   that nothing listens that nobody declared. Severity is high for a
#   wildcard bind, medium otherwise.
# custom:
#   id: MLS-REG-001
#   severity: medium
#   requires: [sockets]
#   remediation: "Add the port to the registry in the mlscan config (and the document), or stop the service"
#   references: ["docs/rules.md#port-registry"]
package mlscan.registry.registered

import data.mlscan.lib.network
import data.mlscan.lib.target

# on_port lists the non-loopback listeners of each [port, proto].
exposed := [l | some l in input.sockets.listeners; not l.loopback]

on_port := {[l.port, l.proto]: [x | some x in exposed; x.port == l.port; x.proto == l.proto] | some l in exposed}

ports := {k | some k, _ in on_port}

listeners_on(port, proto) := [network.listener_str(l) | some l in on_port[[port, proto]]]

wildcard(port, proto) if {
	some l in on_port[[port, proto]]
	l.wildcard
}

sev(port, proto) := "high" if {
	wildcard(port, proto)
} else := "medium"

deny contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s is listening but not in the port registry", [network.port_str(port, proto)]),
	"severity": sev(port, proto),
	"evidence": {"observed": listeners_on(port, proto), "expected": "a registry entry for this port", "source": "/proc/net"},
	"location": network.registry_location(port, proto),
} if {
	some [port, proto] in ports
	not network.registry_entry(port, proto)
}

pass contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s is registered as %s", [network.port_str(port, proto), e.service]),
	"evidence": {"observed": listeners_on(port, proto), "expected": e.service, "source": "/proc/net"},
} if {
	some [port, proto] in ports
	e := network.registry_entry(port, proto)
}
