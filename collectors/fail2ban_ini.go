package collectors

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Limits on what the reader accepts, so that a strange /etc/fail2ban cannot
// stall the scan.
const (
	f2bMaxFileBytes = 1 << 20
	f2bMaxFiles     = 256
	f2bMaxDepth     = 10 // include nesting and interpolation depth (Python's MAX_INTERPOLATION_DEPTH)
	f2bServicesFile = "/etc/services"
)

// f2bIni is one configuration file as Python's ConfigParser reads it.
type f2bIni struct {
	defaults map[string]string
	sections map[string]map[string]string
	order    []string
}

var (
	f2bSectionRE = regexp.MustCompile(`^\[(.+)\]`)
	f2bOptionRE  = regexp.MustCompile(`^(.*?)\s*([=:])\s*(.*)$`)
	f2bCondRE    = regexp.MustCompile(`^(\w+)(\?.+)$`)
)

// parseF2BIni parses one file with the rules of Python 3's ConfigParser
// as fail2ban sets it up: `#` and `;` comment lines, `;` inline comments
// after a space, `key = value` or `key: value` with lower-cased keys,
// indented continuation lines. A repeated key keeps the last value (Python
// 2's rule; Python 3 rejects the file). Errors name the line, not its
// value: a jail file may hold an API key.
func parseF2BIni(b []byte) (*f2bIni, error) {
	ini := &f2bIni{defaults: map[string]string{}, sections: map[string]map[string]string{}}
	var cur map[string]string
	var lines map[string][]string // the current section's values, line by line
	curKey := ""
	indent := 0
	flush := func() {
		for k, v := range lines {
			cur[k] = strings.TrimRight(strings.Join(v, "\n"), " \t\n")
		}
		lines = map[string][]string{}
	}
	lines = map[string][]string{}
	for n, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			continue
		}
		value := line
		for i := 1; i < len(value); i++ {
			if value[i] == ';' && (value[i-1] == ' ' || value[i-1] == '\t') {
				value = value[:i]
				break
			}
		}
		value = strings.TrimSpace(value)
		if value == "" {
			if cur != nil && curKey != "" && trimmed == "" {
				lines[curKey] = append(lines[curKey], "")
			}
			continue
		}
		level := len(line) - len(strings.TrimLeft(line, " \t"))
		if cur != nil && curKey != "" && level > indent {
			lines[curKey] = append(lines[curKey], value)
			continue
		}
		indent = level
		if m := f2bSectionRE.FindStringSubmatch(value); m != nil {
			if cur != nil {
				flush()
			}
			name := m[1]
			if name == "DEFAULT" {
				cur = ini.defaults
			} else if s, ok := ini.sections[name]; ok {
				cur = s
			} else {
				cur = map[string]string{}
				ini.sections[name] = cur
				ini.order = append(ini.order, name)
			}
			curKey = ""
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: an option before any [section]", n+1)
		}
		m := f2bOptionRE.FindStringSubmatch(value)
		if m == nil || m[1] == "" {
			return nil, fmt.Errorf("line %d: neither [section] nor key = value", n+1)
		}
		curKey = strings.ToLower(strings.TrimRight(m[1], " \t"))
		lines[curKey] = []string{m[3]}
	}
	if cur != nil {
		flush()
	}
	return ini, nil
}

// f2bReader reads configuration files under an Env's root.
type f2bReader struct {
	env    *Env
	parsed map[string]*f2bIni
	errs   []string
}

