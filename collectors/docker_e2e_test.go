package collectors

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/report"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// e2ePassword is the secret planted in a container's command line and
// environment; it must appear in no output.
const e2ePassword = "mlscanPlanted7Qx9"

// podmanBed is Podman's Docker-compatible API service of a testbed host
// (its own network namespace, so host-network containers and Podman's NAT
// rules stay out of the machine's), with a folder for the test's files.
// The testbed removes everything at the end of the test, whether it passed
// or not.
type podmanBed struct {
	*testbed.Podman
	label string // marks the host's containers, for those made with create
	dir   string
}

// newPodmanBed starts the service; it skips without root and the tools
// (fails with MLSCAN_E2E=1).
func newPodmanBed(tb testing.TB) *podmanBed {
	tb.Helper()
	testbed.Require(tb, "podman", "runc", "nsenter", "ip", "busybox", "redis-server")
	h := testbed.NewHost(tb, "docker-e2e", "10.0.0.84/24")
	return &podmanBed{Podman: h.StartPodman(tb), label: "mlscan.testbed=" + h.NS, dir: tb.TempDir()}
}

// host is the API address for the collector.
func (p *podmanBed) host() string { return p.Addr }

// podman runs the podman CLI on the bed's storage, in its namespace.
func (p *podmanBed) podman(tb testing.TB, args ...string) string {
	tb.Helper()
	return p.Podman.Podman(tb, args...)
}

// run starts a detached container.
func (p *podmanBed) run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	return p.Run(tb, name, args...)
}

// buildImages imports two images of the testbed's root filesystem
// (busybox, redis-server with its libraries, celery:1000 in /etc/passwd): localhost/mlscan:root (no USER) and localhost/mlscan:user
// (USER 1000).
func (p *podmanBed) buildImages(tb testing.TB) {
	tb.Helper()
	tarPath := filepath.Join(p.dir, "rootfs.tar")
	if err := testbed.WriteRootfs(tarPath); err != nil {
		tb.Fatal(err)
	}
	p.podman(tb, "import", tarPath, "localhost/mlscan:root")
	p.podman(tb, "import", "--change", "USER=1000", tarPath, "localhost/mlscan:user")
}

