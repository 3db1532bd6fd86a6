package collectors

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
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
					V []snapshot.EnvVar
					F []snapshot.SecretFinding
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
