package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// dockerTestdata holds container-inspect payloads: the Engine API's
// documented examples and payloads captured from Podman (see its README).
const dockerTestdata = "../testdata/docker"

// TestDockerDaemonDown: a missing socket is "unavailable" at once; no
// socket and no engine binary is positive evidence that no engine exists.
func TestDockerDaemonDown(t *testing.T) {
	t.Setenv("DOCKER_HOST", "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	t.Run("explicit socket missing", func(t *testing.T) {
		start := time.Now()
		s, err := (&Docker{Host: "unix://" + filepath.Join(t.TempDir(), "docker.sock")}).Collect(ctx, &Env{Root: t.TempDir()})
		if !errors.Is(err, ErrUnavailable) || time.Since(start) > time.Second {
			t.Fatalf("err %v after %s", err, time.Since(start))
		}
		sec := s.(*snapshot.DockerSection)
		if !sec.EngineInstalled || sec.Engine.Status != snapshot.StatusUnavailable || !strings.HasPrefix(err.Error(), "no Docker API socket at ") || !strings.HasSuffix(err.Error(), "docker.sock (the --docker-host address)") {
			t.Errorf("%+v", sec.Engine)
		}
	})
	t.Run("DOCKER_HOST socket missing", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
		s, err := (&Docker{}).Collect(ctx, &Env{Root: t.TempDir()})
		if !errors.Is(err, ErrUnavailable) || s.(*snapshot.DockerSection).Engine.HostFrom != "DOCKER_HOST" {
			t.Fatalf("err %v section %+v", err, s)
		}
	})
	t.Run("no engine installed", func(t *testing.T) {
		s, err := (&Docker{}).Collect(ctx, &Env{Root: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		sec := s.(*snapshot.DockerSection)
		if sec.EngineInstalled || sec.Engine.Status != snapshot.StatusUnavailable || !strings.Contains(sec.Engine.Evidence, "no dockerd or podman binary") {
			t.Errorf("%+v", sec)
		}
	})
	t.Run("engine installed, daemon not running", func(t *testing.T) {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, b := range []string{"usr/bin/dockerd", "usr/bin/podman"} {
			if err := os.WriteFile(filepath.Join(root, b), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		s, err := (&Docker{}).Collect(ctx, &Env{Root: root})
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err %v", err)
		}
		// One sentence, without the status it stands for.
		want := fmt.Sprintf("no Docker API socket at %[1]s/var/run/docker.sock, %[1]s/run/docker.sock or %[1]s/run/podman/podman.sock; "+
			"%[1]s/usr/bin/dockerd and %[1]s/usr/bin/podman are installed but not running: start the daemon or pass --docker-host", root)
		if err.Error() != want {
			t.Errorf("error\n %q\nwant %q", err, want)
		}
		if sec := s.(*snapshot.DockerSection); !sec.EngineInstalled || sec.Engine.Evidence != want || sec.Engine.Error != want {
			t.Errorf("%+v", sec.Engine)
		}
	})
	t.Run("socket refuses connections", func(t *testing.T) {
		// A socket file nobody listens on: the daemon died and left it.
		sock := filepath.Join(t.TempDir(), "docker.sock")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		l.Close()
		s, err := (&Docker{Host: "unix://" + sock}).Collect(ctx, &Env{Root: t.TempDir()})
		if err == nil || errors.Is(err, ErrUnavailable) || s.(*snapshot.DockerSection).Engine.Status != snapshot.StatusError {
			t.Fatalf("err %v", err)
		}
	})
}

// hungDaemon is a socket that accepts connections and never answers, the
// one fake of these tests: a daemon stuck in a deadlock.
func hungDaemon(t *testing.T) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "hung.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				<-done
				return
			}
			conns = append(conns, c) // held open, never read or written
		}
	}()
	t.Cleanup(func() { close(done); l.Close() })
	return "unix://" + sock
}

