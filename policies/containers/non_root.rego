# METADATA
# title: Containers run as non-root
# description: >-
#   Judges each container by the effective uid of its running main process
#   (/proc/PID/status), so an entrypoint that starts as root and drops
#   privileges passes and a root process under a non-root Config.User
#   fails. Without a running process the configured user decides
#   (Config.User, else the image's USER; neither set means root). Containers
#   with a declared user (Celery workers: 1000, from the config's
#   containers.roles and containers.services) must run as exactly that user.
# custom:
#   id: MLS-CTR-001
#   severity: high
#   requires: [docker]
#   remediation: "Set `user: \"1000:1000\"` on the compose service (or USER in the Dockerfile) and make files it writes owned by that uid"
#   references: ["CIS Docker Benchmark v1.6.0 4.1"]
package mlscan.containers.non_root

import data.mlscan.lib.docker
import data.mlscan.lib.status
import data.mlscan.lib.target

# configured is the user the container is set to run as, with its source.
configured(c) := {"user": c.user, "from": "Config.User"} if {
	c.user != ""
} else := {"user": c.image_user, "from": "image USER"} if {
	c.image_user != ""
} else := {"user": "", "from": "no user set (root by default)"}

uid_part(u) := split(u, ":")[0]

root_name(u) if uid_part(u) in {"", "0", "root"}

numeric(s) if regex.match(`^[0-9]+$`, s)

effective(c) := c.process.uid if status.ok(c.process)

observed(c) := sprintf("effective uid %d, gid %d (pid %d, /proc/%d/status); %s %q", [c.process.uid, c.process.gid, c.process.pid, c.process.pid, configured(c).from, configured(c).user]) if {
	effective(c)
} else := sprintf("%s %q%s; process: %s", [configured(c).from, configured(c).user, docker.state_note(c), object.get(c.process, "error", "not read")])

expected_user(c) := u if {
	u := docker.expect(c).user
	u != ""
}

expected_str(c) := sprintf("user %s (declared in the config)", [expected_user(c)]) if {
	expected_user(c)
} else := "a non-root user"

runs_as_root(c) if effective(c) == 0

runs_as_root(c) if {
	not effective(c)
	root_name(configured(c).user)
}

# matches_expected: the declared user is a uid or a name.
matches_expected(c) if {
	numeric(expected_user(c))
	effective(c) == to_number(expected_user(c))
}

matches_expected(c) if {
	not effective(c)
	uid_part(configured(c).user) == expected_user(c)
}

matches_expected(c) if {
	not numeric(expected_user(c))
	uid_part(configured(c).user) == expected_user(c)
}

# unresolved: a named user of a stopped container cannot be compared with
# a declared uid.
unresolved(c) if {
	expected_user(c)
	not effective(c)
	not matches_expected(c)
	not root_name(configured(c).user)
	not numeric(uid_part(configured(c).user))
	numeric(expected_user(c))
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected_str(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	runs_as_root(c)
	msg := sprintf("%s runs as root%s", [docker.subject(c), docker.state_note(c)])
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected_str(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	not runs_as_root(c)
	expected_user(c)
	not matches_expected(c)
	not unresolved(c)
	msg := sprintf("%s runs as %s, not the declared user %s", [docker.subject(c), who(c), expected_user(c)])
}

unknown contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected_str(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	unresolved(c)
	msg := sprintf("%s is set to run as %q, which cannot be compared with the declared uid %s while it is not running", [docker.subject(c), configured(c).user, expected_user(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected_str(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	not runs_as_root(c)
	not expected_user(c)
	msg := sprintf("%s runs as %s", [docker.subject(c), who(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected_str(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	not runs_as_root(c)
	matches_expected(c)
	msg := sprintf("%s runs as the declared user %s", [docker.subject(c), expected_user(c)])
}

who(c) := sprintf("uid %d", [effective(c)]) if {
	effective(c)
} else := sprintf("user %q", [configured(c).user])

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
