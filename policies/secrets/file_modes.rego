# METADATA
# title: Secret-bearing files not world-readable
# description: >-
#   Files that hold passwords must not be readable by every local user.
#   mlscan judges the files the containers reference, as the docker
#   collector finds them: each container's compose files
#   (com.docker.compose.project.config_files), the .env in its compose
#   project's working directory, and files bind-mounted at secret-bearing
#   paths (/run/secrets/*, *.env, redis.conf, users.acl, flowerconfig.py,
#   auth_token, *.key, .htpasswd), and Ray's token file ~/.ray/auth_token in
#   /root and /home/*. A .env, mounted secret or token file fails when
#   world-readable. A compose file is shared configuration, often kept
#   0644 in a repository: it fails only when it is world-readable and
#   writes a secret value out instead of a ${VAR} reference: a value
#   under a secret-named key, a password in a URL, or a value after a
#   secret flag such as --requirepass. The collector reads each
#   world-readable compose file for that and records where, never the
#   value. The paths come from the containers' labels and mounts: a path
#   that is not a regular file (FIFO, device, directory, symbolic link),
#   lies under /proc, /sys or /dev, exceeds 1 MiB or does not answer within
#   2 s is not read, and only that file's verdict is unknown, naming the
#   containers that reference it and the reason.
#   Not covered: other secret files no container references, such as a
#   redis.conf or .env outside the compose projects; check those by hand.
# custom:
#   id: MLS-SEC-004
#   severity: medium
#   requires: [docker]
#   remediation: "`chmod 0600` (or 0640 with a dedicated group) the file, owned by the service's user; in a compose file, replace a written-out secret by a ${VAR} reference and keep the value in the project's .env (0600)"
#   references: ["https://docs.ray.io/en/latest/ray-security/token-auth.html", "https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/", "CIS Docker Benchmark v1.6.0 section 3 (daemon configuration files)"]
package mlscan.secrets.file_modes

import data.mlscan.lib.docker
import data.mlscan.lib.status
import data.mlscan.lib.target

files := object.get(docker.docker, "files", [])

subject(f) := sprintf("file %s", [f.path])

observed(f) := sprintf("mode %s, owner %d:%d (%s)", [f.mode, f.uid, f.gid, f.why])

expected := "mode 0600 or 0640 (no read for others)"

# compose(f): a compose file (kind, or the reason of an older snapshot).
compose(f) if f.kind == "compose"

compose(f) if {
	not f.kind
	startswith(f.why, "compose file of")
}

content_read(f) if status.ok(f.content)

literal(f) := object.get(f, ["content", "literal_secrets"], [])

# named_by says which containers reference file f (their labels or
# mounts name it), so that an unknown points at the container whose
# configuration names a file that cannot be judged.
named_by(f) := sprintf(" (named by %s)", [concat(", ", [sprintf("container %s", [n]) | some n in names])]) if {
	names := sort({c.name | some c in docker.listed; references(c, f.path)})
	count(names) > 0
} else := ""

references(c, p) if p in object.get(c, ["compose", "config_files"], [])

references(c, p) if {
	some m in c.mounts
	m.type == "bind"
	m.source == p
}

references(c, p) if {
	wd := object.get(c, ["compose", "working_dir"], "")
	wd != ""
	p == concat("/", [trim_right(wd, "/"), ".env"])
}

# content_why says why a compose file's content is unknown.
content_why(f) := sprintf("its content could not be read (%s: %s)", [f.content.status, object.get(f.content, "error", "no error recorded")]) if {
	f.content
} else := "this snapshot comes from an mlscan that did not read compose files: collect again"

deny contains {
	"subject": subject(f),
	"target": target.host,
	"message": sprintf("%s is world-readable (mode %s): every local user can read its secrets", [f.path, f.mode]),
	"evidence": {"observed": observed(f), "expected": expected, "source": f.from},
	"location": {"file": f.path, "what": f.why},
} if {
	some f in files
	status.ok(f)
	f.world_readable
	not compose(f)
}

deny contains {
	"subject": subject(f),
	"target": target.host,
	"message": sprintf("%s is world-readable (mode %s) and writes secrets out: %s; every local user can read them", [f.path, f.mode, concat(", ", literal(f))]),
	"evidence": {"observed": sprintf("%s; literal secrets at %s", [observed(f), concat(", ", literal(f))]), "expected": sprintf("%s, or only ${VAR} references in it", [expected]), "source": sprintf("%s; %s", [f.from, f.content.from])},
	"location": {"file": f.path, "what": f.why},
} if {
	some f in files
	status.ok(f)
	f.world_readable
	compose(f)
	content_read(f)
	count(literal(f)) > 0
}

pass contains {
	"subject": subject(f),
	"target": target.host,
	"message": sprintf("%s is world-readable (mode %s) but writes no secret value out (secrets, if any, are ${VAR} references)", [f.path, f.mode]),
	"evidence": {"observed": sprintf("%s; no literal secret", [observed(f)]), "expected": sprintf("%s, or only ${VAR} references in it", [expected]), "source": sprintf("%s; %s", [f.from, f.content.from])},
} if {
	some f in files
	status.ok(f)
	f.world_readable
	compose(f)
	content_read(f)
	count(literal(f)) == 0
}

unknown contains {
	"subject": subject(f),
	"target": target.host,
	"message": sprintf("%s%s is world-readable (mode %s), and whether it writes secrets out is unknown: %s", [f.path, named_by(f), f.mode, content_why(f)]),
	"evidence": {"observed": observed(f), "expected": sprintf("%s, or only ${VAR} references in it", [expected]), "source": f.from},
} if {
	some f in files
	status.ok(f)
	f.world_readable
	compose(f)
	not content_read(f)
}

pass contains {
	"subject": subject(f),
	"target": target.host,
	"message": sprintf("%s is not world-readable (mode %s)", [f.path, f.mode]),
	"evidence": {"observed": observed(f), "expected": expected, "source": f.from},
} if {
	some f in files
	status.ok(f)
	not f.world_readable
}

unknown contains {
	"subject": subject(f),
	"target": target.host,
	"message": sprintf("the mode of %s%s could not be read: %s", [f.path, named_by(f), status.why(f)]),
	"evidence": {"observed": f.status, "expected": expected, "source": f.from},
} if {
	some f in files
	not status.ok(f)
}

not_applicable contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("the engine's %d containers reference no compose file, compose .env or secret-bearing mount", [count(docker.containers)]),
	"evidence": {"observed": [c.name | some c in docker.containers], "expected": "secret-bearing files referenced by containers", "source": docker.source},
} if {
	docker.installed
	count(files) == 0
	count(docker.uninspected) == 0
}

# An uninspected container is unknown: its mounts could name a
# secret-bearing file.
unknown contains e if some e in docker.unknowns

not_applicable contains e if {
	not docker.installed
	some e in docker.none("secret-bearing files referenced by containers", [])
}
