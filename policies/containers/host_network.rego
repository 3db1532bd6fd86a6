# METADATA
# title: Host-network containers are declared in the port registry
# description: >-
#   A container on the host network binds host ports directly: its sockets
#   are host sockets, filtered only by UFW and its bind address. Each such
#   container (by name or compose service) must own an entry of the port
#   registry, so that what it listens on is known and checked.
# custom:
#   id: MLS-CTR-011
#   severity: medium
#   requires: [docker]
#   remediation: "Add the container (or its compose service) to the owners of its ports in the registry, or move it to a bridge network"
#   references: ["CIS Docker Benchmark v1.6.0 5.10", "networking-architecture.md §Port Registry"]
package mlscan.containers.host_network

import data.mlscan.lib.docker

owners := {o | some e in data.mlscan.config.registry; some o in e.owners}

host_net := [c | some c in docker.containers; c.network_mode == "host"]

declared(c) := docker.names(c) & owners

deny contains docker.entry(c, msg, sprintf("NetworkMode host; names %v", [sort(docker.names(c))]), "listed among the registry's owners", docker.source) if {
	some c in host_net
	count(declared(c)) == 0
	msg := sprintf("%s uses the host network but owns no registry entry%s", [docker.subject(c), docker.state_note(c)])
}

pass contains docker.entry(c, msg, sprintf("NetworkMode host; names %v", [sort(docker.names(c))]), "listed among the registry's owners", docker.source) if {
	some c in host_net
	count(declared(c)) > 0
	msg := sprintf("%s uses the host network and is declared in the registry as %s", [docker.subject(c), concat(", ", sort(declared(c)))])
}

not_applicable contains e if some e in docker.none("host-network containers", host_net)
