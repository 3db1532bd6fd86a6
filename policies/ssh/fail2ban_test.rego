package mlscan.ssh.fail2ban_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.ssh.fail2ban as check

test_sshd_jail_passes if {
	count(check.deny) == 0 with input as pf.host
	some p in check.pass with input as pf.host
	contains(p.message, "watching /var/log/auth.log")
}

test_not_running_fails if {
	inp := pf.patched([
		{"op": "replace", "path": "/fail2ban/running", "value": false},
		{"op": "replace", "path": "/fail2ban/jails", "value": []},
		{"op": "remove", "path": "/fail2ban/sshd"},
		{"op": "add", "path": "/fail2ban/evidence", "value": "fail2ban is not running: Failed to access socket path: /var/run/fail2ban/fail2ban.sock. Is fail2ban running?"},
	])
	some d in check.deny with input as inp
	contains(d.message, "not running")
	count(check.pass) == 0 with input as inp
}

test_not_installed_fails if {
	inp := pf.patched([{"op": "replace", "path": "/fail2ban", "value": {
		"installed": false, "running": false, "client": {"status": "ok", "from": "/usr/bin/fail2ban-client status"},
		"jails": [], "evidence": "fail2ban is not installed: no /usr/bin/fail2ban-client, no /etc/fail2ban",
	}}])
	some d in check.deny with input as inp
	contains(d.message, "not installed")
}

test_jail_missing_fails if {
	inp := pf.patched([{"op": "replace", "path": "/fail2ban/jails", "value": ["recidive"]}])
	some d in check.deny with input as inp
	d.subject == "fail2ban sshd jail"
	contains(d.message, "jails: recidive")
}

test_without_sshd_not_applicable if {
	inp := json.patch(data.mlscan.ssh.lib_test.no_sshd, [
		{"op": "replace", "path": "/fail2ban/jails", "value": []},
		{"op": "replace", "path": "/fail2ban/running", "value": false},
	])
	count(check.deny) == 0 with input as inp
	count(check.not_applicable) == 1 with input as inp
}

# The jails below are what the collector reads from the captures of
# testdata/fail2ban/jails (fail2ban 1.0.2 running each jail.local there).

state(name) := {
	"status": "ok", "from": sprintf("/usr/bin/fail2ban-client status %s", [name]), "name": name,
	"currently_failed": 0, "total_failed": 4, "currently_banned": 0, "total_banned": 1,
	"files": ["/var/log/auth.log"], "banned_ips": [],
}

jail(name, filter, ports, ranges) := {
	"status": "ok", "name": name, "filter": filter, "ports": ports,
	"port_ranges": [{"from": r[0], "to": r[1]} | some r in ranges],
	"state": state(name),
}

# running is the documented host whose fail2ban runs these jails.
running(jails) := pf.patched([
	{"op": "remove", "path": "/fail2ban/sshd"},
	{"op": "replace", "path": "/fail2ban/jails", "value": [j.name | some j in jails]},
	{"op": "add", "path": "/fail2ban/config", "value": {"status": "ok", "from": "/etc/fail2ban/jail.conf, /etc/fail2ban/jail.d/*.conf, /etc/fail2ban/jail.local, /etc/fail2ban/jail.d/*.local"}},
	{"op": "add", "path": "/fail2ban/jail_config", "value": jails},
])

# with_sshd_ports sets the ports sshd listens on.
with_sshd_ports(inp, port) := json.patch(inp, [{"op": "replace", "path": "/sshd/effective/port", "value": port}])

recidive := object.union(jail("recidive", "recidive", [], []), {"all_ports": true})

test_ssh_iptables_with_sshd_filter_passes if {
	inp := running([jail("ssh-iptables", "sshd", ["ssh"], [[22, 22]])])
	count(check.deny) == 0 with input as inp
	some p in check.pass with input as inp
	p.subject == "fail2ban sshd jail"
	p.message == "fail2ban protects SSH on port 22 with ssh-iptables (filter sshd, port ssh; watching /var/log/auth.log; 4 failures seen, 1 bans)"
}

test_debian_ssh_jail_passes if {
	inp := running([recidive, jail("ssh", "sshd", ["ssh"], [[22, 22]])])
	some p in check.pass with input as inp
	contains(p.message, "with ssh (filter sshd")
	not contains(p.message, "recidive")
}

test_port_22_jail_of_another_name_and_filter_passes if {
	inp := running([jail("bastion-guard", "dropbear", ["22"], [[22, 22]])])
	count(check.deny) == 0 with input as inp
	some p in check.pass with input as inp
	contains(p.message, "bastion-guard (filter dropbear, port 22")
}

