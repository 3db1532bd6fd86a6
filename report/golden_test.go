package report

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	// docSnapshot is the real snapshot of the documented host, captured
	// from the UFW testbed (cmd/mlscan/e2e_ufw_test.go).
	docSnapshot = "../testdata/snapshots/documented-host.json"
	// testVersion is the mlscan version the reports of the tests carry.
	testVersion = "1.4.0"
	// testPolicyDigest is the policy digest the reports of the tests carry.
	testPolicyDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
	// infraRoot is the infrastructure repository the tests use as
	// --source-root.
	infraRoot = "../testdata/sarif/infra"
)

var (
	engineOnce sync.Once
	engine     *scanner.Engine
	engineErr  error
)

// testEngine compiles the embedded policies with the default config once.
func testEngine(tb testing.TB) *scanner.Engine {
	tb.Helper()
	engineOnce.Do(func() {
		cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
		if err != nil {
			engineErr = err
			return
		}
		data, err := cfg.Data()
		if err != nil {
			engineErr = err
			return
		}
		engine, engineErr = scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}, data)
	})
	if engineErr != nil {
		tb.Fatal(engineErr)
	}
	return engine
}

// evalSnapshot evaluates a real captured snapshot; a missing file skips
// the test (the documented host's snapshot is captured on the testbed).
func evalSnapshot(tb testing.TB, path string) *scanner.Report {
	tb.Helper()
	return evalWith(tb, testEngine(tb), path)
}

// evalWith evaluates a real captured snapshot with an engine.
func evalWith(tb testing.TB, e *scanner.Engine, path string) *scanner.Report {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("snapshot missing (capture it with MLSCAN_UPDATE_TESTDATA=1 on the testbed): %v", err)
	}
	snap, doc, err := snapshot.Decode(filepath.Base(path), b)
	if err != nil {
		tb.Fatal(err)
	}
	in, err := e.InputOf(snap, doc)
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := e.Eval(context.Background(), in, scanner.EvalOptions{Tool: scanner.ToolInfo{Name: "mlscan", Version: testVersion}})
	if err != nil {
		tb.Fatal(err)
	}
	// Like the clock and the version, the policy digest is pinned: golden
	// files change when a verdict changes, not when a policy's comment does.
	rep.PolicyDigest = testPolicyDigest
	return rep
}

// docReport is a fresh evaluation of the documented host.
func docReport(tb testing.TB) *scanner.Report {
	tb.Helper()
	return evalSnapshot(tb, docSnapshot)
}

