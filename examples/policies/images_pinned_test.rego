package site.images_pinned_test

import data.mlscan.lib.docker_fixtures as d
import data.site.images_pinned as check

test_version_tags_and_digests_pass if {
	cs := [
		d.mod(d.web, {"image": "docker.io/library/redis:7.2-alpine"}),
		d.mod(d.redis, {"image": "registry.example:5000/ml/worker:1.4.2"}),
		d.mod(d.worker, {"image": "docker.io/mher/flower@sha256:4b8b3a2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"}),
	]
	count(check.deny) == 0 with input as d.host(cs)
	count(check.pass) == 3 with input as d.host(cs)
}

test_latest_and_untagged_fail if {
	cs := [
		d.mod(d.worker, {"image": "localhost/distributed-ml/celery-worker:latest"}),
		d.mod(d.web, {"image": "registry.example:5000/ml/web"}),
		d.redis,
	]
	w := d.by_subject(check.deny, "container celery-worker (compose service celery-worker)") with input as d.host(cs)
	w.message == "container celery-worker (compose service celery-worker) runs localhost/distributed-ml/celery-worker:latest, which is not pinned to a version"
	w.location.file == "/opt/ml/docker-compose.yml"
	"container web (compose service web)" in d.subjects(check.deny) with input as d.host(cs)
	d.subjects(check.pass) == {"container redis-celery (compose service redis)"} with input as d.host(cs)
}

test_no_engine_is_not_applicable if {
	count(check.not_applicable) == 1 with input as d.no_engine
	count(check.deny) == 0 with input as d.no_engine
}
