# METADATA
# title: Ray control plane not bound to a wildcard address
# description: >-
#   The dashboard with its Jobs API, the client server and the GCS run
#   whatever reaches them. Bound to 0.0.0.0 or :: they answer on every
#   address the host has, so UFW is all that keeps them private (the
#   document's own `netstat` shows exactly this: an expected finding until
#   they bind 127.0.0.1 or 10.0.0.84). mlscan checks every listener on the
#   registry's Ray ports, the worker range included.
# custom:
#   id: MLS-EXP-002
#   severity: high
#   requires: [sockets]
#   remediation: "Start Ray with `--dashboard-host=127.0.0.1` (reach it through `ray dashboard` / an SSH tunnel or an authenticating proxy) and `--node-ip-address=10.0.0.84`; newer Ray binds its gRPC servers to the node IP"
#   references: ["https://docs.ray.io/en/latest/ray-security/index.html", "https://docs.ray.io/en/latest/ray-core/configure.html#ports-configurations"]
package mlscan.exposure.ray_bind

import data.mlscan.lib.network
import data.mlscan.lib.target

ray_listeners contains [l, e] if {
	some l in input.sockets.listeners
	e := network.registry_entry(l.port, l.proto)
	e.category == "ray"
}

subject(l) := network.port_str(l.port, l.proto)

deny contains {
	"subject": subject(l),
	"target": target.port(l.port, l.proto),
	"message": sprintf("%s (%s) listens on %s, every address of the host: only UFW keeps it private", [e.service, subject(l), l.address]),
	"location": network.registry_location(l.port, l.proto),
	"evidence": {"observed": network.listener_str(l), "expected": "127.0.0.1 or the node address (10.0.0.84)", "source": "/proc/net"},
} if {
	some [l, e] in ray_listeners
	l.wildcard
}

pass contains {
	"subject": subject(l),
	"target": target.port(l.port, l.proto),
	"message": sprintf("%s (%s) listens on %s only", [e.service, subject(l), l.address]),
	"evidence": {"observed": network.listener_str(l), "expected": "127.0.0.1 or the node address (10.0.0.84)", "source": "/proc/net"},
} if {
	some [l, e] in ray_listeners
	not l.wildcard
}

not_applicable contains {
	"subject": "host",
	"target": target.host,
	"message": "no listener on the registry's Ray ports",
	"evidence": {"observed": "no listening socket", "expected": "Ray bound to 127.0.0.1 or 10.0.0.84", "source": "/proc/net"},
} if count(ray_listeners) == 0
