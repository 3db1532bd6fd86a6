# Test fixtures for the container checks: a compliant container builder and
# the documented host's containers (networking-architecture.md) as the
# docker section of a snapshot.
package mlscan.lib.docker_fixtures

import data.mlscan.lib.fixtures as f

# clean is a container that passes every container check.
clean(name, service) := {
	"id": concat("", [name, "0000000000000000000000000000000000000000000000000000000000000000"]),
	"name": name,
	"image": concat("", ["example/", service, ":1"]),
	"image_id": "sha256:0",
	"state": "running",
	"running": true,
	"compose": {"project": "ml", "service": service, "config_files": ["/opt/ml/docker-compose.yml"], "working_dir": "/opt/ml"},
	"user": "1000:1000",
	"image_user": "",
	"process": {"status": "ok", "pid": 4242, "uid": 1000, "gid": 1000},
	"limits": {
		"memory": 1073741824, "memory_swap": 1073741824, "nano_cpus": 1000000000, "cpu_quota": 0,
		"cpu_period": 0, "cpu_shares": 0, "cpus": 1, "pids_limit": 200,
	},
	"privileged": false,
	"cap_add": [],
	"cap_drop": ["ALL"],
	"security_opt": ["no-new-privileges:true"],
	"apparmor_profile": "docker-default",
	"readonly_rootfs": true,
	"network_mode": "host",
	"pid_mode": "",
	"ipc_mode": "private",
	"uts_mode": "",
	"userns_mode": "",
	"restart_policy": {"name": "unless-stopped", "maximum_retry_count": 0},
	"healthcheck": true,
	"mounts": [],
	"ports": [],
	"port_bindings": [],
	"env": [{"key": "PATH", "value": "/usr/local/bin:/usr/bin:/bin", "kept": true}],
	"entrypoint": [],
	"cmd": ["sleep", "infinity"],
	"command": "sleep infinity",
	"secrets": [],
}

# mod(c, patch) merges patch into container c (objects merge, other
# values replace).
mod(c, patch) := object.union(c, patch)

# finding is a secret finding as the collector writes it.
finding(loc, key, target, length, strength, hash) := {
	"location": loc, "key": key, "target": target, "human": false, "length": length,
	"classes": 2, "strength": strength, "denylisted": false, "hash": hash,
}

redis_pw_hash := "a1b2c3d4e5f60718"

# The documented broker: redis-server with its password on the command
# line, maxmemory equal to the 2 GiB limit, allkeys-lru; the image's root
# entrypoint drops to uid 999.
redis := mod(clean("redis-celery", "redis"), {
	"image": "redis:7.2",
	"user": "",
	"process": {"status": "ok", "pid": 4100, "uid": 999, "gid": 999},
	"limits": {"memory": 2147483648, "memory_swap": 2147483648, "cpus": 1},
	"cmd": ["redis-server", "--port", "6380", "--requirepass", "<redacted>", "--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru"],
	"command": "redis-server --port 6380 --requirepass <redacted> --maxmemory 2gb --maxmemory-policy allkeys-lru",
	"secrets": [finding("cmd", "--requirepass", "redis", 24, "medium", redis_pw_hash)],
	"redis": {"port": 6380, "maxmemory": "2gb", "maxmemory_bytes": 2147483648, "maxmemory_policy": "allkeys-lru", "requirepass": true},
})

# A documented worker: uid 1000, broker URL with the Redis password.
worker := mod(clean("celery-worker", "celery-worker"), {
	"image": "example/ml-worker:1",
	"cmd": ["celery", "-A", "app", "worker", "--loglevel=info"],
	"command": "celery -A app worker --loglevel=info",
	"env": [
		{"key": "PATH", "value": "/usr/local/bin:/usr/bin:/bin", "kept": true},
		{"key": "CELERY_BROKER_URL", "kept": false, "secret": true, "url": {"scheme": "redis", "host": "127.0.0.1", "port": 6380, "path": "/0", "password": true}},
		{"key": "CELERY_RESULT_BACKEND", "kept": false, "secret": true, "url": {"scheme": "redis", "host": "127.0.0.1", "port": 6380, "path": "/1", "password": true}},
	],
	"secrets": [
		finding("env", "CELERY_BROKER_URL (URL password)", "redis", 24, "medium", redis_pw_hash),
		finding("env", "CELERY_RESULT_BACKEND (URL password)", "redis", 24, "medium", redis_pw_hash),
	],
})

