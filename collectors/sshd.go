package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Where sshd lives on the scanned host (Env.Path maps them under Env.Root).
const (
	sshdBinary     = "/usr/sbin/sshd"
	sshdConfigFile = "/etc/ssh/sshd_config"
	sshdConfigDir  = "/etc/ssh"
)

// Values of SSHDSection.Source.
const (
	SSHDFromTest  = "sshd -T" // sshd printed its effective settings
	SSHDFromFiles = "files"   // mlscan derived them from sshd_config and its Includes
)

// SSHDSection is sshd's effective configuration: what `sshd -T` prints
// (root), or what mlscan derives from sshd_config and its Included
// drop-ins read in sshd's order, first value winning (without root, or when
// `sshd -T` fails).
type SSHDSection struct {
	// Installed is true when the sshd binary exists.
	Installed bool `json:"installed"`
	// Source says where Effective comes from: "sshd -T" or "files".
	Source string `json:"source" jsonschema:"enum=sshd -T,enum=files"`
	// From is the command run or the main configuration file read.
	From string `json:"from"`
	// Test is the outcome of `sshd -T`; when it is not ok, Effective was
	// derived from the files and Test.Error says why.
	Test Source `json:"test"`
	// Effective maps each lower-case keyword to its value as sshd -T prints
	// it; keywords given several times (listenaddress, hostkey, acceptenv,
	// ...) hold their values joined with ", ".
	Effective map[string]string `json:"effective"`
	// Defaulted lists the checked keywords no file sets: their value is
	// OpenSSH's compiled-in default (filled by mlscan when Source is
	// "files"). Empty when the files could not all be read.
	Defaulted []string `json:"defaulted"`
	// Origins says which file and line set each keyword (its first value),
	// from reading the files; empty when they could not be read.
	Origins map[string]SSHDOrigin `json:"origins"`
	// Files are the configuration files read, in sshd's order.
	Files []Source `json:"files"`
	// Conditional are settings inside Match blocks: they apply only to the
	// connections the block matches, and neither `sshd -T` nor Effective
	// shows them.
	Conditional []SSHDConditional `json:"conditional"`
}

// SSHDOrigin is where a keyword got its effective value.
type SSHDOrigin struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Value string `json:"value"`
}

