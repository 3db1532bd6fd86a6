# METADATA
# title: Broker eviction policy safe for queues
# description: >-
#   A broker must not drop queued tasks. noeviction (Redis's default)
#   refuses writes when full, which the application sees; allkeys-lru and
#   the other LRU, LFU and TTL policies, which Celery's documentation
#   tolerates, can silently evict queued tasks and kombu's binding keys
#   (the document's allkeys-lru: reported at info level); the random
#   policies fail.
# custom:
#   id: MLS-RES-006
#   severity: medium
#   requires: [docker]
#   remediation: "`--maxmemory-policy noeviction` and alert on used_memory approaching maxmemory"
#   references: ["https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html", "https://redis.io/docs/latest/develop/reference/eviction/", "https://github.com/celery/kombu/issues/1063"]
package mlscan.resources.redis_eviction

import data.mlscan.lib.docker
import data.mlscan.lib.target

policy(c) := object.get(c.redis, "maxmemory_policy", "")

observed(c) := sprintf("--maxmemory-policy %s", [policy(c)]) if {
	policy(c) != ""
} else := "no --maxmemory-policy on the command line"

expected := "noeviction"

verdict(c) := {"status": "unknown", "msg": sprintf("sets no maxmemory-policy on its command line; its config file %s is not read", [c.redis.config_file])} if {
	policy(c) == ""
	c.redis.config_file
} else := {"status": "pass", "msg": "keeps the default noeviction policy"} if {
	policy(c) == ""
} else := {"status": "pass", "msg": "refuses writes when full (noeviction)"} if {
	policy(c) == "noeviction"
} else := {"status": "fail", "sev": "medium", "msg": sprintf("evicts random keys when full (%s): queued tasks are lost", [policy(c)])} if {
	policy(c) in {"allkeys-random", "volatile-random"}
} else := {"status": "fail", "sev": "info", "msg": sprintf("may evict queued tasks and kombu bindings when full (%s)", [policy(c)])}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "severity": v.sev, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.redis_containers
	v := verdict(c)
	v.status == "fail"
	msg := sprintf("Redis %s %s", [docker.subject(c), v.msg])
}

unknown contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.redis_containers
	v := verdict(c)
	v.status == "unknown"
	msg := sprintf("Redis %s %s", [docker.subject(c), v.msg])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.redis_containers
	v := verdict(c)
	v.status == "pass"
	msg := sprintf("Redis %s %s", [docker.subject(c), v.msg])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("Redis containers", docker.redis_containers)
