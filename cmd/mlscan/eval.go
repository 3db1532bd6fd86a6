package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/mlscan/mlscan/report"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

var errNoSnapshots = errors.New("no snapshot given: mlscan eval FILE... (make one with `mlscan collect -o host.json`)")

func newEvalCmd(g *globalOptions) *cobra.Command {
	var oo outputOptions
	var fleet bool
	cmd := &cobra.Command{
		Use:   "eval SNAPSHOT|DIR...",
		Short: "Evaluate saved snapshots (no root, no access to the host needed)",
		Long: `eval evaluates snapshots saved by ` + "`mlscan collect`" + ` or ` + "`mlscan scan --snapshot`" + `.
A directory stands for the *.json files directly in it, in name order, so
` + "`mlscan eval snapshots/`" + ` evaluates a whole fleet. Snapshots are evaluated in
parallel (GOMAXPROCS at a time) with the policies compiled once; reports keep
the order of the arguments.

With several hosts, --fleet writes one fleet summary instead of one report
per host in the table, json and markdown formats: a row per host, worst first
(most critical failures, then high, medium, low, info, errors, unknowns),
with each rule's worst status on it, then the hosts each rule fails on. sarif
(one run per host) and prometheus (a host label on every series) hold every
host with or without --fleet. The exit code covers every host.`,
		Example: `  mlscan eval server-84.json
  mlscan eval --fleet snapshots/
  mlscan eval --fleet -f table -f markdown=fleet.md -f sarif=fleet.sarif snapshots/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEval(cmd, g, &oo, fleet, args)
		},
	}
	addOutputFlags(cmd, &oo)
	cmd.Flags().BoolVar(&fleet, "fleet", false, "write a fleet summary (hosts × rules, worst host first) instead of one report per host (table, json, markdown)")
	return cmd
}

func runEval(cmd *cobra.Command, g *globalOptions, oo *outputOptions, fleet bool, args []string) error {
	ctx := cmd.Context()
	if len(args) == 0 {
		return &exitError{code: exitUsage, err: errNoSnapshots}
	}
	if _, err := failThreshold(oo.failOn); err != nil {
		return err
	}
	specs, err := oo.specs()
	if err != nil {
		return err
	}
	paths, err := scanner.SnapshotPaths(args)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	app := newApp(nil, engineLoader(g, nil))
	if _, err := app.Engine(ctx); err != nil {
		return err
	}
	// A bad waivers file is reported before anything is evaluated.
	if app.Waivers, err = oo.waiverList(); err != nil {
		return err
	}
	oo.waiversApplied = true
	opt := scanner.FilesOptions{KeepSnapshots: oo.baseline != "", Compact: fleet && compactable(oo, specs)}
	var reports []*scanner.Report
	var snaps []*snapshot.Snapshot
	err = app.EvalFiles(ctx, paths, opt, func(r *scanner.Report, s *snapshot.Snapshot) error {
		reports = append(reports, r)
		if opt.KeepSnapshots {
			snaps = append(snaps, s)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := baseline(ctx, app, oo, reports, snaps); err != nil {
		return err
	}
	if fleet {
		// The table, json and markdown formats write the fleet summary,
		// the others (sarif, prometheus) every host's report as usual.
		return writeReportsWith(cmd, oo, reports, report.NewFleet)
	}
	return writeReports(cmd, oo, reports)
}

// compactable says whether a fleet summary may compact each report as it
// is made (scanner.FilesOptions.Compact): when every requested format is a
// fleet summary (it reads statuses, severities and subjects only) and no
// --baseline needs the full results.
func compactable(oo *outputOptions, specs []outputSpec) bool {
	if oo.baseline != "" {
		return false
	}
	for _, sp := range specs {
		if !report.IsFleetFormat(sp.format) {
			return false
		}
	}
	return true
}
