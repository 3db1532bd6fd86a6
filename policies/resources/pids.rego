# METADATA
# title: PIDs limit set
# description: >-
#   Without a PIDs limit a fork bomb (or a leaking worker pool) in one
#   container exhausts the host's process table. PidsLimit null (not set),
#   0 and -1 all mean unlimited.
# custom:
#   id: MLS-RES-004
#   severity: medium
#   requires: [docker]
#   remediation: "Compose: `pids_limit: 200` (or deploy.resources.limits.pids)"
#   references: ["CIS Docker Benchmark v1.6.0 5.29"]
package mlscan.resources.pids

import data.mlscan.lib.docker
import data.mlscan.lib.target

limited(c) if c.limits.pids_limit > 0

observed(c) := sprintf("HostConfig.PidsLimit %v", [c.limits.pids_limit])

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "PidsLimit > 0", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	not limited(c)
	msg := sprintf("%s has no PIDs limit%s", [docker.subject(c), docker.state_note(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "PidsLimit > 0", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	limited(c)
	msg := sprintf("%s is limited to %d processes", [docker.subject(c), c.limits.pids_limit])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
