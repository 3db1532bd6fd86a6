# METADATA
# title: Sensitive host paths not mounted read-write
# description: >-
#   A read-write bind mount of /, /boot, /dev, /etc, /lib, /proc, /sys,
#   /usr (or a path under them) lets the container change the host. Read-
#   only mounts of them pass here (monitoring agents need some); waive
#   anything else with a reason.
# custom:
#   id: MLS-CTR-006
#   severity: high
#   requires: [docker]
#   remediation: "Mount a narrower path, read-only (`:ro`), or use a named volume"
#   references: ["CIS Docker Benchmark v1.6.0 5.6"]
package mlscan.containers.host_mounts

import data.mlscan.lib.docker
import data.mlscan.lib.target

sensitive := ["/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sys", "/usr", "/bin", "/sbin"]

is_sensitive(p) if p == "/"

is_sensitive(p) if {
	some s in sensitive
	p == s
}

is_sensitive(p) if {
	some s in sensitive
	startswith(p, concat("", [s, "/"]))
}

src(m) := "/" if {
	m.source == "/"
} else := trim_suffix(m.source, "/")

host_bind(m) if m.type in {"bind", ""}

rw_sensitive(c) := [sprintf("%s -> %s (rw)", [m.source, m.destination]) |
	some m in c.mounts
	host_bind(m)
	m.rw
	is_sensitive(src(m))
]

ro_sensitive(c) := [sprintf("%s -> %s (ro)", [m.source, m.destination]) |
	some m in c.mounts
	host_bind(m)
	not m.rw
	is_sensitive(src(m))
]

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": rw_sensitive(c), "expected": "sensitive host paths read-only or not mounted", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(rw_sensitive(c)) > 0
	msg := sprintf("%s mounts sensitive host paths read-write%s: %s", [docker.subject(c), docker.state_note(c), concat(", ", rw_sensitive(c))])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": ro_sensitive(c), "expected": "sensitive host paths read-only or not mounted", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(rw_sensitive(c)) == 0
	msg := sprintf("%s mounts no sensitive host path read-write%s", [docker.subject(c), ro_note(c)])
}

ro_note(c) := sprintf(" (read-only: %s)", [concat(", ", ro_sensitive(c))]) if {
	count(ro_sensitive(c)) > 0
} else := ""

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
