# METADATA
# title: fail2ban running with an active sshd jail
# description: >-
#   The document relies on fail2ban to ban addresses that keep failing SSH
#   logins. mlscan asks the fail2ban server itself (`fail2ban-client
#   status`, root): it must run and list the sshd jail. fail2ban not
#   installed or not running fails with what was seen; without root the
#   server cannot be asked (unknown).
# custom:
#   id: MLS-SSH-004
#   severity: medium
#   requires: [fail2ban]
#   remediation: "Install fail2ban and enable the jail: `[sshd]` / `enabled = true` in /etc/fail2ban/jail.d/sshd.local (with `backend = systemd` on journald hosts), then `sudo systemctl enable --now fail2ban` and check `sudo fail2ban-client status sshd`"
#   references: ["https://github.com/fail2ban/fail2ban", "domain-notes §8"]
package mlscan.ssh.fail2ban

import data.mlscan.ssh.lib

f := input.fail2ban

source := f.client.from

sshd_absent if lib.absent

deny contains {
	"subject": "fail2ban",
	"message": sprintf("fail2ban does not protect SSH: %s", [f.evidence]),
	"evidence": {"observed": f.evidence, "expected": "fail2ban running with the sshd jail", "source": "fail2ban collector"},
} if {
	not f.installed
	not sshd_absent
}

deny contains {
	"subject": "fail2ban",
	"message": sprintf("fail2ban is installed but not running: %s", [f.evidence]),
	"evidence": {"observed": f.evidence, "expected": "fail2ban running with the sshd jail", "source": source},
} if {
	f.installed
	not f.running
	not sshd_absent
}

deny contains {
	"subject": "fail2ban sshd jail",
	"message": sprintf("fail2ban runs without an sshd jail (jails: %s): failed SSH logins are never banned", [jails_str]),
	"evidence": {"observed": f.jails, "expected": "sshd in the jail list", "source": source},
} if {
	f.running
	not "sshd" in f.jails
	not sshd_absent
}

jails_str := concat(", ", f.jails) if count(f.jails) > 0 else := "none"

pass contains {
	"subject": "fail2ban sshd jail",
	"message": sprintf("fail2ban's sshd jail is active (%s; %d failures seen, %d bans)", [watching, f.sshd.total_failed, f.sshd.total_banned]),
	"evidence": {"observed": f.jails, "expected": "sshd in the jail list", "source": source},
} if {
	f.running
	"sshd" in f.jails
}

watching := sprintf("watching %s", [concat(", ", f.sshd.files)]) if {
	count(object.get(f, ["sshd", "files"], [])) > 0
} else := sprintf("journal matches %s", [f.sshd.journal_matches]) if {
	object.get(f, ["sshd", "journal_matches"], "") != ""
} else := "jail details unavailable"

not_applicable contains {
	"subject": "fail2ban sshd jail",
	"message": "no SSH server (sshd is not installed and nothing listens on 22/tcp), so no sshd jail is needed",
	"evidence": {"observed": "no sshd binary, no sshd_config, no listener on 22/tcp", "expected": "sshd jail when sshd runs", "source": "sshd and sockets collectors"},
} if {
	sshd_absent
	not "sshd" in object.get(f, "jails", [])
}
