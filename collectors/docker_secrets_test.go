package collectors

import (
	"encoding/json"
	"reflect"
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

func TestCommandSecrets(t *testing.T) {
	const pw = "Zr8xq2LmN4pW7vK1"
	tests := []struct {
		name           string
		entrypoint     []string
		cmd            []string
		wantCmd        string
		wantKeys       []string
		wantStrengths  []string
		wantSameHashes bool
	}{
		{
			name:     "redis-server --requirepass",
			cmd:      []string{"redis-server", "--port", "6380", "--requirepass", pw, "--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru"},
			wantCmd:  "redis-server --port 6380 --requirepass <redacted> --maxmemory 2gb --maxmemory-policy allkeys-lru",
			wantKeys: []string{"--requirepass@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:       "redis-cli -a across entrypoint and cmd",
			entrypoint: []string{"redis-cli"}, cmd: []string{"-a", pw, "ping"},
			wantCmd:  "redis-cli -a <redacted> ping",
			wantKeys: []string{"-a@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "sh -c with redis-cli",
			cmd:      []string{"sh", "-c", "redis-cli -a " + pw + " ping"},
			wantCmd:  "sh -c redis-cli -a <redacted> ping",
			wantKeys: []string{"-a@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "flower --basic_auth= with two users",
			cmd:      []string{"celery", "flower", "--basic_auth=admin:password,ops:" + pw},
			wantCmd:  "celery flower --basic_auth=<redacted>",
			wantKeys: []string{"--basic_auth@flower", "--basic_auth@flower"}, wantStrengths: []string{"weak", "medium"},
		},
		{
			name:     "broker URL on the command line",
			cmd:      []string{"celery", "-A", "app", "worker", "--broker", "redis://:" + pw + "@127.0.0.1:6380/0"},
			wantCmd:  "celery -A app worker --broker redis://:<redacted>@127.0.0.1:6380/0",
			wantKeys: []string{"URL password@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "URL password holding '/' (base64), which redactURL misses",
			cmd:      []string{"celery", "worker", "--broker", "redis://:ab/cd+" + pw + "@127.0.0.1:6380/0"},
			wantCmd:  "celery worker --broker redis://:<redacted>@127.0.0.1:6380/0",
			wantKeys: []string{"URL password@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "KEY=VALUE argument",
			cmd:      []string{"env", "API_TOKEN=" + pw, "run"},
			wantCmd:  "env API_TOKEN=<redacted> run",
			wantKeys: []string{"API_TOKEN@"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "the same secret twice shares its hash",
			cmd:      []string{"redis-server", "--requirepass", pw, "--masterauth", pw},
			wantCmd:  "redis-server --requirepass <redacted> --masterauth <redacted>",
			wantKeys: []string{"--requirepass@redis", "--masterauth@redis"}, wantStrengths: []string{"medium", "medium"},
			wantSameHashes: true,
		},
		{
			name:    "nothing secret",
			cmd:     []string{"httpd", "-f", "-p", "127.0.0.1:8080"},
			wantCmd: "httpd -f -p 127.0.0.1:8080",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, cmd, fs := commandSecrets(tt.entrypoint, tt.cmd, "cmd", newSecretHasher())
			if len(ep) != len(tt.entrypoint) || len(cmd) != len(tt.cmd) {
				t.Fatalf("entrypoint %q cmd %q: lengths changed", ep, cmd)
			}
			if got := strings.Join(append(ep, cmd...), " "); got != tt.wantCmd {
				t.Errorf("command %q, want %q", got, tt.wantCmd)
			}
			var keys, strengths []string
			for _, f := range fs {
				keys = append(keys, f.Key+"@"+f.Target)
				strengths = append(strengths, f.Strength)
				if f.Location != "cmd" || len(f.Hash) != 16 {
					t.Errorf("finding %+v", f)
				}
			}
			if !reflect.DeepEqual(keys, tt.wantKeys) || !reflect.DeepEqual(strengths, tt.wantStrengths) {
				t.Errorf("findings %q %q, want %q %q", keys, strengths, tt.wantKeys, tt.wantStrengths)
			}
			if tt.wantSameHashes && fs[0].Hash != fs[1].Hash {
				t.Errorf("hashes %s %s differ for one secret", fs[0].Hash, fs[1].Hash)
			}
		})
	}
}

// TestSecretHashes: one hasher gives one secret one hash wherever it is
// found (command line, environment, URL); another snapshot's hasher gives
// another hash.
func TestSecretHashes(t *testing.T) {
	const pw = "s3cret/with@odd:chars"
	h := newSecretHasher()
	_, _, cmdFs := commandSecrets(nil, []string{"redis-server", "--requirepass", pw}, "cmd", h)
	_, envFs := redactEnv([]string{
		"REDIS_PASSWORD=" + pw,
		"CELERY_BROKER_URL=redis://:s3cret%2Fwith%40odd%3Achars@127.0.0.1:6380/0",
		"OTHER_PASSWORD=" + pw + "x",
	}, h)
	if len(cmdFs) != 1 || len(envFs) != 3 {
		t.Fatalf("findings %+v %+v", cmdFs, envFs)
	}
	if cmdFs[0].Hash != envFs[0].Hash || envFs[0].Hash != envFs[1].Hash {
		t.Errorf("one secret, hashes %s %s %s (the URL's is percent-decoded first)", cmdFs[0].Hash, envFs[0].Hash, envFs[1].Hash)
	}
	if envFs[2].Hash == envFs[0].Hash {
		t.Error("different secrets share a hash")
	}
	if h2 := newSecretHasher(); h2.hash(pw) == h.hash(pw) {
		t.Error("two snapshots share a hash key")
	}
}

func TestSecretStrength(t *testing.T) {
	tests := []struct {
		v        string
		classes  int
		strength string
		deny     bool
	}{
		{"password", 1, "weak", true},
		{"Password123!", 4, "weak", true},
		{"changeme", 1, "weak", true},
		{"admin", 1, "weak", true},
		{"short1", 2, "weak", false},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1, "weak", false},
		{"correct-horse-battery", 2, "medium", false},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 2, "strong", false},
		{"Zr8xq2LmN4pW7vK1Zr8xq2LmN4pW7vK1x", 3, "strong", false},
	}
	for _, tt := range tests {
		c, s, d := secretStrength(tt.v)
		if c != tt.classes || s != tt.strength || d != tt.deny {
			t.Errorf("secretStrength(%q) = %d %s %v, want %d %s %v", tt.v, c, s, d, tt.classes, tt.strength, tt.deny)
		}
	}
}
