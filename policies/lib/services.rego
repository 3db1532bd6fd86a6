# Service helpers for the checks on Ray, Redis, Flower and Grafana
# (authentication, exposure, registry): the probe results, the docker
# section read defensively (it may be absent or unavailable), the kind of
# each container (image, name, command), command-line flags, image
# versions and the Redis releases with the Lua fixes, whether UFW keeps a
# port private, and the positive evidence that a service does not exist
# on the host.
package mlscan.lib.services

import data.mlscan.lib.docker as containers_lib
import data.mlscan.lib.model
import data.mlscan.lib.status
import data.mlscan.lib.target

probes := object.get(input, "probes", {})

sockets_ok if status.collected("sockets")

listeners := object.get(input, ["sockets", "listeners"], [])

docker := object.get(input, "docker", {})

# docker_ok: the container list could be read.
docker_ok if {
	status.collected("docker")
	is_array(object.get(docker, "containers", null))
}

# containers are the inspected containers: one whose inspect call failed
# has only what the engine's list gives (no command, environment or
# user), so it is not judged but made unknown (uninspected).
containers := [c | some c in object.get(docker, "containers", []); not c.inspect] if {
	docker_ok
} else := []

# uninspected are the unknown results of the containers whose inspect
# call failed: a check that judges services adds them, so such a
# container is never passed or failed on fields that are not there.
uninspected := containers_lib.unknowns

# engine_absent: positive evidence that no container engine exists.
engine_absent if object.get(docker, "engine_installed", true) == false

# docker_why says why the containers could not be listed.
docker_why := status.collector_state("docker")

err_part("") := ""

err_part(e) := sprintf(" (%s)", [e]) if e != ""

# kind_of mirrors the probes collector's choice for a registry entry.
kind_of(e) := "redis" if {
	e.category == "redis"
} else := "flower" if {
	e.category == "flower"
} else := "ray" if {
	e.category == "ray"
	contains(e.service, "dashboard")
} else := "grafana" if {
	contains(e.service, "grafana")
} else := "tcp"

pinned(e) if object.get(e, "end_port", 0) in {0, e.port}

kinds := ["redis", "flower", "ray", "grafana"]

# kind_ports maps each kind to the pinned registry ports probed as it,
# computed once per evaluation.
kind_ports := {k: {e.port |
	some e in data.mlscan.config.registry
	e.proto == "tcp"
	pinned(e)
	kind_of(e) == k
} |
	some k in kinds
}

# ports_of(kind) are the pinned registry ports probed as kind.
ports_of(kind) := kind_ports[kind]

ports_str(ps) := concat(", ", [sprintf("%d/tcp", [p]) | some p in sort(ps)])

listening_ports := {l.port | some l in listeners; l.proto == "tcp"}

listening(port) if port in listening_ports

absent_ports := {a.port | some a in object.get(probes, "absent", [])}

port_absent(port) if port in absent_ports

port_absent(port) if {
	sockets_ok
	not listening(port)
}

# no_listener(kind): evidence that nothing listens on the kind's ports.
no_listener(kind) := no_listener_map[kind]

no_listener_map := {k: sprintf("nothing listens on %s", [ports_str(ps)]) |
	some k in kinds
	ps := kind_ports[k]
	count(ps) > 0
	every p in ps {
		port_absent(p)
	}
}

# no_container(kind): evidence that no container of the kind exists.
no_container(kind) := no_container_map[kind]

no_container_map := {k: "no container engine is installed" | some k in kinds} if {
	engine_absent
} else := {k: sprintf("no %s container among the engine's %d containers", [k, count(containers)]) |
	some k in kinds
	count(by_kind[k]) == 0
} if {
	docker_ok
} else := {}

# absent(kind) is the not-applicable result when both hold.
absent(kind) := object.get(absent_map, kind, set())

absent_map := {k: {{
	"subject": "host",
	"target": target.host,
	"message": sprintf("no %s runs on this host: %s, and %s", [k, l, c]),
	"evidence": {"observed": [l, c], "expected": sprintf("a %s listener or container", [k]), "source": "probes (/proc/net), docker collector"},
}} |
	some k in kinds
	l := no_listener_map[k]
	c := no_container_map[k]
}

