package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/report"
	"github.com/mlscan/mlscan/scanner"
)

// version is set at build time with -ldflags "-X main.version=..."; a
// plain build reports the module version, its VCS stamp or "dev".
var version = ""

// toolVersion is the version of this build (see versionFrom).
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionFrom(version, bi, sourceRevision)
}

func tool() scanner.ToolInfo { return scanner.ToolInfo{Name: "mlscan", Version: toolVersion()} }

// globalOptions are the flags every command shares.
type globalOptions struct {
	config   string
	policies []string
}

// outputOptions are the flags of commands that write a report.
type outputOptions struct {
	formats    []string
	output     string
	failOn     string
	quiet      bool
	waivers    string
	sourceRoot string
	// ws are the waivers of --waivers, read once (waiverList);
	// waiversApplied says the App applied them to each report as it made
	// it, so writeReports does not apply them again.
	ws             []scanner.Waiver
	waiversApplied bool
	// baseline is --baseline; baselineDiffs the changes it gives each host.
	baseline      string
	baselineDiffs map[string]*scanner.Diff
}

// outputSpec is one report to write: a format and where (empty: stdout).
type outputSpec struct {
	format string
	path   string
}

// specs resolves --format NAME[=FILE] (repeatable) and --output.
func (o *outputOptions) specs() ([]outputSpec, error) {
	fs := o.formats
	if len(fs) == 0 {
		fs = []string{"table"}
	}
	var out []outputSpec
	bare := 0
	for _, f := range fs {
		name, path, _ := strings.Cut(f, "=")
		if _, err := report.New(name, report.Options{}); err != nil {
			return nil, usageErr("--format: %v", err)
		}
		if path == "" {
			bare++
			path = o.output
		}
		out = append(out, outputSpec{name, path})
	}
	if bare > 1 {
		return nil, usageErr("--format: several formats without a file; give each its own: --format sarif=mlscan.sarif --format markdown=report.md")
	}
	return out, nil
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "mlscan",
		Short: "Security compliance scanner for ML hosts (Ray, Celery, Redis, Flower) behind UFW",
		Long: `mlscan collects a host's firewall, listening sockets and services into a
JSON snapshot and checks it against Rego policies that encode the
networking document's guarantees (default deny, private-only ML ports,
registered listeners). Results are pass, fail, unknown, error,
not_applicable or waived; data that could not be collected is never a pass.

Exit codes: 0 nothing failed at or above --fail-on; 1 failures; 2 usage or
runtime error; 3 no failures but some rule is unknown or error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.config, "config", "", "`FILE`: configuration (YAML) overriding the embedded defaults; mlscan config prints the effective one")
	root.PersistentFlags().StringArrayVar(&g.policies, "policy", nil, "directory of extra Rego checks (repeatable), loaded with the embedded ones")
	root.AddCommand(
		newScanCmd(g),
		newCollectCmd(g),
		newEvalCmd(g),
		newProbeCmd(g),
		newDiffCmd(g),
		newPoliciesCmd(g),
		newConfigCmd(g),
		newVerifyCmd(g),
		newSchemaCmd(),
		newVersionCmd(),
	)
	return root
}

func addOutputFlags(cmd *cobra.Command, o *outputOptions) {
	cmd.Flags().StringArrayVarP(&o.formats, "format", "f", nil, "output format NAME or NAME=FILE, repeatable to write several reports from one run: "+strings.Join(report.Formats(), ", ")+" (default table)")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the report to FILE (created 0600) instead of standard output")
	cmd.Flags().StringVar(&o.waivers, "waivers", "", "`FILE` of waivers (YAML): accepted risks that turn matching failures into waived until they expire")
	cmd.Flags().StringVar(&o.sourceRoot, "source-root", "", "root of the infrastructure repository: absolute compose paths under it become repo-relative locations (SARIF, Markdown)")
	cmd.Flags().StringVar(&o.baseline, "baseline", "", "earlier result file (-f json) or snapshot of the same host(s): the markdown report gets a \"Changes since the last review\" section")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "low", "lowest severity of a failure that makes the exit code 1: critical, high, medium, low or never (info never fails)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "table: show only failures, unknowns and errors")
}

// usageErr marks a bad command line (exit code 2).
func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// loadConfig reads the embedded defaults and the user's --config.
func loadConfig(g *globalOptions) (*scanner.Config, error) {
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, g.config)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return cfg, nil
}

// loadEngine compiles the embedded checks and the --policy directories once.
func loadEngine(ctx context.Context, g *globalOptions, cfg *scanner.Config) (*scanner.Engine, error) {
	srcs, err := policySources(g)
	if err != nil {
		return nil, err
	}
	data, err := cfg.Data()
	if err != nil {
		return nil, err
	}
	e, err := scanner.Load(ctx, srcs, data)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return e, nil
}

// failThreshold parses --fail-on.
func failThreshold(s string) (scanner.Threshold, error) {
	t, err := scanner.ParseThreshold(s)
	if err != nil {
		return 0, usageErr("--fail-on %v", err)
	}
	return t, nil
}

// exitFor turns an outcome into the exit code, as an error (nil: exit 0).
func exitFor(o scanner.Outcome) error {
	switch o {
	case scanner.Findings:
		return &exitError{code: exitFindings}
	case scanner.Unsure:
		return &exitError{code: exitUnknown}
	}
	return nil
}

// newApp is the application layer of one command: this build's tool name,
// the waivers and the policies load compiles (at most once, when first
// needed).
func newApp(ws []scanner.Waiver, load func(context.Context) (*scanner.Engine, error)) *scanner.App {
	return &scanner.App{Tool: tool(), Load: load, Waivers: ws}
}

// engineLoader compiles the policies of g with the configuration cfg, or
// with the one g names when cfg is nil.
func engineLoader(g *globalOptions, cfg *scanner.Config) func(context.Context) (*scanner.Engine, error) {
	return func(ctx context.Context) (*scanner.Engine, error) {
		if cfg == nil {
			c, err := loadConfig(g)
			if err != nil {
				return nil, err
			}
			cfg = c
		}
		return loadEngine(ctx, g, cfg)
	}
}

// writeReports renders the reports and returns the exit code as an error.
func writeReports(cmd *cobra.Command, o *outputOptions, reports []*scanner.Report) error {
	return writeReportsWith(cmd, o, reports, report.New)
}

// writeReportsWith applies the waivers (unless the App did), writes every
// --format with the reporter newReporter makes, and returns the exit code
// as an error.
func writeReportsWith(cmd *cobra.Command, o *outputOptions, reports []*scanner.Report, newReporter func(string, report.Options) (report.Reporter, error)) error {
	threshold, err := failThreshold(o.failOn)
	if err != nil {
		return err
	}
	specs, err := o.specs()
	if err != nil {
		return err
	}
	if !o.waiversApplied {
		ws, err := o.waiverList()
		if err != nil {
			return err
		}
		for _, r := range reports {
			scanner.ApplyWaivers(r, ws)
		}
	}
	for _, sp := range specs {
		opt := report.Options{Quiet: o.quiet, SourceRoot: o.sourceRoot, Baseline: o.baselineDiffs}
		if sp.path == "" {
			opt.Color, opt.Width = terminal(cmd.OutOrStdout())
		}
		rep, err := newReporter(sp.format, opt)
		if err != nil {
			return usageErr("--format: %v", err)
		}
		if err := writeOutput(cmd.OutOrStdout(), sp.path, func(w io.Writer) error { return rep.Write(w, reports) }); err != nil {
			return err
		}
	}
	return exitFor(scanner.Verdict(reports, threshold))
}

// terminal says how to write to w: colour only for a terminal and without
// NO_COLOR, and the terminal's width (0: not a terminal or unknown).
func terminal(w io.Writer) (color bool, width int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, 0
	}
	if w, _, err := term.GetSize(int(f.Fd())); err == nil {
		width = w
	}
	return os.Getenv("NO_COLOR") == "", width
}

// waiverList returns the --waivers file's waivers, read once per run; a bad
// file is a usage error.
func (o *outputOptions) waiverList() ([]scanner.Waiver, error) {
	if o.ws == nil && o.waivers != "" {
		ws, err := loadWaivers(o.waivers)
		if err != nil {
			return nil, err
		}
		o.ws = ws
	}
	return o.ws, nil
}

// loadWaivers reads a --waivers file; a bad one is a usage error.
func loadWaivers(path string) ([]scanner.Waiver, error) {
	ws, err := scanner.LoadWaivers(path)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return ws, nil
}

// writeOutput writes to stdout, or to path through a temporary file in the
// same directory renamed into place, so nothing half-written is left and a
// symlink at path is replaced, never followed. The file is 0600 (it maps
// the host's attack surface), except a *.prom file: node_exporter's textfile
// collector reads only *.prom files, runs as its own user and serves their
// metrics over HTTP, so 0600 would only hide them from it (0644).
func writeOutput(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(stdout)
	}
	mode := os.FileMode(0o600)
	if strings.HasSuffix(filepath.Base(path), ".prom") {
		mode = 0o644
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	return nil
}
