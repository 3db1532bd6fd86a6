# METADATA
# title: SSH password authentication disabled (effective)
# description: >-
#   The document promises key-only SSH. What counts is sshd's effective
#   configuration: sshd keeps the first value it reads, and Debian and
#   Ubuntu read /etc/ssh/sshd_config.d/*.conf before the rest of
#   sshd_config, so a cloud image's 50-cloud-init.conf with
#   `PasswordAuthentication yes` silently wins over a `no` further down.
#   mlscan reads `sshd -T` (root), else derives the settings from the files
#   in sshd's order. Password and empty-password logins must be off and
#   public keys on; a Match block turning passwords back on fails too.
#   MaxAuthTries above 4 and X11 forwarding are low findings.
# custom:
#   id: MLS-SSH-001
#   severity: high
#   requires: [sshd]
#   remediation: "Put `PasswordAuthentication no`, `PermitEmptyPasswords no`, `PubkeyAuthentication yes` in an early drop-in (`/etc/ssh/sshd_config.d/00-hardening.conf`), remove or fix 50-cloud-init.conf, check with `sudo sshd -T | grep -i auth`, then reload sshd"
#   references: ["sshd_config(5)", "https://man.openbsd.org/sshd_config", "https://man.openbsd.org/sshd", "CIS Ubuntu Linux 5.2.x (SSH Server)"]
package mlscan.ssh.password_auth

import data.mlscan.lib.ssh
import data.mlscan.lib.target

want := {"passwordauthentication": "no", "permitemptypasswords": "no", "pubkeyauthentication": "yes"}

subjects := {
	"passwordauthentication": "sshd PasswordAuthentication",
	"permitemptypasswords": "sshd PermitEmptyPasswords",
	"pubkeyauthentication": "sshd PubkeyAuthentication",
}

messages := {
	"passwordauthentication": "sshd accepts password logins",
	"permitemptypasswords": "sshd accepts accounts with an empty password",
	"pubkeyauthentication": "sshd refuses public keys, so logins fall back to passwords",
}

deny contains ssh.with_location(
	{
		"subject": subjects[k],
		"target": target.service("sshd"),
		"message": sprintf("%s: %s %s%s%s", [messages[k], k, v, ssh.origin_str(k), ssh.derived_note]),
		"evidence": {"observed": sprintf("%s %s", [k, v]), "expected": sprintf("%s %s", [k, w]), "source": ssh.source},
	},
	k,
) if {
	some k, w in want
	v := ssh.value(k)
	v != w
}

pass contains {
	"subject": subjects[k],
	"target": target.service("sshd"),
	"message": sprintf("sshd: %s %s%s%s", [k, w, ssh.origin_str(k), ssh.derived_note]),
	"evidence": {"observed": sprintf("%s %s", [k, w]), "expected": sprintf("%s %s", [k, w]), "source": ssh.source},
} if {
	some k, w in want
	ssh.value(k) == w
}

unknown contains {
	"subject": subjects[k],
	"target": target.service("sshd"),
	"message": sprintf("sshd's effective %s is unknown%s", [k, ssh.unknown_why(k)]),
	"evidence": {"expected": sprintf("%s %s", [k, w]), "source": ssh.source},
} if {
	some k, w in want
	not ssh.value(k)
	not ssh.absent
}

deny contains {
	"subject": sprintf("sshd Match %s", [c.match]),
	"target": target.service("sshd"),
	"message": sprintf("a Match block turns password authentication back on for connections matching %q (%s:%d)", [c.match, c.file, c.line]),
	"evidence": {"observed": sprintf("Match %s / PasswordAuthentication %s", [c.match, c.value]), "expected": "no Match block enabling passwords", "source": c.file},
	"location": {"file": c.file, "line": c.line, "what": "sshd_config Match block"},
} if {
	some c in ssh.conditional("passwordauthentication", "yes")
}

# A line not understood inside a Match block could turn passwords back on
# for the connections it matches.
unknown contains ssh.scoped_unknown_entry(u, "passwordauthentication", "no") if {
	some u in ssh.scoped_unknown("passwordauthentication")
}

deny contains ssh.with_location(
	{
		"subject": "sshd MaxAuthTries",
		"target": target.service("sshd"),
		"message": sprintf("sshd allows %s authentication attempts per connection%s: 4 or fewer slows guessing", [ssh.value("maxauthtries"), ssh.origin_str("maxauthtries")]),
		"severity": "low",
		"evidence": {"observed": sprintf("maxauthtries %s", [ssh.value("maxauthtries")]), "expected": "maxauthtries <= 4", "source": ssh.source},
	},
	"maxauthtries",
) if {
	to_number(ssh.value("maxauthtries")) > 4
}

deny contains ssh.with_location(
	{
		"subject": "sshd X11Forwarding",
		"target": target.service("sshd"),
		"message": sprintf("sshd forwards X11%s: a server needs no display forwarding", [ssh.origin_str("x11forwarding")]),
		"severity": "low",
		"evidence": {"observed": "x11forwarding yes", "expected": "x11forwarding no", "source": ssh.source},
	},
	"x11forwarding",
) if {
	ssh.value("x11forwarding") == "yes"
}

not_applicable contains ssh.none if ssh.absent
