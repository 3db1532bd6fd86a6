# METADATA
# title: Memory limit set; host not over-committed
# description: >-
#   A container without a memory limit can take the host's memory until the
#   kernel kills something, perhaps sshd or Redis. Each container needs a
#   limit, equal to the declared one where the config declares it (Redis:
#   2 GiB); and the limits of the running containers together must leave
#   the host a reserve (config containers.memory_reserve_bytes, default
#   1 GiB) of the host's memory (/proc/meminfo).
# custom:
#   id: MLS-RES-001
#   severity: high
#   requires: [docker]
#   remediation: "Compose: `mem_limit: 2g` (or deploy.resources.limits.memory) on every service, sized so that their sum leaves the host a reserve"
#   references: ["CIS Docker Benchmark v1.6.0 5.11", "https://docs.docker.com/engine/containers/resource_constraints/"]
package mlscan.resources.memory

import data.mlscan.lib.docker
import data.mlscan.lib.target

declared(c) := docker.expect(c).memory_bytes

observed(c) := sprintf("HostConfig.Memory %d (%s)", [c.limits.memory, limit_str(c.limits.memory)])

limit_str(0) := "unlimited"

limit_str(n) := docker.bytes_str(n) if n > 0

expected(c) := sprintf("%s (declared)", [docker.bytes_str(declared(c))]) if {
	declared(c)
} else := "a memory limit"

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	c.limits.memory == 0
	msg := sprintf("%s has no memory limit%s", [docker.subject(c), docker.state_note(c)])
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	c.limits.memory > 0
	declared(c)
	c.limits.memory != declared(c)
	msg := sprintf("%s is limited to %s, not the declared %s", [docker.subject(c), docker.bytes_str(c.limits.memory), docker.bytes_str(declared(c))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	c.limits.memory > 0
	not mismatch(c)
	msg := sprintf("%s is limited to %s", [docker.subject(c), docker.bytes_str(c.limits.memory)])
}

mismatch(c) if {
	declared(c)
	c.limits.memory != declared(c)
}

# Over-commit: the running containers' limits against the host's memory.
running := [c | some c in docker.containers; c.running]

total := sum([c.limits.memory | some c in running])

mem_total := object.get(docker.docker, ["engine", "mem_total"], 0)

reserve := docker.config.memory_reserve_bytes

deny contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("the running containers' memory limits add up to %s, more than the host's %s minus a %s reserve", [docker.bytes_str(total), docker.bytes_str(mem_total), docker.bytes_str(reserve)]),
	"severity": "medium",
	"evidence": {
		"observed": [sprintf("%s: %s", [c.name, docker.bytes_str(c.limits.memory)]) | some c in running; c.limits.memory > 0],
		"expected": sprintf("sum of limits ≤ %s", [docker.bytes_str(mem_total - reserve)]),
		"source": sprintf("%s; MemTotal of /proc/meminfo", [docker.source]),
	},
} if {
	mem_total > 0
	total > mem_total - reserve
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
