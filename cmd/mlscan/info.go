package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/mlscan/mlscan/model"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

func newPoliciesCmd(g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "policies",
		Short: "List the loaded checks (id, severity, title)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			e, err := loadEngine(cmd.Context(), g, cfg)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(e.Checks())
			}
			tw := table.NewWriter()
			tw.SetOutputMirror(cmd.OutOrStdout())
			tw.SetStyle(table.StyleLight)
			tw.AppendHeader(table.Row{"ID", "Severity", "Title", "Requires"})
			for _, c := range e.Checks() {
				tw.AppendRow(table.Row{c.ID, c.Severity, c.Title, fmt.Sprint(c.Requires)})
			}
			tw.Render()
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks' metadata as JSON")
	return cmd
}

func newConfigCmd(g *globalOptions) *cobra.Command {
	var asData bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration (embedded defaults overlaid with --config)",
		Long: `config prints the effective configuration as YAML (a valid --config file).
With --data it prints instead the JSON data document the checks read (the
configuration at data.mlscan.config, with each registry entry's line, the
file and its digest), exactly as the engine and mlscan verify give it to
the policies: stock OPA then sees the same data,
  mlscan config --data > mlscan-data.json
  opa test policies/ mlscan-data.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if asData {
				return scanner.WriteData(cmd.OutOrStdout(), cfg)
			}
			header := fmt.Sprintf("# effective configuration from %s (%s)\n", cfg.File, cfg.Digest) +
				"# the policies read it as JSON at data.mlscan.config: mlscan config --data prints that document\n"
			if _, err := io.WriteString(cmd.OutOrStdout(), header); err != nil {
				return err
			}
			enc := yaml.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent(2)
			return enc.Encode(cfg)
		},
	}
	cmd.Flags().BoolVar(&asData, "data", false, "print the JSON data document the policies read (for opa test / opa eval -d)")
	return cmd
}

func newSchemaCmd() *cobra.Command {
	var asInput bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the snapshot, or with --input of what policies read as input",
		Long: `schema prints the JSON Schema of the snapshot file (what collect and scan
--snapshot write). With --input it prints the schema of the policies' input:
the snapshot's fields plus "model", the facts mlscan computes from the
snapshot when it evaluates (reachability of every listener and published
port from outside, from the trusted networks and from the host, through the
kernel's netfilter rules). A policy reads both as input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			schema := snapshot.Schema
			if asInput {
				schema = model.InputSchema
			}
			b, err := schema()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	cmd.Flags().BoolVar(&asInput, "input", false, "print the schema of the policies' input (the snapshot and the model's facts)")
	return cmd
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print mlscan's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "mlscan %s (snapshot schema %d)\n", toolVersion(), snapshot.SchemaVersion)
		},
	}
}
