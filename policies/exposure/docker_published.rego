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
#   filter it. Host-network containers have
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

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": bypassing(c), "expected": "published on 127.0.0.1 or a private address, or filtered in DOCKER-USER", "source": docker.source}, "location": docker.where(c)} if {
	some c in bridged
	count(bypassing(c)) > 0
	not filtered
	msg := sprintf("%s publishes %s on every address%s: the engine forwards the published port with its own firewall rules, outside UFW's INPUT chain, so UFW's rules do not govern it", [docker.subject(c), concat(", ", bypassing(c)), docker.state_note(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": [binding_str(b) | some b in docker.published(c)], "expected": "published on 127.0.0.1 or a private address, or filtered in DOCKER-USER", "source": docker.source}, "location": docker.where(c)} if {
	some c in bridged
	count(bypassing(c)) > 0
	filtered
	msg := sprintf("%s publishes %s on every address, filtered by the ufw-docker block", [docker.subject(c), concat(", ", bypassing(c))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": [binding_str(b) | some b in docker.published(c)], "expected": "published on 127.0.0.1 or a private address, or filtered in DOCKER-USER", "source": docker.source}, "location": docker.where(c)} if {
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

not_applicable contains e if some e in docker.none("containers", docker.containers)
