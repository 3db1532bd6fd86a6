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
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// fail2ban's jail configuration, read the way fail2ban's own client reads
// it (fail2ban/client/configreader.py, configparserinc.py, jailreader.py):
// jail.conf, jail.d/*.conf, jail.local, jail.d/*.local, each with the files
// its [INCLUDES] before/after name (and their .local), merged section by
// section, later files winning; values interpolated with Python's
// %(name)s syntax plus fail2ban's %(known/name)s and %(section/name)s.
// Only what says what a jail protects is kept: its filter and the ports
// its actions ban.

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

// f2bConfig is the merged jail configuration.
type f2bConfig struct {
	defaults map[string]string
	sections map[string]map[string]string
	known    map[string]map[string]string // KNOWN/<section>: values later files replaced
	files    []string                     // host paths read, in order
	env      *Env                         // where action.d is read from; nil: not read
	dir      string                       // the configuration's folder (/etc/fail2ban)
	actions  map[string]f2bActionDefault  // action.d defaults read so far
}

// f2bActionDefault is what an action's own file bans when the jail's
// action line gives no port.
type f2bActionDefault struct {
	port        string // [Init] port, empty when the file sets none
	allPorts    bool   // [Definition] type = allports
	application string // [Init] application (ufw), empty when the file sets none
	err         error  // why the file was not read
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

// f2bAllPortsAction reports whether an action bans the address on every
// port, whatever the jail's port says.
func f2bAllPortsAction(name string) bool {
	return strings.HasSuffix(name, "-allports") || name == "route"
}

// f2bNoBanActions are fail2ban's actions (0.8 to 1.1) that ban nothing on
// this host: they send mail, report the address to a service, or block it
// at a web proxy or web server (which SSH does not pass through). They are
// skipped, whatever their options.
var f2bNoBanActions = map[string]bool{
	"abuseipdb": true, "apprise": true, "badips": true, "badips.py": true, "blocklist_de": true,
	"cloudflare": true, "cloudflare-token": true, "complain": true, "dshield": true, "dummy": true,
	"helpers-common": true, "ipthreat": true, "mail": true, "mail-buffered": true, "mail-whois": true,
	"mail-whois-common": true, "mail-whois-lines": true, "mynetwatchman": true, "nginx-block-map": true,
	"nsupdate": true, "sendmail": true, "sendmail-buffered": true, "sendmail-common": true,
	"sendmail-geoip-lines": true, "sendmail-whois": true, "sendmail-whois-ipjailmatches": true,
	"sendmail-whois-ipmatches": true, "sendmail-whois-lines": true, "sendmail-whois-matches": true,
	"smtp.py": true, "xarf-login-attack": true,
}

// f2bEveryPortActions are fail2ban's ban actions that take no port: they
// ban the address on every port (and ufw, without an application).
var f2bEveryPortActions = map[string]bool{
	"apf": true, "ipfilter": true, "osx-afctl": true, "shorewall": true, "shorewall-ipset-proto6": true,
}

// f2bActionPorts is what one action of a jail bans: the port words it
// bans (none when it bans nothing or every port), whether it bans every
// port, or why what it bans is not known.
func (c *f2bConfig) f2bActionPorts(an string, opts map[string]string) (ports string, all bool, err error) {
	if f2bNoBanActions[an] {
		return "", false, nil
	}
	if strings.HasSuffix(an, ".py") {
		return "", false, fmt.Errorf("action %s not read: a Python action", an)
	}
	def := c.actionDefault(an)
	if def.err != nil {
		return "", false, def.err
	}
	if f2bAllPortsAction(an) || opts["type"] == "allports" || def.allPorts && opts["type"] == "" {
		return "", true, nil
	}
	// These take no port at all, whatever the jail passes them.
	switch {
	case an == "ufw":
		app, ok := opts["application"]
		if !ok {
			app = def.application
		}
		if strings.TrimSpace(app) != "" {
			return "", false, fmt.Errorf("action ufw bans only the ports of application %s, not known here", strings.TrimSpace(app))
		}
		return "", true, nil
	case f2bEveryPortActions[an]:
		return "", true, nil
	case an == "hostsdeny":
		return "", false, errors.New("action hostsdeny bans through /etc/hosts.deny, which sshd reads only when built with TCP wrappers")
	}
	// An action without a port option bans its own file's default
	// ([Init] port), not the jail's port (fail2ban -d shows it).
	p, ok := opts["port"]
	if !ok {
		p = def.port
	}
	if strings.TrimSpace(p) == "" {
		return "", false, fmt.Errorf("action %s states no port and is not a known ban action: what it bans is not known", an)
	}
	return p, false, nil
}

// jail is the named jail's filter and ports; services maps TCP service
// names to ports (nil: names stay unresolved).
func (c *f2bConfig) jail(name string, services map[string]int) snapshot.Fail2banJailConfig {
	j := snapshot.Fail2banJailConfig{Name: name, Ports: []string{}, PortRanges: []snapshot.PortRange{}}
	j.Status = snapshot.StatusOK
	fail := func(err error) snapshot.Fail2banJailConfig {
		return snapshot.Fail2banJailConfig{Source: snapshot.Source{Status: snapshot.StatusError, Error: err.Error()}, Name: name, Ports: []string{}, PortRanges: []snapshot.PortRange{}}
	}
	if _, ok := c.sections[name]; !ok {
		return fail(fmt.Errorf("no [%s] section in the jail configuration", name))
	}
	opt := func(k string) (string, error) {
		if _, err := c.raw(name, k); err != nil {
			return "", nil // not set at all: fail2ban's default is empty
		}
		return c.get(name, k)
	}
	filter, err := opt("filter")
	if err != nil {
		return fail(err)
	}
	j.FilterSpec = strings.TrimSpace(filter)
	j.Filter = strings.TrimSpace(strings.SplitN(j.FilterSpec, "[", 2)[0])
	// The jail's port reaches the actions only through their options (the
	// stock action_ passes port="%(port)s"); a port that does not
	// interpolate still makes the jail unknown.
	if _, err := opt("port"); err != nil {
		return fail(err)
	}
	action, err := opt("action")
	if err != nil {
		return fail(err)
	}
	// Only the actions that ban count: a jail whose actions only send
	// mail (or that has none) bans nothing. An action whose file was not
	// read makes the jail unknown; one whose bans are not known does unless
	// another of the jail's actions bans something.
	var specs []string
	var unknown error
	for _, act := range splitF2BActions(action) {
		an, opts, err := extractF2BOptions(act)
		if err != nil {
			return fail(fmt.Errorf("action: %w", err))
		}
		p, all, err := c.f2bActionPorts(an, opts)
		switch {
		case errors.Is(err, errF2BActionUnread):
			return fail(err)
		case err != nil && unknown == nil:
			unknown = err
		case all:
			j.AllPorts = true
		case p != "":
			specs = append(specs, p)
		}
	}
	seen := map[string]bool{}
	for _, s := range specs {
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
			if seen[w] {
				continue
			}
			seen[w] = true
			j.Ports = append(j.Ports, w)
			if r, ok := f2bPortRange(w, services); ok {
				j.PortRanges = append(j.PortRanges, r)
			} else {
				j.Unresolved = append(j.Unresolved, w)
			}
		}
	}
	if unknown != nil && !j.AllPorts && len(j.Ports) == 0 {
		return fail(unknown)
	}
	return j
}

