# Test fixtures for the probe, sshd, fail2ban and Ray/Redis/Flower/Grafana
# checks: the documented host (mlscan.lib.fixtures) with every service
# hardened as the document claims, so each check passes on `host`, and
# builders for the failing variations.
package mlscan.lib.probe_fixtures

import data.mlscan.lib.fixtures as f

target(addr, port, service) := {
	"address": addr, "port": port, "service": service, "state": "open",
	"exchanges": [], "duration_ms": 1.5,
}

redis_probe(addr, kind) := object.union(target(addr, 6380, "redis-broker"), {
	"kind": kind,
	"reply": {
		"noauth": "-NOAUTH Authentication required.",
		"pong": "+PONG",
		"denied": "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user...",
		"none": "",
	}[kind],
})

flower_probe(addr, root, api) := object.union(target(addr, 5555, "flower"), {"root_status": root, "api_status": api})

ray_probe(addr, mode, mode_status, version_status, version) := object.union(target(addr, 8265, "ray-dashboard"), {
	"auth_mode": mode, "mode_status": mode_status, "version_status": version_status, "ray_version": version,
})

grafana_probe(addr, status) := object.union(target(addr, 3002, "grafana"), {"anon_status": status})

probes := {
	"listeners": {"status": "ok", "from": "/proc/net/tcp, /proc/net/tcp6"},
	"addresses": ["10.0.0.84", "127.0.0.1"],
	"redis": [redis_probe("10.0.0.84", "noauth"), redis_probe("127.0.0.1", "noauth")],
	"flower": [flower_probe("10.0.0.84", 401, 401), flower_probe("127.0.0.1", 401, 401)],
	"ray": [ray_probe("10.0.0.84", "token", 200, 401, ""), ray_probe("127.0.0.1", "token", 200, 401, "")],
	"grafana": [grafana_probe("10.0.0.84", 401)],
	"tcp": [target("10.0.0.84", 22, "ssh"), target("127.0.0.1", 22, "ssh")],
	"absent": [],
}

env(k, v) := {"key": k, "value": v, "kept": true}

secret_env(k) := {"key": k, "kept": false, "secret": true}

compose(service) := {
	"project": "ml", "service": service,
	"config_files": ["/opt/ml/docker-compose.yml"], "working_dir": "/opt/ml",
}

container(name, image, cmd, envs) := {
	"id": concat("", [name, "0123456789abcdef"]), "name": name, "image": image, "image_id": "sha256:00",
	"state": "running", "running": true, "compose": compose(name), "user": "1000:1000", "image_user": "",
	"network_mode": "host", "env": envs, "entrypoint": [], "cmd": cmd, "command": concat(" ", cmd),
	"secrets": [], "mounts": [], "ports": [], "port_bindings": [],
}

ray_pinned_flags := [
	"--node-manager-port=10002", "--object-manager-port=10003", "--dashboard-agent-grpc-port=10004",
	"--dashboard-agent-listen-port=10005", "--metrics-export-port=9091", "--runtime-env-agent-port=10006",
	"--min-worker-port=10010", "--max-worker-port=19999",
]

ray_cmd := array.concat(
	["ray", "start", "--head", "--port=6379", "--dashboard-host=0.0.0.0", "--dashboard-port=8265", "--ray-client-server-port=10001"],
	array.concat(ray_pinned_flags, ["--block"]),
)

ray_head := container("ray-head", "rayproject/ray:2.54.0-py310", ray_cmd, [env("RAY_AUTH_MODE", "token"), env("RAY_AUTH_TOKEN_PATH", "/run/secrets/ray_token")])

redis_cmd := [
	"redis-server", "--port", "6380", "--requirepass", "<redacted>", "--maxmemory", "2gb",
	"--maxmemory-policy", "allkeys-lru", "--user", "default", "on", "-@dangerous", "+@all",
]

redis := object.union(container("redis", "redis:7.2.11-alpine", redis_cmd, []), {"redis": {
	"port": 6380, "maxmemory": "2gb", "maxmemory_bytes": 2147483648,
	"maxmemory_policy": "allkeys-lru", "requirepass": true,
}})

flower := container(
	"flower", "mher/flower:2.0.1",
	["celery", "--broker=redis://:<redacted>@127.0.0.1:6380/0", "flower", "--port=5555"],
	[secret_env("FLOWER_BASIC_AUTH")],
)

grafana := object.union(
	container("grafana", "grafana/grafana:10.4.2", [], [env("GF_AUTH_ANONYMOUS_ENABLED", "false"), secret_env("GF_SECURITY_ADMIN_PASSWORD")]),
	{"secrets": [{
		"location": "env", "key": "GF_SECURITY_ADMIN_PASSWORD", "target": "grafana", "human": true,
		"length": 24, "classes": 4, "strength": "strong", "denylisted": false, "hash": "0123456789abcdef",
	}]},
)

