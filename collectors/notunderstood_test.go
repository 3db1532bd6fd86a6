package collectors

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// TestNotUnderstoodVerdicts feeds every real input of the corpora that
// mlscan does not fully understand (testdata/NOT-UNDERSTOOD.md lists them)
// through its collector and the policies, and pins what the scanner
// reports: the checks that need what was not read are unknown, the others
// are judged, and none of them passes on what was not read.
func TestNotUnderstoodVerdicts(t *testing.T) {
	const (
		judged  = "judged"  // pass or fail, never unknown or error
		unknown = "unknown" // every result unknown
	)
	// sshdTree is a root holding the sshd configuration of corpus tree dir.
	sshdTree := func(t *testing.T, dir string) string {
		root := t.TempDir()
		src := filepath.Join("../testdata/sshd", dir, "etc")
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			dst := filepath.Join(root, "etc", rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		return root
	}
	tests := []notUnderstoodCase{
		{
			name: "ufw 0.31 Status: not loaded",
			setup: func(t *testing.T) []collectorRun {
				root := t.TempDir()
				writeUFWTree(t, root, ufwHostFiles(t))
				status, err := os.ReadFile("../testdata/ufw/upstream/v0.31.1-destructive_bugs-L9-status.txt")
				if err != nil {
					t.Fatal(err)
				}
				fr := &fakeRunner{results: map[string]fakeResult{cmdStatus: {stdout: status}}}
				return []collectorRun{{&UFW{}, Env{Root: root, IsRoot: true, Run: fr.run}}}
			},
			// Whether the firewall is loaded is unknown; the configured
			// defaults and the rules files are still judged.
			want: map[string]string{"MLS-FW-001": unknown, "MLS-FW-002": judged, "MLS-FW-003": judged, "MLS-FW-004": judged,
				"MLS-FW-005": judged, "MLS-FW-006": judged, "MLS-FW-007": judged},
		},
		{
			name: "fail2ban 1.0.2 status: a count of 0 with 2 jails listed",
			setup: func(t *testing.T) []collectorRun {
				root := sshdTree(t, "realworld/amazon-linux")
				return []collectorRun{withFail2ban(t, "upstream/status/1.0.2-status.txt", "status-sshd.txt"), {&SSHD{}, Env{Root: root}}}
			},
			unparsed: []string{"/etc/ssh/sshd_config:31 []"},
			want:     map[string]string{"MLS-SSH-004": unknown, "MLS-SSH-001": judged, "MLS-SSH-003": judged},
		},
		{
			name: "sshd amazon-linux: ShowPatchLevel",
			setup: func(t *testing.T) []collectorRun {
				root := sshdTree(t, "realworld/amazon-linux")
				return []collectorRun{withFail2ban(t, "status.txt", "status-sshd.txt"), {&SSHD{}, Env{Root: root}}}
			},
			unparsed: []string{"/etc/ssh/sshd_config:31 []"},
			want:     map[string]string{"MLS-SSH-001": judged, "MLS-SSH-002": judged, "MLS-SSH-003": judged, "MLS-SSH-004": judged},
		},
	}
	for _, dir := range []string{"azure-app-service-python27", "azure-app-service-python37"} {
		tests = append(tests, notUnderstoodCase{
			name: "sshd " + dir + ": Port SSH_PORT",
			setup: func(t *testing.T) []collectorRun {
				root := sshdTree(t, "realworld/"+dir)
				return []collectorRun{withFail2ban(t, "status.txt", "status-sshd.txt"), {&SSHD{}, Env{Root: root}}}
			},
			unparsed: []string{"/etc/ssh/sshd_config:5 [port]"},
			want:     map[string]string{"MLS-SSH-001": judged, "MLS-SSH-002": judged, "MLS-SSH-003": judged, "MLS-SSH-004": unknown},
		})
	}
	for _, dir := range []string{"asterisk", "grapheneos"} {
		tests = append(tests, notUnderstoodCase{
			name: "sshd " + dir + ": an algorithm sshd 9.2 refuses, taken",
			setup: func(t *testing.T) []collectorRun {
				root := sshdTree(t, "realworld/"+dir)
				return []collectorRun{withFail2ban(t, "status.txt", "status-sshd.txt"), {&SSHD{}, Env{Root: root}}}
			},
			want: map[string]string{"MLS-SSH-001": judged, "MLS-SSH-002": judged, "MLS-SSH-003": judged, "MLS-SSH-004": judged},
		})
	}
	for _, c := range []struct{ dir, at string }{
		{"servcfginclude-empty-include", "/etc/ssh/regress/sshd_config.i.x:1 []"},
		{"servcfginclude-invalid", "/etc/ssh/regress/sshd_config.i.3:2 []"},
	} {
		tests = append(tests, notUnderstoodCase{
			name: "sshd regress " + c.dir,
			setup: func(t *testing.T) []collectorRun {
				root := sshdTree(t, "upstream/"+c.dir)
				cfg := "/etc/ssh/regress/sshd_config.i"
				if c.dir == "servcfginclude-empty-include" {
					cfg = "/etc/ssh/regress/sshd_config.i.x"
				}
				return []collectorRun{withFail2ban(t, "status.txt", "status-sshd.txt"), {&SSHD{Config: cfg}, Env{Root: root}}}
			},
			unparsed: []string{c.at},
			want:     map[string]string{"MLS-SSH-001": judged, "MLS-SSH-002": judged, "MLS-SSH-003": judged, "MLS-SSH-004": judged},
		})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := collectRuns(t, tt.setup(t))
			var health []string
			for name, r := range snap.Collectors {
				health = append(health, name+" "+string(r.Status)+" "+r.Error)
			}
			slices.Sort(health)
			if snap.SSHD != nil {
				var got []string
				for _, u := range snap.SSHD.Unparsed {
					got = append(got, u.File+":"+strconv.Itoa(u.Line)+" ["+strings.Join(u.Affects, " ")+"]")
				}
				// A line is listed once per connection it was read for.
				slices.Sort(got)
				got = slices.Compact(got)
				if !slices.Equal(got, tt.unparsed) {
					t.Errorf("sshd lines not understood %q, want %q", got, tt.unparsed)
				}
			}
			js, err := json.Marshal(snap)
			if err != nil {
				t.Fatal(err)
			}
			_, doc, err := snapshot.Decode("snapshot.json", js)
			if err != nil {
				t.Fatalf("snapshot does not validate: %v", err)
			}
			statuses := map[string][]scanner.Status{}
			messages := map[string][]string{}
			for _, r := range evalSnapshot(t, doc).Results {
				statuses[r.RuleID] = append(statuses[r.RuleID], r.Status)
				messages[r.RuleID] = append(messages[r.RuleID], string(r.Status)+": "+r.Subject+": "+r.Message)
			}
			for rule, want := range tt.want {
				ss := statuses[rule]
				ok := len(ss) > 0
				for _, s := range ss {
					switch want {
					case judged:
						ok = ok && (s == scanner.StatusPass || s == scanner.StatusFail)
					case unknown:
						ok = ok && s == scanner.StatusUnknown
					}
				}
				if !ok {
					t.Errorf("%s: want %s, got\n\t%s\ncollectors: %s", rule, want, strings.Join(messages[rule], "\n\t"), strings.Join(health, "; "))
				} else {
					t.Logf("%s %s: %s", rule, want, strings.Join(messages[rule], " | "))
				}
			}
		})
	}
}

