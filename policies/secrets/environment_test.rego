package mlscan.secrets.environment_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.secrets.environment as check

test_broker_url_password_fails if {
	r := d.by_subject(check.deny, "container celery-worker (compose service celery-worker)") with input as d.doc
	contains(r.message, "CELERY_BROKER_URL (URL password)")
}

test_command_line_secrets_are_not_env if {
	"container redis-celery (compose service redis)" in d.subjects(check.pass) with input as d.doc
	"container web (compose service web)" in d.subjects(check.pass) with input as d.doc
}

# A variable naming a secret's file is what the check recommends: the
# collector records its key and no finding (REDIS_PASSWORD_FILE,
# Grafana's __FILE, gluetun's _SECRETFILE, a value under /run/secrets).
test_secret_file_references_pass if {
	c := d.mod(d.clean("vpn", "vpn"), {"env": [
		{"key": "OPENVPN_PASSWORD_SECRETFILE", "kept": false},
		{"key": "GF_SECURITY_ADMIN_PASSWORD__FILE", "kept": false},
		{"key": "REDIS_PASSWORD", "kept": false},
	]})
	p := d.by_subject(check.pass, "container vpn (compose service vpn)") with input as d.host([c])
	p.evidence.observed == ["GF_SECURITY_ADMIN_PASSWORD__FILE", "OPENVPN_PASSWORD_SECRETFILE", "REDIS_PASSWORD"]
	count(check.deny) == 0 with input as d.host([c])
}

# A key naming a secret's file whose value is no path holds the secret
# itself: the collector records a finding and the check fails on it.
test_secret_in_a_file_key_fails if {
	c := d.mod(d.clean("db", "db"), {
		"env": [{"key": "DB_PASSWORD_FILE", "kept": false, "secret": true}],
		"secrets": [d.finding("env", "DB_PASSWORD_FILE", "", 7, "weak", "0123456789abcdef")],
	})
	r := d.by_subject(check.deny, "container db (compose service db)") with input as d.host([c])
	contains(r.message, "DB_PASSWORD_FILE")
	count(check.pass) == 0 with input as d.host([c])
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
