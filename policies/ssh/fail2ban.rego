# METADATA
# title: fail2ban running with an active sshd jail
# description: >-
#   The document relies on fail2ban to ban addresses that keep failing SSH
#   logins. mlscan asks the fail2ban server itself (`fail2ban-client
#   status`, root) which jails run, and reads what each protects from the
#   jail configuration (jail.conf, jail.d/*.conf, jail.local,
#   jail.d/*.local, with fail2ban's precedence): a jail protects SSH,
#   whatever its name (`sshd`, Debian's older `ssh`, `ssh-iptables`, a
#   site's own), when its filter reads sshd's log (sshd, sshd-ddos,
#   sshd-aggressive) and its ban actions ban a port sshd listens on (or
#   every port), or when it bans exactly a port sshd listens on; every port
#   sshd listens on must be so protected. Actions that only send mail or
#   report the address ban nothing. fail2ban not installed or not running,
#   or a port no jail protects, fails with what was seen; a jail whose
#   configuration or actions could not be read makes it unknown, as does
#   running without root (the server cannot be asked).
# custom:
#   id: MLS-SSH-004
#   severity: medium
#   requires: [fail2ban]
#   remediation: "Install fail2ban and enable the jail: `[sshd]` / `enabled = true` in /etc/fail2ban/jail.d/sshd.local (with `backend = systemd` on journald hosts, and `port = ` the port sshd listens on when it is not 22), then `sudo systemctl enable --now fail2ban` and check `sudo fail2ban-client status sshd`"
#   references: ["https://github.com/fail2ban/fail2ban", "https://github.com/fail2ban/fail2ban/blob/master/config/jail.conf"]
package mlscan.ssh.fail2ban

import data.mlscan.lib.ssh
import data.mlscan.lib.status
import data.mlscan.lib.target

f := input.fail2ban

source := f.client.from

sshd_absent if ssh.absent

subject := "fail2ban sshd jail"

# sshd_filters are fail2ban's filters that read sshd's log.
sshd_filters := {"sshd", "sshd-ddos", "sshd-aggressive"}

# ssh_ports are the ports sshd listens on (its effective Port and the ports
# of its ListenAddress), 22 when sshd's settings are unknown (a line not
# understood that could set them makes the check unknown: ports_unknown).
ssh_ports := ports if {
	ports := {p | some p in port_values} | {p | some p in listen_ports}
	count(ports) > 0
} else := {22}

port_values contains to_number(w) if {
	some w in split(replace(ssh.value("port"), " ", ""), ",")
	regex.match(`^[0-9]+$`, w)
}

listen_ports contains to_number(m[1]) if {
	some w in split(replace(ssh.value("listenaddress"), " ", ""), ",")
	m := regex.find_all_string_submatch_n(`^(?:\[[^\]]*\]|[^:\[\]]+):([0-9]+)$`, w, 1)[0]
}

# ports_unknown names the sshd line not understood that could set Port or
# ListenAddress ("" when there is none): the ports sshd listens on are then
# unknown, and so is whether the jails ban them (assuming 22 would pass a
# jail on 22 while sshd listens elsewhere).
ports_unknown := w if {
	w := ssh.unknown_why("port")
	w != ""
} else := w if {
	w := ssh.unknown_why("listenaddress")
	w != ""
} else := ""

ports_str := concat(", ", [sprintf("%d", [p]) | some p in sort(ssh_ports)])

# configs are the running jails' configurations; absent from snapshots of
# mlscan before it read them, where only the jail named sshd counts.
configs := f.jail_config

covers(j, p) if {
	some r in j.port_ranges
	r.from <= p
	p <= r.to
}

covers(j, _) if j.all_ports

# guards(j, p): jail j bans SSH port p: it reads sshd's log and its ban
# actions ban p (or every port), or it bans exactly p. A jail whose actions
# ban nothing (mail, reporting) guards no port.
guards(j, p) if {
	status.ok(j)
	j.filter in sshd_filters
	covers(j, p)
}

guards(j, p) if {
	status.ok(j)
	some r in j.port_ranges
	r.from == p
	r.to == p
}

# protects(j): the jail guards some SSH port.
protects(j) if {
	some p in ssh_ports
	guards(j, p)
}

protecting := [j | some j in configs; protects(j)] if configs

protecting := [{"name": "sshd", "status": "ok", "filter": "sshd", "ports": [], "port_ranges": [], "all_ports": true}] if {
	not configs
	"sshd" in f.jails
} else := [] if not configs

# uncovered are the SSH ports no running jail guards: each must be.
uncovered := {p | some p in ssh_ports; not guarded(p)}

guarded(p) if {
	some j in protecting
	guards(j, p)
}

uncovered_str := concat(", ", [sprintf("%d", [p]) | some p in sort(uncovered)])

# undecided are the jails whose protection could not be judged: their
# configuration was not read, or a port is a name /etc/services lacks.
undecided contains sprintf("%s (%s)", [j.name, j.error]) if {
	some j in configs
	not status.ok(j)
}

undecided contains sprintf("%s (port %s not in /etc/services)", [j.name, concat(", ", j.unresolved_ports)]) if {
	some j in configs
	status.ok(j)
	count(object.get(j, "unresolved_ports", [])) > 0
}

# bans says which ports a jail's actions ban.
bans(j) := "every port" if j.all_ports

else := sprintf("port %s", [concat(",", j.ports)]) if count(j.ports) > 0

else := "no action that bans"

# state is the jail's `status JAIL`, when asked.
state(j) := j.state if j.state

else := f.sshd if j.name == "sshd"