// collectorRun is one collector with the environment it runs in.
type collectorRun struct {
	c   Collector
	env Env
}

// withFail2ban is the fail2ban collector answering status and status
// sshd with the captured outputs of testdata/fail2ban, its configuration
// fail2ban 1.0.2's stock one. (It reads the live server, so it never runs
// under another root than "/": it gets an environment of its own.)
func withFail2ban(t *testing.T, status, statusSSHD string) collectorRun {
	t.Helper()
	dir := t.TempDir()
	client := filepath.Join(dir, "fail2ban-client")
	if err := os.WriteFile(client, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &Fail2ban{Client: client, Socket: "/run/f2b.sock", ConfigDir: filepath.Join(f2bRoot(t, f2bStock(nil)), "etc/fail2ban")}
	return collectorRun{c, Env{Run: f2bRunner(t, status, statusSSHD)}}
}

// collectRuns runs each collector in its environment and merges their
// sections and records into one snapshot.
func collectRuns(t *testing.T, runs []collectorRun) *snapshot.Snapshot {
	t.Helper()
	merged := map[string]any{}
	records := map[string]any{}
	for _, r := range runs {
		r.env.ProcRoot = t.TempDir()
		snap, err := Collect(context.Background(), []Collector{r.c}, Options{Env: r.env, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(snap)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(js, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m["collectors"].(map[string]any) {
			records[k] = v
		}
		for k, v := range m {
			if _, ok := merged[k]; !ok || k == r.c.Name() {
				merged[k] = v
			}
		}
	}
	merged["collectors"] = records
	js, err := json.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	var snap snapshot.Snapshot
	if err := json.Unmarshal(js, &snap); err != nil {
		t.Fatal(err)
	}
	return &snap
}

// notUnderstoodCase is an input not understood: the collectors it goes
// through, the sshd lines kept apart ("file:line [affects]") and what
// each rule must say (judged or unknown).
type notUnderstoodCase struct {
	name     string
	setup    func(t *testing.T) []collectorRun
	unparsed []string
	want     map[string]string
}