// f2bActionNameRE is an action name that can be a file of action.d.
var f2bActionNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// errF2BActionUnread is an action whose action.d file was not read: the
// jail fail2ban runs is then not the one read.
var errF2BActionUnread = errors.New("not read")

// actionDefault reads action.d/NAME (.conf, .d/*.conf, .local, .d/*.local)
// once for the port, type and application it bans by default; err wraps
// errF2BActionUnread when the file is missing or unreadable (its name
// only: the reader's errors name files, never values).
func (c *f2bConfig) actionDefault(name string) f2bActionDefault {
	if !f2bActionNameRE.MatchString(name) || strings.Contains(name, "..") {
		return f2bActionDefault{err: fmt.Errorf("an action %w: its name is not a file name of action.d", errF2BActionUnread)}
	}
	if c.env == nil {
		return f2bActionDefault{err: fmt.Errorf("action %s %w", name, errF2BActionUnread)}
	}
	if d, ok := c.actions[name]; ok {
		return d
	}
	var d f2bActionDefault
	act, err := readFail2banConfig(c.env, filepath.Join(c.dir, "action.d", name))
	if err == nil {
		d.port, err = f2bOptional(act, "Init", "port")
	}
	if err == nil {
		d.application, err = f2bOptional(act, "Init", "application")
	}
	var t string
	if err == nil {
		t, err = f2bOptional(act, "Definition", "type")
		d.allPorts = strings.TrimSpace(t) == "allports"
	}
	if errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("no %s.conf or %s.local", name, name)
	}
	if err != nil {
		d = f2bActionDefault{err: fmt.Errorf("action %s %w: %v", name, errF2BActionUnread, err)}
	}
	c.actions[name] = d
	return d
}

