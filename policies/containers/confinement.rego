# METADATA
# title: Seccomp and AppArmor not disabled
# description: >-
#   seccomp=unconfined removes the system-call filter that blocks most
#   kernel attack surface; apparmor=unconfined (or an unconfined AppArmor
#   profile) removes mandatory access control. A privileged container has
#   neither.
# custom:
#   id: MLS-CTR-008
#   severity: high
#   requires: [docker]
#   remediation: "Remove `seccomp:unconfined` / `apparmor:unconfined` from security_opt (write a custom profile if a syscall is missing)"
#   references: ["CIS Docker Benchmark v1.6.0 5.22", "CIS Docker Benchmark v1.6.0 5.2"]
package mlscan.containers.confinement

import data.mlscan.lib.docker
import data.mlscan.lib.target

unconfined_opts := {"seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:unconfined"}

issues(c) := array.concat(
	[sprintf("security_opt %s", [o]) | some o in c.security_opt; lower(o) in unconfined_opts],
	array.concat(
		[sprintf("AppArmorProfile %s", [c.apparmor_profile]) | c.apparmor_profile == "unconfined"],
		["privileged (no seccomp, no AppArmor)" | c.privileged],
	),
)

observed(c) := sprintf("SecurityOpt %v, AppArmorProfile %q, Privileged %v", [c.security_opt, c.apparmor_profile, c.privileged])

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "default (or custom) seccomp and AppArmor profiles", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(issues(c)) > 0
	msg := sprintf("%s runs without confinement%s: %s", [docker.subject(c), docker.state_note(c), concat(", ", issues(c))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "default (or custom) seccomp and AppArmor profiles", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(issues(c)) == 0
	msg := sprintf("%s keeps seccomp and AppArmor", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
