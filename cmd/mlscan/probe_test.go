package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/collectors"
	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/report"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

func TestParsePortList(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		err  bool
	}{
		{"", nil, false},
		{"22", []int{22}, false},
		{"22, 6380,10002-10004", []int{22, 6380, 10002, 10003, 10004}, false},
		{"0", nil, true},
		{"65536", nil, true},
		{"10-5", nil, true},
		{"ssh", nil, true},
		{"1-65535,1", nil, true},
	}
	for _, tc := range tests {
		got, err := parsePortList(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("parsePortList(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func defaultConfig(t *testing.T) *scanner.Config {
	t.Helper()
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestProbePortsDefault: every pinned registry port, the forbidden and
// public ports, and not the Ray worker range.
func TestProbePortsDefault(t *testing.T) {
	got := probePortsFor(defaultConfig(t), []int{10005, 22})
	want := []int{22, 80, 443, 2375, 2376, 3002, 5555, 6379, 6380, 8080, 8265, 9090, 9091, 9100, 10001, 10005}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestProbeRegistryMatchesCollectorDefault keeps the probes collector's
// built-in registry equal to the default configuration's.
func TestProbeRegistryMatchesCollectorDefault(t *testing.T) {
	if got := probeRegistry(defaultConfig(t)); !slices.Equal(got, collectors.DefaultProbePorts) {
		t.Errorf("the default config's registry:\n%v\ncollectors.DefaultProbePorts:\n%v", got, collectors.DefaultProbePorts)
	}
}

func TestInTrusted(t *testing.T) {
	nets := []string{"10.0.0.0/24"}
	for addr, want := range map[string]bool{"10.0.0.80": true, "192.0.2.10": false, "127.0.0.1": true, "::1": true, "fd00::1": false, "x": false} {
		if got := inTrusted(addr, nets); got != want {
			t.Errorf("inTrusted(%s) = %v", addr, got)
		}
	}
}

// probeConfig writes a configuration whose registry holds one loopback-only
// port, so a probe of 127.0.0.1 tries only the ports the test controls.
func probeTestConfig(t *testing.T, port int) string {
	return writeFile(t, "mlscan.yaml", fmt.Sprintf(`networks:
  trusted: [10.0.0.0/24]
public_ports: []
forbidden_ports: []
registry:
  - port: %d
    proto: tcp
    service: redis-broker
    owners: [redis-server]
    bind: loopback
    allowed_sources: [loopback]
    category: redis
`, port))
}

func listenLoopback(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

// TestProbeLoopback probes this machine's loopback: the registered
// loopback-only port is open and allowed (loopback is trusted), an
// unregistered open port fails MLS-EXP-006, a closed one passes.
func TestProbeLoopback(t *testing.T) {
	registered, extra, closed := listenLoopback(t), listenLoopback(t), freePort(t)
	cfg := probeTestConfig(t, registered)
	snap := filepath.Join(t.TempDir(), "probe.json")
	out, stderr, code := runCLI(t, "probe", "127.0.0.1", "--config", cfg, "--ports", fmt.Sprintf("%d,%d", extra, closed),
		"--timeout", "300ms", "--format", "json", "--snapshot", snap)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFindings, out, stderr)
	}
	if !strings.Contains(stderr, "from 127.0.0.1 (trusted") {
		t.Errorf("stderr %q does not say the vantage is trusted", stderr)
	}
	var rep scanner.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rep.Results {
		if !slices.Contains(probeChecks, r.RuleID) {
			t.Errorf("result of %s: a probe evaluates only %v", r.RuleID, probeChecks)
		}
		got[r.RuleID+" "+r.Subject] = string(r.Status) + " " + string(r.Severity)
	}
	p := func(n int) string { return strconv.Itoa(n) + "/tcp" }
	want := map[string]string{
		"MLS-EXP-006 " + p(registered): "pass critical",
		"MLS-EXP-006 " + p(extra):      "fail high",
		"MLS-EXP-006 " + p(closed):     "pass critical",
		"MLS-EXP-007 " + p(registered): "pass info",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if rep.Summary.Total != len(rep.Results) || len(rep.Collectors) != 1 {
		t.Errorf("summary %+v, collectors %v", rep.Summary, rep.Collectors)
	}

	// The saved snapshot evaluates to the same verdicts anywhere.
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	var doc snapshot.Snapshot
	if err := json.Unmarshal(b, &doc); err != nil || doc.Probes == nil || len(doc.Probes.Reachability) != 3 || doc.Probes.Vantage != "127.0.0.1" {
		t.Fatalf("snapshot %s: %v %+v", snap, err, doc.Probes)
	}
	out, _, code = runCLI(t, "eval", "--config", cfg, "--format", "json", snap)
	var again scanner.Report
	if err := json.Unmarshal([]byte(out), &again); err != nil {
		t.Fatalf("eval --format json: %v\n%s", err, out)
	}
	for _, r := range again.Results {
		if v, ok := want[r.RuleID+" "+r.Subject]; ok && v != string(r.Status)+" "+string(r.Severity) {
			t.Errorf("eval of the snapshot: %s %s %s %s", r.RuleID, r.Subject, r.Status, r.Severity)
		}
	}
	if code != exitFindings && code != exitUnknown {
		t.Errorf("eval exit %d", code)
	}
}

// TestProbeEveryFormat writes each format; the exit code does not depend
// on it.
func TestProbeEveryFormat(t *testing.T) {
	port := listenLoopback(t)
	cfg := probeTestConfig(t, port)
	for _, f := range report.Formats() {
		t.Run(f, func(t *testing.T) {
			out, stderr, code := runCLI(t, "probe", "127.0.0.1", "--config", cfg, "--timeout", "300ms", "--format", f)
			if code != exitOK || out == "" {
				t.Errorf("exit %d, %d bytes\n%s", code, len(out), stderr)
			}
		})
	}
}

func TestProbeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"probe"},
		{"probe", "a", "b"},
		{"probe", "127.0.0.1", "--ports", "22,x"},
		{"probe", "127.0.0.1", "--timeout", "0s"},
		{"probe", "127.0.0.1", "--concurrency", "0"},
		{"probe", "127.0.0.1", "--format", "xml"},
		{"probe", "no-such-host.invalid"},
	} {
		_, stderr, code := runCLI(t, args...)
		if code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want %d and a message", args, code, stderr, exitUsage)
		}
	}
}

