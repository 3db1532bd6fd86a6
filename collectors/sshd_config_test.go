package collectors

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

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

// TestSSHDOversizeIncludeNotTruncated: an Include larger than the cap is
// not read in part (a setting past the cap would be lost): it is kept as
// not understood and makes unknown what it could set first.
func TestSSHDOversizeIncludeNotTruncated(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/ssh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/ssh/sshd_config"), []byte("PasswordAuthentication no\nInclude big.conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("# padding\n", sshdMaxFileBytes/10+1) + "PermitRootLogin yes\n"
	if err := os.WriteFile(filepath.Join(root, "etc/ssh/big.conf"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
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
	if err := os.MkdirAll(filepath.Join(root, "etc/ssh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/ssh/sshd_config"), []byte("Include ../../../../../../x.conf\nInclude fifo.conf\nPermitRootLogin no\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "x.conf"), []byte("PasswordAuthentication no\n"), 0o644); err != nil {
		t.Fatal(err)
	}
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
