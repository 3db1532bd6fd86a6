package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// ufwTestdata is the folder of captured ufw outputs and files.
const ufwTestdata = "../testdata/ufw"

func ufwSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ufwTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stripGrepSeparators drops the "--" lines `grep -A` prints between groups.
func stripGrepSeparators(b []byte) []byte {
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if line != "--" {
			out = append(out, line)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// transcriptLines keeps the lines of a ufw test transcript that start with
// one of prefixes ("+ " = added to user.rules, "+6 " = user6.rules, "R " =
// rule shown by --dry-run), without the prefix; "+" alone is an empty line.
func transcriptLines(b []byte, prefixes ...string) []byte {
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		for _, p := range prefixes {
			if rest, ok := strings.CutPrefix(line, p); ok {
				out = append(out, rest)
				break
			}
			if line == strings.TrimSpace(p) {
				out = append(out, "")
				break
			}
		}
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

// ports builds inclusive ranges from pairs.
func ports(pairs ...int) []snapshot.PortRange {
	r := []snapshot.PortRange{}
	for i := 0; i+1 < len(pairs); i += 2 {
		r = append(r, snapshot.PortRange{From: pairs[i], To: pairs[i+1]})
	}
	return r
}

// checkRaw checks that every rule's Raw is a line of the input (trimmed
// right), in input order.
func checkRaw(t *testing.T, input []byte, rules []snapshot.UFWRule) {
	t.Helper()
	lines := strings.Split(string(input), "\n")
	next := 0
	for i, r := range rules {
		found := false
		for next < len(lines) {
			l := strings.TrimRight(lines[next], " \t\r")
			next++
			if l == r.Raw {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("rule %d: Raw %q is not a later input line", i, r.Raw)
			return
		}
	}
}

// ruleCheck is one rule to compare field by field (Raw is not compared).
type ruleCheck struct {
	i    int
	want snapshot.UFWRule
}

func checkRules(t *testing.T, got []snapshot.UFWRule, checks []ruleCheck) {
	t.Helper()
	for _, c := range checks {
		if c.i >= len(got) {
			t.Errorf("rule %d: only %d rules", c.i, len(got))
			continue
		}
		g := withoutNets(t, got[c.i], c.want)
		c.want.Raw = g.Raw
		if !reflect.DeepEqual(g, c.want) {
			t.Errorf("rule %d (%q):\n got %+v\nwant %+v", c.i, g.Raw, g, c.want)
		}
	}
}

// withoutNets checks that a parsed rule has its normalised To and From and
// returns it without them, unless want sets them, for field comparisons.
func withoutNets(t *testing.T, r, want snapshot.UFWRule) snapshot.UFWRule {
	t.Helper()
	if r.ToNet == nil || r.FromNet == nil {
		t.Errorf("rule %q: ToNet or FromNet missing", r.Raw)
	}
	if want.ToNet == nil {
		r.ToNet = nil
	}
	if want.FromNet == nil {
		r.FromNet = nil
	}
	return r
}

// ufwRulesCases covers every rules-file sample in testdata/ufw.
var ufwRulesCases = []struct {
	name   string
	file   string
	prep   func([]byte) []byte // turns the sample into a rules file
	v6     bool
	count  int
	checks []ruleCheck
}{
	{name: "pristine user.rules", file: "user.rules-pristine.txt", count: 0},
	{name: "pristine user6.rules", file: "user6.rules-pristine.txt", v6: true, count: 0},
	{
		name: "generated user.rules", file: "user.rules-generated-full.txt", count: 1,
		checks: []ruleCheck{{0, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "80", From: "any", FromPort: "any",
			ToRanges: ports(80, 80), FromRanges: ports()}}},
	},
	{
		name: "grep -A2 tuples, user.rules half", file: "user.rules-and-user6.rules-tuples-grepA2.txt",
		prep:  func(b []byte) []byte { v4, _ := splitGrepSample(b); return v4 },
		count: 11,
		checks: []ruleCheck{
			{4, snapshot.UFWRule{Action: "deny", Direction: "in", Proto: "tcp", To: "192.168.0.1", ToPorts: "25", From: "10.0.0.0/8", FromPort: "any",
				ToRanges: ports(25, 25), FromRanges: ports()}},
			{9, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "1.2.3.4", ToPorts: "5469", From: "1.2.3.5", FromPort: "5469",
				ToRanges: ports(5469, 5469), FromRanges: ports(5469, 5469)}},
			{10, snapshot.UFWRule{Action: "limit", Direction: "in", Proto: "tcp", To: "any", ToPorts: "13", From: "any", FromPort: "any",
				ToRanges: ports(13, 13), FromRanges: ports()}},
		},
	},
	{
		name: "grep -A2 tuples, user6.rules half", file: "user.rules-and-user6.rules-tuples-grepA2.txt",
		prep:  func(b []byte) []byte { _, v6 := splitGrepSample(b); return v6 },
		v6:    true,
		count: 6,
		checks: []ruleCheck{
			{0, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "53", From: "any", FromPort: "any",
				ToRanges: ports(53, 53), FromRanges: ports(), V6: true}},
			{5, snapshot.UFWRule{Action: "deny", Direction: "in", Proto: "any", To: "2001:db8:3:4:5:6:7:8", ToPorts: "any", From: "2001:db8::/32", FromPort: "26",
				ToRanges: ports(), FromRanges: ports(26, 26), V6: true}},
		},
	},
	{
		name: "transcript: user.rules lines", file: "ufw-transcript-tuples-v4-v6-app.txt",
		prep:  func(b []byte) []byte { return transcriptLines(b, "+ ") },
		count: 3,
		checks: []ruleCheck{
			{1, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "any", ToPorts: "123", From: "any", FromPort: "any",
				ToRanges: ports(123, 123), FromRanges: ports(), ToApp: "OpenNTPD"}},
		},
	},
	{
		name: "transcript: user6.rules lines", file: "ufw-transcript-tuples-v4-v6-app.txt",
		prep:  func(b []byte) []byte { return transcriptLines(b, "+6 ") },
		v6:    true,
		count: 3,
		checks: []ruleCheck{
			{0, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "123", From: "any", FromPort: "any",
				ToRanges: ports(123, 123), FromRanges: ports(), V6: true}},
		},
	},
	{
		name: "transcript: interfaces, comments, log-all", file: "ufw-transcript-tuples-comments-iface.txt",
		prep:  func(b []byte) []byte { return transcriptLines(b, "R ", "+ ") },
		count: 3,
		checks: []ruleCheck{
			{0, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "80", From: "any", FromPort: "any",
				ToRanges: ports(80, 80), FromRanges: ports(), IfaceIn: "eth+"}},
			{1, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "2222", From: "any", FromPort: "any",
				ToRanges: ports(2222, 2222), FromRanges: ports(), Comment: `"SSH port"`}},
			{2, snapshot.UFWRule{Action: "deny", Direction: "out", Proto: "udp", To: "any", ToPorts: "53", From: "any", FromPort: "any",
				ToRanges: ports(53, 53), FromRanges: ports(), Log: "log-all", Comment: `"dns port"`}},
		},
	},
	{
		name: "captured user.rules", file: "mlscan-capture-user.rules.txt", count: 22,
		checks: []ruleCheck{
			{6, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "10002:19999", From: "any", FromPort: "any",
				ToRanges: ports(10002, 19999), FromRanges: ports(), Log: "log"}},
			{9, snapshot.UFWRule{Action: "allow", Direction: "out", Proto: "udp", To: "8.8.8.8", ToPorts: "53", From: "any", FromPort: "any",
				ToRanges: ports(53, 53), FromRanges: ports(), IfaceOut: "eth1"}},
			{10, snapshot.UFWRule{Action: "allow", Direction: "fwd", Proto: "tcp", To: "10.0.0.2", ToPorts: "80", From: "any", FromPort: "any",
				ToRanges: ports(80, 80), FromRanges: ports(), IfaceIn: "eth0", IfaceOut: "eth1"}},
			{12, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "80,443", From: "10.0.0.0/24", FromPort: "any",
				ToRanges: ports(80, 80, 443, 443), FromRanges: ports(), ToApp: "WWW Full"}},
			{16, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "3002", From: "any", FromPort: "any",
				ToRanges: ports(3002, 3002), FromRanges: ports(), Comment: "grafana café"}},
		},
	},
	{
		name: "captured user6.rules", file: "mlscan-capture-user6.rules.txt", v6: true, count: 17,
		checks: []ruleCheck{
			{6, snapshot.UFWRule{Action: "deny", Direction: "fwd", Proto: "any", To: "any", ToPorts: "any", From: "2001:db8::/32", FromPort: "any",
				ToRanges: ports(), FromRanges: ports(), V6: true}},
			{16, snapshot.UFWRule{Action: "allow", Direction: "out", Proto: "udp", To: "2001:db8::53", ToPorts: "53", From: "any", FromPort: "any",
				ToRanges: ports(53, 53), FromRanges: ports(), V6: true, Log: "log-all"}},
		},
	},
}

