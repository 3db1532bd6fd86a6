package mlscan.ssh.kbd_interactive_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.ssh.kbd_interactive as check

test_off_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.pass) == 1 with input as pf.host
}

test_on_fails if {
	inp := pf.patched([{"op": "replace", "path": "/sshd/effective/kbdinteractiveauthentication", "value": "yes"}])
	some d in check.deny with input as inp
	contains(d.message, "kbdinteractiveauthentication yes (/etc/ssh/sshd_config:62)")
	d.location.line == 62
}

test_missing_sshd_section_gives_no_pass if {
	count(check.pass) == 0 with input as pf.without("sshd", "unavailable", "sshd is not installed")
}