// hostSnapshotFile writes the target's own snapshot as `mlscan scan
// --snapshot` would: the documented host's, with the documented UFW's
// real ruleset (model/testdata), this machine's loopback, and the
// listeners and published ports given.
func hostSnapshotFile(t *testing.T, listeners []snapshot.Listener, published []snapshot.PortBinding) string {
	t.Helper()
	var s snapshot.Snapshot
	var nf snapshot.NetfilterSection
	for file, v := range map[string]any{docSnapshot: &s, "../../model/testdata/ufw.json": &nf} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	s.SchemaVersion = snapshot.SchemaVersion
	s.CollectedAt = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	s.Host.Interfaces = []snapshot.Interface{
		{Name: "eth0", Addresses: []string{"10.0.0.84/24"}},
		{Name: "lo", Addresses: []string{"127.0.0.1/8", "::1/128"}},
	}
	s.Collectors["netfilter"] = snapshot.CollectorResult{Status: snapshot.StatusOK}
	s.Netfilter = &nf
	s.Sockets.Listeners = listeners
	c := s.Docker.Containers[0]
	c.Name, c.NetworkMode, c.Ports = "notebook", "bridge", published
	s.Docker.Containers = []snapshot.Container{c}
	data, err := marshalSnapshot(&s)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "host.json", string(data))
}

func tcpListener(addr string, port int) snapshot.Listener {
	return snapshot.Listener{Proto: "tcp", Family: "ipv4", Address: addr, Port: port,
		Wildcard: addr == "0.0.0.0", Loopback: addr == "127.0.0.1", Process: "test"}
}

