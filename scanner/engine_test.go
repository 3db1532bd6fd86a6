package scanner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
)

// engineSnapshot is the snapshot every engine case is evaluated against:
// sockets collected (but not their owners), docker failed, sshd ok with
// no section, no ufw record.
const engineSnapshot = `{
  "schema_version": 1,
  "host": {"hostname": "h1", "addresses": ["10.0.0.1", "192.0.2.1"]},
  "collected_at": "2026-12-01T10:00:00.5Z",
  "is_root": false,
  "collectors": {
    "sockets": {"status": "ok", "duration_ms": 1.5},
    "docker": {"status": "error", "error": "dial unix /run/docker.sock: no such file", "duration_ms": 2},
    "sshd": {"status": "ok", "duration_ms": 3}
  },
  "sockets": {
    "owners": {"status": "permission", "error": "not root"},
    "listeners": [{"proto": "tcp", "address": "0.0.0.0", "port": 22}]
  }
}`

// engineCase is one check and the results it must give on engineSnapshot.
type engineCase struct {
	name     string
	requires string // YAML list for custom.requires; "" for none
	rules    string // the module after its package line
	// want are the results as "status subject severity: message"; a "…"
	// in one stands for any text (a file name in an OPA error).
	want []string
	// target is the first result's Target.
	target *scanner.Target
}

// listener22 is a rule body condition true on engineSnapshot: checks
// using it read the input and go through the combined query.
const listener22 = `some l in input.sockets.listeners; l.port == 22`

