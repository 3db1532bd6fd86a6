package mlscan.containers.capabilities_test

import data.mlscan.containers.capabilities as check
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt

subj := "container web (compose service web)"

test_dangerous_cap_fails if {
	c := d.mod(d.web, {"cap_add": ["CAP_SYS_ADMIN", "NET_BIND_SERVICE"]})
	r := d.by_subject(check.deny, subj) with input as d.host([c])
	contains(r.message, "adds SYS_ADMIN")
	not r.severity
}

test_privileged_fails if {
	c := d.mod(d.web, {"privileged": true})
	r := d.by_subject(check.deny, subj) with input as d.host([c])
	contains(r.message, "every capability")
}

test_default_set_is_info if {
	c := d.mod(d.web, {"cap_drop": ["MKNOD", "NET_RAW"]})
	r := d.by_subject(check.deny, subj) with input as d.host([c])
	r.severity == "info"
}

test_drop_all_passes if {
	c := d.mod(d.web, {"cap_add": ["NET_BIND_SERVICE"], "cap_drop": ["all"]})
	subj in d.subjects(check.pass) with input as d.host([c])
	count(check.deny) == 0 with input as d.host([c])
}

test_podman_drop_all_passes if {
	podman := ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]
	subj in d.subjects(check.pass) with input as d.host([d.mod(d.web, {"cap_drop": podman})])
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