// TestProbeHostSnapshot probes this machine's loopback with a host
// snapshot: its listening and published ports are probed too, and
// MLS-EXP-008 compares each port with the model's prediction.
func TestProbeHostSnapshot(t *testing.T) {
	registered, unlisted := listenLoopback(t), listenLoopback(t)
	closed, stale, published, loopOnly := freePort(t), freePort(t), freePort(t), freePort(t)
	cfg := probeTestConfig(t, registered)
	host := hostSnapshotFile(t,
		[]snapshot.Listener{
			tcpListener("127.0.0.1", registered),
			// The snapshot is stale: nothing listens there any more.
			tcpListener("0.0.0.0", stale),
			// Loopback only: not probed from elsewhere.
			tcpListener("127.0.0.1", loopOnly),
		},
		[]snapshot.PortBinding{{HostIP: "0.0.0.0", HostPort: published, ContainerPort: 8080, Proto: "tcp"}})
	snapFile := filepath.Join(t.TempDir(), "probe.json")
	out, stderr, code := runCLI(t, "probe", "127.0.0.1", "--config", cfg, "--ports", fmt.Sprintf("%d,%d", unlisted, closed),
		"--timeout", "300ms", "--format", "json", "--snapshot", snapFile, "--host-snapshot", host)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFindings, out, stderr)
	}
	if !strings.Contains(stderr, "5 TCP ports (2 more from "+host+")") {
		t.Errorf("stderr %q does not count the host snapshot's ports", stderr)
	}
	var rep scanner.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	msgs := map[string]string{}
	for _, r := range rep.Results {
		if r.RuleID == "MLS-EXP-008" {
			got[r.Subject] = string(r.Status) + " " + string(r.Severity)
			msgs[r.Subject] = r.Message
		}
	}
	p := func(n int) string { return strconv.Itoa(n) + "/tcp" }
	want := map[string]string{
		p(registered): "pass critical",
		// Open, but the snapshot says nothing listens: the dangerous
		// direction.
		p(unlisted): "fail critical",
		p(closed):   "pass critical",
		p(stale):    "fail medium",
		// The documented UFW's ruleset has no DNAT: the model finds nothing
		// listening on 127.0.0.1 there, and nothing answers here.
		p(published): "pass critical",
	}
	if len(got) != len(want) {
		t.Errorf("MLS-EXP-008 results %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("MLS-EXP-008 %s: %q, want %q (%s)", k, got[k], v, msgs[k])
		}
	}
	if m := msgs[p(unlisted)]; !strings.Contains(m, "is open to 127.0.0.1 (trusted: loopback), but the model predicted it unreachable from "+host+" (collected 2026-12-03T10:00:00Z)") ||
		!strings.Contains(m, fmt.Sprintf("nothing listens on 127.0.0.1:%d/tcp", unlisted)) {
		t.Errorf("message %q", m)
	}
	if m := msgs[p(stale)]; !strings.Contains(m, "is closed from 127.0.0.1 (trusted: loopback), but the model predicted it reachable") {
		t.Errorf("message %q", m)
	}
	if _, ok := got[p(loopOnly)]; ok {
		t.Errorf("the loopback-only listener %d of the host snapshot was probed", loopOnly)
	}

	// The saved probe snapshot carries the predictions.
	b, err := os.ReadFile(snapFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc snapshot.Snapshot
	if err := json.Unmarshal(b, &doc); err != nil || doc.Probes == nil {
		t.Fatal(err)
	}
	for _, r := range doc.Probes.Reachability {
		if r.Predicted == nil || r.Predicted.HostSnapshot != host || !r.Predicted.CollectedAt.Equal(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)) || r.Predicted.Reason == "" {
			t.Errorf("%d: prediction %+v", r.Port, r.Predicted)
		}
	}

	// Without a host snapshot MLS-EXP-008 is not applicable.
	out, _, _ = runCLI(t, "probe", "127.0.0.1", "--config", cfg, "--timeout", "300ms", "--format", "json")
	var plain scanner.Report
	if err := json.Unmarshal([]byte(out), &plain); err != nil {
		t.Fatal(err)
	}
	for _, r := range plain.Results {
		if r.RuleID == "MLS-EXP-008" && r.Status != scanner.StatusNotApplicable {
			t.Errorf("without a host snapshot: %s %s %s", r.Subject, r.Status, r.Message)
		}
	}
}

func TestProbeHostSnapshotErrors(t *testing.T) {
	bad := writeFile(t, "bad.json", `{"schema_version": 2, "host": 7}`)
	for _, tc := range []struct {
		name, file, want string
	}{
		{"missing", filepath.Join(t.TempDir(), "none.json"), "none.json"},
		{"invalid", bad, "bad.json"},
	} {
		_, stderr, code := runCLI(t, "probe", "127.0.0.1", "--timeout", "300ms", "--host-snapshot", tc.file)
		if code != exitUsage || !strings.Contains(stderr, "--host-snapshot") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q", tc.name, code, stderr)
		}
	}
}

func TestHostPorts(t *testing.T) {
	s := &snapshot.Snapshot{
		Sockets: &snapshot.SocketsSection{Listeners: []snapshot.Listener{
			tcpListener("0.0.0.0", 22), tcpListener("127.0.0.1", 9090), tcpListener("10.0.0.84", 3002),
			{Proto: "udp", Family: "ipv4", Address: "0.0.0.0", Port: 53},
			{Proto: "tcp", Family: "ipv6", Address: "::1", Port: 6390},
			{Proto: "tcp", Family: "ipv6", Address: "::", Port: 22, Wildcard: true},
		}},
		Docker: &snapshot.DockerSection{Containers: []snapshot.Container{{Ports: []snapshot.PortBinding{
			{HostIP: "0.0.0.0", HostPort: 8888, Proto: "tcp"}, {HostIP: "127.0.0.1", HostPort: 8889, Proto: "tcp"}, {HostPort: 5353, Proto: "udp"},
		}}}},
	}
	if got, want := hostPorts(s), []int{22, 3002, 8888, 8889}; !slices.Equal(got, want) {
		t.Errorf("hostPorts: %v, want %v", got, want)
	}
	if got := hostPorts(&snapshot.Snapshot{}); len(got) != 0 {
		t.Errorf("empty snapshot: %v", got)
	}
}