// TestDockerDaemonHung: the collector returns at its deadline with an
// error naming it; run with the others, the docker status is error and the
// other collectors' results stand.
func TestDockerDaemonHung(t *testing.T) {
	host := hungDaemon(t)
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	s, err := (&Docker{Host: host}).Collect(ctx, &Env{Root: t.TempDir()})
	took := time.Since(start)
	if took > deadline+500*time.Millisecond {
		t.Errorf("returned after %s, deadline %s", took, deadline)
	}
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v", err)
	}
	if sec := s.(*snapshot.DockerSection); sec.Engine.Status != snapshot.StatusError || !strings.Contains(sec.Engine.Error, "does not answer") {
		t.Errorf("engine %+v", sec.Engine)
	}

	start = time.Now()
	snap, err := Collect(context.Background(), []Collector{&Docker{Host: host}, &UFW{}}, Options{
		Env: Env{Root: t.TempDir(), ProcRoot: t.TempDir()}, Timeout: deadline,
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > deadline+time.Second {
		t.Errorf("Collect took %s", took)
	}
	if r := snap.Collectors["docker"]; r.Status != snapshot.StatusError || !strings.Contains(r.Error, "deadline") {
		t.Errorf("docker %+v", r)
	}
	if r := snap.Collectors["ufw"]; r.Status != snapshot.StatusOK || snap.UFW == nil {
		t.Errorf("ufw %+v: another collector's result must stand", r)
	}
}

// TestDockerRulesWithoutDaemon evaluates the checks on snapshots whose
// docker section says there is no engine (not applicable), or an engine
// that is down or hung (unknown, with the reason): never pass.
func TestDockerRulesWithoutDaemon(t *testing.T) {
	t.Setenv("DOCKER_HOST", "")
	binRoot := t.TempDir()
	if err := os.MkdirAll(filepath.Join(binRoot, "usr/bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(binRoot, "usr/bin/podman"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		docker *Docker
		root   string
		status snapshot.Status // of the docker collector
		want   scanner.Status
		why    string
	}{
		{"no engine installed", &Docker{}, t.TempDir(), snapshot.StatusOK, scanner.StatusNotApplicable, "no container engine is installed"},
		{"daemon not running", &Docker{}, binRoot, snapshot.StatusUnavailable, scanner.StatusUnknown, "installed but not running"},
		{"daemon hung", &Docker{Host: hungDaemon(t)}, t.TempDir(), snapshot.StatusError, scanner.StatusUnknown, "deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, err := Collect(context.Background(), []Collector{tt.docker}, Options{
				Env: Env{Root: tt.root, ProcRoot: t.TempDir()}, Timeout: 300 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			if st := snap.Collectors["docker"].Status; st != tt.status {
				t.Fatalf("docker collector %s (%s), want %s", st, snap.Collectors["docker"].Error, tt.status)
			}
			b, _ := json.Marshal(snap)
			_, doc, err := snapshot.Decode("t.json", b)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range evalSnapshot(t, doc).Results {
				if !dockerRule(r.RuleID) {
					continue
				}
				n++
				want := tt.want
				if r.RuleID == "MLS-EXP-005" {
					want = scanner.StatusUnknown // no sockets section
				}
				if r.Status != want {
					t.Errorf("%s %s: %s %q, want %s", r.RuleID, r.Subject, r.Status, r.Message, want)
				}
				if want == tt.want && r.RuleID != "MLS-EXP-005" && !strings.Contains(r.Message, tt.why) {
					t.Errorf("%s: %q does not say %q", r.RuleID, r.Message, tt.why)
				}
			}
			if n < 23 {
				t.Errorf("%d results of docker rules, want one per rule at least", n)
			}
		})
	}
}

func dockerRule(id string) bool {
	for _, p := range []string{"MLS-CTR-", "MLS-RES-", "MLS-SEC-"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return id == "MLS-EXP-004" || id == "MLS-EXP-005" || id == "MLS-REG-005"
}

// TestDockerPermissionDenied: a socket that refuses the scan's user (not
// root, not in the docker group) is a permission problem ("run as root"),
// not a broken daemon. The socket is made unreadable to a nobody process.
func TestDockerPermissionDenied(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop to nobody")
	}
	// A folder anyone can enter, holding a root-only socket (like
	// /var/run/docker.sock, root:docker 0660) and a copy of this test
	// binary for the child to run.
	dir, err := os.MkdirTemp("", "mlscan-perm-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Chmod(sock, 0o660); err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "collectors.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	// The collector runs in a child process as nobody: this test binary,
	// re-entered through TestDockerPermissionHelper.
	cmd := exec.Command(bin, "-test.run=^TestDockerPermissionHelper$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MLSCAN_DOCKER_HELPER_SOCK="+sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "status=permission") || !strings.Contains(string(out), "run mlscan as root") {
		t.Errorf("%s", out)
	}
}

func TestDockerPermissionHelper(t *testing.T) {
	sock := os.Getenv("MLSCAN_DOCKER_HELPER_SOCK")
	if sock == "" {
		t.Skip("helper of TestDockerPermissionDenied")
	}
	snap, err := Collect(context.Background(), []Collector{&Docker{Host: "unix://" + sock}}, Options{Env: Env{Root: t.TempDir(), ProcRoot: t.TempDir()}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := snap.Collectors["docker"]
	fmt.Printf("status=%s error=%s\n", r.Status, r.Error)
}

// TestParseServerHeader reads the Server header of /_ping: the first case
// is what Podman 4.3's service sent here (curl -i --unix-socket ... /_ping).
func TestParseServerHeader(t *testing.T) {
	for _, c := range []struct{ in, product, version string }{
		{"Libpod/4.3.1 (linux)", "Podman Engine", "4.3.1"},
		{"Libpod/4.3.1", "Podman Engine", "4.3.1"},
		{"Other/1.0 (linux)", "Other", "1.0"},
		{"", "", ""},
		{"Libpod", "", ""},
		{"/4.3.1 (linux)", "", ""},
	} {
		p, v, ok := parseServerHeader(c.in)
		if p != c.product || v != c.version || ok != (c.product != "") {
			t.Errorf("%q: %q %q %v", c.in, p, v, ok)
		}
	}
}

// TestSecretFileReferencesPass: a container whose environment names its
// secrets' files (the gluetun, Grafana and compose conventions) passes
// MLS-SEC-002 through the whole pipeline: inspect payload, collector,
// snapshot, policy; a secret written into such a key instead of a path
// fails it.
func TestSecretFileReferencesPass(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		status scanner.Status
	}{
		{"gluetun _SECRETFILE", []string{"OPENVPN_PASSWORD_SECRETFILE=/run/secrets/openvpn_password", "WIREGUARD_PRIVATE_KEY_SECRETFILE=/gluetun/wireguard/key"}, scanner.StatusPass},
		{"_FILE and __FILE", []string{"REDIS_PASSWORD_FILE=/run/secrets/redis", "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana"}, scanner.StatusPass},
		{"a value under /run/secrets", []string{"REDIS_PASSWORD=/run/secrets/redis_password"}, scanner.StatusPass},
		{"the secret itself", []string{"REDIS_PASSWORD=Zr8xq2LmN4pW7vK1"}, scanner.StatusFail},
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
			sec := engineSection([]snapshot.Container{parseContainer(ir, newSecretHasher())})
			doc := sectionDoc(t, sec)
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
