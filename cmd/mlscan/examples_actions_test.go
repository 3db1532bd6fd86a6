package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/spf13/pflag"
)

// actionsDir holds the GitHub Actions workflows users copy.
const actionsDir = "../../examples/github-actions"

// actionsWorkflows are the example workflows.
var actionsWorkflows = []string{"mlscan.yml", "mlscan-fleet.yml"}

// TestExampleWorkflowsLint lints the example workflows with actionlint
// (the library, with the runner labels of actionlint.yaml next to them),
// shellcheck on their scripts when it is installed.
func TestExampleWorkflowsLint(t *testing.T) {
	opts := &actionlint.LinterOptions{
		ConfigFile: filepath.Join(actionsDir, "actionlint.yaml"),
		LogWriter:  os.Stderr,
	}
	if p, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = p
	} else {
		t.Log("shellcheck not found (apt-get install shellcheck): the workflows' scripts are not shell-checked")
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range actionsWorkflows {
		t.Run(name, func(t *testing.T) {
			errs, err := l.LintFile(filepath.Join(actionsDir, name), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range errs {
				t.Errorf("%s:%d:%d: %s [%s]", name, e.Line, e.Column, e.Message, e.Kind)
			}
		})
	}
}

// mlscanArgs matches an mlscan argument list in the example scripts:
// `args=(scan ...)`, `args+=(...)` or a command line `mlscan scan ...`
// (continuation lines joined).
var mlscanArgs = regexp.MustCompile(`args=\((scan|eval) ([^)]*)\)|args\+=\(([^)]*)\)|/mlscan (scan|eval) ([^\n]*)`)

// actionsScript is the root wrapper the scan workflow runs with sudo.
const actionsScript = "mlscan-sarif"

// TestExampleWorkflowsUseRealFlags checks that every flag the example
// workflows and their root wrapper give mlscan exists on the command they
// give it to, and that each workflow uploads with one category per host.
func TestExampleWorkflowsUseRealFlags(t *testing.T) {
	root := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
	for _, name := range append(slices.Clone(actionsWorkflows), actionsScript) {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(actionsDir, name))
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(string(b), "\\\n", " ")
			var cmdName string
			flags := 0
			for _, m := range mlscanArgs.FindAllStringSubmatch(text, -1) {
				words := m[3]
				switch {
				case m[1] != "":
					cmdName, words = m[1], m[2]
				case m[4] != "":
					cmdName, words = m[4], m[5]
				}
				cmd, _, err := root.Find([]string{cmdName})
				if err != nil || cmd == root {
					t.Fatalf("mlscan %q: no such command", cmdName)
				}
				for _, w := range strings.Fields(words) {
					if !strings.HasPrefix(w, "--") {
						continue
					}
					flag := strings.TrimPrefix(w, "--")
					var f *pflag.Flag
					if f = cmd.Flags().Lookup(flag); f == nil {
						f = cmd.InheritedFlags().Lookup(flag)
					}
					if f == nil {
						t.Errorf("mlscan %s has no flag --%s", cmdName, flag)
					}
					flags++
				}
			}
			if flags == 0 && !strings.Contains(text, "sudo -n /usr/local/sbin/"+actionsScript) {
				t.Error("no mlscan arguments found, and " + actionsScript + " is not run")
			}
			if name == actionsScript {
				return
			}
			if got := strings.Count(text, "uses: github/codeql-action/upload-sarif@v3"); got != 1 {
				t.Errorf("%d upload-sarif steps, want 1 (per host, in a matrix job)", got)
			}
			if !strings.Contains(text, "category: mlscan/host:${{ matrix.host }}") {
				t.Error("the upload does not name one category per host (mlscan/host:<host>, as the SARIF's automationDetails.id)")
			}
		})
	}
}

// TestExampleRootWrapper checks the wrapper's shell syntax (sh -n, and
// shellcheck when installed) and that it is executable.
func TestExampleRootWrapper(t *testing.T) {
	p := filepath.Join(actionsDir, actionsScript)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable", p)
	}
	if out, err := exec.Command("sh", "-n", p).CombinedOutput(); err != nil {
		t.Errorf("sh -n %s: %v\n%s", p, err, out)
	}
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck not found (apt-get install shellcheck)")
	}
	if out, err := exec.Command(sc, p).CombinedOutput(); err != nil {
		t.Errorf("shellcheck %s: %v\n%s", p, err, out)
	}
}
