# Container helpers shared by the container, resource, secret, registry
# and Docker exposure checks: subjects, compose locations, roles, the
# expected users and limits from the configuration, the not-applicable
# evidence, and the join from a container to the listening sockets it
# owns. (The service checks identify Ray, Redis, Flower and Grafana
# containers with lib/services.)
package mlscan.lib.docker

import data.mlscan.lib.network
import data.mlscan.lib.status
import data.mlscan.lib.target

docker := object.get(input, "docker", {})

# listed are every container the engine listed; containers are those it
# also inspected, whose fields are facts the checks judge; uninspected
# are those whose inspect call failed (Container.inspect says why): known
# by their list entry alone, each one unknown in every container check.
listed := object.get(docker, "containers", [])

containers := [c | some c in listed; not c.inspect]

uninspected := [c | some c in listed; c.inspect]

# unknowns are the unknown entries of a check that judges containers: one
# per uninspected container. Every such check adds them:
# `unknown contains e if some e in docker.unknowns`.
unknowns contains {
	"subject": subject(c),
	"target": target.container(c),
	"message": sprintf("%s could not be verified: %s", [subject(c), status.why(c.inspect)]),
	"evidence": {"observed": status.state(c.inspect), "expected": "the container's inspect answer", "source": source},
	"location": where(c),
} if {
	some c in uninspected
}

# published lists the ports container c publishes on the host: the
# running container's, else the bindings it asks for.
published(c) := c.ports if {
	c.running
} else := c.port_bindings

# installed is false only on positive evidence that no engine exists.
installed := object.get(docker, "engine_installed", true)

# default_config repeats the containers section of the embedded
# config.yaml (Celery workers run as 1000, Redis gets 2 GiB and 1 CPU),
# with sizes in bytes as the configuration loader writes them. mlscan's
# configuration always has that section (a --config file is laid over the
# embedded defaults), so this matters only to policies evaluated with a
# configuration that lacks it.
default_config := {
	"roles": {
		"celery_worker": {"user": "1000"},
		"redis": {"memory_bytes": 2147483648, "cpus": 1},
	},
	"services": {},
	"memory_reserve_bytes": 1073741824,
	"redis_maxmemory_ratio": 0.75,
	"max_restart_retries": 5,
}

config := object.union(default_config, object.get(data.mlscan.config, "containers", {}))

# subject names a container by name and compose service, never by id.
subject(c) := sprintf("container %s (compose service %s)", [c.name, c.compose.service]) if {
	c.compose.service != ""
} else := sprintf("container %s", [c.name])

# where is the compose file and service container c came from, null when
# unknown: a result entry's null location is no location. The checks write
# their entries literally in their rule heads, {"subject": subject(c),
# "target": target.container(c), "message": msg, "evidence": {...},
# "location": where(c)}: a helper building the whole entry per result
# costs about twice as much.
where(c) := {"file": c.compose.config_files[0], "what": sprintf("compose service %s", [c.compose.service])} if {
	c.compose.config_files[0] != ""
} else := null

# source says which engine the facts came from.
source := sprintf("Docker Engine API %s (container inspect)", [docker.engine.host]) if {
	docker.engine.host != ""
} else := "Docker Engine API (container inspect)"

# none(what, list) is the not-applicable result when there is positive
# evidence that nothing of `what` exists: no engine, or none of them among
# the engine's containers, every one of them inspected (an uninspected
# container could be one).
none(what, list) := {{
	"subject": "host",
	"target": target.host,
	"message": sprintf("no container engine is installed, so no %s", [what]),
	"evidence": {"observed": docker.engine.evidence, "expected": what, "source": "docker collector"},
}} if {
	installed == false
} else := {{
	"subject": "host",
	"target": target.host,
	"message": sprintf("no %s among the engine's %d containers", [what, count(containers)]),
	"evidence": {"observed": [c.name | some c in containers], "expected": what, "source": source},
}} if {
	count(list) == 0
	count(uninspected) == 0
} else := set()

# names are what a container answers to: its name and compose service.
names(c) := {n | some n in [c.name, object.get(c, ["compose", "service"], "")]; n != ""}

# words are the words of a container's (redacted) command.
words(c) := [w | some w in split(concat(" ", array.concat(c.entrypoint, c.cmd)), " "); w != ""]

base(w) := parts[count(parts) - 1] if parts := split(w, "/")

# is_program holds when command word w runs program name: its last path
# component (base(w)) is name.
is_program(w, name) if w == name

is_program(w, name) if endswith(w, concat("", ["/", name]))

is_redis(c) if c.redis

is_celery_worker(c) if {
	ws := words(c)
	"worker" in ws
	some w in ws
	is_program(w, "celery")
}

is_celery_worker(c) if {
	some n in names(c)
	contains(lower(n), "celery")
	contains(lower(n), "worker")
}

redis_containers := [c | some c in containers; is_redis(c)]

celery_workers := [c | some c in containers; is_celery_worker(c)]

