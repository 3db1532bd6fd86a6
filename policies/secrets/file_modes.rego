# METADATA
# title: Secret-bearing files not world-readable
# description: >-
#   Compose files, their .env, and secrets or service configurations
#   bind-mounted into containers (/run/secrets/*, redis.conf, users.acl,
#   flowerconfig.py, auth_token, *.key) hold passwords: no other local user
#   may read them. mlscan stats the files the containers reference; other
#   secret files (~/.ray/auth_token on the host, configs no container
#   mounts) need a file-mode collector mlscan does not have yet, and are
#   reported unknown.
# custom:
#   id: MLS-SEC-004
#   severity: medium
#   requires: [docker]
#   remediation: "`chmod 0600` (or 0640 with a dedicated group) the file, owned by the service's user"
#   references: ["https://docs.ray.io/en/latest/ray-security/token-auth.html", "CIS Docker Benchmark v1.6.0 3.x (file permissions)"]
package mlscan.secrets.file_modes

import data.mlscan.lib.docker

files := object.get(docker.docker, "files", [])

subject(f) := sprintf("file %s", [f.path])

observed(f) := sprintf("mode %s, owner %d:%d (%s)", [f.mode, f.uid, f.gid, f.why])

deny contains {
	"subject": subject(f),
	"message": sprintf("%s is world-readable (mode %s): every local user can read its secrets", [f.path, f.mode]),
	"evidence": {"observed": observed(f), "expected": "mode 0600 or 0640 (no read for others)", "source": f.from},
	"location": {"file": f.path, "what": f.why},
} if {
	some f in files
	f.status == "ok"
	f.world_readable
}

pass contains {
	"subject": subject(f),
	"message": sprintf("%s is not world-readable (mode %s)", [f.path, f.mode]),
	"evidence": {"observed": observed(f), "expected": "mode 0600 or 0640 (no read for others)", "source": f.from},
} if {
	some f in files
	f.status == "ok"
	not f.world_readable
}

unknown contains {
	"subject": subject(f),
	"message": sprintf("the mode of %s could not be read: %s", [f.path, object.get(f, "error", f.status)]),
	"evidence": {"observed": f.status, "expected": "mode 0600 or 0640 (no read for others)", "source": f.from},
} if {
	some f in files
	f.status != "ok"
}

unknown contains {
	"subject": "other secret-bearing files",
	"message": "no file-mode collector yet: secret files that no container references (~/.ray/auth_token, redis.conf or .env outside compose projects) are not checked",
	"evidence": {"observed": sprintf("%d files referenced by containers checked", [count(files)]), "expected": "every secret-bearing file mode 0600/0640", "source": "docker collector"},
}