// SSHDConditional is one setting inside a Match block.
type SSHDConditional struct {
	// Match is the block's criteria as written ("Address 10.0.0.0/24").
	Match   string `json:"match"`
	Keyword string `json:"keyword"`
	Value   string `json:"value"`
	File    string `json:"file"`
	Line    int    `json:"line"`
}

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
	sec := &SSHDSection{
		Effective:   map[string]string{},
		Defaulted:   []string{},
		Origins:     map[string]SSHDOrigin{},
		Files:       []Source{},
		Conditional: []SSHDConditional{},
	}
	_, binErr := os.Stat(env.Path(bin))
	sec.Installed = binErr == nil
	_, confErr := os.Stat(env.Path(conf))
	if !sec.Installed && errors.Is(confErr, fs.ErrNotExist) {
		sec.Source, sec.From = SSHDFromFiles, conf
		sec.Test = Source{Status: StatusUnavailable, Error: fmt.Sprintf("sshd is not installed (no %s, no %s)", bin, conf), From: bin + " -T"}
		return sec, nil
	}

	parsed, perr := readSSHDConfig(env, conf)
	sec.Files = parsed.files
	sec.Origins = parsed.origins
	if parsed.conditional != nil {
		sec.Conditional = parsed.conditional
	}

	derived, defaulted := parsed.effective()
	if perr == nil {
		sec.Defaulted = defaulted
	}
	var eff map[string]string
	sec.Test, eff = s.runTest(ctx, env, bin, conf)
	if sec.Test.Status == StatusOK {
		sec.Source, sec.From, sec.Effective = SSHDFromTest, sec.Test.From, eff
		return sec, nil
	}
	sec.Source, sec.From = SSHDFromFiles, conf
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
func (s *SSHD) runTest(ctx context.Context, env *Env, bin, conf string) (Source, map[string]string) {
	src := Source{From: bin + " -T -f " + conf}
	switch {
	case env.Root != "" && env.Root != "/":
		src.Status, src.Error = StatusSkipped, "not run: the files are read under --root "+env.Root
		return src, nil
	case !env.IsRoot:
		src.Status, src.Error = StatusPermission, "sshd -T needs root to load the host keys: settings derived from the files"
		return src, nil
	}
	out, errOut, err := env.Command(ctx, bin, "-T", "-f", conf)
	if err != nil {
		src.Status = StatusError
		msg := strings.TrimSpace(string(errOut))
		if msg == "" {
			msg = "no message"
		}
		src.Error = fmt.Sprintf("%v: %s", err, firstLines(msg, 3))
		return src, nil
	}
	eff := ParseSSHDTest(string(out))
	if len(eff) == 0 {
		src.Status, src.Error = StatusError, "sshd -T printed no settings"
		return src, nil
	}
	src.Status = StatusOK
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

// ParseSSHDTest parses the output of `sshd -T`: one "keyword value" a line,
// keywords lower case. Repeated keywords keep every value, joined with ", ".
func ParseSSHDTest(out string) map[string]string {
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

// sshdConfig is what reading sshd_config and its Includes found.
type sshdConfig struct {
	files       []Source
	origins     map[string]SSHDOrigin
	values      map[string][]string // first value, or every value of sshdMulti keys
	order       []string
	conditional []SSHDConditional
}

// effective returns the settings with OpenSSH's defaults for what no file
// sets, and the keywords so defaulted.
func (c *sshdConfig) effective() (map[string]string, []string) {
	eff := map[string]string{}
	for k, vs := range c.values {
		eff[k] = strings.Join(vs, ", ")
	}
	var def []string
	for k, v := range sshdDefaults {
		if _, ok := eff[k]; !ok {
			eff[k] = v
			def = append(def, k)
		}
	}
	sort.Strings(def)
	if def == nil {
		def = []string{}
	}
	return eff, def
}

// sshdMaxDepth is sshd's limit on nested Includes (SERVCONF_MAX_DEPTH).
const sshdMaxDepth = 16

// sshdMaxFileBytes caps one configuration file; sshdMaxFiles the files
// read through Includes.
const (
	sshdMaxFileBytes = 1 << 20
	sshdMaxFiles     = 256
)

// errSSHDOutsideRoot is an Include that leaves Env.Root ("../..").
var errSSHDOutsideRoot = errors.New("outside the --root tree")

// readSSHDFile reads a configuration file (a path on the scanned host)
// under env's root. Only regular files are read, so that an Include of a
// FIFO or device cannot block the scan.
func readSSHDFile(env *Env, path string) ([]byte, error) {
	full, ok := sshdUnderRoot(env, path)
	if !ok {
		return nil, errSSHDOutsideRoot
	}
	st, err := os.Stat(full)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return readCapped(full, sshdMaxFileBytes)
}

// sshdUnderRoot maps a host path under env's root and reports whether it
// stays inside it. The host path is cleaned first, as the host resolves
// it: "/etc/ssh/../../../x" is /x, which under a root is ROOT/x.
func sshdUnderRoot(env *Env, path string) (string, bool) {
	full := env.Path(filepath.Clean("/" + path))
	if env.Root == "" || env.Root == "/" {
		return full, true
	}
	root := filepath.Clean(env.Root)
	return full, full == root || strings.HasPrefix(full, root+string(filepath.Separator))
}

// readSSHDConfig reads path (a path on the scanned host) and its Includes
// under env's root. The error wraps ErrPermission when a file could not be
// read for lack of privilege.
func readSSHDConfig(env *Env, path string) (*sshdConfig, error) {
	c := &sshdConfig{origins: map[string]SSHDOrigin{}, values: map[string][]string{}, files: []Source{}}
	p := &sshdParser{env: env, cfg: c}
	err := p.file(path, "", 0, false)
	return c, err
}

type sshdParser struct {
	env *Env
	cfg *sshdConfig
}

// file parses one file. match is the Match criteria in force where the
// file is included ("" outside a Match block); a Match block inside the
// file ends with it, as in sshd. A missing optional file (an Include that
// matches nothing) is skipped, as sshd does.
func (p *sshdParser) file(path, match string, depth int, optional bool) error {
	if depth > sshdMaxDepth {
		return fmt.Errorf("%s: Include nested more than %d deep", path, sshdMaxDepth)
	}
	if len(p.cfg.files) >= sshdMaxFiles {
		return fmt.Errorf("%s: more than %d configuration files included", path, sshdMaxFiles)
	}
	b, err := readSSHDFile(p.env, path)
	src := Source{Status: StatusOK, From: path}
	if err != nil {
		src.Status, src.Error = StatusError, err.Error()
		switch {
		case errors.Is(err, fs.ErrPermission):
			src.Status = StatusPermission
			p.cfg.files = append(p.cfg.files, src)
			return fmt.Errorf("%w: read %s: %v", ErrPermission, path, err)
		case errors.Is(err, fs.ErrNotExist) && optional:
			return nil
		case errors.Is(err, fs.ErrNotExist):
			src.Status = StatusUnavailable
		}
		p.cfg.files = append(p.cfg.files, src)
		return fmt.Errorf("read %s: %w", path, err)
	}
	p.cfg.files = append(p.cfg.files, src)
	return p.parse(path, b, match, depth)
}

// parse applies the lines of one file's content.
func (p *sshdParser) parse(path string, b []byte, match string, depth int) error {
	var errs []error
	for i, line := range strings.Split(string(b), "\n") {
		kw, val, ok := ParseSSHDLine(line)
		if !ok {
			continue
		}
		switch kw {
		case "match":
			// A Match block runs to the next Match or the end of this file.
			match = val
			if strings.EqualFold(strings.TrimSpace(val), "all") {
				match = ""
			}
			continue
		case "include":
			for _, pat := range strings.Fields(val) {
				if err := p.include(pat, match, depth); err != nil {
					errs = append(errs, err)
				}
			}
			continue
		}
		if match != "" {
			p.cfg.conditional = append(p.cfg.conditional, SSHDConditional{Match: match, Keyword: kw, Value: val, File: path, Line: i + 1})
			continue
		}
		if _, seen := p.cfg.values[kw]; seen && !sshdMulti[kw] {
			continue // first value wins
		}
		if _, seen := p.cfg.origins[kw]; !seen {
			p.cfg.origins[kw] = SSHDOrigin{File: path, Line: i + 1, Value: val}
		}
		p.cfg.values[kw] = append(p.cfg.values[kw], val)
	}
	return errors.Join(errs...)
}

// include expands an Include pattern (relative to /etc/ssh) in lexical
// order, as glob(3) does, and parses each file.
func (p *sshdParser) include(pat, match string, depth int) error {
	if !strings.HasPrefix(pat, "/") {
		pat = sshdConfigDir + "/" + pat
	}
	pat = filepath.Clean(pat)
	if !strings.ContainsAny(pat, "*?[") {
		return p.file(pat, match, depth+1, true)
	}
	matches, err := globUnder(p.env, pat)
	if err != nil {
		return fmt.Errorf("Include %s: %w", pat, err)
	}
	var errs []error
	for _, m := range matches {
		if err := p.file(m, match, depth+1, true); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// globUnder expands pattern (a path on the scanned host) under env's root
// and returns host paths, sorted.
func globUnder(env *Env, pattern string) ([]string, error) {
	full, ok := sshdUnderRoot(env, pattern)
	if !ok {
		return nil, errSSHDOutsideRoot
	}
	ms, err := filepath.Glob(full)
	if err != nil {
		return nil, err
	}
	if len(ms) > sshdMaxFiles {
		ms = ms[:sshdMaxFiles]
	}
	prefix := strings.TrimSuffix(env.Path("/"), "/")
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if st, err := os.Stat(m); err == nil && st.IsDir() {
			continue
		}
		if prefix != "" {
			m = strings.TrimPrefix(m, prefix)
		}
		out = append(out, m)
	}
	return out, nil
}

// ParseSSHDLine splits one sshd_config line into its lower-case keyword
// (aliases resolved to the name sshd -T prints) and value. Comments, blank
// lines and lines without a keyword return ok=false. The keyword and value
// are separated by white space or '=' (sshd accepts "Keyword=value"); a
// value in double quotes loses them; a '#' after white space starts a
// comment, as in sshd's argv_split.
func ParseSSHDLine(line string) (keyword, value string, ok bool) {
	s := strings.TrimSpace(strings.TrimRight(line, "\r\f"))
	if s == "" || s[0] == '#' {
		return "", "", false
	}
	i := strings.IndexAny(s, " \t=")
	if i < 0 {
		i = len(s)
	}
	kw := strings.ToLower(s[:i])
	if !sshdKeyword(kw) {
		return "", "", false
	}
	rest := strings.TrimLeft(s[i:], " \t")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	rest = stripSSHDComment(rest)
	if len(rest) >= 2 && rest[0] == '"' && rest[len(rest)-1] == '"' && !strings.Contains(rest[1:len(rest)-1], `"`) {
		rest = rest[1 : len(rest)-1]
	}
	if a, ok := sshdAliases[kw]; ok {
		kw = a
	}
	return kw, rest, true
}

// stripSSHDComment cuts a trailing comment: '#' at the start of a word,
// outside double quotes.
func stripSSHDComment(s string) string {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case '#':
			if !quoted && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
				return strings.TrimRight(s[:i], " \t")
			}
		}
	}
	return s
}
