# METADATA
# title: Swap bounded
# description: >-
#   HostConfig.MemorySwap is memory plus swap. -1 is unlimited swap, and a
#   container without a memory limit has no swap bound either. Equal to
#   Memory means no swap, the pass. Larger (Docker's default when only
#   --memory is given is twice the memory) lets the container thrash the
#   disk before the limit bites: reported at info level.
# custom:
#   id: MLS-RES-002
#   severity: medium
#   requires: [docker]
#   remediation: "Compose: `memswap_limit` equal to `mem_limit`"
#   references: ["Docker Engine API HostConfig.MemorySwap", "https://docs.docker.com/engine/containers/resource_constraints/#--memory-swap-details"]
package mlscan.resources.swap

import data.mlscan.lib.docker
import data.mlscan.lib.target

observed(c) := sprintf("Memory %d, MemorySwap %d", [c.limits.memory, c.limits.memory_swap])

expected := "MemorySwap equal to Memory (no swap)"

verdict(c) := {"fail": true, "sev": "medium", "msg": "has no memory limit, so swap is unbounded too"} if {
	c.limits.memory == 0
} else := {"fail": true, "sev": "medium", "msg": "may use unlimited swap (MemorySwap -1)"} if {
	c.limits.memory_swap == -1
} else := {"fail": true, "sev": "info", "msg": sprintf("may swap %s beyond its memory limit", [docker.bytes_str(c.limits.memory_swap - c.limits.memory)])} if {
	c.limits.memory_swap > c.limits.memory
} else := {"fail": true, "sev": "info", "msg": "leaves MemorySwap unset: the engine allows as much swap again as memory"} if {
	c.limits.memory_swap == 0
} else := {"fail": false, "msg": "cannot swap beyond its memory limit"}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "severity": v.sev, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	v := verdict(c)
	v.fail
	msg := sprintf("%s %s%s", [docker.subject(c), v.msg, docker.state_note(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	v := verdict(c)
	not v.fail
	msg := sprintf("%s %s", [docker.subject(c), v.msg])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