// ufwOtherSamples are the testdata/ufw files used outside the parser
// tables: provenance notes and outputs the collector tests replay.
var ufwOtherSamples = []string{
	"SOURCES.md", "CAPTURED.md",
	"mlscan-capture-ufw-status-nonroot.stderr.txt",
	"mlscan-capture-ip6tables-S-ufw6-user-input.txt",
	"mlscan-capture-ip6tables-S-missing-chain.stderr.txt",
}

// Every file in testdata/ufw is exercised by some test.
func TestUFWSamplesAllUsed(t *testing.T) {
	used := map[string]bool{}
	for _, tc := range ufwStatusCases {
		used[tc.file] = true
	}
	for _, tc := range ufwRulesCases {
		used[tc.file] = true
	}
	for _, n := range ufwOtherSamples {
		used[n] = true
	}
	used["etc-ufw-ufw.conf.txt"], used["mlscan-capture-ufw.conf-enabled.txt"], used["etc-default-ufw.txt"] = true, true, true
	entries, err := os.ReadDir(ufwTestdata)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue // corpora with their own tests (upstream/)
		}
		if !used[e.Name()] {
			t.Errorf("testdata/ufw/%s is not used by any test", e.Name())
		}
		delete(used, e.Name())
	}
	for n := range used {
		t.Errorf("test refers to missing testdata/ufw/%s", n)
	}
}

