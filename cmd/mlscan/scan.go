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
	"github.com/mlscan/mlscan/snapshot"
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
func collect(ctx context.Context, o *collectOptions, cfg *scanner.Config) (*snapshot.Snapshot, error) {
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
		Tool:    snapshot.Tool{Name: "mlscan", Version: toolVersion()},
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

func marshalSnapshot(s *snapshot.Snapshot) ([]byte, error) {
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
			return runScan(cmd, g, &co, &oo, snapOut)
		},
	}
	addCollectFlags(cmd, &co)
	addOutputFlags(cmd, &oo)
	cmd.Flags().StringVar(&snapOut, "snapshot", "", "also save the collected snapshot to FILE")
	return cmd
}

func runScan(cmd *cobra.Command, g *globalOptions, co *collectOptions, oo *outputOptions, snapOut string) error {
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
	ws, err := oo.waiverList()
	if err != nil {
		return err
	}
	app := newApp(ws, engineLoader(g, cfg))
	app.Preload(ctx) // compile the policies while the collectors run
	snap, err := collect(ctx, co, cfg)
	if err != nil {
		return err
	}
	if _, err := app.Engine(ctx); err != nil {
		return err
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
	rep, evaluated, err := app.EvalSnapshot(ctx, "(this scan)", data)
	if err != nil {
		return err
	}
	oo.waiversApplied = true
	reports := []*scanner.Report{rep}
	if err := baseline(ctx, app, oo, reports, []*snapshot.Snapshot{evaluated}); err != nil {
		return err
	}
	return writeReports(cmd, oo, reports)
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
