package mlscan.ssh.password_auth_test

import data.mlscan.lib.probe_fixtures as pf
import data.mlscan.lib.target_test as tt
import data.mlscan.ssh.password_auth as check

test_key_only_passes if {
	count(check.deny) == 0 with input as pf.host
	count(check.pass) == 3 with input as pf.host
}

# testdata/sshd/cloudinit: the drop-in read first keeps passwords on.
test_cloud_init_override_fails_with_its_file if {
	inp := pf.patched([
		{"op": "replace", "path": "/sshd/effective/passwordauthentication", "value": "yes"},
		{"op": "replace", "path": "/sshd/origins/passwordauthentication", "value": {"file": "/etc/ssh/sshd_config.d/50-cloud-init.conf", "line": 1, "value": "yes"}},
	])
	some d in check.deny with input as inp
	d.subject == "sshd PasswordAuthentication"
	contains(d.message, "50-cloud-init.conf:1")
	d.location == {"file": "/etc/ssh/sshd_config.d/50-cloud-init.conf", "line": 1, "what": "sshd_config passwordauthentication"}
	not "sshd PasswordAuthentication" in {p.subject | some p in check.pass} with input as inp
}

test_files_mode_says_so if {
	inp := pf.patched([
		{"op": "replace", "path": "/sshd/source", "value": "files"},
		{"op": "replace", "path": "/sshd/from", "value": "/etc/ssh/sshd_config"},
		{"op": "replace", "path": "/sshd/test", "value": {"status": "permission", "error": "sshd -T needs root to load the host keys"}},
		{"op": "replace", "path": "/sshd/effective/passwordauthentication", "value": "yes"},
		{"op": "remove", "path": "/sshd/origins/passwordauthentication"},
		{"op": "replace", "path": "/sshd/defaulted", "value": ["passwordauthentication"]},
	])
	some d in check.deny with input as inp
	contains(d.message, "OpenSSH's default")
	contains(d.message, "first value wins")
}

test_empty_passwords_and_no_pubkey_fail if {
	inp := pf.patched([
		{"op": "replace", "path": "/sshd/effective/permitemptypasswords", "value": "yes"},
		{"op": "replace", "path": "/sshd/effective/pubkeyauthentication", "value": "no"},
	])
	{d.subject | some d in check.deny} == {"sshd PermitEmptyPasswords", "sshd PubkeyAuthentication"} with input as inp
}

test_match_block_enabling_passwords_fails if {
	inp := pf.patched([{"op": "replace", "path": "/sshd/conditional", "value": [{
		"match": "Address 10.0.0.0/24", "keyword": "passwordauthentication", "value": "yes",
		"file": "/etc/ssh/sshd_config", "line": 130,
	}]}])
	some d in check.deny with input as inp
	d.subject == "sshd Match Address 10.0.0.0/24"
	d.location.line == 130
}

test_low_notes if {
	inp := pf.patched([
		{"op": "replace", "path": "/sshd/effective/maxauthtries", "value": "6"},
		{"op": "replace", "path": "/sshd/effective/x11forwarding", "value": "yes"},
	])
	sevs := {d.subject: d.severity | some d in check.deny} with input as inp
	sevs == {"sshd MaxAuthTries": "low", "sshd X11Forwarding": "low"}
}

test_missing_setting_is_unknown if {
	inp := pf.patched([{"op": "remove", "path": "/sshd/effective/pubkeyauthentication"}])
	some u in check.unknown with input as inp
	u.subject == "sshd PubkeyAuthentication"
}

# testdata/sshd/upstream/servcfginclude-match: a Match all in a file
# Included under `Match User admin` stays inside that block, so its
# PasswordAuthentication no is for admin only; the host keeps OpenSSH's
# default yes.
test_match_scoped_no_is_not_host_wide if {
	inp := pf.patched([
		{"op": "replace", "path": "/sshd/effective/passwordauthentication", "value": "yes"},
		{"op": "remove", "path": "/sshd/origins/passwordauthentication"},
		{"op": "replace", "path": "/sshd/defaulted", "value": ["passwordauthentication"]},
		{"op": "replace", "path": "/sshd/conditional", "value": [{
			"match": "User admin", "keyword": "passwordauthentication", "value": "no",
			"file": "/etc/ssh/sshd_config.d/admin.conf", "line": 2,
		}]},
	])
	some d in check.deny with input as inp
	d.subject == "sshd PasswordAuthentication"
	not "sshd PasswordAuthentication" in {p.subject | some p in check.pass} with input as inp
}

unparsed_line(match, affects) := {
	"file": "/etc/ssh/sshd_config.d/50-site.conf", "line": 3, "text": "Include /etc/ssh/secret.d/*.conf",
	"reason": "Include /etc/ssh/secret.d/a.conf: permission denied", "match": match, "affects": affects,
}

# An Include that could not be read before any PasswordAuthentication
# line: the collector leaves the setting out, the check says why.
test_line_not_understood_makes_unknown if {
	inp := pf.patched([
		{"op": "remove", "path": "/sshd/effective/passwordauthentication"},
		{"op": "add", "path": "/sshd/unparsed", "value": [unparsed_line("", ["*"])]},
	])
	some u in check.unknown with input as inp
	u.subject == "sshd PasswordAuthentication"
	contains(u.message, "50-site.conf:3")
	contains(u.message, "permission denied")
	not "sshd PasswordAuthentication" in {p.subject | some p in check.pass} with input as inp

	# the settings it could not change are still judged
	"sshd PubkeyAuthentication" in {p.subject | some p in check.pass} with input as inp
}

# Inside a Match block, the same line makes that block unknown and leaves
# the host-wide verdict alone.
test_scoped_line_not_understood if {
	inp := pf.patched([{"op": "add", "path": "/sshd/unparsed", "value": [unparsed_line("User admin", ["*"])]}])
	some u in check.unknown with input as inp
	u.subject == "sshd Match User admin"
	u.location.line == 3
	"sshd PasswordAuthentication" in {p.subject | some p in check.pass} with input as inp
}

test_scoped_line_for_another_keyword_ignored if {
	inp := pf.patched([{"op": "add", "path": "/sshd/unparsed", "value": [unparsed_line("User admin", ["permitrootlogin"])]}])
	count(check.unknown) == 0 with input as inp
}

# Every result carries a valid target that says what its subject says.
test_targets if {
	rs := [r | some s in ["deny", "pass", "unknown", "not_applicable"]; some r in check[s]] with input as pf.host
	every r in rs {
		tt.valid(r.target)
	}
	some r in rs
	r.subject == "sshd PasswordAuthentication"
	r.target == {"kind": "service", "service": "sshd"}
}
