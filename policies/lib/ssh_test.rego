package mlscan.lib.ssh_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.ssh

test_value_and_origin if {
	ssh.value("passwordauthentication") == "no" with input as pf.host
	ssh.origin_str("passwordauthentication") == " (/etc/ssh/sshd_config.d/00-hardening.conf:2)" with input as pf.host
	ssh.origin_str("maxauthtries") == "" with input as pf.host
	ssh.location("permitrootlogin").line == 4 with input as pf.host
	ssh.derived_note == "" with input as pf.host
}

test_files_note if {
	inp := pf.patched([
		{"op": "replace", "path": "/sshd/source", "value": "files"},
		{"op": "replace", "path": "/sshd/from", "value": "/etc/ssh/sshd_config"},
		{"op": "replace", "path": "/sshd/test", "value": {"status": "permission", "error": "sshd -T needs root to load the host keys"}},
		{"op": "replace", "path": "/sshd/defaulted", "value": ["maxauthtries"]},
	])
	contains(ssh.derived_note, "first value wins: sshd -T needs root") with input as inp
	ssh.origin_str("maxauthtries") == " (no file sets it: OpenSSH's default)" with input as inp
	contains(ssh.source, "files: /etc/ssh/sshd_config, ") with input as inp
}

# A host without sshd (no binary, no sshd_config) and nothing on 22/tcp:
# the SSH checks are not applicable; with a listener on 22 or without the
# sockets collector they stay unknown.
no_sshd := pf.patched([
	{"op": "replace", "path": "/sshd", "value": {
		"status": "ok", "installed": false, "source": "files", "from": "/etc/ssh/sshd_config",
		"test": {"status": "unavailable", "error": "sshd is not installed"},
		"effective": {}, "defaulted": [], "origins": {}, "files": [], "conditional": [],
	}},
	{"op": "replace", "path": "/sockets/listeners", "value": [l | some l in pf.host.sockets.listeners; l.port != 22]},
])

test_no_sshd_not_applicable if {
	ssh.absent with input as no_sshd
	r := data.mlscan.ssh.root_login with input as no_sshd
	count(r.not_applicable) == 1
	count(r.unknown) == 0
	count(r.deny) == 0
	p := data.mlscan.ssh.password_auth with input as no_sshd
	count(p.not_applicable) == 1
	count(p.unknown) == 0
	k := data.mlscan.ssh.kbd_interactive with input as no_sshd
	count(k.not_applicable) == 1
	count(k.unknown) == 0
}

test_no_sshd_but_port_22_unknown if {
	inp := json.patch(no_sshd, [{"op": "add", "path": "/sockets/listeners/-", "value": {"port": 22, "proto": "tcp", "address": "0.0.0.0"}}])
	not ssh.absent with input as inp
	r := data.mlscan.ssh.root_login with input as inp
	count(r.unknown) == 1
	count(r.not_applicable) == 0
}

test_no_sshd_without_sockets_unknown if {
	inp := json.patch(no_sshd, [{"op": "replace", "path": "/collectors/sockets", "value": {"status": "error", "error": "x"}}])
	not ssh.absent with input as inp
	r := data.mlscan.ssh.root_login with input as inp
	count(r.unknown) == 1
}
