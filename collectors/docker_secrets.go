package collectors

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/mlscan/mlscan/snapshot"
)

// secretHasher computes the keyed hash of secrets. Its key is random per
// snapshot and never stored, so a hash only says "same secret as that one
// in this snapshot".
type secretHasher struct {
	key []byte
	// seen keeps every secret value found, to scrub stray copies from the
	// section before it is returned. It lives only during collection.
	seen map[string]bool
}

func newSecretHasher() *secretHasher {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on Linux
	}
	return &secretHasher{key: k, seen: map[string]bool{}}
}

func (h *secretHasher) hash(v string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// envAllowed are environment keys whose values are harmless and that rules
// read (FLOWER_AUTH is Flower's OAuth e-mail pattern, not a secret).
// PYTHON* keys are kept too unless they name a secret.
var envAllowed = map[string]bool{
	"PATH": true, "HOME": true, "HOSTNAME": true, "LANG": true, "LC_ALL": true, "TZ": true,
	"TERM": true, "container": true,
	"C_FORCE_ROOT": true, "CELERY_ACCEPT_CONTENT": true, "CELERY_TASK_SERIALIZER": true,
	"CELERY_RESULT_SERIALIZER": true, "CELERY_WORKER_CONCURRENCY": true,
	"RAY_AUTH_MODE": true, "RAY_AUTH_TOKEN_PATH": true, "FLOWER_UNAUTHENTICATED_API": true,
	"FLOWER_AUTH": true, "FLOWER_AUTH_PROVIDER": true, "GF_AUTH_ANONYMOUS_ENABLED": true,
	"REDIS_PORT": true,
}

// envVersionKeys name the release an official image was built from
// (redis sets REDIS_VERSION): the version rules read them when the service
// itself cannot be asked. Their value is kept only when it looks like a
// version ("7.2.11", "v2.54.0", "11.4.0-ubuntu").
var envVersionKeys = map[string]bool{
	"REDIS_VERSION": true, "VALKEY_VERSION": true, "FLOWER_VERSION": true, "CELERY_VERSION": true,
	"RAY_VERSION": true, "GF_VERSION": true, "GRAFANA_VERSION": true,
}

// versionValue matches a release number with an optional suffix.
var versionValue = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+){1,3}([-+._][0-9A-Za-z.]{1,32})?$`)

// endpointKeys hold a service address, parsed even without a scheme
// (RAY_ADDRESS=10.0.0.84:6379); their URL path is kept.
var endpointKeys = map[string]bool{
	"CELERY_BROKER_URL": true, "CELERY_RESULT_BACKEND": true, "BROKER_URL": true,
	"RESULT_BACKEND": true, "RAY_ADDRESS": true, "REDIS_URL": true,
}

// pathSchemes are URL schemes whose path is a database or vhost, not a
// credential (a webhook URL's path can be one).
var pathSchemes = map[string]bool{
	"redis": true, "rediss": true, "amqp": true, "amqps": true, "ray": true, "sentinel": true,
	"postgres": true, "postgresql": true, "mysql": true, "mongodb": true, "memcached": true,
}

// secretEnvWords mark an environment key as holding a secret, besides the
// words of redact.go; KEY must be a whole word (SECRET_KEY, not KEYBOARD).
var secretEnvWords = []string{"KEY", "PASS", "PWD", "CREDENTIALS"}

// notSecretSuffixes end keys that name a setting about authentication
// rather than a secret (RAY_AUTH_MODE). Keys naming a secret's file
// (*_FILE, *_SECRETFILE, *_PATH) are secret keys whose value may be a
// reference (isFileReference): their value decides.
var notSecretSuffixes = []string{"_DIR", "_MODE", "_ENABLED", "_TYPE", "_METHOD", "_ALGORITHM", "_ID", "_USER", "_USERNAME"}

// secretDenylist are secrets any scanner tries first (compared lower case,
// also with trailing digits and punctuation removed).
var secretDenylist = map[string]bool{
	"password": true, "passw0rd": true, "p@ssw0rd": true, "admin": true, "changeme": true, "secret": true,
	"redis": true, "foobared": true, "root": true, "toor": true, "123456": true, "12345678": true,
	"qwerty": true, "letmein": true, "test": true, "default": true, "guest": true, "flower": true,
	"celery": true, "hunter": true, "welcome": true, "pass": true, "ray": true,
}

// notSecretKeys look like secrets by name but are not: the working
// directory, and the public key id official Python images set.
var notSecretKeys = map[string]bool{"PWD": true, "OLDPWD": true, "GPG_KEY": true}

// isSecretEnvKey reports whether an environment key names a secret.
func isSecretEnvKey(k string) bool {
	u := strings.ToUpper(k)
	if notSecretKeys[u] {
		return false
	}
	for _, s := range notSecretSuffixes {
		if strings.HasSuffix(u, s) {
			return false
		}
	}
	if isSecretKey(k) {
		return true
	}
	words := strings.FieldsFunc(u, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	for _, w := range words {
		if slices.Contains(secretEnvWords, w) {
			return true
		}
	}
	return false
}

// secretStrength classes a secret: weak when shorter than 15, denylisted
// or made of fewer than 6 distinct characters; strong when at least 32
// long with two character classes and 10 distinct characters (a random
// hex string qualifies); medium otherwise.
func secretStrength(v string) (classes int, strength string, denylisted bool) {
	var lower, upper, digit, other bool
	distinct := map[rune]bool{}
	for _, r := range v {
		distinct[r] = true
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	l := strings.ToLower(v)
	denylisted = secretDenylist[l] || secretDenylist[strings.TrimRightFunc(l, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	})]
	n := len([]rune(v))
	switch {
	case denylisted || n < 15 || len(distinct) < 6:
		strength = "weak"
	case n >= 32 && classes >= 2 && len(distinct) >= 10:
		strength = "strong"
	default:
		strength = "medium"
	}
	return classes, strength, denylisted
}

// finding describes secret v found at loc under key.
func (h *secretHasher) finding(loc, key, target string, human bool, v string) snapshot.SecretFinding {
	h.seen[v] = true
	classes, strength, deny := secretStrength(v)
	return snapshot.SecretFinding{
		Location: loc, Key: key, Target: target, Human: human,
		Length: len([]rune(v)), Classes: classes, Strength: strength, Denylisted: deny,
		Hash: h.hash(v),
	}
}

// secretValue is one secret with where it was found.
type secretValue struct {
	key, target string
	human       bool
	value       string
}

// describeKey returns what a secret under key unlocks and whether people
// type it. key is a flag ("--requirepass") or an environment key.
func describeKey(key string, redisTool bool) (target string, human bool) {
	u := strings.ToUpper(strings.TrimLeft(key, "-"))
	u = strings.NewReplacer("-", "_", ".", "_").Replace(u)
	switch {
	case strings.Contains(u, "BASIC_AUTH"):
		return "flower", true
	case u == "REQUIREPASS" || u == "MASTERAUTH" || strings.Contains(u, "REDIS") || key == "-a" && redisTool:
		return "redis", false
	case strings.HasPrefix(u, "GF_"):
		return "grafana", strings.Contains(u, "ADMIN_PASSWORD")
	case strings.HasPrefix(u, "RAY_"):
		return "ray", false
	case strings.HasPrefix(u, "FLOWER_"):
		return "flower", false
	}
	return "", strings.Contains(u, "ADMIN_PASSWORD")
}

// splitBasicAuth returns the passwords of "user:pass[,user2:pass2]".
func splitBasicAuth(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if _, p, ok := strings.Cut(part, ":"); ok {
			if p != "" {
				out = append(out, p)
			}
		} else if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// expand turns a secret value into the secrets it holds: the passwords of
// basic-auth lists, else itself.
func (s secretValue) expand() []secretValue {
	if s.target != "flower" || !s.human {
		return []secretValue{s}
	}
	var out []secretValue
	for _, p := range splitBasicAuth(s.value) {
		c := s
		c.value = p
		out = append(out, c)
	}
	return out
}

// redactArgvSecrets redacts argv like RedactCommand and returns the
// secrets that were replaced, each with the flag or key that introduced
// it. It relies on redact.go for what is secret, so the two cannot
// disagree: every "<redacted>" yields one secret.
func redactArgvSecrets(argv []string) ([]string, []secretValue) {
	red := redactArgv(argv)
	redisTool := len(argv) > 0 && isRedisTool(argv[0])
	var out []secretValue
	for i, a := range argv {
		if a == red[i] {
			continue
		}
		prev := ""
		if i > 0 {
			prev = argv[i-1]
		}
		if strings.IndexFunc(a, unicode.IsSpace) >= 0 {
			// A shell command line: redact.go works word by word.
			ow, rw := strings.Fields(a), strings.Fields(red[i])
			if len(ow) == len(rw) {
				sub := len(ow) > 0 && isRedisTool(ow[0])
				for j := range ow {
					p := ""
					if j > 0 {
						p = ow[j-1]
					}
					out = append(out, diffSecrets(ow[j], rw[j], p, sub)...)
				}
				continue
			}
		}
		out = append(out, diffSecrets(a, red[i], prev, redisTool)...)
	}
	var all []secretValue
	for _, s := range out {
		all = append(all, s.expand()...)
	}
	return red, all
}

// diffSecrets recovers the secrets of argument a that redact.go turned
// into r; prev is the argument before a.
func diffSecrets(a, r, prev string, redisTool bool) []secretValue {
	if a == r {
		return nil
	}
	if r == redacted {
		key := prev
		if !strings.HasPrefix(key, "-") {
			key = "argument"
		}
		t, h := describeKey(key, redisTool)
		return []secretValue{{key: key, target: t, human: h, value: a}}
	}
	if k, ok := strings.CutSuffix(r, "="+redacted); ok && strings.HasPrefix(a, k+"=") && !strings.Contains(k, "://") {
		t, h := describeKey(k, redisTool)
		return []secretValue{{key: k, target: t, human: h, value: a[len(k)+1:]}}
	}
	return urlSecrets(a, r, "")
}

// urlSecrets recovers the secrets RedactURL replaced in a (giving r): URL
// passwords and secret query values. keyPrefix names the environment key.
func urlSecrets(a, r, keyPrefix string) []secretValue {
	pieces := strings.Split(r, redacted)
	if len(pieces) < 2 {
		return nil
	}
	m := matchPieces(a, pieces)
	if m == nil {
		// Cannot happen for output of RedactURL; report the whole value.
		return []secretValue{{key: strings.TrimSpace(keyPrefix + " value"), value: a}}
	}
	var out []secretValue
	for i, v := range m[1:] {
		before := pieces[i]
		var key, target string
		if strings.HasSuffix(before, ":") && strings.Contains(before, "://") {
			target = schemeAt(before, strings.LastIndex(before, "://"))
			key = "URL password"
			if dec, err := url.PathUnescape(v); err == nil {
				v = dec
			}
		} else {
			name := before
			if j := strings.LastIndexAny(name, "?&"); j >= 0 {
				name = name[j+1:]
			}
			key = "URL " + strings.TrimSuffix(name, "=")
			if dec, err := url.QueryUnescape(v); err == nil {
				v = dec
			}
		}
		if keyPrefix != "" {
			key = keyPrefix + " (" + key + ")"
		}
		out = append(out, secretValue{key: key, target: target, value: v})
	}
	return out
}

// matchPieces returns a's whole and the parts of a between consecutive
// pieces (what "<redacted>" replaced), as the submatches of
// ^p0(.*?)p1(.*?)...pn$ would be, or nil. It takes each piece at its
// first place after the previous one, in time linear in a (a container's
// environment value can be megabytes); only when that fails on a short
// value does it ask the regular expression, which may split elsewhere.
func matchPieces(a string, pieces []string) []string {
	last := len(pieces) - 1
	if strings.HasPrefix(a, pieces[0]) && strings.HasSuffix(a[len(pieces[0]):], pieces[last]) {
		m := []string{a}
		pos, end := len(pieces[0]), len(a)-len(pieces[last])
		ok := true
		for _, p := range pieces[1:last] {
			j := strings.Index(a[pos:end], p)
			if j < 0 {
				ok = false
				break
			}
			m = append(m, a[pos:pos+j])
			pos += j + len(p)
		}
		if ok && pos <= end {
			return append(m, a[pos:end])
		}
	}
	if len(a) > 4<<10 {
		return nil
	}
	var re strings.Builder
	re.WriteString("(?s)^")
	for i, p := range pieces {
		if i > 0 {
			re.WriteString("(.*?)")
		}
		re.WriteString(regexp.QuoteMeta(p))
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).FindStringSubmatch(a)
}

// firstScheme returns the lower-case scheme of the first URL in s, with
// rediss read as redis.
func firstScheme(s string) string {
	return schemeAt(s, strings.Index(s, "://"))
}

// schemeAt returns the scheme before the "://" at index i of s.
func schemeAt(s string, i int) string {
	if i < 0 {
		return ""
	}
	scheme := s[:i]
	if j := strings.LastIndexFunc(scheme, func(r rune) bool { return !isSchemeRune(r) }); j >= 0 {
		scheme = scheme[j+1:]
	}
	scheme = strings.ToLower(scheme)
	if scheme == "rediss" {
		return "redis"
	}
	return scheme
}

func isSchemeRune(r rune) bool {
	return r == '+' || r == '-' || r == '.' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
}

// redactEnv reduces a container's environment to keys, harmless values and
// endpoints, and describes the secrets it holds.
func redactEnv(env []string, h *secretHasher) ([]snapshot.EnvVar, []snapshot.SecretFinding) {
	vars := make([]snapshot.EnvVar, 0, len(env))
	var fs []snapshot.SecretFinding
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		ev := snapshot.EnvVar{Key: k}
		var secrets []secretValue
		switch {
		case envAllowed[k] && RedactURL(v) == v && (!namesSecretFile(k) || v == "" || isFileReference(k, v)):
			ev.Value, ev.Kept = v, true
		case envVersionKeys[k] && versionValue.MatchString(v):
			ev.Value, ev.Kept = v, true
		case isSecretEnvKey(k) && (isSecretReference(v) || isFileReference(k, v)):
			// REDIS_PASSWORD=/run/secrets/redis, DB_PASSWORD_FILE=/etc/db:
			// the file's path, which is what MLS-SEC-002 recommends; the
			// value is dropped. DB_PASSWORD_FILE=hunter2 is a secret.
		case isSecretEnvKey(k):
			if strings.Contains(v, "://") {
				ev.URL = endpointOf(v, endpointKeys[k])
				r := RedactURL(v)
				if r != v {
					secrets = urlSecrets(v, r, k)
				}
				if _, pws := redactUserinfo(r); len(pws) > 0 {
					for _, p := range pws {
						secrets = append(secrets, secretValue{key: k + " (URL password)", target: firstScheme(v), value: p})
					}
				}
				if len(secrets) > 0 {
					break
				}
			}
			if v != "" {
				t, human := describeKey(k, false)
				secrets = (secretValue{key: k, target: t, human: human, value: v}).expand()
			}
		case strings.HasPrefix(k, "PYTHON") && RedactURL(v) == v:
			ev.Value, ev.Kept = v, true
		case strings.Contains(v, "://") || endpointKeys[k]:
			ev.URL = endpointOf(v, endpointKeys[k])
			r := RedactURL(v)
			if r != v {
				secrets = urlSecrets(v, r, k)
			}
			if _, pws := redactUserinfo(r); len(pws) > 0 {
				for _, p := range pws {
					secrets = append(secrets, secretValue{key: k + " (URL password)", target: firstScheme(v), value: p})
				}
			}
			if k == "RAY_ADDRESS" && !strings.ContainsAny(v, "@?#") {
				ev.Value, ev.Kept = v, true // "auto", "10.0.0.84:6379"
			}
		default:
			// A value holding a command line ("--requirepass pw").
			if words := strings.Fields(v); len(words) > 1 {
				_, ss := redactArgvSecrets(words)
				for _, s := range ss {
					s.key = k + " (" + s.key + ")"
					secrets = append(secrets, s)
				}
			}
		}
		for _, s := range secrets {
			fs = append(fs, h.finding("env", s.key, s.target, s.human, s.value))
		}
		ev.Secret = len(secrets) > 0
		vars = append(vars, ev)
	}
	return vars, fs
}

// endpointOf parses a URL ("redis://:pw@127.0.0.1:6380/0") or host:port
// into its scheme, host, port and (for broker and database URLs, or when
// keepPath) path. The password is never kept, only its presence.
func endpointOf(v string, keepPath bool) *snapshot.Endpoint {
	e := &snapshot.Endpoint{}
	rest := v
	if i := strings.Index(v, "://"); i >= 0 {
		e.Scheme = strings.ToLower(v[:i])
		rest = v[i+3:]
	}
	// The last '@' ends the userinfo, even when a password holds '/' or '@'.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		user := rest[:at]
		if _, p, ok := strings.Cut(user, ":"); ok && p != "" {
			e.Password = true
		}
		rest = rest[at+1:]
	}
	hostport := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		hostport = rest[:i]
		if rest[i] == '/' && (keepPath || pathSchemes[e.Scheme]) {
			p := rest[i:]
			if j := strings.IndexAny(p, "?#"); j >= 0 {
				p = p[:j]
			}
			e.Path = p
		}
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		if j := strings.IndexByte(hostport, ']'); j >= 0 {
			host = hostport[1:j]
			port = strings.TrimPrefix(hostport[j+1:], ":")
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 && strings.Count(hostport, ":") == 1 {
		host, port = hostport[:i], hostport[i+1:]
	}
	e.Host = host
	if n, err := strconv.Atoi(port); err == nil {
		e.Port = n
	} else if port == "" {
		e.Port = defaultPort(e.Scheme)
	}
	return e
}

// defaultPort is the port a client uses for scheme when the URL has none.
func defaultPort(scheme string) int {
	switch scheme {
	case "redis", "rediss":
		return 6379
	case "amqp":
		return 5672
	case "amqps":
		return 5671
	case "http":
		return 80
	case "https":
		return 443
	case "ray":
		return 10001
	}
	return 0
}

// redactUserinfo redacts URL passwords that RedactURL leaves: RedactURL
// ends the userinfo at the first '/', so a password holding one (base64
// passwords often do: "redis://:ab/cd@host") passes through. Here the
// userinfo runs to the last '@' of the URL, over-redacting rather than
// leaking. Passwords already "<redacted>" are left alone.
func redactUserinfo(s string) (string, []string) {
	if !strings.Contains(s, "://") {
		return s, nil
	}
	var pws []string
	var b strings.Builder
	i := 0
	for {
		k := strings.Index(s[i:], "://")
		if k < 0 {
			break
		}
		start := i + k + 3
		end := start + urlWordEnd(s[start:])
		seg := s[start:end]
		if at := strings.LastIndexByte(seg, '@'); at >= 0 {
			if c := strings.IndexByte(seg[:at], ':'); c >= 0 && c+1 < at && seg[c+1:at] != redacted {
				p := seg[c+1 : at]
				if dec, err := url.PathUnescape(p); err == nil {
					p = dec
				}
				pws = append(pws, p)
				b.WriteString(s[i : start+c+1])
				b.WriteString(redacted)
				b.WriteString(seg[at:])
				i = end
				continue
			}
		}
		b.WriteString(s[i:end])
		i = end
	}
	b.WriteString(s[i:])
	return b.String(), pws
}

// commandSecrets redacts a container's command (entrypoint + cmd) and
// returns the redacted halves and the findings.
func commandSecrets(entrypoint, cmd []string, loc string, h *secretHasher) ([]string, []string, []snapshot.SecretFinding) {
	argv := append(slices.Clone(entrypoint), cmd...)
	red, ss := redactArgvSecrets(argv)
	for i, a := range red {
		if r, pws := redactUserinfo(a); len(pws) > 0 {
			red[i] = r
			for _, p := range pws {
				ss = append(ss, secretValue{key: "URL password", target: firstScheme(a), value: p})
			}
		}
	}
	var fs []snapshot.SecretFinding
	for _, s := range ss {
		fs = append(fs, h.finding(loc, s.key, s.target, s.human, s.value))
	}
	return red[:len(entrypoint)], red[len(entrypoint):], fs
}

// parseRedisArgs reads the non-secret settings of a redis-server command
// line in argv (also inside a "sh -c" string); nil when argv does not run
// redis-server or valkey-server.
func parseRedisArgs(argv []string) *snapshot.RedisArgs {
	var words []string
	for _, a := range argv {
		words = append(words, strings.Fields(a)...)
	}
	start := -1
	for i, w := range words {
		b := path.Base(w)
		if b == "redis-server" || b == "valkey-server" {
			start = i
			break
		}
	}
	if start < 0 {
		return nil
	}
	r := &snapshot.RedisArgs{}
	ws := words[start+1:]
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if !strings.HasPrefix(w, "--") {
			if i == 0 && r.ConfigFile == "" && w != "-" {
				r.ConfigFile = w
			}
			continue
		}
		name, val, hasVal := strings.Cut(strings.ToLower(strings.TrimPrefix(w, "--")), "=")
		if !hasVal && i+1 < len(ws) && !strings.HasPrefix(ws[i+1], "--") {
			val = ws[i+1]
			i++
		}
		switch name {
		case "port":
			r.Port, _ = strconv.Atoi(val)
		case "bind":
			addrs := []string{val}
			for i+1 < len(ws) && !strings.HasPrefix(ws[i+1], "--") {
				addrs = append(addrs, ws[i+1])
				i++
			}
			r.Bind = strings.Join(addrs, " ")
		case "maxmemory":
			r.Maxmemory = val
			if n, ok := redisMemory(val); ok {
				r.MaxmemoryBytes = &n
			}
		case "maxmemory-policy":
			r.MaxmemoryPolicy = strings.ToLower(val)
		case "requirepass":
			r.Requirepass = true
		}
	}
	return r
}

// redisMemory parses a Redis memory setting: 1k = 1000, 1kb = 1024, and so
// on for m/mb and g/gb, case-insensitive.
func redisMemory(s string) (int64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	mul := int64(1)
	for _, u := range []struct {
		suf string
		mul int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}} {
		if n, ok := strings.CutSuffix(s, u.suf); ok {
			s, mul = n, u.mul
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n * mul, true
}

// scrubSecrets replaces any copy of a found secret (six characters or
// more) left in the section's free-text fields: a secret seen in one place
// must not leak from another.
func scrubSecrets(sec *snapshot.DockerSection, h *secretHasher) {
	var vals []string
	for v := range h.seen {
		if len(v) >= 6 {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return
	}
	// Longest first, so a secret containing another is replaced whole.
	slices.SortFunc(vals, func(a, b string) int { return len(b) - len(a) })
	scrub := func(s *string) {
		for _, v := range vals {
			if strings.Contains(*s, v) {
				*s = strings.ReplaceAll(*s, v, redacted)
			}
		}
	}
	for i := range sec.Containers {
		c := &sec.Containers[i]
		for j := range c.Entrypoint {
			scrub(&c.Entrypoint[j])
		}
		for j := range c.Cmd {
			scrub(&c.Cmd[j])
		}
		scrub(&c.Command)
		for j := range c.Env {
			scrub(&c.Env[j].Value)
			if u := c.Env[j].URL; u != nil {
				scrub(&u.Host)
				scrub(&u.Path)
			}
		}
		if c.Redis != nil {
			scrub(&c.Redis.ConfigFile)
			scrub(&c.Redis.Bind)
		}
	}
}
