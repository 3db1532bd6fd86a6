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
#   references: ["sshd_config(5) KbdInteractiveAuthentication", "domain-notes §8"]
package mlscan.ssh.kbd_interactive

import data.mlscan.lib.target
import data.mlscan.ssh.lib

k := "kbdinteractiveauthentication"

subject := "sshd KbdInteractiveAuthentication"

deny contains lib.with_location(
	{
		"subject": subject,
		"target": target.service("sshd"),
		"message": sprintf("sshd allows keyboard-interactive logins (PAM may prompt for passwords): %s %s%s%s", [k, lib.value(k), lib.origin_str(k), lib.derived_note]),
		"evidence": {"observed": sprintf("%s %s", [k, lib.value(k)]), "expected": sprintf("%s no", [k]), "source": lib.source},
	},
	k,
) if {
	lib.value(k) != "no"
}

pass contains {
	"subject": subject,
	"target": target.service("sshd"),
	"message": sprintf("sshd: %s no%s%s", [k, lib.origin_str(k), lib.derived_note]),
	"evidence": {"observed": sprintf("%s no", [k]), "expected": sprintf("%s no", [k]), "source": lib.source},
} if {
	lib.value(k) == "no"
}

unknown contains {
	"subject": subject,
	"target": target.service("sshd"),
	"message": sprintf("sshd's effective %s is unknown%s", [k, lib.unknown_why(k)]),
	"evidence": {"expected": sprintf("%s no", [k]), "source": lib.source},
} if {
	not lib.value(k)
	not lib.absent
}

# A Match block is never host-wide: one that sets kbdinteractiveauthentication yes fails for the
# connections it matches, and a line not understood inside one that could
# set it leaves them unknown.
deny contains lib.conditional_entry(c, "a Match block turns keyboard-interactive logins back on") if {
	some c in lib.conditional(k, "yes")
}

unknown contains lib.scoped_unknown_entry(u, k, "no") if {
	some u in lib.scoped_unknown(k)
}

not_applicable contains lib.none if lib.absent
