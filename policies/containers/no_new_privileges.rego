# METADATA
# title: no-new-privileges set
# description: >-
#   With no-new-privileges a process in the container cannot gain
#   privileges through setuid or setgid binaries or file capabilities. The
#   networking document's phase-2 history removed it to get Redis started:
#   expect this finding there.
# custom:
#   id: MLS-CTR-005
#   severity: medium
#   requires: [docker]
#   remediation: "`security_opt: [\"no-new-privileges:true\"]` on every service"
#   references: ["CIS Docker Benchmark v1.6.0 5.26"]
package mlscan.containers.no_new_privileges

import data.mlscan.lib.docker
import data.mlscan.lib.target

set_nnp(c) if {
	some o in c.security_opt
	lower(o) in {"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"}
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": sprintf("SecurityOpt %v", [c.security_opt]), "expected": "no-new-privileges:true", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	not set_nnp(c)
	msg := sprintf("%s can gain privileges through setuid binaries (no no-new-privileges)%s", [docker.subject(c), docker.state_note(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": sprintf("SecurityOpt %v", [c.security_opt]), "expected": "no-new-privileges:true", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	set_nnp(c)
	msg := sprintf("%s sets no-new-privileges", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
