package mlscan.exposure.private_ports_test

import data.mlscan.exposure.private_ports as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt
import data.mlscan.lib.ufw_test as u

test_documented_host_passes if {
	count(check.deny) == 0 with input as f.doc_host
	some p in check.pass with input as f.doc_host
	p.subject == "6380/tcp"
}

test_redis_allowed_from_anywhere_fails_critical if {
	inp := f.with_rules([f.rule("allow", "6380", "tcp", "any", false)])
	some d in check.deny with input as inp
	d.subject == "6380/tcp"
	d.severity == "critical"
	contains(d.message, "redis-broker")
	count(check.deny) == 1 with input as inp
}

test_first_match_wins_deny_before_allow if {
	inp := f.with_rules([f.rule("deny", "6380", "tcp", "any", false), f.rule("allow", "6380", "tcp", "any", false)])
	count(check.deny) == 0 with input as inp
}

test_allow_before_deny_admits if {
	inp := f.patched([{"op": "replace", "path": "/ufw/rules/items", "value": [
		f.rule("allow", "6380", "tcp", "any", false),
		f.rule("deny", "6380", "tcp", "any", false),
	]}])
	count(check.deny) == 1 with input as inp
}

test_scoped_allow_from_trusted_passes if {
	count(check.deny) == 0 with input as f.with_rules([f.rule("allow", "6380", "tcp", "10.0.0.0/24", false)])
}

test_wider_private_range_fails if {
	some d in check.deny with input as f.with_rules([f.rule("allow", "5555", "tcp", "10.0.0.0/8", false)])
	d.subject == "5555/tcp"
}

test_default_allow_exposes_everything if {
	inp := f.patched([{"op": "replace", "path": "/ufw/live/default_incoming", "value": "allow"}])
	some d in check.deny with input as inp
	d.subject == "8265/tcp"
	contains(d.message, "default incoming policy is allow")
}

test_inactive_exposes_everything if {
	inp := f.patched([{"op": "replace", "path": "/ufw/live/active", "value": false}])
	some d in check.deny with input as inp
	contains(d.message, "inactive")
}

test_loopback_listeners_not_judged if {
	inp := f.patched([{"op": "replace", "path": "/ufw/live/default_incoming", "value": "allow"}])
	not "9090/tcp" in {d.subject | some d in check.deny} with input as inp
}

test_v6_rule_exposes_dual_stack_listener if {
	inp := f.patched([
		{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("::", 7000, "x")},
		{"op": "add", "path": "/ufw/rules/items/-", "value": f.rule("allow", "7000", "tcp", "any", true)},
	])
	some d in check.deny with input as inp
	d.subject == "7000/tcp"
	d.severity == "high"
}

test_v4_only_listener_ignores_v6_rule if {
	inp := f.patched([
		{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 7000, "x")},
		{"op": "add", "path": "/ufw/rules/items/-", "value": f.rule("allow", "7000", "tcp", "any", true)},
	])
	count(check.deny) == 0 with input as inp
}

test_monitoring_is_medium if {
	inp := f.patched([
		{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 9100, "node_exporter")},
		{"op": "add", "path": "/ufw/rules/items/-", "value": f.rule("allow", "9100", "tcp", "any", false)},
	])
	some d in check.deny with input as inp
	d.severity == "medium"
}

# A rule and its (v6) twin admitting a dual-stack listener: one reason per
# family, no conflict.
test_v4_and_v6_twin_on_dual_stack_listener if {
	inp := f.patched([
		{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("::", 7000, "x")},
		{"op": "add", "path": "/ufw/rules/items/-", "value": f.rule("allow", "7000", "tcp", "any", false)},
		{"op": "add", "path": "/ufw/rules/items/-", "value": f.rule("allow", "7000", "tcp", "any", true)},
	])
	some d in check.deny with input as inp
	d.subject == "7000/tcp"
	contains(d.message, "admitted by rule")
	count([x | some x in check.deny; x.subject == "7000/tcp"]) == 1 with input as inp
}

test_dual_stack_blocked_by_both_defaults if {
	inp := f.patched([{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("::", 7000, "x")}])
	not "7000/tcp" in {d.subject | some d in check.deny} with input as inp
}

# A rule on every port covers listeners on ports no other rule names.
test_any_port_rule_admits_unnamed_port if {
	inp := f.with_rules([f.rule("allow", "any", "tcp", "any", false)])
	some d in check.deny with input as inp
	d.subject == "5555/tcp"
	contains(d.message, "admitted by rule: allow in any port/tcp from any")
}

# A port range covers the listeners inside it only.
test_port_range_rule_covers_its_ports if {
	inp := f.with_rules([f.rule("allow", "5000:6000", "tcp", "any", false)])
	subjects := {d.subject | some d in check.deny} with input as inp
	subjects == {"5555/tcp"}
}

# With IPV6=no and a default allow, a dual-stack listener is admitted over
# IPv4 and an IPv6-only one is not.
test_v6_closed_default_allow_by_family if {
	v6only := object.union(f.listener("::", 7001, "y"), {"dual_stack": false})
	inp := f.patched([
		{"op": "replace", "path": "/ufw/live/default_incoming", "value": "allow"},
		{"op": "replace", "path": "/ufw/defaults/ipv6", "value": false},
		{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("::", 7000, "x")},
		{"op": "add", "path": "/sockets/listeners/-", "value": v6only},
	])
	subjects := {d.subject | some d in check.deny} with input as inp
	"7000/tcp" in subjects
	not "7001/tcp" in subjects
	some p in check.pass with input as inp
	p.subject == "7001/tcp"
	contains(p.message, "not reachable")
}

test_normalised_documented_host_passes if {
	count(check.deny) == 0 with input as u.with_extra([])
	count(check.unknown) == 0 with input as u.with_extra([])
}

