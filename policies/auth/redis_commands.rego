# METADATA
# title: Redis dangerous commands restricted
# description: >-
#   With the password the workers hold, CONFIG SET dir/dbfilename plus SAVE
#   writes files anywhere Redis may (the classic SSH-key and cron attacks),
#   and FLUSHALL, DEBUG, MODULE LOAD and REPLICAOF do the rest. The broker
#   needs none of them. mlscan reads the redis-server command line of the
#   Redis containers (ACL rules, rename-command, enable-* switches) and the
#   PING probe: a Redis that answers without a password gives every command
#   to anyone. Settings in a configuration or ACL file are not read
#   (unknown). Lua scripting on a Redis without the October 2025 fixes of
#   its line (6.2.20, 7.2.11, 7.4.6, 8.0.4, 8.2.2) is an info finding
#   (CVE-2025-49844).
# custom:
#   id: MLS-AUTH-005
#   severity: medium
#   remediation: "Give the workers an ACL user without admin commands (`user worker on >PASSWORD ~* &* +@all -@dangerous -@admin`, `user default off`) and keep `enable-debug-command no`, `enable-module-command no`, `enable-protected-configs no` (rename-command is deprecated)"
#   references: ["https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/", "https://redis.io/docs/latest/operate/oss_and_stack/management/security/", "CVE-2025-49844", "https://github.com/redis/redis/security/advisories/GHSA-4789-qfc9-5f9q"]
package mlscan.auth.redis_commands

import data.mlscan.lib.services as svc
import data.mlscan.lib.target

dangerous := ["CONFIG", "DEBUG", "MODULE", "FLUSHALL", "FLUSHDB", "KEYS", "SLAVEOF", "REPLICAOF"]

redises := svc.of_kind("redis")

subject(c) := svc.container_subject(c)

source := "redis-server command line (docker collector)"

# switches turned on (yes or local) on the command line.
switch_on(c, name) := v if {
	v := lower(svc.flag_value(c, concat("", ["--", name])))
	v in {"yes", "local"}
}

switches := ["enable-debug-command", "enable-module-command", "enable-protected-configs"]

# config_file: settings live in a file mlscan does not read.
config_file(c) := f if {
	f := object.get(c, ["redis", "config_file"], "")
	f != ""
} else := f if {
	f := svc.flag_value(c, "--aclfile")
}

acl_restricts(c) if {
	svc.has_flag(c, "--user")
	some w in svc.words(c)
	lower(w) in {"-@dangerous", "-@admin", "-@all", "nocommands"}
}

renamed(c, cmd) if {
	ws := svc.words(c)
	some i, w in ws
	w == "--rename-command"
	upper(ws[i + 1]) == cmd
}

available(c) := [cmd | some cmd in dangerous; not renamed(c, cmd)]

unrestricted(c) if {
	not acl_restricts(c)
	not config_file(c)
	count(available(c)) > 0
}

version(c) := v if {
	some p in object.get(svc.probes, "redis", [])
	v := p.version
	v != ""
} else := svc.tag_version(c)

deny contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Redis at %s needs no password, so anyone who reaches it can run %s", [svc.addr_port(p), concat(", ", dangerous)]),
	"evidence": {"observed": p.reply, "expected": "-NOAUTH, and an ACL user without @dangerous and @admin", "source": "probe: PING without credentials"},
} if {
	some p in object.get(svc.probes, "redis", [])
	p.kind == "pong"
}

deny contains svc.with_location(
	{
		"subject": subject(c),
		"target": target.container(c),
		"message": sprintf("%s turns on %s", [subject(c), concat(", ", on)]),
		"severity": sev,
		"evidence": {"observed": on, "expected": "enable-debug-command, enable-module-command, enable-protected-configs no", "source": source},
	},
	c,
) if {
	some c in redises
	on := [sprintf("%s %s", [n, switch_on(c, n)]) | some n in switches; switch_on(c, n)]
	count(on) > 0
	sev := switch_severity(c)
}

switch_severity(c) := "medium" if {
	some n in switches
	switch_on(c, n) == "yes"
} else := "info"

deny contains svc.with_location(
	{
		"subject": subject(c),
		"target": target.container(c),
		"message": sprintf("%s gives its clients every command: no ACL user restricts %s (the broker password unlocks CONFIG SET, DEBUG, MODULE LOAD)", [subject(c), concat(", ", available(c))]),
		"evidence": {"observed": object.get(c, "command", ""), "expected": "ACL rules without @dangerous and @admin for the workers' user", "source": source},
	},
	c,
) if {
	some c in redises
	unrestricted(c)
}

deny contains svc.with_location(
	{
		"subject": subject(c),
		"target": target.container(c),
		"message": sprintf("%s runs Redis %s with Lua scripting open to its clients: %s, so a script can run code on the server (CVE-2025-49844)", [subject(c), v, why]),
		"severity": "info",
		"evidence": {"observed": v, "expected": sprintf("EVAL, EVALSHA and FUNCTION restricted (-@scripting), or Redis >= %s", [svc.redis_fixed_str(v, "7.2.11")]), "source": source},
	},
	c,
) if {
	some c in redises
	unrestricted(c)
	v := version(c)
	why := svc.redis_unpatched(v)
}

unknown contains svc.with_location(
	{
		"subject": subject(c),
		"target": target.container(c),
		"message": sprintf("%s reads its settings from %s, which mlscan does not read: the ACL rules are unknown", [subject(c), config_file(c)]),
		"evidence": {"observed": config_file(c), "expected": "ACL rules without @dangerous and @admin", "source": source},
	},
	c,
) if {
	some c in redises
	not acl_restricts(c)
	config_file(c)
}

pass contains {
	"subject": subject(c),
	"target": target.container(c),
	"message": sprintf("%s restricts its clients' commands on the command line", [subject(c)]),
	"evidence": {"observed": object.get(c, "command", ""), "expected": "ACL rules without @dangerous and @admin", "source": source},
} if {
	some c in redises
	not unrestricted(c)
	not config_file(c)
}

pass contains {
	"subject": subject(c),
	"target": target.container(c),
	"message": sprintf("%s restricts its clients' commands with ACL rules", [subject(c)]),
	"evidence": {"observed": object.get(c, "command", ""), "expected": "ACL rules without @dangerous and @admin", "source": source},
} if {
	some c in redises
	acl_restricts(c)
	config_file(c)
}

not_applicable contains r if {
	count(redises) == 0
	some r in svc.absent("redis")
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("Redis's command restrictions could not be read: %s", [why]),
	"evidence": {"expected": "ACL rules without @dangerous and @admin", "source": "docker collector"},
} if {
	count(redises) == 0
	count(svc.absent("redis")) == 0
	why := reason
}

reason := sprintf("the containers could not be listed (docker %s)", [svc.docker_why]) if {
	not svc.docker_ok
} else := "Redis does not run in a container, so its command line and configuration are not read"

# A container whose inspect call failed is unknown, not judged.
unknown contains e if some e in svc.uninspected
