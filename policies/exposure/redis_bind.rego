# METADATA
# title: Redis broker bound to loopback
# description: >-
#   Every client of the broker runs on the same host with host networking
#   and connects to 127.0.0.1:6380, so Redis needs no other address. Bound
#   to 0.0.0.0 or 10.0.0.84 (the document's `netstat` shows 0.0.0.0:6380,
#   an expected finding) it is one firewall mistake away from the network.
#   mlscan checks every listener on the registry's Redis ports.
# custom:
#   id: MLS-EXP-003
#   severity: high
#   requires: [sockets]
#   remediation: "Start Redis with `--bind 127.0.0.1 -::1` (or `bind 127.0.0.1 -::1` in redis.conf); clients keep using 127.0.0.1:6380"
#   references: ["redis.conf (bind)", "https://redis.io/docs/latest/operate/oss_and_stack/management/security/"]
package mlscan.exposure.redis_bind

import data.mlscan.lib.network
import data.mlscan.lib.services as svc
import data.mlscan.lib.target

redis_listeners contains [l, e] if {
	some l in input.sockets.listeners
	e := network.registry_entry(l.port, l.proto)
	e.category == "redis"
}

subject(l) := network.port_str(l.port, l.proto)

# bind_note adds the bind the Redis container's command line asks for.
bind_note := sprintf(" (command line: --bind %s)", [b]) if {
	some c in svc.of_kind("redis")
	b := object.get(c, ["redis", "bind"], "")
	b != ""
} else := ""

deny contains {
	"subject": subject(l),
	"target": target.port(l.port, l.proto),
	"message": sprintf("%s (%s) listens on %s%s, not on loopback only", [e.service, subject(l), l.address, bind_note]),
	"location": network.registry_location(l.port, l.proto),
	"evidence": {"observed": network.listener_str(l), "expected": "127.0.0.1 and ::1 only", "source": "/proc/net"},
} if {
	some [l, e] in redis_listeners
	not l.loopback
}

pass contains {
	"subject": subject(l),
	"target": target.port(l.port, l.proto),
	"message": sprintf("%s (%s) listens on loopback only", [e.service, subject(l)]),
	"evidence": {"observed": [network.listener_str(x) | some [x, _] in redis_listeners], "expected": "127.0.0.1 and ::1 only", "source": "/proc/net"},
} if {
	some [l, e] in redis_listeners
	l.loopback
}

not_applicable contains {
	"subject": "host",
	"target": target.host,
	"message": "no listener on the registry's Redis ports",
	"evidence": {"observed": "no listening socket", "expected": "Redis bound to loopback", "source": "/proc/net"},
} if count(redis_listeners) == 0

# A container whose inspect call failed is unknown, not judged.
unknown contains e if some e in svc.uninspected
