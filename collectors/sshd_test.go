package collectors

import (
	"context"
	"errors"
	"fmt"
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

// TestSSHDFilesAgreeWithSSHDT derives the settings from the captured
// configuration files, as a scan without root does, and compares them
// with what the real sshd printed for the same files.
func TestSSHDFilesAgreeWithSSHDT(t *testing.T) {
	for _, name := range sshdCaptures {
		t.Run(name, func(t *testing.T) {
			want := parseSSHDTest(readTestdata(t, "sshd/"+name+".sshd-T.txt"))
			env := &Env{Root: filepath.Join("../testdata/sshd", name)}
			cfg, err := readSSHDConfig(env, sshdConfigFile)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := cfg.effective()
			for _, k := range sshdCheckedKeys {
				if got[k] != want[k] {
					t.Errorf("%s: files give %q, sshd -T %q", k, got[k], want[k])
				}
			}
		})
	}
}

func TestSSHDOriginsAndMatch(t *testing.T) {
	env := &Env{Root: "../testdata/sshd/cloudinit"}
	cfg, err := readSSHDConfig(env, sshdConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.origins["passwordauthentication"]
	if o.File != "/etc/ssh/sshd_config.d/50-cloud-init.conf" || o.Line != 1 || o.Value != "yes" {
		t.Errorf("passwordauthentication origin %+v, want the cloud-init drop-in, line 1", o)
	}
	if got := []string{cfg.files[0].From, cfg.files[1].From}; !slices.Equal(got, []string{"/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/50-cloud-init.conf"}) {
		t.Errorf("files %v", got)
	}

	env = &Env{Root: "../testdata/sshd/hardened"}
	cfg, err = readSSHDConfig(env, sshdConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.conditional) != 1 {
		t.Fatalf("conditional %+v, want the one X11Forwarding under Match", cfg.conditional)
	}
	c := cfg.conditional[0]
	if c.Match != "Address 10.0.0.0/24" || c.Keyword != "x11forwarding" || c.Value != "yes" || c.File != "/etc/ssh/sshd_config" {
		t.Errorf("conditional %+v", c)
	}
	if _, dup := cfg.values["x11forwarding"]; !dup || cfg.values["x11forwarding"][0] != "no" {
		t.Errorf("x11forwarding %v: the Match block must not change the global value", cfg.values["x11forwarding"])
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
	os.WriteFile(conf, []byte("PermitRootLogin no\n"), 0o644)
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
	os.WriteFile(conf, []byte("PasswordAuthentication no\n"), 0o644)
	bin := filepath.Join(dir, "sshd")
	os.WriteFile(bin, nil, 0o755)
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

// TestSSHDOversizeIncludeNotTruncated: an Include larger than the cap is
// not read in part (a setting past the cap would be lost): it is kept as
// not understood and makes unknown what it could set first.
func TestSSHDOversizeIncludeNotTruncated(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/ssh"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/ssh/sshd_config"), []byte("PasswordAuthentication no\nInclude big.conf\n"), 0o644)
	big := strings.Repeat("# padding\n", sshdMaxFileBytes/10+1) + "PermitRootLogin yes\n"
	os.WriteFile(filepath.Join(root, "etc/ssh/big.conf"), []byte(big), 0o644)
	cfg, err := readSSHDConfig(&Env{Root: root}, sshdConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.unparsed) != 1 || !strings.Contains(cfg.unparsed[0].Reason, "larger than 1 MiB") {
		t.Fatalf("unparsed %+v, want big.conf refused for its size", cfg.unparsed)
	}
	eff, _ := cfg.effective()
	if _, ok := eff["permitrootlogin"]; ok || eff["passwordauthentication"] != "no" {
		t.Errorf("effective permitrootlogin %q passwordauthentication %q: want unknown, no", eff["permitrootlogin"], eff["passwordauthentication"])
	}
}

// TestSSHDIncludeStaysUnderRoot: an Include climbing out with ".." resolves
// as on the host (/etc/ssh/../../../x is /x), under --root; FIFOs and
// devices are never read.
func TestSSHDIncludeStaysUnderRoot(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/ssh"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/ssh/sshd_config"), []byte("Include ../../../../../../x.conf\nInclude fifo.conf\nPermitRootLogin no\n"), 0o644)
	os.WriteFile(filepath.Join(root, "x.conf"), []byte("PasswordAuthentication no\n"), 0o644)
	if err := syscall.Mkfifo(filepath.Join(root, "etc/ssh/fifo.conf"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := readSSHDConfig(&Env{Root: root}, sshdConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.unparsed) != 1 || !strings.Contains(cfg.unparsed[0].Reason, "/etc/ssh/fifo.conf is not a regular file") || cfg.unparsed[0].Line != 2 {
		t.Errorf("unparsed %+v, want the FIFO refused", cfg.unparsed)
	}
	if o := cfg.origins["passwordauthentication"]; o.File != "/x.conf" {
		t.Errorf("origin %+v, want /x.conf under the root", o)
	}
	if cfg.values["permitrootlogin"][0] != "no" {
		t.Errorf("values %v", cfg.values)
	}
	// The FIFO could have set PermitRootLogin before line 3 did, not
	// PasswordAuthentication, which /x.conf set first.
	eff, _ := cfg.effective()
	if _, ok := eff["permitrootlogin"]; ok || eff["passwordauthentication"] != "no" {
		t.Errorf("effective permitrootlogin %q passwordauthentication %q: want unknown, no", eff["permitrootlogin"], eff["passwordauthentication"])
	}
}

// TestSSHDSemantics covers OpenSSH's reading of Match and Include and the
// lines mlscan does not understand, on small trees under a root.
func TestSSHDSemantics(t *testing.T) {
	type cond struct{ match, kw, val string }
	tests := []struct {
		name  string
		files map[string]string // host path -> content; /etc/ssh/sshd_config is read
		want  map[string]string // effective; "" means unknown (absent)
		conds []cond
		// unparsed are the lines not understood, as "file:line affects".
		unparsed []string
	}{
		{
			name: "Match all in an Included file ends its own block, not the including one",
			files: map[string]string{
				"/etc/ssh/sshd_config": "Match User admin\n\tInclude admin.conf\nMatch all\nX11Forwarding no\n",
				"/etc/ssh/admin.conf":  "MaxAuthTries 2\nMatch Address 10.0.0.0/8\nPermitRootLogin yes\nMatch all\nPasswordAuthentication no\n",
			},
			want:  map[string]string{"passwordauthentication": "yes", "permitrootlogin": "without-password", "x11forwarding": "no", "maxauthtries": "6"},
			conds: []cond{{"User admin", "maxauthtries", "2"}, {"User admin Address 10.0.0.0/8", "permitrootlogin", "yes"}, {"User admin", "passwordauthentication", "no"}},
		},
		{
			name: "a top-level Include's Match block ends with the file",
			files: map[string]string{
				"/etc/ssh/sshd_config":              "Include sshd_config.d/*.conf\nPasswordAuthentication no\n",
				"/etc/ssh/sshd_config.d/10-a.conf":  "Match Group sftp\nX11Forwarding yes\n",
				"/etc/ssh/sshd_config.d/20-b.conf":  "PermitRootLogin no\n",
				"/etc/ssh/sshd_config.d/05-c.conf":  "PermitRootLogin yes\n",
				"/etc/ssh/sshd_config.d/x.conf.bak": "PermitRootLogin yes\n",
			},
			want:  map[string]string{"passwordauthentication": "no", "permitrootlogin": "yes", "x11forwarding": "no"},
			conds: []cond{{"Group sftp", "x11forwarding", "yes"}},
		},
		{
			name: "a bad value makes only its setting unknown, and only if it came first",
			files: map[string]string{
				"/etc/ssh/sshd_config": "PermitRootLogin maybe\nPermitRootLogin no\nPasswordAuthentication no\nPasswordAuthentication \"yes\nMaxAuthTries 3 4\n",
			},
			want:     map[string]string{"permitrootlogin": "", "passwordauthentication": "no", "maxauthtries": "", "pubkeyauthentication": "yes"},
			unparsed: []string{"/etc/ssh/sshd_config:1 permitrootlogin", "/etc/ssh/sshd_config:4 passwordauthentication", "/etc/ssh/sshd_config:5 maxauthtries"},
		},
		{
			name: "an unknown keyword or a bad Match line sets nothing",
			files: map[string]string{
				"/etc/ssh/sshd_config": "PasswordAuthenticaton no\nPass-word no\nMatch Nobody x\nPermitRootLogin yes\nMatch all extra\nKbdInteractiveAuthentication no\n",
			},
			want:     map[string]string{"passwordauthentication": "yes", "kbdinteractiveauthentication": "yes"},
			conds:    []cond{{"Nobody x", "permitrootlogin", "yes"}, {"all extra", "kbdinteractiveauthentication", "no"}},
			unparsed: []string{"/etc/ssh/sshd_config:1 ", "/etc/ssh/sshd_config:2 ", "/etc/ssh/sshd_config:3 ", "/etc/ssh/sshd_config:5 "},
		},
		{
			name: "an Include not read blinds what it could set first, globally",
			files: map[string]string{
				"/etc/ssh/sshd_config": "PasswordAuthentication no\nInclude /etc/ssh/dir.conf\nPermitRootLogin no\nPort 2222\n",
				"/etc/ssh/dir.conf/x":  "",
			},
			want:     map[string]string{"passwordauthentication": "no", "permitrootlogin": "", "port": "", "kbdinteractiveauthentication": ""},
			unparsed: []string{"/etc/ssh/sshd_config:2 *"},
		},
		{
			name: "an Include not read inside a Match block leaves the global settings known",
			files: map[string]string{
				"/etc/ssh/sshd_config": "Match User ops\nInclude /etc/ssh/dir.conf\nMatch all\nPermitRootLogin no\n",
				"/etc/ssh/dir.conf/x":  "",
			},
			want:     map[string]string{"permitrootlogin": "no", "passwordauthentication": "yes"},
			unparsed: []string{"/etc/ssh/sshd_config:2 *"},
		},
		{
			name: "an Include of itself stops at sshd's depth",
			files: map[string]string{
				"/etc/ssh/sshd_config": "PermitRootLogin no\nInclude sshd_config sshd_config\nPasswordAuthentication no\n",
			},
			want:     map[string]string{"permitrootlogin": "no", "passwordauthentication": ""},
			unparsed: []string{"/etc/ssh/sshd_config:2 *"},
		},
		{
			name: "a Match line that fails to lex starts an unreadable block, never global",
			files: map[string]string{
				"/etc/ssh/sshd_config": "MaxAuthTries 3\nMatch User \"bob\nPasswordAuthentication no\nPermitRootLogin no\nKbdInteractiveAuthentication no\n",
			},
			want: map[string]string{"maxauthtries": "3", "passwordauthentication": "", "permitrootlogin": "", "kbdinteractiveauthentication": ""},
			conds: []cond{
				{`<unreadable: /etc/ssh/sshd_config:2 Match User "bob>`, "passwordauthentication", "no"},
				{`<unreadable: /etc/ssh/sshd_config:2 Match User "bob>`, "permitrootlogin", "no"},
				{`<unreadable: /etc/ssh/sshd_config:2 Match User "bob>`, "kbdinteractiveauthentication", "no"},
			},
			unparsed: []string{"/etc/ssh/sshd_config:2 *"},
		},
		{
			name: "a Match with no argument starts an unreadable block",
			files: map[string]string{
				"/etc/ssh/sshd_config": "PermitRootLogin no\nMatch\nPasswordAuthentication no\n",
			},
			want:     map[string]string{"permitrootlogin": "no", "passwordauthentication": ""},
			conds:    []cond{{"<unreadable: /etc/ssh/sshd_config:2 Match>", "passwordauthentication", "no"}},
			unparsed: []string{"/etc/ssh/sshd_config:2 *"},
		},
		{
			name: "an unreadable Match in a file Included under a Match stays in the enclosing block",
			files: map[string]string{
				"/etc/ssh/sshd_config": "Match User ops\n\tInclude ops.conf\nMatch all\nPermitRootLogin no\n",
				"/etc/ssh/ops.conf":    "Match Address '10.0.0.0/8\nPasswordAuthentication yes\n",
			},
			want:     map[string]string{"permitrootlogin": "no", "passwordauthentication": "yes"},
			conds:    []cond{{"User ops <unreadable: /etc/ssh/ops.conf:1 Match Address '10.0.0.0/8>", "passwordauthentication", "yes"}},
			unparsed: []string{"/etc/ssh/ops.conf:1 *"},
		},
		{
			name: "an Include that fails to lex could set anything first",
			files: map[string]string{
				"/etc/ssh/sshd_config":             "PasswordAuthentication no\nInclude \"/etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n",
				"/etc/ssh/sshd_config.d/10-a.conf": "PermitRootLogin yes\n",
			},
			want:     map[string]string{"passwordauthentication": "no", "permitrootlogin": ""},
			unparsed: []string{"/etc/ssh/sshd_config:2 *"},
		},
		{
			name: "an Include with no file and a missing Include",
			files: map[string]string{
				"/etc/ssh/sshd_config": "Include\nInclude none.conf /nowhere/*.conf\nChallengeResponseAuthentication\nPermitRootLogin no\n",
			},
			want:     map[string]string{"permitrootlogin": "no", "kbdinteractiveauthentication": ""},
			unparsed: []string{"/etc/ssh/sshd_config:1 ", "/etc/ssh/sshd_config:3 kbdinteractiveauthentication"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for p, body := range tc.files {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := readSSHDConfig(&Env{Root: root}, sshdConfigFile)
			if err != nil {
				t.Fatal(err)
			}
			eff, def := cfg.effective()
			for k, want := range tc.want {
				if got := eff[k]; got != want {
					t.Errorf("effective %s = %q, want %q", k, got, want)
				}
				if want == "" && slices.Contains(def, k) {
					t.Errorf("%s is unknown but listed as defaulted", k)
				}
			}
			var conds []cond
			for _, c := range cfg.conditional {
				conds = append(conds, cond{c.Match, c.Keyword, c.Value})
			}
			if !slices.Equal(conds, tc.conds) {
				t.Errorf("conditional %v, want %v", conds, tc.conds)
			}
			var unparsed []string
			seen := map[string]bool{}
			for _, u := range cfg.unparsed {
				s := fmt.Sprintf("%s:%d %s", u.File, u.Line, strings.Join(u.Affects, ","))
				if u.Reason == "" || u.Text == "" {
					t.Errorf("unparsed %+v: no reason or text", u)
				}
				if !seen[s] {
					unparsed = append(unparsed, s)
				}
				seen[s] = true
			}
			if !slices.Equal(unparsed, tc.unparsed) {
				t.Errorf("unparsed %q, want %q (%+v)", unparsed, tc.unparsed, cfg.unparsed)
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
	os.MkdirAll(filepath.Join(root, "etc/ssh/sshd_config.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/ssh/sshd_config"), []byte("PasswordAuthentication no\nInclude sshd_config.d/*.conf\nPermitRootLogin no\nMatch User ops\n\tInclude /etc/ssh/ops.conf\n"), 0o644)
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
