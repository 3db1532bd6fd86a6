package collectors

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

func TestComposeLiteralSecrets(t *testing.T) {
	const pw = "Zr8xq2LmN4pW7vK1"
	tests := []struct {
		name string
		yaml string
		want []string // where, in order
	}{
		{"references only", `
services:
  redis:
    command: >
      redis-server
      --port 6380
      --requirepass ${REDIS_PASSWORD}
    environment:
      - CELERY_BROKER_URL=redis://:${REDIS_PASSWORD}@127.0.0.1:6380/0
      - "REDIS_PASSWORD=${REDIS_PASSWORD:?set it in .env}"
      REDIS_PASSWORD: $REDIS_PASSWORD
      GF_SECURITY_ADMIN_PASSWORD__FILE: /run/secrets/grafana_admin_password
      OPENVPN_PASSWORD_SECRETFILE: /run/secrets/openvpn_password
      REDIS_PASSWORD: /run/secrets/redis_password
      - DB_PASSWORD_FILE=/run/secrets/db
      GF_AUTH_ANONYMOUS_ENABLED: "false"
      RAY_AUTH_MODE: token
      FLOWER_UNAUTHENTICATED_API: "false"
    healthcheck:
      test: ["CMD-SHELL", "redis-cli -p 6380 -a $$REDIS_PASSWORD ping"]
secrets:
  grafana_admin_password:
    file: ./secrets/grafana_admin_password  # password: 0600
`, nil},
		{"password on the command line", `
services:
  redis:
    command: redis-server --port 6380 --requirepass ` + pw + `
`, []string{"line 4: --requirepass"}},
		{"flag and value on two list items", `
services:
  redis:
    command:
      - redis-server
      - --requirepass
      - "` + pw + `"
`, []string{"line 7: --requirepass"}},
		{"flow sequence", `
    command: ["redis-server", "--requirepass", "` + pw + `"]
`, []string{"line 2: --requirepass"}},
		{"environment list item", `
    environment:
      - REDIS_PASSWORD=` + pw + `
      - "SECRET_KEY=` + pw + `"
`, []string{"line 3: REDIS_PASSWORD", "line 4: SECRET_KEY"}},
		{"environment mapping", `
    environment:
      REDIS_PASSWORD: "` + pw + `"
      DB_PASS: ` + pw + `
`, []string{"line 3: REDIS_PASSWORD", "line 4: DB_PASS"}},
		{"a default is written out", `
      - REDIS_PASSWORD=${REDIS_PASSWORD:-` + pw + `}
`, []string{"line 2: REDIS_PASSWORD"}},
		{"URL password", `
      - CELERY_BROKER_URL=redis://:` + pw + `@127.0.0.1:6380/0
`, []string{"line 2: URL password"}},
		{"URL token", `
      - HOOK=https://api.example.com/v1?token=` + pw + `
`, []string{"line 2: URL token"}},
		{"flower basic auth", `
    command: celery flower --basic_auth=admin:` + pw + `
`, []string{"line 2: --basic_auth"}},
		{"a reference with spaces in its message", `
    command: redis-server --requirepass "${REDIS_PASSWORD:?set it in .env}" --port 6380
`, nil},
		{"flower basic auth from a variable", `
    command: celery flower --basic_auth=admin:${FLOWER_PASSWORD}
`, nil},
		{"redis-cli -a in a healthcheck", `
    healthcheck:
      test: ["CMD", "redis-cli", "-p", "6380", "-a", "` + pw + `", "ping"]
`, []string{"line 3: -a"}},
		{"a flag at the end of a key does not take the next key", `
    command: ["app", "--token"]
    environment:
      - A=b
`, nil},
		{"comments are not content", `
# REDIS_PASSWORD=` + pw + `
    command: redis-server  # --requirepass ` + pw + `
`, nil},
		{"a '#' inside a value is not a comment", `
      REDIS_PASSWORD: "ab #` + pw + `"
`, []string{"line 2: REDIS_PASSWORD"}},
		{"empty values, blocks and settings", `
      REDIS_PASSWORD:
      REDIS_PASSWORD: ""
      API_TOKEN: |
      RAY_AUTH_TOKEN_PATH: /run/secrets/ray
      REDIS_VERSION: 7.2.11
`, nil},
		{"a secret where its file's path belongs", `
    environment:
      DB_PASSWORD_FILE: hunter2
      - API_TOKEN_FILE=ghp_abc789
      OPENVPN_PASSWORD_SECRETFILE: "correct horse battery staple"
      REDIS_PASSWORD_FILE: /run/secrets/redis
      API_KEY_FILE: ./secrets/api_key
      TOKEN_FILE: ${TOKEN_FILE:-/run/secrets/token}
      DB_PASS_FILE: ${DB_PASS_FILE:-hunter2}
    command: app --db-password-file hunter2 --token-file=/etc/app/token
`, []string{"line 3: DB_PASSWORD_FILE", "line 4: API_TOKEN_FILE", "line 5: OPENVPN_PASSWORD_SECRETFILE", "line 9: DB_PASS_FILE", "line 10: --db-password-file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := composeLiteralSecrets(tt.yaml)
			var where []string
			for _, s := range got {
				where = append(where, s.where)
				if strings.Contains(s.where, pw) {
					t.Errorf("%q holds the value", s.where)
				}
			}
			if !slices.Equal(where, tt.want) {
				t.Errorf("got %q, want %q", where, tt.want)
			}
		})
	}
}

