# METADATA
# title: Secret strength and uniqueness
# description: >-
#   Machine secrets (Redis password, tokens) must be at least 32 characters
#   (random from /dev/urandom); passwords people type (basic auth, admin
#   passwords) at least 15; none may be on the denylist of first guesses;
#   and one secret must not serve two purposes (the Redis password reused
#   for Flower). A server and its clients sharing a credential (redis
#   --requirepass and the workers' broker URL) is one purpose. Judged from
#   the length, character classes and keyed hash the collector kept.
# custom:
#   id: MLS-SEC-003
#   severity: medium
#   requires: [docker]
#   remediation: "Regenerate: `openssl rand -hex 32`; use a different secret per service"
#   references: ["NIST SP 800-63B-4 §3.1.1.2", "https://redis.io/docs/latest/operate/oss_and_stack/management/security/"]
package mlscan.secrets.strength

import data.mlscan.lib.docker
import data.mlscan.lib.target

min_length(f) := 15 if {
	f.human
} else := 32

purpose(f) := f.target if {
	f.target != ""
} else := f.key

# uses: every finding with its container.
uses := [{"c": c, "f": f} | some c in docker.containers; some f in c.secrets]

purposes(h) := {purpose(u.f) | some u in uses; u.f.hash == h}

users(h) := {u.c.name | some u in uses; u.f.hash == h}

issues(c) := array.concat(
	[sprintf("%s is %d characters (at least %d)", [f.key, f.length, min_length(f)]) | some f in c.secrets; f.length < min_length(f)],
	array.concat(
		[sprintf("%s is a denylisted first guess", [f.key]) | some f in c.secrets; f.denylisted],
		[sprintf("%s is also used for %s (containers %s)", [f.key, concat(", ", sort(purposes(f.hash) - {purpose(f)})), concat(", ", sort(users(f.hash)))]) |
			some f in c.secrets
			count(purposes(f.hash)) > 1
		],
	),
)

observed(c) := [sprintf("%s: %d characters, %d classes, %s%s", [f.key, f.length, f.classes, f.strength, deny_note(f)]) | some f in c.secrets]

deny_note(f) := ", denylisted" if {
	f.denylisted
} else := ""

expected := "machine secrets ≥ 32 characters, typed passwords ≥ 15, not denylisted, one secret per purpose"

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(c.secrets) > 0
	count(issues(c)) > 0
	msg := sprintf("%s: %s", [docker.subject(c), concat("; ", issues(c))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": observed(c), "expected": expected, "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(c.secrets) > 0
	count(issues(c)) == 0
	msg := sprintf("%s: its secrets are long, not denylisted and not reused", [docker.subject(c)])
}

with_secrets := [c | some c in docker.containers; count(c.secrets) > 0]

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("secrets in container command lines or environments", with_secrets)
