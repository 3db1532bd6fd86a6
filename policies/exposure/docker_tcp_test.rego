package mlscan.exposure.docker_tcp_test

import data.mlscan.exposure.docker_tcp as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.fixtures as f
import data.mlscan.lib.target_test as tt

hosts(hs) := json.patch(d.doc, [{"op": "replace", "path": "/docker/daemon/hosts", "value": hs}])

host(addr, tcp, verify) := {"addr": addr, "tcp": tcp, "tls_verify": verify, "tls": verify, "from": "/etc/docker/daemon.json"}

test_unix_only_passes if {
	p := d.by_subject(check.pass, "docker api") with input as d.doc
	contains(p.message, "fd://")
	count(check.deny) == 0 with input as d.doc
}

test_tcp_without_tls_fails if {
	r := d.by_subject(check.deny, "docker api") with input as hosts([host("tcp://0.0.0.0:2375", true, false)])
	contains(r.message, "tcp://0.0.0.0:2375 without TLS")
}

test_2375_listener_fails if {
	inp := json.patch(d.doc, [{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 2375, "dockerd")}])
	some r in check.deny with input as inp
	contains(r.message, "2375/tcp")
}

test_tls_verified_2376_passes if {
	inp := json.patch(hosts([host("tcp://10.0.0.84:2376", true, true)]), [{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("10.0.0.84", 2376, "dockerd")}])
	p := d.by_subject(check.pass, "docker api") with input as inp
	contains(p.message, "requires TLS client certificates")
}

test_2376_unconfirmed_is_unknown if {
	inp := json.patch(d.doc, [{"op": "add", "path": "/sockets/listeners/-", "value": f.listener("0.0.0.0", 2376, "dockerd")}])
	"docker api" in d.subjects(check.unknown) with input as inp
}

test_no_sockets_is_unknown if {
	inp := json.patch(d.doc, [{"op": "replace", "path": "/collectors/sockets", "value": {"status": "permission"}}])
	"docker api" in d.subjects(check.unknown) with input as inp
	count(check.pass) == 0 with input as inp
}

test_no_engine_and_nothing_listening_passes if "docker api" in d.subjects(check.pass) with input as d.no_engine

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as f.doc_host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "docker api"
	r.target == {"kind": "service", "service": "dockerd"}
}

test_unknown_without_sockets_says_why if {
	inp := json.patch(d.doc, [{"op": "replace", "path": "/collectors/sockets", "value": {"status": "permission", "error": "needs root"}}])
	some u in check.unknown with input as inp
	u.message == "cannot tell where the Docker API listens: sockets collector permission (needs root); daemon configuration ok"
	u.target == {"kind": "service", "service": "dockerd"}
}
