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
