package mlscan.containers.host_mounts_test

import data.mlscan.containers.host_mounts as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt

subj := "container web (compose service web)"

mount(src, rw) := {"type": "bind", "source": src, "destination": "/host", "rw": rw}

test_rw_sensitive_fails if {
	every src in ["/", "/etc", "/etc/nginx", "/usr/", "/proc", "/dev/kmsg"] {
		subj in d.subjects(check.deny) with input as d.host([d.mod(d.web, {"mounts": [mount(src, true)]})])
	}
}

test_ro_sensitive_passes if {
	c := d.mod(d.web, {"mounts": [mount("/", false), mount("/sys", false)]})
	p := d.by_subject(check.pass, subj) with input as d.host([c])
	contains(p.message, "read-only: / -> /host (ro), /sys -> /host (ro)")
}

test_other_rw_passes if {
	c := d.mod(d.web, {"mounts": [mount("/opt/ml/data", true), mount("/etcetera", true), {"type": "volume", "source": "/var/lib/docker/volumes/x/_data", "destination": "/d", "rw": true}]})
	count(check.deny) == 0 with input as d.host([c])
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