# why_unknown explains why a kind's probe results are missing.
why_unknown(kind) := sprintf("no %s probe result, and nothing proves %s absent: %s", [kind, kind, reasons]) if {
	reasons := concat("; ", [r |
		some r in [
			listener_reason(kind),
			container_reason(kind),
		]
		r != ""
	])
}

listener_reason(kind) := "" if {
	no_listener(kind)
} else := sprintf("listening sockets: %s", [object.get(probes, ["listeners", "error"], "a listener exists or the socket table could not be read")])

container_reason(kind) := "" if {
	no_container(kind)
} else := sprintf("containers could not be listed (docker %s)", [docker_why]) if {
	not docker_ok
} else := sprintf("a %s container exists but answers no probe", [kind])

# addr_port renders a probe's address and port ("[::1]:8265" for IPv6).
addr_port(p) := sprintf("[%s]:%d", [p.address, p.port]) if {
	contains(p.address, ":")
} else := sprintf("%s:%d", [p.address, p.port])

# not_open explains a probe that could not talk to the service.
not_open(p) := sprintf("%s is %s%s", [addr_port(p), p.state, err_part(object.get(p, "error", ""))])

# --- containers ---

image(c) := object.get(c, "image", "")

# image_repo is the image's last path component without tag or digest
# ("rayproject/ray:2.9.3" → "ray").
image_repo(c) := lower(split(last, ":")[0]) if {
	parts := split(split(image(c), "@")[0], "/")
	last := parts[count(parts) - 1]
}

