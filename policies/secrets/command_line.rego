# METADATA
# title: No secrets on command lines
# description: >-
#   A secret in a container's command (--requirepass, --basic_auth=,
#   redis-cli -a, a password in a URL, KEY=VALUE arguments) is shown by
#   `docker inspect` to anyone with API access, and the process's command
#   line is readable by every local user in /proc. Found at collection
#   time; only the key, length and strength reach the snapshot.
# custom:
#   id: MLS-SEC-001
#   severity: high
#   requires: [docker]
#   remediation: "Move the secret to a file: `requirepass` in a mounted redis.conf (mode 0600), FLOWER_BASIC_AUTH from a compose secret, `--requirepass` never on the command line"
#   references: ["https://docs.docker.com/compose/how-tos/use-secrets/", "https://man7.org/linux/man-pages/man5/proc_pid_cmdline.5.html"]
package mlscan.secrets.command_line

import data.mlscan.lib.docker
import data.mlscan.lib.target

found(c) := [f | some f in c.secrets; f.location in {"cmd", "args"}]

describe(f) := sprintf("%s (%d characters, %s)", [f.key, f.length, f.strength])

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": [describe(f) | some f in found(c)], "expected": "no secret in Entrypoint, Cmd or Args", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(found(c)) > 0
	msg := sprintf("%s has secrets on its command line%s: %s", [docker.subject(c), docker.state_note(c), concat(", ", [f.key | some f in found(c)])])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": c.command, "expected": "no secret in Entrypoint, Cmd or Args", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(found(c)) == 0
	msg := sprintf("%s has no secret on its command line", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
