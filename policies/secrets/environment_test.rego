package mlscan.secrets.environment_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.secrets.environment as check

test_broker_url_password_fails if {
	r := d.by_subject(check.deny, "container celery-worker (compose service celery-worker)") with input as d.doc
	contains(r.message, "CELERY_BROKER_URL (URL password)")
}

test_command_line_secrets_are_not_env if {
	"container redis-celery (compose service redis)" in d.subjects(check.pass) with input as d.doc
	"container web (compose service web)" in d.subjects(check.pass) with input as d.doc
}
