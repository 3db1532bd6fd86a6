package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs mlscan in-process and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

const docSnapshot = "../../testdata/snapshots/documented-host.json"

// mustWrite writes a test file and stops the test if it cannot.
func mustWrite(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnknownFormatListsValidOnes(t *testing.T) {
	_, stderr, code := runCLI(t, "eval", "--format", "xml", docSnapshot)
	if code != exitUsage || !strings.Contains(stderr, "valid: json, ") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestBadFailOn(t *testing.T) {
	_, stderr, code := runCLI(t, "eval", "--fail-on", "urgent", docSnapshot)
	if code != exitUsage || !strings.Contains(stderr, "--fail-on") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestMalformedSnapshotNamesFileAndPosition(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"syntax", "{\n  \"schema_version\": 1,\n  \"collectors\": {,\n}", "bad.json:3:"},
		{"truncated", "{\n  \"schema_version\": 1,\n", "bad.json:3:1: invalid JSON: unexpected end of input"},
		{"not a snapshot", "{\"hello\": 1}", "schema_version missing"},
		{"future version", "{\"schema_version\": 9, \"collectors\": {}}", "schema_version 9 is not supported"},
		{"wrong type", "{\"schema_version\": 1, \"tool\": {\"name\": \"mlscan\", \"version\": \"x\"}, \"host\": {\"hostname\": \"h\", \"addresses\": []}, \"collected_at\": \"2026-01-01T00:00:00Z\", \"is_root\": \"yes\", \"uid\": 0, \"collectors\": {}}", "at /is_root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "bad.json", tc.content)
			_, stderr, code := runCLI(t, "eval", p)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, p) {
				t.Fatalf("stderr %q does not name the file and %q", stderr, tc.want)
			}
		})
	}
}

func TestMalformedConfigNamesFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"unknown key", "networks:\n  trusted: [10.0.0.0/24]\nregistri: []\n", ":3: unknown key `registri` (did you mean `registry`?)"},
		{"bad cidr", "networks:\n  trusted: [10.0.0.0/33]\n", ":2: networks.trusted: \"10.0.0.0/33\" is not a CIDR"},
		{"bad bind", "registry:\n  - port: 22\n    proto: tcp\n    service: ssh\n    bind: everywhere\n    allowed_sources: [trusted]\n    category: ssh\n", ":5: registry entry 22: bind \"everywhere\""},
		{"unknown role", "containers:\n  roles:\n    nginx: {user: \"1000\"}\n", ":3: containers.roles: \"nginx\" is not a role"},
		{"bad size", "containers:\n  roles:\n    redis: {memory: lots}\n", ":3: \"lots\" is not a size"},
		{"yaml syntax", "networks:\n  trusted: [10.0.0.0/24\n", ": did not find expected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "mlscan.yaml", tc.content)
			_, stderr, code := runCLI(t, "config", "--config", p)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, p) || !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr %q lacks file and %q", stderr, tc.want)
			}
		})
	}
}

func TestConfigOverridesDefaults(t *testing.T) {
	p := writeFile(t, "mlscan.yaml", "networks:\n  trusted: [192.168.1.0/24]\n")
	out, _, code := runCLI(t, "config", "--config", p)
	if code != 0 || !strings.Contains(out, "192.168.1.0/24") || strings.Contains(out, "10.0.0.0/24") || !strings.Contains(out, "redis-broker") {
		t.Fatalf("code %d, out:\n%s", code, out)
	}
}

func TestZeroChecksIsAnError(t *testing.T) {
	// A --policy directory adds to the embedded checks; a broken one stops
	// the run with the file and line.
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "broken.rego"), []byte("package x\n\ndeny contains msg if {\n"), 0o600)
	_, stderr, code := runCLI(t, "policies", "--policy", dir)
	if code != exitUsage || !strings.Contains(stderr, "broken.rego:") {
		t.Fatalf("code %d stderr %q", code, stderr)
	}
}

