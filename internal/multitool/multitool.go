// Package multitool runs Microsoft's SARIF Multitool (npm
// @microsoft/sarif-multitool-linux) from tests: `validate` with the rules
// GitHub Advanced Security applies at ingestion and the SARIF
// specification's own (rule kinds Ghas;Sarif), see
// ../shared/ref/sarif-github.md.
package multitool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Package is the npm package the tests were written against; .ci/run
// installs it with `npm install -g`.
const Package = "@microsoft/sarif-multitool-linux@5.7.0"

// Env names a variable that points at the Sarif.Multitool binary,
// overriding the lookup through npm's sarif-multitool-linux on PATH.
const Env = "MLSCAN_SARIF_MULTITOOL"

// Find returns the path of the Sarif.Multitool binary. The npm package's
// own command (bin.js) runs the binary through a shell, which splits the
// rule kinds "Ghas;Sarif" at the semicolon, so the binary is called
// directly: it sits next to bin.js.
func Find() (string, error) {
	if p := os.Getenv(Env); p != "" {
		return p, nil
	}
	bin, err := exec.LookPath("sarif-multitool-linux")
	if err != nil {
		return "", fmt.Errorf("sarif-multitool-linux not on PATH (npm install -g %s)", Package)
	}
	js, err := filepath.EvalSymlinks(bin)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", bin, err)
	}
	mt := filepath.Join(filepath.Dir(js), "Sarif.Multitool")
	if _, err := os.Stat(mt); err != nil {
		return "", fmt.Errorf("sarif multitool: %w", err)
	}
	// npm installs it 0744 as root: another user cannot run it.
	if err := unix.Access(mt, unix.X_OK); err != nil {
		return "", fmt.Errorf("%s is not executable by this user (%v): run the tests as its owner, or chmod a+x it", mt, err)
	}
	return mt, nil
}

// Require returns the Multitool's path, or skips the test with a clear
// message when it is missing; with MLSCAN_E2E=1 a missing Multitool fails
// the test instead.
func Require(t testing.TB) string {
	t.Helper()
	mt, err := Find()
	if err == nil {
		return mt
	}
	msg := fmt.Sprintf("SARIF Multitool: %v; install it with .ci/run or npm install -g %s", err, Package)
	if os.Getenv("MLSCAN_E2E") == "1" {
		t.Fatal(msg + "; MLSCAN_E2E=1 makes this test mandatory")
	}
	t.Skip(msg)
	return ""
}

// Problem is one error or warning the Multitool reports on a file.
type Problem struct {
	// File is the validated file's path.
	File string
	// Level is "error" or "warning".
	Level string
	// Rule is the Multitool's rule id (GH1001, SARIF2005...).
	Rule string
	// Where is the JSON path or line:column the problem is at.
	Where string
	// Args are the message's arguments.
	Args []string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s %s at %s: %s", p.File, p.Level, p.Rule, p.Where, strings.Join(p.Args, "; "))
}

// log is the part of the Multitool's output SARIF this package reads.
type log struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID                   string `json:"id"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID  string `json:"ruleId"`
			Level   string `json:"level"`
			Message struct {
				Text      string   `json:"text"`
				Arguments []string `json:"arguments"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

// Validate runs `Sarif.Multitool validate --rule-kind Ghas;Sarif` on the
// files at once and returns every error and warning it reports (notes
// are left out). An error means the Multitool itself did not run through.
func Validate(mt string, files ...string) ([]Problem, error) {
	if len(files) == 0 {
		return nil, errors.New("multitool: no files")
	}
	dir, err := os.MkdirTemp("", "mlscan-multitool-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	out := filepath.Join(dir, "validation.sarif")
	args := append([]string{"validate", "--rule-kind", "Ghas;Sarif", "-o", out}, files...)
	cmd := exec.Command(mt, args...)
	// The self-contained .NET binary needs ICU unless told to do without.
	cmd.Env = append(os.Environ(), "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	cmd.Dir = dir
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("multitool validate: %w\n%s", err, stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("multitool validate wrote no log: %w\n%s", err, stdout.String())
	}
	var l log
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("multitool log: %w", err)
	}
	var probs []Problem
	for _, run := range l.Runs {
		for _, inv := range run.Invocations {
			for _, n := range inv.Notifications {
				if n.Level == "error" {
					return nil, fmt.Errorf("multitool: %s\n%s", n.Message.Text, stdout.String())
				}
			}
			if !inv.ExecutionSuccessful {
				return nil, fmt.Errorf("multitool: execution not successful\n%s", stdout.String())
			}
		}
		levels := map[string]string{}
		for _, r := range run.Tool.Driver.Rules {
			levels[r.ID] = r.DefaultConfiguration.Level
		}
		for _, r := range run.Results {
			level := r.Level
			if level == "" {
				level = levels[r.RuleID]
			}
			if level == "" {
				level = "warning" // SARIF's default
			}
			if level != "error" && level != "warning" {
				continue
			}
			p := Problem{Level: level, Rule: r.RuleID, Args: r.Message.Arguments}
			if r.Message.Text != "" {
				p.Args = append([]string{r.Message.Text}, p.Args...)
			}
			if len(r.Locations) > 0 {
				pl := r.Locations[0].PhysicalLocation
				p.File = pl.ArtifactLocation.URI
				if u, err := url.Parse(p.File); err == nil && u.Scheme == "file" {
					p.File = u.Path
				}
				p.Where = fmt.Sprintf("%d:%d", pl.Region.StartLine, pl.Region.StartColumn)
			}
			probs = append(probs, p)
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].File < probs[j].File })
	return probs, nil
}