// e2eContainers creates the planted faults and the clean containers the
// end-to-end test judges. Returns the compose folder.
func (p *podmanBed) e2eContainers(tb testing.TB) string {
	tb.Helper()
	compose := filepath.Join(p.dir, "compose")
	if err := os.MkdirAll(compose, 0o755); err != nil {
		tb.Fatal(err)
	}
	// A world-readable compose file that writes the password out (line
	// 4), and a private .env beside it.
	if err := os.WriteFile(filepath.Join(compose, "docker-compose.yml"), []byte("services:\n  redis:\n    environment:\n      - REDIS_PASSWORD="+e2ePassword+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(compose, ".env"), []byte("REDIS_PASSWORD="+e2ePassword+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "docker.sock"), nil, 0o600); err != nil {
		tb.Fatal(err)
	}
	labels := func(service string) []string {
		return []string{
			"--label", "com.docker.compose.project=ml",
			"--label", "com.docker.compose.service=" + service,
			"--label", "com.docker.compose.project.config_files=" + filepath.Join(compose, "docker-compose.yml"),
			"--label", "com.docker.compose.project.working_dir=" + compose,
		}
	}
	hardened := []string{
		"--security-opt", "no-new-privileges", "--cap-drop", "ALL", "--read-only",
		"--restart", "on-failure:3", "--health-cmd", "true", "--pids-limit", "200",
		"--memory", "512m", "--memory-swap", "512m", "--cpus", "0.5",
	}
	// The documented broker: password on the command line, maxmemory equal
	// to the 2 GiB limit, allkeys-lru.
	p.run(tb, "redis-celery", slices.Concat(labels("redis"), []string{
		"--network", "host", "--user", "999:999", "--memory", "2g", "--memory-swap", "2g", "--cpus", "1",
		"--pids-limit", "200", "--security-opt", "no-new-privileges", "--cap-drop", "ALL",
		"localhost/mlscan:root", "redis-server", "--port", "6380", "--bind", "127.0.0.1",
		"--requirepass", e2ePassword, "--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru",
		"--save", "", "--dir", "/tmp",
	})...)
	// A worker as documented (uid 1000), whose result backend points at
	// 6379 (Ray's GCS) and whose environment carries the password.
	p.run(tb, "celery-worker", slices.Concat(labels("celery-worker"), hardened, []string{
		"--network", "host", "--user", "1000:1000",
		"-e", "CELERY_BROKER_URL=redis://:" + e2ePassword + "@127.0.0.1:6380/0",
		"-e", "CELERY_RESULT_BACKEND=redis://:" + e2ePassword + "@127.0.0.1:6379/1",
		"-e", "REDIS_PASSWORD=" + e2ePassword,
		"localhost/mlscan:root", "sleep", "100000",
	})...)
	// A worker left as root, forcing root.
	p.run(tb, "celery-worker-root", slices.Concat(labels("celery-worker-root"), hardened, []string{
		"--network", "host", "-e", "C_FORCE_ROOT=true",
		"localhost/mlscan:root", "sleep", "100000",
	})...)
	p.run(tb, "privileged", "--network", "host", "--privileged", "localhost/mlscan:root", "sleep", "100000")
	// No limits at all, and a wildcard-published port on a bridge network.
	p.run(tb, "nolimits", "--pids-limit", "-1", "-p", "18090:80", "localhost/mlscan:root", "sleep", "100000")
	p.run(tb, "sockmount", "--network", "host", "-v", filepath.Join(p.dir, "docker.sock")+":/var/run/docker.sock",
		"localhost/mlscan:root", "sleep", "100000")
	// Clean: hardened, non-root by its image's USER.
	p.run(tb, "web", slices.Concat(labels("web"), hardened, []string{
		"--network", "host", "localhost/mlscan:user", "httpd", "-f", "-p", "127.0.0.1:18081", "-h", "/srv/www",
	})...)
	p.podman(tb, slices.Concat([]string{"create", "--name", "stopped", "--label", p.label, "--network", "host"}, testbed.PodmanUlimits, []string{"localhost/mlscan:root", "sleep", "1"})...)
	return compose
}

// rawInspect returns the API's raw container-inspect JSON.
func (p *podmanBed) rawInspect(tb testing.TB, name string) []byte {
	tb.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", p.Sock)
	}}}
	resp, err := hc.Get("http://d/v1.41/containers/" + name + "/json")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		tb.Fatalf("inspect %s: %d %v %s", name, resp.StatusCode, err, b)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		tb.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// TestDockerE2E runs the collector against Podman's real Docker Engine