var engineCases = []engineCase{
	{
		name:     "pass: an empty deny is an explicit pass",
		requires: "[sockets]",
		rules:    `deny contains {"subject": "host", "message": "m"} if input.sockets.listeners[_].port == 23`,
		want:     []string{"pass host medium: no violation found"},
	},
	{
		name:     "pass: explicit pass entries; a denied subject is not also passed",
		requires: "[sockets]",
		rules: `pass contains {"subject": "port 22/tcp", "message": "22 ok"} if { ` + listener22 + ` }
pass contains {"subject": "port 80/tcp", "message": "80 ok"}
deny contains {"subject": "port 80/tcp", "message": "80 open"} if { ` + listener22 + ` }`,
		want: []string{"pass port 22/tcp medium: 22 ok", "fail port 80/tcp medium: 80 open"},
	},
	{
		name: "pass: a check reading no input is evaluated at load, the same",
		rules: `pass contains {"subject": "config", "message": "fixed"}
deny contains {"subject": "config", "message": "never"} if 1 == 2`,
		want: []string{"pass config medium: fixed"},
	},
	{
		name: "fail: the check's severity, or the entry's override",
		rules: `deny contains {"subject": "port 22/tcp", "message": "ssh open to all", "severity": "critical"} if { ` + listener22 + ` }
deny contains {"subject": "port 22/udp", "message": "plain"} if { ` + listener22 + ` }`,
		want: []string{"fail port 22/tcp critical: ssh open to all", "fail port 22/udp medium: plain"},
	},
	{
		name: "fail: evidence, location and a valid target are decoded",
		rules: `deny contains {
	"subject": "0.0.0.0:22/tcp", "message": "m",
	"target": {"kind": "listener", "address": "0.0.0.0", "port": 22, "proto": "tcp"},
	"evidence": {"observed": 22, "expected": ["a", "b"], "source": "sockets.listeners"},
	"location": {"file": "/etc/ssh/sshd_config", "line": 12, "what": "Port"},
} if { ` + listener22 + ` }`,
		want:   []string{"fail 0.0.0.0:22/tcp medium: m"},
		target: &scanner.Target{Kind: scanner.TargetListener, Address: "0.0.0.0", Port: 22, Proto: "tcp"},
	},
	{
		name:  "not_applicable",
		rules: `not_applicable contains {"subject": "docker", "message": "no containers"} if { ` + listener22 + ` }`,
		want:  []string{"not_applicable docker medium: no containers"},
	},
	{
		name:  "unknown: stated by the check",
		rules: `unknown contains {"subject": "port 22/tcp", "message": "owner not known"} if { ` + listener22 + ` }`,
		want:  []string{"unknown port 22/tcp medium: owner not known"},
	},
	{
		name:     "unknown: required collector did not run",
		requires: "[ufw.rules]",
		rules:    `deny contains {"subject": "host", "message": "m"} if input.is_root == false`,
		want:     []string{"unknown host medium: could not be verified: collector ufw did not run (no record in the snapshot: an older mlscan wrote it, or --collectors left it out; rescan with this mlscan)"},
	},
	{
		name:     "unknown: required collector failed",
		requires: "[docker.containers]",
		rules:    `deny contains {"subject": "host", "message": "m"} if input.is_root == false`,
		want:     []string{"unknown host medium: could not be verified: collector docker: error (dial unix /run/docker.sock: no such file)"},
	},
	{
		name:     "unknown: required part not ok",
		requires: "[sockets.owners]",
		rules:    `deny contains {"subject": "host", "message": "m"} if input.is_root == false`,
		want:     []string{"unknown host medium: could not be verified: sockets.owners: permission (not root)"},
	},
	{
		name:     "unknown: required section missing",
		requires: "[sshd]",
		rules:    `deny contains {"subject": "host", "message": "m"} if input.is_root == false`,
		want:     []string{"unknown host medium: could not be verified: section sshd missing from the snapshot"},
	},
	{
		name:     "unknown: required section under a list",
		requires: "[sockets.listeners.port]",
		rules:    `deny contains {"subject": "host", "message": "m"} if input.is_root == false`,
		want:     []string{"unknown host medium: could not be verified: section sockets.listeners is not an object"},
	},
	{
		name:     "unknown: every missing requirement is named",
		requires: "[sockets, ufw, docker]",
		rules:    `deny contains {"subject": "host", "message": "m"} if input.is_root == false`,
		want:     []string{"unknown host medium: could not be verified: collector ufw did not run (no record in the snapshot: an older mlscan wrote it, or --collectors left it out; rescan with this mlscan); collector docker: error (dial unix /run/docker.sock: no such file)"},
	},
	{
		name:  "error: a Rego runtime error",
		rules: `deny contains {"subject": "host", "message": "m"} if to_number(input.host.hostname) > 1`,
		want:  []string{`error host medium: rule failed to evaluate: site/….rego:8: eval_builtin_error: to_number: strconv.ParseFloat: parsing "h1": invalid syntax`},
	},
	{
		name:  "error: an entry that is not an object",
		rules: `deny contains "port 22 open" if { ` + listener22 + ` }`,
		want:  []string{"error host medium: rule failed to evaluate: deny entry: want an object with subject and message, got string"},
	},
	{
		name:  "error: an entry without a message",
		rules: `pass contains {"subject": "host"} if { ` + listener22 + ` }`,
		want:  []string{`error host medium: rule failed to evaluate: pass entry: subject and message must be non-empty strings: map[subject:host]`},
	},
	{
		name:  "error: a result set that is not a set",
		rules: `deny := 3 if { ` + listener22 + ` }`,
		want:  []string{"error host medium: rule failed to evaluate: deny must be a set of objects, got json.Number"},
	},
	{
		name:  "error: an unknown severity override",
		rules: `deny contains {"subject": "host", "message": "m", "severity": "urgent"} if { ` + listener22 + ` }`,
		want:  []string{`error host medium: rule failed to evaluate: deny entry: unknown severity "urgent" (valid: critical, high, medium, low, info)`},
	},
	{
		name:  "error: target not an object",
		rules: `deny contains {"subject": "host", "message": "m", "target": "port 22"} if { ` + listener22 + ` }`,
		want:  []string{"fail host medium: m", "error host (targets) medium: rule failed to evaluate: 1 result(s) kept without their malformed target: deny entry: the target of \"host\": target must be an object, got port 22"},
	},
	{
		name:  "error: target of an unknown kind",
		rules: `deny contains {"subject": "host", "message": "m", "target": {"kind": "socket"}} if { ` + listener22 + ` }`,
		want:  []string{"fail host medium: m", `error host (targets) medium: rule failed to evaluate: 1 result(s) kept without their malformed target: deny entry: the target of "host": target kind "socket" is not one of [port listener container registry firewall service host]`},
	},
	{
		name:  "error: target port out of range",
		rules: `deny contains {"subject": "host", "message": "m", "target": {"kind": "port", "port": 70000, "proto": "tcp"}} if { ` + listener22 + ` }`,
		want:  []string{"fail host medium: m", "error host (targets) medium: rule failed to evaluate: 1 result(s) kept without their malformed target: deny entry: the target of \"host\": target port 70000 is out of range 0-65535"},
	},
	{
		name:  "error: target port not a number",
		rules: `deny contains {"subject": "host", "message": "m", "target": {"kind": "port", "port": "22", "proto": "tcp"}} if { ` + listener22 + ` }`,
		want:  []string{"fail host medium: m", "error host (targets) medium: rule failed to evaluate: 1 result(s) kept without their malformed target: deny entry: the target of \"host\": target port must be a number, got 22"},
	},
	{
		name:  "error: target port not an integer",
		rules: `deny contains {"subject": "host", "message": "m", "target": {"kind": "port", "port": 22.5, "proto": "tcp"}} if { ` + listener22 + ` }`,
		want:  []string{"fail host medium: m", "error host (targets) medium: rule failed to evaluate: 1 result(s) kept without their malformed target: deny entry: the target of \"host\": target port must be an integer, got 22.5"},
	},
	{
		name:  "error: target with a bad proto",
		rules: `deny contains {"subject": "host", "message": "m", "target": {"kind": "port", "port": 22, "proto": "sctp"}} if { ` + listener22 + ` }`,
		want:  []string{"fail host medium: m", `error host (targets) medium: rule failed to evaluate: 1 result(s) kept without their malformed target: deny entry: the target of "host": target proto "sctp" is not tcp or udp`},
	},
	{
		name:  "error: port target without its proto",
		rules: `unknown contains {"subject": "host", "message": "m", "target": {"kind": "port", "port": 22}} if { ` + listener22 + ` }`,
		want:  []string{"unknown host medium: m", `error host (targets) medium: rule failed to evaluate: 1 result(s) kept without their malformed target: unknown entry: the target of "host": a port target needs port and proto`},
	},
}

