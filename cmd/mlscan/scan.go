package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlscan/mlscan/collectors"
	"github.com/mlscan/mlscan/scanner"
)

// collectOptions are the flags of commands that collect from this host.
type collectOptions struct {
	only     []string
	skip     []string
	procRoot string
	root     string
	timeout  time.Duration
	docker   string
	noProbes bool
}

func addCollectFlags(cmd *cobra.Command, o *collectOptions) {
	cmd.Flags().StringSliceVar(&o.only, "collectors", nil, "run only these collectors (comma-separated); others are recorded as skipped")
	cmd.Flags().StringSliceVar(&o.skip, "skip-collectors", nil, "do not run these collectors (their rules become unknown)")
	cmd.Flags().StringVar(&o.procRoot, "proc-root", "/proc", "proc filesystem to read (for a host /proc mounted elsewhere)")
	cmd.Flags().StringVar(&o.root, "root", "/", "filesystem root under which /etc files are read")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 10*time.Second, "time limit of each collector")
	cmd.Flags().BoolVar(&o.noProbes, "no-probes", false, "do not connect to the services (same as --skip-collectors probes): the probe-based rules become unknown")
	cmd.Flags().StringVar(&o.docker, "docker-host", "", "Docker Engine API address (unix:///run/podman/podman.sock, tcp://...); default $DOCKER_HOST, then the standard sockets")
}

// collect runs the collectors; cfg (when not nil) gives the probes the
// registry to probe.
func collect(ctx context.Context, o *collectOptions, cfg *scanner.Config) (*collectors.Snapshot, error) {
	skip := o.skip
	if o.noProbes {
		skip = append(skip, "probes")
	}
	cs := collectors.All()
	for _, c := range cs {
		switch c := c.(type) {
		case *collectors.Docker:
			c.Host = o.docker
		case *collectors.Probes:
			if cfg != nil {
				c.Ports = probeRegistry(cfg)
			}
		}
	}
	snap, err := collectors.Collect(ctx, cs, collectors.Options{
		Env:     collectors.Env{Root: o.root, ProcRoot: o.procRoot, IsRoot: os.Geteuid() == 0},
		Tool:    collectors.Tool{Name: "mlscan", Version: toolVersion()},
		Timeout: o.timeout,
		Only:    o.only,
		Skip:    skip,
	})
	if err != nil {
		return nil, usageErr("%v", err)
	}
	if ctx.Err() != nil {
		// Interrupted (SIGINT/SIGTERM): write nothing from a partial run.
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("interrupted: %w", context.Cause(ctx))}
	}
	return snap, nil
}

func marshalSnapshot(s *collectors.Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newScanCmd(g *globalOptions) *cobra.Command {
	var co collectOptions
	var oo outputOptions
	var snapOut string
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Collect this host's facts and evaluate them (run as root for full coverage)",
		Long: `scan collects the snapshot of this host (collectors run concurrently, each
under --timeout) and evaluates every check against it. Without root, facts
that need root (live UFW state, rules files, socket owners) are recorded as
unavailable and the rules that need them are unknown: run with sudo.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if _, err := failThreshold(oo.failOn); err != nil {
				return err
			}
			if _, err := oo.specs(); err != nil {
				return err
			}
			// Compile the policies while the collectors run.
			type loaded struct {
				e   *scanner.Engine
				err error
			}
			ch := make(chan loaded, 1)
			go func() {
				e, err := loadEngine(ctx, g, cfg)
				ch <- loaded{e, err}
			}()
			snap, err := collect(ctx, &co, cfg)
			l := <-ch
			if err != nil {
				return err
			}
			if l.err != nil {
				return l.err
			}
			data, err := marshalSnapshot(snap)
			if err != nil {
				return err
			}
			if snapOut != "" {
				if err := writeOutput(nil, snapOut, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
					return err
				}
			}
			rep, err := evalSnapshot(ctx, l.e, "(this scan)", data)
			if err != nil {
				return err
			}
			if oo.baseline != "" {
				doc, err := scanner.DecodeSnapshot("(this scan)", data)
				if err != nil {
					return err
				}
				if oo.baselineDiffs, err = baselineDiffs(ctx, l.e, oo.baseline, oo.waivers, []*scanner.Report{rep}, []map[string]any{doc}); err != nil {
					return err
				}
			}
			return writeReports(cmd, &oo, []*scanner.Report{rep})
		},
	}
	addCollectFlags(cmd, &co)
	addOutputFlags(cmd, &oo)
	cmd.Flags().StringVar(&snapOut, "snapshot", "", "also save the collected snapshot to FILE")
	return cmd
}

func newCollectCmd(g *globalOptions) *cobra.Command {
	var co collectOptions
	var out string
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Collect this host's facts into a JSON snapshot (evaluate it later with `mlscan eval`)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			snap, err := collect(cmd.Context(), &co, cfg)
			if err != nil {
				return err
			}
			data, err := marshalSnapshot(snap)
			if err != nil {
				return err
			}
			return writeOutput(cmd.OutOrStdout(), out, func(w io.Writer) error { _, err := w.Write(data); return err })
		},
	}
	addCollectFlags(cmd, &co)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the snapshot to FILE (created 0600) instead of standard output")
	return cmd
}

// evalSnapshot decodes, validates and evaluates one snapshot document.
func evalSnapshot(ctx context.Context, e *scanner.Engine, name string, data []byte) (*scanner.Report, error) {
	rep, _, err := evalSnapshotDoc(ctx, e, name, data, false)
	return rep, err
}

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
			if len(args) == 0 {
				return &exitError{code: exitUsage, err: errNoSnapshots}
			}
			if _, err := failThreshold(oo.failOn); err != nil {
				return err
			}
			if _, err := oo.specs(); err != nil {
				return err
			}
			paths, err := snapshotPaths(args)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			e, err := loadEngine(cmd.Context(), g, cfg)
			if err != nil {
				return err
			}
			var post func(*scanner.Report)
			if fleet {
				if post, err = fleetPost(&oo); err != nil {
					return err
				}
			}
			reports, docs, err := evalFleet(cmd.Context(), e, paths, oo.baseline != "", post)
			if err != nil {
				return err
			}
			if oo.baselineDiffs, err = baselineDiffs(cmd.Context(), e, oo.baseline, oo.waivers, reports, docs); err != nil {
				return err
			}
			if fleet {
				return writeFleet(cmd, &oo, reports)
			}
			return writeReports(cmd, &oo, reports)
		},
	}
	addOutputFlags(cmd, &oo)
	cmd.Flags().BoolVar(&fleet, "fleet", false, "write a fleet summary (hosts × rules, worst host first) instead of one report per host (table, json, markdown)")
	return cmd
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, max>>20)
	}
	return bytes.Clone(b), nil
}
