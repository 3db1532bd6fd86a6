package scanner_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
)

// TestSchema1SnapshotEvaluates: a snapshot written before the kernel's
// ruleset was collected (schema_version 1: no netfilter section, no
// host.interfaces) still evaluates; the checks that need the ruleset are
// unknown, saying why and how to fix it, never pass; the others are
// judged as before.
func TestSchema1SnapshotEvaluates(t *testing.T) {
	b, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["schema_version"] = 1
	delete(doc, "netfilter")
	delete(doc["collectors"].(map[string]any), "netfilter")
	delete(doc["host"].(map[string]any), "interfaces")
	old, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := newTestApp(t, nil)
	ctx := context.Background()
	oldRep, _, err := app.EvalSnapshot(ctx, "old.json", old)
	if err != nil {
		t.Fatalf("a schema 1 snapshot does not evaluate: %v", err)
	}
	newRep, _, err := app.EvalSnapshot(ctx, "new.json", b)
	if err != nil {
		t.Fatal(err)
	}
	needRuleset := map[string]bool{"MLS-EXP-001": true, "MLS-AUTH-003": true}
	now := map[string]scanner.Status{}
	for _, r := range newRep.Results {
		now[r.RuleID+" "+r.Subject] = r.Status
	}
	seen := map[string]bool{}
	for _, r := range oldRep.Results {
		if needRuleset[r.RuleID] {
			seen[r.RuleID] = true
			if r.Status != scanner.StatusUnknown || !strings.Contains(r.Message, "collector netfilter did not run") {
				t.Errorf("%s %s: %s %q, want unknown saying the ruleset was not collected", r.RuleID, r.Subject, r.Status, r.Message)
			}
			continue
		}
		if r.Status == scanner.StatusPass && now[r.RuleID+" "+r.Subject] != scanner.StatusPass {
			t.Errorf("%s %s passes without the ruleset but is %s with it", r.RuleID, r.Subject, now[r.RuleID+" "+r.Subject])
		}
	}
	for id := range needRuleset {
		if !seen[id] {
			t.Errorf("%s gave no result for the schema 1 snapshot", id)
		}
	}
}