// caseID is the check id of engineCases[i].
func caseID(i int) string { return fmt.Sprintf("T-%03d", i+1) }

// caseModule is engineCases[i] as a check module in package pkg.
func caseModule(i int, pkg string) string {
	c := engineCases[i]
	var b strings.Builder
	fmt.Fprintf(&b, "# METADATA\n# title: %q\n# custom:\n#   id: %s\n#   severity: medium\n", c.name, caseID(i))
	if c.requires != "" {
		fmt.Fprintf(&b, "#   requires: %s\n", c.requires)
	}
	fmt.Fprintf(&b, "package %s\n\n%s\n", pkg, c.rules)
	return b.String()
}

// engineInput decodes engineSnapshot as the snapshot decoder does (numbers
// kept as json.Number).
func engineInput(t *testing.T) *scanner.Input {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(engineSnapshot))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	in, err := scanner.NewInput(doc)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// evalFS loads the checks of fsys and evaluates them on engineSnapshot.
func evalFS(t *testing.T, fsys fstest.MapFS, opt scanner.EvalOptions) *scanner.Report {
	t.Helper()
	e, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "site", FS: fsys}}, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Eval(context.Background(), engineInput(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// resultLines are the results of rule id as "status subject severity: message".
func resultLines(rep *scanner.Report, id string) []string {
	var out []string
	for _, r := range rep.Results {
		if r.RuleID == id {
			out = append(out, fmt.Sprintf("%s %s %s: %s", r.Status, r.Subject, r.Severity, r.Message))
		}
	}
	return out
}

// matchLines reports whether got are the lines want (see engineCase.want).
func matchLines(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if head, tail, ok := strings.Cut(want[i], "…"); ok {
			if !strings.HasPrefix(got[i], head) || !strings.HasSuffix(got[i], tail) || len(got[i]) <= len(head)+len(tail) {
				return false
			}
		} else if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestEngineStatuses loads each case as the only check of an in-memory
// policy directory and pins its results on engineSnapshot.
func TestEngineStatuses(t *testing.T) {
	for i, c := range engineCases {
		t.Run(c.name, func(t *testing.T) {
			rep := evalFS(t, fstest.MapFS{"c.rego": {Data: []byte(caseModule(i, "site.c"))}}, scanner.EvalOptions{})
			got := resultLines(rep, caseID(i))
			if !matchLines(got, c.want) {
				t.Fatalf("results\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			if c.target != nil && !reflect.DeepEqual(rep.Results[0].Target, c.target) {
				t.Errorf("target %+v, want %+v", rep.Results[0].Target, c.target)
			}
			// The results the engine makes itself (the pass of an empty
			// deny, an unknown requirement, an error) are about the host.
			if r := rep.Results[0]; c.target == nil && r.Target != nil && (r.Subject != "host" || r.Target.Kind != scanner.TargetHost) {
				t.Errorf("target %+v, want none", r.Target)
			}
			for _, r := range rep.Results {
				if r.Status == scanner.StatusError && (r.Target == nil || r.Target.Kind != scanner.TargetHost) {
					t.Errorf("error result %q: target %+v, want the host's", r.Subject, r.Target)
				}
			}
		})
	}
}

// TestEngineTogether loads every case in one engine (in two directories,
// so in two concurrent parts): one check's runtime error or malformed
// result leaves every other check's results as when it is loaded alone,
// serial or not.
func TestEngineTogether(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range engineCases {
		dir := []string{"a", "b"}[i%2]
		fsys[fmt.Sprintf("%s/c%03d.rego", dir, i)] = &fstest.MapFile{Data: []byte(caseModule(i, fmt.Sprintf("site.%s.c%03d", dir, i)))}
	}
	for _, serial := range []bool{false, true} {
		rep := evalFS(t, fsys, scanner.EvalOptions{Serial: serial})
		for i, c := range engineCases {
			if got := resultLines(rep, caseID(i)); !matchLines(got, c.want) {
				t.Errorf("serial=%v %s: results\n  %s\nwant\n  %s", serial, c.name, strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		}
	}
	// Without the failing check the combined query succeeds: the same
	// results again, through the fast path.
	var runtimeErr int
	for i, c := range engineCases {
		if strings.Contains(c.name, "runtime error") {
			runtimeErr = i
		}
	}
	delete(fsys, fmt.Sprintf("%s/c%03d.rego", []string{"a", "b"}[runtimeErr%2], runtimeErr))
	rep := evalFS(t, fsys, scanner.EvalOptions{})
	for i, c := range engineCases {
		if i == runtimeErr {
			continue
		}
		if got := resultLines(rep, caseID(i)); !matchLines(got, c.want) {
			t.Errorf("combined %s: results\n  %s\nwant\n  %s", c.name, strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
		}
	}
}

// TestEngineResultFields: a result carries its check's metadata and the
// entry's evidence and location; the report carries the snapshot's host,
// time, collectors and the digests.
func TestEngineResultFields(t *testing.T) {
	const mod = `# METADATA
# title: SSH open
# description: d
# custom:
#   id: T-100
#   severity: high
#   remediation: close it
#   references: [https://example.com/a]
#   requires: [sockets]
package site.fields

deny contains {
	"subject": "0.0.0.0:22/tcp", "message": "m",
	"evidence": {"observed": 22, "expected": ["a", "b"], "source": "sockets.listeners"},
	"location": {"file": "/etc/ssh/sshd_config", "line": 12, "what": "Port"},
} if input.sockets.listeners[_].port == 22
`
	rep := evalFS(t, fstest.MapFS{"f.rego": {Data: []byte(mod)}}, scanner.EvalOptions{Tool: scanner.ToolInfo{Name: "mlscan", Version: "v1"}})
	if len(rep.Results) != 1 {
		t.Fatalf("%d results, want 1", len(rep.Results))
	}
	got, err := json.Marshal(rep.Results[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"rule_id":"T-100","title":"SSH open","severity":"high","status":"fail","subject":"0.0.0.0:22/tcp","message":"m",` +
		`"evidence":{"observed":22,"expected":["a","b"],"source":"sockets.listeners"},"remediation":"close it","references":["https://example.com/a"],` +
		`"location":{"file":"/etc/ssh/sshd_config","line":12,"what":"Port"}}`
	if string(got) != want {
		t.Errorf("result\n%s\nwant\n%s", got, want)
	}
	if rep.Host != "h1" || !reflect.DeepEqual(rep.Addresses, []string{"10.0.0.1", "192.0.2.1"}) || rep.IsRoot {
		t.Errorf("host %q addresses %v is_root %v", rep.Host, rep.Addresses, rep.IsRoot)
	}
	if want := time.Date(2026, 12, 1, 10, 0, 0, 5e8, time.UTC); !rep.ScannedAt.Equal(want) {
		t.Errorf("scanned_at %v, want %v", rep.ScannedAt, want)
	}
	wantCols := map[string]scanner.CollectorHealth{
		"sockets": {Status: "ok", DurationMS: 1.5},
		"docker":  {Status: "error", Error: "dial unix /run/docker.sock: no such file", DurationMS: 2},
		"sshd":    {Status: "ok", DurationMS: 3},
	}
	if !reflect.DeepEqual(rep.Collectors, wantCols) {
		t.Errorf("collectors %+v, want %+v", rep.Collectors, wantCols)
	}
	if !strings.HasPrefix(rep.PolicyDigest, "sha256:") || rep.Tool.Version != "v1" || len(rep.Checks) != 1 || rep.Checks[0].File != "site/f.rego" {
		t.Errorf("digest %q tool %+v checks %+v", rep.PolicyDigest, rep.Tool, rep.Checks)
	}
	if rep.Summary.Total != 1 || rep.Summary.ByStatus[scanner.StatusFail] != 1 || rep.Summary.BySeverity[scanner.SeverityHigh] != 1 {
		t.Errorf("summary %+v", rep.Summary)
	}
}

// TestEngineWaived: ApplyWaivers turns the failures a current waiver
// matches into waived results; an expired waiver leaves the failure,
// saying so.
func TestEngineWaived(t *testing.T) {
	i := 3 // "fail: the check's severity, or the entry's override"
	if !strings.HasPrefix(engineCases[i].name, "fail: the check's severity") {
		t.Fatalf("engineCases[%d] is %q", i, engineCases[i].name)
	}
	rep := evalFS(t, fstest.MapFS{"c.rego": {Data: []byte(caseModule(i, "site.c"))}}, scanner.EvalOptions{})
	scanner.ApplyWaivers(rep, []scanner.Waiver{
		{RuleID: caseID(i), Subject: "port 22/tcp", Reason: "r", Owner: "o", Created: "2026-01-01", Expires: "2099-01-01", File: "w.yaml", Line: 2},
		{RuleID: caseID(i), Subject: "port */udp", Reason: "r", Owner: "o", Created: "2026-01-01", Expires: "2026-11-30", File: "w.yaml", Line: 9},
	})
	want := []string{
		"waived port 22/tcp critical: ssh open to all",
		"fail port 22/udp medium: plain (waiver w.yaml:9 expired on 2026-11-30)",
	}
	if got := resultLines(rep, caseID(i)); !matchLines(got, want) {
		t.Fatalf("results\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if w := rep.Results[0].Waiver; w == nil || w.Line != 2 {
		t.Errorf("waived result's waiver %+v, want the one at line 2", w)
	}
	if len(rep.Waivers) != 2 || rep.Waivers[0].State != scanner.WaiverApplied || rep.Waivers[1].State != scanner.WaiverExpired {
		t.Errorf("waiver states %+v", rep.Waivers)
	}
	if rep.Summary.ByStatus[scanner.StatusWaived] != 1 || rep.Summary.ByStatus[scanner.StatusFail] != 1 {
		t.Errorf("summary %+v", rep.Summary)
	}
}

// TestEngineLoadErrors: what Load refuses, with a message naming why.
func TestEngineLoadErrors(t *testing.T) {
	const helper = "package site.lib\n\nx := 1\n"
	for _, c := range []struct {
		name string
		fsys fstest.MapFS
		want string // substring of the error; "no checks loaded" when empty
	}{
		{name: "no policy file", fsys: fstest.MapFS{}},
		{name: "only files that are not Rego", fsys: fstest.MapFS{"README.md": {Data: []byte("# checks\n")}}},
		{name: "only a helper package", fsys: fstest.MapFS{"lib.rego": {Data: []byte(helper)}}},
		{name: "only tests", fsys: fstest.MapFS{"c_test.rego": {Data: []byte(caseModule(0, "site.c"))}}},
		{
			name: "a syntax error names the file and line",
			fsys: fstest.MapFS{"c.rego": {Data: []byte(caseModule(0, "site.c") + "deny contains if\n")}},
			want: "site/c.rego:10",
		},
		{
			name: "an id not like MLS-FW-001",
			fsys: fstest.MapFS{"c.rego": {Data: []byte(strings.Replace(caseModule(0, "site.c"), "T-001", "t1", 1))}},
			want: `site/c.rego:1: METADATA custom.id "t1" is not an id like MLS-FW-001`,
		},
		{
			name: "a check without a title",
			fsys: fstest.MapFS{"c.rego": {Data: []byte(strings.Replace(caseModule(0, "site.c"), "# title: ", "# description: ", 1))}},
			want: "site/c.rego:1: METADATA of T-001 has no title",
		},
		{
			name: "requires not a list",
			fsys: fstest.MapFS{"c.rego": {Data: []byte(strings.Replace(caseModule(0, "site.c"), "[sockets]", "sockets", 1))}},
			want: "site/c.rego:1: METADATA of T-001: custom.requires must be a list",
		},
		{
			name: "references not strings",
			fsys: fstest.MapFS{"c.rego": {Data: []byte(strings.Replace(caseModule(0, "site.c"), "#   requires: [sockets]", "#   references: [1]", 1))}},
			want: "site/c.rego:1: METADATA of T-001: custom.references must hold strings",
		},
		{
			name: "a check whose rules are not result rules could never fail",
			fsys: fstest.MapFS{"c.rego": {Data: []byte("# METADATA\n# title: misnamed\n# custom:\n#   id: T-009\n#   severity: high\npackage site.c\n\nviolation contains \"x\" if true\n")}},
			want: "site/c.rego:1: check T-009 (package data.site.c) defines none of deny, unknown, not_applicable, pass: it could never fail",
		},
		{
			name: "one id in two packages",
			fsys: fstest.MapFS{"a.rego": {Data: []byte(caseModule(0, "site.a"))}, "b.rego": {Data: []byte(caseModule(0, "site.b"))}},
			want: "site/b.rego: check id T-001 already declared in site/a.rego",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "site", FS: c.fsys}}, map[string]any{})
			want := c.want
			if want == "" {
				want = "no checks loaded: every policy source is empty or has no package with `# METADATA` custom.id"
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, want an error containing %q", err, want)
			}
		})
	}
}

func TestDuplicateIDIsAnError(t *testing.T) {
	dir := t.TempDir()
	src := "# METADATA\n# title: t\n# custom:\n#   id: MLS-FW-001\n#   severity: low\npackage dup\n\ndeny contains \"x\" if false\n"
	if err := os.WriteFile(dir+"/dup.rego", []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS}, {Name: dir, FS: os.DirFS(dir)}}, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "MLS-FW-001 already declared") {
		t.Fatalf("got %v", err)
	}
}

func TestBadSeverityNamesFile(t *testing.T) {
	dir := t.TempDir()
	src := "# METADATA\n# title: t\n# custom:\n#   id: SITE-009\n#   severity: urgent\npackage site\n"
	if err := os.WriteFile(dir+"/s.rego", []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: dir, FS: os.DirFS(dir)}}, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "s.rego:1") || !strings.Contains(err.Error(), "urgent") {
		t.Fatalf("got %v", err)
	}
}

// TestUnverifiedPolicyGetsStaticChecks: the embedded policies are loaded
// verified (static checks skipped), a --policy directory is not: its type
// error is a load error naming the file and line.
func TestUnverifiedPolicyGetsStaticChecks(t *testing.T) {
	dir := t.TempDir()
	src := "# METADATA\n# title: t\n# custom:\n#   id: SITE-010\n#   severity: low\npackage site.typed\n\ndeny contains x if {\n\tx := concat(\",\", 42)\n}\n"
	if err := os.WriteFile(dir+"/typed.rego", []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}, {Name: dir, FS: os.DirFS(dir)}}, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "typed.rego:9") || !strings.Contains(err.Error(), "rego_type_error") {
		t.Fatalf("got %v, want the type error at typed.rego:9", err)
	}
}
