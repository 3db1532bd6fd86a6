# METADATA
# title: No non-public port reachable from outside the private network
# description: >-
#   For every listener bound to a wildcard or non-loopback address on a port
#   that is not public, mlscan computes what UFW admits from a source
#   outside the trusted networks: user rules in order, first match wins,
#   else the default incoming policy; IPv6 rules for IPv6, and a "::"
#   listener counts for IPv4 too when net.ipv6.bindv6only=0. Severity
#   follows the port's registry category: critical for Ray, Redis, Flower
#   and the Docker API, high for SSH and unregistered ports, medium for
#   monitoring endpoints. A UFW rule that could change a port's verdict
#   but could not be read, or a block whose non-contiguous mask keeps what
#   it matches from being judged exactly, makes that port unknown, naming
#   the rule; the other ports are still judged. A port a container engine
#   publishes on a non-loopback address (a container's binding, or a
#   docker-proxy, conmon or rootlessport listener; without the docker
#   section, a listener whose owner is unknown) takes the engine's DNAT and FORWARD rules, not
#   UFW's INPUT chain: where UFW alone would keep it private it is unknown,
#   never shown unreachable.
# custom:
#   id: MLS-EXP-001
#   severity: critical
#   requires: [sockets, ufw.live, ufw.rules]
#   remediation: "Bind the service to 127.0.0.1 or 10.0.0.84, and/or scope the UFW rule: `sudo ufw allow from 10.0.0.0/24 to any port PORT proto tcp`"
#   references: ["docs/rules.md#configuration", "https://manpages.debian.org/unstable/ufw/ufw-framework.8.en.html", "https://manpages.ubuntu.com/manpages/noble/man8/ufw.8.html"]
package mlscan.exposure.private_ports

import data.mlscan.lib.docker
import data.mlscan.lib.network
import data.mlscan.lib.status
import data.mlscan.lib.target
import data.mlscan.lib.ufw

# decisions: the admission of every listener UFW must keep private, by
# index into input.sockets.listeners (computed once).
decisions := {i: ufw.admission(l) |
	some i, l in input.sockets.listeners
	not l.loopback
	not network.is_public(l.port, l.proto)
}

listeners := input.sockets.listeners

ports := {[listeners[i].port, listeners[i].proto] | some i, _ in decisions}

# by_port lists the listener indexes on each [port, proto].
by_port := {[port, proto]: [i |
	some i, _ in decisions
	listeners[i].port == port
	listeners[i].proto == proto
] |
	some [port, proto] in ports
}

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

deny contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s port %s is reachable from outside %s: %s", [service(port, proto), network.port_str(port, proto), network.trusted_str, admitted[0].reason]),
	"severity": severity(port, proto),
	"location": network.registry_location(port, proto),
	"evidence": {
		"observed": [sprintf("%s: %s", [network.listener_str(a.listener), a.reason]) | some a in admitted],
		"expected": sprintf("reachable only from %s and loopback", [network.trusted_str]),
		"source": sprintf("/proc/net, %s", [input.ufw.rules.from]),
	},
} if {
	some [port, proto], idx in by_port
	admitted := [{"listener": listeners[i], "reason": decisions[i].reason} |
		some i in idx
		decisions[i].admitted
		not decisions[i].unknown
	]
	count(admitted) > 0
}

unknown contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s port %s: cannot tell whether it is reachable from outside %s: %s", [service(port, proto), network.port_str(port, proto), network.trusted_str, doubtful[0].reason]),
	"location": network.registry_location(port, proto),
	"evidence": {
		"observed": [sprintf("%s: %s", [network.listener_str(a.listener), a.reason]) | some a in doubtful],
		"expected": sprintf("reachable only from %s and loopback", [network.trusted_str]),
		"source": sprintf("/proc/net, %s", [input.ufw.rules.from]),
	},
} if {
	some [port, proto], idx in by_port
	every i in idx {
		not surely_admitted(i)
	}
	doubtful := [{"listener": listeners[i], "reason": decisions[i].reason} | some i in idx; decisions[i].unknown]
	count(doubtful) > 0
}

surely_admitted(i) if {
	decisions[i].admitted
	not decisions[i].unknown
}

# engine_published names what forwards [port, proto] to a container
# through the engine's NAT: the containers that publish it on a
# non-loopback host address, and docker-proxy listening on it. Such a
# packet is DNATed in PREROUTING and takes FORWARD, never UFW's INPUT
# chain, so UFW's user rules cannot show it private (MLS-EXP-004 judges
# the binding itself).
engine_published[[b.host_port, b.proto]] contains sprintf("container %s", [c.name]) if {
	some c in docker.containers
	some b in docker.published(c)
	ports[[b.host_port, b.proto]]
	not loopback_binding(b.host_ip)
}

# loopback_binding: a port published on a loopback address only ("" is
# every address).
loopback_binding(ip) if {
	ip != ""
	network.is_loopback(ip)
}

engine_published[[port, proto]] contains sprintf("%s (pid %d)", [listeners[i].process, listeners[i].pid]) if {
	some [port, proto], idx in by_port
	some i in idx
	listeners[i].process in engine_proxies
}

# engine_proxies are the processes that hold a published port for a
# container engine (Docker's userland proxy; Podman's conmon, rootlessport,
# slirp4netns and pasta).
engine_proxies := {"docker-proxy", "conmon", "rootlessport", "slirp4netns", "pasta"}

# Without the docker section, a listener whose owner is unknown may be an
# engine's: it is not shown unreachable either.
engine_published[[port, proto]] contains sprintf("an unknown process, maybe a container engine (docker collector: %s)", [status.collector_state("docker")]) if {
	not status.collected("docker")
	docker.installed
	some [port, proto], idx in by_port
	some i in idx
	not listeners[i].process
}

# A port that UFW keeps private but a container engine publishes is not
# shown unreachable: the engine's own rules decide it.
unknown contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s port %s is published by %s through the container engine's NAT: UFW's rules do not decide whether it is reachable from outside %s (the engine's FORWARD and DOCKER-USER rules do, and mlscan does not read them yet)", [service(port, proto), network.port_str(port, proto), concat(", ", sort(engine_published[[port, proto]])), network.trusted_str]),
	"location": network.registry_location(port, proto),
	"evidence": {
		"observed": [sprintf("%s: %s", [network.listener_str(listeners[i]), decisions[i].reason]) | some i in idx],
		"expected": sprintf("reachable only from %s and loopback", [network.trusted_str]),
		"source": sprintf("/proc/net, %s, %s", [input.ufw.rules.from, docker.source]),
	},
} if {
	some [port, proto], idx in by_port
	every i in idx {
		not decisions[i].admitted
	}
	engine_published[[port, proto]]
}

pass contains {
	"subject": network.port_str(port, proto),
	"target": target.port(port, proto),
	"message": sprintf("%s port %s is not reachable from outside the trusted networks", [service(port, proto), network.port_str(port, proto)]),
	"evidence": {
		"observed": [sprintf("%s: %s", [network.listener_str(listeners[i]), decisions[i].reason]) | some i in idx],
		"expected": sprintf("reachable only from %s and loopback", [network.trusted_str]),
		"source": sprintf("/proc/net, %s", [input.ufw.rules.from]),
	},
} if {
	some [port, proto], idx in by_port
	every i in idx {
		not decisions[i].admitted
	}
	not engine_published[[port, proto]]
}
