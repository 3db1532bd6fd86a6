# METADATA
# title: SSH root login disabled
# description: >-
#   Logging in as root directly leaves no trace of who did it and gives an
#   attacker the one account that exists everywhere. `PermitRootLogin no`
#   passes; prohibit-password (printed as without-password by older
#   OpenSSH) and forced-commands-only still let root in with a key (info);
#   yes fails, and so does a Match block that sets yes.
# custom:
#   id: MLS-SSH-003
#   severity: high
#   requires: [sshd]
#   remediation: "Set `PermitRootLogin no` in an early drop-in, log in as a named user and use sudo"
#   references: ["sshd_config(5) PermitRootLogin", "https://man.openbsd.org/sshd_config", "https://man.openbsd.org/sshd", "CIS Ubuntu Linux 5.2.x (SSH Server)"]
package mlscan.ssh.root_login

import data.mlscan.lib.ssh
import data.mlscan.lib.target

k := "permitrootlogin"

subject := "sshd PermitRootLogin"

key_only := {"prohibit-password", "without-password", "forced-commands-only"}

entry(msg, v) := ssh.with_location(
	{
		"subject": subject,
		"target": target.service("sshd"),
		"message": sprintf("%s: %s %s%s%s", [msg, k, v, ssh.origin_str(k), ssh.derived_note]),
		"evidence": {"observed": sprintf("%s %s", [k, v]), "expected": sprintf("%s no", [k]), "source": ssh.source},
	},
	k,
)

deny contains entry("sshd lets root log in with a password", v) if {
	v := ssh.value(k)
	v == "yes"
}

deny contains object.union(entry("sshd lets root log in with a key", v), {"severity": "info"}) if {
	v := ssh.value(k)
	v in key_only
}

deny contains object.union(entry("sshd has an unrecognised root login setting", v), {"severity": "medium"}) if {
	v := ssh.value(k)
	not v in key_only
	not v in {"yes", "no"}
}

pass contains {
	"subject": subject,
	"target": target.service("sshd"),
	"message": sprintf("sshd: %s no%s%s", [k, ssh.origin_str(k), ssh.derived_note]),
	"evidence": {"observed": sprintf("%s no", [k]), "expected": sprintf("%s no", [k]), "source": ssh.source},
} if {
	ssh.value(k) == "no"
}

unknown contains {
	"subject": subject,
	"target": target.service("sshd"),
	"message": sprintf("sshd's effective %s is unknown%s", [k, ssh.unknown_why(k)]),
	"evidence": {"expected": sprintf("%s no", [k]), "source": ssh.source},
} if {
	not ssh.value(k)
	not ssh.absent
}

# A Match block is never host-wide: one that sets permitrootlogin yes fails for the
# connections it matches, and a line not understood inside one that could
# set it leaves them unknown.
deny contains ssh.conditional_entry(c, "a Match block lets root log in with a password") if {
	some c in ssh.conditional(k, "yes")
}

unknown contains ssh.scoped_unknown_entry(u, k, "no") if {
	some u in ssh.scoped_unknown(k)
}

not_applicable contains ssh.none if ssh.absent
