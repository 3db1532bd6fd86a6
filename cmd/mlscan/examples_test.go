package main

import (
	"os"
	"strings"
	"testing"
)

const exampleWaivers = "../../examples/waivers-documented-host.yaml"

// TestExampleWaiversCoverDocumentedHost: the documented host with the
// document's accepted risks scans clean (exit 0).
func TestExampleWaiversCoverDocumentedHost(t *testing.T) {
	out, stderr, code := runCLI(t, "eval", "--waivers", exampleWaivers, docSnapshot)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, stderr)
	}
	if !strings.Contains(out, " waived") || strings.Contains(out, "matched nothing") {
		t.Fatalf("unexpected output:\n%s", out)
	}
}

// TestExpiredWaiversNoLongerApply: the same waivers past their expiry
// exit 1 and the report says which expired.
func TestExpiredWaiversNoLongerApply(t *testing.T) {
	b, err := os.ReadFile(exampleWaivers)
	if err != nil {
		t.Fatal(err)
	}
	expired := strings.NewReplacer("expires: 2027-02-28", "expires: 2026-02-28", "created: 2026-11-28", "created: 2025-11-28").Replace(string(b))
	p := writeFile(t, "waivers.yaml", expired)
	out, _, code := runCLI(t, "eval", "--waivers", p, docSnapshot)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	if !strings.Contains(out, "expired on 2026-02-28") {
		t.Fatalf("report does not say the waivers expired:\n%s", out)
	}
}

func TestMalformedWaiversNameFileAndLine(t *testing.T) {
	p := writeFile(t, "w.yaml", "waivers:\n  - rule_id: MLS-REG-002\n    subject: x\n    owner: o\n    created: 2026-01-01\n    expires: 2026-13-01\n")
	_, stderr, code := runCLI(t, "eval", "--waivers", p, docSnapshot)
	if code != exitUsage || !strings.Contains(stderr, p+":2: waiver 1: reason is required") || !strings.Contains(stderr, "expires \"2026-13-01\"") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
}
