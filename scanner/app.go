package scanner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/mlscan/mlscan/snapshot"
)

// App is the application layer the commands call: it evaluates snapshot
// files (EvalSnapshot, EvalFiles) and compares evaluations (Compare,
// Baseline), with one engine compiled at most once and one set of
// waivers applied once to every report it makes from a snapshot. Result
// files are taken as they were written. The commands parse flags into an
// App and print what it returns.
type App struct {
	// Tool names this build in every report.
	Tool ToolInfo
	// Load compiles the policies; it runs at most once, the first time
	// the engine is needed (comparing two result files needs none).
	Load func(context.Context) (*Engine, error)
	// Waivers are applied to each report evaluated from a snapshot.
	Waivers []Waiver

	once   sync.Once
	engine *Engine
	err    error
}

// Engine returns the compiled policies, compiling them on the first call;
// concurrent callers wait for that compilation.
func (a *App) Engine(ctx context.Context) (*Engine, error) {
	a.once.Do(func() {
		if a.Load == nil {
			a.err = fmt.Errorf("no policies to load")
			return
		}
		a.engine, a.err = a.Load(ctx)
	})
	return a.engine, a.err
}

// Preload starts compiling the policies in the background (while the
// collectors run); Engine waits for it.
func (a *App) Preload(ctx context.Context) {
	go func() { _, _ = a.Engine(ctx) }()
}

// EvalSnapshot decodes and validates one snapshot document named name
// (snapshot.Decode), evaluates it, applies the waivers, and returns the
// report and the typed snapshot.
func (a *App) EvalSnapshot(ctx context.Context, name string, data []byte) (*Report, *snapshot.Snapshot, error) {
	return a.evalSnapshot(ctx, name, data, false)
}

// evalSnapshot is EvalSnapshot; serial evaluates in one query (see
// EvalOptions.Serial).
func (a *App) evalSnapshot(ctx context.Context, name string, data []byte, serial bool) (*Report, *snapshot.Snapshot, error) {
	e, err := a.Engine(ctx)
	if err != nil {
		return nil, nil, err
	}
	snap, doc, err := snapshot.Decode(name, data)
	if err != nil {
		return nil, nil, err
	}
	in, err := e.InputOf(snap, doc)
	if err != nil {
		return nil, nil, err
	}
	rep, err := e.Eval(ctx, in, EvalOptions{Tool: a.Tool, Serial: serial})
	if err != nil {
		return nil, nil, err
	}
	ApplyWaivers(rep, a.Waivers)
	return rep, snap, nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, limit>>20)
	}
	return bytes.Clone(b), nil
}
