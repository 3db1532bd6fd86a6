# METADATA
# title: Registry has no conflicts or known-default clashes
# description: >-
#   Under host networking two services cannot share a port. Registry
#   entries must not overlap (same protocol, intersecting ranges), and an
#   entry on a well-known default port of another product (6379 Redis,
#   9091 Pushgateway, 8080 Traefik's insecure API, 3000 Grafana, 8000 Ray
#   Serve) is reported for information.
# custom:
#   id: MLS-REG-003
#   severity: medium
#   requires: []
#   remediation: "Renumber one of the services and update the registry"
#   references: ["docs/rules.md#port-registry", "docs/rules.md#known-defaults"]
package mlscan.registry.conflicts

import data.mlscan.lib.target

reg := data.mlscan.config.registry

label(e) := sprintf("%d/%s %s", [e.port, e.proto, e.service]) if {
	e.end_port == 0
} else := sprintf("%d-%d/%s %s", [e.port, e.end_port, e.proto, e.service])

his := [max([e.port, e.end_port]) | some e in reg]

overlaps contains [a, b] if {
	some i, a in reg
	some j in numbers.range(i + 1, count(reg) - 1)
	j > i
	b := reg[j]
	a.proto == b.proto
	a.port <= his[j]
	b.port <= his[i]
}

deny contains {
	"subject": sprintf("registry %s", [label(b)]),
	"target": target.registry(b),
	"message": sprintf("registry entries overlap: %s and %s", [label(a), label(b)]),
	"evidence": {"observed": [label(a), label(b)], "expected": "no two entries share a port", "source": data.mlscan.config.file},
	"location": {"file": data.mlscan.config.file, "line": b.line, "what": sprintf("registry entry %s", [b.service])},
} if some [a, b] in overlaps

deny contains {
	"subject": sprintf("registry %s", [label(e)]),
	"target": target.registry(e),
	"message": sprintf("%s uses the well-known default port of %s: a stock install of that product would collide", [label(e), k.what]),
	"severity": "info",
	"evidence": {"observed": label(e), "expected": sprintf("not %d/%s", [k.port, k.proto]), "source": data.mlscan.config.file},
	"location": {"file": data.mlscan.config.file, "line": e.line, "what": sprintf("registry entry %s", [e.service])},
} if {
	some i, e in reg
	some k in data.mlscan.config.known_defaults
	k.proto == e.proto
	e.port <= k.port
	k.port <= his[i]
}

pass contains {
	"subject": "registry",
	"target": target.host,
	"message": sprintf("%d registry entries, no overlaps", [count(reg)]),
	"evidence": {"observed": count(reg), "source": data.mlscan.config.file},
} if count(overlaps) == 0
