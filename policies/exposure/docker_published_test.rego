package mlscan.exposure.docker_published_test

import data.mlscan.exposure.docker_published as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt

subj := "container web (compose service web)"

bind(ip, port, cport) := {"host_ip": ip, "host_port": port, "container_port": cport, "proto": "tcp"}

bridged(ports) := d.mod(d.web, {"network_mode": "bridge", "ports": ports, "port_bindings": ports})

test_wildcard_publish_fails if {
	every ip in ["", "0.0.0.0", "::"] {
		subj in d.subjects(check.deny) with input as d.host([bridged([bind(ip, 8080, 80)])])
	}
	r := d.by_subject(check.deny, subj) with input as d.host([bridged([bind("", 8080, 80)])])
	contains(r.message, "0.0.0.0:8080->80/tcp")

	# Engine-neutral: dockerd and Podman's netavark both forward with
	# their own rules, outside UFW's INPUT chain.
	contains(r.message, "the engine forwards the published port with its own firewall rules, outside UFW's INPUT chain")
	not contains(r.message, "NAT bypasses")
}

test_public_or_scoped_passes if {
	c := bridged([bind("0.0.0.0", 443, 443), bind("127.0.0.1", 8080, 80), bind("10.0.0.84", 9090, 9090)])
	subj in d.subjects(check.pass) with input as d.host([c])
	count(check.deny) == 0 with input as d.host([c])
}

test_ufw_docker_block_passes if {
	inp := object.union(d.host([bridged([bind("", 8080, 80)])]), {"ufw": {"after_rules_docker_block": true}})
	subj in d.subjects(check.pass) with input as inp
}

test_stopped_uses_requested_bindings if {
	c := d.mod(bridged([]), {"running": false, "state": "exited", "port_bindings": [bind("", 5555, 5555)]})
	subj in d.subjects(check.deny) with input as d.host([c])
}

test_host_network_bindings_are_info if {
	c := d.mod(d.web, {"port_bindings": [bind("", 8080, 80)]})
	r := d.by_subject(check.deny, subj) with input as d.host([c])
	r.severity == "info"
	subj in d.subjects(check.pass) with input as d.doc
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "host"
	r.target == {"kind": "host"}
}

test_target_is_the_container if {
	r := d.by_subject(check.deny, subj) with input as d.host([bridged([bind("", 8080, 80)])])
	r.target == {"kind": "container", "container": "web"}
}
