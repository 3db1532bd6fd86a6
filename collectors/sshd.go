package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
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
	eff := ParseSSHDTest(string(out))
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
	files       []snapshot.Source
	origins     map[string]snapshot.SSHDOrigin
	values      map[string][]string // first value, or every value of sshdMulti keys
	conditional []snapshot.SSHDConditional
	unparsed    []snapshot.SSHDUnparsed
	// unknown are the global keywords a line not understood could set
	// before any line mlscan read did, with the line's reason.
	unknown map[string]string
	// blind is the reason of the first global line not understood that
	// could set any keyword (an Include not read); setBefore are the
	// keywords already set then, which it could no longer change.
	blind     string
	setBefore map[string]bool
}

func newSSHDConfig() *sshdConfig {
	return &sshdConfig{origins: map[string]snapshot.SSHDOrigin{}, values: map[string][]string{}, files: []snapshot.Source{}, unknown: map[string]string{}}
}

// effective returns the settings with OpenSSH's defaults for what no file
// sets, and the keywords so defaulted. A keyword a line not understood
// could have set first is left out: its value is unknown.
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
	for k := range eff {
		if !c.known(k) {
			delete(eff, k)
		}
	}
	def = slices.DeleteFunc(def, func(k string) bool { return !c.known(k) })
	sort.Strings(def)
	if def == nil {
		def = []string{}
	}
	return eff, def
}

// known reports whether keyword k's global value is known despite the
// lines not understood.
func (c *sshdConfig) known(k string) bool {
	if _, bad := c.unknown[k]; bad {
		return false
	}
	return c.blind == "" || c.setBefore[k] && !sshdMulti[k]
}

// sshdMaxDepth is sshd's limit on nested Includes (SERVCONF_MAX_DEPTH).
const sshdMaxDepth = 16

