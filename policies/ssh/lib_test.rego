package mlscan.ssh.lib_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.ssh.lib

test_value_and_origin if {
	lib.value("passwordauthentication") == "no" with input as pf.host
	lib.origin_str("passwordauthentication") == " (/etc/ssh/sshd_config.d/00-hardening.conf:2)" with input as pf.host
	lib.origin_str("maxauthtries") == "" with input as pf.host
	lib.location("permitrootlogin").line == 4 with input as pf.host
	lib.derived_note == "" with input as pf.host
}

test_files_note if {
	inp := pf.patched([
		{"op": "replace", "path": "/sshd/source", "value": "files"},
		{"op": "replace", "path": "/sshd/from", "value": "/etc/ssh/sshd_config"},
		{"op": "replace", "path": "/sshd/test", "value": {"status": "permission", "error": "sshd -T needs root to load the host keys"}},
		{"op": "replace", "path": "/sshd/defaulted", "value": ["maxauthtries"]},
	])
	contains(lib.derived_note, "first value wins: sshd -T needs root") with input as inp
	lib.origin_str("maxauthtries") == " (no file sets it: OpenSSH's default)" with input as inp
	contains(lib.source, "files: /etc/ssh/sshd_config, ") with input as inp
}