// The testbed's compose files (the documented host) keep their secrets in
// .env and flowerconfig.py, and the public ones have none: none writes
// one out.
func TestComposeLiteralSecretsTestbed(t *testing.T) {
	for _, f := range composeSeeds(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := composeLiteralSecrets(string(b)); len(got) > 0 {
			t.Errorf("%s: literal secrets %+v, want none", f, got)
		}
	}
}

func TestReadComposeContent(t *testing.T) {
	const pw = "Zr8xq2LmN4pW7vK1"
	dir := t.TempDir()
	p := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(p, []byte("services:\n  redis:\n    command: redis-server --requirepass "+pw+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fc, values := readComposeContent(p, p)
	if fc.Status != snapshot.StatusOK || !slices.Equal(fc.LiteralSecrets, []string{"line 3: --requirepass"}) {
		t.Errorf("content %+v", fc)
	}
	if !slices.Equal(values, []string{pw}) {
		t.Error("the value is not handed to the scrubber")
	}
	if b, _ := json.Marshal(fc); strings.Contains(string(b), pw) {
		t.Errorf("the content holds the password: %s", b)
	}
}

// TestReadComposeContentHostile reads what a container's label may name
// instead of a compose file: each is refused quickly, with its reason,
// an empty list of literal secrets (never null) and nothing of its
// content.
func TestReadComposeContentHostile(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.yml")
	if err := os.WriteFile(clean, []byte("services: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	justOver := filepath.Join(dir, "over.yml")
	if err := os.WriteFile(justOver, make([]byte, composeMaxBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	shadow := filepath.Join(dir, "shadow.yml")
	if err := os.Symlink("/etc/shadow", shadow); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock.yml")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		name   string
		path   string
		status snapshot.Status
		reason string // in the error
	}{
		{"a clean file", clean, snapshot.StatusOK, ""},
		{"missing", filepath.Join(dir, "missing.yml"), snapshot.StatusError, "no such file"},
		{"FIFO", fifo, snapshot.StatusError, "is a FIFO, not a regular file: not read"},
		{"1 GiB sparse file", big, snapshot.StatusError, "is 1.0 GiB, larger than 1 MiB: not read"},
		{"one byte over the limit", justOver, snapshot.StatusError, "larger than 1 MiB: not read"},
		{"directory", dir, snapshot.StatusError, "is a directory, not a regular file: not read"},
		{"symbolic link to /etc/shadow", shadow, snapshot.StatusError, "is a symbolic link (to /etc/shadow): not followed"},
		{"unix socket", sock, snapshot.StatusError, "is a socket, not a regular file: not read"},
		{"/dev/zero", "/dev/zero", snapshot.StatusError, "/dev/zero is under /dev (device and kernel files): not read"},
		{"/proc file", "/proc/self/environ", snapshot.StatusError, "is under /proc"},
		{"/sys file", "/sys/kernel/mm/transparent_hugepage/enabled", snapshot.StatusError, "is under /sys"},
		{"/dev reached through ..", "/srv/../dev/zero", snapshot.StatusError, "is under /dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, values := readComposeContent(tt.path, tt.path)
			if fc.Status != tt.status || !strings.Contains(fc.Error, tt.reason) {
				t.Errorf("status %q error %q, want %q with %q", fc.Status, fc.Error, tt.status, tt.reason)
			}
			if fc.LiteralSecrets == nil || len(fc.LiteralSecrets) != 0 || len(values) != 0 {
				t.Errorf("literal secrets %#v values %d, want an empty list", fc.LiteralSecrets, len(values))
			}
			if b, _ := json.Marshal(fc); !strings.Contains(string(b), `"literal_secrets":[]`) {
				t.Errorf("JSON %s: want literal_secrets []", b)
			}
		})
	}
}

// A device or kernel file reached without a /dev or /proc prefix (a
// symbolic link higher up the path) is refused by its type or its file
// system, after an O_PATH open that opens nothing.
func TestOpenRegularRefusesByType(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev", filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/proc", filepath.Join(dir, "p")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, reason string
	}{
		{"character device", filepath.Join(dir, "d", "zero"), "is a character device, not a regular file"},
		{"proc file", filepath.Join(dir, "p", "self", "status"), "is on the kernel's proc file system"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := openRegular(tt.path, composeMaxBytes, false)
			if err == nil {
				f.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q, want %q", err, tt.reason)
			}
		})
	}
}

// containerFiles reads the compose files (root-relative, as a scan of a
// mounted host does) and only them; the secret values stay out of the
// result.
func TestContainerFilesReadsComposeFiles(t *testing.T) {
	const pw = "Zr8xq2LmN4pW7vK1"
	root := t.TempDir()
	dir := filepath.Join(root, "srv/ml")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte("services:\n  redis:\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "override.yml"), []byte("services:\n  redis:\n    environment:\n      - REDIS_PASSWORD="+pw+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("REDIS_PASSWORD="+pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "redis.conf"), []byte("requirepass "+pw+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	// A Ray token left world-readable in a user's home; root has none.
	if err := os.MkdirAll(filepath.Join(root, "home/ray/.ray"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "home/ray/.ray/auth_token"), []byte(pw), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "home/nobody"), 0o755); err != nil {
		t.Fatal(err)
	}
	cs := []snapshot.Container{{
		Name:    "redis-celery",
		Compose: &snapshot.ComposeInfo{Project: "ml", Service: "redis", ConfigFiles: []string{"/srv/ml/docker-compose.yml", "/srv/ml/override.yml"}, WorkingDir: "/srv/ml"},
		Mounts:  []snapshot.Mount{{Type: "bind", Source: "/srv/ml/redis.conf", Destination: "/etc/redis/redis.conf"}},
	}}
	h := newSecretHasher()
	files := containerFiles(context.Background(), &Env{Root: root}, cs, h)
	got := map[string]snapshot.FileMode{}
	for _, f := range files {
		got[f.Path] = f
		if f.Status != snapshot.StatusOK {
			t.Errorf("%s: %+v", f.Path, f)
		}
	}
	main, over := got["/srv/ml/docker-compose.yml"], got["/srv/ml/override.yml"]
	if main.Kind != "compose" || main.Content == nil || main.Content.Status != snapshot.StatusOK || len(main.Content.LiteralSecrets) != 0 || main.Content.From != "read /srv/ml/docker-compose.yml" {
		t.Errorf("compose file %+v content %+v: want read, no literal secret", main, main.Content)
	}
	if over.Kind != "compose" || over.Content == nil || !slices.Equal(over.Content.LiteralSecrets, []string{"line 4: REDIS_PASSWORD"}) {
		t.Errorf("override %+v content %+v: want its literal password found", over, over.Content)
	}
	if e := got["/srv/ml/.env"]; e.Kind != "env" || e.Content != nil || e.Mode != "0600" {
		t.Errorf(".env %+v: not read, mode 0600", e)
	}
	if m := got["/srv/ml/redis.conf"]; m.Kind != "mount" || m.Content != nil || m.Mode != "0640" {
		t.Errorf("redis.conf %+v: not read, mode 0640", m)
	}
	if r := got["/home/ray/.ray/auth_token"]; r.Kind != "host" || r.Content != nil || !r.WorldReadable || r.Why != "Ray's token file in /home/ray" {
		t.Errorf("Ray token %+v: want kind host, world-readable, not read", r)
	}
	if len(files) != 5 {
		t.Errorf("%d files, want 5 (no token in /root or /home/nobody): %+v", len(files), files)
	}
	if !h.seen[pw] {
		t.Error("the override's password is not handed to the scrubber")
	}
	if b, _ := json.Marshal(files); strings.Contains(string(b), pw) {
		t.Errorf("the files section holds the password: %s", b)
	}
}
