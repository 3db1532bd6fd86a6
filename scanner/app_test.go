package scanner_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// The documented host, the same host after two planted faults (see
// TestFaultedSnapshotFile) and the waivers of its accepted risks.
const (
	appDocSnapshot     = "../testdata/snapshots/documented-host.json"
	appFaultedSnapshot = "../testdata/snapshots/documented-host-two-faults.json"
	appWaivers         = "../examples/waivers-documented-host.yaml"
)

var appEngine = sync.OnceValues(func() (*scanner.Engine, error) {
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		return nil, err
	}
	data, err := cfg.Data()
	if err != nil {
		return nil, err
	}
	return scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}, data)
})

// newTestApp is an App over the embedded policies with ws; loads counts
// how many times it compiled them.
func newTestApp(t testing.TB, ws []scanner.Waiver) (*scanner.App, *atomic.Int32) {
	t.Helper()
	var loads atomic.Int32
	return &scanner.App{
		Tool:    scanner.ToolInfo{Name: "mlscan", Version: "test"},
		Waivers: ws,
		Load: func(context.Context) (*scanner.Engine, error) {
			loads.Add(1)
			return appEngine()
		},
	}, &loads
}

func exampleWaivers(t testing.TB) []scanner.Waiver {
	t.Helper()
	ws, err := scanner.LoadWaivers(appWaivers)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// hostFiles writes n copies of the documented host named host-00...
// (hostnames host-00...), the odd ones with the two faults, and returns
// their paths in name order.
func hostFiles(t testing.TB, n int) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i := range n {
		src := appDocSnapshot
		if i%2 == 1 {
			src = appFaultedSnapshot
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		name := "host-" + string([]byte{byte('0' + i/10), byte('0' + i%10)})
		b = []byte(strings.Replace(string(b), `"hostname": "server-84"`, `"hostname": "`+name+`"`, 1))
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestThreshold(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		fails []scanner.Severity
		err   bool
	}{
		{"never", "never", nil, false},
		{"low", "low", []scanner.Severity{scanner.SeverityCritical, scanner.SeverityHigh, scanner.SeverityMedium, scanner.SeverityLow}, false},
		{"high", "high", []scanner.Severity{scanner.SeverityCritical, scanner.SeverityHigh}, false},
		{"critical", "critical", []scanner.Severity{scanner.SeverityCritical}, false},
		{"info is refused", "info", nil, true},
		{"unknown word", "severe", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th, err := scanner.ParseThreshold(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				if want := `"` + tc.in + `": want critical, high, medium, low or never`; err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
				return
			}
			for _, sev := range []scanner.Severity{scanner.SeverityCritical, scanner.SeverityHigh, scanner.SeverityMedium, scanner.SeverityLow, scanner.SeverityInfo} {
				want := false
				for _, f := range tc.fails {
					want = want || f == sev
				}
				if got := th.Fails(sev); got != want {
					t.Errorf("Fails(%s) = %v, want %v", sev, got, want)
				}
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	res := func(st scanner.Status, sev scanner.Severity) scanner.Result {
		return scanner.Result{RuleID: "MLS-X-001", Status: st, Severity: sev}
	}
	high, _ := scanner.ParseThreshold("high")
	low, _ := scanner.ParseThreshold("low")
	for _, tc := range []struct {
		name      string
		results   []scanner.Result
		threshold scanner.Threshold
		want      scanner.Outcome
	}{
		{"nothing", nil, low, scanner.Clean},
		{"passes and waived", []scanner.Result{res(scanner.StatusPass, scanner.SeverityHigh), res(scanner.StatusWaived, scanner.SeverityCritical)}, low, scanner.Clean},
		{"failure at the threshold", []scanner.Result{res(scanner.StatusFail, scanner.SeverityHigh)}, high, scanner.Findings},
		{"failure below the threshold", []scanner.Result{res(scanner.StatusFail, scanner.SeverityMedium)}, high, scanner.Clean},
		{"info never fails", []scanner.Result{res(scanner.StatusFail, scanner.SeverityInfo)}, low, scanner.Clean},
		{"never", []scanner.Result{res(scanner.StatusFail, scanner.SeverityCritical)}, 0, scanner.Clean},
		{"unknown", []scanner.Result{res(scanner.StatusUnknown, scanner.SeverityLow)}, low, scanner.Unsure},
		{"error", []scanner.Result{res(scanner.StatusError, scanner.SeverityLow)}, 0, scanner.Unsure},
		{"findings win over unknown", []scanner.Result{res(scanner.StatusUnknown, scanner.SeverityLow), res(scanner.StatusFail, scanner.SeverityLow)}, low, scanner.Findings},
		{"failure below the threshold and unknown", []scanner.Result{res(scanner.StatusFail, scanner.SeverityLow), res(scanner.StatusError, scanner.SeverityLow)}, high, scanner.Unsure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Split over two reports: the verdict covers every host.
			half := len(tc.results) / 2
			reps := []*scanner.Report{{Results: tc.results[:half]}, {Results: tc.results[half:]}}
			if got := scanner.Verdict(reps, tc.threshold); got != tc.want {
				t.Errorf("Verdict = %d, want %d", got, tc.want)
			}
		})
	}
	d := &scanner.Diff{NewlyFailing: []scanner.ResultChange{{RuleID: "MLS-X-001", Severity: scanner.SeverityMedium}}}
	if scanner.DiffVerdict(d, low) != scanner.Findings || scanner.DiffVerdict(d, high) != scanner.Clean || scanner.DiffVerdict(&scanner.Diff{}, low) != scanner.Clean {
		t.Error("DiffVerdict")
	}
}

func TestSnapshotPaths(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.json", "a.json", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want []string
		err  string
	}{
		{"a directory is its *.json files in name order", []string{dir}, []string{filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")}, ""},
		{"a file is taken as given, in argument order", []string{filepath.Join(dir, "notes.txt"), dir}, []string{filepath.Join(dir, "notes.txt"), filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")}, ""},
		{"empty directory", []string{empty}, nil, empty + ": no *.json snapshot in this directory"},
		{"missing", []string{filepath.Join(dir, "nope.json")}, nil, "nope.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scanner.SnapshotPaths(tc.args)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

// TestEvalFiles: reports come back in the order of the paths, waived once
// and compacted as asked, with their documents only when kept; the first
// failing path (in that order) names the error.
func TestEvalFiles(t *testing.T) {
	paths := hostFiles(t, 6)
	ctx := context.Background()
	collect := func(t *testing.T, app *scanner.App, paths []string, o scanner.FilesOptions) ([]*scanner.Report, []*snapshot.Snapshot, error) {
		t.Helper()
		var reps []*scanner.Report
		var snaps []*snapshot.Snapshot
		err := app.EvalFiles(ctx, paths, o, func(r *scanner.Report, snap *snapshot.Snapshot) error {
			reps = append(reps, r)
			snaps = append(snaps, snap)
			return nil
		})
		return reps, snaps, err
	}
	ws := exampleWaivers(t)
	// Most waivers name server-84: the copies are renamed host-NN.
	withHost := append(append([]string(nil), paths...), appDocSnapshot)

	t.Run("order, waivers, snapshots", func(t *testing.T) {
		app, loads := newTestApp(t, ws)
		reps, snaps, err := collect(t, app, withHost, scanner.FilesOptions{KeepSnapshots: true})
		if err != nil {
			t.Fatal(err)
		}
		var hosts []string
		for i, r := range reps {
			hosts = append(hosts, r.Host)
			if snaps[i] == nil {
				t.Errorf("%s: no snapshot", r.Host)
			}
		}
		if got := strings.Join(hosts, " "); got != "host-00 host-01 host-02 host-03 host-04 host-05 server-84" {
			t.Errorf("hosts %s", got)
		}
		if n := loads.Load(); n != 1 {
			t.Errorf("policies compiled %d times", n)
		}
		last := reps[len(reps)-1]
		if last.Summary.ByStatus[scanner.StatusWaived] == 0 || len(last.Waivers) != len(ws) {
			t.Errorf("server-84 not waived: %+v", last.Summary)
		}
		// Waived once: applying them a second time would find no failure
		// left to waive and call the waivers stale.
		for _, w := range last.Waivers {
			if w.State != scanner.WaiverApplied {
				t.Errorf("waiver %s:%d is %s", w.File, w.Line, w.State)
			}
		}
		// Waivers naming server-84 leave the other hosts alone.
		for _, w := range reps[0].Waivers {
			if w.Host == "server-84" && w.State == scanner.WaiverApplied {
				t.Errorf("host-00 waived by %s:%d", w.File, w.Line)
			}
		}
	})
	t.Run("compacted, no snapshots", func(t *testing.T) {
		app, _ := newTestApp(t, ws)
		whole, _, err := collect(t, app, withHost, scanner.FilesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		compact, snaps, err := collect(t, app, withHost, scanner.FilesOptions{Compact: true})
		if err != nil {
			t.Fatal(err)
		}
		for i := range compact {
			if snaps[i] != nil {
				t.Errorf("%d: snapshot kept", i)
			}
			if !reflect.DeepEqual(compact[i].Summary, whole[i].Summary) {
				t.Errorf("%s: summary %+v compacted, %+v whole", compact[i].Host, compact[i].Summary, whole[i].Summary)
			}
			if len(compact[i].Results) >= len(whole[i].Results) {
				t.Errorf("%s: %d results compacted, %d whole", compact[i].Host, len(compact[i].Results), len(whole[i].Results))
			}
		}
	})
	t.Run("first failing path wins", func(t *testing.T) {
		dir := t.TempDir()
		bad := filepath.Join(dir, "a.json")
		if err := os.WriteFile(bad, []byte(`{"schema_version": 1, "collectors": {,}`), 0o600); err != nil {
			t.Fatal(err)
		}
		missing := filepath.Join(dir, "nope.json")
		app, _ := newTestApp(t, nil)
		for _, tc := range []struct {
			name  string
			paths []string
			want  string
		}{
			{"malformed after good ones", append(append([]string(nil), paths...), bad, missing), bad + ":1:"},
			{"missing first", []string{missing, bad}, "nope.json"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := collect(t, app, tc.paths, scanner.FilesOptions{})
				if err == nil || !strings.HasPrefix(err.Error(), tc.want) && !strings.Contains(err.Error(), tc.want) {
					t.Errorf("err %v, want %q", err, tc.want)
				}
			})
		}
	})
	t.Run("the callback's error stops the run", func(t *testing.T) {
		app, _ := newTestApp(t, nil)
		stop := errors.New("stop")
		n := 0
		err := app.EvalFiles(ctx, paths, scanner.FilesOptions{}, func(*scanner.Report, *snapshot.Snapshot) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Errorf("err %v after %d reports", err, n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		app, _ := newTestApp(t, nil)
		if _, err := app.Engine(ctx); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := app.EvalFiles(cctx, paths, scanner.FilesOptions{}, func(*scanner.Report, *snapshot.Snapshot) error {
			t.Error("a report from a cancelled run")
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v", err)
		}
	})
}

// writeResults evaluates a snapshot with app and writes its report as a
// result file (a JSON array of one report).
func writeResults(t *testing.T, app *scanner.App, snapshot string) string {
	t.Helper()
	b, err := os.ReadFile(snapshot)
	if err != nil {
		t.Fatal(err)
	}
	rep, _, err := app.EvalSnapshot(context.Background(), snapshot, b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal([]*scanner.Report{rep})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBaseline: --baseline pairs each host with its baseline (a snapshot
// or a result file), compares it as it is rendered (waived), and adds the
// inventory drift when both are snapshots.
func TestBaseline(t *testing.T) {
	ctx := context.Background()
	ws := exampleWaivers(t)
	app, _ := newTestApp(t, ws)
	var reports []*scanner.Report
	var snaps []*snapshot.Snapshot
	if err := app.EvalFiles(ctx, []string{appFaultedSnapshot}, scanner.FilesOptions{KeepSnapshots: true}, func(r *scanner.Report, snap *snapshot.Snapshot) error {
		reports, snaps = append(reports, r), append(snaps, snap)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	resultFile := writeResults(t, app, appDocSnapshot)
	for _, tc := range []struct {
		name, baseline string
		inventory      bool
	}{
		{"snapshot", appDocSnapshot, true},
		{"result file", resultFile, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, err := app.ReadSide(ctx, tc.baseline, "--baseline")
			if err != nil {
				t.Fatal(err)
			}
			ds := app.Baseline(ctx, base, reports, snaps)
			d := ds["server-84"]
			if d == nil || len(ds) != 1 {
				t.Fatalf("diffs %v", ds)
			}
			if d.Summary.NewlyFailing != 2 || d.Summary.Resolved != 0 || d.Summary.Changed != 0 || (d.Inventory != nil) != tc.inventory {
				t.Errorf("summary %+v, inventory %v", d.Summary, d.Inventory)
			}
			if tc.inventory && len(d.NewlyFailing[0].Causes) != 1 {
				t.Errorf("causes %+v", d.NewlyFailing[0])
			}
			if d.New.Kind != scanner.KindSnapshot || d.Old.Source != tc.baseline {
				t.Errorf("sides %+v %+v", d.Old, d.New)
			}
		})
	}
	t.Run("hosts pair by name", func(t *testing.T) {
		base, err := app.ReadSide(ctx, appDocSnapshot, "--baseline")
		if err != nil {
			t.Fatal(err)
		}
		other := *reports[0]
		other.Host = "elsewhere"
		if ds := app.Baseline(ctx, base, []*scanner.Report{reports[0], &other}, nil); len(ds) != 1 || ds["server-84"] == nil || ds["server-84"].Inventory != nil {
			t.Errorf("diffs %v", ds)
		}
		// A baseline of one host pairs with a single report whatever its name.
		if ds := app.Baseline(ctx, base, []*scanner.Report{&other}, nil); ds["elsewhere"] == nil {
			t.Errorf("diffs %v", ds)
		}
	})
	if _, err := app.ReadSide(ctx, "/nonexistent.json", "--baseline"); err == nil || !strings.HasPrefix(err.Error(), "--baseline: open /nonexistent.json") {
		t.Errorf("missing baseline: %v", err)
	}
}

// TestCompare: two snapshots give the result changes with the inventory
// drift behind them; two result files need no policies; a side that is
// neither, or holds several hosts, is refused naming the file.
func TestCompare(t *testing.T) {
	ctx := context.Background()
	maker, _ := newTestApp(t, nil)
	oldResults := writeResults(t, maker, appDocSnapshot)
	newResults := writeResults(t, maker, appFaultedSnapshot)
	two := filepath.Join(t.TempDir(), "two.json")
	a, _ := os.ReadFile(oldResults)
	b, _ := os.ReadFile(newResults)
	if err := os.WriteFile(two, []byte("["+strings.Trim(string(a), "[]")+","+strings.Trim(string(b), "[]")+"]"), 0o600); err != nil {
		t.Fatal(err)
	}
	neither := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(neither, []byte(`{"hello": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	oldVersion := filepath.Join(t.TempDir(), "v0.json")
	if err := os.WriteFile(oldVersion, []byte(`{"schema_version": 0, "results": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		old, new      string
		newlyFailing  int
		inventory     bool
		loads         int32
		oldKind, kind string
		err           string
	}{
		{"two snapshots", appDocSnapshot, appFaultedSnapshot, 2, true, 1, scanner.KindSnapshot, scanner.KindSnapshot, ""},
		{"resolved", appFaultedSnapshot, appDocSnapshot, 0, true, 1, scanner.KindSnapshot, scanner.KindSnapshot, ""},
		{"two result files: no policies", oldResults, newResults, 2, false, 0, scanner.KindResults, scanner.KindResults, ""},
		{"result file then snapshot: no inventory", oldResults, appFaultedSnapshot, 2, false, 1, scanner.KindResults, scanner.KindSnapshot, ""},
		{"several hosts", two, newResults, 0, false, 0, "", "", two + " holds 2 reports; diff compares one host"},
		{"neither", neither, appDocSnapshot, 0, false, 0, "", "", neither + `: neither a result file (no "results") nor a snapshot (no "collectors")`},
		{"old result schema", oldVersion, newResults, 0, false, 0, "", "", oldVersion + ": result file schema_version 0 is not supported"},
		{"missing", "/nonexistent.json", appDocSnapshot, 0, false, 0, "", "", "open /nonexistent.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, loads := newTestApp(t, nil)
			d, err := app.Compare(ctx, tc.old, tc.new)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Errorf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(d.NewlyFailing) != tc.newlyFailing || (d.Inventory != nil) != tc.inventory {
				t.Errorf("newly failing %d, inventory %v", len(d.NewlyFailing), d.Inventory)
			}
			if n := loads.Load(); n != tc.loads {
				t.Errorf("policies compiled %d times, want %d", n, tc.loads)
			}
			if d.Old.Source != tc.old || d.New.Source != tc.new || d.Old.Kind != tc.oldKind || d.New.Kind != tc.kind {
				t.Errorf("sides %+v %+v", d.Old, d.New)
			}
			if tc.inventory && tc.newlyFailing > 0 {
				for _, c := range d.NewlyFailing {
					if len(c.Causes) != 1 {
						t.Errorf("%s %s: causes %+v", c.RuleID, c.Subject, c.Causes)
					}
				}
			}
		})
	}
	t.Run("waivers apply to snapshots only", func(t *testing.T) {
		waived, _ := newTestApp(t, exampleWaivers(t))
		d, err := waived.Compare(ctx, oldResults, appDocSnapshot)
		if err != nil {
			t.Fatal(err)
		}
		// The unwaived result file's failures are now waived.
		if d.Summary.Changed == 0 || d.Summary.NewlyFailing != 0 {
			t.Errorf("summary %+v", d.Summary)
		}
	})
}

// TestEngineOnce: the policies compile once however many callers ask at
// the same time, and a compile error is every caller's.
func TestEngineOnce(t *testing.T) {
	app, loads := newTestApp(t, nil)
	app.Preload(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := app.Engine(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("compiled %d times", n)
	}
	broken := &scanner.App{Load: func(context.Context) (*scanner.Engine, error) { return nil, errors.New("policies: broken") }}
	if _, _, err := broken.EvalSnapshot(context.Background(), "x.json", []byte(`{}`)); err == nil || err.Error() != "policies: broken" {
		t.Errorf("err %v", err)
	}
}
