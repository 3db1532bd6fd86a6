package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const examplePolicies = "../../examples/policies"

// copyExample copies examples/policies into a temporary directory, with
// replace applied to the test file.
func copyExample(t *testing.T, replace *strings.Replacer) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"images_pinned.rego", "images_pinned_test.rego"} {
		b, err := os.ReadFile(filepath.Join(examplePolicies, name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.HasSuffix(name, "_test.rego") {
			s = replace.Replace(s)
			if s == string(b) {
				t.Fatalf("the replacement changed nothing in %s", name)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestVerifyExamplePolicies runs the embedded tests and the example site
// policy's tests, as the README shows.
func TestVerifyExamplePolicies(t *testing.T) {
	out, stderr, code := runCLI(t, "verify", "--policy", examplePolicies)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, stderr)
	}
	last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
	if !strings.HasSuffix(out, " fail, 0 error, 0 skipped\n") || !strings.Contains(last, " 0 fail") || strings.Contains(out, "FAIL") {
		t.Fatalf("unexpected output:\n%s", out)
	}
	// -v lists every test, the site's included, with file:line.
	out, _, code = runCLI(t, "verify", "--policy", examplePolicies, "--run", `^data\.site\.`, "-v")
	want := "PASS  data.site.images_pinned_test.test_latest_and_untagged_fail (../../examples/policies/images_pinned_test.rego:16)\n"
	if code != exitOK || !strings.Contains(out, want) || !strings.HasSuffix(out, "3 tests: 3 pass, 0 fail, 0 error, 0 skipped\n") {
		t.Fatalf("exit %d, output lacks %q:\n%s", code, want, out)
	}
}

func TestVerifyFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replace *strings.Replacer
		args    []string
		code    int
		want    []string // in stdout, or stderr for exitUsage
	}{
		{
			name:    "broken expectation",
			replace: strings.NewReplacer(`d.subjects(check.pass) == {"container redis-celery (compose service redis)"}`, `d.subjects(check.pass) == {"container web (compose service web)"}`),
			code:    exitFindings,
			want: []string{
				"FAIL  data.site.images_pinned_test.test_latest_and_untagged_fail (",
				"images_pinned_test.rego:16)\n      failed at ",
				"images_pinned_test.rego:26:\n",
				`d.subjects(check.pass) == {"container web (compose service web)"}`,
				`{"container redis-celery (compose service redis)"}`,
				"\n3 tests: 2 pass, 1 fail, 0 error, 0 skipped\n",
			},
		},
		{
			name:    "print output of a failing test",
			replace: strings.NewReplacer("test_no_engine_is_not_applicable if {\n", "test_no_engine_is_not_applicable if {\n\tna := check.not_applicable with input as d.no_engine\n\tprint(\"not applicable:\", na)\n\tfalse\n"),
			code:    exitFindings,
			want:    []string{"FAIL  data.site.images_pinned_test.test_no_engine_is_not_applicable", "      print output:\n        not applicable: ", "no container engine is installed"},
		},
		{
			name:    "runtime error",
			replace: strings.NewReplacer(`count(check.deny) == 0 with input as d.no_engine`, `to_number("x") == 0`),
			code:    exitFindings,
			want:    []string{"ERROR data.site.images_pinned_test.test_no_engine_is_not_applicable", "to_number: strconv.ParseFloat: parsing \"x\": invalid syntax", "1 error, 0 skipped"},
		},
		{
			name:    "parse error names file and line",
			replace: strings.NewReplacer("count(check.not_applicable) == 1", "count(check.not_applicable) == == 1"),
			code:    exitUsage,
			want:    []string{"images_pinned_test.rego:30: rego_parse_error"},
		},
		{
			name:    "compile error names file and line",
			replace: strings.NewReplacer("count(check.not_applicable) == 1", "count(check.not_applicable, 2) == 1"),
			code:    exitUsage,
			want:    []string{"compile policies: ", "images_pinned_test.rego:30: rego_type_error: count: arity mismatch"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyExample(t, tc.replace)
			out, stderr, code := runCLI(t, append([]string{"verify", "--policy", dir, "--run", `^data\.site\.`}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, stderr)
			}
			got := out
			if tc.code == exitUsage {
				got = stderr
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestVerifyUsesConfig: --config is the data the tests read, as at scan
// time.
func TestVerifyUsesConfig(t *testing.T) {
	dir := t.TempDir()
	test := "package site.config_test\n\ntest_trusted if data.mlscan.config.networks.trusted == [\"192.168.1.0/24\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "config_test.rego"), []byte(test), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "mlscan.yaml", "networks:\n  trusted: [192.168.1.0/24]\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{name: "default config", code: exitFindings},
		{name: "--config", args: []string{"--config", cfg}, code: exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, append([]string{"verify", "--policy", dir, "--run", `^data\.site\.`}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, stderr)
			}
		})
	}
}

func TestVerifyNoTests(t *testing.T) {
	_, stderr, code := runCLI(t, "verify", "--run", "^nothing$")
	if code != exitUsage || !strings.Contains(stderr, "no Rego tests found") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
}

// TestConfigData: `mlscan config --data` prints the data document the
// checks read, with the --config overlay.
func TestConfigData(t *testing.T) {
	cfg := writeFile(t, "mlscan.yaml", "networks:\n  trusted: [192.168.1.0/24]\n")
	out, stderr, code := runCLI(t, "config", "--data", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Mlscan struct {
			Config struct {
				File     string `json:"file"`
				Networks struct {
					Trusted []string `json:"trusted"`
				} `json:"networks"`
				Registry []struct {
					Line int `json:"line"`
				} `json:"registry"`
			} `json:"config"`
		} `json:"mlscan"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Mlscan.Config
	if c.File != cfg || len(c.Networks.Trusted) != 1 || c.Networks.Trusted[0] != "192.168.1.0/24" || len(c.Registry) == 0 || c.Registry[0].Line == 0 {
		t.Fatalf("unexpected data document:\n%s", out)
	}
}

// TestConfigRoundTrip: what `mlscan config` prints is a valid --config
// file that gives the policies the same data (but for lines, file and
// digest, which say where it came from).
func TestConfigRoundTrip(t *testing.T) {
	printed, _, code := runCLI(t, "config")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	p := writeFile(t, "effective.yaml", printed)
	strip := func(out string) map[string]any {
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		cfg := doc["mlscan"].(map[string]any)["config"].(map[string]any)
		delete(cfg, "file")
		delete(cfg, "digest")
		for _, k := range []string{"registry", "forbidden_ports"} {
			for _, e := range cfg[k].([]any) {
				delete(e.(map[string]any), "line")
			}
		}
		return cfg
	}
	def, _, _ := runCLI(t, "config", "--data")
	again, stderr, code := runCLI(t, "config", "--data", "--config", p)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	a, b := strip(def), strip(again)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the printed configuration gives other data:\n%v\n%v", a, b)
	}
}
