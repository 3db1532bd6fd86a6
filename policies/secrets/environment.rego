# METADATA
# title: Secrets in environment minimised
# description: >-
#   Environment variables show in `docker inspect`, are inherited by every
#   child process and end up in crash reports and logs. Fails for secret-
#   named variables (PASSWORD, SECRET, TOKEN, KEY, AUTH, ...) with a value
#   and for URLs carrying a password (CELERY_BROKER_URL=redis://:pw@...).
#   A variable that names a secret's file is what this check recommends,
#   not a secret: keys ending in _FILE, _SECRETFILE (gluetun) or _PATH
#   whose value is a path (/..., ./..., ../..., ~/...), and values under
#   /run/secrets/. Any other value of such a key is the secret itself
#   and fails (DB_PASSWORD_FILE=hunter2).
#   The document's broker URL is a known deviation: waive it with a reason
#   if the broker password must stay in the environment.
# custom:
#   id: MLS-SEC-002
#   severity: medium
#   requires: [docker]
#   remediation: "Use compose secrets (/run/secrets/NAME) and *_FILE variables, RAY_AUTH_TOKEN_PATH instead of RAY_AUTH_TOKEN"
#   references: ["https://docs.docker.com/compose/how-tos/use-secrets/", "https://docs.ray.io/en/latest/ray-security/token-auth.html"]
package mlscan.secrets.environment

import data.mlscan.lib.docker
import data.mlscan.lib.target

found(c) := [f | some f in c.secrets; f.location == "env"]

describe(f) := sprintf("%s (%d characters, %s)", [f.key, f.length, f.strength])

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": sort([describe(f) | some f in found(c)]), "expected": "secrets from files (/run/secrets), not the environment", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(found(c)) > 0
	msg := sprintf("%s has secrets in its environment%s: %s", [docker.subject(c), docker.state_note(c), concat(", ", sort([f.key | some f in found(c)]))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": sort([e.key | some e in c.env]), "expected": "secrets from files (/run/secrets), not the environment", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(found(c)) == 0
	msg := sprintf("%s has no secret in its environment", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
