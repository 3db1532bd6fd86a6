package mlscan.auth.ray_dashboard_test

import data.mlscan.auth.ray_dashboard as check
import data.mlscan.lib.model_fixtures as mf
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

test_token_auth_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.pass) == 2 with input as pf.host
	count(check.unknown) == 0 with input as pf.host
}

# The documented host: Ray without token authentication, behind UFW.
test_no_auth_behind_ufw_fails_high if {
	inp := mf.with_outside(
		pf.patched([{"op": "replace", "path": "/probes/ray", "value": [
			pf.ray_probe("10.0.0.84", "absent", 404, 200, "2.9.3"),
			pf.ray_probe("127.0.0.1", "absent", 404, 200, "2.9.3"),
		]}]),
		{},
	)
	some d in check.deny with input as inp
	d.subject == "10.0.0.84:8265"
	d.severity == "high"
	contains(d.message, "Ray before 2.52")
	contains(d.message, "the firewall keeps the port private")
	count(check.deny) == 2 with input as inp
}

test_no_auth_and_exposed_fails_critical if {
	inp := mf.with_outside(
		pf.patched([{"op": "replace", "path": "/probes/ray/0", "value": pf.ray_probe("10.0.0.84", "disabled", 200, 200, "2.53.0")}]),
		{8265: mf.accepted(8265)},
	)
	some d in check.deny with input as inp
	d.subject == "10.0.0.84:8265"
	d.severity == "critical"
	contains(d.message, "disabled")
}

test_without_ufw_data_it_stays_critical if {
	inp := json.patch(pf.without("ufw", "permission", "needs root"), [{"op": "replace", "path": "/probes/ray/0", "value": pf.ray_probe("10.0.0.84", "absent", 404, 200, "")}])
	some d in check.deny with input as inp
	d.severity == "critical"
}

test_filtered_probe_is_unknown if {
	p := object.union(pf.ray_probe("10.0.0.84", "unknown", 0, 0, ""), {"state": "filtered", "error": "i/o timeout"})
	inp := pf.patched([{"op": "replace", "path": "/probes/ray/0", "value": p}])
	some u in check.unknown with input as inp
	u.subject == "10.0.0.84:8265"
	not "10.0.0.84:8265" in {r.subject | some r in check.pass} with input as inp
}

test_odd_answer_is_unknown if {
	inp := pf.patched([{"op": "replace", "path": "/probes/ray/0", "value": pf.ray_probe("10.0.0.84", "token", 200, 500, "")}])
	some u in check.unknown with input as inp
	u.subject == "10.0.0.84:8265"
}

test_no_ray_is_not_applicable if {
	some n in check.not_applicable with input as pf.no_service("ray", 8265)
	contains(n.message, "nothing listens on 8265/tcp")
}

# An HTTP server on 8265 that is not Ray (404 everywhere) proves nothing.
test_404_everywhere_is_unknown if {
	inp := pf.patched([{"op": "replace", "path": "/probes/ray/0", "value": pf.ray_probe("10.0.0.84", "absent", 404, 404, "")}])
	some u in check.unknown with input as inp
	u.subject == "10.0.0.84:8265"
	not "10.0.0.84:8265" in {d.subject | some d in check.deny} with input as inp
}

test_proxy_demanding_auth_passes if {
	inp := pf.patched([{"op": "replace", "path": "/probes/ray/0", "value": pf.ray_probe("10.0.0.84", "unknown", 401, 401, "")}])
	some p in check.pass with input as inp
	p.subject == "10.0.0.84:8265"
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "10.0.0.84:8265"
	r.target == {"address": "10.0.0.84", "kind": "listener", "port": 8265, "proto": "tcp", "registry": "ray-dashboard"}
}
