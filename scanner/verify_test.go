package scanner_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
)

// siteFS is a --policy directory whose tests end every way a test can.
var siteFS = fstest.MapFS{
	"site/lib.rego": {Data: []byte("package site.lib\n\ntrusted := data.mlscan.config.networks.trusted\n")},
	"site/lib_test.rego": {Data: []byte(`package site.lib_test

import data.site.lib

test_reads_the_config if lib.trusted == ["10.0.0.0/24"]

test_uses_mlscan_libraries if data.mlscan.lib.network.trusted == lib.trusted

test_fails if {
	print("trusted is", lib.trusted)
	x := count(lib.trusted)
	x == 2
}

test_errors if to_number("ten") == 10

todo_test_later if false
`)},
}

func defaultConfig(t testing.TB) *scanner.Config {
	t.Helper()
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// defaultData is the configuration part of the data document, as Load
// and Verify take it.
func defaultData(t testing.TB) map[string]any {
	t.Helper()
	m, err := defaultConfig(t).Data()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestVerify(t *testing.T) {
	// mlscan's libraries only: compiling every check three times is slow.
	lib, err := fs.Sub(policies.FS, "lib")
	if err != nil {
		t.Fatal(err)
	}
	srcs := []scanner.PolicySource{{Name: "policies/lib", FS: lib, Verified: true}, {Name: "extra", FS: siteFS}}
	res, err := scanner.Verify(context.Background(), srcs, defaultData(t), scanner.VerifyOptions{Run: `^data\.site\.`})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name    string
		line    int
		outcome scanner.TestOutcome
	}
	want := []row{
		{"data.site.lib_test.test_reads_the_config", 5, scanner.TestPass},
		{"data.site.lib_test.test_uses_mlscan_libraries", 7, scanner.TestPass},
		{"data.site.lib_test.test_fails", 9, scanner.TestFail},
		{"data.site.lib_test.test_errors", 15, scanner.TestError},
		{"data.site.lib_test.todo_test_later", 17, scanner.TestSkip},
	}
	if len(res.Tests) != len(want) {
		t.Fatalf("%d tests, want %d: %+v", len(res.Tests), len(want), res.Tests)
	}
	for i, w := range want {
		got := res.Tests[i]
		if got.Name != w.name || got.Line != w.line || got.Outcome != w.outcome || got.File != "extra/site/lib_test.rego" {
			t.Errorf("test %d: got %s (%s:%d) %s, want %s line %d %s", i, got.Name, got.File, got.Line, got.Outcome, w.name, w.line, w.outcome)
		}
	}
	fail := res.Tests[2]
	for _, w := range []string{"extra/site/lib_test.rego:12:", "x == 2", "1"} {
		if !strings.Contains(fail.Failure, w) {
			t.Errorf("failure %q lacks %q", fail.Failure, w)
		}
	}
	if fail.Output != "trusted is [\"10.0.0.0/24\"]\n" || fail.Trace != "" {
		t.Errorf("output %q, trace %q (no trace unless asked)", fail.Output, fail.Trace)
	}
	if !strings.Contains(res.Tests[3].Error, "to_number") {
		t.Errorf("error %q", res.Tests[3].Error)
	}
	if res.OK() || res.Count(scanner.TestPass) != 2 {
		t.Errorf("OK %v, %d pass", res.OK(), res.Count(scanner.TestPass))
	}
	// With the trace.
	res, err = scanner.Verify(context.Background(), srcs, defaultData(t), scanner.VerifyOptions{Run: `test_fails$`, Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tests) != 1 || !strings.Contains(res.Tests[0].Trace, "Enter data.site.lib_test.test_fails") {
		t.Errorf("trace missing: %+v", res.Tests)
	}
}

func TestVerifyErrors(t *testing.T) {
	data := defaultData(t)
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		run  string
		want string
	}{
		{name: "parse error", fs: fstest.MapFS{"a_test.rego": {Data: []byte("package a_test\n\ntest_x if }\n")}}, want: "extra/a_test.rego:3: rego_parse_error"},
		{name: "compile error", fs: fstest.MapFS{"a_test.rego": {Data: []byte("package a_test\n\ntest_x if undefined_fn(1)\n")}}, want: "compile policies: 1 error occurred: extra/a_test.rego:3: rego_type_error: undefined function undefined_fn"},
		{name: "no tests", fs: fstest.MapFS{"a.rego": {Data: []byte("package a\n\nx := 1\n")}}, run: `^data\.a\.`, want: scanner.ErrNoTests.Error()},
		{name: "no test matches --run", fs: fstest.MapFS{"a_test.rego": {Data: []byte("package a_test\n\ntest_x if true\n\ntest_y if true\n")}}, run: "nomatch", want: `no Rego tests found matching --run "nomatch" (2 tests in all)`},
		{name: "bad --run", fs: fstest.MapFS{}, run: "(", want: "--run: error parsing regexp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srcs := []scanner.PolicySource{{Name: "extra", FS: tc.fs}}
			_, err := scanner.Verify(context.Background(), srcs, data, scanner.VerifyOptions{Run: tc.run})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.HasPrefix(tc.name, "no test") && !errors.Is(err, scanner.ErrNoTests) {
				t.Errorf("not ErrNoTests: %v", err)
			}
		})
	}
}

// BenchmarkVerifyEmbedded runs every test of the embedded policies, as
// `mlscan verify` does.
func BenchmarkVerifyEmbedded(b *testing.B) {
	srcs := []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}
	data := defaultData(b)
	for b.Loop() {
		res, err := scanner.Verify(context.Background(), srcs, data, scanner.VerifyOptions{})
		if err != nil || !res.OK() {
			b.Fatal(err)
		}
	}
}
