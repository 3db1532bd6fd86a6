# Reachability facts mlscan computes in Go from the snapshot (input.model,
# documented by `mlscan schema --input`): for each listener and each port a
# container publishes, whether a new connection from outside the trusted
# networks, from inside them, and from the host itself is delivered,
# following the kernel's netfilter rules (NAT, INPUT or FORWARD).
package mlscan.lib.model

# no_facts is the reach of a listener the model said nothing about (a
# snapshot evaluated without facts): undecided.
no_facts := {"verdict": "unknown", "reason": "mlscan computed no reachability facts for it (input.model missing)"}

# ruleset_source names the kernel ruleset's source for evidence.
ruleset_source := concat(", ", input.model.ruleset.from) if {
	count(input.model.ruleset.from) > 0
} else := "the kernel's netfilter rules"

# listener(i) is the reachability of listener i (input.sockets.listeners).
listener(i) := input.model.listeners[i] if {
	input.model.listeners[i]
} else := {"outside": no_facts, "trusted": no_facts, "loopback": no_facts}

# reach_str describes one zone's reach: verdict, the connection tried and
# the path.
reach_str(r) := sprintf("%s from %s to %s: %s", [r.verdict, r.from, r.to, r.reason]) if {
	r.from
	r.to
} else := sprintf("%s: %s", [r.verdict, r.reason])
