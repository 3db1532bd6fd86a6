package mlscan.auth.grafana_auth_test

import data.mlscan.auth.grafana_auth as check
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

test_locked_grafana_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.pass) == 2 with input as pf.host
}

test_anonymous_probe_fails if {
	inp := pf.patched([{"op": "replace", "path": "/probes/grafana/0", "value": pf.grafana_probe("10.0.0.84", 200)}])
	some d in check.deny with input as inp
	d.subject == "10.0.0.84:3002"
}

test_anonymous_env_fails if {
	c := object.union(pf.grafana, {"env": [pf.env("GF_AUTH_ANONYMOUS_ENABLED", "true")]})
	some d in check.deny with input as pf.with_container(c)
	contains(d.message, "GF_AUTH_ANONYMOUS_ENABLED=true")
}

test_denylisted_admin_password_fails if {
	s := object.union(pf.grafana.secrets[0], {"length": 5, "classes": 1, "strength": "weak", "denylisted": true})
	c := object.union(pf.grafana, {"secrets": [s]})
	some d in check.deny with input as pf.with_container(c)
	contains(d.message, "every attacker tries first")
	not contains(json.marshal(d), "admin\"")
}

test_no_admin_password_is_info if {
	c := object.union(pf.grafana, {"secrets": [], "env": []})
	some d in check.deny with input as pf.with_container(c)
	d.severity == "info"
	contains(d.message, "admin/admin")
}

test_probe_unreachable_is_unknown if {
	p := object.union(pf.grafana_probe("10.0.0.84", 0), {"state": "closed", "error": "connection refused"})
	some u in check.unknown with input as pf.patched([{"op": "replace", "path": "/probes/grafana/0", "value": p}])
	contains(u.message, "closed")
}

test_no_grafana_is_not_applicable if {
	count(check.not_applicable) == 1 with input as pf.no_service("grafana", 3002)
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "10.0.0.84:3002"
	r.target == {"address": "10.0.0.84", "kind": "listener", "port": 3002, "proto": "tcp", "registry": "grafana"}
}
