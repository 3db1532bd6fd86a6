package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mlscan/mlscan/report"
	"github.com/mlscan/mlscan/scanner"
)

// diffOptions are the flags of mlscan diff.
type diffOptions struct {
	format  string
	output  string
	waivers string
	failOn  string
}

func newDiffCmd(g *globalOptions) *cobra.Command {
	var o diffOptions
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show what changed between two scans of a host: verdicts and the inventory behind them",
		Long: `diff compares two evaluations of a host. Each of OLD and NEW is a result
file (` + "`mlscan scan -f json=FILE`" + `) or a snapshot (` + "`mlscan collect`" + `, ` + "`scan --snapshot`" + `);
which one is told by its content. Snapshots are evaluated with the current
policies, configuration and --waivers; result files are taken as they were
written.

It lists the results newly failing, resolved, still failing and the other
status changes (a failure now waived, a pass now unknown), matched by rule
and subject. When both sides are snapshots it also lists the inventory drift
(listeners, UFW rules and settings, containers added, removed or changed)
and, under each changed result, the drift behind it: the changes that name
its port or container in the snapshot sections its rule reads.

Exit codes: 0 nothing newly failing at or above --fail-on; 1 something newly
fails; 2 usage or runtime error.`,
		Example: `  mlscan diff last-quarter.json server-84.json
  mlscan diff -f markdown -o drift.md snapshots/2026-09-01.json snapshots/2026-12-01.json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErr("diff takes two files, OLD and NEW (got %d)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd, g, &o, args[0], args[1])
		},
	}
	cmd.Flags().StringVarP(&o.format, "format", "f", "table", "output format: "+strings.Join(report.DiffFormats(), ", "))
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the drift to FILE (created 0600) instead of standard output")
	cmd.Flags().StringVar(&o.waivers, "waivers", "", "waivers file (YAML) applied to the sides that are snapshots")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "low", "lowest severity of a newly failing result that makes the exit code 1: critical, high, medium, low or never")
	return cmd
}

func runDiff(cmd *cobra.Command, g *globalOptions, o *diffOptions, oldPath, newPath string) error {
	threshold, err := failThreshold(o.failOn)
	if err != nil {
		return err
	}
	opt := report.Options{}
	if o.output == "" {
		if f, ok := cmd.OutOrStdout().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			if w, _, err := term.GetSize(int(f.Fd())); err == nil {
				opt.Width = w
			}
		}
	}
	w, err := report.NewDiff(o.format, opt)
	if err != nil {
		return usageErr("--format: %v", err)
	}
	var ws []scanner.Waiver
	if o.waivers != "" {
		if ws, err = scanner.LoadWaivers(o.waivers); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	eng := &lazyEngine{g: g}
	sides := make([]*diffSide, 2)
	for i, p := range []string{oldPath, newPath} {
		if sides[i], err = readDiffSide(cmd.Context(), eng, p, ""); err != nil {
			return err
		}
		if len(sides[i].reports) != 1 {
			return usageErr("%s holds %d reports; diff compares one host (give each host's own file)", p, len(sides[i].reports))
		}
		if sides[i].kind == scanner.KindSnapshot {
			scanner.ApplyWaivers(sides[i].reports[0], ws)
		}
	}
	d := diffSides(sides[0], 0, sides[1].reports[0], sides[1].docs[0], eng)
	d.New.Source, d.New.Kind = newPath, sides[1].kind
	if err := writeOutput(cmd.OutOrStdout(), o.output, func(out io.Writer) error { return w.WriteDiff(out, d) }); err != nil {
		return err
	}
	for _, c := range d.NewlyFailing {
		if threshold > 0 && c.Severity != scanner.SeverityInfo && c.Severity.Rank() >= threshold {
			return &exitError{code: exitFindings}
		}
	}
	return nil
}

// diffSide is one side of a comparison: the reports of a result file, or
// the report and document of a snapshot.
type diffSide struct {
	path    string
	kind    string
	reports []*scanner.Report
	docs    []map[string]any // nil entries for result files
}

// lazyEngine compiles the policies the first time a snapshot needs them:
// comparing two result files needs no policies at all.
type lazyEngine struct {
	g *globalOptions
	e *scanner.Engine
}

func (l *lazyEngine) get(ctx context.Context) (*scanner.Engine, error) {
	if l.e != nil {
		return l.e, nil
	}
	cfg, err := loadConfig(l.g)
	if err != nil {
		return nil, err
	}
	l.e, err = loadEngine(ctx, l.g, cfg)
	return l.e, err
}

// readDiffSide reads a result file or a snapshot, telling them apart by
// shape: a result file (one report or an array of them) has "results", a
// snapshot has "collectors" and no "results". flag names the option in
// messages ("--baseline"), "" for an argument.
func readDiffSide(ctx context.Context, eng *lazyEngine, path, flag string) (*diffSide, error) {
	where := path
	if flag != "" {
		where = flag + " " + path
	}
	data, err := readLimited(path, scanner.MaxSnapshotBytes)
	if err != nil {
		if flag != "" {
			err = fmt.Errorf("%s: %w", flag, err)
		}
		return nil, &exitError{code: exitUsage, err: err}
	}
	s := &diffSide{path: path}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var reps []*scanner.Report
		if err := json.Unmarshal(data, &reps); err != nil {
			return nil, usageErr("%s: not an mlscan result file (a JSON array of reports): %v", where, err)
		}
		for _, r := range reps {
			if err := checkReport(where, r); err != nil {
				return nil, err
			}
		}
		s.kind, s.reports, s.docs = scanner.KindResults, reps, make([]map[string]any, len(reps))
		return s, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, usageErr("%s: neither a result file nor a snapshot: %v", where, err)
	}
	switch _, results := probe["results"]; {
	case results:
		var r scanner.Report
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, usageErr("%s: not an mlscan result file: %v", where, err)
		}
		if err := checkReport(where, &r); err != nil {
			return nil, err
		}
		s.kind, s.reports, s.docs = scanner.KindResults, []*scanner.Report{&r}, []map[string]any{nil}
	case probe["collectors"] != nil:
		e, err := eng.get(ctx)
		if err != nil {
			return nil, err
		}
		rep, doc, err := evalSnapshotDoc(ctx, e, path, data, false)
		if err != nil {
			return nil, err
		}
		s.kind, s.reports, s.docs = scanner.KindSnapshot, []*scanner.Report{rep}, []map[string]any{doc}
	default:
		return nil, usageErr("%s: neither a result file (no \"results\") nor a snapshot (no \"collectors\"): make one with `mlscan scan -f json=FILE` or `mlscan collect -o FILE`", where)
	}
	return s, nil
}

func checkReport(where string, r *scanner.Report) error {
	if r == nil || r.SchemaVersion != scanner.ReportSchemaVersion {
		v := 0
		if r != nil {
			v = r.SchemaVersion
		}
		return usageErr("%s: result file schema_version %d is not supported (this mlscan reads %d)", where, v, scanner.ReportSchemaVersion)
	}
	r.Summary = scanner.Summarize(r.Results)
	return nil
}

// diffSides compares report i of old with a new report (and its snapshot
// document, nil for a result file); the inventory drift is added when both
// sides are snapshots.
func diffSides(old *diffSide, i int, rep *scanner.Report, doc map[string]any, eng *lazyEngine) *scanner.Diff {
	d := scanner.DiffReports(old.reports[i], rep)
	d.Old.Source, d.Old.Kind = old.path, old.kind
	if old.docs[i] != nil && doc != nil {
		var checks []scanner.Check
		if eng.e != nil {
			checks = eng.e.Checks()
		}
		d.Explain(scanner.DiffInventory(old.docs[i], doc), checks)
	}
	return d
}

// baselineDiffs compares each report (after its waivers) with the
// --baseline file, an earlier result file or snapshot of the same hosts,
// for the Markdown report's "Changes since the last review" section. Each
// report is paired with the baseline report of its host; a baseline of one
// host pairs with a single report whatever its name. A snapshot baseline
// is evaluated with e and the waivers of waiversPath. docs are the
// reports' snapshot documents (nil entries, or nil, without them: no
// inventory drift). Hosts without a baseline get no section.
func baselineDiffs(ctx context.Context, e *scanner.Engine, path, waiversPath string, reports []*scanner.Report, docs []map[string]any) (map[string]*scanner.Diff, error) {
	if path == "" {
		return nil, nil
	}
	eng := &lazyEngine{e: e}
	base, err := readDiffSide(ctx, eng, path, "--baseline")
	if err != nil {
		return nil, err
	}
	var ws []scanner.Waiver
	if waiversPath != "" {
		if ws, err = scanner.LoadWaivers(waiversPath); err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
	}
	if base.kind == scanner.KindSnapshot {
		scanner.ApplyWaivers(base.reports[0], ws)
	}
	byHost := map[string]int{}
	for i, r := range base.reports {
		byHost[r.Host] = i
	}
	out := map[string]*scanner.Diff{}
	for k, r := range reports {
		i, ok := byHost[r.Host]
		if !ok && len(base.reports) == 1 && len(reports) == 1 {
			i, ok = 0, true
		}
		if !ok {
			continue
		}
		// The report is compared as it will be rendered: with its waivers.
		waived := *r
		waived.Results = append([]scanner.Result(nil), r.Results...)
		scanner.ApplyWaivers(&waived, ws)
		var doc map[string]any
		if k < len(docs) {
			doc = docs[k]
		}
		out[r.Host] = diffSides(base, i, &waived, doc, eng)
		out[r.Host].New.Kind = scanner.KindSnapshot
	}
	return out, nil
}
