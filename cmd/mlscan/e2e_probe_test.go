package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// The probe end-to-end tests run the built mlscan in test namespaces
// (internal/testbed): `mlscan probe` from a LAN peer and from a host
// outside against a server with the document's UFW, and `mlscan scan` on
// a server running real Redis, busybox httpd (Flower), sshd and fail2ban.

// e2eProbeTools are what the reachability test uses.
var e2eProbeTools = []string{"ip", "ufw", "iptables", "redis-server", "busybox", "nc"}

// e2eProbe runs `mlscan probe TARGET --format json --snapshot FILE` on
// host and returns the report, the snapshot and the exit code.
func e2eProbe(t *testing.T, host *testbed.Host, bin, target string, extra ...string) (scanner.Report, snapshot.Snapshot, int) {
	t.Helper()
	snapFile := filepath.Join(t.TempDir(), "probe.json")
	args := append([]string{bin, "probe", target, "--format", "json", "--snapshot", snapFile}, extra...)
	stdout, stderr, code := host.Exec(t, args...)
	if code == exitUsage {
		t.Fatalf("mlscan probe: exit %d\n%s", code, stderr)
	}
	t.Logf("%s", strings.TrimSpace(stderr))
	var rep scanner.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("decode the report: %v\n%s\n%s", err, stdout, stderr)
	}
	var snap snapshot.Snapshot
	b, err := os.ReadFile(snapFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &snap); err != nil || snap.Probes == nil {
		t.Fatalf("decode the snapshot: %v", err)
	}
	return rep, snap, code
}

// openPorts lists the ports a probe found open.
func openPorts(snap snapshot.Snapshot) []int {
	var open []int
	for _, r := range snap.Probes.Reachability {
		if r.State == snapshot.ProbeOpen {
			open = append(open, r.Port)
		}
	}
	return open
}

// failing lists "subject severity" of the failures of one rule.
func failing(rep scanner.Report, id string) []string {
	var out []string
	for _, r := range e2eFind(rep, id, "") {
		if r.Status == scanner.StatusFail {
			out = append(out, r.Subject+" "+string(r.Severity))
		}
	}
	slices.Sort(out)
	return out
}

// e2eAgreement checks MLS-EXP-008 of a probe with a host snapshot: one
// result per probed port, each with the model's prediction, failing
// exactly as wantFail says ("6380/tcp critical") and passing otherwise.
func e2eAgreement(t *testing.T, vantage string, rep scanner.Report, snap snapshot.Snapshot, wantFail []string) {
	t.Helper()
	rs := e2eFind(rep, "MLS-EXP-008", "")
	if len(rs) != len(snap.Probes.Reachability) {
		t.Errorf("from %s: MLS-EXP-008 has %d results for %d ports", vantage, len(rs), len(snap.Probes.Reachability))
	}
	for _, r := range snap.Probes.Reachability {
		if r.Predicted == nil {
			t.Errorf("from %s: %d/tcp has no prediction", vantage, r.Port)
		}
	}
	if got := failing(rep, "MLS-EXP-008"); !slices.Equal(got, wantFail) {
		t.Errorf("from %s: MLS-EXP-008 fails %v, want %v", vantage, got, wantFail)
	}
	for _, r := range rs {
		if r.Status != scanner.StatusPass && r.Status != scanner.StatusFail {
			t.Errorf("from %s: MLS-EXP-008 %s %s: %s", vantage, r.Subject, r.Status, r.Message)
		}
	}
	if t.Failed() {
		e2eLogResults(t, rep)
	}
	t.Logf("from %s: the model predicted %d ports, open %v", vantage, len(rs), openPorts(snap))
}

