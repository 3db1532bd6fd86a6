package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// faultedSnapshot is the documented host after two planted faults (see
// scanner/diff_test.go): Redis's port allowed from 192.168.1.0/24 and an
// unregistered listener on 0.0.0.0:7777.
const faultedSnapshot = "../testdata/snapshots/documented-host-two-faults.json"

func decodeFile(tb testing.TB, path string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	_, doc, err := snapshot.Decode(filepath.Base(path), b)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// driftDiff is the drift from the documented host to its faulted copy.
func driftDiff(tb testing.TB) *scanner.Diff {
	tb.Helper()
	d := scanner.DiffReports(docReport(tb), evalSnapshot(tb, faultedSnapshot))
	d.Explain(scanner.DiffInventory(decodeFile(tb, docSnapshot), decodeFile(tb, faultedSnapshot)), testEngine(tb).Checks())
	d.Old.Source, d.Old.Kind = "documented-host.json", scanner.KindSnapshot
	d.New.Source, d.New.Kind = "documented-host-two-faults.json", scanner.KindSnapshot
	return d
}

// checkGolden compares got with testdata/golden/name; -update rewrites it.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
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
}

// TestDiffGolden renders the drift of the documented host after two faults
// in every diff format.
func TestDiffGolden(t *testing.T) {
	ext := map[string]string{"table": "txt", "json": "json", "markdown": "md"}
	for _, format := range DiffFormats() {
		t.Run(format, func(t *testing.T) {
			w, err := NewDiff(format, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := w.WriteDiff(&buf, driftDiff(t)); err != nil {
				t.Fatal(err)
			}
			if format == "markdown" {
				checkMarkdown(t, buf.Bytes())
			}
			checkGolden(t, "documented-host-drift."+ext[format], buf.Bytes())
		})
	}
	if _, err := NewDiff("sarif", Options{}); err == nil || !strings.Contains(err.Error(), "valid: json, markdown, table") {
		t.Errorf("unknown diff format: %v", err)
	}
}

// TestBaselineSection: the section names both newly failing rules with the
// change behind each, and says what it compared.
func TestBaselineSection(t *testing.T) {
	var buf bytes.Buffer
	if err := writeBaselineSection(&buf, nil); err != nil || buf.Len() != 0 {
		t.Fatalf("nil diff wrote %q (%v)", buf.String(), err)
	}
	if err := writeBaselineSection(&buf, driftDiff(t)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	checkMarkdown(t, buf.Bytes())
	for _, want := range []string{
		"## Changes since the last review\n",
		"### Newly failing\n",
		"| critical | MLS-EXP-001 | 6380/tcp | pass | fail | redis-broker port 6380/tcp is reachable from outside 10.0.0.0/24: reachable from 192.168.1.1 on eth0 to 10.0.0.84:6380: accepted in INPUT by UFW's user rules (ufw-user-input) (\\`-A ufw-user-input -s 192.168.1.0/24 -p tcp -m tcp --dport 6380 -j ACCEPT\\`) | UFW rule added: allow in port 6380/tcp from 192.168.1.0/24 |",
		"| high | MLS-REG-001 | 7777/tcp | (no result) | fail | 7777/tcp is listening but not in the port registry | listener added: tcp 0.0.0.0:7777 (python3) |",
		"### Resolved\n\nNone.",
		"| added | listener | tcp 0.0.0.0:7777 (python3) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	// Options hand each host its own diff.
	o := Options{Baseline: map[string]*scanner.Diff{"server-84": driftDiff(t)}}
	if o.baselineFor(&scanner.Report{Host: "server-84"}) == nil || o.baselineFor(&scanner.Report{Host: "other"}) != nil || (Options{}).baselineFor(&scanner.Report{}) != nil {
		t.Error("baselineFor")
	}
}

// TestDiffResultFilesOnly: without snapshots the drift says the inventory
// was not compared, in every format.
func TestDiffResultFilesOnly(t *testing.T) {
	d := scanner.DiffReports(docReport(t), evalSnapshot(t, faultedSnapshot))
	for _, format := range DiffFormats() {
		w, _ := NewDiff(format, Options{})
		var buf bytes.Buffer
		if err := w.WriteDiff(&buf, d); err != nil {
			t.Fatal(err)
		}
		if format != "json" && !strings.Contains(buf.String(), "needs two snapshots") {
			t.Errorf("%s: no word on the inventory:\n%s", format, buf.String())
		}
		if format == "json" && strings.Contains(buf.String(), `"inventory"`) {
			t.Errorf("json holds an inventory")
		}
	}
}
