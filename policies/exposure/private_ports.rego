# METADATA
# title: No non-public port reachable from outside the private network
# description: >-
#   For every listener bound to a wildcard or non-loopback address on a port
#   that is not public, mlscan follows a new connection from outside the
#   trusted networks through the kernel's own netfilter rules, as loaded
#   (iptables-save of both families, native nftables tables): NAT in
#   PREROUTING, the routing decision, then INPUT or FORWARD with every jump,
#   return and chain policy, for each source range the rules distinguish,
#   each interface other hosts' packets arrive on and each address the
#   listener answers on ("::" counts for IPv4 too when
#   net.ipv6.bindv6only=0). A port a container engine publishes is followed
#   through its DNAT to the container and the FORWARD chain, where UFW's
#   INPUT rules do not apply. Severity follows the port's registry category:
#   critical for Ray, Redis, Flower and the Docker API, high for SSH and
#   unregistered ports, medium for monitoring endpoints. A rule the model
#   does not understand on the way makes that port unknown, quoting the
#   rule; a snapshot without the kernel's ruleset makes the check unknown.
# custom:
#   id: MLS-EXP-001
#   severity: critical
#   requires: [sockets, netfilter]
#   remediation: "Bind the service to 127.0.0.1 or 10.0.0.84, and/or scope the UFW rule: `sudo ufw allow from 10.0.0.0/24 to any port PORT proto tcp`; for a published container port, publish it on 127.0.0.1 or 10.0.0.84 (compose `ports: [\"10.0.0.84:PORT:PORT\"]`) or filter it in DOCKER-USER"
#   references: ["docs/rules.md#configuration", "https://manpages.debian.org/unstable/ufw/ufw-framework.8.en.html", "https://docs.docker.com/engine/network/packet-filtering-firewalls/"]
package mlscan.exposure.private_ports

import data.mlscan.lib.model
import data.mlscan.lib.network
import data.mlscan.lib.target

listeners := input.sockets.listeners

# judged are the listeners that must be private: not loopback, not public.
judged contains i if {
	some i, l in listeners
	not l.loopback
	not network.is_public(l.port, l.proto)
}

ports := {[listeners[i].port, listeners[i].proto] | some i in judged}

# by_port lists the judged listener indexes on each [port, proto].
by_port := {[port, proto]: [i |
	some i in judged
	listeners[i].port == port
	listeners[i].proto == proto
] |
	some [port, proto] in ports
}

outside(i) := model.listener(i).outside

category_severity := {
	"ray": "critical", "redis": "critical", "flower": "critical", "docker": "critical",
	"ssh": "high", "web": "high", "other": "high", "monitoring": "medium",
}

forbidden(port, proto) if {
	some f in data.mlscan.config.forbidden_ports
	f.port == port
	f.proto == proto
}

severity(port, proto) := "critical" if {
	forbidden(port, proto)
} else := s if {
	s := category_severity[network.registry_entry(port, proto).category]
} else := "high"

service(port, proto) := s if {
	s := network.registry_entry(port, proto).service
} else := "unregistered"

observed(idx) := [sprintf("%s: %s", [network.listener_str(listeners[i]), model.reach_str(outside(i))]) | some i in idx]

evidence(idx) := {
	"observed": observed(idx),
	"expected": sprintf("reachable only from %s and loopback", [network.trusted_str]),
	"source": sprintf("/proc/net, %s", [model.ruleset_source]),
}

deny contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s port %s is reachable from outside %s: %s", [service(port, proto), network.port_str(port, proto), network.trusted_str, model.reach_str(reached[0])]),
	"severity": severity(port, proto),
	"location": network.registry_location(port, proto),
	"evidence": evidence(idx),
} if {
	some [port, proto], idx in by_port
	reached := [outside(i) | some i in idx; outside(i).verdict == "reachable"]
	count(reached) > 0
}

unknown contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s port %s: cannot tell whether it is reachable from outside %s: %s", [service(port, proto), network.port_str(port, proto), network.trusted_str, doubtful[0].reason]),
	"location": network.registry_location(port, proto),
	"evidence": evidence(idx),
} if {
	some [port, proto], idx in by_port
	every i in idx {
		outside(i).verdict != "reachable"
	}
	doubtful := [outside(i) | some i in idx; outside(i).verdict != "unreachable"]
	count(doubtful) > 0
}

pass contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s port %s is not reachable from outside the trusted networks: %s", [service(port, proto), network.port_str(port, proto), outside(idx[0]).reason]),
	"evidence": evidence(idx),
} if {
	some [port, proto], idx in by_port
	every i in idx {
		outside(i).verdict == "unreachable"
	}
}
