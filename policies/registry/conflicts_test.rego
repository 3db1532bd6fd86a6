package mlscan.registry.conflicts_test

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
