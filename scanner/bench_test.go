package scanner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

func loadDefault(tb testing.TB) *scanner.Engine {
	tb.Helper()
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, "")
	if err != nil {
		tb.Fatal(err)
	}
	data, err := cfg.Data()
	if err != nil {
		tb.Fatal(err)
	}
	e, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}, data)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func docInput(tb testing.TB, e *scanner.Engine) *scanner.Input {
	tb.Helper()
	b, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		tb.Skipf("documented-host snapshot missing: %v", err)
	}
	snap, doc, err := snapshot.Decode("documented-host.json", b)
	if err != nil {
		tb.Fatal(err)
	}
	in, err := e.InputOf(snap, doc)
	if err != nil {
		tb.Fatal(err)
	}
	return in
}

// BenchmarkInputOf measures preparing the documented host for evaluation:
// the model's facts (the packet path of every listener and published port
// from each zone) and the conversion to Rego's input.
func BenchmarkInputOf(b *testing.B) {
	e := loadDefault(b)
	data, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		b.Skipf("documented-host snapshot missing: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		snap, doc, err := snapshot.Decode("documented-host.json", data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.InputOf(snap, doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile measures loading, compiling and preparing every check.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		loadDefault(b)
	}
}

// BenchmarkEvalSnapshot measures one evaluation with the checks prepared once.
func BenchmarkEvalSnapshot(b *testing.B) {
	e := loadDefault(b)
	in := docInput(b, e)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(context.Background(), in, scanner.EvalOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalSnapshotSerial is BenchmarkEvalSnapshot as fleet evaluation
// runs it: one query on the calling goroutine.
func BenchmarkEvalSnapshotSerial(b *testing.B) {
	e := loadDefault(b)
	in := docInput(b, e)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(context.Background(), in, scanner.EvalOptions{Serial: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalScaling evaluates the documented host with its listeners
// and containers repeated k times (each copy on other ports, under other
// names and ids), serially: time and memory should grow linearly with k,
// not with k², as no check walks the listeners or containers per listener
// or container.
func BenchmarkEvalScaling(b *testing.B) {
	e := loadDefault(b)
	base, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		b.Skipf("documented-host snapshot missing: %v", err)
	}
	for _, k := range []int{1, 2, 4, 8} {
		_, doc, err := snapshot.Decode("documented-host.json", base)
		if err != nil {
			b.Fatal(err)
		}
		scaleSnapshot(b, doc, k)
		in, err := e.InputOfDoc(doc)
		if err != nil {
			b.Fatal(err)
		}
		sock := doc["sockets"].(map[string]any)
		name := fmt.Sprintf("listeners=%d,containers=%d", len(sock["listeners"].([]any)), len(doc["docker"].(map[string]any)["containers"].([]any)))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Eval(context.Background(), in, scanner.EvalOptions{Serial: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// scaleSnapshot adds k-1 copies of every listener (ports moved up by
// 1000 per copy, so 20000+) and container (name suffixed, id changed, its
// listeners following it).
func scaleSnapshot(tb testing.TB, doc map[string]any, k int) {
	tb.Helper()
	clone := func(v any) map[string]any {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			tb.Fatal(err)
		}
		return m
	}
	sock := doc["sockets"].(map[string]any)
	docker := doc["docker"].(map[string]any)
	ls, cs := sock["listeners"].([]any), docker["containers"].([]any)
	n, m := len(ls), len(cs)
	for j := 1; j < k; j++ {
		newID := func(id string) string {
			if len(id) < 4 {
				return id
			}
			return fmt.Sprintf("%03x", j) + id[3:]
		}
		for _, l := range ls[:n] {
			c := clone(l)
			p, _ := c["port"].(json.Number).Int64()
			c["port"] = json.Number(fmt.Sprint(20000 + 1000*j + int(p)%1000))
			if id, ok := c["container_id"].(string); ok && id != "" {
				c["container_id"] = newID(id)
			}
			if name, ok := c["container_name"].(string); ok && name != "" {
				c["container_name"] = fmt.Sprintf("%s-%d", name, j)
			}
			ls = append(ls, c)
		}
		for _, ct := range cs[:m] {
			c := clone(ct)
			c["name"] = fmt.Sprintf("%s-%d", c["name"], j)
			c["id"] = newID(c["id"].(string))
			cs = append(cs, c)
		}
	}
	sock["listeners"], docker["containers"] = ls, cs
}

// BenchmarkInputOfWorkerPorts measures the model's facts (not the Rego
// evaluation) of the documented host with 1,000 extra listeners (a busy
// Ray node's worker ports on 0.0.0.0), each followed through the kernel's
// rules from every zone.
func BenchmarkInputOfWorkerPorts(b *testing.B) {
	e := loadDefault(b)
	data, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		b.Skipf("documented-host snapshot missing: %v", err)
	}
	snap, doc, err := snapshot.Decode("documented-host.json", data)
	if err != nil {
		b.Fatal(err)
	}
	base := snap.Sockets.Listeners[0]
	for i := range 1000 {
		l := base
		l.Address, l.Wildcard, l.Loopback, l.DualStack = "0.0.0.0", true, false, false
		l.Port, l.Inode, l.Process = 10100+i, uint64(900000+i), "ray::IDLE"
		snap.Sockets.Listeners = append(snap.Sockets.Listeners, l)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.InputOf(snap, doc); err != nil {
			b.Fatal(err)
		}
	}
}
