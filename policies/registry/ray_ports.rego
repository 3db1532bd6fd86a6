# METADATA
# title: Ray ports pinned
# description: >-
#   Ray picks random ports for its node manager, object manager, agents,
#   metrics and runtime-env agent unless told otherwise, so the port
#   registry and the firewall rules cannot describe them, and a random port
#   may take another service's. Every `ray start` must pin them:
#   --node-manager-port, --object-manager-port, --dashboard-agent-grpc-port,
#   --dashboard-agent-listen-port, --metrics-export-port,
#   --runtime-env-agent-port and the worker range (--min-worker-port and
#   --max-worker-port, or --worker-port-list). mlscan reads the command line
#   of the Ray containers. A pinned port inside the kernel's ephemeral range
#   (net.ipv4.ip_local_port_range, 32768-60999 by default) and not in
#   net.ipv4.ip_local_reserved_ports also fails: an outgoing connection can
#   hold it when Ray starts.
# custom:
#   id: MLS-REG-004
#   severity: medium
#   remediation: "Pin every port on `ray start` (e.g. `--node-manager-port=10002 --object-manager-port=10003 --dashboard-agent-grpc-port=10004 --dashboard-agent-listen-port=10005 --metrics-export-port=9091 --runtime-env-agent-port=10006 --min-worker-port=10010 --max-worker-port=19999`) and register them"
#   references: ["https://docs.ray.io/en/latest/ray-core/configure.html#ports-configurations"]
package mlscan.registry.ray_ports

import data.mlscan.lib.services as svc
import data.mlscan.lib.target

flags := [
	"--node-manager-port", "--object-manager-port", "--dashboard-agent-grpc-port",
	"--dashboard-agent-listen-port", "--metrics-export-port", "--runtime-env-agent-port",
]

worker_flags := ["--min-worker-port", "--max-worker-port"]

nodes := [c | some c in svc.of_kind("ray"); svc.ray_start(c)]

missing(c) := array.concat(
	[f | some f in flags; not svc.flag_value(c, f)],
	[f | some f in worker_flags; not svc.flag_value(c, f); not svc.flag_value(c, "--worker-port-list")],
)

pinned_str(c) := concat(" ", [sprintf("%s=%s", [f, svc.flag_value(c, f)]) | some f in array.concat(flags, array.concat(worker_flags, ["--worker-port-list"])); svc.flag_value(c, f)])

# ephemeral is the kernel's ephemeral port range, when the snapshot has it.
ephemeral := input.sockets.ephemeral_ports

# reserved(a, b): one reserved range covers every port from a to b.
reserved(a, b) if {
	some r in object.get(input.sockets, "reserved_ports", [])
	r.from <= a
	b <= r.to
}

# pinned_ports are the single ports and worker ranges c pins, as
# [flag, from, to].
pinned_ports(c) := array.concat(
	[[f, n, n] | some f in flags; n := to_number(svc.flag_value(c, f))],
	array.concat(
		[["--min-worker-port..--max-worker-port", lo, hi] |
			lo := to_number(svc.flag_value(c, "--min-worker-port"))
			hi := to_number(svc.flag_value(c, "--max-worker-port"))
		],
		[["--worker-port-list", n, n] | some w in split(svc.flag_value(c, "--worker-port-list"), ","); n := to_number(w)],
	),
)

# clashes are the pinned ports of c the kernel may hand out as ephemeral
# ports: inside the range and not reserved.
clashes(c) := [sprintf("%s=%s", [f, range_str(lo, hi)]) |
	some [f, lo, hi] in pinned_ports(c)
	lo <= ephemeral.to
	hi >= ephemeral.from
	not reserved(max([lo, ephemeral.from]), min([hi, ephemeral.to]))
]

ephemeral_note := sprintf(", outside the kernel's ephemeral port range %d-%d", [ephemeral.from, ephemeral.to]) if {
	ephemeral.from
} else := " (the snapshot does not record the kernel's ephemeral port range, so clashes with it were not checked)"

range_str(lo, hi) := sprintf("%d", [lo]) if {
	lo == hi
} else := sprintf("%d-%d", [lo, hi])

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s pins %s inside the kernel's ephemeral port range %d-%d (net.ipv4.ip_local_port_range): an outgoing connection can hold such a port when Ray starts", [svc.container_subject(c), concat(", ", sort({x | some x in clashes(c)})), ephemeral.from, ephemeral.to]),
		"evidence": {"observed": object.get(c, "command", ""), "expected": sprintf("Ray ports outside %d-%d, or listed in net.ipv4.ip_local_reserved_ports", [ephemeral.from, ephemeral.to]), "source": "container command line (docker collector), /proc/sys/net/ipv4/ip_local_port_range"},
	},
	c,
) if {
	some c in nodes
	count(clashes(c)) > 0
}

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s starts Ray without pinning %s: those ports are random, outside the registry and the firewall rules", [svc.container_subject(c), concat(", ", missing(c))]),
		"evidence": {"observed": object.get(c, "command", ""), "expected": concat(", ", array.concat(flags, worker_flags)), "source": "container command line (docker collector)"},
	},
	c,
) if {
	some c in nodes
	count(missing(c)) > 0
}

pass contains {
	"subject": svc.container_subject(c),
	"target": target.container(c),
	"message": sprintf("%s pins every Ray port%s", [svc.container_subject(c), ephemeral_note]),
	"evidence": {"observed": pinned_str(c), "expected": concat(", ", array.concat(flags, worker_flags)), "source": "container command line (docker collector)"},
} if {
	some c in nodes
	count(missing(c)) == 0
	count(clashes(c)) == 0
}

ray_listening if {
	some e in data.mlscan.config.registry
	e.category == "ray"
	svc.pinned(e)
	svc.listening(e.port)
}

not_applicable contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("no Ray runs on this host: no container runs `ray start` (%s) and nothing listens on the registry's Ray ports", [svc.no_container("ray")]),
	"evidence": {"observed": svc.no_container("ray"), "expected": "ray start with pinned ports", "source": "docker collector, /proc/net"},
} if {
	count(nodes) == 0
	svc.no_container("ray")
	svc.sockets_ok
	not ray_listening
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("Ray's command line could not be read: %s", [reason]),
	"evidence": {"expected": "ray start with pinned ports", "source": "docker collector"},
} if {
	count(nodes) == 0
	not absent
}

absent if {
	svc.no_container("ray")
	svc.sockets_ok
	not ray_listening
}

reason := sprintf("the containers could not be listed (docker %s)", [svc.docker_why]) if {
	not svc.docker_ok
} else := "Ray listens, but no container runs `ray start` (Ray outside a container, or started by a script mlscan does not read)"

# A container whose inspect call failed is unknown, not judged.
unknown contains e if some e in svc.uninspected
