package mlscan.exposure.docker_published_test

import data.mlscan.exposure.docker_published as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.model_fixtures as mf
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

# published(reach) is the model's facts for web's 0.0.0.0:8080 binding.
published(reach) := {"model": {
	"version": 1,
	"ruleset": {"status": "ok", "from": ["iptables-save (nf_tables)"]},
	"published": [{"container": "web", "host_ip": "", "host_port": 8080, "proto": "tcp", "outside": reach, "trusted": reach, "loopback": reach}],
}}

# With the kernel's rules, a reachable binding fails naming the DNAT path.
test_reachable_through_dnat_fails_with_the_path if {
	inp := object.union(d.host([bridged([bind("", 8080, 80)])]), published(mf.dnat(8080)))
	r := d.by_subject(check.deny, subj) with input as inp
	contains(r.message, "reachable from outside 10.0.0.0/24")
	contains(r.message, "DNAT to 172.17.0.2:8080 by DOCKER in nat PREROUTING")
	r.evidence.source == "Docker Engine API unix:///var/run/docker.sock (container inspect), iptables-save (nf_tables)"
}

# A DOCKER-USER filter the kernel applies: the binding passes, with why.
test_refused_by_the_kernel_passes if {
	refused := {
		"verdict": "unreachable", "from": "203.0.113.7 on eth1", "to": "192.0.2.1:8080", "via": "FORWARD",
		"reason": "DNAT to 172.17.0.2:80 by DOCKER in nat PREROUTING (`-A DOCKER ...`), dropped in FORWARD by DOCKER-USER (`-A DOCKER-USER -i eth1 -j DROP`), UFW's INPUT chain is not traversed",
	}
	inp := object.union(d.host([bridged([bind("", 8080, 80)])]), published(refused))
	r := d.by_subject(check.pass, subj) with input as inp
	contains(r.message, "the kernel's rules refuse connections from outside")
	contains(r.message, "dropped in FORWARD by DOCKER-USER")
	count(check.deny) == 0 with input as inp
}

# Undecided by the model: judged on the binding as before (fails).
test_undecided_falls_back_to_the_binding if {
	inp := object.union(d.host([bridged([bind("", 8080, 80)])]), published(mf.undecided))
	r := d.by_subject(check.deny, subj) with input as inp
	contains(r.message, "UFW's rules do not govern it")
}

# A container whose inspect call failed is unknown; the others are judged
# as without it; a host with only that container is not "no containers".
test_uninspected_container_is_unknown if {
	v := {"deny": check.deny, "pass": check.pass, "unknown": check.unknown} with input as d.with_ghost
	doc := {"deny": check.deny, "pass": check.pass} with input as d.doc
	only := {"unknown": check.unknown, "not_applicable": check.not_applicable} with input as d.host([d.ghost])
	d.ghost_judged(v, doc, only)
}
