package mlscan.registry.client_endpoints_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
import data.mlscan.registry.client_endpoints as check

broker_subj := "container celery-worker (compose service celery-worker) CELERY_BROKER_URL"

backend_subj := "container celery-worker (compose service celery-worker) CELERY_RESULT_BACKEND"

url(host, port) := {"scheme": "redis", "host": host, "port": port, "path": "/0", "password": true}

worker(key, u) := d.mod(d.worker, {"env": [{"key": key, "kept": false, "secret": true, "url": u}]})

test_documented_broker_passes if {
	broker_subj in d.subjects(check.pass) with input as d.doc
	backend_subj in d.subjects(check.pass) with input as d.doc
}

test_ray_gcs_port_fails if {
	r := d.by_subject(check.deny, backend_subj) with input as d.host([worker("CELERY_RESULT_BACKEND", url("127.0.0.1", 6379))])
	contains(r.message, "6379 is Ray's GCS")
	contains(r.evidence.observed, "(with a password, not shown)")
}

test_container_name_under_host_network_fails if {
	r := d.by_subject(check.deny, broker_subj) with input as d.host([worker("CELERY_BROKER_URL", url("redis", 6380))])
	contains(r.message, "no container DNS")
}

test_public_address_fails if {
	r := d.by_subject(check.deny, broker_subj) with input as d.host([worker("CELERY_BROKER_URL", url("203.0.113.7", 6380))])
	contains(r.message, "public address")
}

test_lan_address_for_loopback_broker_fails if {
	r := d.by_subject(check.deny, broker_subj) with input as d.host([worker("CELERY_BROKER_URL", url("10.0.0.84", 6380))])
	contains(r.message, "binds the broker to loopback")
}

test_ray_address if {
	ok := worker("RAY_ADDRESS", {"scheme": "ray", "host": "10.0.0.84", "port": 10001, "password": false})
	"container celery-worker (compose service celery-worker) RAY_ADDRESS" in d.subjects(check.pass) with input as d.host([ok])
	bad := worker("RAY_ADDRESS", {"scheme": "", "host": "10.0.0.84", "port": 6380, "password": false})
	"container celery-worker (compose service celery-worker) RAY_ADDRESS" in d.subjects(check.deny) with input as d.host([bad])
	auto := worker("RAY_ADDRESS", {"host": "auto", "password": false})
	"container celery-worker (compose service celery-worker) RAY_ADDRESS" in d.subjects(check.pass) with input as d.host([auto])
}

test_no_clients_not_applicable if {
	some n in check.not_applicable with input as d.host([d.web])
	contains(n.message, "CELERY_BROKER_URL")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "host"
	r.target == {"kind": "host"}
}

test_target_is_the_container if {
	r := d.by_subject(check.deny, backend_subj) with input as d.host([worker("CELERY_RESULT_BACKEND", url("127.0.0.1", 6379))])
	r.target == {"kind": "container", "container": "celery-worker"}
}

# A container whose inspect call failed is unknown; the others are judged
# as without it; a host with only that container is not "no containers".
test_uninspected_container_is_unknown if {
	v := {"deny": check.deny, "pass": check.pass, "unknown": check.unknown} with input as d.with_ghost
	doc := {"deny": check.deny, "pass": check.pass} with input as d.doc
	only := {"unknown": check.unknown, "not_applicable": check.not_applicable} with input as d.host([d.ghost])
	d.ghost_judged(v, doc, only)
}
