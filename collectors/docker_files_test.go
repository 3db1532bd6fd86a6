package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// hostileBed is a host root with one honest compose project and one
// container per hostile path its label names instead of a compose file.
type hostileBed struct {
	root       string
	containers []snapshot.Container
	secret     string // in /etc/shadow-like file the symlink names
}

func newHostileBed(t *testing.T) hostileBed {
	t.Helper()
	b := hostileBed{root: t.TempDir(), secret: "Zr8xq2LmN4pW7vK1shadow"}
	mk := func(p string) string {
		full := filepath.Join(b.root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		return full
	}
	honest := mk("srv/ml/docker-compose.yml")
	if err := os.WriteFile(honest, []byte("services:\n  redis:\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mk("srv/ml/.env"), []byte("REDIS_PASSWORD=x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(mk("srv/evil/fifo.yml"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(mk("srv/evil/big.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.MkdirAll(mk("srv/evil/dir.yml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(mk("srv/evil/dir.yml"), 0o755); err != nil {
		t.Fatal(err)
	}
	shadow := mk("etc/shadow")
	if err := os.WriteFile(shadow, []byte("root:"+b.secret+":19000:0:99999:7:::\nPASSWORD: "+b.secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(shadow, mk("srv/evil/shadow.yml")); err != nil {
		t.Fatal(err)
	}
	// Regular files where the host has kernel files: refused by path.
	if err := os.WriteFile(mk("dev/zero"), []byte("PASSWORD: "+b.secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mk("proc/self/environ"), []byte("PASSWORD: "+b.secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	compose := func(name, project string, files ...string) snapshot.Container {
		return snapshot.Container{Name: name, Compose: &snapshot.ComposeInfo{Project: project, Service: name, ConfigFiles: files}}
	}
	b.containers = []snapshot.Container{
		withWD(compose("redis", "ml", "/srv/ml/docker-compose.yml"), "/srv/ml"),
		compose("zero", "evil", "/dev/zero"),
		compose("fifo", "evil", "/srv/evil/fifo.yml"),
		compose("dir", "evil", "/srv/evil/dir.yml"),
		compose("big", "evil", "/srv/evil/big.yml"),
		compose("shadow", "evil", "/srv/evil/shadow.yml"),
		compose("proc", "evil", "/proc/self/environ", "relative.yml"),
	}
	return b
}

// TestContainerFilesHostile: labels naming /dev/zero, a FIFO, a directory,
// a 1 GiB file, a symbolic link to a secret file and /proc cost only
// their own files: each gets its reason, the honest project is read, the
// collector returns at once, and nothing of any content comes out.
func TestContainerFilesHostile(t *testing.T) {
	b := newHostileBed(t)
	// A FIFO opened for reading would block this call for good.
	files := containerFiles(context.Background(), &Env{Root: b.root}, b.containers, newSecretHasher())
	want := map[string]struct {
		status, content snapshot.Status
		reason          string
	}{
		"/srv/ml/docker-compose.yml": {snapshot.StatusOK, snapshot.StatusOK, ""},
		"/srv/ml/.env":               {snapshot.StatusOK, "", ""},
		"/dev/zero":                  {snapshot.StatusOK, snapshot.StatusError, "/dev/zero is under /dev (device and kernel files): not read"},
		"/srv/evil/fifo.yml":         {snapshot.StatusOK, snapshot.StatusError, "/srv/evil/fifo.yml is a FIFO, not a regular file: not read"},
		"/srv/evil/dir.yml":          {snapshot.StatusOK, snapshot.StatusError, "/srv/evil/dir.yml is a directory, not a regular file: not read"},
		"/srv/evil/big.yml":          {snapshot.StatusOK, snapshot.StatusError, "/srv/evil/big.yml is 1.0 GiB, larger than 1 MiB: not read"},
		"/srv/evil/shadow.yml":       {snapshot.StatusOK, snapshot.StatusError, "/srv/evil/shadow.yml is a symbolic link (to " + filepath.Join(b.root, "etc/shadow") + "): not followed"},
		"/proc/self/environ":         {snapshot.StatusOK, snapshot.StatusError, "is under /proc"},
		"relative.yml":               {snapshot.StatusError, "", "not an absolute path: not examined"},
	}
	got := map[string]snapshot.FileMode{}
	for _, f := range files {
		got[f.Path] = f
	}
	for p, w := range want {
		f, ok := got[p]
		if !ok {
			t.Errorf("%s: no entry", p)
			continue
		}
		if w.status != "" && f.Status != w.status {
			t.Errorf("%s: status %s (%s), want %s", p, f.Status, f.Error, w.status)
		}
		var content snapshot.Status
		var reason string
		if f.Content != nil {
			content, reason = f.Content.Status, f.Content.Error
			if f.Content.LiteralSecrets == nil {
				t.Errorf("%s: literal_secrets null", p)
			}
		} else {
			reason = f.Error
		}
		if content != w.content || !strings.Contains(reason, w.reason) {
			t.Errorf("%s: content %q reason %q, want %q with %q", p, content, reason, w.content, w.reason)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d files, want %d: %+v", len(got), len(want), files)
	}
	js, _ := json.Marshal(files)
	if strings.Contains(string(js), b.secret) {
		t.Errorf("a file's content leaked: %s", js)
	}
}

// TestContainerFilesDeadline: a file not examined before the collector's
// deadline is reported as such, never as read.
func TestContainerFilesDeadline(t *testing.T) {
	b := newHostileBed(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, f := range containerFiles(ctx, &Env{Root: b.root}, b.containers[:1], newSecretHasher()) {
		if f.Status != snapshot.StatusError || !strings.Contains(f.Error, "not examined: context canceled") {
			t.Errorf("%s: %s %q, want not examined", f.Path, f.Status, f.Error)
		}
	}
}

// TestHostileFilesVerdicts evaluates the policies on a snapshot of the
// hostile bed: it validates against the schema, the hostile compose files
// are unknown for MLS-SEC-004 with their reasons, and the honest project
// is still judged.
func TestHostileFilesVerdicts(t *testing.T) {
	b := newHostileBed(t)
	var cs []snapshot.Container
	for _, c := range b.containers {
		pc := parseContainer(inspectPayload(t, "podman-4.3-web.json", nil), newSecretHasher())
		pc.Name, pc.Compose = c.Name, c.Compose
		cs = append(cs, pc)
	}
	sec := engineSection(cs)
	sec.Files = containerFiles(context.Background(), &Env{Root: b.root}, sec.Containers, newSecretHasher())
	doc := sectionDoc(t, sec)
	statuses := map[string]scanner.Status{}
	messages := map[string]string{}
	for _, r := range evalSnapshot(t, doc).Results {
		if r.RuleID == "MLS-SEC-004" {
			statuses[r.Subject] = r.Status
			messages[r.Subject] = r.Message
		}
	}
	tests := []struct {
		name, subject string
		status        scanner.Status
		message       string
	}{
		{"honest compose file", "file /srv/ml/docker-compose.yml", scanner.StatusPass, "writes no secret value out"},
		{"honest .env", "file /srv/ml/.env", scanner.StatusPass, "not world-readable"},
		{"FIFO", "file /srv/evil/fifo.yml", scanner.StatusUnknown, "is a FIFO, not a regular file"},
		{"device", "file /dev/zero", scanner.StatusUnknown, "under /dev"},
		{"directory", "file /srv/evil/dir.yml", scanner.StatusUnknown, "is a directory"},
		{"1 GiB", "file /srv/evil/big.yml", scanner.StatusUnknown, "larger than 1 MiB"},
		{"symbolic link", "file /srv/evil/shadow.yml", scanner.StatusUnknown, "symbolic link"},
		{"relative path", "file relative.yml", scanner.StatusUnknown, "not an absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if statuses[tt.subject] != tt.status || !strings.Contains(messages[tt.subject], tt.message) {
				t.Errorf("%s: %s %q, want %s with %q", tt.subject, statuses[tt.subject], messages[tt.subject], tt.status, tt.message)
			}
		})
	}
}

func withWD(c snapshot.Container, wd string) snapshot.Container {
	c.Compose.WorkingDir = wd
	return c
}

// engineSection is the docker section of a reachable engine with cs.
func engineSection(cs []snapshot.Container) *snapshot.DockerSection {
	return &snapshot.DockerSection{EngineInstalled: true, Engine: snapshot.DockerEngine{Source: snapshot.Source{Status: snapshot.StatusOK}, Host: "unix:///run/docker.sock", HostFrom: "default"},
		Daemon: snapshot.DockerDaemon{Source: snapshot.Source{Status: snapshot.StatusOK}, Hosts: []snapshot.DaemonHost{}}, Containers: cs, Files: []snapshot.FileMode{}}
}

// sectionDoc is a snapshot holding sec, decoded and validated against
// the schema as mlscan eval does.
func sectionDoc(t *testing.T, sec *snapshot.DockerSection) map[string]any {
	t.Helper()
	snap := testSnapshot("docker")
	snap.Docker = sec
	return snapshotDoc(t, snap)
}

// TestContainerFilesManyNames: a label naming thousands of compose files
// costs at most maxComposeFiles examinations and one entry for the rest.
func TestContainerFilesManyNames(t *testing.T) {
	root := t.TempDir()
	var names []string
	for i := range 5000 {
		names = append(names, fmt.Sprintf("/srv/many/%d.yml", i))
	}
	cs := []snapshot.Container{{Name: "many", Compose: &snapshot.ComposeInfo{Project: "many", Service: "many", ConfigFiles: names}}}
	files := containerFiles(context.Background(), &Env{Root: root}, cs, newSecretHasher())
	if len(files) != maxComposeFiles+1 {
		t.Fatalf("%d entries, want %d", len(files), maxComposeFiles+1)
	}
	n := 0
	for _, f := range files {
		if strings.Contains(f.Error, "names 5000 compose files: this one and the 4967 after it are not examined") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d entries for the rest, want 1: %+v", n, files)
	}
}

// TestExamineWithinDeadline: an examination that blocks in the kernel (here
// a blocking open of a FIFO nobody writes, as a hung network mount would
// block a stat) is given up at the deadline with its reason; the blocked
// call is released afterwards.
func TestExamineWithinDeadline(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.yml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	blocking := func(_ *Env, _ fileJob, fm snapshot.FileMode) fileResult {
		f, err := os.Open(fifo) // blocks until a writer opens it
		if err == nil {
			f.Close()
		}
		fm.Status = snapshot.StatusOK
		return fileResult{fm: fm}
	}
	j := fileJob{path: fifo, why: "compose file of project evil", kind: "compose", mustExist: true}
	r := examineWithin(context.Background(), 50*time.Millisecond, &Env{}, j, blocking)
	if r.fm.Status != snapshot.StatusError || r.fm.Error != "not examined within 50ms (a hung file system?)" {
		t.Errorf("%s %q, want not examined within 50ms", r.fm.Status, r.fm.Error)
	}
	// Release the blocked open: a writer arrives.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}