// API and the checks against what it collected: every planted fault fails
// with its rule and subject, the clean containers pass, and the planted
// password is nowhere in the snapshot or in any report format.
// MLSCAN_UPDATE_TESTDATA=1 also captures testdata/docker/podman-*.json.
func TestDockerE2E(t *testing.T) {
	bed := newPodmanBed(t)
	bed.buildImages(t)
	compose := bed.e2eContainers(t)

	if os.Getenv("MLSCAN_UPDATE_TESTDATA") == "1" {
		for _, n := range []string{"redis-celery", "celery-worker", "nolimits", "stopped", "web", "privileged", "sockmount"} {
			if err := os.WriteFile(filepath.Join(dockerTestdata, "podman-4.3-"+n+".json"), bed.rawInspect(t, n), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := Collect(ctx, []Collector{&Docker{Host: bed.host()}}, Options{
		Env: Env{ProcRoot: "/proc", IsRoot: true}, Tool: snapshot.Tool{Name: "mlscan", Version: "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := snap.Collectors["docker"]; r.Status != snapshot.StatusOK {
		t.Fatalf("docker collector: %+v", r)
	}
	sec := snap.Docker
	if sec.Engine.APIVersion != "1.41" || sec.Engine.Product != "Podman Engine" || sec.Engine.MemTotal == 0 {
		t.Errorf("engine %+v", sec.Engine)
	}
	// The version comes from /_ping's Server header, the same as /version's.
	if out, err := exec.Command("podman", "--version").Output(); err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), " "+sec.Engine.ServerVersion) || sec.Engine.ServerVersion == "" {
		t.Errorf("engine version %q, podman --version %q (%v)", sec.Engine.ServerVersion, out, err)
	}
	byName := map[string]snapshot.Container{}
	var names []string
	for _, c := range sec.Containers {
		byName[c.Name] = c
		names = append(names, c.Name)
	}
	wantNames := []string{"celery-worker", "celery-worker-root", "nolimits", "privileged", "redis-celery", "sockmount", "stopped", "web"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("containers %q, want %q (sorted by name)", names, wantNames)
	}

	// Facts as collected.
	redis := byName["redis-celery"]
	if p := redis.Process; p.Status != snapshot.StatusOK || *p.UID != 999 || *p.GID != 999 {
		t.Errorf("redis process %+v", p)
	}
	if redis.Redis == nil || *redis.Redis.MaxmemoryBytes != 2<<30 || redis.Compose.Service != "redis" {
		t.Errorf("redis %+v %+v", redis.Redis, redis.Compose)
	}
	if web := byName["web"]; web.User != "1000" || web.Process.Status != snapshot.StatusOK || *web.Process.UID != 1000 || !web.Healthcheck || !web.ReadonlyRootfs {
		t.Errorf("web %+v", web)
	}
	if root := byName["celery-worker-root"]; root.User != "" || root.ImageUser != "" || *root.Process.UID != 0 {
		t.Errorf("celery-worker-root user %q image user %q process %+v", root.User, root.ImageUser, root.Process)
	}
	if st := byName["stopped"]; st.Running || st.State != "created" || st.Process.Status != snapshot.StatusUnavailable {
		t.Errorf("stopped %+v", st)
	}
	if nl := byName["nolimits"]; len(nl.Ports) != 1 || nl.Ports[0].HostPort != 18090 || nl.NetworkMode != "bridge" {
		t.Errorf("nolimits ports %+v network %q", nl.Ports, nl.NetworkMode)
	}
	w := byName["celery-worker"]
	if len(w.Secrets) != 3 || w.Secrets[0].Hash != redis.Secrets[0].Hash {
		t.Errorf("worker secrets %+v, redis %+v: one password, one hash", w.Secrets, redis.Secrets)
	}
	wantFiles := map[string]bool{filepath.Join(compose, "docker-compose.yml"): true, filepath.Join(compose, ".env"): false}
	for _, f := range sec.Files {
		if wr, ok := wantFiles[f.Path]; !ok || f.Status != snapshot.StatusOK || f.WorldReadable != wr {
			t.Errorf("file %+v", f)
		}
		if wr := wantFiles[f.Path]; wr && (f.Kind != "compose" || f.Content == nil || !slices.Equal(f.Content.LiteralSecrets, []string{"line 4: REDIS_PASSWORD"})) {
			t.Errorf("compose file %+v content %+v: want the written-out password found", f, f.Content)
		}
	}
	if len(sec.Files) != len(wantFiles) {
		t.Errorf("files %+v", sec.Files)
	}

	// Listeners link to containers by id (from the cgroup) or by pid.
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", redis.Process.PID))
	if err != nil {
		t.Fatal(err)
	}
	snap.Sockets = &snapshot.SocketsSection{Listeners: []snapshot.Listener{
		{Proto: "tcp", Port: 6380, PID: redis.Process.PID, ContainerID: containerID(string(cg))},
		{Proto: "tcp", Port: 18081, PID: byName["web"].Process.PID},
	}}
	linkContainers(snap)
	if l := snap.Sockets.Listeners; l[0].ContainerName != "redis-celery" || l[0].ComposeService != "redis" || l[1].ContainerName != "web" {
		t.Errorf("listeners %+v", l)
	}
	// The checks see those listeners with their owners read (as root), and
	// one unregistered wildcard listener of the privileged container.
	snap.Sockets = &snapshot.SocketsSection{Owners: snapshot.Source{Status: snapshot.StatusOK, From: "test"}, Listeners: []snapshot.Listener{
		{Proto: "tcp", Family: "ipv4", Address: "127.0.0.1", Loopback: true, Port: 6380, PID: redis.Process.PID, Process: "redis-server"},
		{Proto: "tcp", Family: "ipv4", Address: "127.0.0.1", Loopback: true, Port: 18081, PID: byName["web"].Process.PID, Process: "httpd"},
		{Proto: "tcp", Family: "ipv4", Address: "0.0.0.0", Wildcard: true, Port: 18082, PID: byName["privileged"].Process.PID, Process: "nc"},
	}}
	linkContainers(snap)

	b, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(e2ePassword)) {
		t.Fatalf("the planted password is in the snapshot:\n%s", grepLines(b, e2ePassword))
	}
	_, doc, err := snapshot.Decode("e2e.json", b)
	if err != nil {
		t.Fatal(err)
	}

	// The checks, on the snapshot as JSON: the contract between the two.
	rep := evalSnapshot(t, doc)
	for _, format := range report.Formats() {
		r, err := report.New(format, report.Options{SourceRoot: compose})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := r.Write(&out, []*scanner.Report{rep}); err != nil {
			t.Fatalf("%s report: %v", format, err)
		}
		if out.Len() == 0 || bytes.Contains(out.Bytes(), []byte(e2ePassword)) {
			t.Fatalf("%s report (%d bytes) holds the planted password:\n%s", format, out.Len(), grepLines(out.Bytes(), e2ePassword))
		}
	}
	got := map[string]scanner.Result{}
	for _, r := range rep.Results {
		if strings.HasPrefix(r.RuleID, "MLS-CTR-") || strings.HasPrefix(r.RuleID, "MLS-RES-") || strings.HasPrefix(r.RuleID, "MLS-SEC-") ||
			r.RuleID == "MLS-EXP-004" || r.RuleID == "MLS-EXP-005" || r.RuleID == "MLS-REG-005" {
			got[r.RuleID+" "+r.Subject] = r
		}
	}
	svc := func(name, service string) string {
		return fmt.Sprintf("container %s (compose service %s)", name, service)
	}
	plain := func(name string) string { return "container " + name }
	tests := []struct {
		rule, subject string
		status        scanner.Status
		msgHas        string
	}{
		// Planted faults.
		{"MLS-CTR-001", svc("celery-worker-root", "celery-worker-root"), scanner.StatusFail, "runs as root"},
		{"MLS-CTR-002", plain("privileged"), scanner.StatusFail, "privileged"},
		{"MLS-CTR-003", plain("sockmount"), scanner.StatusFail, "API socket"},
		{"MLS-CTR-004", plain("privileged"), scanner.StatusFail, "every capability"},
		{"MLS-CTR-005", plain("nolimits"), scanner.StatusFail, "no-new-privileges"},
		{"MLS-CTR-008", plain("privileged"), scanner.StatusFail, "privileged"},
		{"MLS-CTR-010", svc("celery-worker-root", "celery-worker-root"), scanner.StatusFail, "C_FORCE_ROOT=true"},
		{"MLS-CTR-011", plain("privileged"), scanner.StatusFail, "0.0.0.0:18082 (nc, pid "},
		{"MLS-CTR-011", svc("web", "web"), scanner.StatusFail, "not among the registry's owners, and listens on loopback ports"},
		{"MLS-RES-001", plain("nolimits"), scanner.StatusFail, "no memory limit"},
		{"MLS-RES-002", plain("nolimits"), scanner.StatusFail, "swap is unbounded"},
		{"MLS-RES-003", plain("nolimits"), scanner.StatusFail, "no CPU limit"},
		{"MLS-RES-004", plain("nolimits"), scanner.StatusFail, "no PIDs limit"},
		{"MLS-RES-005", svc("redis-celery", "redis"), scanner.StatusFail, "not below its container limit"},
		{"MLS-RES-006", svc("redis-celery", "redis"), scanner.StatusFail, "allkeys-lru"},
		{"MLS-SEC-001", svc("redis-celery", "redis"), scanner.StatusFail, "--requirepass"},
		{"MLS-SEC-002", svc("celery-worker", "celery-worker"), scanner.StatusFail, "REDIS_PASSWORD"},
		{"MLS-SEC-003", svc("redis-celery", "redis"), scanner.StatusFail, "17 characters (at least 32)"},
		{"MLS-SEC-004", "file " + filepath.Join(compose, "docker-compose.yml"), scanner.StatusFail, "writes secrets out: line 4: REDIS_PASSWORD"},
		{"MLS-EXP-004", plain("nolimits"), scanner.StatusFail, "0.0.0.0:18090->80/tcp"},
		{"MLS-REG-005", svc("celery-worker", "celery-worker") + " CELERY_RESULT_BACKEND", scanner.StatusFail, "6379 is Ray's GCS"},
		// What is clean passes.
		{"MLS-CTR-001", svc("web", "web"), scanner.StatusPass, "uid 1000"},
		{"MLS-CTR-001", svc("celery-worker", "celery-worker"), scanner.StatusPass, "declared user 1000"},
		{"MLS-CTR-001", svc("redis-celery", "redis"), scanner.StatusPass, "uid 999"},
		{"MLS-CTR-002", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-CTR-003", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-CTR-004", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-CTR-005", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-CTR-006", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-CTR-007", svc("web", "web"), scanner.StatusPass, "accepted deviation"},
		{"MLS-CTR-008", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-CTR-009", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-CTR-010", svc("celery-worker", "celery-worker"), scanner.StatusPass, ""},
		{"MLS-CTR-011", svc("redis-celery", "redis"), scanner.StatusPass, "127.0.0.1:6380 (redis-server"},
		{"MLS-CTR-011", svc("celery-worker", "celery-worker"), scanner.StatusPass, "listens on nothing"},
		{"MLS-RES-001", svc("redis-celery", "redis"), scanner.StatusPass, "2.0 GiB"},
		{"MLS-RES-002", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-RES-003", svc("redis-celery", "redis"), scanner.StatusPass, "1 CPUs"},
		{"MLS-RES-004", svc("web", "web"), scanner.StatusPass, "200 processes"},
		{"MLS-SEC-001", svc("celery-worker", "celery-worker"), scanner.StatusPass, ""},
		{"MLS-SEC-002", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-SEC-004", "file " + filepath.Join(compose, ".env"), scanner.StatusPass, "0600"},
		{"MLS-EXP-004", svc("web", "web"), scanner.StatusPass, ""},
		{"MLS-REG-005", svc("celery-worker", "celery-worker") + " CELERY_BROKER_URL", scanner.StatusPass, ""},
		// Without the sockets collector, EXP-005 cannot be judged.
		{"MLS-EXP-005", "docker api", scanner.StatusUnknown, "sockets collector not collected"},
	}
	for _, tt := range tests {
		r, ok := got[tt.rule+" "+tt.subject]
		if !ok {
			t.Errorf("%s %s: no result", tt.rule, tt.subject)
			continue
		}
		if r.Status != tt.status || !strings.Contains(r.Message, tt.msgHas) {
			t.Errorf("%s %s: %s %q, want %s with %q", tt.rule, tt.subject, r.Status, r.Message, tt.status, tt.msgHas)
		}
		if tt.status == scanner.StatusFail && strings.Contains(tt.subject, "compose service") && (r.Location == nil || r.Location.File != filepath.Join(compose, "docker-compose.yml")) {
			t.Errorf("%s %s: location %+v, want the compose file", tt.rule, tt.subject, r.Location)
		}
	}
	for k, r := range got {
		if r.Status == scanner.StatusError {
			t.Errorf("%s: %s", k, r.Message)
		}
	}
	if t.Failed() {
		for _, r := range rep.Results {
			if _, ok := got[r.RuleID+" "+r.Subject]; ok {
				t.Logf("%s %s %s: %s", r.RuleID, r.Status, r.Subject, r.Message)
			}
		}
	}
}

// evalSnapshot evaluates the embedded checks on a decoded snapshot.
func evalSnapshot(tb testing.TB, doc map[string]any) *scanner.Report {
	tb.Helper()
	ctx := context.Background()
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		tb.Fatal(err)
	}
	data, err := cfg.Data()
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := scanner.Load(ctx, []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}, data)
	if err != nil {
		tb.Fatal(err)
	}
	in, err := scanner.NewInput(doc)
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := eng.Eval(ctx, in, scanner.EvalOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

func grepLines(b []byte, s string) string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}

// BenchmarkDockerCollect collects through Podman's real API with 10 and
// then 50 running containers.
func BenchmarkDockerCollect(b *testing.B) {
	bed := newPodmanBed(b)
	bed.buildImages(b)
	have := 0
	for _, n := range []int{10, 50} {
		for ; have < n; have++ {
			bed.run(b, fmt.Sprintf("bench-%02d", have), "--network", "host", "--user", "1000:1000",
				"-e", "CELERY_BROKER_URL=redis://:"+e2ePassword+"@127.0.0.1:6380/0",
				"localhost/mlscan:root", "sleep", "100000")
		}
		b.Run(fmt.Sprintf("containers=%d", n), func(b *testing.B) {
			d := &Docker{Host: bed.host()}
			env := &Env{ProcRoot: "/proc"}
			b.ReportAllocs()
			for b.Loop() {
				s, err := d.Collect(context.Background(), env)
				if err != nil {
					b.Fatal(err)
				}
				if got := len(s.(*snapshot.DockerSection).Containers); got != n {
					b.Fatalf("%d containers, want %d", got, n)
				}
			}
		})
	}
}
