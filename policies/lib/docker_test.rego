package mlscan.lib.docker_test

import data.mlscan.lib.docker
import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.fixtures as f

test_subject_and_where if {
	docker.subject(d.web) == "container web (compose service web)"
	docker.subject(json.patch(d.web, [{"op": "replace", "path": "/compose/service", "value": ""}])) == "container web"
	docker.where(d.web) == {"file": "/opt/ml/docker-compose.yml", "what": "compose service web"}
	docker.where(json.patch(d.web, [{"op": "replace", "path": "/compose/config_files", "value": [""]}])) == null
}

test_roles if {
	docker.is_redis(d.redis)
	docker.is_celery_worker(d.worker)
	not docker.is_celery_worker(d.web)
	docker.is_program("/usr/local/bin/celery", "celery")
	not docker.is_program("/usr/local/bin/xcelery", "celery")
}

test_expect_from_the_configuration if {
	docker.expect(d.worker).user == "1000"
	docker.expect(d.redis).memory_bytes == 2147483648
	docker.expect(d.web) == {}
}

test_bytes_str if {
	docker.bytes_str(2147483648) == "2.0 GiB"
	docker.bytes_str(536870912) == "512 MiB"
}

test_none_needs_positive_evidence if {
	count(docker.none("containers", [])) == 1 with input as d.no_engine
	count(docker.none("containers", docker.containers)) == 0 with input as d.doc
	some n in docker.none("Redis containers", []) with input as d.doc
	n.target == {"kind": "host"}
}

test_listeners_of_links_by_id_name_and_service if {
	c := d.web
	l1 := object.union(f.listener("10.0.0.84", 8000, "gunicorn"), {"container_id": substring(c.id, 0, 12)})
	l2 := object.union(f.listener("127.0.0.1", 8001, "gunicorn"), {"container_name": "web"})
	l3 := object.union(f.listener("127.0.0.1", 8002, "gunicorn"), {"compose_service": "web"})
	l4 := object.union(f.listener("127.0.0.1", 8003, "other"), {"container_name": "other"})
	inp := json.patch(d.doc, [{"op": "replace", "path": "/sockets/listeners", "value": [l1, l2, l3, l4]}])
	[l.port | some l in docker.listeners_of(c)] == [8000, 8001, 8002] with input as inp
}

test_owners_readable_and_why if {
	docker.owners_readable with input as d.doc
	not docker.owners_readable with input as no_owners
	docker.owners_why == "socket owners permission (needs root)" with input as no_owners
	inp := json.patch(d.doc, [{"op": "replace", "path": "/collectors/sockets", "value": {"status": "error", "error": "boom"}}])
	not docker.owners_readable with input as inp
	docker.owners_why == "sockets collector error (boom)" with input as inp
}

no_owners := json.patch(d.doc, [{"op": "replace", "path": "/sockets/owners", "value": {"status": "permission", "error": "needs root"}}])

test_lists_split_by_inspect if {
	lists := [docker.listed, docker.containers, docker.uninspected] with input as d.with_ghost
	lists == [array.concat(d.containers, [d.ghost]), d.containers, [d.ghost]]
}
