package collectors

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// sshdMaxFileBytes caps one configuration file; sshdMaxFiles the files
// read through Includes; sshdMaxUnparsed the lines not understood kept.
const (
	sshdMaxFileBytes = 1 << 20
	sshdMaxFiles     = 256
	sshdMaxUnparsed  = 100
)

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
