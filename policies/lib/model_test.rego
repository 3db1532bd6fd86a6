package mlscan.lib.model_test

import data.mlscan.lib.model

reach(verdict, reason) := {"verdict": verdict, "reason": reason, "from": "203.0.113.7 on eth1", "to": "10.0.0.84:6380"}

test_listener_without_facts_is_unknown if {
	model.listener(3).outside.verdict == "unknown" with input as {"sockets": {"listeners": []}}
}

test_listener_reads_its_facts if {
	facts := {"outside": reach("reachable", "accepted"), "trusted": reach("reachable", "x"), "loopback": reach("reachable", "y")}
	model.listener(0).outside.verdict == "reachable" with input as {"model": {"listeners": [facts]}}
}

test_reach_str_names_the_connection if {
	model.reach_str(reach("unreachable", "dropped in INPUT")) == "unreachable from 203.0.113.7 on eth1 to 10.0.0.84:6380: dropped in INPUT"
	model.reach_str({"verdict": "unknown", "reason": "no ruleset"}) == "unknown: no ruleset"
}

test_ruleset_source if {
	model.ruleset_source == "iptables-save (nf_tables)" with input as {"model": {"ruleset": {"from": ["iptables-save (nf_tables)"]}}}
	model.ruleset_source == "the kernel's netfilter rules" with input as {"model": {"ruleset": {"from": []}}}
}
