package scanner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseWaiversErrorsNameLine(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"missing expiry", "waivers:\n  - rule_id: MLS-EXP-002\n    subject: \"*\"\n    reason: r\n    owner: o\n    created: 2026-01-01\n", "w.yaml:2: waiver 1: expires \"\" is not a date"},
		{"bad id", "waivers:\n  - rule_id: exp2\n    subject: x\n    reason: r\n    owner: o\n    created: 2026-01-01\n    expires: 2026-02-01\n", "w.yaml:2: waiver 1: rule_id \"exp2\""},
		{"unknown key", "waivers:\n  - rule_id: MLS-EXP-002\n    subjekt: x\n", "w.yaml:3: field subjekt not found"},
		{"expiry before creation", "waivers:\n  - rule_id: MLS-EXP-002\n    subject: x\n    reason: r\n    owner: o\n    created: 2026-03-01\n    expires: 2026-02-01\n", "before created"},
		{"syntax", "waivers: [\n", "w.yaml:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWaivers("w.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestApplyWaivers(t *testing.T) {
	mk := func() *Report {
		rs := []Result{
			{RuleID: "MLS-EXP-002", Subject: "8265/tcp", Status: StatusFail, Severity: SeverityHigh},
			{RuleID: "MLS-EXP-002", Subject: "10001/tcp", Status: StatusFail, Severity: SeverityHigh},
			{RuleID: "MLS-FW-001", Subject: "ufw", Status: StatusPass, Severity: SeverityCritical},
		}
		return &Report{Host: "server84", ScannedAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Results: rs, Summary: Summarize(rs)}
	}
	ws := []Waiver{
		{RuleID: "MLS-EXP-002", Subject: "8265/*", Host: "server84", Expires: "2026-09-01", Line: 2},
		{RuleID: "MLS-EXP-002", Subject: "10001/tcp", Expires: "2026-05-01", Line: 9},
		{RuleID: "MLS-FW-004", Subject: "*", Expires: "2027-01-01", Line: 16},
	}
	rep := mk()
	ApplyWaivers(rep, ws)
	if rep.Results[0].Status != StatusWaived || rep.Results[0].Waiver == nil {
		t.Errorf("8265 not waived: %+v", rep.Results[0])
	}
	if rep.Results[1].Status != StatusFail || !strings.Contains(rep.Results[1].Message, "expired on 2026-05-01") {
		t.Errorf("expired waiver applied: %+v", rep.Results[1])
	}
	want := []string{WaiverApplied, WaiverExpired, WaiverStale}
	for i, s := range rep.Waivers {
		if s.State != want[i] {
			t.Errorf("waiver %d: %s, want %s", i, s.State, want[i])
		}
	}
	if rep.Summary.ByStatus[StatusWaived] != 1 || rep.Summary.ByStatus[StatusFail] != 1 {
		t.Errorf("summary %+v", rep.Summary)
	}
	// A waiver for another host does not apply.
	rep = mk()
	rep.Host = "server80"
	ApplyWaivers(rep, ws[:1])
	if rep.Results[0].Status != StatusFail {
		t.Error("waiver applied to another host")
	}
}

func TestLoadWaivers(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("waivers: []\n"+strings.Repeat("# padding\n", 500<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope.yaml"), "read waivers: open " + filepath.Join(dir, "nope.yaml")},
		{"too large", big, big + ": waivers file larger than 4 MiB"},
		{"example", "../examples/waivers-documented-host.yaml", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := LoadWaivers(tc.path)
			if tc.want == "" {
				if err != nil || len(ws) == 0 {
					t.Fatalf("%d waivers, %v", len(ws), err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