// TestE2EProbeReachability probes the documented host from a host outside
// the private network and from the LAN peer, then opens Redis to the
// world, then times ports whose packets UFW drops.
func TestE2EProbeReachability(t *testing.T) {
	testbed.Require(t, e2eProbeTools...)
	bin := testbed.BuildMLScan(t)
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	h.ApplyDocumentedUFW(t)
	h.StartDocumentedListeners(t)
	out := testbed.NewOutside(t, h)
	// The server's own snapshot, for the model's predictions, with a
	// listener the registry does not know (8899): only the snapshot makes
	// the probe try it.
	h.StartHTTPD(t, "0.0.0.0:8899", "httpd", "")
	hostSnap := filepath.Join(t.TempDir(), "host.json")
	h.MustExec(t, bin, "collect", "-o", hostSnap)

	t.Run("outside sees only 80 and 443", func(t *testing.T) {
		rep, snap, code := e2eProbe(t, out, bin, h.IP, "--timeout", "500ms")
		if snap.Probes.Vantage != out.IP {
			t.Errorf("vantage %q, want %s", snap.Probes.Vantage, out.IP)
		}
		if got := openPorts(snap); !slices.Equal(got, []int{80, 443}) {
			t.Errorf("open from outside: %v, want [80 443]", got)
		}
		if f := failing(rep, "MLS-EXP-006"); len(f) != 0 {
			t.Errorf("MLS-EXP-006 fails: %v", f)
		}
		if n := len(e2eFind(rep, "MLS-EXP-006", "")); n != len(snap.Probes.Reachability) {
			t.Errorf("MLS-EXP-006: %d results for %d ports", n, len(snap.Probes.Reachability))
		}
		if code != exitOK {
			t.Errorf("exit %d, want %d", code, exitOK)
		}
		if t.Failed() {
			e2eLogResults(t, rep)
		}
	})

	t.Run("LAN peer cannot use what the registry gives it", func(t *testing.T) {
		rep, snap, code := e2eProbe(t, h.Peer, bin, h.IP, "--timeout", "500ms")
		if got := openPorts(snap); !slices.Equal(got, []int{22, 80, 443}) {
			t.Errorf("open from the LAN: %v, want [22 80 443]", got)
		}
		want := []string{"10001/tcp info", "3002/tcp info", "5555/tcp info", "6379/tcp info", "8080/tcp info", "8265/tcp info", "9090/tcp info", "9091/tcp info", "9100/tcp info"}
		if got := failing(rep, "MLS-EXP-007"); !slices.Equal(got, want) {
			t.Errorf("MLS-EXP-007 failures %v, want %v", got, want)
		}
		if f := failing(rep, "MLS-EXP-006"); len(f) != 0 {
			t.Errorf("MLS-EXP-006 fails from the LAN: %v", f)
		}
		if code != exitOK {
			t.Errorf("exit %d, want %d (info findings never fail)", code, exitOK)
		}
		if t.Failed() {
			e2eLogResults(t, rep)
		}
	})

	t.Run("the model agrees with both probes", func(t *testing.T) {
		for _, v := range []*testbed.Host{out, h.Peer} {
			rep, snap, _ := e2eProbe(t, v, bin, h.IP, "--timeout", "500ms", "--host-snapshot", hostSnap)
			e2eAgreement(t, v.IP, rep, snap, nil)
			// UFW drops 8899 from both, and the model says so.
			if r := e2eFind(rep, "MLS-EXP-008", "8899/tcp"); len(r) != 1 || !strings.Contains(r[0].Message, "filtered") || !strings.Contains(r[0].Message, "dropped in INPUT") {
				t.Errorf("from %s: MLS-EXP-008 8899/tcp: %+v", v.IP, r)
			}
		}
	})

	t.Run("redis allowed from anywhere", func(t *testing.T) {
		h.UFW(t, "allow", "6380/tcp")
		rep, snap, code := e2eProbe(t, out, bin, h.IP, "--timeout", "500ms")
		if got := openPorts(snap); !slices.Equal(got, []int{80, 443, 6380}) {
			t.Errorf("open from outside: %v, want [80 443 6380]", got)
		}
		if got := failing(rep, "MLS-EXP-006"); !slices.Equal(got, []string{"6380/tcp critical"}) {
			t.Errorf("MLS-EXP-006 failures %v, want 6380/tcp critical", got)
		}
		if code != exitFindings {
			t.Errorf("exit %d, want %d", code, exitFindings)
		}
		if t.Failed() {
			e2eLogResults(t, rep)
		}

		// The snapshot taken before the rule predicts 6380 unreachable:
		// the probe finds it open, the dangerous direction. A fresh
		// snapshot agrees again.
		rep, snap, _ = e2eProbe(t, out, bin, h.IP, "--timeout", "500ms", "--host-snapshot", hostSnap)
		e2eAgreement(t, out.IP, rep, snap, []string{"6380/tcp critical"})
		fresh := filepath.Join(t.TempDir(), "host-6380.json")
		h.MustExec(t, bin, "collect", "-o", fresh)
		rep, snap, _ = e2eProbe(t, out, bin, h.IP, "--timeout", "500ms", "--host-snapshot", fresh)
		e2eAgreement(t, out.IP, rep, snap, nil)
		h.UFW(t, "delete", "allow", "6380/tcp")
	})

	t.Run("dropped ports cost one timeout", func(t *testing.T) {
		const timeout = 500 * time.Millisecond
		slack := 250 * time.Millisecond
		// One dropped port, alone, costs its timeout and no more.
		start := time.Now()
		_, snap, _ := e2eProbe(t, out, bin, h.IP, "--timeout", timeout.String(), "--ports", "20000")
		wall := time.Since(start)
		var one snapshot.Reachability
		for _, r := range snap.Probes.Reachability {
			if r.Port == 20000 {
				one = r
			}
		}
		if one.State != snapshot.ProbeFiltered {
			t.Fatalf("20000/tcp from outside: %+v, want filtered (UFW drops it)", one)
		}
		if d := time.Duration(one.DurationMS * float64(time.Millisecond)); d < timeout-50*time.Millisecond || d > timeout+slack {
			t.Errorf("a dropped port took %s with a %s timeout", d, timeout)
		}
		t.Logf("one dropped port: %.0f ms; the whole command (start, %d ports, policies, report): %s", one.DurationMS, len(snap.Probes.Reachability), wall)

		// Twenty dropped ports (plus the registry's, most of them dropped
		// from outside) finish in about one timeout: they run concurrently.
		_, snap, _ = e2eProbe(t, out, bin, h.IP, "--timeout", timeout.String(), "--ports", "20000-20019")
		filtered := 0
		for _, r := range snap.Probes.Reachability {
			if r.Port >= 20000 && r.Port <= 20019 && r.State == snapshot.ProbeFiltered {
				filtered++
			}
		}
		if filtered != 20 {
			t.Errorf("%d of 20 ports filtered", filtered)
		}
		phase := time.Duration(snap.Collectors["probes"].DurationMS * float64(time.Millisecond))
		if phase > timeout+slack {
			t.Errorf("%d ports took %s, more than one %s timeout", len(snap.Probes.Reachability), phase, timeout)
		}
		t.Logf("%d ports, %d of them dropped: %s (timeout %s)", len(snap.Probes.Reachability), len(snap.Probes.Reachability)-2, phase, timeout)
	})
}

