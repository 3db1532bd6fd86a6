package mlscan.exposure.private_ports_test

import data.mlscan.exposure.private_ports as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.model_fixtures as mf
import data.mlscan.lib.target_test as tt

host(over) := mf.with_outside(f.doc_host, over)

test_documented_host_passes if {
	count(check.deny) == 0 with input as host({})
	some p in check.pass with input as host({})
	p.subject == "6380/tcp"
	contains(p.message, "dropped in INPUT by the filter INPUT chain's policy")
	p.evidence.source == "/proc/net, iptables-save (nf_tables), ip6tables-save (nf_tables)"
}

test_reachable_redis_fails_critical_with_the_path if {
	inp := host({6380: mf.accepted(6380)})
	some d in check.deny with input as inp
	d.subject == "6380/tcp"
	d.severity == "critical"
	contains(d.message, "redis-broker")
	contains(d.message, "from 203.0.113.7 on eth0 to 10.0.0.84:6380: accepted in INPUT by UFW's user rules")
	count(check.deny) == 1 with input as inp
}

# The -p 8888:8080 case: DNAT to the container, FORWARD, never UFW's INPUT.
test_published_port_reachable_through_dnat_fails if {
	inp := f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 8888, "docker-proxy")}])
	some d in check.deny with input as mf.with_outside(inp, {8888: mf.dnat(8888)})
	d.subject == "8888/tcp"
	d.severity == "high"
	contains(d.message, "unregistered port 8888/tcp is reachable from outside 10.0.0.0/24")
	contains(d.message, "DNAT to 172.17.0.2:8080 by DOCKER in nat PREROUTING")
	contains(d.message, "UFW's INPUT chain is not traversed")
}

test_rule_not_understood_is_unknown_never_pass if {
	inp := host({6380: mf.undecided})
	some u in check.unknown with input as inp
	u.subject == "6380/tcp"
	contains(u.message, "cannot tell whether it is reachable")
	contains(u.message, "-m set --match-set blocked")
	not "6380/tcp" in {p.subject | some p in check.pass} with input as inp
	count(check.deny) == 0 with input as inp
}

# One listener of a port reachable is enough, whatever the others say.
test_one_reachable_listener_of_a_port_fails if {
	inp := mf.with_outside(
		f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("::", 6380, "redis-server")}]),
		{},
	)
	facts := json.patch(inp, [{"op": "replace", "path": sprintf("/model/listeners/%d/outside", [count(f.doc_listeners)]), "value": mf.accepted(6380)}])
	some d in check.deny with input as facts
	d.subject == "6380/tcp"
	count(d.evidence.observed) == 2
}

test_loopback_and_public_listeners_not_judged if {
	inp := host({9090: mf.accepted(9090), 80: mf.accepted(80)})
	subjects := {r.subject | some r in ((check.deny | check.pass) | check.unknown)} with input as inp
	not "9090/tcp" in subjects
	not "80/tcp" in subjects
}

test_monitoring_is_medium if {
	inp := mf.with_outside(f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 9100, "node_exporter")}]), {9100: mf.accepted(9100)})
	some d in check.deny with input as inp
	d.severity == "medium"
}

# Without facts (a document evaluated without the model) nothing passes.
test_no_facts_is_unknown if {
	count(check.pass) == 0 with input as f.doc_host
	some u in check.unknown with input as f.doc_host
	contains(u.message, "input.model missing")
}

# The model's own unknown (no ruleset in an old snapshot) is passed on.
test_ruleset_missing_is_unknown if {
	u := {"verdict": "unknown", "reason": "the snapshot holds no netfilter ruleset (written before mlscan read the kernel's rules): rescan the host with this mlscan, as root"}
	inp := json.patch(host({}), [{"op": "replace", "path": "/model/listeners", "value": [{"outside": u, "trusted": u, "loopback": u} | some _ in f.doc_listeners]}])
	count(check.pass) == 0 with input as inp
	some x in check.unknown with input as inp
	contains(x.message, "rescan the host with this mlscan")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	inp := host({6380: mf.accepted(6380), 5555: mf.undecided})
	results := (check.deny | check.pass) | check.unknown with input as inp
	count(results) > 0
	every r in results {
		tt.valid(r.target)
		r.target.kind == "port"
		sprintf("%d/%s", [r.target.port, r.target.proto]) == r.subject
	}
}
