package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/scanner"
)

// The end-to-end tests run the built mlscan inside a network namespace with
// a real UFW and real listeners (internal/testbed). They need root and the
// packages of .ci/run; without them they skip, unless MLSCAN_E2E=1.

// e2eTools are the programs the UFW end-to-end tests use.
var e2eTools = []string{"ip", "ufw", "iptables", "redis-server", "busybox", "nc"}

// e2ePrivatePorts are the documented host's listeners that UFW must keep
// private (not loopback, not 80/443): MLS-EXP-001 judges each of them.
var e2ePrivatePorts = []string{"22/tcp", "3002/tcp", "5555/tcp", "6379/tcp", "6380/tcp", "8265/tcp", "9091/tcp", "10001/tcp"}

// TestE2EUFWDocumentedHost scans a host configured exactly as the networking
// document says, then opens Redis to the world, then disables UFW.
func TestE2EUFWDocumentedHost(t *testing.T) {
	testbed.Require(t, e2eTools...)
	bin := testbed.BuildMLScan(t)
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	h.ApplyDocumentedUFW(t)
	h.StartDocumentedListeners(t)

	t.Run("documented", func(t *testing.T) {
		rep, code := e2eScan(t, h, []string{bin})
		e2eLogNotPassing(t, rep)
		for _, r := range rep.Results {
			if strings.HasPrefix(r.RuleID, "MLS-FW-") && r.Status != scanner.StatusPass &&
				(r.Status != scanner.StatusFail || r.Severity != scanner.SeverityInfo) {
				t.Errorf("%s %s: %s (%s): %s", r.RuleID, r.Subject, r.Status, r.Severity, r.Message)
			}
		}
		for _, port := range e2ePrivatePorts {
			if got := e2eFind(rep, "MLS-EXP-001", port); len(got) != 1 || got[0].Status != scanner.StatusPass {
				t.Errorf("MLS-EXP-001 %s: want one pass, got %+v", port, got)
			}
		}
		for _, r := range e2eFind(rep, "MLS-EXP-001", "") {
			if r.Status == scanner.StatusFail {
				t.Errorf("MLS-EXP-001 %s fails: %s", r.Subject, r.Message)
			}
		}
		if want := e2eWantExit(rep); code != want {
			t.Errorf("exit code %d, want %d for these results", code, want)
		}
		if t.Failed() {
			e2eLogResults(t, rep)
		}
		// The real firewall agrees: the LAN peer reaches SSH, not Redis.
		if _, _, c := h.Peer.Exec(t, "nc", "-z", "-w", "1", h.IP, "22"); c != 0 {
			t.Errorf("LAN peer cannot reach 22/tcp (nc exit %d)", c)
		}
		if _, _, c := h.Peer.Exec(t, "nc", "-z", "-w", "1", h.IP, "6380"); c == 0 {
			t.Error("LAN peer reaches 6380/tcp through the documented UFW")
		}
		e2eCapture(t, h, bin, rep)
	})

	t.Run("redis allowed from anywhere", func(t *testing.T) {
		h.UFW(t, "allow", "6380/tcp")
		rep, code := e2eScan(t, h, []string{bin})
		fw5 := slices.ContainsFunc(e2eFind(rep, "MLS-FW-005", ""), func(r scanner.Result) bool {
			return r.Status == scanner.StatusFail && strings.Contains(r.Subject+" "+r.Message, "6380")
		})
		if !fw5 {
			t.Error("MLS-FW-005 has no failure naming 6380")
		}
		exp := e2eFind(rep, "MLS-EXP-001", "6380/tcp")
		if len(exp) != 1 || exp[0].Status != scanner.StatusFail || exp[0].Severity != scanner.SeverityCritical {
			t.Errorf("MLS-EXP-001 6380/tcp: want one critical failure, got %+v", exp)
		}
		if code != exitFindings {
			t.Errorf("exit code %d, want %d", code, exitFindings)
		}
		if t.Failed() {
			e2eLogResults(t, rep)
		}
		// The real firewall agrees: Redis now answers the LAN peer.
		out, _, _ := h.Peer.Exec(t, "sh", "-c", "printf 'PING\\r\\n' | nc -w 1 "+h.IP+" 6380")
		if !strings.Contains(out, "NOAUTH") {
			t.Errorf("LAN peer's PING to 6380: %q, want -NOAUTH", out)
		}
	})

	t.Run("ufw disabled", func(t *testing.T) {
		h.UFW(t, "disable")
		rep, code := e2eScan(t, h, []string{bin})
		fw1 := e2eFind(rep, "MLS-FW-001", "")
		if !slices.ContainsFunc(fw1, func(r scanner.Result) bool { return r.Status == scanner.StatusFail }) {
			t.Errorf("MLS-FW-001: want a failure, got %+v", fw1)
		}
		if code != exitFindings {
			t.Errorf("exit code %d, want %d", code, exitFindings)
		}
		if t.Failed() {
			e2eLogResults(t, rep)
		}
	})
}