// e2eServiceTools are what the services test uses.
var e2eServiceTools = []string{"ip", "ufw", "iptables", "redis-server", "busybox", "sshd", "ssh-keygen", "fail2ban-client"}

// TestE2EServicesAuth scans a server running real services configured as
// the document claims (Redis with a password, Flower with basic auth, sshd
// key-only, fail2ban with the sshd jail), then each broken.
func TestE2EServicesAuth(t *testing.T) {
	testbed.Require(t, e2eServiceTools...)
	bin := testbed.BuildMLScan(t)
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	h.ApplyDocumentedUFW(t)
	h.ConfigureSSHD(t, testbed.SSHDConfig("no"))
	sshd := h.StartSSHD(t)
	h.StartFail2ban(t)
	redis := h.StartRedis(t, "0.0.0.0", 6380, "e2e-"+strconv.FormatInt(time.Now().UnixNano(), 36)+"-redis-secret", "")
	flower := h.StartHTTPD(t, "0.0.0.0:5555", "flower", "admin:e2e-flower-secret-0123456789")

	statuses := func(rep scanner.Report, id string) map[string]string {
		m := map[string]string{}
		for _, r := range e2eFind(rep, id, "") {
			m[r.Subject] = string(r.Status) + " " + string(r.Severity)
		}
		return m
	}
	expect := func(t *testing.T, rep scanner.Report, id string, want map[string]string) {
		t.Helper()
		got := statuses(rep, id)
		for subj, w := range want {
			if got[subj] != w {
				t.Errorf("%s %s: %q, want %q (all: %v)", id, subj, got[subj], w, got)
			}
		}
	}

	t.Run("as documented", func(t *testing.T) {
		rep, _ := e2eScan(t, h, []string{bin})
		expect(t, rep, "MLS-AUTH-004", map[string]string{"127.0.0.1:6380": "pass critical", "10.0.0.84:6380": "pass critical"})
		expect(t, rep, "MLS-AUTH-007", map[string]string{"127.0.0.1:5555": "pass critical", "10.0.0.84:5555": "pass critical"})
		expect(t, rep, "MLS-SSH-001", map[string]string{"sshd PasswordAuthentication": "pass high", "sshd PermitEmptyPasswords": "pass high", "sshd PubkeyAuthentication": "pass high"})
		expect(t, rep, "MLS-SSH-002", map[string]string{"sshd KbdInteractiveAuthentication": "pass high"})
		expect(t, rep, "MLS-SSH-003", map[string]string{"sshd PermitRootLogin": "pass high"})
		expect(t, rep, "MLS-SSH-004", map[string]string{"fail2ban sshd jail": "pass medium"})
		for _, r := range e2eFind(rep, "MLS-SSH-001", "") {
			if !strings.Contains(r.Evidence.Source, "sshd -T") {
				t.Errorf("SSH-001 %s: source %q, want sshd -T (root)", r.Subject, r.Evidence.Source)
			}
		}
		if t.Failed() {
			e2eLogResults(t, rep)
		}
	})

	t.Run("every claim broken", func(t *testing.T) {
		h.Stop(t, redis)
		h.StartRedis(t, "0.0.0.0", 6380, "", "")
		h.Stop(t, flower)
		h.StartHTTPD(t, "0.0.0.0:5555", "flower", "")
		h.Stop(t, sshd)
		h.ConfigureSSHD(t, testbed.SSHDConfig("yes"))
		h.StartSSHD(t)
		h.StopFail2ban(t)

		rep, code := e2eScan(t, h, []string{bin})
		// From loopback Redis answers +PONG; from the host's own address
		// protected mode answers -DENIED.
		expect(t, rep, "MLS-AUTH-004", map[string]string{"127.0.0.1:6380": "fail critical", "10.0.0.84:6380": "fail high"})
		expect(t, rep, "MLS-AUTH-007", map[string]string{"127.0.0.1:5555": "fail critical", "10.0.0.84:5555": "fail critical"})
		expect(t, rep, "MLS-SSH-001", map[string]string{"sshd PasswordAuthentication": "fail high", "sshd PubkeyAuthentication": "pass high"})
		expect(t, rep, "MLS-SSH-004", map[string]string{"fail2ban": "fail medium"})
		if r := e2eFind(rep, "MLS-SSH-001", "sshd PasswordAuthentication"); len(r) == 1 && !strings.Contains(r[0].Message, "/etc/ssh/sshd_config:") {
			t.Errorf("SSH-001 message %q does not name the file and line", r[0].Message)
		}
		if code != exitFindings {
			t.Errorf("exit %d, want %d", code, exitFindings)
		}
		if t.Failed() {
			e2eLogResults(t, rep)
		}
	})
}
