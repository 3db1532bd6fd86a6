package mlscan.secrets.file_modes_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.lib.target_test as tt
import data.mlscan.secrets.file_modes as check

file(path, kind, mode, wr, status) := {
	"status": status, "from": concat("", ["stat ", path]), "path": path, "why": why[kind], "kind": kind,
	"mode": mode, "uid": 0, "gid": 0, "world_readable": wr,
}

why := {"compose": "compose file of project ml", "env": "compose .env of project ml", "mount": "mounted at /run/secrets/redis in container redis-celery", "host": "Ray's token file in /home/ray"}

# compose_file is a compose file the collector read.
compose_file(path, mode, wr, literal) := object.union(file(path, "compose", mode, wr, "ok"), {"content": {
	"status": "ok", "from": concat("", ["read ", path]), "literal_secrets": literal,
}})

with_files(fs) := json.patch(d.doc, [{"op": "replace", "path": "/docker/files", "value": fs}])

inp := with_files([
	compose_file("/opt/ml/docker-compose.yml", "0644", true, ["line 9: --requirepass", "line 14: REDIS_PASSWORD"]),
	compose_file("/opt/ml/docker-compose.override.yml", "0644", true, []),
	compose_file("/opt/ml/docker-compose.prod.yml", "0600", false, ["line 3: REDIS_PASSWORD"]),
	file("/opt/ml/.env", "env", "0600", false, "ok"),
	file("/opt/ml/secrets/redis", "mount", "0644", true, "ok"),
	object.union(file("/srv/secret", "mount", "", false, "permission"), {"error": "permission denied"}),
])

test_world_readable_compose_with_literal_secret_fails if {
	r := d.by_subject(check.deny, "file /opt/ml/docker-compose.yml") with input as inp
	r.location.file == "/opt/ml/docker-compose.yml"
	contains(r.message, "writes secrets out: line 9: --requirepass, line 14: REDIS_PASSWORD")
	contains(r.evidence.source, "read /opt/ml/docker-compose.yml")
}

test_world_readable_compose_with_references_only_passes if {
	# The documented compose files: ${REDIS_PASSWORD} references, the
	# value in .env (0600).
	p := d.by_subject(check.pass, "file /opt/ml/docker-compose.override.yml") with input as inp
	contains(p.message, "writes no secret value out")
	not "file /opt/ml/docker-compose.override.yml" in d.subjects(check.deny) with input as inp
}

test_private_compose_passes_whatever_it_holds if {
	p := d.by_subject(check.pass, "file /opt/ml/docker-compose.prod.yml") with input as inp
	contains(p.message, "not world-readable (mode 0600)")
}

test_world_readable_secret_file_fails if {
	# A .env or mounted secret holds secrets by design: the mode decides.
	r := d.by_subject(check.deny, "file /opt/ml/secrets/redis") with input as inp
	contains(r.message, "is world-readable (mode 0644)")
}

test_private_passes if "file /opt/ml/.env" in d.subjects(check.pass) with input as inp

test_unreadable_is_unknown if "file /srv/secret" in d.subjects(check.unknown) with input as inp

test_compose_content_unreadable_is_unknown if {
	f := object.union(file("/opt/ml/docker-compose.yml", "compose", "0644", true, "ok"), {"content": {"status": "permission", "error": "open: permission denied"}})
	u := d.by_subject(check.unknown, "file /opt/ml/docker-compose.yml") with input as with_files([f])
	contains(u.message, "permission denied")
	count(check.pass) == 0 with input as with_files([f])
	count(check.deny) == 0 with input as with_files([f])
}

test_older_snapshot_compose_is_unknown if {
	# No kind and no content: a snapshot of an mlscan that only stat'ed.
	f := object.remove(file("/opt/ml/docker-compose.yml", "compose", "0644", true, "ok"), ["kind"])
	u := d.by_subject(check.unknown, "file /opt/ml/docker-compose.yml") with input as with_files([f])
	contains(u.message, "collect again")
}

test_no_blanket_unknown if {
	# Only the files found are judged; the uncovered ones are named in
	# the description, not reported unknown on every host.
	count(check.unknown) == 0 with input as with_files([file("/opt/ml/.env", "env", "0600", false, "ok")])
	not "other secret-bearing files" in d.subjects(check.unknown) with input as inp
}

test_no_files_not_applicable if {
	some n in check.not_applicable with input as d.doc
	contains(n.message, "reference no compose file")
	count(check.not_applicable) == 1 with input as d.no_engine
}

test_world_readable_ray_token_fails if {
	# Ray's token file on the host is a secret like a mounted one.
	t := with_files([file("/home/ray/.ray/auth_token", "host", "0644", true, "ok")])
	r := d.by_subject(check.deny, "file /home/ray/.ray/auth_token") with input as t
	contains(r.message, "is world-readable (mode 0644)")
	p := with_files([file("/home/ray/.ray/auth_token", "host", "0600", false, "ok")])
	"file /home/ray/.ray/auth_token" in d.subjects(check.pass) with input as p
}

# A label naming a FIFO (or a device, a directory, a 1 GiB file) costs
# only that file's verdict: unknown, naming the file, the container whose
# label names it and the reason; the honest project is still judged.
test_hostile_compose_file_is_unknown_alone if {
	fifo := object.union(file("/srv/evil/fifo.yml", "compose", "0644", true, "ok"), {"content": {
		"status": "error", "from": "read /srv/evil/fifo.yml", "literal_secrets": [],
		"error": "/srv/evil/fifo.yml is a FIFO, not a regular file: not read",
	}})
	evil := d.mod(d.clean("evil", "evil"), {"compose": {"project": "evil", "service": "evil", "config_files": ["/srv/evil/fifo.yml"], "working_dir": "/srv/evil"}})
	doc := json.patch(d.host(array.concat(d.containers, [evil])), [{"op": "replace", "path": "/docker/files", "value": [
		fifo,
		compose_file("/opt/ml/docker-compose.yml", "0644", true, []),
	]}])
	u := d.by_subject(check.unknown, "file /srv/evil/fifo.yml") with input as doc
	u.message == "/srv/evil/fifo.yml (named by container evil) is world-readable (mode 0644), and whether it writes secrets out is unknown: its content could not be read (error: /srv/evil/fifo.yml is a FIFO, not a regular file: not read)"
	count(check.unknown) == 1 with input as doc
	"file /opt/ml/docker-compose.yml" in d.subjects(check.pass) with input as doc
}

test_unreadable_mode_names_its_containers if {
	f := object.union(file("/opt/ml/.env", "env", "", false, "error"), {"error": "not examined within 2s (a hung file system?)"})
	u := d.by_subject(check.unknown, "file /opt/ml/.env") with input as with_files([f])
	u.message == "the mode of /opt/ml/.env (named by container celery-worker, container redis-celery, container web) could not be read: not examined within 2s (a hung file system?)"
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as d.doc
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "host"
	r.target == {"kind": "host"}
}

test_target_of_a_file_is_the_host if {
	some r in check.deny with input as inp
	startswith(r.subject, "file ")
	r.target == {"kind": "host"}
}

# A container whose inspect call failed is unknown; the others are judged
# as without it; a host with only that container is not "no containers".
test_uninspected_container_is_unknown if {
	v := {"deny": check.deny, "pass": check.pass, "unknown": check.unknown} with input as d.with_ghost
	doc := {"deny": check.deny, "pass": check.pass} with input as d.doc
	only := {"unknown": check.unknown, "not_applicable": check.not_applicable} with input as d.host([d.ghost])
	d.ghost_judged(v, doc, only)
}
