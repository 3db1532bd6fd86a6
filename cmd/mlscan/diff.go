package main

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlscan/mlscan/report"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
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
and, under each changed result, the drift behind it: the changes, in the
snapshot sections its rule reads, on its target's port and protocol or
container; a result without a target gets every change of those sections.

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
		opt.Color, opt.Width = terminal(cmd.OutOrStdout())
	}
	w, err := report.NewDiff(o.format, opt)
	if err != nil {
		return usageErr("--format: %v", err)
	}
	var ws []scanner.Waiver
	if o.waivers != "" {
		if ws, err = loadWaivers(o.waivers); err != nil {
			return err
		}
	}
	// The policies are compiled only if a side is a snapshot.
	d, err := newApp(ws, engineLoader(g, nil)).Compare(cmd.Context(), oldPath, newPath)
	if err != nil {
		return err
	}
	if err := writeOutput(cmd.OutOrStdout(), o.output, func(out io.Writer) error { return w.WriteDiff(out, d) }); err != nil {
		return err
	}
	return exitFor(scanner.DiffVerdict(d, threshold))
}

// baseline gives each report the changes since --baseline, an earlier
// result file or snapshot of the same hosts (see scanner.App.Baseline),
// for the Markdown report's "Changes since the last review" section.
func baseline(ctx context.Context, app *scanner.App, oo *outputOptions, reports []*scanner.Report, snaps []*snapshot.Snapshot) error {
	if oo.baseline == "" {
		return nil
	}
	base, err := app.ReadSide(ctx, oo.baseline, "--baseline")
	if err != nil {
		return err
	}
	oo.baselineDiffs = app.Baseline(ctx, base, reports, snaps)
	return nil
}
