package mlscan.lib.network_test

import data.mlscan.lib.fixtures as f
import data.mlscan.lib.network

test_as_cidr if {
	network.as_cidr("10.0.0.84") == "10.0.0.84/32"
	network.as_cidr("::1") == "::1/128"
	network.as_cidr("10.0.0.0/24") == "10.0.0.0/24"
}

test_trusted_and_loopback if {
	network.is_loopback("127.0.0.1")
	network.is_loopback("::1")
	not network.is_loopback("any")
	network.within_trusted("10.0.0.5")
	network.within_trusted("127.0.0.1")
	not network.within_trusted("10.0.1.5")
	not network.within_trusted("any")
	network.net_within_trusted({"any": false, "cover": "10.0.0.128/25"})
	not network.net_within_trusted({"any": true, "cover": "0.0.0.0/0"})
}

test_public_ports if {
	network.is_public(443, "tcp")
	not network.is_public(443, "udp")
	not network.is_public(6380, "tcp")
}

test_registry_entry_single_and_range if {
	network.registry_entry(6380, "tcp").service == "redis-broker"
	network.registry_entry(15000, "tcp").service == "ray-workers"
	not network.registry_entry(6380, "udp")
	not network.registry_entry(20000, "tcp")
}

test_bind_scope if {
	network.bind_scope(f.listener("0.0.0.0", 22, "sshd")) == "wildcard"
	network.bind_scope(f.listener("127.0.0.1", 6380, "redis-server")) == "loopback"
	network.bind_scope(f.listener("10.0.0.84", 9100, "node_exporter")) == "host"
}

test_strings_and_locations if {
	network.port_str(6380, "tcp") == "6380/tcp"
	network.listener_str(f.listener("127.0.0.1", 6380, "redis-server")) == "127.0.0.1:6380 (redis-server, pid 6380)"
	network.listener_str({"address": "::", "port": 22}) == ":::22"
	network.registry_location(6380, "tcp").what == "registry entry redis-broker"
	network.registry_location(4444, "tcp") == {"file": data.mlscan.config.file, "what": "registry"}
}
