package mlscan.ssh.fail2ban_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
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
	inp := json.patch(data.mlscan.lib.ssh_test.no_sshd, [
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

	# sshd on 22 and 2222: the stock jail leaves 2222 unbanned
	both := with_sshd_ports(running([jail("sshd", "sshd", ["ssh"], [[22, 22]])]), "22, 2222")
	count(check.pass) == 0 with input as both
	count(check.unknown) == 0 with input as both
	some d in check.deny with input as both
	d.message == "fail2ban protects SSH on port 22 with sshd (filter sshd, port ssh; watching /var/log/auth.log; 4 failures seen, 1 bans), but no running jail bans port 2222, where sshd also listens (jails: sshd: filter sshd, port ssh): failed SSH logins there are never banned"
	d.evidence.expected == "for each port sshd listens on (22, 2222), a running jail with the sshd filter banning it, or one banning exactly it"

	# a jail banning both protects it
	both_banned := with_sshd_ports(running([jail("sshd", "sshd", ["ssh", "2222"], [[22, 22], [2222, 2222]])]), "22, 2222")
	count(check.deny) == 0 with input as both_banned
	some q in check.pass with input as both_banned
	startswith(q.message, "fail2ban protects SSH on port 22, 2222 with sshd")
}

# Each port may be protected by a different jail; every one must be.
test_every_ssh_port_must_be_guarded if {
	cases := [
		{"name": "two jails, one port each", "jails": [jail("sshd", "sshd", ["ssh"], [[22, 22]]), jail("guard", "custom", ["2222"], [[2222, 2222]])], "pass": true},
		{"name": "a range covering both", "jails": [jail("ssh-all", "sshd", ["1:65535"], [[1, 65535]])], "pass": true},
		{"name": "every port", "jails": [object.union(jail("ssh-ban", "sshd", [], []), {"all_ports": true})], "pass": true},
		{"name": "only 2222", "jails": [jail("sshd", "sshd", ["2222"], [[2222, 2222]])], "pass": false, "uncovered": "port 22, where"},
		{"name": "a port range without the sshd filter", "jails": [jail("sshd", "sshd", ["ssh"], [[22, 22]]), jail("low", "custom", ["2000:3000"], [[2000, 3000]])], "pass": false, "uncovered": "port 2222, where"},
	]
	every c in cases {
		inp := with_sshd_ports(running(c.jails), "22, 2222")
		passes := count(check.pass) == 1 with input as inp
		passes == c.pass
		denied := [d | some d in check.deny; contains(d.message, object.get(c, "uncovered", "-"))] with input as inp
		count(denied) == 1 != c.pass
	}
}

# A port no read jail guards stays unknown when a jail's port name is not
# known.
test_uncovered_port_with_unresolved_jail_is_unknown if {
	inp := with_sshd_ports(running([jail("sshd", "sshd", ["ssh"], [[22, 22]]), object.union(jail("guard", "custom", ["sshalt"], []), {"unresolved_ports": ["sshalt"]})]), "22, 2222")
	count(check.pass) == 0 with input as inp
	count(check.deny) == 0 with input as inp
	some u in check.unknown with input as inp
	contains(u.message, "whether a jail also bans port 2222 is unknown: guard (port sshalt not in /etc/services)")
}

test_listen_address_port_counts if {
	listen := [{"op": "add", "path": "/sshd/effective/listenaddress", "value": "0.0.0.0:2200, [::]:2200"}]
	inp := json.patch(running([jail("guard", "custom", ["2200"], [[2200, 2200]]), jail("sshd", "sshd", ["ssh"], [[22, 22]])]), listen)
	some p in check.pass with input as inp
	contains(p.message, "on port 22, 2200")

	# sshd's Port 22 and the ListenAddress port 2200: both must be banned
	only_2200 := json.patch(running([jail("guard", "custom", ["2200"], [[2200, 2200]])]), listen)
	count(check.pass) == 0 with input as only_2200
	some d in check.deny with input as only_2200
	contains(d.message, "no running jail bans port 22, where sshd also listens")
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

# A jail whose actions ban nothing (the collector gives it no ports and not
# all_ports: sendmail-whois only, dummy) does not protect SSH, whatever its
# filter; one whose action file was not read is unknown.
test_jail_banning_nothing_does_not_protect if {
	inp := running([jail("sshd", "sshd", [], []), jail("ssh-multi", "sshd", [], [])])
	count(check.pass) == 0 with input as inp
	some d in check.deny with input as inp
	d.message == "fail2ban runs without a jail protecting SSH on port 22 (jails: sshd: filter sshd, no action that bans; ssh-multi: filter sshd, no action that bans): failed SSH logins are never banned"
}

test_jail_with_an_action_not_read_is_unknown if {
	inp := running([{"status": "error", "error": "action my-secret-action not read: no my-secret-action.conf or my-secret-action.local", "name": "ssh-custom", "filter": "", "ports": [], "port_ranges": []}])
	count(check.pass) == 0 with input as inp
	count(check.deny) == 0 with input as inp
	some u in check.unknown with input as inp
	contains(u.message, "ssh-custom (action my-secret-action not read")
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

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "fail2ban sshd jail"
	r.target == {"kind": "service", "service": "fail2ban"}
}

# A Port line sshd's parser was not given (Port SSH_PORT, a template left
# unrendered) leaves the port unknown: the jail on 22 is not a pass, the
# check says which line; a line that cannot set the port changes nothing.
test_port_line_not_understood_is_unknown if {
	line := {
		"file": "/etc/ssh/sshd_config", "line": 13, "text": "Port SSH_PORT",
		"reason": "not a port number", "match": "", "affects": ["port"],
	}
	inp := pf.patched([{"op": "add", "path": "/sshd/unparsed", "value": [line]}])
	count(check.pass) == 0 with input as inp
	count(check.deny) == 0 with input as inp
	some u in check.unknown with input as inp
	contains(u.message, "the ports sshd listens on are unknown")
	contains(u.message, `/etc/ssh/sshd_config:13 "Port SSH_PORT"`)

	other := pf.patched([{"op": "add", "path": "/sshd/unparsed", "value": [object.union(line, {"text": "Banner SSH_BANNER", "affects": ["banner"]})]}])
	count(check.pass) == 1 with input as other
	count(check.unknown) == 0 with input as other
}

test_listenaddress_line_not_understood_is_unknown if {
	inp := pf.patched([{"op": "add", "path": "/sshd/unparsed", "value": [{
		"file": "/etc/ssh/sshd_config.d/10-listen.conf", "line": 1, "text": "ListenAddress ${ADDR}",
		"reason": "bad address", "match": "", "affects": ["listenaddress"],
	}]}])
	count(check.pass) == 0 with input as inp
	some u in check.unknown with input as inp
	contains(u.message, "10-listen.conf:1")
}
