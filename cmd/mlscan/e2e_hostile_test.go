package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// TestE2EHostileComposeLabels runs real containers on a real dockerd whose
// compose labels name files chosen by whoever started them: /dev/zero, a
// FIFO, a directory and a 1 GB file, beside a container whose label names
// a real compose file. Whoever can start a container must not be able to
// blind the scan: it finishes, writes every report, the snapshot
// validates, and only those containers' file checks are unknown.
func TestE2EHostileComposeLabels(t *testing.T) {
	testbed.Require(t, "ip", "dockerd", "docker", "nsenter", "busybox", "redis-server")
	bin := testbed.BuildMLScan(t)
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	d := h.StartDockerd(t)

	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "compose.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	subdir := filepath.Join(dir, "compose.d")
	if err := os.Mkdir(subdir, 0o755); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yml")
	if f, err := os.Create(big); err != nil {
		t.Fatal(err)
	} else if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	good := filepath.Join(dir, "infrastructure/distributed-ml/redis/docker-compose.redis.yml")
	src, err := os.ReadFile("../../testdata/testbed/compose/infrastructure/distributed-ml/redis/docker-compose.redis.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(good), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, src, 0o644); err != nil {
		t.Fatal(err)
	}

	hostile := map[string]string{"zero": "/dev/zero", "fifo": fifo, "dir": subdir, "big": big}
	names := []string{"good"}
	files := map[string]string{"good": good}
	for name, file := range hostile {
		names = append(names, name)
		files[name] = file
	}
	slices.Sort(names)
	run := func(name string) {
		d.Run(t, name, "--network", "host", "--user", "1000:1000", "--memory", "64m", "--cpus", "0.5",
			"--pids-limit", "64", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
			"--label", "com.docker.compose.project=hostile",
			"--label", "com.docker.compose.service="+name,
			"--label", "com.docker.compose.project.config_files="+files[name],
			"--label", "com.docker.compose.project.working_dir="+filepath.Dir(files[name]),
			testbed.PodmanImage, "sleep", "100000")
	}

	formats := map[string]string{
		"json": "report.json", "sarif": "report.sarif", "markdown": "report.md",
		"prometheus": "report.prom", "table": "report.txt",
	}
	// scan runs mlscan with every report and returns its wall time, its
	// report directory and its snapshot.
	scan := func(what string) (time.Duration, string, snapshot.Snapshot) {
		out := t.TempDir()
		args := []string{bin, "scan", "--docker-host", d.Addr, "--no-probes", "--snapshot", filepath.Join(out, "snapshot.json")}
		for f, name := range formats {
			args = append(args, "-f", f+"="+filepath.Join(out, name))
		}
		start := time.Now()
		_, stderr, code := h.Exec(t, args...)
		took := time.Since(start)
		t.Logf("%s: scan took %s, exit %d\n%s", what, took.Round(time.Millisecond), code, stderr)
		if code == exitUsage || code > 3 {
			t.Fatalf("mlscan scan (%s): exit %d\n%s", what, code, stderr)
		}
		var snap snapshot.Snapshot
		b, err := os.ReadFile(filepath.Join(out, "snapshot.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &snap); err != nil {
			t.Fatal(err)
		}
		var lines []string
		for name, c := range snap.Collectors {
			lines = append(lines, fmt.Sprintf("%s %s %.0f ms", name, c.Status, c.DurationMS))
		}
		slices.Sort(lines)
		t.Logf("%s: collectors: %s", what, strings.Join(lines, ", "))
		return took, out, snap
	}

	// The same scan without the hostile containers is the normal time.
	run("good")
	baseWall, _, baseSnap := scan("without the hostile containers")
	for name := range hostile {
		run(name)
	}
	wall, out, snap := scan("with the hostile containers")
	// Within its normal time: no hostile file held the docker collector
	// up to the deadline of one file's examination (the collectors'
	// fileDeadline, 2 s: a file that reached it would add as much to the
	// collector's time without them), and the whole scan took at most
	// three times the scan without them (both measured here, on the same
	// machine, so a loaded machine slows both).
	const fileDeadline = 2 * time.Second
	base, ms := baseSnap.Collectors["docker"].DurationMS, snap.Collectors["docker"].DurationMS
	if ms >= base+float64(fileDeadline.Milliseconds()) {
		t.Errorf("docker collector took %.0f ms, %.0f ms without the hostile containers: a hostile file reached the %s deadline", ms, base, fileDeadline)
	}
	if wall > 3*baseWall {
		t.Errorf("scan took %s with the hostile containers, %s without: more than 3 times", wall.Round(time.Millisecond), baseWall.Round(time.Millisecond))
	}
	for _, name := range formats {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("report %s not written: %v", name, err)
		}
	}

	// The snapshot validates: evaluating it anywhere works.
	if st := snap.Collectors["docker"]; st.Status != "ok" {
		t.Errorf("collector docker: %s: %s (want ok: a hostile label must not cost the collector)", st.Status, st.Error)
	}
	if snap.Docker == nil || len(snap.Docker.Containers) != len(names) {
		t.Errorf("snapshot lacks the %d containers", len(names))
	}
	if _, stderr, code := runCLI(t, "eval", "--format", "json", filepath.Join(out, "snapshot.json")); code == exitUsage {
		t.Errorf("eval of the scan's snapshot: exit %d: %s", code, stderr)
	}

	var rep scanner.Report
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	mentions := func(r scanner.Result, name string) bool {
		return strings.Contains(r.Subject, "container "+name+" ") || r.Subject == "container "+name ||
			strings.Contains(r.Subject, files[name])
	}
	unknownOf := map[string][]string{}
	for _, r := range rep.Results {
		if r.Status != scanner.StatusUnknown && r.Status != scanner.StatusError {
			continue
		}
		for _, name := range names {
			if mentions(r, name) {
				unknownOf[name] = append(unknownOf[name], r.RuleID)
			}
		}
		if r.Status == scanner.StatusError {
			t.Errorf("%s %s: error: %s", r.RuleID, r.Subject, r.Message)
		}
	}
	if len(unknownOf["good"]) > 0 {
		t.Errorf("container good (real compose file) has unknown results: %v", unknownOf["good"])
	}
	for name, file := range hostile {
		if len(unknownOf[name]) == 0 {
			t.Errorf("container %s (label names %s): no result says its compose file could not be read", name, file)
		}
		// Only its file check is unknown: every other check is judged.
		if rules := slices.Compact(slices.Sorted(slices.Values(unknownOf[name]))); len(rules) > 0 && !slices.Equal(rules, []string{"MLS-SEC-004"}) {
			t.Errorf("container %s (label names %s): unknown %v, want only MLS-SEC-004", name, file, rules)
		}
		// Its own non-file checks are still judged.
		judged := false
		for _, r := range rep.Results {
			if r.RuleID == "MLS-CTR-001" && mentions(r, name) && r.Status == scanner.StatusPass {
				judged = true
			}
		}
		if !judged {
			t.Errorf("container %s: MLS-CTR-001 (non-root) not judged pass", name)
		}
	}
	t.Logf("unknown per container: %v", unknownOf)
}