# role_expect is what the configuration declares for a container's role.
role_expect(c) := config.roles.redis if {
	is_redis(c)
} else := config.roles.celery_worker if {
	is_celery_worker(c)
} else := {}

# service_expect is a per-service override (compose service, else name).
service_expect(c) := config.services[c.compose.service] if {
	config.services[c.compose.service]
} else := config.services[c.name] if {
	config.services[c.name]
} else := {}

# expect is what c must run as and be limited to: {user, memory_bytes, cpus}.
expect(c) := object.union(role_expect(c), service_expect(c))

# env_value is the kept value of an environment key.
env_value(c, k) := v if {
	some e in c.env
	e.key == k
	e.kept
	v := e.value
}

# bytes_str prints a size in GiB or MiB.
bytes_str(n) := sprintf("%d.%d GiB", [floor(t / 10), t % 10]) if {
	n >= 1073741824
	t := round((n * 10) / 1073741824)
} else := sprintf("%d MiB", [round(n / 1048576)])

# state_note adds the state of a container that is not running.
state_note(c) := "" if {
	c.running
} else := sprintf(" (%s)", [c.state])

# is_ip holds for a literal IPv4 or IPv6 address.
is_ip(h) if regex.match(`^[0-9]+(\.[0-9]+){3}$`, h)

is_ip(h) if contains(h, ":")

# loopback_host holds for loopback addresses and names.
loopback_host(h) if h in {"localhost", "ip6-localhost"}

loopback_host(h) if {
	is_ip(h)
	network.is_loopback(h)
}

# listeners are the host's listening sockets (empty without the sockets
# section).
listeners := object.get(input, ["sockets", "listeners"], [])

# owners_readable holds when the sockets collector could map every socket
# to its process (and so to its container): as root.
owners_readable if {
	status.ok(input.sockets.owners)
	not sockets_failed
}

# owners_why says why the socket owners are unknown.
owners_why := sprintf("socket owners %s", [status.state(input.sockets.owners)]) if {
	not status.ok(input.sockets.owners)
} else := sprintf("sockets collector %s", [status.collector_state("sockets")]) if {
	sockets_failed
} else := "no sockets section in the snapshot (the sockets collector did not run)"

# sockets_failed: the sockets collector recorded a status other than ok (a
# snapshot without its record is judged by the owners section alone).
sockets_failed if not status.ok(input.collectors.sockets)

# same_id holds for two container ids when one is a prefix of the other
# (at least 12 hex digits each), as the collector links them.
same_id(a, b) if {
	count(a) >= 12
	count(b) >= 12
	startswith(a, b)
}

same_id(a, b) if {
	count(a) >= 12
	count(b) >= 12
	startswith(b, a)
}

# listeners_of(c) are the listening sockets container c owns.
listeners_of(c) := listeners_by_owner[owner_key(c)]

listeners_of(c) := scan_listeners(c) if not listeners_by_owner[owner_key(c)]

scan_listeners(c) := [listeners[i] | some i in sort(owned_indexes(c))]

# owned_indexes are the indexes of the listeners container c owns: by
# container id (same_id), else, for a listener without an id, by the
# container name, else, without a name either, by the compose service the
# collector linked it to; found through indexes of the listeners' links.
owned_indexes(c) := (id_hits(c) | name_hits(c)) | service_hits(c)

# Two ids of at least 12 characters, one a prefix of the other, share
# their first 12 characters: by_id12 groups the listeners' ids by them.
id_links := [[cid, i] | some i, l in listeners; cid := l.container_id; count(cid) >= 12]

by_id12 := {k: [x | some x in id_links; substring(x[0], 0, 12) == k] | some [cid, _] in id_links; k := substring(cid, 0, 12)}

id_hits(c) := {i | some [cid, i] in by_id12[substring(c.id, 0, 12)]; same_id(c.id, cid)} if {
	count(c.id) >= 12
} else := set()

name_links := [[n, i] |
	some i, l in listeners
	object.get(l, "container_id", "") == ""
	object.get(l, "container_name", "") != ""
	n := l.container_name
]

service_links := [[s, i] |
	some i, l in listeners
	object.get(l, "container_id", "") == ""
	object.get(l, "container_name", "") == ""
	object.get(l, "compose_service", "") != ""
	s := l.compose_service
]

by_name := {n: {i | some [m, i] in name_links; m == n} | some [n, _] in name_links}

by_service := {s: {i | some [t, i] in service_links; t == s} | some [s, _] in service_links}

name_hits(c) := hits if {
	hits := by_name[c.name]
} else := set()

service_hits(c) := hits if {
	hits := by_service[object.get(c, ["compose", "service"], "")]
} else := set()

# owner_key is everything scan_listeners reads of a container (its id,
# name and compose service): the key of listeners_by_owner.
owner_key(c) := [c.id, c.name, object.get(c, ["compose", "service"], "")]

# listeners_by_owner holds the listeners of the snapshot's containers,
# scanned once per evaluation.
listeners_by_owner := {k: scan_listeners(c) |
	some c in containers
	k := owner_key(c)
}
