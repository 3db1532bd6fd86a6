# METADATA
# title: Host-network containers are declared in the port registry
# description: >-
#   A container on the host network binds host ports directly: its sockets
#   are host sockets, filtered only by UFW and its bind address. Such a
#   container is declared when every non-loopback socket it listens on is a
#   registry port owned as registered (its process, container name or
#   compose service among the entry's owners), or when it listens on
#   nothing (a Celery worker). It fails when it listens on a port the
#   registry does not declare for it, or when it is not among the
#   registry's owners and listens on loopback ports the registry does not
#   list. Sockets are linked to containers by the sockets collector (root:
#   /proc/PID/fd and the process's cgroup); without the socket owners a
#   container with no linked socket is unknown, not declared.
# custom:
#   id: MLS-CTR-011
#   severity: medium
#   requires: [docker]
#   remediation: "Add the port to the registry with the container's process, name or compose service among its owners, stop the unregistered listener, or move the container to a bridge network"
#   references: ["CIS Docker Benchmark v1.6.0 5.10", "docs/rules.md#port-registry"]
package mlscan.containers.host_network

import data.mlscan.lib.docker
import data.mlscan.lib.network
import data.mlscan.lib.target

owners := {o | some e in data.mlscan.config.registry; some o in e.owners}

host_net := [c | some c in docker.containers; c.network_mode == "host"]

# declared(c) are the names of c that are registry owners.
declared(c) := docker.names(c) & owners

# owned_as_registered holds when listener l sits on a registry port and
# its owner (process, container or compose service) is among the entry's
# owners.
owned_as_registered(l) if {
	e := network.registry_entry(l.port, l.proto)
	some o in [object.get(l, "process", ""), object.get(l, "container_name", ""), object.get(l, "compose_service", "")]
	o != ""
	o in e.owners
}

# why_not(l) says why listener l is not declared for its owner.
why_not(l) := sprintf("%s: port %s is not in the registry", [network.listener_str(l), network.port_str(l.port, l.proto)]) if {
	not network.registry_entry(l.port, l.proto)
} else := sprintf("%s: registered for %s, owned by %s", [network.listener_str(l), concat("|", e.owners), concat(", ", owner_names(l))]) if {
	e := network.registry_entry(l.port, l.proto)
}

owner_names(l) := [o | some o in [object.get(l, "process", ""), object.get(l, "container_name", ""), object.get(l, "compose_service", "")]; o != ""]

listening(c) := docker.listeners_of(c)

# undeclared(c): non-loopback sockets of c the registry does not declare
# for it (host sockets anyone admitted by UFW can reach).
undeclared(c) := [why_not(l) | some l in listening(c); not l.loopback; not owned_as_registered(l)]

# loopback_unlisted(c): loopback sockets of c on ports the registry does
# not list for it.
loopback_unlisted(c) := [why_not(l) | some l in listening(c); l.loopback; not owned_as_registered(l)]

# sockets_str lists the sockets of c by port, then address.
sockets_str(c) := concat(", ", [x[2] | some x in sort([[l.port, l.address, network.listener_str(l)] | some l in listening(c)])])

expected := "every socket it listens on a registry port with its process, container name or compose service among the entry's owners"

observed(c) := sprintf("NetworkMode host; names %v; listens on %s", [sort(docker.names(c)), sockets_str(c)]) if {
	count(listening(c)) > 0
} else := sprintf("NetworkMode host; names %v; listens on nothing", [sort(docker.names(c))])

source := sprintf("%s; /proc/net and /proc/PID (socket owners)", [docker.source])

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": source}, "location": docker.where(c)} if {
	some c in host_net
	count(undeclared(c)) > 0
	msg := sprintf("%s uses the host network and listens on host ports the registry does not declare for it%s: %s", [docker.subject(c), docker.state_note(c), concat("; ", sort(undeclared(c)))])
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": source}, "location": docker.where(c)} if {
	some c in host_net
	count(undeclared(c)) == 0
	count(loopback_unlisted(c)) > 0
	count(declared(c)) == 0
	msg := sprintf("%s uses the host network, is not among the registry's owners, and listens on loopback ports the registry does not list%s: %s", [docker.subject(c), docker.state_note(c), concat("; ", sort(loopback_unlisted(c)))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": source}, "location": docker.where(c)} if {
	some c in host_net
	count(listening(c)) > 0
	count(undeclared(c)) == 0
	count(loopback_unlisted(c)) == 0
	msg := sprintf("%s uses the host network and every socket it listens on is registered to it: %s", [docker.subject(c), sockets_str(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": source}, "location": docker.where(c)} if {
	some c in host_net
	count(listening(c)) > 0
	count(undeclared(c)) == 0
	count(loopback_unlisted(c)) > 0
	count(declared(c)) > 0
	msg := sprintf("%s uses the host network, its host-facing sockets are registered to it, and it is declared in the registry as %s (loopback only: %s)", [docker.subject(c), concat(", ", sort(declared(c))), concat("; ", sort(loopback_unlisted(c)))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": source}, "location": docker.where(c)} if {
	some c in host_net
	count(listening(c)) == 0
	docker.owners_readable
	c.running
	msg := sprintf("%s uses the host network and listens on nothing", [docker.subject(c)])
}

# A stopped container listens on nothing now: what it will listen on is
# known only from the registry.
pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "listed among the registry's owners", "source": source}, "location": docker.where(c)} if {
	some c in host_net
	count(listening(c)) == 0
	docker.owners_readable
	not c.running
	count(declared(c)) > 0
	msg := sprintf("%s uses the host network and is declared in the registry as %s%s", [docker.subject(c), concat(", ", sort(declared(c))), docker.state_note(c)])
}

unknown contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "listed among the registry's owners", "source": source}, "location": docker.where(c)} if {
	some c in host_net
	count(listening(c)) == 0
	docker.owners_readable
	not c.running
	count(declared(c)) == 0
	msg := sprintf("%s uses the host network and is not running%s, so what it listens on cannot be seen, and it is not among the registry's owners", [docker.subject(c), docker.state_note(c)])
}

unknown contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": docker.owners_why, "expected": expected, "source": source}, "location": docker.where(c)} if {
	some c in host_net
	count(listening(c)) == 0
	not docker.owners_readable
	msg := sprintf("%s uses the host network, but which sockets it listens on is unknown: %s; run mlscan as root", [docker.subject(c), docker.owners_why])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("host-network containers", host_net)
