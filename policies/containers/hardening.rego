# METADATA
# title: Low-severity hardening (read-only root filesystem, restart policy, healthcheck)
# description: >-
#   A read-only root filesystem (with tmpfs where the service writes) stops
#   an intruder from changing the image's binaries; `unless-stopped` or
#   `on-failure` with at most 5 retries restarts a crashed service without
#   looping forever; a healthcheck lets the engine and monitoring see a hung
#   service.
# custom:
#   id: MLS-CTR-009
#   severity: low
#   requires: [docker]
#   remediation: "Compose: `read_only: true` (+ `tmpfs:`), `restart: unless-stopped` or `on-failure:5`, and a `healthcheck:`"
#   references: ["CIS Docker Benchmark v1.6.0 5.13", "CIS Docker Benchmark v1.6.0 5.15", "CIS Docker Benchmark v1.6.0 5.27"]
package mlscan.containers.hardening

import data.mlscan.lib.docker
import data.mlscan.lib.target

max_retries := docker.config.max_restart_retries

restart_issue(r) := "no restart policy" if {
	r.name in {"", "no"}
} else := "restart policy always (prefer unless-stopped or on-failure)" if {
	r.name == "always"
} else := sprintf("on-failure with %d retries (at most %d)", [r.maximum_retry_count, max_retries]) if {
	r.name == "on-failure"
	r.maximum_retry_count > max_retries
} else := "on-failure without a retry limit" if {
	r.name == "on-failure"
	r.maximum_retry_count == 0
}

issues(c) := array.concat(
	["writable root filesystem" | not c.readonly_rootfs],
	array.concat(
		[i | i := restart_issue(c.restart_policy)],
		["no healthcheck" | not c.healthcheck],
	),
)

observed(c) := sprintf("ReadonlyRootfs %v, RestartPolicy %s:%d, healthcheck %v", [c.readonly_rootfs, c.restart_policy.name, c.restart_policy.maximum_retry_count, c.healthcheck])

expected := sprintf("read-only root, unless-stopped or on-failure ≤ %d, a healthcheck", [max_retries])

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(issues(c)) > 0
	msg := sprintf("%s: %s", [docker.subject(c), concat(", ", issues(c))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(issues(c)) == 0
	msg := sprintf("%s has a read-only root, a bounded restart policy and a healthcheck", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
