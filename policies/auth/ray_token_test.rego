package mlscan.auth.ray_token_test

import data.mlscan.auth.ray_token as check
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt

test_token_and_current_version_pass if {
	count(check.deny) == 0 with input as pf.host
	subjects := {p.subject | some p in check.pass} with input as pf.host
	subjects == {"container ray-head (compose service ray-head) auth mode", "container ray-head (compose service ray-head) version"}
}

test_auth_mode_unset_fails if {
	c := object.union(pf.ray_head, {"env": []})
	some d in check.deny with input as pf.with_container(c)
	d.subject == "container ray-head (compose service ray-head) auth mode"
	contains(d.message, "not set")
	d.location.file == "/opt/ml/docker-compose.yml"
}

test_old_ray_fails_high if {
	c := object.union(pf.ray_head, {"image": "rayproject/ray:2.9.3"})
	some d in check.deny with input as pf.with_container(c)
	contains(d.message, "CVE-2025-62593")
	not d.severity
}

test_ray_2_53_is_info if {
	c := object.union(pf.ray_head, {"image": "rayproject/ray:2.53.0"})
	some d in check.deny with input as pf.with_container(c)
	d.severity == "info"
	contains(d.message, "CVE-2026-27482")
}

test_probe_version_beats_image_tag if {
	inp := pf.patched([{"op": "replace", "path": "/probes/ray/0", "value": pf.ray_probe("10.0.0.84", "absent", 404, 200, "2.9.3")}])
	some d in check.deny with input as inp
	contains(d.message, "Ray 2.9.3")
	d.evidence.source == "GET /api/version"
}

test_floating_tag_is_unknown if {
	c := object.union(pf.ray_head, {"image": "rayproject/ray:latest"})
	some u in check.unknown with input as pf.with_container(c)
	contains(u.message, "rayproject/ray:latest")
}

test_docker_missing_uses_probes if {
	inp := json.patch(pf.without("docker", "error", "Cannot connect"), [
		{"op": "replace", "path": "/probes/ray/0", "value": pf.ray_probe("10.0.0.84", "disabled", 200, 200, "2.53.1")},
	])
	some d in check.deny with input as inp
	d.subject == "ray dashboard auth mode"
	some v in check.deny with input as inp
	v.subject == "ray version"
	v.severity == "info"
}

test_docker_missing_without_probes_is_unknown if {
	inp := json.patch(pf.without("docker", "error", "Cannot connect"), [{"op": "replace", "path": "/probes/ray", "value": []}])
	some u in check.unknown with input as inp
	u.subject == "host"
	count(check.pass) == 0 with input as inp
}

test_no_ray_is_not_applicable if {
	count(check.not_applicable) == 1 with input as pf.no_service("ray", 8265)
	count(check.deny) == 0 with input as pf.no_service("ray", 8265)
}

test_not_ray_probe_says_nothing if {
	inp := json.patch(pf.without("docker", "error", "Cannot connect"), [
		{"op": "replace", "path": "/probes/ray", "value": [pf.ray_probe("10.0.0.84", "absent", 404, 404, "")]},
	])
	count(check.deny) == 0 with input as inp
	some u in check.unknown with input as inp
	u.subject == "host"
}

test_old_ray_probe_fails_auth_mode if {
	inp := json.patch(pf.without("docker", "error", "Cannot connect"), [
		{"op": "replace", "path": "/probes/ray", "value": [pf.ray_probe("10.0.0.84", "absent", 404, 200, "2.9.3")]},
	])
	some d in check.deny with input as inp
	d.subject == "ray dashboard auth mode"
	contains(d.message, "404: Ray before 2.52")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "container ray-head (compose service ray-head) auth mode"
	r.target == {"container": "ray-head", "kind": "container"}
}
