package mlscan.lib.reachability_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.reachability as reach

test_vantage_str if {
	reach.vantage_str("127.0.0.1") == "127.0.0.1 (trusted: loopback)"
	reach.vantage_str("10.0.0.5") == "10.0.0.5 (trusted: inside 10.0.0.0/24)"
	reach.vantage_str("192.0.2.10") == "192.0.2.10 (untrusted: outside 10.0.0.0/24)"
}

test_allowed_by if {
	reach.allowed_by(pf.reach("192.0.2.10", 443, "open")) == "public port"
	reach.allowed_by(pf.reach("10.0.0.5", 6379, "open")) == "registry: trusted (10.0.0.0/24)"
	reach.allowed_by(pf.reach("127.0.0.1", 6380, "open")) == "registry: loopback"
	not reach.allowed_by(pf.reach("10.0.0.5", 6380, "open"))
	not reach.allowed_by(pf.reach("192.0.2.10", 6379, "open"))
	not reach.allowed_by(pf.reach("10.0.0.5", 4444, "open"))
}

test_entry_service_subject if {
	reach.service(pf.reach("10.0.0.5", 6380, "open")) == "redis-broker"
	reach.service(pf.reach("10.0.0.5", 4444, "open")) == "unregistered"
	reach.subject(pf.reach("10.0.0.5", 6380, "open")) == "6380/tcp"
}

test_results_of_a_local_scan_are_none if {
	count(reach.results) == 0 with input as pf.host
	count(reach.results) == 1 with input as pf.probe_run("10.0.0.5", [[22, "open"]])
	reach.local_scan.target == {"kind": "host"}
}