func TestUserPolicyRuns(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "site.rego"), []byte(`# METADATA
# title: Site rule
# description: test
# custom:
#   id: SITE-001
#   severity: low
#   requires: [sockets]
#   remediation: none
#   references: [x]
package site.rule

deny contains {"subject": "host", "message": sprintf("%d listeners", [count(input.sockets.listeners)])}
`), 0o600)
	out, stderr, code := runCLI(t, "eval", "--policy", dir, "--format", "json", docSnapshot)
	if code == exitUsage {
		t.Fatalf("stderr %q", stderr)
	}
	var rep struct {
		Results []struct {
			RuleID string `json:"rule_id"`
			Status string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rep.Results {
		if r.RuleID == "SITE-001" && r.Status == "fail" {
			found = true
		}
	}
	if !found {
		t.Fatalf("SITE-001 did not fail: %s", out)
	}
}

func TestRuntimeErrorIsErrorNotPass(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "bad.rego"), []byte(`# METADATA
# title: Broken at run time
# description: test
# custom:
#   id: SITE-002
#   severity: high
#   remediation: none
#   references: [x]
package site.broken

deny contains {"subject": "host", "message": x} if {
	x := to_number("not a number")
}
`), 0o600)
	out, _, code := runCLI(t, "eval", "--policy", dir, "--format", "json", docSnapshot)
	if !strings.Contains(out, `"rule_id": "SITE-002"`) {
		t.Fatalf("no SITE-002 result: %s", out)
	}
	var rep struct {
		Results []struct {
			RuleID string `json:"rule_id"`
			Status string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, r := range rep.Results {
		if r.RuleID == "SITE-002" && r.Status != "error" {
			t.Fatalf("SITE-002 status %s, want error", r.Status)
		}
	}
	if code == exitOK {
		t.Fatalf("exit 0 with an errored rule")
	}
}

func TestMissingSectionIsUnknown(t *testing.T) {
	// A snapshot where the ufw collector failed: every rule that needs it
	// is unknown, and the exit code is 3 when nothing else failed.
	snap := `{"schema_version": 1, "tool": {"name": "mlscan", "version": "t"},
 "host": {"hostname": "h", "addresses": []}, "collected_at": "2026-01-01T00:00:00Z",
 "is_root": false, "uid": 1000,
 "collectors": {"ufw": {"status": "error", "error": "boom", "duration_ms": 1},
                "sockets": {"status": "ok", "duration_ms": 1}},
 "sockets": {"owners": {"status": "permission"}, "listeners": []}}`
	p := writeFile(t, "s.json", snap)
	out, stderr, code := runCLI(t, "eval", "--format", "json", p)
	if code != exitUnknown {
		t.Fatalf("exit %d, want %d; %s %s", code, exitUnknown, stderr, out)
	}
	var rep struct {
		Results []struct {
			RuleID  string `json:"rule_id"`
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range rep.Results {
		if strings.Contains(r.Message, "collector ufw: error (boom)") {
			seen++
			if r.Status != "unknown" {
				t.Errorf("%+v", r)
			}
		}
	}
	if seen < 7 {
		t.Fatalf("only %d rules unknown because of ufw:\n%s", seen, out)
	}
}

func TestDeterministicReports(t *testing.T) {
	for _, f := range []string{"json", "table"} {
		a, _, _ := runCLI(t, "eval", "--format", f, docSnapshot)
		b, _, _ := runCLI(t, "eval", "--format", f, docSnapshot)
		if a != b || a == "" {
			t.Fatalf("%s output differs between two runs", f)
		}
	}
}

func TestOutputFileIs0600AndReplacesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "victim")
	mustWrite(t, target, []byte("keep"), 0o644)
	out := filepath.Join(dir, "report.json")
	if err := os.Symlink(target, out); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "eval", "--format", "json", "-o", out, docSnapshot)
	if code == exitUsage {
		t.Fatal(stderr)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Fatal("the symlink target was overwritten")
	}
	st, err := os.Lstat(out)
	if err != nil || st.Mode()&os.ModeSymlink != 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", st.Mode(), err)
	}
}

func TestSchemaMatchesGolden(t *testing.T) {
	out, _, code := runCLI(t, "schema")
	if code != 0 {
		t.Fatal(code)
	}
	golden := "../../testdata/snapshot.schema.json"
	if os.Getenv("MLSCAN_UPDATE_TESTDATA") == "1" {
		mustWrite(t, golden, []byte(out), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != out {
		t.Fatalf("`mlscan schema` differs from %s: the snapshot types changed; review and rerun with MLSCAN_UPDATE_TESTDATA=1", golden)
	}
}
