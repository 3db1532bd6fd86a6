# METADATA
# title: Redis requires authentication
# description: >-
#   The Celery broker holds every task; with Host networking anyone who
#   reaches it can read, inject or flush them, and CONFIG SET turns an open
#   Redis into file writes on the host. mlscan sends an inline PING without
#   credentials to every address the broker listens on (the registry's
#   Redis port, 6380, never Ray's GCS on 6379): -NOAUTH passes, +PONG fails
#   critical (no authentication), -DENIED fails high (protected mode: no
#   password is set, only loopback is served).
# custom:
#   id: MLS-AUTH-004
#   severity: critical
#   requires: [probes]
#   remediation: "Set a strong password (`requirepass` in a mounted redis.conf, or ACL `user default on >PASSWORD`) and keep `protected-mode yes`"
#   references: ["redis.conf (requirepass, protected-mode)", "https://redis.io/docs/latest/operate/oss_and_stack/management/security/", "https://redis.io/docs/latest/operate/oss_and_stack/management/config/"]
package mlscan.auth.redis_auth

import data.mlscan.lib.services as svc
import data.mlscan.lib.target

results := object.get(svc.probes, "redis", [])

source(p) := sprintf("probe: PING without credentials to %s", [svc.addr_port(p)])

expected := "-NOAUTH Authentication required."

deny contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Redis at %s answers PING without a password (+PONG): anyone who reaches it can read and inject tasks and run CONFIG", [svc.addr_port(p)]),
	"severity": "critical",
	"evidence": {"observed": p.reply, "expected": expected, "source": source(p)},
} if {
	some p in results
	p.kind == "pong"
}

deny contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Redis at %s has no password: it answers -DENIED (protected mode), so only loopback clients are served, without authentication", [svc.addr_port(p)]),
	"severity": "high",
	"evidence": {"observed": p.reply, "expected": expected, "source": source(p)},
} if {
	some p in results
	p.kind == "denied"
}

unknown contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Redis at %s could not be asked: %s", [svc.addr_port(p), svc.not_open(p)]),
	"evidence": {"observed": p.state, "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state != "open"
}

unknown contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Redis at %s gave no recognisable answer to PING: %q", [svc.addr_port(p), p.reply]),
	"evidence": {"observed": p.reply, "expected": expected, "source": source(p)},
} if {
	some p in results
	p.state == "open"
	p.kind in {"other", "none"}
}

pass contains {
	"subject": svc.addr_port(p),
	"target": target.probe(p),
	"message": sprintf("Redis at %s requires a password (-NOAUTH)", [svc.addr_port(p)]),
	"evidence": {"observed": p.reply, "expected": expected, "source": source(p)},
} if {
	some p in results
	p.kind == "noauth"
}

not_applicable contains r if {
	count(results) == 0
	some r in svc.absent("redis")
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": svc.why_unknown("redis"),
	"evidence": {"expected": expected, "source": "probes collector"},
} if {
	count(results) == 0
	count(svc.absent("redis")) == 0
}
