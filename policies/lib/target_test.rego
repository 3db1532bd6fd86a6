package mlscan.lib.target_test

import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target

test_port_names_its_registry_entry if {
	target.port(6380, "tcp") == {"kind": "port", "port": 6380, "proto": "tcp", "registry": "redis-broker"}
}

test_port_in_a_range_entry if {
	target.port(12345, "tcp").registry == "ray-workers"
}

test_unregistered_port_has_no_registry if {
	target.port(4444, "tcp") == {"kind": "port", "port": 4444, "proto": "tcp"}
}

test_listener if {
	target.listener(f.listener("::", 8265, "ray")) == {"kind": "listener", "address": "::", "port": 8265, "proto": "tcp", "registry": "ray-dashboard"}
	target.listener_at("127.0.0.1", 4444, "udp") == {"kind": "listener", "address": "127.0.0.1", "port": 4444, "proto": "udp"}
}

test_container if {
	target.container({"name": "redis", "id": "abc"}) == {"kind": "container", "container": "redis"}
	target.container_port({"name": "redis"}, 6380, "tcp") == {"kind": "container", "container": "redis", "port": 6380, "proto": "tcp"}
}

test_registry_entry if {
	target.registry({"service": "ray-gcs", "port": 6379, "end_port": 0, "proto": "tcp"}) == {"kind": "registry", "registry": "ray-gcs", "port": 6379, "proto": "tcp"}
	target.registry({"service": "ray-workers", "port": 10002, "end_port": 19999, "proto": "tcp"}) == {"kind": "registry", "registry": "ray-workers", "proto": "tcp"}
}

test_service_firewall_host if {
	target.service("sshd") == {"kind": "service", "service": "sshd"}
	target.firewall == {"kind": "firewall"}
	target.host == {"kind": "host"}
}

test_firewall_rule_of_one_port if {
	target.firewall_rule(f.rule("allow", "6380", "tcp", "any", false)) == {"kind": "firewall", "port": 6380, "proto": "tcp"}
}

test_firewall_rule_of_many_ports_is_the_firewall if {
	target.firewall_rule(f.rule("allow", "any", "tcp", "any", false)) == {"kind": "firewall"}
	target.firewall_rule(f.rule("allow", "8000:8100", "tcp", "any", false)) == {"kind": "firewall"}
	target.firewall_rule(f.rule("allow", "6380", "any", "any", false)) == {"kind": "firewall"}
}

# valid(t) holds for a target the engine accepts (scanner Target.Validate):
# a known kind, a possible port and protocol, and the fields its kind
# needs. Each check's tests hold every result's target to it.
valid(t) if {
	t.kind in {"port", "listener", "container", "registry", "firewall", "service", "host"}
	valid_port(object.get(t, "port", 0))
	object.get(t, "proto", "") in {"", "tcp", "udp"}
	needs(t)
}

valid_port(p) if {
	is_number(p)
	p == floor(p)
	p >= 0
	p <= 65535
}

needs(t) if t.kind in {"firewall", "host"}

needs(t) if {
	t.kind in {"port", "listener"}
	t.port > 0
	t.proto != ""
	object.get(t, "address", "x") != ""
}

needs(t) if {
	t.kind == "container"
	t.container != ""
}

needs(t) if {
	t.kind == "registry"
	t.registry != ""
}

needs(t) if {
	t.kind == "service"
	t.service != ""
}

test_valid_rejects_what_the_engine_rejects if {
	not valid({"kind": "file"})
	not valid({"kind": "port", "port": 22})
	not valid({"kind": "port", "port": 70000, "proto": "tcp"})
	not valid({"kind": "listener", "port": 22, "proto": "tcp", "address": ""})
	not valid({"kind": "container", "container": ""})
	not valid({"kind": "firewall", "proto": "icmp"})
	valid({"kind": "listener", "address": "::1", "port": 22, "proto": "tcp"})
}
