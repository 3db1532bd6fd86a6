package collectors

import (
	"testing"
)

func TestParseSSHDLine(t *testing.T) {
	tests := []struct {
		line, kw, val string
		ok            bool
	}{
		{"PasswordAuthentication no", "passwordauthentication", "no", true},
		{"  PasswordAuthentication\tno  ", "passwordauthentication", "no", true},
		{"PasswordAuthentication=no", "passwordauthentication", "no", true},
		{"PasswordAuthentication = no", "passwordauthentication", "no", true},
		{"ChallengeResponseAuthentication yes", "kbdinteractiveauthentication", "yes", true},
		{"Banner \"/etc/issue net\"", "banner", "/etc/issue net", true},
		{"PermitRootLogin no # hardened", "permitrootlogin", "no", true},
		{"AuthorizedKeysFile .ssh/a#b", "authorizedkeysfile", ".ssh/a#b", true},
		{"# PasswordAuthentication yes", "", "", false},
		{"", "", "", false},
		{"\r", "", "", false},
		{"Match Address 10.0.0.0/24", "match", "Address 10.0.0.0/24", true},
		{"bad-key value", "", "", false},
	}
	for _, tc := range tests {
		kw, val, ok := parseSSHDLine(tc.line)
		if kw != tc.kw || val != tc.val || ok != tc.ok {
			t.Errorf("parseSSHDLine(%q) = %q, %q, %v; want %q, %q, %v", tc.line, kw, val, ok, tc.kw, tc.val, tc.ok)
		}
	}
}
