# METADATA
# title: Redis maxmemory below the container's memory limit
# description: >-
#   Redis needs memory beyond maxmemory for client buffers and for the fork
#   of a background save: with maxmemory at (or above) the container limit
#   the kernel kills Redis before it ever evicts or refuses a write. Read
#   from the redis-server command line; maxmemory must be at most
#   containers.redis_maxmemory_ratio (default 75 %) of the limit, above
#   that it is reported at info level. The documented `--maxmemory 2gb`
#   under a 2 GiB limit fails.
# custom:
#   id: MLS-RES-005
#   severity: medium
#   requires: [docker]
#   remediation: "Lower maxmemory to about 75 % of the limit (`--maxmemory 1536mb` under 2 GiB) or raise the limit"
#   references: ["https://redis.io/docs/latest/operate/oss_and_stack/management/config/", "https://redis.io/docs/latest/develop/reference/eviction/"]
package mlscan.resources.redis_maxmemory

import data.mlscan.lib.docker
import data.mlscan.lib.target

ratio := docker.config.redis_maxmemory_ratio

observed(c) := sprintf("--maxmemory %s; container limit %d", [object.get(c.redis, "maxmemory", "(not set)"), c.limits.memory])

expected(_) := sprintf("maxmemory ≤ %d%% of the container limit", [round(ratio * 100)])

mm(c) := c.redis.maxmemory_bytes

verdict(c) := {"status": "unknown", "msg": sprintf("sets maxmemory %q, which mlscan cannot read as a size", [c.redis.maxmemory])} if {
	c.redis.maxmemory
	not mm(c)
} else := {"status": "unknown", "msg": sprintf("sets no maxmemory on its command line; its config file %s is not read", [c.redis.config_file])} if {
	not mm(c)
	c.redis.config_file
} else := {"status": "fail", "sev": "medium", "msg": "sets no maxmemory: Redis grows until the container limit kills it"} if {
	not mm(c)
} else := {"status": "fail", "sev": "medium", "msg": sprintf("sets maxmemory %s but the container has no memory limit", [docker.bytes_str(mm(c))])} if {
	c.limits.memory == 0
} else := {"status": "fail", "sev": "medium", "msg": sprintf("sets maxmemory %s, not below its container limit %s: the kernel kills Redis before it evicts", [docker.bytes_str(mm(c)), docker.bytes_str(c.limits.memory)])} if {
	mm(c) >= c.limits.memory
} else := {"status": "fail", "sev": "info", "msg": sprintf("sets maxmemory %s, %d%% of its container limit %s: little headroom for buffers and fork", [docker.bytes_str(mm(c)), round((100 * mm(c)) / c.limits.memory), docker.bytes_str(c.limits.memory)])} if {
	mm(c) > ratio * c.limits.memory
} else := {"status": "pass", "msg": sprintf("sets maxmemory %s under its %s limit", [docker.bytes_str(mm(c)), docker.bytes_str(c.limits.memory)])}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "severity": v.sev, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.redis_containers
	v := verdict(c)
	v.status == "fail"
	msg := sprintf("Redis %s %s", [docker.subject(c), v.msg])
}

unknown contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.redis_containers
	v := verdict(c)
	v.status == "unknown"
	msg := sprintf("Redis %s %s", [docker.subject(c), v.msg])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected(c), "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.redis_containers
	v := verdict(c)
	v.status == "pass"
	msg := sprintf("Redis %s %s", [docker.subject(c), v.msg])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("Redis containers", docker.redis_containers)