# The dotted-mask rules of ufw's test suite are read: the rest is judged.
test_dotted_mask_deny_leaves_other_ports_judged if {
	inp := u.with_extra([u.dotted_deny_8080])
	count(check.deny) == 0 with input as inp
	count(check.unknown) == 0 with input as inp
	some p in check.pass with input as inp
	p.subject == "6380/tcp"
}

test_dotted_mask_allow_exposes_every_port if {
	inp := u.with_extra([u.dotted_allow])
	some d in check.deny with input as inp
	d.subject == "6380/tcp"
	contains(d.message, "192.168.0.2/255.255.0.2")
}

# A rule not understood for 8080 makes 8080 unknown, naming it; 6380 is
# still judged.
test_unparsed_rule_makes_only_its_port_unknown if {
	inp := u.listener_on(u.host(f.doc_rules, [u.unparsed_8080]), 8080)
	some x in check.unknown with input as inp
	x.subject == "8080/tcp"
	contains(x.message, "10.0.0.0/33")
	count(check.unknown) == 1 with input as inp
	count(check.deny) == 0 with input as inp
	some p in check.pass with input as inp
	p.subject == "6380/tcp"
}

# "Nginx DENY IN Anywhere" (an application rule ufw status shows by name
# only) before "8265/tcp ALLOW IN Anywhere": the Nginx profile's ports are
# not known, so it cannot be taken to block 8265: unknown naming it, never
# a pass.
test_application_block_by_name_only_is_unknown if {
	open_8265 := object.union(u.http_v4, {"to_ports": "8265", "to_ranges": [{"from": 8265, "to": 8265}], "raw": "8265/tcp                   ALLOW IN    Anywhere"})
	inp := u.with_extra([u.nginx_deny_to, open_8265])
	not "8265/tcp" in {p.subject | some p in check.pass} with input as inp
	some x in check.unknown with input as inp
	contains(x.message, "Nginx DENY IN Anywhere")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "10001/tcp"
	r.target == {"kind": "port", "port": 10001, "proto": "tcp", "registry": "ray-client"}
}

# A port published by a container (Docker's DNAT, the FORWARD chain) is not
# decided by UFW's INPUT rules: where UFW alone would keep it private,
# MLS-EXP-001 must not say it is unreachable (the -p 8888:8888 case, which a
# real dockerd makes reachable from outside).
published_host(bindings, process) := json.patch(f.doc_host, [
	{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 8888, process)},
	{"op": "add", "path": "/collectors/docker", "value": {"status": "ok"}},
	{"op": "add", "path": "/docker", "value": {"status": "ok", "engine": {"host": "unix:///run/docker.sock"}, "containers": [d.mod(d.clean("notebook", "notebook"), {"network_mode": "bridge", "ports": bindings})]}},
])

test_published_port_is_unknown_not_pass if {
	inp := published_host([{"host_ip": "", "host_port": 8888, "container_port": 8888, "proto": "tcp"}], "docker-proxy")
	not "8888/tcp" in {p.subject | some p in check.pass} with input as inp
	some u in check.unknown with input as inp
	u.subject == "8888/tcp"
	contains(u.message, "published by container notebook, docker-proxy (pid 8888) through the container engine's NAT")
	u.target == {"kind": "port", "port": 8888, "proto": "tcp"}
	tt.valid(u.target)
}

test_published_port_without_the_docker_section_is_unknown_by_its_proxy if {
	inp := json.patch(f.doc_host, [{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 8888, "docker-proxy")}])
	some u in check.unknown with input as inp
	u.subject == "8888/tcp"
	contains(u.message, "published by docker-proxy (pid 8888)")
}

test_port_published_on_loopback_only_is_judged_by_ufw if {
	inp := published_host([{"host_ip": "127.0.0.1", "host_port": 8888, "container_port": 8888, "proto": "tcp"}], "python3")
	some p in check.pass with input as inp
	p.subject == "8888/tcp"
	not "8888/tcp" in {u.subject | some u in check.unknown} with input as inp
}

test_published_port_admitted_by_ufw_still_fails if {
	inp := json.patch(published_host([{"host_ip": "0.0.0.0", "host_port": 8888, "container_port": 8888, "proto": "tcp"}], "docker-proxy"), [{"op": "replace", "path": "/ufw/live/default_incoming", "value": "allow"}])
	some x in check.deny with input as inp
	x.subject == "8888/tcp"
	not "8888/tcp" in {u.subject | some u in check.unknown} with input as inp
}

test_unknown_owner_without_the_docker_section_is_unknown if {
	l := object.remove(f.listener("0.0.0.0", 8888, ""), ["process", "pid"])
	inp := json.patch(f.doc_host, [
		{"op": "add", "path": "/sockets/listeners/-", "value": l},
		{"op": "add", "path": "/collectors/docker", "value": {"status": "error", "error": "timeout"}},
	])
	some u in check.unknown with input as inp
	u.subject == "8888/tcp"
	contains(u.message, "an unknown process, maybe a container engine (docker collector: error (timeout))")
}

test_podman_conmon_holding_a_published_port_is_unknown if {
	inp := json.patch(f.doc_host, [{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 8081, "conmon")}])
	some u in check.unknown with input as inp
	u.subject == "8081/tcp"
	contains(u.message, "conmon (pid 8081)")
}

test_known_owner_without_the_docker_section_is_judged_by_ufw if {
	inp := json.patch(f.doc_host, [
		{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 8888, "python3")},
		{"op": "add", "path": "/collectors/docker", "value": {"status": "error", "error": "timeout"}},
	])
	some p in check.pass with input as inp
	p.subject == "8888/tcp"
}
