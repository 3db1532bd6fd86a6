package scanner

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// TestOutcome is how one Rego test ended.
type TestOutcome string

// Test outcomes, as `opa test` counts them.
const (
	TestPass  TestOutcome = "pass"
	TestFail  TestOutcome = "fail"
	TestError TestOutcome = "error"
	TestSkip  TestOutcome = "skip"
)

// VerifyOptions selects what Verify runs and what it keeps.
type VerifyOptions struct {
	// Run, when not empty, is a regular expression the test's full name
	// (data.package.test_name) must match, like `opa test --run`.
	Run string
	// Trace keeps each failed test's full evaluation trace.
	Trace bool
	// Timeout bounds one test (default 30 s).
	Timeout time.Duration
}

// TestResult is the outcome of one Rego test (a rule named test_*).
type TestResult struct {
	// Name is the test's full name, data.package.test_name.
	Name    string
	File    string
	Line    int
	Outcome TestOutcome
	// Failure is, for a failed test, the last expression that failed:
	// "file:line: expression" and the values of its variables.
	Failure string
	// Error is the evaluation error of a test that could not complete.
	Error string
	// Output is what the test printed with print().
	Output string
	// Trace is the evaluation trace of a failed test (VerifyOptions.Trace).
	Trace string
}

// VerifyResult is the outcome of every test Verify ran, sorted by file,
// line and name.
type VerifyResult struct {
	Tests []TestResult
}

// Count returns how many tests ended with outcome o.
func (v *VerifyResult) Count(o TestOutcome) int {
	n := 0
	for _, t := range v.Tests {
		if t.Outcome == o {
			n++
		}
	}
	return n
}

// OK reports whether no test failed or ended with an error.
func (v *VerifyResult) OK() bool {
	return v.Count(TestFail) == 0 && v.Count(TestError) == 0
}

// ErrNoTests is returned when the sources hold no test (or none matches
// VerifyOptions.Run: then the error names the pattern, and errors.Is
// matches ErrNoTests).
var ErrNoTests = errors.New("no Rego tests found: tests are rules named test_* in files named *_test.rego")

// noTestMatchError says the sources hold tests but none matches --run.
type noTestMatchError struct {
	run   string
	tests int
}

func (e noTestMatchError) Error() string {
	return fmt.Sprintf("no Rego tests found matching --run %q (%d tests in all)", e.run, e.tests)
}

func (noTestMatchError) Is(target error) bool { return target == ErrNoTests }

// countTests counts the rules OPA's tester runs or skips: test_* and
// todo_test_*.
func countTests(mods map[string]*ast.Module) int {
	names := map[string]bool{}
	for _, m := range mods {
		for _, r := range m.Rules {
			name := r.Head.Ref().String()
			if strings.HasPrefix(name, "test_") || strings.HasPrefix(name, "todo_test_") {
				names[m.Package.Path.String()+"."+name] = true
			}
		}
	}
	return len(names)
}

// Verify runs the Rego tests (*_test.rego) of the sources with OPA's
// tester, compiled together with every check and library of the sources
// and given the data document the engine gives the checks
// (DataDocument of config): what `mlscan verify` runs. A parse or compile
// error names file:line.
func Verify(ctx context.Context, srcs []PolicySource, config map[string]any, opt VerifyOptions) (*VerifyResult, error) {
	if opt.Run != "" {
		if _, err := regexp.Compile(opt.Run); err != nil {
			return nil, fmt.Errorf("--run: %w", err)
		}
	}
	mods, err := ParseModules(srcs, true)
	if err != nil {
		return nil, err
	}
	store := NewStore(config)
	results, err := runTests(ctx, store, mods, opt.Run, false, opt.Timeout)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		if n := countTests(mods); opt.Run != "" && n > 0 {
			return nil, noTestMatchError{run: opt.Run, tests: n}
		}
		return nil, ErrNoTests
	}
	// Tracing every test costs time and memory: run the failed ones again
	// with the tracer to say which expression failed.
	var failed []string
	for _, r := range results {
		if r.Outcome == TestFail {
			failed = append(failed, regexp.QuoteMeta(r.Name))
		}
	}
	if len(failed) > 0 {
		traced, err := runTests(ctx, store, mods, "^("+strings.Join(failed, "|")+")$", true, opt.Timeout)
		if err != nil {
			return nil, err
		}
		byName := make(map[string]TestResult, len(traced))
		for _, t := range traced {
			byName[t.Name] = t
		}
		for i, r := range results {
			t, ok := byName[r.Name]
			if !ok || r.Outcome != TestFail {
				continue
			}
			results[i].Failure = t.Failure
			if opt.Trace {
				results[i].Trace = t.Trace
			}
		}
	}
	return &VerifyResult{Tests: results}, nil
}