# image_tag is the image's tag ("2.9.3-py310"), undefined without one.
image_tag(c) := split(last, ":")[1] if {
	parts := split(split(image(c), "@")[0], "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
}

# tag_version is the x.y.z a tag starts with; floating tags ("7.2",
# "latest") have none.
tag_version(c) := trim_prefix(m[0], "v") if {
	m := regex.find_n(`^v?[0-9]+\.[0-9]+\.[0-9]+`, image_tag(c), 1)
	count(m) == 1
}

names(c) := {lower(n) | some n in [object.get(c, "name", ""), object.get(c, ["compose", "service"], "")]; n != ""}

words(c) := [w | some w in split(command_line(c), " "); w != ""]

command_line(c) := concat(" ", array.concat(object.get(c, "entrypoint", []), object.get(c, "cmd", [])))

# kinds_of(c) is the set of kinds container c is: by its image repository,
# a name with the kind as a component ("ml-ray-worker-1"), its command
# (`flower`, `ray start`) or the Redis facts the collector found.
kinds_of(c) := (((by_repo | by_name) | by_word) | by_start) | by_redis if {
	by_repo := {k | k := repo_kinds[image_repo(c)]}
	by_name := {k |
		some n in names(c)
		some k, pattern in name_patterns
		contains(n, k)
		regex.match(pattern, n)
	}
	line := command_line(c)
	by_word := {"flower" | contains(line, "flower"); "flower" in words(c)}
	by_start := {"ray" | contains(line, "start"); starts_ray(words(c))}
	by_redis := {"redis" | object.get(c, "redis", null) != null}
}

repo_kinds := {
	"redis": "redis", "redis-stack-server": "redis", "valkey": "redis",
	"ray": "ray", "ray-ml": "ray",
	"flower": "flower",
	"grafana": "grafana", "grafana-oss": "grafana", "grafana-enterprise": "grafana",
}

# name_patterns: a kind in a container name, as a component of it.
name_patterns := {k: sprintf(`(^|[-_.])%s([-_.0-9]|$)`, [k]) | some k in ["ray", "flower", "grafana"]}

is_kind(c, kind) if kind in kinds_of(c)

# ray_start: the container runs `ray start`.
ray_start(c) if starts_ray(words(c))

starts_ray(ws) if {
	"start" in ws
	some i, w in ws
	ws[i + 1] == "start"
	containers_lib.is_program(w, "ray")
}

# by_kind maps each kind to its containers, computed once per evaluation.
by_kind := {k: [c | some i, c in containers; k in container_kinds[i]] | some k in kinds}

container_kinds := [kinds_of(c) | some c in containers]

of_kind(kind) := by_kind[kind]

# container_subject names a container by name and compose service.
container_subject(c) := sprintf("container %s (compose service %s)", [c.name, c.compose.service]) if {
	object.get(c, ["compose", "service"], "") != ""
} else := sprintf("container %s", [object.get(c, "name", "?")])

# location points at the compose file a container came from.
location(c) := {"file": c.compose.config_files[0], "what": sprintf("compose service %s", [c.compose.service])} if {
	object.get(c, ["compose", "config_files"], []) != []
}

# with_location adds a container's location to a result entry.
with_location(entry, c) := object.union(entry, {"location": location(c)}) if {
	location(c)
} else := entry

env_value(c, k) := e.value if {
	some e in object.get(c, "env", [])
	e.key == k
	e.kept
}

has_env(c, k) if {
	some e in object.get(c, "env", [])
	e.key == k
}

# flag_value finds "--flag=value" or "--flag value" in a container's
# command words (flag starts with "-" and has no "=").
flag_value(c, flag) := v if {
	some v in flags(c).joined[flag]
} else := v if {
	some v in flags(c).next[flag]
}

# flags indexes a container's command words once: "joined" maps each flag
# of a "--flag=value" word to its values, "next" each word starting with
# "-" to the words that follow it.
flags(c) := {"joined": joined, "next": next} if {
	ws := words(c)
	pairs := [[substring(w, 0, i), substring(w, i + 1, -1)] |
		some w in ws
		startswith(w, "-")
		i := indexof(w, "=")
		i > 0
	]
	joined := {f: {v | some [g, v] in pairs; g == f} | some [f, _] in pairs}
	next := {w: {ws[j + 1] | some j, x in ws; x == w} | some w in ws; startswith(w, "-")}
}

has_flag(c, flag) if flag_value(c, flag)

has_flag(c, flag) if flag in words(c)

# --- versions ---

# older(v, w): v is a valid semantic version below w.
older(v, w) if {
	semver.is_valid(v)
	semver.compare(v, w) < 0
}

at_least(v, w) if {
	semver.is_valid(v)
	semver.compare(v, w) >= 0
}

# redis_fixed is the first release with the October 2025 Lua fixes
# (CVE-2025-49844, CVE-2025-46817/46818/46819) on each line, as
# GHSA-4789-qfc9-5f9q and redis/docker-library-redis list them.
redis_fixed := {"6.2": "6.2.20", "7.2": "7.2.11", "7.4": "7.4.6", "8.0": "8.0.4", "8.2": "8.2.2"}

# redis_line is a version's major.minor ("7.2").
redis_line(v) := concat(".", array.slice(split(v, "."), 0, 2))

# redis_unpatched(v) says why Redis v lacks the Lua fixes, undefined when
# it has them: older than its line's fixed release, or on a line that got
# no fix and older than the newest fixed line.
redis_unpatched(v) := sprintf("Redis %s is older than %s, the fixed release of the %s line", [v, redis_fixed[redis_line(v)], redis_line(v)]) if {
	older(v, redis_fixed[redis_line(v)])
} else := sprintf("Redis %s is on the %s line, which received no fix; the first fixed releases are 6.2.20 and 7.2.11", [v, redis_line(v)]) if {
	not redis_fixed[redis_line(v)]
	older(v, "8.2.2")
}

# redis_fixed_str is the release Redis v must reach: its line's fixed
# release, else `otherwise`.
redis_fixed_str(v, otherwise) := object.get(redis_fixed, redis_line(v), otherwise)

# --- reachability from outside (the model's facts) ---

# private_only(port): the kernel's rules deliver no connection from
# outside the trusted networks to any non-loopback TCP listener on the
# port (as MLS-EXP-001 judges it); undecided is not private.
private_only(port) if {
	sockets_ok
	status.collected("netfilter")
	served(port)
	every i, l in listeners {
		not open_outside(i, l, port)
	}
	every p in object.get(input, ["model", "published"], []) {
		not published_open(p, port)
	}
}

# served(port): something listens on or publishes port (else "private"
# would hold of nothing).
served(port) if {
	some l in listeners
	l.port == port
}

served(port) if {
	some p in object.get(input, ["model", "published"], [])
	p.host_port == port
}

# published_open: a container publishes port and a connection from
# outside is not surely refused (dockerd without its userland proxy
# leaves no listener to judge).
published_open(p, port) if {
	p.host_port == port
	p.proto == "tcp"
	p.outside.verdict != "unreachable"
}

open_outside(i, l, port) if {
	l.port == port
	l.proto == "tcp"
	not l.loopback
	model.listener(i).outside.verdict != "unreachable"
}