docker := {
	"engine_installed": true,
	"engine": {"status": "ok", "host": "unix:///var/run/docker.sock", "host_from": "default"},
	"daemon": {"status": "ok", "hosts": []},
	"containers": [flower, grafana, ray_head, redis],
	"files": [],
}

sshd := {
	"installed": true, "source": "sshd -T", "from": "/usr/sbin/sshd -T -f /etc/ssh/sshd_config",
	"test": {"status": "ok", "from": "/usr/sbin/sshd -T -f /etc/ssh/sshd_config"},
	"effective": {
		"passwordauthentication": "no", "kbdinteractiveauthentication": "no", "permitrootlogin": "no",
		"pubkeyauthentication": "yes", "permitemptypasswords": "no", "maxauthtries": "3", "x11forwarding": "no",
		"usepam": "yes", "port": "22",
	},
	"defaulted": [],
	"origins": {
		"passwordauthentication": {"file": "/etc/ssh/sshd_config.d/00-hardening.conf", "line": 2, "value": "no"},
		"kbdinteractiveauthentication": {"file": "/etc/ssh/sshd_config", "line": 62, "value": "no"},
		"permitrootlogin": {"file": "/etc/ssh/sshd_config.d/00-hardening.conf", "line": 4, "value": "no"},
	},
	"files": [
		{"status": "ok", "from": "/etc/ssh/sshd_config"},
		{"status": "ok", "from": "/etc/ssh/sshd_config.d/00-hardening.conf"},
	],
	"conditional": [],
}

fail2ban := {
	"installed": true, "running": true,
	"client": {"status": "ok", "from": "/usr/bin/fail2ban-client status"},
	"jails": ["sshd"],
	"sshd": {
		"status": "ok", "from": "/usr/bin/fail2ban-client status sshd", "name": "sshd",
		"currently_failed": 0, "total_failed": 12, "currently_banned": 1, "total_banned": 3,
		"files": ["/var/log/auth.log"], "banned_ips": ["192.0.2.10"],
	},
	"server_pid": 812,
}

ok := {"status": "ok", "duration_ms": 1}

# host is the documented host with every claim of the document true.
host := object.union(f.doc_host, {
	"collectors": {"probes": ok, "docker": ok, "sshd": ok, "fail2ban": ok},
	"probes": probes,
	"docker": docker,
	"sshd": sshd,
	"fail2ban": fail2ban,
})

# patched applies JSON patch operations to host.
patched(ops) := json.patch(host, ops)

# without removes a collector's section and marks it as failed with why.
without(section, status, why) := json.patch(host, [
	{"op": "remove", "path": concat("/", ["", section])},
	{"op": "replace", "path": concat("/", ["", "collectors", section]), "value": {"status": status, "error": why, "duration_ms": 1}},
])

# container_index is the index of a container by name in host.
container_index(name) := i if {
	some i, c in docker.containers
	c.name == name
}

# with_container replaces a container by name.
with_container(c) := patched([{"op": "replace", "path": sprintf("/docker/containers/%d", [container_index(c.name)]), "value": c}])

# no_service(kind, port) is host without a service: nothing listens on the
# port, the probes found it absent, and no container of the kind runs.
no_service(kind, port) := json.patch(host, [
	{"op": "replace", "path": "/sockets/listeners", "value": [l | some l in f.doc_listeners; l.port != port]},
	{"op": "replace", "path": concat("/", ["", "probes", kind]), "value": []},
	{"op": "replace", "path": "/probes/absent", "value": [{
		"port": port, "proto": "tcp", "service": kind, "kind": kind,
		"evidence": sprintf("no listening TCP socket on port %d (/proc/net/tcp, /proc/net/tcp6)", [port]),
	}]},
	{"op": "replace", "path": "/docker/containers", "value": [c | some c in docker.containers; not contains(c.name, kind)]},
])

# reach builds a probes.reachability entry.
reach(vantage, port, state) := {
	"vantage_addr": vantage, "target": "10.0.0.84", "port": port, "proto": "tcp", "state": state, "duration_ms": 1,
}

# probe_run is the snapshot `mlscan probe` writes: only the probes
# collector, with reachability from vantage.
probe_run(vantage, results) := {
	"schema_version": 1,
	"host": {"hostname": "10.0.0.84", "addresses": ["10.0.0.84"]},
	"collectors": {"probes": ok},
	"probes": {
		"listeners": {"status": "skipped"}, "addresses": [], "redis": [], "flower": [], "ray": [],
		"grafana": [], "tcp": [], "absent": [], "vantage": vantage,
		"reachability": [reach(vantage, p, s) | some [p, s] in results],
	},
}