watching(j) := sprintf("watching %s", [concat(", ", state(j).files)]) if {
	count(object.get(state(j), "files", [])) > 0
} else := sprintf("journal matches %s", [state(j).journal_matches]) if {
	object.get(state(j), "journal_matches", "") != ""
} else := "jail details unavailable"

counts(j) := sprintf("; %d failures seen, %d bans", [state(j).total_failed, state(j).total_banned]) if {
	status.ok(state(j))
} else := ""

describe(j) := sprintf("%s (filter %s, %s; %s%s)", [j.name, j.filter, bans(j), watching(j), counts(j)]) if configs

else := sprintf("%s (%s%s)", [j.name, watching(j), counts(j)])

judged(j) := sprintf("%s: filter %s, %s", [j.name, filter_str(j), bans(j)]) if status.ok(j)

else := sprintf("%s: %s", [j.name, j.error])

filter_str(j) := j.filter if j.filter != ""

else := "none"

expected := sprintf("a running jail with the sshd filter banning port %s, or one banning exactly port %s", [ports_str, ports_str]) if {
	count(ssh_ports) == 1
} else := sprintf("for each port sshd listens on (%s), a running jail with the sshd filter banning it, or one banning exactly it", [ports_str])

deny contains {
	"subject": "fail2ban",
	"target": target.service("fail2ban"),
	"message": sprintf("fail2ban does not protect SSH: %s", [f.evidence]),
	"evidence": {"observed": f.evidence, "expected": "fail2ban running with a jail protecting SSH", "source": "fail2ban collector"},
} if {
	not f.installed
	not sshd_absent
}

deny contains {
	"subject": "fail2ban",
	"target": target.service("fail2ban"),
	"message": sprintf("fail2ban is installed but not running: %s", [f.evidence]),
	"evidence": {"observed": f.evidence, "expected": "fail2ban running with a jail protecting SSH", "source": source},
} if {
	f.installed
	not f.running
	not sshd_absent
}

deny contains {
	"subject": subject,
	"target": target.service("fail2ban"),
	"message": sprintf("fail2ban runs without a jail protecting SSH on port %s (jails: %s): failed SSH logins are never banned", [ports_str, jails_str]),
	"evidence": {"observed": observed, "expected": expected, "source": source},
} if {
	f.running
	count(protecting) == 0
	count(undecided) == 0
	not sshd_absent
	ports_unknown == ""
}

# Every port sshd listens on must be guarded: one left out is a way in
# where failed logins are never banned.
deny contains {
	"subject": subject,
	"target": target.service("fail2ban"),
	"message": sprintf("fail2ban protects SSH on port %s with %s, but no running jail bans port %s, where sshd also listens (jails: %s): failed SSH logins there are never banned", [covered_str, concat("; ", [describe(j) | some j in protecting]), uncovered_str, jails_str]),
	"evidence": {"observed": observed, "expected": expected, "source": source},
} if {
	f.running
	count(protecting) > 0
	count(uncovered) > 0
	count(undecided) == 0
	not sshd_absent
	ports_unknown == ""
}

covered_str := concat(", ", [sprintf("%d", [p]) | some p in sort(ssh_ports - uncovered)])

unknown contains {
	"subject": subject,
	"target": target.service("fail2ban"),
	"message": sprintf("whether a fail2ban jail protects SSH is unknown: %s", [concat("; ", sort(undecided))]),
	"evidence": {"observed": observed, "expected": expected, "source": source},
} if {
	f.running
	count(protecting) == 0
	count(undecided) > 0
	not sshd_absent
	ports_unknown == ""
}

unknown contains {
	"subject": subject,
	"target": target.service("fail2ban"),
	"message": sprintf("fail2ban protects SSH on port %s with %s; whether a jail also bans port %s is unknown: %s", [covered_str, concat("; ", [describe(j) | some j in protecting]), uncovered_str, concat("; ", sort(undecided))]),
	"evidence": {"observed": observed, "expected": expected, "source": source},
} if {
	f.running
	count(protecting) > 0
	count(uncovered) > 0
	count(undecided) > 0
	not sshd_absent
	ports_unknown == ""
}

unknown contains {
	"subject": subject,
	"target": target.service("fail2ban"),
	"message": sprintf("whether a fail2ban jail protects SSH is unknown: the ports sshd listens on are unknown%s (jails: %s)", [ports_unknown, jails_str]),
	"evidence": {"observed": observed, "expected": "a running jail banning every port sshd listens on", "source": source},
} if {
	f.running
	ports_unknown != ""
	not sshd_absent
}

observed := [judged(j) | some j in configs] if configs

else := f.jails

jails_str := concat("; ", [judged(j) | some j in configs]) if {
	count(configs) > 0
} else := concat(", ", f.jails) if {
	not configs
	count(f.jails) > 0
} else := "none"

pass contains {
	"subject": subject,
	"target": target.service("fail2ban"),
	"message": sprintf("fail2ban protects SSH on port %s with %s", [ports_str, concat("; ", [describe(j) | some j in protecting])]),
	"evidence": {"observed": observed, "expected": expected, "source": source},
} if {
	f.running
	count(protecting) > 0
	count(uncovered) == 0
	ports_unknown == ""
}

not_applicable contains {
	"subject": subject,
	"target": target.service("fail2ban"),
	"message": "no SSH server (sshd is not installed and nothing listens on 22/tcp), so no sshd jail is needed",
	"evidence": {"observed": "no sshd binary, no sshd_config, no listener on 22/tcp", "expected": "a jail protecting SSH when sshd runs", "source": "sshd and sockets collectors"},
} if {
	sshd_absent
	count(protecting) == 0
}
