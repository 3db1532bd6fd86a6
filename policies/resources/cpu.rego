# METADATA
# title: CPU limit set
# description: >-
#   Each container needs a CPU limit (NanoCpus, or CpuQuota over
#   CpuPeriod), equal to the declared one where the config declares it
#   (Redis: 1 CPU), so one busy service cannot starve the others and sshd.
# custom:
#   id: MLS-RES-003
#   severity: medium
#   requires: [docker]
#   remediation: "Compose: `cpus: 1` (or deploy.resources.limits.cpus)"
#   references: ["CIS Docker Benchmark v1.6.0 5.12", "https://docs.docker.com/engine/containers/resource_constraints/"]
package mlscan.resources.cpu

import data.mlscan.lib.docker
import data.mlscan.lib.target

declared(c) := docker.expect(c).cpus

observed(c) := sprintf("NanoCpus %d, CpuQuota %d, CpuPeriod %d (%v CPUs)", [c.limits.nano_cpus, c.limits.cpu_quota, c.limits.cpu_period, c.limits.cpus])

expected(c) := sprintf("%v CPUs (declared)", [declared(c)]) if {
	declared(c)
} else := "a CPU limit"

# same: CPU counts equal to a thousandth.
same(a, b) if abs(a - b) < 0.001

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	c.limits.cpus == 0
	msg := sprintf("%s has no CPU limit%s", [docker.subject(c), docker.state_note(c)])
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	c.limits.cpus > 0
	declared(c)
	not same(c.limits.cpus, declared(c))
	msg := sprintf("%s is limited to %v CPUs, not the declared %v", [docker.subject(c), c.limits.cpus, declared(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	c.limits.cpus > 0
	not mismatch(c)
	msg := sprintf("%s is limited to %v CPUs", [docker.subject(c), c.limits.cpus])
}

mismatch(c) if {
	declared(c)
	not same(c.limits.cpus, declared(c))
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
