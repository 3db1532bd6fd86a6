package mlscan.ssh.root_login_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
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

test_match_block_allowing_root_fails if {
	inp := pf.patched([{"op": "replace", "path": "/sshd/conditional", "value": [{
		"match": "Address 10.0.0.0/24", "keyword": "permitrootlogin", "value": "yes",
		"file": "/etc/ssh/sshd_config", "line": 130,
	}]}])
	some d in check.deny with input as inp
	d.subject == "sshd Match Address 10.0.0.0/24"
	d.location.line == 130
	"sshd PermitRootLogin" in {p.subject | some p in check.pass} with input as inp
}

test_bad_value_unknown if {
	inp := pf.patched([
		{"op": "remove", "path": "/sshd/effective/permitrootlogin"},
		{"op": "add", "path": "/sshd/unparsed", "value": [{
			"file": "/etc/ssh/sshd_config", "line": 33, "text": "PermitRootLogin maybe",
			"reason": "permitrootlogin \"maybe\": want yes, prohibit-password, forced-commands-only or no (sshd refuses this file)",
			"match": "", "affects": ["permitrootlogin"],
		}]},
	])
	some u in check.unknown with input as inp
	contains(u.message, "sshd_config:33")
	count(check.deny) == 0 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "sshd PermitRootLogin"
	r.target == {"kind": "service", "service": "sshd"}
}
