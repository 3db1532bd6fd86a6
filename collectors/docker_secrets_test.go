package collectors

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
)

// TestSecretFileKeys: a key naming a secret's file (*_FILE, *_SECRETFILE,
// *_PATH) is a reference only when its value looks like a path; anything
// else is the secret itself, written where its file's path belongs, and
// is found (never kept), in the environment and in a compose file alike.
func TestSecretFileKeys(t *testing.T) {
	tests := []struct {
		name   string
		kv     string
		secret bool
	}{
		{"password file with a password", "DB_PASSWORD_FILE=hunter2", true},
		{"token file with a token", "API_TOKEN_FILE=ghp_abcdefghijklmnopqrstuvwxyz0123456789", true},
		{"gluetun secret file with a passphrase", "OPENVPN_PASSWORD_SECRETFILE=correct horse battery staple", true},
		{"token path with a token", "APP_TOKEN_PATH=ghp_abcdefghijklmnopqrstuvwxyz0123456789", true},
		{"allow-listed token path with a token", "RAY_AUTH_TOKEN_PATH=ghp_abcdefghijklmnopqrstuvwxyz0123456789", true},
		{"a URL is no path", "API_TOKEN_FILE=https://ghp_abc789@example.com/x", true},
		{"a relative path without ./ is no path", "DB_PASSWORD_FILE=db.pw", true},
		{"absolute path", "DB_PASSWORD_FILE=/etc/app/db.pw", false},
		{"path under /run/secrets", "OPENVPN_PASSWORD_SECRETFILE=/run/secrets/openvpn_password", false},
		{"path escaping /run/secrets is still a path", "DB_PASSWORD_FILE=/run/secrets/../db", false},
		{"./ relative path", "API_KEY_FILE=./secrets/api_key", false},
		{"../ relative path", "API_KEY_FILE=../api_key", false},
		{"home path", "RAY_AUTH_TOKEN_PATH=~/.ray/auth_token", false},
		{"empty", "DB_PASSWORD_FILE=", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, v, _ := strings.Cut(tt.kv, "=")
			vars, fs := redactEnv([]string{tt.kv}, newSecretHasher())
			if got := len(fs) > 0; got != tt.secret {
				t.Errorf("redactEnv(%q): %d findings, want secret=%v", tt.kv, len(fs), tt.secret)
			}
			if tt.secret {
				if vars[0].Kept || !vars[0].Secret {
					t.Errorf("redactEnv(%q) = %+v, want a dropped secret", tt.kv, vars[0])
				}
				b, _ := json.Marshal(struct {
					V []EnvVar
					F []SecretFinding
				}{vars, fs})
				if strings.Contains(string(b), v) {
					t.Errorf("redactEnv(%q): the value reaches %s", tt.kv, b)
				}
			}
			if got := composeSecretKey(k, v); got != (tt.secret && !strings.Contains(v, "://")) {
				t.Errorf("composeSecretKey(%q, %q) = %v", k, v, got)
			}
		})
	}
}

// TestSecretFileKeysVerdict: through the whole pipeline (inspect payload,
// collector, snapshot, policy), a secret written into a *_FILE variable
// fails MLS-SEC-002; the path of its file passes.
func TestSecretFileKeysVerdict(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		status scanner.Status
	}{
		{"password in a _FILE key", []string{"DB_PASSWORD_FILE=hunter2"}, scanner.StatusFail},
		{"token in a _FILE key", []string{"API_TOKEN_FILE=ghp_abcdefghijklmnopqrstuvwxyz0123456789"}, scanner.StatusFail},
		{"passphrase in a _SECRETFILE key", []string{"OPENVPN_PASSWORD_SECRETFILE=correct horse battery staple"}, scanner.StatusFail},
		{"paths of the files", []string{"DB_PASSWORD_FILE=/etc/app/db.pw", "OPENVPN_PASSWORD_SECRETFILE=/run/secrets/openvpn_password"}, scanner.StatusPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ir := inspectPayload(t, "podman-4.3-web.json", func(m map[string]any) {
				env := []any{"PATH=/usr/bin:/bin"}
				for _, e := range tt.env {
					env = append(env, e)
				}
				obj(m, "Config")["Env"] = env
			})
			doc := sectionDoc(t, engineSection([]Container{parseContainer(ir, newSecretHasher())}))
			n := 0
			for _, r := range evalSnapshot(t, doc).Results {
				if r.RuleID == "MLS-SEC-002" {
					n++
					if r.Status != tt.status {
						t.Errorf("%s: %s %q, want %s", r.Subject, r.Status, r.Message, tt.status)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d MLS-SEC-002 results, want 1", n)
			}
		})
	}
}
