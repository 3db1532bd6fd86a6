package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// Where sshd lives on the scanned host (Env.Path maps them under Env.Root).
const (
	sshdBinary     = "/usr/sbin/sshd"
	sshdConfigFile = "/etc/ssh/sshd_config"
	sshdConfigDir  = "/etc/ssh"
)

// SSHD reads sshd's effective settings: `sshd -T -f CONFIG` when mlscan
// runs as root on the real root (it loads host keys), else, or when that
// fails, by parsing CONFIG and its Includes. The files are parsed in both
// cases, to say which file and line set each value.
type SSHD struct {
	// Binary is the sshd program (default /usr/sbin/sshd).
	Binary string
	// Config is the main configuration file (default /etc/ssh/sshd_config).
	Config string
}

var _ Collector = (*SSHD)(nil)

// Name implements Collector.
func (*SSHD) Name() string { return "sshd" }

// Collect implements Collector. Neither binary nor configuration is not an
// error: the section says Installed=false with no files (sshd is not
// installed, and the SSH checks are not applicable unless something
// listens on 22/tcp); a configuration file that cannot
// be read for lack of privilege, when sshd -T could not stand in, is
// ErrPermission.
func (s *SSHD) Collect(ctx context.Context, env *Env) (Section, error) {
	bin, conf := s.Binary, s.Config
	if bin == "" {
		bin = sshdBinary
	}
	if conf == "" {
		conf = sshdConfigFile
	}
	sec := &snapshot.SSHDSection{
		Effective:   map[string]string{},
		Defaulted:   []string{},
		Origins:     map[string]snapshot.SSHDOrigin{},
		Files:       []snapshot.Source{},
		Conditional: []snapshot.SSHDConditional{},
	}
	_, binErr := os.Stat(env.Path(bin))
	sec.Installed = binErr == nil
	_, confErr := os.Stat(env.Path(conf))
	if !sec.Installed && errors.Is(confErr, fs.ErrNotExist) {
		sec.Source, sec.From = snapshot.SSHDFromFiles, conf
		sec.Test = snapshot.Source{Status: snapshot.StatusUnavailable, Error: fmt.Sprintf("sshd is not installed (no %s, no %s)", bin, conf), From: bin + " -T"}
		return sec, nil
	}

	parsed, perr := readSSHDConfig(env, conf)
	sec.Files = parsed.files
	sec.Origins = parsed.origins
	if parsed.conditional != nil {
		sec.Conditional = parsed.conditional
	}
	sec.Unparsed = parsed.unparsed

	derived, defaulted := parsed.effective()
	if perr == nil {
		sec.Defaulted = defaulted
	}
	var eff map[string]string
	sec.Test, eff = s.runTest(ctx, env, bin, conf)
	if sec.Test.Status == snapshot.StatusOK {
		sec.Source, sec.From, sec.Effective = snapshot.SSHDFromTest, sec.Test.From, eff
		return sec, nil
	}
	sec.Source, sec.From = snapshot.SSHDFromFiles, conf
	if perr != nil {
		return sec, perr
	}
	sec.Effective = derived
	return sec, nil
}

// runTest runs `sshd -T -f conf` and returns its outcome and the settings
// it printed. It runs only as root on the real root: under another root it
// would read this machine's files, and without root sshd cannot load the
// host keys.
func (s *SSHD) runTest(ctx context.Context, env *Env, bin, conf string) (snapshot.Source, map[string]string) {
	src := snapshot.Source{From: bin + " -T -f " + conf}
	switch {
	case env.Root != "" && env.Root != "/":
		src.Status, src.Error = snapshot.StatusSkipped, "not run: the files are read under --root "+env.Root
		return src, nil
	case !env.IsRoot:
		src.Status, src.Error = snapshot.StatusPermission, "sshd -T needs root to load the host keys: settings derived from the files"
		return src, nil
	}
	out, errOut, err := env.Command(ctx, bin, "-T", "-f", conf)
	if err != nil {
		src.Status = snapshot.StatusError
		msg := strings.TrimSpace(string(errOut))
		if msg == "" {
			msg = "no message"
		}
		src.Error = fmt.Sprintf("%v: %s", err, firstLines(msg, 3))
		return src, nil
	}
	eff := parseSSHDTest(string(out))
	if len(eff) == 0 {
		src.Status, src.Error = snapshot.StatusError, "sshd -T printed no settings"
		return src, nil
	}
	src.Status = snapshot.StatusOK
	return src, eff
}

// sshdMulti are keywords sshd accumulates rather than taking the first
// value of (servconf.c): each line adds to the list.
var sshdMulti = map[string]bool{
	"port": true, "listenaddress": true, "hostkey": true, "hostcertificate": true,
	"acceptenv": true, "setenv": true, "subsystem": true, "allowusers": true, "denyusers": true,
	"allowgroups": true, "denygroups": true, "include": true,
}

// sshdAliases maps old keyword spellings to the name sshd -T prints.
var sshdAliases = map[string]string{
	"challengeresponseauthentication": "kbdinteractiveauthentication",
	"dsaauthentication":               "pubkeyauthentication",
	"pubkeyacceptedkeytypes":          "pubkeyacceptedalgorithms",
	"hostbasedacceptedkeytypes":       "hostbasedacceptedalgorithms",
	"skeyauthentication":              "kbdinteractiveauthentication",
}

// sshdDefaults are OpenSSH 9.x's compiled-in defaults (servconf.c,
// fill_default_server_options) for the settings the checks read; they fill
// what no file sets when the settings are derived from the files.
var sshdDefaults = map[string]string{
	"passwordauthentication":       "yes",
	"kbdinteractiveauthentication": "yes",
	"permitrootlogin":              "without-password",
	"pubkeyauthentication":         "yes",
	"permitemptypasswords":         "no",
	"maxauthtries":                 "6",
	"x11forwarding":                "no",
	"usepam":                       "no",
	"port":                         "22",
	"authenticationmethods":        "any",
	"hostbasedauthentication":      "no",
}

// parseSSHDTest parses the output of `sshd -T`: one "keyword value" a line,
// keywords lower case. Repeated keywords keep every value, joined with ", ".
func parseSSHDTest(out string) map[string]string {
	eff := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		k = strings.ToLower(k)
		if !sshdKeyword(k) {
			continue
		}
		v = strings.TrimSpace(v)
		if prev, ok := eff[k]; ok {
			eff[k] = prev + ", " + v
		} else {
			eff[k] = v
		}
	}
	return eff
}

// sshdKeyword reports whether k can be an sshd keyword (letters and
// digits).
func sshdKeyword(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
