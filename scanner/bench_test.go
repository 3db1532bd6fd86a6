package scanner_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
)

func loadDefault(tb testing.TB) *scanner.Engine {
	tb.Helper()
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		tb.Fatal(err)
	}
	data, err := cfg.Data()
	if err != nil {
		tb.Fatal(err)
	}
	e, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS}}, data)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func docInput(tb testing.TB) *scanner.Input {
	tb.Helper()
	b, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		tb.Skipf("documented-host snapshot missing: %v", err)
	}
	doc, err := scanner.DecodeSnapshot("documented-host.json", b)
	if err != nil {
		tb.Fatal(err)
	}
	in, err := scanner.NewInput(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return in
}

// BenchmarkCompile measures loading, compiling and preparing every check.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		loadDefault(b)
	}
}

// BenchmarkEvalSnapshot measures one evaluation with the checks prepared once.
func BenchmarkEvalSnapshot(b *testing.B) {
	e := loadDefault(b)
	in := docInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(context.Background(), in, scanner.EvalOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNoChecksIsAnError(t *testing.T) {
	_, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "empty", FS: os.DirFS(t.TempDir())}}, nil)
	if err != scanner.ErrNoChecks {
		t.Fatalf("got %v, want ErrNoChecks", err)
	}
}

func TestDuplicateIDIsAnError(t *testing.T) {
	dir := t.TempDir()
	src := "# METADATA\n# title: t\n# custom:\n#   id: MLS-FW-001\n#   severity: low\npackage dup\n"
	os.WriteFile(dir+"/dup.rego", []byte(src), 0o600)
	_, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS}, {Name: dir, FS: os.DirFS(dir)}}, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "MLS-FW-001 already declared") {
		t.Fatalf("got %v", err)
	}
}

func TestBadSeverityNamesFile(t *testing.T) {
	dir := t.TempDir()
	src := "# METADATA\n# title: t\n# custom:\n#   id: SITE-009\n#   severity: urgent\npackage site\n"
	os.WriteFile(dir+"/s.rego", []byte(src), 0o600)
	_, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: dir, FS: os.DirFS(dir)}}, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "s.rego:1") || !strings.Contains(err.Error(), "urgent") {
		t.Fatalf("got %v", err)
	}
}

// BenchmarkEvalSnapshotSerial is BenchmarkEvalSnapshot as fleet evaluation
// runs it: one query on the calling goroutine.
func BenchmarkEvalSnapshotSerial(b *testing.B) {
	e := loadDefault(b)
	in := docInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(context.Background(), in, scanner.EvalOptions{Serial: true}); err != nil {
			b.Fatal(err)
		}
	}
}
