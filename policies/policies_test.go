package policies_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
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

// TestTargetsSaySubjects evaluates the embedded checks on the test
// snapshots: no check is an error (a target the engine rejects makes its
// check one), every result a check writes carries a target, and each
// target says what its subject says, by the conventions diff and the
// reports join on. Only the engine's own results (a check with no result,
// a section it requires missing) have no target: their subject is "host".
func TestTargetsSaySubjects(t *testing.T) {
	ctx := context.Background()
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := cfg.Data()
	if err != nil {
		t.Fatal(err)
	}
	e, err := scanner.Load(ctx, []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}, data)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../testdata/snapshots/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test snapshots: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		snap, doc, err := snapshot.Decode(filepath.Base(f), b)
		if err != nil {
			t.Fatal(err)
		}
		in, err := e.InputOf(snap, doc)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := e.Eval(ctx, in, scanner.EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		targeted := 0
		for _, r := range rep.Results {
			switch {
			case r.Status == scanner.StatusError:
				t.Errorf("%s: %s %q: error: %s", filepath.Base(f), r.RuleID, r.Subject, r.Message)
			case r.Target == nil:
				if r.Subject != "host" {
					t.Errorf("%s: %s %q has no target", filepath.Base(f), r.RuleID, r.Subject)
				}
			default:
				targeted++
				if why := saysSubject(r.Subject, r.Target); why != "" {
					t.Errorf("%s: %s %q: target %+v %s", filepath.Base(f), r.RuleID, r.Subject, *r.Target, why)
				}
			}
		}
		if targeted == 0 {
			t.Errorf("%s: no result has a target", filepath.Base(f))
		}
	}
}

// saysSubject says how target t disagrees with subject s, "" when it
// agrees.
func saysSubject(s string, t *scanner.Target) string {
	ok := false
	switch t.Kind {
	case scanner.TargetPort:
		ok = s == fmt.Sprintf("%d/%s", t.Port, t.Proto)
	case scanner.TargetListener:
		a, err := netip.ParseAddr(t.Address)
		ok = err == nil && s == netip.AddrPortFrom(a, uint16(t.Port)).String()
	case scanner.TargetContainer:
		ok = s == "container "+t.Container || strings.HasPrefix(s, "container "+t.Container+" ")
	case scanner.TargetRegistry:
		ok = strings.HasPrefix(s, "registry ") && strings.HasSuffix(s, " "+t.Registry)
	case scanner.TargetFirewall:
		ok = strings.HasPrefix(s, "ufw") || strings.HasPrefix(s, "default ") || s == "ssh"
		if t.Port != 0 && strings.HasPrefix(s, "ufw rule: ") {
			ok = strings.Contains(s, fmt.Sprintf(" port %d/%s ", t.Port, t.Proto))
		}
	case scanner.TargetService:
		prefix := map[string]string{"dockerd": "docker api", "ray": "ray "}[t.Service]
		if prefix == "" {
			prefix = t.Service
		}
		ok = strings.HasPrefix(s, prefix)
	case scanner.TargetHost:
		ok = s == "host" || s == "registry" || s == "registered access" || strings.HasPrefix(s, "file ")
	}
	if !ok {
		return "does not say what the subject says"
	}
	return ""
}
