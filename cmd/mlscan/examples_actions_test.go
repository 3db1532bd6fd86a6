package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
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
			if got := strings.Count(text, "uses: github/codeql-action/upload-sarif@v4"); got != 1 {
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

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Permissions map[string]string `yaml:"permissions"`
		Steps       []workflowStep    `yaml:"steps"`
	} `yaml:"jobs"`
}

// workflowStep is one step of a job.
type workflowStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(actionsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

// TestExampleWorkflowsPermissions: every job that uploads SARIF may write
// security events and read contents and actions (upload-sarif needs
// actions: read in a private repository); every checkout leaves no token
// in .git (the scan job runs on the production server); no step script
// expands ${{ }} (inputs reach scripts through env only); the fleet's
// mlscan version is a repository variable, not a pinned tag.
func TestExampleWorkflowsPermissions(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     string
		uploaded int
	}{
		{name: "scan on the server", file: "mlscan.yml", uploaded: 1},
		{name: "fleet", file: "mlscan-fleet.yml", uploaded: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := readWorkflow(t, tc.file)
			uploads := 0
			for job, j := range w.Jobs {
				for _, st := range j.Steps {
					switch {
					case strings.HasPrefix(st.Uses, "github/codeql-action/upload-sarif@"):
						uploads++
						for perm, want := range map[string]string{"security-events": "write", "contents": "read", "actions": "read"} {
							if j.Permissions[perm] != want {
								t.Errorf("job %s uploads SARIF with %s: %q, want %q", job, perm, j.Permissions[perm], want)
							}
						}
					case strings.HasPrefix(st.Uses, "actions/checkout@"):
						if st.With["persist-credentials"] != "false" {
							t.Errorf("job %s: checkout without persist-credentials: false", job)
						}
					}
					if strings.Contains(st.Run, "${{") {
						t.Errorf("job %s, step %q: ${{ }} in a script", job, st.Name)
					}
				}
			}
			if uploads != tc.uploaded {
				t.Errorf("%d upload-sarif steps, want %d", uploads, tc.uploaded)
			}
			if v, ok := w.Env["MLSCAN_VERSION"]; ok && v != "${{ vars.MLSCAN_VERSION }}" {
				t.Errorf("MLSCAN_VERSION: %q, want the repository variable ${{ vars.MLSCAN_VERSION }}", v)
			}
		})
	}
}

// stepsIf matches the only step condition runJobSteps understands.
var stepsIf = regexp.MustCompile(`^steps\.([a-z0-9_-]+)\.outputs\.([a-z0-9_-]+) == '([^']*)'$`)

// runJobSteps runs a job's steps from the one named from to the end with
// bash -e, as GitHub does, in dir with env and fake commands on PATH first:
// a `uses:` step succeeds without running; a step without `if` runs while
// no step failed; `if: steps.X.outputs.Y == 'V'` reads the outputs the
// steps wrote to $GITHUB_OUTPUT. It returns the name of the first failed
// step ("" if none) and the output of every step run.
func runJobSteps(t *testing.T, steps []workflowStep, from, dir string, env []string) (string, string) {
	t.Helper()
	outputs := map[string]map[string]string{}
	failed := ""
	var log strings.Builder
	started := false
	for i, st := range steps {
		if st.Name == from {
			started = true
		}
		if !started {
			continue
		}
		run := failed == ""
		if st.If != "" {
			m := stepsIf.FindStringSubmatch(st.If)
			if m == nil {
				t.Fatalf("step %q: condition %q not understood", st.Name, st.If)
			}
			run = outputs[m[1]][m[2]] == m[3]
		}
		if !run || st.Uses != "" {
			continue
		}
		ghOut := filepath.Join(dir, "github-output-"+strconv.Itoa(i))
		cmd := exec.Command("bash", "-e", "-c", st.Run)
		cmd.Dir = dir
		cmd.Env = append(slices.Clone(env), "GITHUB_OUTPUT="+ghOut)
		out, err := cmd.CombinedOutput()
		log.WriteString(st.Name + ":\n" + string(out))
		if b, rerr := os.ReadFile(ghOut); rerr == nil && st.ID != "" {
			outputs[st.ID] = map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok {
					outputs[st.ID][k] = v
				}
			}
		}
		if err != nil && failed == "" {
			failed = st.Name
		}
	}
	if !started {
		t.Fatalf("no step %q", from)
	}
	return failed, log.String()
}

