package collectors

import (
	"path"
	"strings"
	"unicode"
)

// redacted replaces a secret value in a command line or URL.
const redacted = "<redacted>"

// secretFlags take a secret as their value, as "--flag value" or
// "--flag=value". Names are lower case with '_' read as '-'; one or two
// leading dashes are accepted, and case is ignored (Redis reads its options
// case-insensitively).
var secretFlags = map[string]bool{
	"requirepass": true, // redis-server
	"masterauth":  true, // redis-server
	"pass":        true, // redis-cli
	"password":    true,
	"passwd":      true,
	"token":       true,
	"secret":      true,
	"api-key":     true,
	"basic-auth":  true, // flower
}

// secretFlagWords mark a "--flag value" as secret when the flag's name
// contains one of them (--db-password, --auth-token, ...).
var secretFlagWords = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"}

// secretKeyWords mark KEY=VALUE (and --flag=value) as secret when the key
// contains one of them.
var secretKeyWords = append([]string{"AUTH"}, secretFlagWords...)

// redactCommand joins a process's argv with spaces after replacing secret
// values with "<redacted>": the values of secret flags (--requirepass,
// --password, --token, --basic_auth, ... and redis-cli's -a) in both
// "--flag value" and "--flag=value" forms, KEY=VALUE arguments whose key
// names a secret (PASSWORD, TOKEN, API_KEY, AUTH, ...), and passwords in
// URLs (see redactURL). An argument holding spaces, as from "sh -c" or a
// rewritten process title, is redacted word by word as well.
func redactCommand(args []string) string {
	return strings.Join(redactArgv(args), " ")
}

// redactArgv redacts args element by element; args[0] names the program.
func redactArgv(args []string) []string {
	out := make([]string, len(args))
	redis := len(args) > 0 && isRedisTool(args[0])
	// 1: redact the next argument; 2: unless it is a flag; 3: unless it
	// is a flag or a path (the value of --password-file).
	next := 0
	for i, a := range args {
		pending := next
		next = 0
		switch {
		case pending == 1 || pending == 2 && !strings.HasPrefix(a, "--") ||
			pending == 3 && !strings.HasPrefix(a, "--") && !looksLikePath(a):
			out[i] = redacted
		case isSecretKeyValue(a):
			k, _, _ := strings.Cut(a, "=")
			out[i] = k + "=" + redacted
		case strings.IndexFunc(a, unicode.IsSpace) >= 0:
			out[i] = redactWords(a)
		default:
			out[i] = redactURL(a)
		}
		// Even a redacted value may be a flag whose value follows: over-
		// redacting beats leaking.
		if redis && a == "-a" {
			next = 1
		} else if name, ok := flagName(a); ok && !strings.Contains(a, "=") {
			switch {
			case namesSecretFile(name):
				if containsWord(name, secretFlagWords) {
					next = 3
				}
			case secretFlags[name]:
				next = 1
			case containsWord(name, secretFlagWords):
				next = 2
			}
		}
	}
	return out
}

// isSecretKeyValue reports whether a is KEY=VALUE or --flag=value with a
// key that names a secret, and a value that is not the path of the
// secret's file.
func isSecretKeyValue(a string) bool {
	k, v, ok := strings.Cut(a, "=")
	return ok && isSecretKey(k) && !isFileReference(strings.TrimLeft(k, "-"), v)
}

// redactWords redacts s as a command line split at white space, keeping
// the white space as it was.
func redactWords(s string) string {
	type span struct{ from, to int }
	var spans []span
	var words []string
	from := -1
	for i, r := range s {
		switch {
		case unicode.IsSpace(r) && from >= 0:
			spans = append(spans, span{from, i})
			words = append(words, s[from:i])
			from = -1
		case !unicode.IsSpace(r) && from < 0:
			from = i
		}
	}
	if from >= 0 {
		spans = append(spans, span{from, len(s)})
		words = append(words, s[from:])
	}
	red := redactArgv(words)
	var b strings.Builder
	last := 0
	for i, sp := range spans {
		b.WriteString(s[last:sp.from])
		b.WriteString(red[i])
		last = sp.to
	}
	b.WriteString(s[last:])
	return b.String()
}

// isRedisTool reports whether argv0 is a Redis-protocol client or server,
// whose -a takes a password.
func isRedisTool(argv0 string) bool {
	b := strings.ToLower(path.Base(argv0))
	return strings.Contains(b, "redis") || strings.Contains(b, "valkey") || strings.Contains(b, "keydb")
}

// flagName returns a's name without its one or two leading dashes,
// lower case and with '_' as '-'.
func flagName(a string) (string, bool) {
	n := strings.TrimPrefix(a, "-")
	n = strings.TrimPrefix(n, "-")
	if n == a || len(n) < 2 || !isName(n) {
		return "", false
	}
	return strings.ReplaceAll(strings.ToLower(n), "_", "-"), true
}

// isSecretKey reports whether k, the part of a KEY=VALUE or --flag=value
// argument before '=', names a secret.
func isSecretKey(k string) bool {
	n := strings.TrimLeft(k, "-")
	if n == "" || !isName(n) {
		return false
	}
	if name, ok := flagName(k); ok && secretFlags[name] {
		return true
	}
	return containsWord(n, secretKeyWords)
}

