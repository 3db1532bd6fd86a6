package mlscan.secrets.file_modes_test

import data.mlscan.lib.docker_fixtures as d
import data.mlscan.secrets.file_modes as check

file(path, mode, wr, status) := {
	"status": status, "from": concat("", ["stat ", path]), "path": path, "why": "compose file of project ml",
	"mode": mode, "uid": 0, "gid": 0, "world_readable": wr,
}

inp := json.patch(d.doc, [{"op": "replace", "path": "/docker/files", "value": [
	file("/opt/ml/docker-compose.yml", "0644", true, "ok"),
	file("/opt/ml/.env", "0600", false, "ok"),
	object.union(file("/srv/secret", "", false, "permission"), {"error": "permission denied"}),
]}])

test_world_readable_fails if {
	r := d.by_subject(check.deny, "file /opt/ml/docker-compose.yml") with input as inp
	r.location.file == "/opt/ml/docker-compose.yml"
}

test_private_passes if "file /opt/ml/.env" in d.subjects(check.pass) with input as inp

test_unreadable_is_unknown if "file /srv/secret" in d.subjects(check.unknown) with input as inp

test_other_files_unknown_without_collector if {
	u := d.by_subject(check.unknown, "other secret-bearing files") with input as d.doc
	contains(u.message, "no file-mode collector yet")
}
