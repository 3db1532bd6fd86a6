package collectors

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// sshdCaptures are the configurations captured with their `sshd -T`
// output (testdata/sshd/README.md says how).
var sshdCaptures = []string{"debian12", "cloudinit", "hardened", "legacy"}

// sshdCheckedKeys are the settings the SSH checks read.
var sshdCheckedKeys = []string{
	"passwordauthentication", "kbdinteractiveauthentication", "permitrootlogin",
	"pubkeyauthentication", "permitemptypasswords", "maxauthtries", "x11forwarding",
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseSSHDTestCaptured(t *testing.T) {
	tests := []struct {
		name string
		want map[string]string
	}{
		{"debian12", map[string]string{
			"passwordauthentication": "yes", "kbdinteractiveauthentication": "no", "permitrootlogin": "without-password",
			"listenaddress": "[::]:22, 0.0.0.0:22", "acceptenv": "LANG, LC_*", "subsystem": "sftp /usr/lib/openssh/sftp-server",
			"hostkey": "/etc/ssh/ssh_host_rsa_key, /etc/ssh/ssh_host_ecdsa_key, /etc/ssh/ssh_host_ed25519_key",
		}},
		{"cloudinit", map[string]string{"passwordauthentication": "yes", "permitrootlogin": "no"}},
		{"hardened", map[string]string{"passwordauthentication": "no", "maxauthtries": "3", "x11forwarding": "no"}},
		{"legacy", map[string]string{"kbdinteractiveauthentication": "no", "permitrootlogin": "without-password", "maxauthtries": "10"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseSSHDTest(readTestdata(t, "sshd/"+tc.name+".sshd-T.txt"))
			if len(got) < 80 {
				t.Errorf("only %d settings parsed", len(got))
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// cannedRunner answers sshd -T with a captured output or error.
func cannedRunner(stdout, stderr string, err error) Runner {
	return func(_ context.Context, name string, args ...string) ([]byte, []byte, error) {
		return []byte(stdout), []byte(stderr), err
	}
}

// TestSSHDCollectUnderRoot reads captured trees with --root: sshd -T is
// never run there (it would read this machine's files), the settings come
// from the files.
func TestSSHDCollectUnderRoot(t *testing.T) {
	never := func(_ context.Context, name string, args ...string) ([]byte, []byte, error) {
		t.Errorf("ran %s %v under --root", name, args)
		return nil, nil, errors.New("not run")
	}
	tests := []struct {
		name     string
		root     string
		wantErr  error
		wantTest snapshot.Status
		check    func(t *testing.T, s *snapshot.SSHDSection)
	}{
		{
			name: "hardened drop-in wins over cloud-init", root: "../testdata/sshd/hardened", wantTest: snapshot.StatusSkipped,
			check: func(t *testing.T, s *snapshot.SSHDSection) {
				if s.Effective["passwordauthentication"] != "no" || s.Origins["passwordauthentication"].File != "/etc/ssh/sshd_config.d/00-hardening.conf" {
					t.Errorf("passwordauthentication %q from %+v", s.Effective["passwordauthentication"], s.Origins["passwordauthentication"])
				}
				if len(s.Files) != 3 || len(s.Conditional) != 1 {
					t.Errorf("files %+v, conditional %+v", s.Files, s.Conditional)
				}
			},
		},
		{
			name: "defaults fill what no file sets", root: "../testdata/sshd/debian12", wantTest: snapshot.StatusSkipped,
			check: func(t *testing.T, s *snapshot.SSHDSection) {
				if s.Effective["passwordauthentication"] != "yes" || !slices.Contains(s.Defaulted, "passwordauthentication") {
					t.Errorf("passwordauthentication %q, defaulted %v", s.Effective["passwordauthentication"], s.Defaulted)
				}
				if slices.Contains(s.Defaulted, "kbdinteractiveauthentication") {
					t.Error("kbdinteractiveauthentication is set by sshd_config, not defaulted")
				}
			},
		},
		{
			// No sshd at all is a fact, not a failure: the section says
			// installed false with no files, and the SSH checks judge it.
			name: "absent", root: t.TempDir(), wantTest: snapshot.StatusUnavailable,
			check: func(t *testing.T, s *snapshot.SSHDSection) {
				if s.Installed || len(s.Files) != 0 || len(s.Effective) != 0 {
					t.Errorf("installed %v, files %v, effective %v", s.Installed, s.Files, s.Effective)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := &Env{Root: tc.root, IsRoot: true, Run: never}
			sec, err := (&SSHD{}).Collect(context.Background(), env)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			s := sec.(*snapshot.SSHDSection)
			if s.Source != snapshot.SSHDFromFiles || s.Test.Status != tc.wantTest {
				t.Errorf("source %q, test %q (%s); want files, %s", s.Source, s.Test.Status, s.Test.Error, tc.wantTest)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

// TestSSHDCollectNonRoot derives the settings from the files without
// trying sshd -T, which cannot load the host keys.
func TestSSHDCollectNonRoot(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(conf, []byte("PermitRootLogin no\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sec, err := (&SSHD{Binary: conf, Config: conf}).Collect(context.Background(), &Env{Run: cannedRunner("", readTestdata(t, "sshd/sshd-T-nonroot.stderr.txt"), errors.New("exit status 1"))})
	if err != nil {
		t.Fatal(err)
	}
	s := sec.(*snapshot.SSHDSection)
	if s.Source != snapshot.SSHDFromFiles || s.Test.Status != snapshot.StatusPermission || !strings.Contains(s.Test.Error, "root") {
		t.Errorf("source %q, test %+v", s.Source, s.Test)
	}
	if s.Effective["permitrootlogin"] != "no" || s.Effective["passwordauthentication"] != "yes" {
		t.Errorf("effective %v", s.Effective)
	}
}

// TestSSHDCollectRunsSSHDT covers the root path on the real root with a
// fake sshd: its output is used, and a failure falls back to the files.
func TestSSHDCollectRunsSSHDT(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(conf, []byte("PasswordAuthentication no\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sshd")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	ok := func(_ context.Context, name string, args ...string) ([]byte, []byte, error) {
		calls = append(calls, append([]string{name}, args...))
		return []byte(readTestdata(t, "sshd/cloudinit.sshd-T.txt")), nil, nil
	}
	sec, err := (&SSHD{Binary: bin, Config: conf}).Collect(context.Background(), &Env{IsRoot: true, Run: ok})
	if err != nil {
		t.Fatal(err)
	}
	s := sec.(*snapshot.SSHDSection)
	if s.Source != snapshot.SSHDFromTest || s.Effective["passwordauthentication"] != "yes" {
		t.Errorf("source %q, passwordauthentication %q: want sshd -T's yes", s.Source, s.Effective["passwordauthentication"])
	}
	if want := []string{bin, "-T", "-f", conf}; len(calls) != 1 || !slices.Equal(calls[0], want) {
		t.Errorf("ran %v, want once %v", calls, want)
	}
	if s.Origins["passwordauthentication"].File != conf {
		t.Errorf("origins %+v: the files are read for origins even with sshd -T", s.Origins)
	}
	if !slices.Contains(s.Defaulted, "permitrootlogin") || slices.Contains(s.Defaulted, "passwordauthentication") {
		t.Errorf("defaulted %v: with sshd -T too, the checked keywords no file sets", s.Defaulted)
	}

	fail := cannedRunner("", readTestdata(t, "sshd/sshd-T-no-privsep-dir.stderr.txt"), errors.New("exit status 255"))
	sec, err = (&SSHD{Binary: bin, Config: conf}).Collect(context.Background(), &Env{IsRoot: true, Run: fail})
	if err != nil {
		t.Fatal(err)
	}
	s = sec.(*snapshot.SSHDSection)
	if s.Source != snapshot.SSHDFromFiles || s.Test.Status != snapshot.StatusError || !strings.Contains(s.Test.Error, "Missing privilege separation directory") {
		t.Errorf("source %q, test %+v: want the files and sshd's message", s.Source, s.Test)
	}
	if s.Effective["passwordauthentication"] != "no" {
		t.Errorf("passwordauthentication %q from the file, want no", s.Effective["passwordauthentication"])
	}
}

// TestSSHDRealSSHDT runs the real sshd -T on configurations with
// PasswordAuthentication no, then yes, through the collector.
func TestSSHDRealSSHDT(t *testing.T) {
	testbed.Require(t, "sshd", "ssh-keygen")
	testbed.EnsureSSHDPrivsepDir(t)
	keys := testbed.SSHHostKeys(t, t.TempDir())
	for _, pw := range []string{"no", "yes"} {
		t.Run("PasswordAuthentication "+pw, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "sshd_config")
			body := "HostKey " + filepath.Join(keys, "ssh_host_ed25519_key") + "\n" + testbed.SSHDConfig(pw)
			if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			sec, err := (&SSHD{Config: conf}).Collect(context.Background(), &Env{IsRoot: true})
			if err != nil {
				t.Fatal(err)
			}
			s := sec.(*snapshot.SSHDSection)
			if s.Source != snapshot.SSHDFromTest {
				t.Fatalf("source %q: %s", s.Source, s.Test.Error)
			}
			if s.Effective["passwordauthentication"] != pw || s.Effective["kbdinteractiveauthentication"] != "no" {
				t.Errorf("passwordauthentication %q kbdinteractiveauthentication %q", s.Effective["passwordauthentication"], s.Effective["kbdinteractiveauthentication"])
			}
			if o := s.Origins["passwordauthentication"]; o.File != conf || o.Value != pw {
				t.Errorf("origin %+v", o)
			}
		})
	}
}

// TestSSHDCollectDegradesPerSetting: an Include that cannot be read (a
// FIFO) is no collector error; the section lists it, and only the
// settings it could have set first are missing from Effective, so only
// their checks are unknown.
func TestSSHDCollectDegradesPerSetting(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/ssh/sshd_config.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/ssh/sshd_config"), []byte("PasswordAuthentication no\nInclude sshd_config.d/*.conf\nPermitRootLogin no\nMatch User ops\n\tInclude /etc/ssh/ops.conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "etc/ssh/sshd_config.d/10-fifo.conf"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "etc/ssh/ops.conf"), 0o644); err != nil {
		t.Fatal(err)
	}
	sec, err := (&SSHD{}).Collect(context.Background(), &Env{Root: root})
	if err != nil {
		t.Fatalf("err %v: an Include not read must not fail the collector", err)
	}
	s := sec.(*snapshot.SSHDSection)
	if s.Effective["passwordauthentication"] != "no" {
		t.Errorf("passwordauthentication %q, want no (set before the FIFO)", s.Effective["passwordauthentication"])
	}
	if v, ok := s.Effective["permitrootlogin"]; ok {
		t.Errorf("permitrootlogin %q, want unknown (the FIFO could set it first)", v)
	}
	if slices.Contains(s.Defaulted, "kbdinteractiveauthentication") {
		t.Error("kbdinteractiveauthentication listed as defaulted, but the FIFO could set it")
	}
	if len(s.Unparsed) != 2 || s.Unparsed[0].Match != "" || s.Unparsed[1].Match != "User ops" || !slices.Equal(s.Unparsed[1].Affects, []string{"*"}) {
		t.Errorf("unparsed %+v", s.Unparsed)
	}
	if st := s.Files[len(s.Files)-1]; st.Status != snapshot.StatusError || !strings.Contains(st.Error, "not a regular file") {
		t.Errorf("files %+v", s.Files)
	}
}

// TestSSHDUnreadableLinesVerdicts: a Match or Include line sshd cannot
// lex makes the SSH checks unknown, naming the line, through the whole
// pipeline (files, collector, snapshot, policy); never pass.
func TestSSHDUnreadableLinesVerdicts(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		rules []string
		line  string
	}{
		{
			name:  "Match with an unbalanced quote",
			files: map[string]string{"etc/ssh/sshd_config": "Port 22\nMatch User \"bob\nPasswordAuthentication no\nPermitRootLogin no\nKbdInteractiveAuthentication no\n"},
			rules: []string{"MLS-SSH-001", "MLS-SSH-002", "MLS-SSH-003"},
			line:  "/etc/ssh/sshd_config:2",
		},
		{
			name:  "Match with no argument",
			files: map[string]string{"etc/ssh/sshd_config": "Port 22\nMatch\nPasswordAuthentication no\nPermitRootLogin no\nKbdInteractiveAuthentication no\n"},
			rules: []string{"MLS-SSH-001", "MLS-SSH-002", "MLS-SSH-003"},
			line:  "/etc/ssh/sshd_config:2",
		},
		{
			name: "Include with an unbalanced quote",
			files: map[string]string{
				"etc/ssh/sshd_config":             "Include \"/etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n",
				"etc/ssh/sshd_config.d/10-a.conf": "PermitRootLogin yes\n",
			},
			rules: []string{"MLS-SSH-003"},
			line:  "/etc/ssh/sshd_config:1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for p, body := range tt.files {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			sec, err := (&SSHD{}).Collect(context.Background(), &Env{Root: root})
			if err != nil {
				t.Fatal(err)
			}
			snap := testSnapshot("sshd")
			snap.SSHD = sec.(*snapshot.SSHDSection)
			doc := snapshotDoc(t, snap)
			found := map[string]bool{}
			for _, r := range evalSnapshot(t, doc).Results {
				if !slices.Contains(tt.rules, r.RuleID) || strings.HasPrefix(r.Subject, "sshd Match") {
					continue
				}
				if r.Status == scanner.StatusPass {
					t.Errorf("%s %s: pass %q", r.RuleID, r.Subject, r.Message)
				}
				if r.Status == scanner.StatusUnknown && strings.Contains(r.Message, tt.line) {
					found[r.RuleID] = true
				}
			}
			for _, id := range tt.rules {
				if !found[id] {
					t.Errorf("%s: no unknown result naming %s", id, tt.line)
				}
			}
		})
	}
}