// secretFileSuffixes end the names of keys and flags whose value should
// be the path of a secret's file, not the secret: REDIS_PASSWORD_FILE,
// Grafana's GF_SECURITY_ADMIN_PASSWORD__FILE, gluetun's
// OPENVPN_PASSWORD_SECRETFILE, --password-file, RAY_AUTH_TOKEN_PATH.
// (Compared upper case with '-' and '.' as '_'.) The name alone proves
// nothing: see isFileReference.
var secretFileSuffixes = []string{"_FILE", "SECRETFILE", "_PATH"}

// namesSecretFile reports whether a key or flag name names a secret's
// file rather than a secret (whatever its value holds).
func namesSecretFile(name string) bool {
	u := upperName(name)
	for _, s := range secretFileSuffixes {
		if strings.HasSuffix(u, s) {
			return true
		}
	}
	return false
}

// isFileReference reports whether value v of key or flag name k is the
// path of a secret's file: k names a file (namesSecretFile) and v looks
// like a path. DB_PASSWORD_FILE=hunter2 is the secret itself, written
// where its file's path belongs.
func isFileReference(k, v string) bool {
	return namesSecretFile(k) && looksLikePath(v)
}

// looksLikePath reports whether v is written as a file's path: absolute
// ("/...", "~/...") or explicitly relative ("./...", "../..."), with no white
// space and no URL scheme.
func looksLikePath(v string) bool {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "./") && !strings.HasPrefix(v, "../") && !strings.HasPrefix(v, "~/") {
		return false
	}
	return strings.IndexFunc(v, unicode.IsSpace) < 0 && !strings.Contains(v, "://")
}

// isSecretReference reports whether an environment value names a secret's
// file instead of holding it: a path under /run/secrets/, where compose
// and swarm mount secrets.
func isSecretReference(v string) bool {
	v = strings.TrimSpace(v)
	return strings.HasPrefix(path.Clean(v), "/run/secrets/") && strings.IndexFunc(v, unicode.IsSpace) < 0
}

// containsWord reports whether name, upper-cased with '-' and '.' as '_',
// contains one of words.
func containsWord(name string, words []string) bool {
	u := upperName(name)
	for _, w := range words {
		if strings.Contains(u, w) {
			return true
		}
	}
	return false
}

// upperName is a key or flag name upper-cased, with '-' and '.' as '_'.
func upperName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return unicode.ToUpper(r)
	}, name)
}

// isName reports whether s looks like an option or variable name.
func isName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return true
}

// redactURL replaces the passwords in the URLs within s with "<redacted>":
// the part after the colon of the userinfo (redis://:pw@host,
// http://user:pw@host) and the values of query parameters whose name
// names a secret (?token=..., &api_key=...). Anything that is not a URL is
// returned unchanged.
func redactURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	i := 0 // s[:i] is written
	for {
		k := strings.Index(s[i:], "://")
		if k < 0 {
			break
		}
		start := i + k + 3
		// The userinfo ends at the last '@' of the word, not at the first
		// '/': a password may hold '/', '?' or '#' unencoded (base64).
		word := start + urlWordEnd(s[start:])
		end := start + indexAnyOrLen(s[start:], "/?#", true)
		if at := strings.LastIndexByte(s[start:word], '@'); at >= 0 {
			host := start + at + 1
			end = host + indexAnyOrLen(s[host:], "/?#", true)
			if c := strings.IndexByte(s[start:start+at], ':'); c >= 0 && c+1 < at {
				b.WriteString(s[i : start+c+1])
				b.WriteString(redacted)
				b.WriteString(s[start+at : end])
				i = end
			}
		}
		// The path, query and fragment run to white space or the next URL.
		rest := s[end:]
		stop := urlWordEnd(rest)
		b.WriteString(s[i:end])
		b.WriteString(redactQuery(rest[:stop]))
		i = end + stop
	}
	b.WriteString(s[i:])
	return b.String()
}

// redactQuery redacts the secret parameter values of a URL's path, query
// and fragment.
func redactQuery(p string) string {
	q := strings.IndexByte(p, '?')
	if q < 0 {
		return p
	}
	var b strings.Builder
	b.WriteString(p[:q+1])
	params := p[q+1:]
	frag := ""
	if h := strings.IndexByte(params, '#'); h >= 0 {
		params, frag = params[:h], params[h:]
	}
	for j, kv := range strings.Split(params, "&") {
		if j > 0 {
			b.WriteByte('&')
		}
		if k, v, ok := strings.Cut(kv, "="); ok && isSecretKey(k) && !isFileReference(k, v) {
			b.WriteString(k + "=" + redacted)
			continue
		}
		b.WriteString(kv)
	}
	b.WriteString(frag)
	return b.String()
}

// urlWordEnd returns the index of the first white space or "://" in s
// (where a URL's word ends, or the next URL begins), or len(s). Scanning
// only that far keeps redactURL linear in s.
func urlWordEnd(s string) int {
	for i, r := range s {
		if unicode.IsSpace(r) || r == ':' && strings.HasPrefix(s[i:], "://") {
			return i
		}
	}
	return len(s)
}

// indexAnyOrLen returns the index of the first byte of s in chars (or of
// white space, when space is set), or len(s).
func indexAnyOrLen(s, chars string, space bool) int {
	for i, r := range s {
		if strings.ContainsRune(chars, r) || space && unicode.IsSpace(r) {
			return i
		}
	}
	return len(s)
}