// --- collector ---

// fakeExit is a command that ran and exited non-zero, as exec.ExitError.
type fakeExit int

func (e fakeExit) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
func (e fakeExit) ExitCode() int { return int(e) }

type fakeResult struct {
	stdout, stderr []byte
	err            error
}

// fakeRunner replays canned outputs keyed by the command line and records
// the calls. Unknown commands fail as a missing binary does.
type fakeRunner struct {
	results map[string]fakeResult
	calls   []string
}

func (f *fakeRunner) run(_ context.Context, name string, args ...string) ([]byte, []byte, error) {
	key := strings.Join(append([]string{name}, args...), " ")
	f.calls = append(f.calls, key)
	if r, ok := f.results[key]; ok {
		return r.stdout, r.stderr, r.err
	}
	return nil, nil, &fs.PathError{Op: "fork/exec", Path: name, Err: syscall.ENOENT}
}

const (
	cmdStatus = "/usr/sbin/ufw status verbose"
	cmdIP6    = "/usr/sbin/ip6tables -S ufw6-user-input"
)

// writeUFWTree writes files (host path → content) under root; a nil
// content makes a directory.
func writeUFWTree(t testing.TB, root string, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		full := filepath.Join(root, p)
		if b == nil {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ufwHostFiles is a host with ufw installed and the captured configuration.
func ufwHostFiles(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"/usr/sbin/ufw":        {},
		"/etc/ufw/ufw.conf":    ufwSample(t, "mlscan-capture-ufw.conf-enabled.txt"),
		"/etc/default/ufw":     ufwSample(t, "etc-default-ufw.txt"),
		"/etc/ufw/user.rules":  ufwSample(t, "mlscan-capture-user.rules.txt"),
		"/etc/ufw/user6.rules": ufwSample(t, "mlscan-capture-user6.rules.txt"),
	}
}

const ufwFilesFrom = "/etc/ufw/user.rules, /etc/ufw/user6.rules"

func TestUFWCollect(t *testing.T) {
	verbose := ufwSample(t, "mlscan-capture-ufw-status-verbose.txt")
	inactive := ufwSample(t, "mlscan-capture-ufw-status-verbose-inactive.txt")
	notRoot := ufwSample(t, "mlscan-capture-ufw-status-nonroot.stderr.txt")
	ip6ok := fakeResult{stdout: ufwSample(t, "mlscan-capture-ip6tables-S-ufw6-user-input.txt")}
	ip6missing := fakeResult{stderr: ufwSample(t, "mlscan-capture-ip6tables-S-missing-chain.stderr.txt"), err: fakeExit(1)}
	yes, no := true, false
	ok := func(from string) snapshot.Source { return snapshot.Source{Status: snapshot.StatusOK, From: from} }

	tests := []struct {
		name    string
		isRoot  bool
		files   func(map[string][]byte) // edits the default host files
		results map[string]fakeResult
		// expectations
		wantCalls []string
		conf      snapshot.Source
		defaults  snapshot.Source
		live      snapshot.Source
		rules     snapshot.Source
		nRules    int
		v6Chains  *bool
		check     func(t *testing.T, s *snapshot.UFWSection)
	}{
		{
			name: "root, active", isRoot: true,
			results:   map[string]fakeResult{cmdStatus: {stdout: verbose}, cmdIP6: ip6ok},
			wantCalls: []string{cmdStatus, cmdIP6},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: ok("ufw status verbose"), rules: ok("ufw status verbose"), nRules: 39, v6Chains: &yes,
			check: func(t *testing.T, s *snapshot.UFWSection) {
				if !s.Installed || !s.Conf.Enabled || s.Conf.LogLevel != "low" || !s.Defaults.IPv6 || s.Defaults.InputPolicy != "drop" {
					t.Errorf("conf/defaults: %+v %+v", s.Conf, s.Defaults)
				}
				if !s.Live.Active || s.Live.Logging != "on" || s.Live.LogLevel != "low" || s.Live.DefaultIncoming != "deny" ||
					s.Live.DefaultOutgoing != "allow" || s.Live.DefaultRouted != "disabled" {
					t.Errorf("live: %+v", s.Live)
				}
				if s.Rules.Items[0].Comment != "ssh from lan" || s.Rules.Items[38].Direction != "fwd" {
					t.Errorf("rules out of order: %+v", s.Rules.Items)
				}
			},
		},
		{
			name: "root, active, ufw6 chains missing", isRoot: true,
			results:   map[string]fakeResult{cmdStatus: {stdout: verbose}, cmdIP6: ip6missing},
			wantCalls: []string{cmdStatus, cmdIP6},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: ok("ufw status verbose"), rules: ok("ufw status verbose"), nRules: 39, v6Chains: &no,
		},
		{
			name: "root, active, no ip6tables", isRoot: true,
			results:   map[string]fakeResult{cmdStatus: {stdout: verbose}},
			wantCalls: []string{cmdStatus, cmdIP6},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: ok("ufw status verbose"), rules: ok("ufw status verbose"), nRules: 39,
		},
		{
			name: "root, inactive: rules from both files", isRoot: true,
			results:   map[string]fakeResult{cmdStatus: {stdout: inactive}, cmdIP6: ip6ok},
			wantCalls: []string{cmdStatus},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: ok("ufw status verbose"), rules: ok(ufwFilesFrom), nRules: 39,
			check: func(t *testing.T, s *snapshot.UFWSection) {
				if s.Live.Active || s.Rules.Items[0].Comment != "ssh from lan" || !s.Rules.Items[38].V6 || s.Rules.Items[21].V6 {
					t.Errorf("live %+v, rules %+v", s.Live, s.Rules.Items)
				}
			},
		},
		{
			name: "root, inactive, IPV6=no: user6.rules not read", isRoot: true,
			files: func(m map[string][]byte) {
				m["/etc/default/ufw"] = []byte("IPV6=no\nDEFAULT_INPUT_POLICY=\"DROP\"\n")
				delete(m, "/etc/ufw/user6.rules")
			},
			results:   map[string]fakeResult{cmdStatus: {stdout: inactive}},
			wantCalls: []string{cmdStatus},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: ok("ufw status verbose"), rules: ok("/etc/ufw/user.rules"), nRules: 22,
		},
		{
			name: "root, ufw refuses: not root", isRoot: true,
			results:   map[string]fakeResult{cmdStatus: {stderr: notRoot, err: fakeExit(1)}, cmdIP6: ip6ok},
			wantCalls: []string{cmdStatus, cmdIP6},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: snapshot.Source{Status: snapshot.StatusPermission, From: "ufw status verbose",
				Error: "ufw status verbose: ERROR: You need to be root to run this script: run mlscan as root"},
			rules: ok(ufwFilesFrom), nRules: 39, v6Chains: &yes,
		},
		{
			name: "root, ufw fails, no ufw6 chains", isRoot: true,
			results: map[string]fakeResult{
				cmdStatus: {stderr: []byte("\nERROR: problem running ip6tables\ndetail\n"), err: fakeExit(1)},
				cmdIP6:    ip6missing,
			},
			wantCalls: []string{cmdStatus, cmdIP6},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live:  snapshot.Source{Status: snapshot.StatusError, From: "ufw status verbose", Error: "ufw status verbose: ERROR: problem running ip6tables"},
			rules: ok(ufwFilesFrom), nRules: 39, v6Chains: &no,
		},
		{
			name: "root, ufw fails silently", isRoot: true,
			results:   map[string]fakeResult{cmdStatus: {err: fakeExit(2)}, cmdIP6: ip6ok},
			wantCalls: []string{cmdStatus, cmdIP6},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live:  snapshot.Source{Status: snapshot.StatusError, From: "ufw status verbose", Error: "ufw status verbose: exit status 2"},
			rules: ok(ufwFilesFrom), nRules: 39, v6Chains: &yes,
		},
		{
			name: "root, status output garbled", isRoot: true,
			results:   map[string]fakeResult{cmdStatus: {stdout: []byte("Status: active\n\nTo Action From\n-- ------ ----\nwhat is this\n")}, cmdIP6: ip6ok},
			wantCalls: []string{cmdStatus, cmdIP6},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: ok("ufw status verbose"), rules: ok("ufw status verbose"), nRules: 0, v6Chains: &yes,
			check: func(t *testing.T, s *snapshot.UFWSection) {
				want := []snapshot.UFWUnparsedRule{{Raw: "what is this", Reason: "no action (ALLOW, DENY, REJECT or LIMIT)",
					From: "ufw status verbose", Line: 5, Before: 0, Family: "ipv4", ToRanges: []snapshot.PortRange{}}}
				if !reflect.DeepEqual(s.Rules.Unparsed, want) {
					t.Errorf("unparsed:\n got %+v\nwant %+v", s.Rules.Unparsed, want)
				}
			},
		},
		{
			name: "root, not ufw status at all", isRoot: true,
			results:   map[string]fakeResult{cmdStatus: {stdout: []byte("what is this\n")}, cmdIP6: ip6ok},
			wantCalls: []string{cmdStatus, cmdIP6},
			conf:      ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: snapshot.Source{Status: snapshot.StatusError, From: "ufw status verbose",
				Error: `parse ufw status verbose: line 1: want "Status: active|inactive", got "what is this"`},
			rules: ok(ufwFilesFrom), nRules: 39, v6Chains: &yes,
		},
		{
			name: "not root: ufw status not run", isRoot: false,
			conf: ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live: snapshot.Source{Status: snapshot.StatusPermission, From: "ufw status verbose", Error: "`ufw status` needs root: run mlscan as root"},
			// The files are readable here (0644); TestUFWCollectUnprivileged covers 0640.
			rules: ok(ufwFilesFrom), nRules: 39,
		},
		{
			name: "/etc/ufw without the binary", isRoot: true,
			files: func(m map[string][]byte) { delete(m, "/usr/sbin/ufw") },
			conf:  ok("/etc/ufw/ufw.conf"), defaults: ok("/etc/default/ufw"),
			live:  snapshot.Source{Status: snapshot.StatusUnavailable, From: "ufw status verbose", Error: "/usr/sbin/ufw: not found"},
			rules: ok(ufwFilesFrom), nRules: 39,
		},
		{
			name: "missing files", isRoot: true,
			files: func(m map[string][]byte) {
				delete(m, "/etc/ufw/user6.rules")
				delete(m, "/etc/default/ufw")
				delete(m, "/etc/ufw/ufw.conf")
			},
			results:   map[string]fakeResult{cmdStatus: {stdout: inactive}},
			wantCalls: []string{cmdStatus},
			conf:      snapshot.Source{Status: snapshot.StatusUnavailable, From: "/etc/ufw/ufw.conf", Error: "/etc/ufw/ufw.conf: not found"},
			defaults:  snapshot.Source{Status: snapshot.StatusUnavailable, From: "/etc/default/ufw", Error: "/etc/default/ufw: not found"},
			live:      ok("ufw status verbose"),
			rules:     snapshot.Source{Status: snapshot.StatusUnavailable, From: ufwFilesFrom, Error: "/etc/ufw/user6.rules: not found"},
		},
		{
			name: "bad files", isRoot: true,
			files: func(m map[string][]byte) {
				m["/etc/ufw/user.rules"] = []byte("*filter\nnot iptables\n")
				m["/etc/default/ufw"] = []byte("DEFAULT_INPUT_POLICY=maybe\n")
				m["/etc/ufw/ufw.conf"] = nil // a directory
			},
			results:   map[string]fakeResult{cmdStatus: {stdout: inactive}},
			wantCalls: []string{cmdStatus},
			conf:      snapshot.Source{Status: snapshot.StatusError, From: "/etc/ufw/ufw.conf", Error: "read /etc/ufw/ufw.conf: is a directory"},
			defaults: snapshot.Source{Status: snapshot.StatusError, From: "/etc/default/ufw",
				Error: `parse /etc/default/ufw: line 1: DEFAULT_INPUT_POLICY: invalid policy "maybe" (valid: accept, drop, reject)`},
			live: ok("ufw status verbose"),
			// The line not understood is kept; user6.rules is still read
			// (IPV6 unknown: both files).
			rules: ok(ufwFilesFrom), nRules: 17,
			check: func(t *testing.T, s *snapshot.UFWSection) {
				if s.Defaults.IPv6 || s.Defaults.InputPolicy != "" {
					t.Errorf("defaults of a bad file kept values: %+v", s.Defaults)
				}
				want := []snapshot.UFWUnparsedRule{{Raw: "not iptables", Reason: "not an iptables-restore line",
					From: "/etc/ufw/user.rules", Line: 2, Before: 0, Family: "ipv4", ToRanges: []snapshot.PortRange{}}}
				if !reflect.DeepEqual(s.Rules.Unparsed, want) {
					t.Errorf("unparsed:\n got %+v\nwant %+v", s.Rules.Unparsed, want)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := ufwHostFiles(t)
			if tc.files != nil {
				tc.files(files)
			}
			root := t.TempDir()
			writeUFWTree(t, root, files)
			fr := &fakeRunner{results: tc.results}
			sec, err := (&UFW{}).Collect(context.Background(), &Env{Root: root, IsRoot: tc.isRoot, Run: fr.run})
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			s := sec.(*snapshot.UFWSection)
			if !slices.Equal(fr.calls, tc.wantCalls) {
				t.Errorf("commands run: %q, want %q", fr.calls, tc.wantCalls)
			}
			for _, c := range []struct {
				part      string
				got, want snapshot.Source
			}{{"conf", s.Conf.Source, tc.conf}, {"defaults", s.Defaults.Source, tc.defaults}, {"live", s.Live.Source, tc.live}, {"rules", s.Rules.Source, tc.rules}} {
				if c.got != c.want {
					t.Errorf("%s source:\n got %+v\nwant %+v", c.part, c.got, c.want)
				}
			}
			if s.Rules.Items == nil || len(s.Rules.Items) != tc.nRules {
				t.Errorf("got %d rules (nil=%v), want %d", len(s.Rules.Items), s.Rules.Items == nil, tc.nRules)
			}
			if !reflect.DeepEqual(s.Live.V6Chains, tc.v6Chains) {
				t.Errorf("V6Chains = %v, want %v", ptrStr(s.Live.V6Chains), ptrStr(tc.v6Chains))
			}
			if tc.check != nil {
				tc.check(t, s)
			}
			// The section must survive the snapshot's JSON round trip.
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var back snapshot.UFWSection
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, s) {
				t.Errorf("JSON round trip changed the section (err %v)", err)
			}
		})
	}
}

func ptrStr(b *bool) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprint(*b)
}

