package mlscan.exposure.registered_access_test

import data.mlscan.exposure.registered_access as check
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

lan_ports := [22, 80, 443, 3002, 5555, 6379, 6380, 8080, 8265, 9090, 9091, 9100, 10001]

# From the LAN peer with the document's UFW: SSH, HTTP and HTTPS answer;
# everything the registry gives the LAN besides SSH is dropped.
lan := pf.probe_run("10.0.0.80", [[p, state] |
	some p in lan_ports
	state := state_of(p)
])

state_of(p) := "open" if {
	p in {22, 80, 443}
} else := "filtered"

test_documented_firewall_breaks_lan_access if {
	got := {d.subject | some d in check.deny} with input as lan
	got == {"3002/tcp", "5555/tcp", "6379/tcp", "8080/tcp", "8265/tcp", "9090/tcp", "9091/tcp", "9100/tcp", "10001/tcp"}
	some d in check.deny with input as lan
	d.subject == "10001/tcp"
	contains(d.message, "ray-client")
	contains(d.message, "filtered")
	d.location.what == "registry entry ray-client"
	{p.subject | some p in check.pass} == {"22/tcp", "80/tcp", "443/tcp"} with input as lan
}

test_loopback_only_broker_is_not_expected_from_lan if {
	not "6380/tcp" in {d.subject | some d in check.deny} with input as lan
}

test_outside_expects_public_ports_only if {
	inp := pf.probe_run("192.0.2.10", [[80, "filtered"], [6380, "filtered"], [443, "open"]])
	{d.subject | some d in check.deny} == {"80/tcp"} with input as inp
}

test_local_scan_is_not_applicable if {
	count(check.not_applicable) == 1 with input as pf.host
	count(check.deny) == 0 with input as pf.host
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
	some d in check.deny with input as lan
	d.subject == "10001/tcp"
	d.target == {"kind": "port", "port": 10001, "proto": "tcp", "registry": "ray-client"}
	rs := check.deny | check.pass with input as lan
	every r in rs {
		tt.valid(r.target)
	}
}
