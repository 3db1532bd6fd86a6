# METADATA
# title: No Docker-published wildcard ports bypassing UFW
# description: >-
#   The container engine publishes a bridge-network container's port with
#   its own firewall rules (dockerd's DOCKER chains, Podman's netavark):
#   packets to it are translated in PREROUTING and forwarded, outside UFW's
#   INPUT chain, so UFW's rules do not govern the port. Under dockerd
#   `-p 8080:80` is reachable from anywhere whatever UFW says; under other
#   engines what gets through depends on their rules, not on UFW's. Fails
#   for a published non-public port bound to every address (HostIp "",
#   0.0.0.0 or ::) unless a ufw-docker (DOCKER-USER) block is known to
#   filter it. When the kernel's ruleset was read, mlscan follows a
#   connection from outside through it instead (the engine's DNAT, then
#   FORWARD with DOCKER-USER and the DOCKER chain): the binding fails when
#   it is reachable, naming the path, and passes when the kernel's rules
#   refuse it (a DOCKER-USER filter, say). Host-network containers have
#   no NAT (UFW applies); port bindings on them are ignored by the engine
#   and reported at info level.
# custom:
#   id: MLS-EXP-004
#   severity: high
#   requires: [docker]
#   remediation: "Publish on an address: `127.0.0.1:8080:80` or `10.0.0.84:8080:80`, set the daemon's `\"ip\": \"127.0.0.1\"`, or install the ufw-docker rules"
#   references: ["CIS Docker Benchmark v1.6.0 5.14", "https://docs.docker.com/engine/network/packet-filtering-firewalls/#docker-and-ufw", "https://github.com/chaifeng/ufw-docker"]
package mlscan.exposure.docker_published

import data.mlscan.lib.docker
import data.mlscan.lib.model
import data.mlscan.lib.network
import data.mlscan.lib.target

wildcard(ip) if ip in {"", "0.0.0.0", "::"}

binding_str(b) := sprintf("%s:%d->%d/%s", [addr(b.host_ip), b.host_port, b.container_port, b.proto])

addr("") := "0.0.0.0"

addr(ip) := ip if ip != ""

filtered if input.ufw.after_rules_docker_block == true

bypassing(c) := [binding_str(b) |
	some b in docker.published(c)
	wildcard(b.host_ip)
	not network.is_public(b.host_port, b.proto)
]

bridged := [c | some c in docker.containers; c.network_mode != "host"]

host_net := [c | some c in docker.containers; c.network_mode == "host"]

# reach(c, b) is the model's reach from outside of the running container
# c's binding b; undefined when the model has no facts for it.
reach(c, b) := p.outside if {
	some p in object.get(input, ["model", "published"], [])
	p.container == c.name
	p.host_ip == b.host_ip
	p.host_port == b.host_port
	p.proto == b.proto
	p.outside.verdict in {"reachable", "unreachable"}
}

# wildcards(c) are c's published non-public bindings on every address.
wildcards(c) := [b |
	some b in docker.published(c)
	wildcard(b.host_ip)
	not network.is_public(b.host_port, b.proto)
]

# decided(c): the model decided every wildcard binding of c.
decided(c) if {
	count(wildcards(c)) > 0
	every b in wildcards(c) {
		reach(c, b)
	}
}

reached(c) := [sprintf("%s: %s", [binding_str(b), model.reach_str(reach(c, b))]) |
	some b in wildcards(c)
	reach(c, b).verdict == "reachable"
]

refused(c) := [sprintf("%s: %s", [binding_str(b), model.reach_str(reach(c, b))]) |
	some b in wildcards(c)
	reach(c, b).verdict == "unreachable"
]

expected := "published on 127.0.0.1 or a private address, or filtered in DOCKER-USER"

# With the kernel's rules: what a connection from outside meets decides.
deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": reached(c), "expected": expected, "source": sprintf("%s, %s", [docker.source, model.ruleset_source])}, "location": docker.where(c)} if {
	some c in bridged
	decided(c)
	count(reached(c)) > 0
	msg := sprintf("%s publishes %s on every address%s, reachable from outside %s: %s", [docker.subject(c), concat(", ", bypassing(c)), docker.state_note(c), network.trusted_str, reached(c)[0]])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": refused(c), "expected": expected, "source": sprintf("%s, %s", [docker.source, model.ruleset_source])}, "location": docker.where(c)} if {
	some c in bridged
	decided(c)
	count(reached(c)) == 0
	msg := sprintf("%s publishes %s on every address, but the kernel's rules refuse connections from outside %s: %s", [docker.subject(c), concat(", ", bypassing(c)), network.trusted_str, refused(c)[0]])
}

# Without them (an older snapshot, a rule the model does not follow): the
# binding itself, as the engine documents it.
deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": bypassing(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in bridged
	count(bypassing(c)) > 0
	not decided(c)
	not filtered
	msg := sprintf("%s publishes %s on every address%s: the engine forwards the published port with its own firewall rules, outside UFW's INPUT chain, so UFW's rules do not govern it", [docker.subject(c), concat(", ", bypassing(c)), docker.state_note(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": [binding_str(b) | some b in docker.published(c)], "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in bridged
	count(bypassing(c)) > 0
	not decided(c)
	filtered
	msg := sprintf("%s publishes %s on every address, filtered by the ufw-docker block", [docker.subject(c), concat(", ", bypassing(c))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": [binding_str(b) | some b in docker.published(c)], "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in bridged
	count(bypassing(c)) == 0
	msg := sprintf("%s publishes no non-public port on every address", [docker.subject(c)])
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "severity": "info", "evidence": {"observed": [binding_str(b) | some b in c.port_bindings], "expected": "no port bindings on host-network containers", "source": docker.source}, "location": docker.where(c)} if {
	some c in host_net
	count(c.port_bindings) > 0
	msg := sprintf("%s uses the host network, so its port bindings (%s) are ignored: what it listens on is what is exposed", [docker.subject(c), concat(", ", [binding_str(b) | some b in c.port_bindings])])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": "NetworkMode host", "expected": "no port bindings on host-network containers", "source": docker.source}, "location": docker.where(c)} if {
	some c in host_net
	count(c.port_bindings) == 0
	msg := sprintf("%s uses the host network: no NAT, UFW filters its ports (see MLS-EXP-001)", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
