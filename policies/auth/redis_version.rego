# METADATA
# title: Redis version patched
# description: >-
#   Redis before 7.2.11 (and 6.2.20, 7.4.6, 8.0.4, 8.2.2 on their lines)
#   lets any authenticated client run code on the server through a Lua
#   script (CVE-2025-49844 "RediShell", CVE-2025-46817/46818/46819): a
#   leaked broker password becomes remote code execution. mlscan reads the
#   version from INFO server (asked only when Redis needs no password: it
#   tells what really runs) and, for a Redis container whose port INFO
#   server did not answer on, from REDIS_VERSION in its environment (the
#   official images set it to their release, also under a floating tag
#   like 7.2-alpine), else from its image tag.
# custom:
#   id: MLS-AUTH-006
#   severity: high
#   remediation: "Upgrade the Redis image to 7.2.11 or later on the 7.2 line (7.4.6, 8.0.4, 8.2.2 on theirs); meanwhile restrict EVAL/EVALSHA with ACL `-@scripting`"
#   references: ["CVE-2025-49844", "https://github.com/redis/redis/security/advisories/GHSA-4789-qfc9-5f9q", "CVE-2025-46817", "https://nvd.nist.gov/vuln/detail/CVE-2025-46817", "CVE-2025-46818", "https://www.cve.org/CVERecord?id=CVE-2025-46818", "CVE-2025-46819", "https://www.cve.org/CVERecord?id=CVE-2025-46819", "https://redis.io/blog/security-advisory-cve-2025-49844/"]
package mlscan.auth.redis_version

import data.mlscan.lib.docker
import data.mlscan.lib.services as svc
import data.mlscan.lib.target

# env_version is the x.y.z release REDIS_VERSION names in a container's
# environment (kept by the collector: a version is no secret).
env_version(c) := m[0] if {
	m := regex.find_n(`^[0-9]+\.[0-9]+\.[0-9]+`, svc.env_value(c, "REDIS_VERSION"), 1)
	count(m) == 1
}

# container_version is a container's version and where it came from: the
# image's REDIS_VERSION, else the image tag.
container_version(c) := {"version": v, "source": sprintf("REDIS_VERSION=%s in the environment of container %s (image %s)", [svc.env_value(c, "REDIS_VERSION"), c.name, svc.image(c)])} if {
	v := env_version(c)
} else := {"version": v, "source": sprintf("image tag %s", [svc.image(c)])} if {
	v := svc.tag_version(c)
}

# info_ports are the ports where INFO server told the version.
info_ports := {p.port | some p in object.get(svc.probes, "redis", []); object.get(p, "version", "") != ""}

# container_ports are the ports a Redis container serves: its --port, and
# the listeners linked to it.
container_ports(c) := {p | some p in [object.get(c, ["redis", "port"], 0)]; p != 0} | {l.port | some l in docker.listeners_of(c)}

# asked(c): INFO server answered on the container's port; what runs wins
# over what the image says.
asked(c) if count(container_ports(c) & info_ports) > 0

# versions are {subject, version, source, container} to judge.
versions contains {"subject": svc.container_subject(c), "target": target.container(c), "version": x.version, "source": x.source, "c": c} if {
	some c in svc.of_kind("redis")
	not asked(c)
	x := container_version(c)
}

versions contains {"subject": svc.addr_port(p), "target": target.probe(p), "version": p.version, "source": sprintf("INFO server at %s", [svc.addr_port(p)]), "c": {}} if {
	some p in object.get(svc.probes, "redis", [])
	object.get(p, "version", "") != ""
}

deny contains svc.with_location(
	{
		"subject": x.subject,
		"target": x.target,
		"message": sprintf("%s: a client with the password can run code on the server through Lua (CVE-2025-49844)", [svc.redis_unpatched(x.version)]),
		"evidence": {"observed": x.version, "expected": sprintf(">= %s", [svc.redis_fixed_str(x.version, "7.2.11")]), "source": x.source},
	},
	x.c,
) if {
	some x in versions
	svc.redis_unpatched(x.version)
}

pass contains {
	"subject": x.subject,
	"target": x.target,
	"message": sprintf("Redis %s has the fixes for CVE-2025-49844", [x.version]),
	"evidence": {"observed": x.version, "expected": sprintf(">= %s", [svc.redis_fixed_str(x.version, "8.2.2")]), "source": x.source},
} if {
	some x in versions
	svc.at_least(x.version, "6.0.0")
	not svc.redis_unpatched(x.version)
}

unknown contains {
	"subject": svc.container_subject(c),
	"target": target.container(c),
	"message": sprintf("the Redis version of %s is unknown: Redis requires a password, so INFO server was not asked, the image tag %q carries no version, and the environment has no REDIS_VERSION", [svc.container_subject(c), svc.image(c)]),
	"evidence": {"expected": ">= 7.2.11", "source": "image tag, REDIS_VERSION in the container's environment"},
} if {
	some c in svc.of_kind("redis")
	not container_version(c)
	not asked(c)
}

not_applicable contains r if {
	count(versions) == 0
	count(svc.of_kind("redis")) == 0
	some r in svc.absent("redis")
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("the Redis version could not be read: %s", [why]),
	"evidence": {"expected": ">= 7.2.11", "source": "docker collector, probes"},
} if {
	count(versions) == 0
	count(svc.of_kind("redis")) == 0
	count(svc.absent("redis")) == 0
	why := reason
}

reason := sprintf("Redis requires a password, so INFO server was not asked, and the containers could not be listed (docker %s)", [svc.docker_why]) if {
	not svc.docker_ok
} else := "Redis requires a password, so INFO server was not asked, and no Redis container tells its image"

# A container whose inspect call failed is unknown, not judged.
unknown contains e if some e in svc.uninspected
