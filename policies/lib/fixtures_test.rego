# Test fixtures: the documented host (networking-architecture.md) as a
# snapshot fragment, and builders for variations.
package mlscan.lib.fixtures

rule(action, ports, proto, from, v6) := {
	"action": action, "direction": "in", "proto": proto, "to": "any",
	"to_ports": ports, "from": from, "from_ports": "any",
	"to_ranges": ranges(ports), "from_ranges": [], "v6": v6,
	"raw": sprintf("%s/%s %s IN %s", [ports, proto, upper(action), from]),
}

ranges("any") := []

ranges(p) := [{"from": to_number(a), "to": to_number(b)} |
	some part in split(p, ",")
	bounds := split(part, ":")
	a := bounds[0]
	b := bounds[count(bounds) - 1]
] if p != "any"

doc_rules := [
	rule("allow", "22", "tcp", "10.0.0.0/24", false),
	rule("allow", "80", "tcp", "any", false),
	rule("allow", "443", "tcp", "any", false),
	rule("allow", "80", "tcp", "any", true),
	rule("allow", "443", "tcp", "any", true),
]

listener(addr, port, process) := {
	"proto": "tcp", "family": family(addr), "address": addr, "port": port,
	"wildcard": addr in {"0.0.0.0", "::"}, "loopback": addr in {"127.0.0.1", "::1"},
	"dual_stack": addr == "::", "uid": 0, "inode": port, "pid": port, "process": process,
}

family(addr) := "ipv6" if contains(addr, ":")

family(addr) := "ipv4" if not contains(addr, ":")

doc_listeners := [
	listener("0.0.0.0", 22, "sshd"),
	listener("::", 80, "traefik"),
	listener("::", 443, "traefik"),
	listener("0.0.0.0", 6380, "redis-server"),
	listener("0.0.0.0", 5555, "flower"),
	listener("0.0.0.0", 8265, "ray"),
	listener("0.0.0.0", 10001, "ray"),
	listener("0.0.0.0", 6379, "gcs_server"),
	listener("10.0.0.84", 9091, "ray"),
	listener("127.0.0.1", 9090, "prometheus"),
	listener("10.0.0.84", 3002, "grafana"),
	listener("127.0.0.1", 8080, "cadvisor"),
	listener("127.0.0.1", 9100, "node_exporter"),
]

ufw_with(rules) := {
	"installed": true,
	"conf": {"status": "ok", "from": "/etc/ufw/ufw.conf", "enabled": true, "loglevel": "low"},
	"defaults": {
		"status": "ok", "from": "/etc/default/ufw", "ipv6": true, "input_policy": "DROP",
		"output_policy": "ACCEPT", "forward_policy": "DROP", "application_policy": "SKIP", "manage_builtins": false,
	},
	"live": {
		"status": "ok", "from": "ufw status verbose", "active": true, "logging": "on", "loglevel": "low",
		"default_incoming": "deny", "default_outgoing": "allow", "default_routed": "disabled", "v6_chains": true,
	},
	"rules": {"status": "ok", "from": "ufw status verbose", "items": rules},
}

doc_host := {
	"schema_version": 1,
	"host": {"hostname": "server84", "addresses": ["10.0.0.84"]},
	"collectors": {"ufw": {"status": "ok"}, "sockets": {"status": "ok"}, "netfilter": {"status": "ok"}},
	"ufw": ufw_with(doc_rules),
	"sockets": {"owners": {"status": "ok"}, "listeners": doc_listeners},
}

# with_rules returns the documented host with extra rules appended.
with_rules(extra) := json.patch(doc_host, [{"op": "replace", "path": "/ufw/rules/items", "value": array.concat(doc_rules, extra)}])

# patched applies JSON patch operations to the documented host.
patched(ops) := json.patch(doc_host, ops)

# non_root is the documented host as a non-root scan sees it.
non_root := patched([
	{"op": "replace", "path": "/ufw/live", "value": {"status": "permission", "error": "`ufw status` needs root: run mlscan as root"}},
	{"op": "replace", "path": "/ufw/rules", "value": {"status": "permission", "error": "open /etc/ufw/user.rules: permission denied", "items": []}},
])
