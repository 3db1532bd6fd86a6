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