// readFail2banConfig reads base ("/etc/fail2ban/jail") with fail2ban's
// precedence. A file that cannot be read or parsed is skipped, as fail2ban
// skips it, and named in the returned error; the error wraps ErrPermission
// when a file could not be read for lack of privilege and fs.ErrNotExist
// when there is no base file at all.
func readFail2banConfig(env *Env, base string) (*f2bConfig, error) {
	r := &f2bReader{env: env, parsed: map[string]*f2bIni{}}
	top := []string{base + ".conf"}
	top = append(top, r.glob(base+".d", ".conf")...)
	top = append(top, base+".local")
	top = append(top, r.glob(base+".d", ".local")...)
	var exist []string
	for _, f := range top {
		if _, err := os.Stat(env.Path(f)); err == nil {
			exist = append(exist, f)
		} else if !errors.Is(err, fs.ErrNotExist) {
			r.errs = append(r.errs, fmt.Sprintf("%s: %v", f, pathErr(err)))
		}
	}
	if len(exist) == 0 && len(r.errs) == 0 {
		return nil, fmt.Errorf("no %s.conf, %s.local or %s.d: %w", base, base, base, fs.ErrNotExist)
	}
	cfg := &f2bConfig{defaults: map[string]string{}, sections: map[string]map[string]string{}, known: map[string]map[string]string{},
		env: env, dir: filepath.Dir(base), actions: map[string]f2bActionDefault{}}
	for _, f := range r.includes(exist, nil, 0) {
		ini := r.parse(f)
		if ini == nil {
			continue
		}
		cfg.files = append(cfg.files, f)
		cfg.merge(ini)
	}
	if len(r.errs) > 0 {
		err := errors.New(strings.Join(r.errs, "; "))
		if strings.Contains(err.Error(), "permission denied") {
			err = fmt.Errorf("%w: %v", ErrPermission, err)
		}
		return cfg, err
	}
	return cfg, nil
}

// pathErr is err without the path os adds (the caller names the file).
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// glob lists dir/*ext sorted, as Python's sorted(glob.glob()).
func (r *f2bReader) glob(dir, ext string) []string {
	names, err := readDirNames(r.env.Path(dir))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.errs = append(r.errs, fmt.Sprintf("%s: %v", dir, pathErr(err)))
		}
		return nil
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, ext) && !strings.HasPrefix(n, ".") {
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out
}

// parse reads and parses one host file once; nil when it cannot be read
// (recorded) or does not exist (fail2ban ignores a missing include).
func (r *f2bReader) parse(f string) *f2bIni {
	if ini, ok := r.parsed[f]; ok {
		return ini
	}
	r.parsed[f] = nil
	if len(r.parsed) > f2bMaxFiles {
		r.errs = append(r.errs, fmt.Sprintf("%s: more than %d files, not read", f, f2bMaxFiles))
		return nil
	}
	b, err := readRegular(r.env.Path(f), f2bMaxFileBytes)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, errNotRegular):
		err = errNotRegular
	}
	var ini *f2bIni
	if err == nil {
		ini, err = parseF2BIni(b)
	}
	if err != nil {
		r.errs = append(r.errs, fmt.Sprintf("%s: %v", f, pathErr(err)))
		return nil
	}
	r.parsed[f] = ini
	return ini
}

// includes expands files with their .local and their [INCLUDES] before
// and after lists, recursively (configparserinc.py _getIncludes).
func (r *f2bReader) includes(files, seen []string, depth int) []string {
	var expanded []string
	for _, f := range files {
		expanded = append(expanded, f)
		local := strings.TrimSuffix(f, filepath.Ext(f)) + ".local"
		if !slices.Contains(files, local) {
			if st, err := os.Stat(r.env.Path(local)); err == nil && st.Mode().IsRegular() {
				expanded = append(expanded, local)
			}
		}
	}
	var out []string
	for _, f := range expanded {
		ini := r.parse(f)
		if ini == nil {
			continue
		}
		var before, after []string
		if inc, ok := ini.sections["INCLUDES"]; ok && depth < f2bMaxDepth {
			for key, list := range map[string]*[]string{"before": &before, "after": &after} {
				for _, res := range strings.Split(inc[key], "\n") {
					if res = strings.TrimSpace(res); res == "" {
						continue
					}
					if !filepath.IsAbs(res) {
						res = filepath.Join(filepath.Dir(f), res)
					}
					if slices.Contains(seen, res) {
						continue
					}
					*list = append(*list, r.includes([]string{res}, append(slices.Clone(seen), f), depth+1)...)
				}
			}
		}
		out = append(out, before...)
		out = append(out, f)
		out = append(out, after...)
	}
	return out
}