// f2bOptional is a section's option, empty when the section or option is
// not set; an error when its value does not interpolate.
func f2bOptional(c *f2bConfig, section, name string) (string, error) {
	if _, ok := c.sections[section]; !ok {
		return "", nil
	}
	if _, err := c.raw(section, name); err != nil {
		return "", nil
	}
	return c.get(section, name)
}

// f2bPortRange resolves one port word: a number, a:b or a-b, or a TCP
// service name.
func f2bPortRange(w string, services map[string]int) (snapshot.PortRange, bool) {
	num := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		if err != nil {
			p, ok := services[s]
			return p, ok
		}
		return n, n >= 0 && n <= 65535
	}
	for _, sep := range []string{":", "-"} {
		if a, b, ok := strings.Cut(w, sep); ok {
			from, ok1 := num(a)
			to, ok2 := num(b)
			if !ok1 || !ok2 || from > to {
				return snapshot.PortRange{}, false
			}
			return snapshot.PortRange{From: from, To: to}, true
		}
	}
	p, ok := num(w)
	return snapshot.PortRange{From: p, To: p}, ok
}

// splitF2BActions splits an action value into actions: words separated by
// spaces or new lines, where `name[opt=..., opt="a b"]` is one word
// (helpers.py splitWithOptions).
func splitF2BActions(v string) []string {
	var out []string
	var cur strings.Builder
	depth, bracket := 0, false
	var quote byte
	space := func(ch byte) bool { return ch == ' ' || ch == '\t' || ch == '\n' }
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case depth > 0 && (ch == '"' || ch == '\''):
			quote = ch
		case ch == '[':
			depth++
			bracket = true
		case ch == ']':
			if depth > 0 {
				depth--
			}
		case depth == 0 && space(ch):
			j := i
			for j < len(v) && space(v[j]) {
				j++
			}
			i = j - 1
			// a space before '[' belongs to the action: "act [opts]"
			if cur.Len() > 0 && j < len(v) && v[j] == '[' && !bracket {
				continue
			}
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
				bracket = false
			}
			continue
		}
		cur.WriteByte(ch)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// f2bOptRE is one name=value of an option list (helpers.py
// OPTION_EXTRACT_CRE).
var f2bOptRE = regexp.MustCompile(`^\s*([\w\-_\.]+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))\s*(?:,|\]\s*\[|$)`)

// extractF2BOptions splits `name[k=v, k2="v2"]` into the name and its
// options (helpers.py extractOptions).
func extractF2BOptions(s string) (string, map[string]string, error) {
	opts := map[string]string{}
	name, rest, ok := strings.Cut(s, "[")
	name = strings.TrimSpace(name)
	if !ok {
		return name, opts, nil
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasSuffix(rest, "]") {
		return name, nil, fmt.Errorf("%s: '[' without ']'", name)
	}
	rest = strings.TrimSuffix(rest, "]")
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		m := f2bOptRE.FindStringSubmatchIndex(rest)
		if m == nil {
			return name, nil, fmt.Errorf("%s: unexpected option syntax", name)
		}
		k := rest[m[2]:m[3]]
		var v string
		for g := 2; g <= 4; g++ {
			if m[2*g] >= 0 {
				v = rest[m[2*g]:m[2*g+1]]
				break
			}
		}
		opts[k] = strings.TrimSpace(v)
		rest = rest[m[1]:]
	}
	return name, opts, nil
}

// parseServices maps TCP service names and aliases of an /etc/services file
// to their ports.
func parseServices(b []byte) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		port, proto, ok := strings.Cut(f[1], "/")
		n, err := strconv.Atoi(port)
		if !ok || proto != "tcp" || err != nil {
			continue
		}
		for _, name := range append([]string{f[0]}, f[2:]...) {
			if _, dup := out[name]; !dup {
				out[name] = n
			}
		}
	}
	return out
}
