package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
)

// verifyOptions are the flags of `mlscan verify`.
type verifyOptions struct {
	verbose bool
	run     string
}

func newVerifyCmd(g *globalOptions) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Run the Rego tests (*_test.rego) of the embedded policies and of each --policy DIR",
		Long: `verify runs the Rego unit tests of the embedded checks and of every
--policy directory with OPA's tester, compiled with mlscan's libraries and
given the data document the checks read at scan time (the configuration of
--config at data.mlscan.config; mlscan config --data prints it for stock
opa test / opa eval). It prints each failure with file:line, the expression
that failed and what the test printed, then a summary; -v lists every test
and adds the full trace of a failure. Exit code 1 when a test fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			srcs, err := policySources(g)
			if err != nil {
				return err
			}
			data, err := cfg.Data()
			if err != nil {
				return err
			}
			res, err := scanner.Verify(cmd.Context(), srcs, data, scanner.VerifyOptions{Run: o.run, Trace: o.verbose})
			if err != nil {
				if errors.Is(err, cmd.Context().Err()) {
					return err
				}
				return &exitError{code: exitUsage, err: err}
			}
			if err := printVerify(cmd.OutOrStdout(), res, o.verbose); err != nil {
				return err
			}
			if !res.OK() {
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "list every test, and print the full evaluation trace of a failed one")
	cmd.Flags().StringVar(&o.run, "run", "", "`REGEX`: run only the tests whose full name (data.package.test_name) matches")
	return cmd
}

// printVerify prints the failures (every test with verbose) and a summary.
func printVerify(w io.Writer, res *scanner.VerifyResult, verbose bool) error {
	var b strings.Builder
	for _, t := range res.Tests {
		if t.Outcome == scanner.TestPass && !verbose {
			continue
		}
		fmt.Fprintf(&b, "%-5s %s (%s:%d)\n", strings.ToUpper(string(t.Outcome)), t.Name, t.File, t.Line)
		if t.Failure != "" {
			b.WriteString(indent("failed at "+t.Failure, "      ") + "\n")
		}
		if t.Error != "" {
			b.WriteString(indent(t.Error, "      ") + "\n")
		}
		if out := strings.TrimSpace(t.Output); out != "" {
			b.WriteString("      print output:\n" + indent(out, "        ") + "\n")
		}
		if t.Trace != "" {
			b.WriteString("      trace:\n" + indent(strings.TrimRight(t.Trace, "\n"), "        ") + "\n")
		}
	}
	fmt.Fprintf(&b, "%d tests: %d pass, %d fail, %d error, %d skipped\n", len(res.Tests),
		res.Count(scanner.TestPass), res.Count(scanner.TestFail), res.Count(scanner.TestError), res.Count(scanner.TestSkip))
	_, err := io.WriteString(w, b.String())
	return err
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// policySources returns the embedded policies and the --policy
// directories, as loadEngine loads them.
func policySources(g *globalOptions) ([]scanner.PolicySource, error) {
	srcs := []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}
	for _, dir := range g.policies {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("--policy: %w", err)}
		}
		if !st.IsDir() {
			return nil, usageErr("--policy %s: not a directory", dir)
		}
		srcs = append(srcs, scanner.PolicySource{Name: filepath.Clean(dir), FS: os.DirFS(dir)})
	}
	return srcs, nil
}