test_sshd_named_jail_on_another_port_fails if {
	inp := running([jail("sshd", "sshd", ["2222"], [[2222, 2222]])])
	count(check.pass) == 0 with input as inp
	some d in check.deny with input as inp
	d.message == "fail2ban runs without a jail protecting SSH on port 22 (jails: sshd: filter sshd, port 2222): failed SSH logins are never banned"
}

test_sshd_like_name_other_filter_and_ports_fails if {
	inp := running([jail("sshd-web", "apache-auth", ["http", "https"], [[80, 80], [443, 443]])])
	count(check.pass) == 0 with input as inp
	some d in check.deny with input as inp
	contains(d.message, "sshd-web: filter apache-auth, port http,https")
}

test_jail_follows_sshd_port if {
	on2222 := with_sshd_ports(running([jail("sshd", "sshd", ["2222"], [[2222, 2222]])]), "2222")
	some p in check.pass with input as on2222
	startswith(p.message, "fail2ban protects SSH on port 2222 with sshd")

	# the stock jail bans ssh (22) while sshd listens on 2222 only
	stock := with_sshd_ports(running([jail("sshd", "sshd", ["ssh"], [[22, 22]])]), "2222")
	count(check.pass) == 0 with input as stock
	count(check.deny) == 1 with input as stock

	# sshd on 22 and 2222: a jail on either protects it
	both := with_sshd_ports(running([jail("sshd", "sshd", ["ssh"], [[22, 22]])]), "22, 2222")
	some q in check.pass with input as both
	startswith(q.message, "fail2ban protects SSH on port 22, 2222")
}

test_listen_address_port_counts if {
	inp := json.patch(running([jail("guard", "custom", ["2200"], [[2200, 2200]])]), [{"op": "add", "path": "/sshd/effective/listenaddress", "value": "0.0.0.0:2200, [::]:2200"}])
	some p in check.pass with input as inp
	contains(p.message, "on port 22, 2200")
}

test_range_counts_only_with_the_sshd_filter if {
	# recidive bans every port but does not read sshd's log
	only_recidive := running([recidive])
	count(check.pass) == 0 with input as only_recidive
	count(check.deny) == 1 with input as only_recidive

	# a range with the sshd filter covers 22
	ranged := running([jail("ssh-all", "sshd-aggressive", ["0:65535"], [[0, 65535]])])
	count(check.pass) == 1 with input as ranged

	# a range without it does not
	other := running([jail("low-ports", "custom", ["1:1024"], [[1, 1024]])])
	count(check.pass) == 0 with input as other
}

test_sshd_filter_without_ports_passes if {
	# 0.8's ssh-tcpwrapper: hosts-deny[daemon_list=sshd] states no port
	inp := running([jail("ssh-tcpwrapper", "sshd", [], [])])
	count(check.pass) == 1 with input as inp
}

test_no_jail_fails if {
	inp := running([])
	count(check.pass) == 0 with input as inp
	some d in check.deny with input as inp
	contains(d.message, "jails: none")
}

test_unreadable_jail_config_is_unknown if {
	inp := running([{"status": "error", "error": "no [ssh-custom] section in the jail configuration", "name": "ssh-custom", "filter": "", "ports": [], "port_ranges": []}])
	count(check.pass) == 0 with input as inp
	count(check.deny) == 0 with input as inp
	some u in check.unknown with input as inp
	contains(u.message, "ssh-custom (no [ssh-custom] section in the jail configuration)")
}

test_unresolved_port_name_is_unknown if {
	inp := running([object.union(jail("guard", "custom", ["sshalt"], []), {"unresolved_ports": ["sshalt"]})])
	count(check.deny) == 0 with input as inp
	some u in check.unknown with input as inp
	contains(u.message, "guard (port sshalt not in /etc/services)")
}

test_a_protecting_jail_decides_despite_an_unreadable_one if {
	inp := running([
		{"status": "error", "error": "action: cloudflare: unexpected option syntax", "name": "cf", "filter": "", "ports": [], "port_ranges": []},
		jail("sshd", "sshd", ["ssh"], [[22, 22]]),
	])
	count(check.unknown) == 0 with input as inp
	count(check.pass) == 1 with input as inp
}

test_collector_failure_gives_no_verdict if {
	# the engine reports the check unknown from its requires: [fail2ban]
	inp := pf.without("fail2ban", "permission", "fail2ban-client needs root to reach the server's socket")
	count(check.pass) == 0 with input as inp
	count(check.deny) == 0 with input as inp
}
