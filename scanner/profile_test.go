package scanner

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/snapshot"
	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
)

func TestRegoProfile(t *testing.T) {
	if os.Getenv("MLSCAN_PROFILE") == "" {
		t.Skip("set MLSCAN_PROFILE=1 to print where the Rego evaluation of the documented host spends its time")
	}
	cfg, _ := LoadConfig(policies.DefaultConfig, "")
	data, _ := cfg.Data()
	e, err := Load(context.Background(), []PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}, data)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("../testdata/snapshots/documented-host.json")
	snap, doc, _ := snapshot.Decode("x", b)
	in, _ := e.InputOf(snap, doc)
	var qs []string
	for i := range e.checks {
		qs = append(qs, fmt.Sprintf("r%d := %s", i, e.exprs[i]))
	}
	p := profiler.New()
	pq, err := rego.New(rego.Query(strings.Join(qs, "; ")), rego.Compiler(e.compiler), rego.Store(e.store), rego.QueryTracer(p)).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pq.Eval(context.Background(), rego.EvalParsedInput(in.value), rego.EvalQueryTracer(p)); err != nil {
		t.Fatal(err)
	}
	byFile := map[string][2]int64{}
	all := p.ReportTopNResults(100000, []string{"total_time_ns"})
	var tot int64
	for _, r := range all {
		f := r.Location.File
		v := byFile[f]
		v[0] += r.ExprTimeNs
		v[1] += int64(r.NumEval)
		byFile[f] = v
		tot += r.ExprTimeNs
	}
	for f, v := range byFile {
		fmt.Printf("FILE %8.2fms %6d %s\n", float64(v[0])/1e6, v[1], f)
	}
	fmt.Printf("TOTAL %.2fms\n", float64(tot)/1e6)
	rep := p.ReportTopNResults(40, []string{"total_time_ns"})
	for _, r := range rep {
		fmt.Printf("%8.2fms %6d %s\n", float64(r.ExprTimeNs)/1e6, r.NumEval, r.Location)
	}
	rep = p.ReportTopNResults(25, []string{"num_eval"})
	for _, r := range rep {
		fmt.Printf("%8.2fms %6d %s\n", float64(r.ExprTimeNs)/1e6, r.NumEval, r.Location)
	}
}

// costs times queries on the documented host with the default policies
// (garbage collection off, best of 15) and counts their allocations, a
// measure that does not depend on the machine's load.
type costs struct {
	t   *testing.T
	e   *Engine
	in  *Input
	ctx context.Context
}

func newCosts(t *testing.T) *costs {
	cfg, _ := LoadConfig(policies.DefaultConfig, "")
	data, _ := cfg.Data()
	ctx := context.Background()
	e, err := Load(ctx, []PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}, data)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("../testdata/snapshots/documented-host.json")
	snap, doc, _ := snapshot.Decode("x", b)
	in, _ := e.InputOf(snap, doc)
	gc := debug.SetGCPercent(-1)
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	return &costs{t: t, e: e, in: in, ctx: ctx}
}

func (c *costs) of(q string) (time.Duration, uint64) {
	pq, err := c.e.prepare(c.ctx, q)
	if err != nil {
		c.t.Fatal(err)
	}
	eval := func() {
		if _, err := pq.Eval(c.ctx, rego.EvalParsedInput(c.in.value)); err != nil {
			c.t.Fatal(err)
		}
	}
	best := time.Duration(1 << 62)
	for range 15 {
		runtime.GC()
		start := time.Now()
		eval()
		best = min(best, time.Since(start))
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	eval()
	runtime.ReadMemStats(&m1)
	return best, m1.Mallocs - m0.Mallocs
}

// query is the combined query of the checks keep selects.
func (c *costs) query(keep func(i int) bool) string {
	var qs []string
	for i := range c.e.checks {
		if keep(i) {
			qs = append(qs, fmt.Sprintf("r%d := %s", i, c.e.exprs[i]))
		}
	}
	return strings.Join(qs, "; ")
}

// TestCheckCosts prints the cost of the combined query, of each of its
// concurrent parts and, per check, of its query alone (shared helpers
// included) and the allocations only it causes in the combined query
// (MLSCAN_PROFILE=parts stops after the parts).
func TestCheckCosts(t *testing.T) {
	if os.Getenv("MLSCAN_PROFILE") == "" {
		t.Skip("set MLSCAN_PROFILE=1 to print the evaluation cost of each check")
	}
	c := newCosts(t)
	all, allAllocs := c.of(c.query(func(int) bool { return true }))
	fmt.Printf("ALL %v %d allocs\n", all, allAllocs)
	for p := range c.e.nparts {
		d, n := c.of(c.query(func(i int) bool { return c.e.part[i] == p }))
		fmt.Printf("PART %d %v %d allocs\n", p, d, n)
	}
	if dirs := os.Getenv("MLSCAN_PART"); dirs != "" {
		in := func(i int) bool {
			for _, d := range strings.Split(dirs, ",") {
				if strings.HasPrefix(c.e.checks[i].Package, "data.mlscan."+d+".") {
					return true
				}
			}
			return false
		}
		d, n := c.of(c.query(in))
		d1, n1 := c.of(c.query(func(i int) bool { return !in(i) }))
		fmt.Printf("SPLIT %s: %v %d allocs, rest %v %d allocs\n", dirs, d, n, d1, n1)
	}
	if os.Getenv("MLSCAN_PROFILE") == "parts" {
		return
	}
	for i, ch := range c.e.checks {
		alone, aloneAllocs := c.of(c.query(func(j int) bool { return j == i }))
		_, without := c.of(c.query(func(j int) bool { return j != i }))
		fmt.Printf("CHECK %8.2fms %6d allocs alone, %6d only %s %s\n", float64(alone)/1e6, aloneAllocs, int64(allAllocs)-int64(without), ch.ID, ch.File)
	}
}

// TestQueryCosts prints the cost of each query of MLSCAN_QUERIES (one a
// line), e.g. a shared helper rule.
func TestQueryCosts(t *testing.T) {
	qs := os.Getenv("MLSCAN_QUERIES")
	if qs == "" {
		t.Skip("set MLSCAN_QUERIES (one query a line) to print their evaluation costs")
	}
	c := newCosts(t)
	for _, q := range strings.Split(qs, "\n") {
		d, n := c.of(q)
		fmt.Printf("QUERY %8.3fms %6d allocs %s\n", float64(d)/1e6, n, q)
	}
}
