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