// sshdMaxFileBytes caps one configuration file; sshdMaxFiles the files
// read through Includes; sshdMaxUnparsed the lines not understood kept.
const (
	sshdMaxFileBytes = 1 << 20
	sshdMaxFiles     = 256
	sshdMaxUnparsed  = 100
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
	b, err := readRegular(full, sshdMaxFileBytes)
	if errors.Is(err, errNotRegular) {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return b, err
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
// under env's root, as sshd does. The error is about the main file only
// (it wraps ErrPermission when that could not be read for lack of
// privilege): an Include that cannot be read, like any line not
// understood, is kept in unparsed and makes unknown only what it could set.
func readSSHDConfig(env *Env, path string) (*sshdConfig, error) {
	c := newSSHDConfig()
	p := &sshdParser{env: env, cfg: c}
	b, err := readSSHDFile(env, path)
	src := snapshot.Source{Status: snapshot.StatusOK, From: path}
	if err != nil {
		src.Status, src.Error = snapshot.StatusError, err.Error()
		switch {
		case errors.Is(err, fs.ErrPermission):
			src.Status = snapshot.StatusPermission
			err = fmt.Errorf("%w: read %s: %v", ErrPermission, path, err)
		case errors.Is(err, fs.ErrNotExist):
			src.Status = snapshot.StatusUnavailable
			err = fmt.Errorf("read %s: %w", path, err)
		default:
			err = fmt.Errorf("read %s: %w", path, err)
		}
		c.files = append(c.files, src)
		return c, err
	}
	c.files = append(c.files, src)
	p.parse(path, b, nil, 0)
	return c, nil
}

type sshdParser struct {
	env *Env
	cfg *sshdConfig
}

// sshdContext is the Match criteria in force: every Match line that
// encloses a line, outermost first (an Include inside a Match block
// applies the included file under that block). Empty is global.
type sshdContext []string

// match is the context as one Match line: sshd ANDs the criteria of a
// line, and the enclosing blocks must all match too.
func (m sshdContext) match() string { return strings.Join(m, " ") }

// parse applies the lines of one file's content in context outer: a Match
// line in the file replaces the file's own block, never the blocks that
// enclose its Include, and `Match all` returns to outer (servconf.c gives
// an included file the including line's Match state and restores it
// after).
func (p *sshdParser) parse(path string, b []byte, outer sshdContext, depth int) {
	cur := outer
	for i, line := range strings.Split(string(b), "\n") {
		n := i + 1
		kw, args, err := splitSSHDLine(line)
		switch {
		case err != nil && kw == "":
			p.unparsed(path, n, line, err.Error(), cur, nil)
			continue
		case err != nil && kw == "match":
			// sshd refuses the file. The criteria cannot be read (it may
			// have been "Match all"), so the lines that follow belong to
			// an unreadable block, never global, and every global
			// setting they could set first is unknown.
			p.unparsed(path, n, line, err.Error(), outer, []string{"*"})
			cur = append(slices.Clip(outer), fmt.Sprintf("<unreadable: %s:%d %s>", path, n, sshdLineText(line)))
			continue
		case err != nil && kw == "include" && !errors.As(err, new(sshdNoArgError)):
			// The pattern cannot be read: it could include anything.
			p.unparsed(path, n, line, err.Error(), cur, []string{"*"})
			continue
		case err != nil:
			p.unparsed(path, n, line, err.Error(), cur, sshdSettable(kw))
			continue
		case kw == "":
			continue
		}
		switch kw {
		case "match":
			crit, all, err := sshdMatchCriteria(args)
			if err != nil {
				// sshd refuses the file; the block's lines stay
				// conditional on the criteria as written.
				p.unparsed(path, n, line, err.Error(), cur, nil)
				crit = strings.Join(args, " ")
			}
			cur = outer
			if !all {
				cur = append(slices.Clip(outer), crit)
			}
			continue
		case "include":
			for _, pat := range args {
				p.include(path, n, line, pat, cur, depth)
			}
			continue
		}
		if !sshdKnownKeywords[kw] && !sshdVendorKeywords[kw] {
			p.unparsed(path, n, line, fmt.Sprintf("%q is not an sshd keyword (sshd refuses to load this file)", kw), cur, nil)
			continue
		}
		if a, ok := sshdAliases[kw]; ok {
			kw = a
		}
		if err := checkSSHDValue(kw, args); err != nil {
			p.unparsed(path, n, line, err.Error(), cur, []string{kw})
			continue
		}
		val := strings.Join(args, " ")
		if len(cur) > 0 {
			p.cfg.conditional = append(p.cfg.conditional, snapshot.SSHDConditional{Match: cur.match(), Keyword: kw, Value: val, File: path, Line: n})
			continue
		}
		if _, seen := p.cfg.values[kw]; seen && !sshdMulti[kw] {
			continue // first value wins
		}
		if _, seen := p.cfg.origins[kw]; !seen {
			p.cfg.origins[kw] = snapshot.SSHDOrigin{File: path, Line: n, Value: val}
		}
		p.cfg.values[kw] = append(p.cfg.values[kw], val)
	}
}

// sshdSettable is what a line with keyword kw could set: the setting kw
// names (aliases resolved), nothing for Match, Include or a word that is
// no sshd keyword.
func sshdSettable(kw string) []string {
	if !sshdKnownKeywords[kw] && !sshdVendorKeywords[kw] || kw == "match" || kw == "include" {
		return nil
	}
	if a, ok := sshdAliases[kw]; ok {
		kw = a
	}
	return []string{kw}
}

// unparsed keeps a line not understood (or an Include not read) with its
// reason, and makes unknown the global keywords it could set first: affects
// lists them, nil is none, "*" any.
func (p *sshdParser) unparsed(path string, line int, text, reason string, ctx sshdContext, affects []string) {
	c := p.cfg
	if len(ctx) == 0 {
		for _, k := range affects {
			switch _, set := c.values[k]; {
			case k == "*" && c.blind == "":
				c.blind = fmt.Sprintf("%s:%d: %s", path, line, reason)
				c.setBefore = map[string]bool{}
				for k := range c.values {
					c.setBefore[k] = true
				}
			case k != "*" && (!set || sshdMulti[k]):
				if _, dup := c.unknown[k]; !dup {
					c.unknown[k] = fmt.Sprintf("%s:%d: %s", path, line, reason)
				}
			}
		}
	}
	if len(c.unparsed) >= sshdMaxUnparsed {
		return
	}
	if affects == nil {
		affects = []string{}
	}
	c.unparsed = append(c.unparsed, snapshot.SSHDUnparsed{File: path, Line: line, Text: sshdLineText(text), Reason: reason, Match: ctx.match(), Affects: affects})
}

// sshdLineText is a line as it may appear in the snapshot: trimmed, words
// that look like secrets redacted, valid UTF-8, at most 200 bytes.
func sshdLineText(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(redactWords(s)), "\uFFFD")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "..."
	}
	return s
}

