package collectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sshdSeeds are the captured sshd -T outputs and configuration files.
func sshdSeeds(f *testing.F) {
	f.Helper()
	err := filepath.WalkDir("../testdata/sshd", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(string(b))
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Match User x\n\tInclude /nonexistent/*.conf\nMatch all\nPasswordAuthentication=\"no\" # c\n")
	f.Add("Include a b c\nPort 22\nPort 2222\n\x00\xff\r\n")
}

// FuzzSSHDParsers feeds sshd -T outputs and sshd_config files to both
// parsers: they must not panic, and what they return must be well formed.
func FuzzSSHDParsers(f *testing.F) {
	sshdSeeds(f)
	empty := f.TempDir() // Includes resolve under an empty root
	f.Fuzz(func(t *testing.T, in string) {
		for k, v := range parseSSHDTest(in) {
			if !sshdKeyword(k) || strings.Contains(v, "\n") {
				t.Fatalf("sshd -T: key %q value %q", k, v)
			}
		}
		cfg := newSSHDConfig()
		p := &sshdParser{env: &Env{Root: empty}, cfg: cfg}
		p.parse("/etc/ssh/sshd_config", []byte(in), nil, 0)
		eff, def := cfg.effective()
		for k := range sshdDefaults {
			if _, ok := eff[k]; !ok && cfg.known(k) {
				t.Fatalf("effective lacks %s, which no line not understood could set", k)
			}
		}
		for _, u := range cfg.unparsed {
			if u.Line < 1 || u.Reason == "" || len(u.Text) > 203 || strings.ContainsAny(u.Text, "\n") {
				t.Fatalf("unparsed %+v", u)
			}
		}
		if len(cfg.unparsed) > sshdMaxUnparsed {
			t.Fatalf("%d lines not understood kept", len(cfg.unparsed))
		}
		for _, k := range def {
			if _, set := cfg.values[k]; set {
				t.Fatalf("%s is both set and defaulted", k)
			}
		}
		for k, o := range cfg.origins {
			if !sshdKeyword(k) || o.Line < 1 || strings.ContainsAny(o.Value, "\n") || k == "match" || k == "include" {
				t.Fatalf("origin %q: %+v", k, o)
			}
			if cfg.values[k][0] != o.Value {
				t.Fatalf("%s: first value %q, origin %q", k, cfg.values[k][0], o.Value)
			}
		}
		for _, c := range cfg.conditional {
			if c.Match == "" || !sshdKeyword(c.Keyword) {
				t.Fatalf("conditional %+v", c)
			}
		}
		for _, line := range strings.Split(in, "\n") {
			if kw, val, ok := parseSSHDLine(line); ok && (!sshdKeyword(kw) || strings.ContainsAny(val, "\n")) {
				t.Fatalf("line %q: %q %q", line, kw, val)
			}
		}
	})
}
