package scanner

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/snapshot"
)

// TestFixedChecks: only the checks that judge the configuration alone are
// evaluated once at load; their results are the same as when evaluated
// with a snapshot, and a custom check reading the input is not fixed.
func TestFixedChecks(t *testing.T) {
	cfg, err := LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := cfg.Data()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/site.rego", []byte("# METADATA\n# title: t\n# custom:\n#   id: SITE-001\n#   severity: low\npackage site.one\n\ndeny contains {\"subject\": \"host\", \"message\": \"m\"} if input.x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/site2.rego", []byte("# METADATA\n# title: t\n# custom:\n#   id: SITE-002\n#   severity: low\npackage site.two\n\ndeny contains {\"subject\": \"host\", \"message\": \"m\"} if time.now_ns() > 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The clock in a comprehension, and the input read only in the else
	// branch of a helper.
	if err := os.WriteFile(dir+"/site3.rego", []byte("# METADATA\n# title: t\n# custom:\n#   id: SITE-003\n#   severity: low\npackage site.three\n\ndeny contains {\"subject\": \"host\", \"message\": \"m\"} if count([t | t := time.now_ns(); t > 0]) > 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/site4.rego", []byte("# METADATA\n# title: t\n# custom:\n#   id: SITE-004\n#   severity: low\npackage site.four\n\nv := 1 if false else := input.x\n\ndeny contains {\"subject\": \"host\", \"message\": \"m\"} if v == 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := Load(context.Background(), []PolicySource{{Name: "policies", FS: policies.FS}, {Name: dir, FS: os.DirFS(dir)}}, data)
	if err != nil {
		t.Fatal(err)
	}
	var fixed []string
	for i := range e.fixed {
		fixed = append(fixed, e.checks[i].ID)
	}
	if len(fixed) != 1 || fixed[0] != "MLS-REG-003" {
		t.Errorf("fixed checks %v, want [MLS-REG-003] (SITE-001 and SITE-004 read the input, SITE-002 and SITE-003 the clock)", fixed)
	}
	b, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		t.Skip(err)
	}
	snap, doc, err := snapshot.Decode("documented-host.json", b)
	if err != nil {
		t.Fatal(err)
	}
	in, err := e.InputOf(snap, doc)
	if err != nil {
		t.Fatal(err)
	}
	withFixed, err := e.Eval(context.Background(), in, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.fixed = nil // every check through the combined query
	e.all = map[string][]rego.PreparedEvalQuery{}
	without, err := e.Eval(context.Background(), in, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(withFixed)
	z, _ := json.Marshal(without)
	if string(a) != string(z) {
		t.Error("the report with the fixed checks differs from the one evaluating them with the snapshot")
	}
}
