# METADATA
# title: Celery workers refuse pickle and never force root
# description: >-
#   A worker that accepts pickle runs whatever anyone who can write to the
#   broker sends it; Celery refuses to run such a worker as root unless
#   C_FORCE_ROOT is set. Judged from the worker containers' environment
#   (C_FORCE_ROOT, CELERY_ACCEPT_CONTENT); the application's own Celery
#   configuration is not read. A worker is a container whose command runs
#   `celery ... worker` or whose name or compose service names a Celery
#   worker.
# custom:
#   id: MLS-CTR-010
#   severity: high
#   requires: [docker]
#   remediation: "Unset C_FORCE_ROOT, set `accept_content = ['json']` (and task/result serializers json), run the worker as uid 1000"
#   references: ["https://docs.celeryq.dev/en/stable/userguide/security.html#serializers"]
package mlscan.containers.celery_worker

import data.mlscan.lib.docker
import data.mlscan.lib.target

pickle_types := {"pickle", "application/x-python-serialize"}

issues(c) := array.concat(
	[sprintf("C_FORCE_ROOT=%s", [v]) | v := docker.env_value(c, "C_FORCE_ROOT"); v != ""],
	[sprintf("CELERY_ACCEPT_CONTENT=%s allows pickle", [v]) |
		v := docker.env_value(c, "CELERY_ACCEPT_CONTENT")
		some t in pickle_types
		contains(lower(v), t)
	],
)

observed(c) := [sprintf("%s=%s", [e.key, e.value]) | some e in c.env; e.key in {"C_FORCE_ROOT", "CELERY_ACCEPT_CONTENT", "CELERY_TASK_SERIALIZER", "CELERY_RESULT_SERIALIZER"}]

expected := "no C_FORCE_ROOT; accept_content json only"

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.celery_workers
	count(issues(c)) > 0
	msg := sprintf("Celery worker %s: %s", [docker.subject(c), concat(", ", issues(c))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.celery_workers
	count(issues(c)) == 0
	msg := sprintf("Celery worker %s sets no C_FORCE_ROOT and no pickle content type in its environment (its app configuration is not read)", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("Celery worker containers", docker.celery_workers)
