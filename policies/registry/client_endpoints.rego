# METADATA
# title: Clients point at the registered endpoints
# description: >-
#   Containers' CELERY_BROKER_URL, CELERY_RESULT_BACKEND and RAY_ADDRESS
#   must name the registered services: the Redis broker on its registered
#   port (6380, not 6379, which is Ray's GCS) at an address its bind scope
#   allows (loopback for a broker bound to 127.0.0.1), and Ray at a
#   registered Ray port. Under host networking a container name is not a
#   host name (there is no container DNS), and a public address sends the
#   password over the internet. Only the host and port are read: the
#   password never reaches the snapshot.
# custom:
#   id: MLS-REG-005
#   severity: medium
#   requires: [docker]
#   remediation: "Point the broker URL at host 127.0.0.1 and port 6380 (the registered broker) for the same-host broker and the Ray head's address and registered port for RAY_ADDRESS"
#   references: ["docs/rules.md#mls-reg-005"]
package mlscan.registry.client_endpoints

import data.mlscan.lib.docker
import data.mlscan.lib.network
import data.mlscan.lib.target

broker_keys := {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "BROKER_URL", "RESULT_BACKEND"}

redis_entries := [e | some e in data.mlscan.config.registry; e.category == "redis"]

ray_entries := [e | some e in data.mlscan.config.registry; e.category == "ray"; object.get(e, "end_port", 0) == 0]

client_keys := broker_keys | {"RAY_ADDRESS"}

# clients: every container environment variable naming an endpoint.
clients := [{"c": c, "e": e} |
	some c in docker.containers
	some e in c.env
	e.key in client_keys
	e.url
]

subject(x) := sprintf("%s %s", [docker.subject(x.c), x.e.key])

url_str(u) := concat("", [scheme_part(u), u.host, port_part(u), object.get(u, "path", "")])

scheme_part(u) := concat("", [u.scheme, "://"]) if {
	object.get(u, "scheme", "") != ""
} else := ""

port_part(u) := sprintf(":%d", [u.port]) if {
	object.get(u, "port", 0) != 0
} else := ""

port_of(u) := object.get(u, "port", 0)

entry(x, msg, expected) := {
	"subject": subject(x), "target": target.container(x.c), "message": msg,
	"evidence": {"observed": sprintf("%s=%s%s", [x.e.key, url_str(x.e.url), pw_note(x.e.url)]), "expected": expected, "source": docker.source},
	"location": docker.where(x.c),
}

pw_note(u) := " (with a password, not shown)" if {
	u.password
} else := ""

redis_scheme(u) if object.get(u, "scheme", "") in {"redis", "rediss", ""}

# host_problem says what is wrong with a client's host, if anything.
host_problem(x, bind) := sprintf("%q is a container name, but under host networking there is no container DNS", [x.e.url.host]) if {
	x.c.network_mode == "host"
	not docker.is_ip(x.e.url.host)
	not docker.loopback_host(x.e.url.host)
} else := sprintf("%s is a public address", [x.e.url.host]) if {
	docker.is_ip(x.e.url.host)
	not network.within_trusted(x.e.url.host)
} else := sprintf("%s is not loopback, but the registry binds the broker to loopback", [x.e.url.host]) if {
	bind == "loopback"
	x.c.network_mode == "host"
	not docker.loopback_host(x.e.url.host)
}

port_problem(0, entries, what) := sprintf("no port, and %s's registered port is %s", [what, ports_str(entries)])

port_problem(port, entries, what) := sprintf("port 6379 is Ray's GCS, not %s (registered on %s)", [what, ports_str(entries)]) if {
	port != 0
	port == 6379
	not port in {e.port | some e in entries}
} else := sprintf("port %d is not %s's registered port (%s)", [port, what, ports_str(entries)]) if {
	port != 0
	not port in {e.port | some e in entries}
}

ports_str(entries) := concat(", ", [sprintf("%d", [e.port]) | some e in entries])

broker_bind := redis_entries[0].bind

problems(x) := [p |
	some p in array.concat(
		[h | h := host_problem(x, broker_bind)],
		[q | q := port_problem(port_of(x.e.url), redis_entries, "the Redis broker")],
	)
] if {
	x.e.key in broker_keys
	redis_scheme(x.e.url)
}

problems(x) := [] if {
	x.e.key in broker_keys
	not redis_scheme(x.e.url)
}

problems(x) := [] if {
	x.e.key == "RAY_ADDRESS"
	x.e.url.host in {"auto", "local"}
}

problems(x) := array.concat(
	[h | h := host_problem(x, "host")],
	[q | q := port_problem(port_of(x.e.url), ray_entries, "a Ray endpoint")],
) if {
	x.e.key == "RAY_ADDRESS"
	not x.e.url.host in {"auto", "local"}
}

expected(x) := broker_expected if {
	x.e.key in broker_keys
} else := ray_expected

# The expectations depend only on the registry: computed once.
broker_expected := sprintf("the Redis broker on %s:%s", [bind_host(broker_bind), ports_str(redis_entries)])

ray_expected := sprintf("a registered Ray port (%s) on a trusted address", [ports_str(ray_entries)])

bind_host("loopback") := "127.0.0.1"

bind_host(b) := "a trusted address" if b != "loopback"

deny contains entry(x, msg, expected(x)) if {
	some x in clients
	ps := problems(x)
	count(ps) > 0
	msg := sprintf("%s points at %s: %s", [subject(x), url_str(x.e.url), concat("; ", ps)])
}

pass contains entry(x, msg, expected(x)) if {
	some x in clients
	count(problems(x)) == 0
	msg := sprintf("%s points at the registered %s", [subject(x), url_str(x.e.url)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers with CELERY_BROKER_URL, CELERY_RESULT_BACKEND or RAY_ADDRESS", clients)