func TestUFWCollectNotInstalled(t *testing.T) {
	fr := &fakeRunner{}
	sec, err := (&UFW{}).Collect(context.Background(), &Env{Root: t.TempDir(), IsRoot: true, Run: fr.run})
	if err != nil {
		t.Fatalf("not installed must not be an error: %v", err)
	}
	s := sec.(*snapshot.UFWSection)
	if s.Installed || len(fr.calls) != 0 {
		t.Fatalf("installed=%v, calls %q", s.Installed, fr.calls)
	}
	for _, src := range []snapshot.Source{s.Conf.Source, s.Defaults.Source, s.Live.Source, s.Rules.Source} {
		if src.Status != snapshot.StatusUnavailable || !strings.Contains(src.Error, "not installed") || src.From == "" {
			t.Errorf("source %+v", src)
		}
	}
	if s.Rules.Items == nil || len(s.Rules.Items) != 0 {
		t.Errorf("items %v", s.Rules.Items)
	}
}

func TestUFWCollectCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := t.TempDir()
	writeUFWTree(t, root, ufwHostFiles(t))
	if _, err := (&UFW{}).Collect(ctx, &Env{Root: root, IsRoot: true, Run: (&fakeRunner{}).run}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// --- without privilege: real EACCES ---

// ufwUnprivCases run where files are really unreadable: in a child process
// as uid 65534 when the tests run as root (root reads anything), else in
// this process. Files marked private are made unreadable (mode 0640 owned
// by root, or 0000 when not root).
var ufwUnprivCases = []struct {
	name    string
	isRoot  bool // the Env's claim; the process itself has no privilege
	private []string
}{
	{"not root", false, []string{"/etc/ufw/user.rules", "/etc/ufw/user6.rules"}},
	{"root flag, rules unreadable", true, []string{"/etc/ufw/user.rules", "/etc/ufw/user6.rules"}},
	{"nothing readable", false, []string{"/etc/ufw/user.rules", "/etc/ufw/user6.rules", "/etc/ufw/ufw.conf", "/etc/default/ufw"}},
}

// ufwUnprivResult is what a case reports back.
type ufwUnprivResult struct {
	Section *snapshot.UFWSection `json:"section"`
	Err     string               `json:"err"`
	IsPerm  bool                 `json:"is_perm"`
	Calls   []string             `json:"calls"`
}

// runUFWUnpriv collects from root for case i with a runner whose
// `ufw status verbose` prints status.
func runUFWUnpriv(root string, i int, status []byte) ufwUnprivResult {
	fr := &fakeRunner{results: map[string]fakeResult{cmdStatus: {stdout: status}}}
	sec, err := (&UFW{}).Collect(context.Background(), &Env{Root: root, IsRoot: ufwUnprivCases[i].isRoot, Run: fr.run})
	r := ufwUnprivResult{Calls: fr.calls, IsPerm: errors.Is(err, ErrPermission)}
	if err != nil {
		r.Err = err.Error()
	}
	if sec != nil {
		r.Section = sec.(*snapshot.UFWSection)
	}
	return r
}

// TestUFWUnprivChild is the child half of TestUFWCollectUnprivileged.
func TestUFWUnprivChild(t *testing.T) {
	out := os.Getenv("MLSCAN_UFW_CHILD_OUT")
	if out == "" {
		return // not the child
	}
	var i int
	if _, err := fmt.Sscan(os.Getenv("MLSCAN_UFW_CHILD_CASE"), &i); err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(os.Getenv("MLSCAN_UFW_CHILD_STATUS"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(runUFWUnpriv(os.Getenv("MLSCAN_UFW_CHILD_ROOT"), i, status))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUFWCollectUnprivileged(t *testing.T) {
	asRoot := os.Geteuid() == 0
	// A world-readable scratch folder (t.TempDir is 0700).
	dir, err := os.MkdirTemp("", "mlscan-ufw-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	inactive := ufwSample(t, "mlscan-capture-ufw-status-verbose-inactive.txt")
	statusFile := filepath.Join(dir, "status.txt")
	if err := os.WriteFile(statusFile, inactive, 0o644); err != nil {
		t.Fatal(err)
	}
	exe := ""
	if asRoot {
		// The test binary may sit in a root-only folder: copy it out.
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		exe = filepath.Join(dir, "collectors.test")
		if err := copyFile(self, exe, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i, tc := range ufwUnprivCases {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(dir, fmt.Sprint("root", i))
			writeUFWTree(t, root, ufwHostFiles(t))
			for _, p := range tc.private {
				mode := os.FileMode(0o640)
				if !asRoot {
					mode = 0
				}
				if err := os.Chmod(filepath.Join(root, p), mode); err != nil {
					t.Fatal(err)
				}
			}
			var r ufwUnprivResult
			if !asRoot {
				r = runUFWUnpriv(root, i, inactive)
			} else {
				outDir := filepath.Join(dir, fmt.Sprint("out", i))
				if err := os.Mkdir(outDir, 0o777); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(outDir, 0o777); err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(outDir, "result.json")
				cmd := exec.Command(exe, "-test.run=^TestUFWUnprivChild$", "-test.count=1")
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "MLSCAN_UFW_CHILD_OUT="+out, "MLSCAN_UFW_CHILD_ROOT="+root,
					"MLSCAN_UFW_CHILD_STATUS="+statusFile, fmt.Sprint("MLSCAN_UFW_CHILD_CASE=", i))
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
				if b, err := cmd.CombinedOutput(); err != nil {
					if errors.Is(err, syscall.EPERM) {
						t.Skipf("cannot start a process as uid 65534 here: %v", err)
					}
					t.Fatalf("child: %v\n%s", err, b)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatalf("child wrote no result: %v", err)
				}
				if err := json.Unmarshal(b, &r); err != nil {
					t.Fatal(err)
				}
			}
			checkUFWUnpriv(t, i, r)
		})
	}
}

func checkUFWUnpriv(t *testing.T, i int, r ufwUnprivResult) {
	t.Helper()
	s := r.Section
	if s == nil {
		t.Fatalf("no section (err %q)", r.Err)
	}
	perm := func(part string, src snapshot.Source, wantErr string) {
		t.Helper()
		if src.Status != snapshot.StatusPermission || !strings.Contains(src.Error, wantErr) {
			t.Errorf("%s: %+v, want permission with %q", part, src, wantErr)
		}
	}
	rulesPerm := "read /etc/ufw/user.rules: permission denied: run mlscan as root"
	switch i {
	case 0: // not root
		if len(r.Calls) != 0 || r.Err != "" {
			t.Errorf("calls %q, err %q", r.Calls, r.Err)
		}
		if s.Conf.Status != snapshot.StatusOK || !s.Conf.Enabled || s.Defaults.Status != snapshot.StatusOK || !s.Defaults.IPv6 {
			t.Errorf("conf %+v defaults %+v", s.Conf, s.Defaults)
		}
		perm("live", s.Live.Source, "`ufw status` needs root")
		perm("rules", s.Rules.Source, rulesPerm)
	case 1: // root flag, rules unreadable
		if !slices.Equal(r.Calls, []string{cmdStatus}) || r.Err != "" {
			t.Errorf("calls %q, err %q", r.Calls, r.Err)
		}
		if s.Live.Status != snapshot.StatusOK || s.Live.Active {
			t.Errorf("live %+v", s.Live)
		}
		perm("rules", s.Rules.Source, rulesPerm)
	case 2: // nothing readable
		if !r.IsPerm || !strings.Contains(r.Err, "run mlscan as root") {
			t.Errorf("err %q (is ErrPermission: %v), want ErrPermission", r.Err, r.IsPerm)
		}
		perm("conf", s.Conf.Source, "read /etc/ufw/ufw.conf: permission denied")
		perm("defaults", s.Defaults.Source, "read /etc/default/ufw: permission denied")
		perm("live", s.Live.Source, "needs root")
		perm("rules", s.Rules.Source, rulesPerm)
	}
	if !s.Installed || s.Rules.Items == nil || len(s.Rules.Items) != 0 {
		t.Errorf("installed %v, items %v", s.Installed, s.Rules.Items)
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// --- benchmarks ---

// benchPortRE finds a To or From port list that is not part of an address.
var benchPortRE = regexp.MustCompile(`(?:^|\s)(\d+)[,/\s]`)

// ufwBenchRows repeats the rule rows of real samples, varying the first
// port of each, until there are n.
func ufwBenchRows(b *testing.B, n int) []string {
	var rows []string
	for _, f := range []string{"mlscan-capture-ufw-status-verbose.txt", "ufw-status-verbose-apps-v6-longcols.txt", "jc-ubuntu1804-ufw-status-verbose.txt"} {
		lines := strings.Split(string(ufwSample(b, f)), "\n")
		for i, l := range lines {
			if i >= 7 && strings.TrimSpace(l) != "" { // after the 7 header lines
				rows = append(rows, l)
			}
		}
	}
	out := make([]string, 0, n)
	for i := 0; len(out) < n; i++ {
		row := rows[i%len(rows)]
		if m := benchPortRE.FindStringSubmatchIndex(row); m != nil {
			row = row[:m[2]] + fmt.Sprint(1000+i) + row[m[3]:]
		}
		out = append(out, row)
	}
	return out
}