// Hostile strings a container name, label or command may carry.
const (
	hostileName = "a|b<script>alert(1)</script>"
	// hostileEsc holds terminal escape sequences (colour, window title,
	// cursor movement), a bidi override and a zero-width space.
	hostileEsc = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b[2J\u202etxt.exe\u200b"
)

// exampleWaivers is the waivers file shipped for the documented host.
const exampleWaivers = "../examples/waivers-documented-host.yaml"

// edgeReport is the documented host's report with what its snapshot lacks,
// the way the other parts of mlscan produce it: the shipped example
// waivers applied (one of them moved into the past, so it has expired and
// its failures stand) plus a stale waiver with a hostile reason; container
// failures with compose locations (one container and its service named by
// a hostile string, one compose file outside the source root); an unknown
// and an error result; and a collector that failed. The compose path is
// absolute, as the compose labels give it, under infraRoot.
func edgeReport(tb testing.TB) *scanner.Report {
	tb.Helper()
	rep := docReport(tb)
	compose, err := filepath.Abs(filepath.Join(infraRoot, "deploy", "compose.yml"))
	if err != nil {
		tb.Fatal(err)
	}
	ctr := scanner.Result{
		RuleID: "MLS-CTR-002", Title: "No privileged containers", Severity: scanner.SeverityCritical, Status: scanner.StatusFail,
		Remediation: "Drop `privileged: true` from the service; add only the capabilities or devices it needs",
		References:  []string{"CIS Docker Benchmark v1.6.0 5.5"},
	}
	priv := ctr
	priv.Subject = "ray-head"
	priv.Message = "container ray-head (compose service ray-head) runs privileged"
	priv.Evidence = scanner.Evidence{Observed: "HostConfig.Privileged: true (container 3f4e5d6c7b8a, pid 4345)", Expected: "false", Source: "docker inspect"}
	priv.Location = &scanner.Location{File: compose, What: "compose service ray-head"}
	hostile := ctr
	hostile.Subject = hostileName
	hostile.Message = "container " + hostileName + " " + hostileEsc + " runs privileged\nsecond line | `code` *bold* _it_ [link](http://x) &amp;"
	hostile.Evidence = scanner.Evidence{Observed: []any{"Privileged: true", hostileName + hostileEsc}, Expected: "false", Source: "docker inspect " + hostileEsc}
	hostile.Location = &scanner.Location{File: compose, Line: 24, What: "compose service " + hostileName}
	unmapped := ctr
	unmapped.Subject = "adhoc"
	unmapped.Message = "container adhoc (compose project outside the repository) runs privileged"
	unmapped.Evidence = scanner.Evidence{Observed: "HostConfig.Privileged: true", Expected: "false", Source: "docker inspect"}
	unmapped.Location = &scanner.Location{File: "/opt/elsewhere/compose.yml", What: "compose service adhoc"}
	unknown := scanner.Result{
		RuleID: "MLS-CTR-001", Title: "Containers run as non-root", Severity: scanner.SeverityHigh, Status: scanner.StatusUnknown,
		Subject: hostileName, Message: "could not be verified: the user of " + hostileName + " could not be read " + hostileEsc,
		Evidence: scanner.Evidence{Source: "/proc/PID/status"},
	}
	failed := scanner.Result{
		RuleID: "MLS-RES-001", Title: "Memory limit set", Severity: scanner.SeverityHigh, Status: scanner.StatusError,
		Subject: "host", Message: "rule failed to evaluate: policies/resources/memory.rego:12: object.get: operand 1 must be object but got null",
		Evidence: scanner.Evidence{Source: "rego"},
	}
	rep.Results = append(rep.Results, priv, hostile, unmapped, unknown, failed)
	rep.Collectors["docker"] = scanner.CollectorHealth{Status: "error", Error: "inspect " + hostileName + ": context deadline exceeded " + hostileEsc, DurationMS: 10000}
	scanner.SortResults(rep.Results)

	ws, err := scanner.LoadWaivers(exampleWaivers)
	if err != nil {
		tb.Fatal(err)
	}
	expired := false
	for i := range ws {
		if ws[i].RuleID == "MLS-REG-003" {
			ws[i].Expires, expired = "2026-10-31", true
		}
	}
	if !expired {
		tb.Fatalf("%s has no MLS-REG-003 waiver to expire", exampleWaivers)
	}
	ws = append(ws, scanner.Waiver{
		RuleID: "MLS-CTR-002", Subject: "cadvisor", Reason: "cAdvisor | needs <privileges> " + hostileEsc, Owner: "monitoring",
		Created: "2026-11-01", Expires: "2027-02-28", Ticket: "https://tickets.example.com/browse/MON-7", File: exampleWaivers, Line: 999,
	})
	scanner.ApplyWaivers(rep, ws)
	return rep
}

// goldenCase is one report rendered in every format.
type goldenCase struct {
	name string
	opt  Options
	rep  func(testing.TB) *scanner.Report
}

var goldenCases = []goldenCase{
	{"documented-host", Options{}, docReport},
	{"documented-host-edge", Options{SourceRoot: infraRoot}, edgeReport},
}

// goldenExt is the file extension of each format's golden file.
var goldenExt = map[string]string{"table": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "prometheus": "prom"}

// render writes reports in a format.
func render(tb testing.TB, format string, opt Options, reports ...*scanner.Report) []byte {
	tb.Helper()
	rep, err := New(format, opt)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.Write(&buf, reports); err != nil {
		tb.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

// TestGolden renders each case in every format and compares it with
// testdata/golden/<case>.<ext>; -update rewrites them. Rendering twice
// gives the same bytes.
func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		if _, ok := goldenExt[format]; !ok {
			t.Errorf("format %s has no golden file extension", format)
		}
	}
	for _, gc := range goldenCases {
		for _, format := range Formats() {
			t.Run(gc.name+"/"+format, func(t *testing.T) {
				got := render(t, format, gc.opt, gc.rep(t))
				again := render(t, format, gc.opt, gc.rep(t))
				if !bytes.Equal(got, again) {
					t.Fatal("two renderings of the same report differ")
				}
				// The edge report's compose path is absolute (as compose labels
				// give it) and so depends on the checkout: golden files hold
				// /srv/infra instead.
				if abs, err := filepath.Abs(infraRoot); err == nil {
					got = bytes.ReplaceAll(got, []byte(abs), []byte("/srv/infra"))
				}
				if format == "sarif" {
					checkSARIF(t, got)
				}
				if format == "markdown" {
					checkMarkdown(t, got)
				}
				path := filepath.Join("..", "testdata", "golden", gc.name+"."+goldenExt[format])
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./report -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file (run go test ./report -update and review the diff):\n%s", path, firstDiff(want, got))
				}
			})
		}
	}
}

// firstDiff shows the first differing line of two outputs.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + w + "\ngot:  " + g
		}
	}
	return "(same lines, different bytes)"
}

// passwordLike matches values that look like a leaked secret: a password
// after requirepass/--requirepass or password=, URL userinfo with a
// password, or a long hex or base64 token after "token".
var passwordLike = regexp.MustCompile(`(?i)(requirepass["'\s=:]+[^\s"'<&\\(]{4,}|password\s*[=:]\s*[^\s"'<&\\*]{4,}|://[^/\s:@]*:[^@\s/<&\\]{3,}@|basic_auth[=\s]+[^\s<&\\]*:[^\s<&\\]+)`)

// TestGoldenHoldsNoSecret checks the documented host's outputs in every
// format carry no password-looking value (secrets are redacted when they
// are collected; this catches a report that undoes that).
func TestGoldenHoldsNoSecret(t *testing.T) {
	rep := docReport(t)
	for _, format := range Formats() {
		out := render(t, format, Options{}, rep)
		if m := passwordLike.FindString(string(out)); m != "" {
			t.Errorf("%s output holds a password-looking value: %q", format, m)
		}
	}
}

// TestPlantedSecretPattern checks passwordLike itself: it flags planted
// values and leaves the redaction marker alone.
func TestPlantedSecretPattern(t *testing.T) {
	for _, s := range []string{"redis-server --requirepass s3cretPass", "CELERY_BROKER_URL=redis://:hunter22@127.0.0.1:6380/0", "password=hunter22", "--basic_auth=admin:pw123"} {
		if !passwordLike.MatchString(s) {
			t.Errorf("not flagged: %q", s)
		}
	}
	for _, s := range []string{"redis-server --requirepass <redacted>", "redis://:<redacted>@127.0.0.1:6380/0", `"--requirepass \u003credacted\u003e"`, "requirepass &lt;redacted&gt;"} {
		if passwordLike.MatchString(s) {
			t.Errorf("flagged: %q", s)
		}
	}
}

// BenchmarkReport renders the documented host's report in each format.
func BenchmarkReport(b *testing.B) {
	rep := docReport(b)
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			r, err := New(format, Options{})
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := r.Write(&buf, []*scanner.Report{rep}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
