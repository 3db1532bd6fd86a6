package policies_test

import (
	"context"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
)

// TestRego runs every *_test.rego through OPA's tester with the default
// configuration as data, so `go test ./...` covers the policies.
func TestRego(t *testing.T) {
	ctx := context.Background()
	mods, err := scanner.ParseModules([]scanner.PolicySource{{Name: "policies", FS: policies.FS}}, true)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := cfg.Data()
	if err != nil {
		t.Fatal(err)
	}
	store := scanner.NewStore(data)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Abort(ctx, txn)
	ch, err := tester.NewRunner().SetModules(mods).SetStore(store).RaiseBuiltinErrors(true).RunTests(ctx, txn)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		if r.Error != nil {
			t.Errorf("%s.%s: error: %v", r.Package, r.Name, r.Error)
			continue
		}
		if r.Fail {
			t.Errorf("%s.%s (%s): fail", r.Package, r.Name, r.Location)
		}
	}
	if n == 0 {
		t.Fatal("no Rego tests ran")
	}
	t.Logf("%d Rego tests", n)
}

// TestEveryCheckHasTests keeps the habit: each check file has a sibling
// _test.rego.
func TestEveryCheckHasTests(t *testing.T) {
	mods, err := scanner.ParseModules([]scanner.PolicySource{{Name: "policies", FS: policies.FS}}, true)
	if err != nil {
		t.Fatal(err)
	}
	for name := range mods {
		if strings.HasSuffix(name, "_test.rego") || strings.Contains(name, "/lib/") {
			continue
		}
		if _, ok := mods[strings.TrimSuffix(name, ".rego")+"_test.rego"]; !ok {
			t.Errorf("%s has no sibling _test.rego", name)
		}
	}
}

// TestLoad compiles the embedded checks and checks their metadata.
// TestLoad loads the embedded policies as an unverified source, so with
// every static check of OPA's compiler (types, conflicts, recursion,
// imports), which mlscan skips for them at run time (Verified).
func TestLoad(t *testing.T) {
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := cfg.Data()
	e, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS}}, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Checks() {
		if c.Remediation == "" || c.Description == "" || len(c.References) == 0 {
			t.Errorf("%s (%s): description, remediation and references are required", c.ID, c.File)
		}
	}
}