// fakeCommand writes an executable shell script named name into dir.
func fakeCommand(t *testing.T, dir, name, script string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestExampleWorkflowsExitCodes runs the workflows' scan and evaluation
// steps with a fake mlscan: 0 uploads and passes; 3 (some rule unknown)
// uploads and then fails the job, in both workflows; 2 fails at the scan.
func TestExampleWorkflowsExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     string
		job      string
		from     string
		rc       int
		wantFail string // the step that fails, "" for none
	}{
		{name: "server clean", file: "mlscan.yml", job: "scan", from: "Scan", rc: 0},
		{name: "server unknown", file: "mlscan.yml", job: "scan", from: "Scan", rc: 3, wantFail: "A scan that could not look is not a clean scan"},
		{name: "server broken", file: "mlscan.yml", job: "scan", from: "Scan", rc: 2, wantFail: "Scan"},
		{name: "fleet clean", file: "mlscan-fleet.yml", job: "upload", from: "Evaluate", rc: 0},
		{name: "fleet unknown", file: "mlscan-fleet.yml", job: "upload", from: "Evaluate", rc: 3, wantFail: "A scan that could not look is not a clean scan"},
		{name: "fleet broken", file: "mlscan-fleet.yml", job: "upload", from: "Evaluate", rc: 2, wantFail: "Evaluate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := readWorkflow(t, tc.file)
			dir, bin := t.TempDir(), t.TempDir()
			rc := strconv.Itoa(tc.rc)
			fakeCommand(t, bin, "sudo", `echo '{"runs": []}'; exit `+rc)
			fakeCommand(t, bin, "go", `echo "`+bin+`"`)
			if err := os.MkdirAll(filepath.Join(bin, "bin"), 0o755); err != nil {
				t.Fatal(err)
			}
			fakeCommand(t, filepath.Join(bin, "bin"), "mlscan", "exit "+rc)
			env := []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + dir, "RUNNER_TEMP=" + dir, "GITHUB_WORKSPACE=" + dir, "HOST=server-84"}
			failed, log := runJobSteps(t, w.Jobs[tc.job].Steps, tc.from, dir, env)
			if failed != tc.wantFail {
				t.Errorf("failed step %q, want %q\n%s", failed, tc.wantFail, log)
			}
		})
	}
}

// TestExampleFleetCollectAndInstall runs the fleet workflow's host listing
// and mlscan install: no snapshot collected and no MLSCAN_VERSION set each
// stop with a message that says so, not an obscure failure later.
func TestExampleFleetCollectAndInstall(t *testing.T) {
	w := readWorkflow(t, "mlscan-fleet.yml")
	for _, tc := range []struct {
		name      string
		job, step string
		snapshots []string
		version   string
		wantFail  bool
		wantLog   string
		wantOut   string
	}{
		{name: "two hosts", job: "collect", step: "List the hosts", snapshots: []string{"server-84.json", "gpu-2.json"}, wantOut: `hosts=["gpu-2","server-84"]`},
		{name: "no snapshot", job: "collect", step: "List the hosts", snapshots: []string{}, wantFail: true, wantLog: "::error::the playbook collected no snapshot"},
		{name: "no snapshot directory", job: "collect", step: "List the hosts", wantFail: true, wantLog: "::error::the playbook collected no snapshot"},
		{name: "version set", job: "upload", step: "Install mlscan", version: "v1.5.0", wantOut: "install github.com/mlscan/mlscan/cmd/mlscan@v1.5.0"},
		{name: "version unset", job: "upload", step: "Install mlscan", wantFail: true, wantLog: "::error::set the repository variable MLSCAN_VERSION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var step *workflowStep
			for i, st := range w.Jobs[tc.job].Steps {
				if st.Name == tc.step {
					step = &w.Jobs[tc.job].Steps[i]
				}
			}
			if step == nil {
				t.Fatalf("no step %q in job %s", tc.step, tc.job)
			}
			dir, bin := t.TempDir(), t.TempDir()
			if tc.snapshots != nil {
				if err := os.Mkdir(filepath.Join(dir, "snapshots"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tc.snapshots {
				mustWrite(t, filepath.Join(dir, "snapshots", f), []byte("{}"), 0o600)
			}
			record := filepath.Join(bin, "record")
			fakeCommand(t, bin, "go", `echo "$@" >> "`+record+`"`)
			env := []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + dir, "RUNNER_TEMP=" + dir, "MLSCAN_VERSION=" + tc.version}
			failed, log := runJobSteps(t, []workflowStep{*step}, tc.step, dir, env)
			if (failed != "") != tc.wantFail || !strings.Contains(log, tc.wantLog) {
				t.Errorf("failed %v, want %v; output:\n%s", failed != "", tc.wantFail, log)
			}
			var got string
			for _, f := range []string{record, filepath.Join(dir, "github-output-0")} {
				b, _ := os.ReadFile(f)
				got += string(b)
			}
			if !strings.Contains(got, tc.wantOut) || (tc.wantFail && got != "") {
				t.Errorf("outputs and commands %q, want %q", got, tc.wantOut)
			}
		})
	}
}