// TestE2ENonRoot scans the documented listeners and firewall as nobody
// (the sockets and ufw collectors; the others have their own tests): what
// needs root is unknown, never pass, and says to run as root.
func TestE2ENonRoot(t *testing.T) {
	testbed.Require(t, append(e2eTools, "setpriv")...)
	bin := testbed.BuildMLScan(t) // in a 0755 directory: nobody can run it
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	h.ApplyDocumentedUFW(t)
	h.StartDocumentedListeners(t)

	// With the document's accepted risks waived, what remains is what a
	// scan without root cannot see: exit 3, not a clean 0.
	waivers := filepath.Join(filepath.Dir(bin), "waivers.yaml")
	wb, err := os.ReadFile(exampleWaivers)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(waivers, wb, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, code := e2eScan(t, h, []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin}, "--waivers", waivers, "--collectors", "sockets,ufw,netfilter")
	if rep.IsRoot {
		t.Error("report says is_root for a scan as nobody")
	}
	for _, id := range []string{"MLS-FW-004", "MLS-FW-005", "MLS-FW-006", "MLS-EXP-001"} {
		rs := e2eFind(rep, id, "")
		if len(rs) == 0 {
			t.Errorf("%s: no result", id)
		}
		for _, r := range rs {
			if r.Status != scanner.StatusUnknown || !strings.Contains(r.Message, "root") {
				t.Errorf("%s %s: %s %q, want unknown saying to run as root", id, r.Subject, r.Status, r.Message)
			}
		}
	}
	// No check that needs the rules or the live state passes without them.
	for _, c := range e2eChecks(t) {
		if !slices.Contains(c.Requires, "ufw.rules") && !slices.Contains(c.Requires, "ufw.live") {
			continue
		}
		for _, r := range e2eFind(rep, c.ID, "") {
			if r.Status == scanner.StatusPass {
				t.Errorf("%s (requires %v) passes without root: %s", c.ID, c.Requires, r.Message)
			}
		}
	}
	e2eLogNotPassing(t, rep)
	if code != exitUnknown {
		t.Errorf("exit code %d, want %d (unknowns, nothing failing once the documented risks are waived)", code, exitUnknown)
	}
	if t.Failed() {
		e2eLogResults(t, rep)
	}
}

// e2eScan runs `mlscan scan --format json` in the host (after the prefix,
// say setpriv ... BIN) and decodes the report. The Redis password must
// not appear in the output.
func e2eScan(t *testing.T, h *testbed.Host, argv []string, extra ...string) (scanner.Report, int) {
	t.Helper()
	stdout, stderr, code := h.Exec(t, append(append(argv, "scan", "--format", "json"), extra...)...)
	if code == exitUsage {
		t.Fatalf("mlscan scan: exit %d\n%s", code, stderr)
	}
	if h.RedisPassword != "" && strings.Contains(stdout+stderr, h.RedisPassword) {
		t.Error("the Redis password appears in mlscan's output")
	}
	var rep scanner.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("decode the JSON report: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	return rep, code
}

// e2eCapture collects the host's snapshot in the namespace and checks that
// evaluating it anywhere gives the scan's verdicts. (The committed
// documented-host snapshot comes from the full testbed: TestE2EMatrix.)
func e2eCapture(t *testing.T, h *testbed.Host, bin string, scan scanner.Report) {
	t.Helper()
	snap := filepath.Join(t.TempDir(), "documented-host.json")
	h.MustExec(t, bin, "collect", "-o", snap)
	data, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), h.RedisPassword) {
		t.Fatal("the Redis password appears in the snapshot")
	}
	if !strings.Contains(string(data), "redis-server") {
		t.Error("the snapshot names no redis-server process")
	}

	out, stderr, code := runCLI(t, "eval", "--format", "json", snap)
	var rep scanner.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("mlscan eval: exit %d: %v\n%s", code, err, stderr)
	}
	if got, want := e2eVerdicts(rep), e2eVerdicts(scan); !slices.Equal(got, want) {
		t.Errorf("eval of the collected snapshot differs from the scan:\neval: %q\nscan: %q", got, want)
	}

}

// e2eVerdicts lists "rule subject status severity" of every result, sorted.
func e2eVerdicts(rep scanner.Report) []string {
	var v []string
	for _, r := range rep.Results {
		v = append(v, strings.Join([]string{r.RuleID, r.Subject, string(r.Status), string(r.Severity)}, " | "))
	}
	slices.Sort(v)
	return v
}

// e2eFind returns the results of rule id, of one subject unless subject is "".
func e2eFind(rep scanner.Report, id, subject string) []scanner.Result {
	var out []scanner.Result
	for _, r := range rep.Results {
		if r.RuleID == id && (subject == "" || r.Subject == subject) {
			out = append(out, r)
		}
	}
	return out
}

// e2eWantExit is the exit code the results call for with --fail-on low.
func e2eWantExit(rep scanner.Report) int {
	code := exitOK
	for _, r := range rep.Results {
		switch {
		case r.Status == scanner.StatusFail && r.Severity != scanner.SeverityInfo:
			return exitFindings
		case r.Status == scanner.StatusUnknown || r.Status == scanner.StatusError:
			code = exitUnknown
		}
	}
	return code
}

// e2eChecks lists the loaded checks (`mlscan policies --json`).
func e2eChecks(t *testing.T) []scanner.Check {
	t.Helper()
	out, stderr, code := runCLI(t, "policies", "--json")
	if code != 0 {
		t.Fatalf("mlscan policies --json: exit %d: %s", code, stderr)
	}
	var checks []scanner.Check
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatal(err)
	}
	return checks
}

// e2eLogNotPassing logs the results that are not pass.
func e2eLogNotPassing(t *testing.T, rep scanner.Report) {
	t.Helper()
	for _, r := range rep.Results {
		if r.Status != scanner.StatusPass {
			t.Logf("  %-11s %-8s %-8s %s: %s", r.RuleID, r.Status, r.Severity, r.Subject, r.Message)
		}
	}
}

func e2eLogResults(t *testing.T, rep scanner.Report) {
	t.Helper()
	t.Log("all results:")
	for _, r := range rep.Results {
		t.Logf("  %-11s %-8s %-8s %s: %s", r.RuleID, r.Status, r.Severity, r.Subject, r.Message)
	}
}
