package mlscan.ssh.kbd_interactive_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
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

test_match_block_enabling_fails_and_unread_block_unknown if {
	inp := pf.patched([
		{"op": "replace", "path": "/sshd/conditional", "value": [{
			"match": "Group legacy", "keyword": "kbdinteractiveauthentication", "value": "yes",
			"file": "/etc/ssh/sshd_config", "line": 140,
		}]},
		{"op": "add", "path": "/sshd/unparsed", "value": [{
			"file": "/etc/ssh/sshd_config", "line": 150, "text": "Include /etc/ssh/fifo.conf",
			"reason": "Include /etc/ssh/fifo.conf: /etc/ssh/fifo.conf is not a regular file",
			"match": "User ops", "affects": ["*"],
		}]},
	])
	{d.subject | some d in check.deny} == {"sshd Match Group legacy"} with input as inp
	{u.subject | some u in check.unknown} == {"sshd Match User ops"} with input as inp
	"sshd KbdInteractiveAuthentication" in {p.subject | some p in check.pass} with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "sshd KbdInteractiveAuthentication"
	r.target == {"kind": "service", "service": "sshd"}
}