// runTests compiles the modules as `opa test` does and runs the tests
// matching filter, sorted by file, line and name.
func runTests(ctx context.Context, store storage.Store, mods map[string]*ast.Module, filter string, trace bool, timeout time.Duration) ([]TestResult, error) {
	txn, err := store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	c := ast.NewCompiler().
		WithPathConflictsCheck(storage.NonEmpty(ctx, store, txn)).
		WithEnablePrintStatements(true).
		WithCapabilities(ast.CapabilitiesForThisVersion()).
		WithUseTypeCheckAnnotations(true)
	r := tester.NewRunner().
		SetCompiler(c).
		SetStore(store).
		SetModules(mods).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		EnableTracing(trace).
		SetTimeout(cmp.Or(timeout, 30*time.Second)).
		Filter(filter)
	ch, err := r.RunTests(ctx, txn)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	var out []TestResult
	for tr := range ch {
		out = append(out, testResult(tr, mods))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b TestResult) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

func testResult(tr *tester.Result, mods map[string]*ast.Module) TestResult {
	t := TestResult{Name: tr.Package + "." + tr.Name, Output: string(tr.Output), Outcome: TestPass}
	if tr.Location != nil {
		t.File, t.Line = tr.Location.File, tr.Location.Row
	}
	switch {
	case tr.Skip:
		t.Outcome = TestSkip
	case tr.Error != nil:
		t.Outcome, t.Error = TestError, tr.Error.Error()
	case tr.Fail:
		t.Outcome = TestFail
		t.Failure = failureLine(tr.Trace, testRows(mods, t.File, t.Line))
		if len(tr.Trace) > 0 {
			var b bytes.Buffer
			topdown.PrettyTraceWithOpts(&b, tr.Trace, topdown.PrettyTraceOptions{Locations: true})
			t.Trace = b.String()
		}
	}
	return t
}

// testRows returns the file and the last row of the test rule that starts
// at file:row, so that a failure is looked for in the test's own body.
func testRows(mods map[string]*ast.Module, file string, row int) func(*ast.Location) bool {
	end := row
	if m, ok := mods[file]; ok {
		for _, r := range m.Rules {
			if r.Location != nil && r.Location.Row == row {
				end = row + bytes.Count(r.Location.Text, []byte("\n"))
			}
		}
	}
	return func(l *ast.Location) bool { return l.File == file && l.Row >= row && l.Row <= end }
}

// failureLine returns the last expression of the test's own body that
// failed, with its location and its variables' values, as `opa test
// --var-values` prints it.
func failureLine(trace []*topdown.Event, inTest func(*ast.Location) bool) string {
	for _, e := range slices.Backward(trace) {
		if e.Op != topdown.FailOp || e.Location == nil || e.QueryID == 0 || !inTest(e.Location) {
			continue
		}
		if x, ok := e.Node.(*ast.Expr); ok {
			if _, every := x.Terms.(*ast.Every); every {
				continue // the failing expression inside the body comes first
			}
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "%s:%d:\n", e.Location.File, e.Location.Row)
		if err := topdown.PrettyEvent(&b, e, topdown.PrettyEventOpts{PrettyVars: true}); err != nil {
			return fmt.Sprintf("%s:%d: %s", e.Location.File, e.Location.Row, e.Location.Text)
		}
		return strings.TrimRight(b.String(), "\n")
	}
	return ""
}
