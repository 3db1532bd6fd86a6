# METADATA
# title: SSH keyboard-interactive authentication disabled
# description: >-
#   With keyboard-interactive authentication (formerly
#   ChallengeResponseAuthentication) on, PAM can still prompt for a
#   password although PasswordAuthentication is no. mlscan reads the
#   effective value (`sshd -T`, else the files, where the old spelling
#   counts as the same keyword); a Match block turning it back on fails too.
# custom:
#   id: MLS-SSH-002
#   severity: high
#   requires: [sshd]
#   remediation: "Set `KbdInteractiveAuthentication no` in an early drop-in and reload sshd"
#   references: ["sshd_config(5) KbdInteractiveAuthentication", "https://man.openbsd.org/sshd_config", "https://man.openbsd.org/sshd"]
package mlscan.ssh.kbd_interactive

import data.mlscan.lib.ssh
import data.mlscan.lib.target

k := "kbdinteractiveauthentication"

subject := "sshd KbdInteractiveAuthentication"

deny contains ssh.with_location(
	{
		"subject": subject,
		"target": target.service("sshd"),
		"message": sprintf("sshd allows keyboard-interactive logins (PAM may prompt for passwords): %s %s%s%s", [k, ssh.value(k), ssh.origin_str(k), ssh.derived_note]),
		"evidence": {"observed": sprintf("%s %s", [k, ssh.value(k)]), "expected": sprintf("%s no", [k]), "source": ssh.source},
	},
	k,
) if {
	ssh.value(k) != "no"
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

# A Match block is never host-wide: one that sets kbdinteractiveauthentication yes fails for the
# connections it matches, and a line not understood inside one that could
# set it leaves them unknown.
deny contains ssh.conditional_entry(c, "a Match block turns keyboard-interactive logins back on") if {
	some c in ssh.conditional(k, "yes")
}

unknown contains ssh.scoped_unknown_entry(u, k, "no") if {
	some u in ssh.scoped_unknown(k)
}

not_applicable contains ssh.none if ssh.absent
