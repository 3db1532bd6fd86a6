# METADATA
# title: Host PID, IPC, UTS and user namespaces not shared
# description: >-
#   Sharing the host's PID namespace shows (and lets root signal) every host
#   process; IPC shares host shared memory; UTS lets the container change
#   the hostname; userns=host disables user-namespace remapping. Host
#   networking is the documented design of Server 84 and is recorded as an
#   accepted deviation (CIS 5.10), not failed here (see MLS-CTR-011).
# custom:
#   id: MLS-CTR-007
#   severity: high
#   requires: [docker]
#   remediation: "Remove `pid: host`, `ipc: host`, `uts: host` and `userns_mode: host` (node-exporter's `pid: host` may be waived)"
#   references: ["CIS Docker Benchmark v1.6.0 5.16", "CIS Docker Benchmark v1.6.0 5.17", "CIS Docker Benchmark v1.6.0 5.21", "CIS Docker Benchmark v1.6.0 5.31"]
package mlscan.containers.host_namespaces

import data.mlscan.lib.docker
import data.mlscan.lib.target

modes(c) := {"PidMode": c.pid_mode, "IpcMode": c.ipc_mode, "UTSMode": c.uts_mode, "UsernsMode": c.userns_mode}

shared(c) := sort([k | some k, v in modes(c); v == "host"])

observed(c) := sprintf("PidMode %q, IpcMode %q, UTSMode %q, UsernsMode %q, NetworkMode %q", [c.pid_mode, c.ipc_mode, c.uts_mode, c.userns_mode, c.network_mode])

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "no namespace shared with the host (host network accepted)", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(shared(c)) > 0
	msg := sprintf("%s shares host namespaces%s: %s", [docker.subject(c), docker.state_note(c), concat(", ", [sprintf("%s=host", [k]) | some k in shared(c)])])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": "no namespace shared with the host (host network accepted)", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(shared(c)) == 0
	msg := sprintf("%s shares no PID, IPC, UTS or user namespace with the host%s", [docker.subject(c), net_note(c)])
}

net_note(c) := "; host networking is the documented design (accepted deviation, CIS 5.10)" if {
	c.network_mode == "host"
} else := ""

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
