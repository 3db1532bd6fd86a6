package mlscan.secrets.strength_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.secrets.strength as check

redis_subj := "container redis-celery (compose service redis)"

test_short_machine_secret_fails if {
	r := d.by_subject(check.deny, redis_subj) with input as d.doc
	contains(r.message, "--requirepass is 24 characters (at least 32)")
}

test_server_and_clients_share_one_purpose if {
	r := d.by_subject(check.deny, redis_subj) with input as d.doc
	not contains(r.message, "also used")
}

test_reuse_across_purposes_fails if {
	flower := d.mod(d.clean("flower", "flower"), {"secrets": [object.union(d.finding("cmd", "--basic_auth", "flower", 40, "strong", d.redis_pw_hash), {"human": true})]})
	r := d.by_subject(check.deny, "container flower (compose service flower)") with input as d.host([d.redis, flower])
	contains(r.message, "--basic_auth is also used for redis (containers flower, redis-celery)")
}

test_human_password_15_and_denylist if {
	ok := d.mod(d.clean("flower", "flower"), {"secrets": [object.union(d.finding("cmd", "--basic_auth", "flower", 16, "medium", "ffff"), {"human": true})]})
	"container flower (compose service flower)" in d.subjects(check.pass) with input as d.host([ok])
	bad := d.mod(d.clean("flower", "flower"), {"secrets": [object.union(d.finding("cmd", "--basic_auth", "flower", 20, "weak", "ffff"), {"human": true, "denylisted": true})]})
	r := d.by_subject(check.deny, "container flower (compose service flower)") with input as d.host([bad])
	contains(r.message, "denylisted")
}

test_strong_secret_passes if {
	c := d.mod(d.redis, {"secrets": [d.finding("cmd", "--requirepass", "redis", 64, "strong", "0123")]})
	redis_subj in d.subjects(check.pass) with input as d.host([c])
}

test_no_secrets_not_applicable if {
	some n in check.not_applicable with input as d.host([d.web])
	contains(n.message, "no secrets")
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
