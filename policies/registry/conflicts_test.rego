package mlscan.registry.conflicts_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
import data.mlscan.registry.conflicts as check

test_default_registry_has_no_overlap if {
	count([d | some d in check.deny; not d.severity]) == 0
	count(check.pass) == 1
}

test_default_registry_flags_known_defaults_as_info if {
	some d in check.deny
	d.severity == "info"
	contains(d.subject, "6379/tcp")
}

test_overlap_fails if {
	reg := array.concat(data.mlscan.config.registry, [{"port": 15000, "end_port": 0, "proto": "tcp", "service": "squatter", "line": 99}])
	some d in check.deny with data.mlscan.config.registry as reg
	contains(d.message, "overlap")
	count(check.pass) == 0 with data.mlscan.config.registry as reg
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "registry 6379/tcp ray-gcs"
	r.target == {"kind": "registry", "port": 6379, "proto": "tcp", "registry": "ray-gcs"}
}

test_target_of_a_range_entry_names_no_port if {
	reg := array.concat(data.mlscan.config.registry, [{"port": 15000, "end_port": 15010, "proto": "tcp", "service": "squatter", "line": 99}])
	some d in check.deny with data.mlscan.config.registry as reg
	contains(d.message, "overlap")
	d.target == {"kind": "registry", "registry": "squatter", "proto": "tcp"}
}
