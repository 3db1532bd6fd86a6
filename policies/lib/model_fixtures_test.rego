# Test fixtures: the model's facts (input.model) as mlscan computes them
# in Go (model.Compute) for the documented host and variations.
package mlscan.lib.model_fixtures

# The model's facts as mlscan computes them in Go (model.Compute): each
# listener's reach from outside, from the trusted networks and from the
# host. Facts are the input here; the packet path itself is tested in Go
# against real rulesets and the kernel.
dropped(l) := {
	"verdict": "unreachable",
	"reason": "dropped in INPUT by the filter INPUT chain's policy (policy DROP)",
	"from": "203.0.113.7 on eth0", "to": sprintf("10.0.0.84:%d", [l.port]), "via": "INPUT",
}

accepted(port) := {
	"verdict": "reachable",
	"reason": sprintf("accepted in INPUT by UFW's user rules (ufw-user-input) (`-A ufw-user-input -p tcp -m tcp --dport %d -j ACCEPT`)", [port]),
	"from": "203.0.113.7 on eth0", "to": sprintf("10.0.0.84:%d", [port]), "via": "INPUT",
	"rules": [sprintf("ipv4 filter: -A ufw-user-input -p tcp -m tcp --dport %d -j ACCEPT", [port])],
}

dnat(port) := {
	"verdict": "reachable",
	"reason": sprintf("DNAT to 172.17.0.2:8080 by DOCKER in nat PREROUTING (`-A DOCKER ! -i docker0 -p tcp -m tcp --dport %d -j DNAT --to-destination 172.17.0.2:8080`), accepted in FORWARD by DOCKER (`-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8080 -j ACCEPT`), UFW's INPUT chain is not traversed", [port]),
	"from": "203.0.113.7 on eth1", "to": sprintf("192.0.2.1:%d", [port]), "via": "FORWARD",
}

undecided := {
	"verdict": "unknown",
	"reason": "cannot follow the packet through the kernel's rules: match set not modelled: -A DOCKER-USER -m set --match-set blocked src -j DROP",
	"from": "203.0.113.7 on eth1", "to": "192.0.2.1:6380",
}

# with_outside is inp with facts: the outside reach of each listener from
# over (by port), every other reach dropped.
with_outside(inp, over) := object.union(inp, {"model": {
	"version": 1,
	"ruleset": {"status": "ok", "from": ["iptables-save (nf_tables)", "ip6tables-save (nf_tables)"]},
	"zones": [],
	"listeners": [{"outside": object.get(over, l.port, dropped(l)), "trusted": dropped(l), "loopback": dropped(l)} |
		some l in inp.sockets.listeners
	],
	"published": [],
}})
