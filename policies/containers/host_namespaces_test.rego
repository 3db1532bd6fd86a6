package mlscan.containers.host_namespaces_test

import data.mlscan.containers.host_namespaces as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt

subj := "container web (compose service web)"

test_pid_host_fails if {
	c := d.mod(d.web, {"pid_mode": "host", "uts_mode": "host"})
	r := d.by_subject(check.deny, subj) with input as d.host([c])
	contains(r.message, "PidMode=host, UTSMode=host")
}

test_host_network_is_accepted_deviation if {
	p := d.by_subject(check.pass, subj) with input as d.doc
	contains(p.message, "accepted deviation")
}

test_podman_private_modes_pass if {
	c := d.mod(d.web, {"pid_mode": "private", "ipc_mode": "shareable", "uts_mode": "private", "network_mode": "bridge"})
	p := d.by_subject(check.pass, subj) with input as d.host([c])
	not contains(p.message, "accepted deviation")
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as d.doc
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "container celery-worker (compose service celery-worker)"
	r.target == {"container": "celery-worker", "kind": "container"}
}

# A container whose inspect call failed is unknown; the others are judged
# as without it; a host with only that container is not "no containers".
test_uninspected_container_is_unknown if {
	v := {"deny": check.deny, "pass": check.pass, "unknown": check.unknown} with input as d.with_ghost
	doc := {"deny": check.deny, "pass": check.pass} with input as d.doc
	only := {"unknown": check.unknown, "not_applicable": check.not_applicable} with input as d.host([d.ghost])
	d.ghost_judged(v, doc, only)
}
