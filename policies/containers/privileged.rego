# METADATA
# title: No privileged containers
# description: >-
#   A privileged container has every capability, every device and no
#   seccomp or AppArmor confinement: root in it is root on the host. Waive
#   it only for a container that cannot work otherwise (cAdvisor), with a
#   reason and an expiry.
# custom:
#   id: MLS-CTR-002
#   severity: critical
#   requires: [docker]
#   remediation: "Remove `privileged: true`; add only the capabilities (`cap_add`) and devices (`devices`) the service needs"
#   references: ["CIS Docker Benchmark v1.6.0 5.5"]
package mlscan.containers.privileged

import data.mlscan.lib.docker
import data.mlscan.lib.target

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": "HostConfig.Privileged=true", "expected": "HostConfig.Privileged=false", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	c.privileged
	msg := sprintf("%s is privileged%s: root in it is root on the host", [docker.subject(c), docker.state_note(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": "HostConfig.Privileged=false", "expected": "HostConfig.Privileged=false", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	not c.privileged
	msg := sprintf("%s is not privileged", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