// merge adds one file's values over what was read before; a replaced value
// is kept as known/ for %(known/name)s.
func (c *f2bConfig) merge(ini *f2bIni) {
	for k, v := range ini.defaults {
		c.defaults[k] = v
	}
	for _, name := range ini.order {
		s := ini.sections[name]
		if m := f2bCondRE.FindStringSubmatch(name); m != nil {
			cond := map[string]string{}
			for k, v := range s {
				cond[k+m[2]] = v
			}
			name, s = m[1], cond
		}
		old, ok := c.sections[name]
		if !ok {
			c.sections[name] = copyStrings(s)
			continue
		}
		if c.known[name] == nil {
			c.known[name] = map[string]string{}
		}
		for k := range s {
			if v, ok := old[k]; ok {
				c.known[name][k] = v
			}
		}
		for k, v := range s {
			old[k] = v
		}
	}
}

// copyStrings copies a string map.
func copyStrings(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// errF2BMissing is an option that neither the section nor [DEFAULT] sets.
var errF2BMissing = errors.New("not set")

// raw is an option's value before interpolation: the section's, else
// [DEFAULT]'s; name may be known/x, default/x or section/x.
func (c *f2bConfig) raw(section, name string) (string, error) {
	if sec, opt, ok := strings.Cut(name, "/"); ok && sec != "" && opt != "" {
		switch strings.ToLower(sec) {
		case "known":
			if v, ok := c.known[section][opt]; ok {
				return v, nil
			}
		case "default":
		default:
			s, ok := c.sections[sec]
			if !ok {
				return "", fmt.Errorf("%%(%s)s: no [%s] section", name, sec)
			}
			if v, ok := s[opt]; ok {
				return v, nil
			}
		}
		if v, ok := c.defaults[opt]; ok {
			return v, nil
		}
		return "", fmt.Errorf("%%(%s)s: %w", name, errF2BMissing)
	}
	if v, ok := c.sections[section][name]; ok {
		return v, nil
	}
	if v, ok := c.defaults[name]; ok {
		return v, nil
	}
	if name == "__name__" {
		return section, nil
	}
	return "", fmt.Errorf("%s: %w", name, errF2BMissing)
}

// get is an option's interpolated value.
func (c *f2bConfig) get(section, name string) (string, error) {
	v, err := c.raw(section, name)
	if err != nil {
		return "", err
	}
	budget := f2bMaxExpansions
	out, err := c.interpolate(section, v, 1, &budget)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// f2bMaxExpansions bounds the %(name)s replacements of one value: ten
// levels of values naming the next one ten times would otherwise be 10^10.
const f2bMaxExpansions = 10000

// interpolate replaces %(name)s and %% in v, as Python's
// BasicInterpolation does, in the context of section, with at most
// *budget replacements.
func (c *f2bConfig) interpolate(section, v string, depth int, budget *int) (string, error) {
	if depth > f2bMaxDepth {
		return "", fmt.Errorf("interpolation deeper than %d levels", f2bMaxDepth)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '%')
		if i < 0 {
			b.WriteString(v)
			return b.String(), nil
		}
		b.WriteString(v[:i])
		v = v[i:]
		switch {
		case strings.HasPrefix(v, "%%"):
			b.WriteByte('%')
			v = v[2:]
		case strings.HasPrefix(v, "%("):
			end := strings.Index(v, ")s")
			if end < 0 {
				return "", errors.New("'%(' without ')s'")
			}
			name := strings.ToLower(v[2:end])
			v = v[end+2:]
			if *budget--; *budget < 0 {
				return "", fmt.Errorf("more than %d interpolations", f2bMaxExpansions)
			}
			sub, err := c.raw(section, name)
			if err != nil {
				return "", err
			}
			if strings.Contains(sub, "%") {
				if sub, err = c.interpolate(section, sub, depth+1, budget); err != nil {
					return "", err
				}
			}
			b.WriteString(sub)
		default:
			return "", errors.New("'%' must be followed by '%' or '('")
		}
	}
}
