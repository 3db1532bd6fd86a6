package mlscan.exposure.reachability_test

import data.mlscan.exposure.reachability as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

registry_ports := [22, 80, 443, 3002, 5555, 6379, 6380, 8080, 8265, 9090, 9091, 9100, 10001, 2375, 2376]

# From outside with the document's UFW: only 80 and 443 answer.
outside(open) := pf.probe_run("192.0.2.10", [[p, state] |
	some p in registry_ports
	state := state_of(p, open)
])

state_of(p, open) := "open" if {
	p in open
} else := "filtered"

test_outside_sees_only_public_ports if {
	inp := outside({80, 443})
	count(check.deny) == 0 with input as inp
	count(check.pass) == count(registry_ports) with input as inp
	some p in check.pass with input as inp
	p.subject == "80/tcp"
	contains(p.message, "untrusted")
}

test_redis_open_to_outside_fails_critical if {
	inp := outside({80, 443, 6380})
	some d in check.deny with input as inp
	d.subject == "6380/tcp"
	d.severity == "critical"
	contains(d.message, "192.0.2.10 (untrusted")
	count(check.deny) == 1 with input as inp
}

test_ssh_open_to_outside_is_high if {
	some d in check.deny with input as outside({22, 80, 443})
	d.subject == "22/tcp"
	d.severity == "high"
}

test_unregistered_and_forbidden_ports if {
	inp := pf.probe_run("10.0.0.80", [[20000, "open"], [2375, "open"]])
	sevs := {d.subject: d.severity | some d in check.deny} with input as inp
	sevs == {"20000/tcp": "high", "2375/tcp": "critical"}
}

test_lan_peer_may_reach_trusted_ports if {
	inp := pf.probe_run("10.0.0.80", [[22, "open"], [10001, "open"], [6380, "filtered"]])
	count(check.deny) == 0 with input as inp
}

test_loopback_only_port_open_to_lan_fails if {
	inp := pf.probe_run("10.0.0.80", [[6380, "open"]])
	some d in check.deny with input as inp
	contains(d.message, "the registry allows loopback")
	d.severity == "critical"
}

test_loopback_vantage_may_reach_broker if {
	count(check.deny) == 0 with input as pf.probe_run("127.0.0.1", [[6380, "open"]])
}

test_probe_error_is_unknown if {
	inp := pf.patched([]) # a local scan first
	count(check.not_applicable) == 1 with input as inp
	run := json.patch(pf.probe_run("192.0.2.10", [[6380, "error"]]), [{"op": "add", "path": "/probes/reachability/0/error", "value": "socket: too many open files"}])
	some u in check.unknown with input as run
	contains(u.message, "too many open files")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "host"
	r.target == {"kind": "host"}
}

test_target_is_the_port_with_its_registry_entry if {
	inp := outside({80, 443, 6380})
	some d in check.deny with input as inp
	d.subject == "6380/tcp"
	d.target == {"kind": "port", "port": 6380, "proto": "tcp", "registry": "redis-broker"}
	some p in check.pass with input as pf.probe_run("192.0.2.10", [[4444, "closed"]])
	p.target == {"kind": "port", "port": 4444, "proto": "tcp"}
}
