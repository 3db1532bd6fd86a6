# METADATA
# title: Docker Engine API not on TCP without TLS
# description: >-
#   The Engine API is root on the host. Served on tcp:// without TLS client
#   verification (2375 by convention) anyone who can reach the port owns
#   the machine. Judged from the daemon's hosts (daemon.json and a running
#   dockerd's -H flags, a `podman system service` address, or the tcp://
#   address mlscan itself used) and from listeners on 2375 and 2376.
# custom:
#   id: MLS-EXP-005
#   severity: critical
#   requires: []
#   remediation: "Remove `-H tcp://...` and `hosts` entries for tcp; use the unix socket, SSH (`DOCKER_HOST=ssh://...`) or `--tlsverify` with client certificates"
#   references: ["https://docs.docker.com/engine/security/protect-access/", "CIS Docker Benchmark v1.6.0 2.7"]
package mlscan.exposure.docker_tcp

import data.mlscan.lib.network
import data.mlscan.lib.status
import data.mlscan.lib.target

sockets_ok if status.collected("sockets")

hosts := object.get(input, ["docker", "daemon", "hosts"], [])

insecure := [h | some h in hosts; h.tcp; not h.tls_verify]

api_listeners(port) := [l | some l in input.sockets.listeners; l.proto == "tcp"; l.port == port]

verified_tcp if {
	some h in hosts
	h.tcp
	h.tls_verify
}

deny contains {
	"subject": "docker api",
	"target": target.service("dockerd"),
	"message": sprintf("the Docker API is served on %s without TLS client verification", [concat(", ", [h.addr | some h in insecure])]),
	"evidence": {"observed": [sprintf("%s (from %s)", [h.addr, h.from]) | some h in insecure], "expected": "unix socket only, or tcp with --tlsverify", "source": input.docker.daemon.from},
} if count(insecure) > 0

deny contains {
	"subject": "docker api",
	"target": target.service("dockerd"),
	"message": sprintf("something listens on 2375/tcp, the Docker API's plain-TCP port: %s", [concat(", ", [network.listener_str(l) | some l in api_listeners(2375)])]),
	"evidence": {"observed": [network.listener_str(l) | some l in api_listeners(2375)], "expected": "nothing on 2375/tcp", "source": "/proc/net/tcp"},
} if {
	sockets_ok
	count(api_listeners(2375)) > 0
}

unknown contains {
	"subject": "docker api",
	"target": target.service("dockerd"),
	"message": "something listens on 2376/tcp (the Docker API over TLS) but no daemon configuration confirms TLS client verification",
	"evidence": {"observed": [network.listener_str(l) | some l in api_listeners(2376)], "expected": "tcp with --tlsverify", "source": "/proc/net/tcp"},
} if {
	sockets_ok
	count(api_listeners(2376)) > 0
	not verified_tcp
	count(insecure) == 0
}

unknown contains {
	"subject": "docker api",
	"target": target.service("dockerd"),
	"message": sprintf("cannot tell where the Docker API listens: %s", [why]),
	"evidence": {"observed": why, "expected": "listening sockets and the daemon's hosts", "source": "sockets and docker collectors"},
} if {
	not sockets_ok
	count(insecure) == 0
	why := sprintf("sockets collector %s; daemon configuration %s", [status.collector_state("sockets"), status.state(object.get(input, ["docker", "daemon"], {}))])
}

pass contains {
	"subject": "docker api",
	"target": target.service("dockerd"),
	"message": sprintf("the Docker API is not on plain TCP (daemon hosts: %s; nothing on 2375/2376)", [hosts_str]),
	"evidence": {"observed": [h.addr | some h in hosts], "expected": "unix socket only, or tcp with --tlsverify", "source": "/proc/net/tcp, daemon configuration"},
} if {
	sockets_ok
	count(insecure) == 0
	count(api_listeners(2375)) == 0
	count(api_listeners(2376)) == 0
}

pass contains {
	"subject": "docker api",
	"target": target.service("dockerd"),
	"message": "the Docker API on 2376/tcp requires TLS client certificates",
	"evidence": {"observed": [sprintf("%s (tlsverify)", [h.addr]) | some h in hosts; h.tcp], "expected": "tcp with --tlsverify", "source": input.docker.daemon.from},
} if {
	sockets_ok
	count(insecure) == 0
	count(api_listeners(2375)) == 0
	count(api_listeners(2376)) > 0
	verified_tcp
}

hosts_str := concat(", ", [h.addr | some h in hosts]) if {
	count(hosts) > 0
} else := "none known"
