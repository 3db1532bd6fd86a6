package collectors

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
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
