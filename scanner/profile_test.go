package scanner

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/policies"
	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
)

func TestRegoProfile(t *testing.T) {
	if os.Getenv("MLSCAN_PROFILE") == "" {
		t.Skip("set MLSCAN_PROFILE=1 to print where the Rego evaluation of the documented host spends its time")
	}
	cfg, _ := LoadConfig(policies.DefaultConfig, "")
	data, _ := cfg.Data()
	e, err := Load(context.Background(), []PolicySource{{Name: "policies", FS: policies.FS}}, data)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("../testdata/snapshots/documented-host.json")
	doc, _ := DecodeSnapshot("x", b)
	in, _ := NewInput(doc)
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