// include expands an Include pattern (relative to /etc/ssh) in lexical
// order, as glob(3) does, and parses each file in context ctx. A pattern
// that matches nothing is skipped, as sshd does; a file that cannot be
// read could have set anything in ctx.
func (p *sshdParser) include(from string, line int, text, pat string, ctx sshdContext, depth int) {
	if !strings.HasPrefix(pat, "/") && !strings.HasPrefix(pat, "~") {
		pat = sshdConfigDir + "/" + pat
	}
	if depth+1 > sshdMaxDepth {
		p.unparsed(from, line, text, fmt.Sprintf("Include nested more than %d deep (sshd refuses this)", sshdMaxDepth), ctx, []string{"*"})
		return
	}
	if strings.HasPrefix(pat, "~") {
		p.unparsed(from, line, text, "Include of a path relative to a home directory: not read", ctx, []string{"*"})
		return
	}
	pat = filepath.Clean(pat)
	matches := []string{pat}
	if strings.ContainsAny(pat, "*?[") {
		var err error
		if matches, err = globUnder(p.env, pat); err != nil {
			p.unparsed(from, line, text, fmt.Sprintf("Include %s: %v", pat, err), ctx, []string{"*"})
			return
		}
	}
	for _, m := range matches {
		if len(p.cfg.files) >= sshdMaxFiles {
			p.unparsed(from, line, text, fmt.Sprintf("Include %s: more than %d configuration files", m, sshdMaxFiles), ctx, []string{"*"})
			return
		}
		b, err := readSSHDFile(p.env, m)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		src := snapshot.Source{Status: snapshot.StatusOK, From: m}
		if err != nil {
			src.Status, src.Error = snapshot.StatusError, err.Error()
			if errors.Is(err, fs.ErrPermission) {
				src.Status = snapshot.StatusPermission
			}
			p.cfg.files = append(p.cfg.files, src)
			p.unparsed(from, line, text, fmt.Sprintf("Include %s: %v", m, err), ctx, []string{"*"})
			continue
		}
		p.cfg.files = append(p.cfg.files, src)
		p.parse(m, b, ctx, depth+1)
	}
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

// sshdMatchAttrs are the criteria of a Match line (servconf.c
// match_cfg_line); "all" stands alone.
var sshdMatchAttrs = map[string]bool{
	"user": true, "group": true, "host": true, "address": true, "localaddress": true,
	"localport": true, "rdomain": true, "version": true, "invalid-user": true,
}

// sshdMatchCriteria checks a Match line's arguments as sshd does and
// returns them as written, joined, and whether the line is `Match all`.
func sshdMatchCriteria(args []string) (string, bool, error) {
	for i := 0; i < len(args); i++ {
		a := strings.ToLower(args[i])
		if a == "all" {
			if len(args) > 1 {
				return "", false, errors.New(`"all" cannot be combined with other Match attributes (sshd refuses this file)`)
			}
			return "", true, nil
		}
		if a == "invalid-user" {
			continue
		}
		name, arg, eq := strings.Cut(a, "=")
		if !sshdMatchAttrs[name] {
			return "", false, fmt.Errorf("unknown Match criterion %q (sshd refuses this file)", args[i])
		}
		if !eq {
			if i+1 >= len(args) {
				return "", false, fmt.Errorf("missing Match criteria for %s (sshd refuses this file)", args[i])
			}
			i++
			arg = args[i]
		}
		if arg == "" {
			return "", false, fmt.Errorf("missing Match criteria for %s (sshd refuses this file)", name)
		}
	}
	return strings.Join(args, " "), false, nil
}

// sshdFlags are the checked keywords that take yes or no.
var sshdFlags = map[string]bool{
	"passwordauthentication": true, "kbdinteractiveauthentication": true, "pubkeyauthentication": true,
	"permitemptypasswords": true, "x11forwarding": true, "usepam": true, "hostbasedauthentication": true,
}

// checkSSHDValue checks the value of a keyword the SSH checks read as sshd
// does: a value sshd would refuse leaves the setting unknown.
func checkSSHDValue(kw string, args []string) error {
	one := func(ok func(string) bool, want string) error {
		switch {
		case len(args) > 1:
			return fmt.Errorf("%s takes one value, got %d (sshd refuses this file)", kw, len(args))
		case !ok(strings.ToLower(args[0])):
			return fmt.Errorf("%s %q: want %s (sshd refuses this file)", kw, args[0], want)
		}
		return nil
	}
	switch {
	case sshdFlags[kw]:
		return one(func(v string) bool { return v == "yes" || v == "no" }, "yes or no")
	case kw == "permitrootlogin":
		return one(func(v string) bool {
			return slices.Contains([]string{"yes", "no", "prohibit-password", "without-password", "forced-commands-only"}, v)
		}, "yes, prohibit-password, forced-commands-only or no")
	case kw == "port":
		return one(func(v string) bool {
			n, err := strconv.Atoi(v)
			return err == nil && n > 0 && n <= 65535
		}, "a port number")
	case kw == "maxauthtries":
		return one(func(v string) bool {
			n, err := strconv.Atoi(v)
			return err == nil && n >= 0
		}, "a number")
	}
	return nil
}

// ParseSSHDLine splits one sshd_config line into its lower-case keyword
// (aliases resolved to the name sshd -T prints) and value. Comments, blank
// lines and lines sshd would refuse return ok=false. The keyword and value
// are separated by white space or '=' (sshd accepts "Keyword=value"); the
// value's words are split as sshd's argv_split does (quotes and
// backslash escapes removed, '#' at the start of a word starts a comment)
// and joined with one space.
func ParseSSHDLine(line string) (keyword, value string, ok bool) {
	kw, args, err := splitSSHDLine(line)
	if err != nil || kw == "" {
		return "", "", false
	}
	if a, ok := sshdAliases[kw]; ok {
		kw = a
	}
	return kw, strings.Join(args, " "), true
}

// splitSSHDLine splits a line as servconf.c does: the keyword (lower
// case) ends at white space, a quote or one '='; the arguments are split
// by argv_split. A comment or blank line returns "". An error says why
// sshd would refuse the line, with the keyword when one was read.
func splitSSHDLine(line string) (string, []string, error) {
	s := strings.TrimLeft(strings.TrimRight(line, " \t\r\n\f"), " \t\r\n")
	if s == "" || s[0] == '#' {
		return "", nil, nil
	}
	i := strings.IndexAny(s, " \t\r\n\"=")
	if i < 0 {
		i = len(s)
	}
	kw := strings.ToLower(s[:i])
	if !sshdKeyword(kw) {
		return "", nil, fmt.Errorf("%q is not an sshd keyword (sshd refuses to load this file)", sshdLineText(s[:min(i, 40)]))
	}
	rest := strings.TrimLeft(s[i:], " \t\r\n")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
	}
	args, err := sshdArgv(rest)
	if err != nil {
		return kw, nil, err
	}
	if len(args) == 0 {
		return kw, nil, sshdNoArgError{kw}
	}
	return kw, args, nil
}

// sshdNoArgError is a keyword with no argument (sshd refuses the file).
type sshdNoArgError struct{ kw string }

func (e sshdNoArgError) Error() string {
	return fmt.Sprintf("no argument after keyword %q (sshd refuses this file)", e.kw)
}

// sshdArgv splits s into words as OpenSSH's argv_split does with
// terminate_on_comment: white space separates words, single or double
// quotes group, a backslash escapes a quote, a backslash or (outside
// quotes) a space, and a '#' where a word would start ends the line.
func sshdArgv(s string) ([]string, error) {
	var args []string
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			continue
		}
		if s[i] == '#' {
			break
		}
		var b strings.Builder
		var quote byte
		for ; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '"' || s[i+1] == '\\' || quote == 0 && s[i+1] == ' '):
				i++
				b.WriteByte(s[i])
				continue
			case quote == 0 && (c == ' ' || c == '\t'):
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
				continue
			case quote != 0 && c == quote:
				quote = 0
				continue
			default:
				b.WriteByte(c)
				continue
			}
			break
		}
		if quote != 0 {
			return nil, errors.New("invalid quotes (sshd refuses this file)")
		}
		args = append(args, b.String())
	}
	return args, nil
}
