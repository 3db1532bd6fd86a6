# METADATA
# title: Capabilities restricted
# description: >-
#   Fails when a container adds a capability that amounts to root on the
#   host (ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE,
#   DAC_READ_SEARCH) or is privileged (every capability). Keeping the
#   engine's default set without `cap_drop: [ALL]` is reported at info
#   level.
# custom:
#   id: MLS-CTR-004
#   severity: high
#   requires: [docker]
#   remediation: "`cap_drop: [ALL]` and add back only what the service needs (e.g. NET_BIND_SERVICE)"
#   references: ["CIS Docker Benchmark v1.6.0 5.4"]
package mlscan.containers.capabilities

import data.mlscan.lib.docker
import data.mlscan.lib.target

dangerous := {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH"}

norm(cap) := upper(trim_prefix(upper(cap), "CAP_"))

added(c) := {norm(x) | some x in c.cap_add}

dropped(c) := {norm(x) | some x in c.cap_drop}

# default_caps is the engines' default set: Podman reports `--cap-drop
# ALL` as these, dockerd as ALL.
default_caps := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

drops_all(c) if "ALL" in dropped(c)

drops_all(c) if count(default_caps - dropped(c)) == 0

bad(c) := added(c) & dangerous

observed(c) := sprintf("CapAdd %v, CapDrop %v, Privileged %v", [c.cap_add, c.cap_drop, c.privileged])

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "no dangerous capability added", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(bad(c)) > 0
	msg := sprintf("%s adds %s%s", [docker.subject(c), concat(", ", sort(bad(c))), docker.state_note(c)])
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "no dangerous capability added", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(bad(c)) == 0
	c.privileged
	msg := sprintf("%s is privileged: it has every capability", [docker.subject(c)])
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "severity": "info", "evidence": {"observed": observed(c), "expected": "CapDrop [ALL] plus the few capabilities needed", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(bad(c)) == 0
	not c.privileged
	not drops_all(c)
	msg := sprintf("%s keeps the engine's default capabilities (no cap_drop: [ALL])", [docker.subject(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "CapDrop [ALL] plus the few capabilities needed", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(bad(c)) == 0
	not c.privileged
	drops_all(c)
	msg := sprintf("%s drops all capabilities and adds none that is dangerous", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
