package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"

	"github.com/spf13/cobra"

	"github.com/mlscan/mlscan/collectors"
	"github.com/mlscan/mlscan/report"
	"github.com/mlscan/mlscan/scanner"
)

// snapshotPaths expands the arguments of eval: a directory stands for the
// *.json files directly in it, sorted by name; a file is taken as given.
func snapshotPaths(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(a, "*.json"))
		if err != nil {
			return nil, err
		}
		var files []string
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
				files = append(files, m)
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no *.json snapshot in this directory", a)
		}
		sort.Strings(files)
		out = append(out, files...)
	}
	return out, nil
}

// evalFleet reads and evaluates the snapshots, GOMAXPROCS at a time, with
// one engine (its queries are prepared once and safe for concurrent use).
// Reports come back in the order of paths. On an error the remaining work
// is cancelled and the error of the first failing path (in that order) is
// returned. keepDocs also returns each decoded snapshot (for --baseline);
// otherwise they are dropped once evaluated, so memory holds reports only.
// post, when not nil, is applied to each report as soon as it is made (the
// fleet summary waives and compacts them there, so memory does not hold
// every host's evidence).
func evalFleet(ctx context.Context, e *scanner.Engine, paths []string, keepDocs bool, post func(*scanner.Report)) ([]*scanner.Report, []map[string]any, error) {
	if len(paths) > 1 {
		defer fleetGC(len(paths), post != nil, keepDocs)()
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reports := make([]*scanner.Report, len(paths))
	var docs []map[string]any
	if keepDocs {
		docs = make([]map[string]any, len(paths))
	}
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var doc map[string]any
				// Several snapshots already keep the cores busy: one
				// query each, not the concurrent split.
				reports[i], doc, errs[i] = evalFile(ctx, e, paths[i], len(paths) > 1)
				if errs[i] != nil {
					cancel()
					continue
				}
				if keepDocs {
					docs[i] = doc
				}
				if post != nil {
					post(reports[i])
				}
			}
		}()
	}
feed:
	for i := range paths {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	// The first real error wins over the cancellations it caused.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, nil, err
		}
	}
	if err := parent.Err(); err != nil {
		return nil, nil, err
	}
	return reports, docs, nil
}

// fleetGC tunes the garbage collector for a fleet of n snapshots and
// returns what puts it back. Each evaluation leaves about 3 MB of garbage
// while the live heap (the engine and the reports kept so far) stays
// small, so collecting at five times the live heap instead of twice saves
// collections, and a soft memory limit keeps the process small: 150 MiB,
// or twice the live heap the fleet is expected to reach (about 40 MiB for
// the engine, 32 KiB per compacted report, 640 KiB per whole one, 2 MiB per
// kept snapshot) so a large fleet does not collect without end. Measured
// on 1,000 snapshots: about 10 % less CPU, 185 → 170 MB peak. GOGC or
// GOMEMLIMIT set by the user are left alone.
func fleetGC(n int, compacted, keepDocs bool) func() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	perHost := int64(640 << 10)
	if compacted {
		perHost = 32 << 10
	}
	if keepDocs {
		perHost += 2 << 20
	}
	limit := max(int64(150<<20), 2*(40<<20+int64(n)*perHost))
	pct := debug.SetGCPercent(400)
	old := debug.SetMemoryLimit(limit)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(old)
	}
}

// evalFile reads, validates and evaluates one snapshot file.
func evalFile(ctx context.Context, e *scanner.Engine, path string, serial bool) (*scanner.Report, map[string]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	data, err := readLimited(path, scanner.MaxSnapshotBytes)
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	return evalSnapshotDoc(ctx, e, path, data, serial)
}

// evalSnapshotDoc is evalSnapshot that also returns the decoded snapshot.
func evalSnapshotDoc(ctx context.Context, e *scanner.Engine, name string, data []byte, serial bool) (*scanner.Report, map[string]any, error) {
	doc, err := decodeValidSnapshot(name, data)
	if err != nil {
		return nil, nil, err
	}
	in, err := scanner.NewInput(doc)
	if err != nil {
		return nil, nil, err
	}
	rep, err := e.Eval(ctx, in, scanner.EvalOptions{Tool: tool(), Serial: serial})
	if err != nil {
		return nil, nil, err
	}
	return rep, doc, nil
}

// decodeValidSnapshot decodes a snapshot document and checks it against
// the snapshot schema; errors name the file.
func decodeValidSnapshot(name string, data []byte) (map[string]any, error) {
	doc, err := scanner.DecodeSnapshot(name, data)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	if err := collectors.Validate(doc); err != nil {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("%s: %w", name, err)}
	}
	return doc, nil
}

// fleetPost returns what evalFleet does to each report of a fleet summary
// (nil: nothing) and records in o that it applies the waivers. When every
// requested format is a fleet summary and no --baseline needs the full
// results, each report is waived and then compacted (scanner.Report.Compact)
// as soon as it is made: the summary reads statuses, severities and
// subjects only, and 1,000 hosts' evidence would otherwise be held until
// the end. A bad waivers file is reported before anything is evaluated.
func fleetPost(o *outputOptions) (func(*scanner.Report), error) {
	specs, err := o.specs()
	if err != nil {
		return nil, err
	}
	if o.baseline != "" {
		return nil, nil
	}
	for _, sp := range specs {
		if !report.IsFleetFormat(sp.format) {
			return nil, nil
		}
	}
	var ws []scanner.Waiver
	if o.waivers != "" {
		if ws, err = loadWaivers(o.waivers); err != nil {
			return nil, err
		}
		o.waiversApplied = true
	}
	return func(r *scanner.Report) {
		scanner.ApplyWaivers(r, ws)
		r.Compact()
	}, nil
}

// writeFleet is writeReports for --fleet: the table, json and markdown
// formats write the fleet summary, the others (sarif, prometheus) every
// host's report as usual. Waivers and the exit code are as writeReports's.
func writeFleet(cmd *cobra.Command, o *outputOptions, reports []*scanner.Report) error {
	return writeReportsWith(cmd, o, reports, report.NewFleet)
}