web := clean("web", "web")

containers := [redis, worker, web]

# ghost is a container the engine listed but whose inspect call failed,
# as the collector writes it: its list entry, empty fields, and why.
ghost := {
	"id": "ghost000000000000000000000000000000000000000000000000000000000000",
	"name": "ghost", "image": "example/ghost:1", "image_id": "sha256:1",
	"state": "running", "running": true,
	"compose": {"project": "ml", "service": "ghost", "config_files": ["/opt/ml/docker-compose.yml"], "working_dir": "/opt/ml"},
	"inspect": {"status": "error", "error": "inspect: the engine answered an internal error (HTTP 500)"},
	"user": "", "image_user": "",
	"process": {"status": "unavailable", "error": "container not inspected"},
	"limits": {
		"memory": 0, "memory_swap": 0, "nano_cpus": 0, "cpu_quota": 0,
		"cpu_period": 0, "cpu_shares": 0, "cpus": 0, "pids_limit": 0,
	},
	"privileged": false, "cap_add": [], "cap_drop": [], "security_opt": [],
	"apparmor_profile": "", "readonly_rootfs": false, "network_mode": "",
	"pid_mode": "", "ipc_mode": "", "uts_mode": "", "userns_mode": "",
	"restart_policy": {"name": "", "maximum_retry_count": 0}, "healthcheck": false,
	"mounts": [], "ports": [], "port_bindings": [], "env": [],
	"entrypoint": [], "cmd": [], "command": "", "secrets": [],
}

ghost_subject := "container ghost (compose service ghost)"

# with_ghost is the documented host with ghost beside its containers.
with_ghost := host(array.concat(containers, [ghost]))

# ghost_judged(v, doc, only) holds when a check that judges containers
# (its results v on with_ghost, doc on the documented host, only on a host
# whose one container is ghost) reports ghost unknown, never deny or pass,
# judges the other containers as without it, and is not not applicable
# while ghost is uninspected. Each check's test calls it with its own
# results: `v := {"deny": check.deny, ...} with input as d.with_ghost`.
ghost_judged(v, doc, only) if {
	u := by_subject(v.unknown, ghost_subject)
	u.message == "container ghost (compose service ghost) could not be verified: inspect: the engine answered an internal error (HTTP 500)"
	u.target == {"kind": "container", "container": "ghost"}
	u.location.what == "compose service ghost"
	not ghost_subject in subjects(v.deny | v.pass)
	v.deny == doc.deny
	v.pass == doc.pass
	count(only.not_applicable) == 0
	ghost_subject in subjects(only.unknown)
}

docker_section(cs) := {
	"engine_installed": true,
	"engine": {
		"status": "ok", "from": "unix:///var/run/docker.sock", "host": "unix:///var/run/docker.sock", "host_from": "default",
		"api_version": "1.47", "server_version": "27.5.1", "product": "Docker Engine - Community",
		"mem_total": 17179869184,
	},
	"daemon": {
		"status": "ok", "from": "/etc/docker/daemon.json, /proc/*/cmdline",
		"hosts": [{"addr": "fd://", "tcp": false, "tls_verify": false, "tls": false, "from": "/proc/812/cmdline (dockerd)"}],
	},
	"containers": cs,
	"files": [],
}

# host is the documented host with these containers.
host(cs) := object.union(f.doc_host, {
	"collectors": {"docker": {"status": "ok"}},
	"docker": docker_section(cs),
})

doc := host(containers)

# no_engine is a host where the collector found positive evidence that no
# engine is installed.
no_engine := object.union(f.doc_host, {
	"collectors": {"docker": {"status": "ok"}},
	"docker": {
		"engine_installed": false,
		"engine": {
			"status": "unavailable", "from": "", "host": "", "host_from": "default",
			"evidence": "no socket at /var/run/docker.sock, /run/docker.sock, /run/podman/podman.sock; no dockerd or podman binary",
		},
		"daemon": {"status": "ok", "from": "/etc/docker/daemon.json", "hosts": []},
		"containers": [],
		"files": [],
	},
})

# subjects of a result set.
subjects(rs) := {r.subject | some r in rs}

# by_subject returns the result of a set for a subject.
by_subject(rs, s) := r if {
	some r in rs
	r.subject == s
}
