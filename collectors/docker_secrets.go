package collectors

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"slices"
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

// redactArgvSecrets redacts argv like redactCommand and returns the
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

// urlSecrets recovers the secrets redactURL replaced in a (giving r): URL
// passwords and secret query values. keyPrefix names the environment key.
func urlSecrets(a, r, keyPrefix string) []secretValue {
	pieces := strings.Split(r, redacted)
	if len(pieces) < 2 {
		return nil
	}
	m := matchPieces(a, pieces)
	if m == nil {
		// Cannot happen for output of redactURL; report the whole value.
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
