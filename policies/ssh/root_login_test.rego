package mlscan.ssh.root_login_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.ssh.root_login as check

root(v) := pf.patched([{"op": "replace", "path": "/sshd/effective/permitrootlogin", "value": v}])

test_no_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.pass) == 1 with input as pf.host
}

test_yes_fails_high if {
	some d in check.deny with input as root("yes")
	not d.severity
	contains(d.message, "with a password")
}

# Debian's default, as sshd -T prints it (testdata/sshd/debian12.sshd-T.txt).
test_without_password_is_info if {
	some d in check.deny with input as root("without-password")
	d.severity == "info"
	some d2 in check.deny with input as root("prohibit-password")
	d2.severity == "info"
	count(check.pass) == 0 with input as root("prohibit-password")
}
