package collectors

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"unicode"

	"github.com/mlscan/mlscan/snapshot"
)

// composeMaxBytes bounds the compose file read for literal secrets: a
// larger file is not read (a partial read cannot prove it holds none).
const composeMaxBytes = 1 << 20

// kernelTrees are where device and kernel files live: a compose file a
// label names there is not opened at all (opening a device can have
// effects, reading a /proc file can block).
var kernelTrees = []string{"/proc", "/sys", "/dev"}

// readComposeContent reads compose file p (hostPath on this machine, under
// the scan's root) and reports where it writes a secret value out; the
// values are returned for the scrubber, never stored. p comes from a
// container's label: it is read only if it is a regular file on a disk
// file system, not a symbolic link, and at most composeMaxBytes long; any
// other file gets a status and a reason, never a read that could block.
func readComposeContent(p, hostPath string) (*snapshot.FileContent, []string) {
	fc := &snapshot.FileContent{Source: snapshot.Source{From: "read " + p}, LiteralSecrets: []string{}}
	b, err := readLabelledFile(p, hostPath)
	if err != nil {
		fc.Status, fc.Error = snapshot.StatusError, err.Error()
		if errors.Is(err, fs.ErrPermission) {
			fc.Status = snapshot.StatusPermission
		}
		return fc, nil
	}
	fc.Status = snapshot.StatusOK
	var values []string
	for _, s := range composeLiteralSecrets(string(b)) {
		fc.LiteralSecrets = append(fc.LiteralSecrets, s.where)
		values = append(values, s.value)
	}
	return fc, values
}

// readLabelledFile reads a file a container's label names, as
// readComposeContent describes. Its errors name the path and the reason.
func readLabelledFile(p, hostPath string) ([]byte, error) {
	clean := path.Clean(p)
	for _, t := range kernelTrees {
		if clean == t || strings.HasPrefix(clean, t+"/") {
			return nil, fmt.Errorf("%s is under %s (device and kernel files): not read", p, t)
		}
	}
	f, err := openRegular(hostPath, composeMaxBytes, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, composeMaxBytes+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", p, err)
	case len(b) > composeMaxBytes:
		return nil, fmt.Errorf("%s grew past %d MiB while read: not read", p, composeMaxBytes>>20)
	}
	return b, nil
}

// literalSecret is a secret value a compose file writes out: where (line
// and key, flag or "URL password") and the value (never stored).
type literalSecret struct {
	where, value string
}

// composeLiteralSecrets finds the secret values a compose file writes out
// instead of referencing a variable: a secret-named key (REDIS_PASSWORD:
// or - REDIS_PASSWORD=) with a value, a URL with a password, the value of
// a secret flag (--requirepass pw, --basic_auth=user:pw, redis-cli -a pw).
// Values made only of ${VAR} / $VAR references (Compose interpolates them
// from .env or the environment, $$VAR is left to the container's shell)
// are not literal; a non-empty default (${VAR:-pw}) is.
//
// It reads the file as lines and words, not as YAML: a flag's value may
// sit on the next line (a list item or a folded string), a key ends what
// came before it.
func composeLiteralSecrets(text string) []literalSecret {
	var out []literalSecret
	seen := map[string]bool{}
	add := func(line int, key, value string) {
		if !isLiteralValue(value) {
			return
		}
		where := fmt.Sprintf("line %d: %s", line, key)
		if !seen[where] {
			seen[where] = true
			out = append(out, literalSecret{where: where, value: value})
		}
	}
	// The words of the whole file, each with its line; composeBreak ends
	// a command (a new YAML key), so a flag never takes the next key's
	// words as its value.
	var words []string
	var lines []int
	for i, raw := range strings.Split(text, "\n") {
		n := i + 1
		l := strings.TrimSpace(stripYAMLComment(raw))
		for strings.HasPrefix(l, "- ") || l == "-" {
			l = strings.TrimSpace(strings.TrimPrefix(l, "-"))
		}
		l = unquoteWhole(l)
		if l == "" {
			continue
		}
		// KEY: value and KEY=value (a mapping entry or an environment
		// list item).
		if k, v, ok := yamlKeyValue(l); ok && composeSecretKey(k, v) {
			add(n, k, unquote(v))
		}
		if rest, ok := mappingValue(l); ok {
			words, lines = append(words, composeBreak), append(lines, n)
			l = rest
		}
		for _, w := range composeFields(l) {
			if w = strings.Trim(w, `[],"'`); w != "" {
				words, lines = append(words, w), append(lines, n)
			}
		}
	}
	for _, f := range argvLiteralSecrets(words) {
		if f.value == composeBreak {
			continue
		}
		// A KEY=value word counts when its key names a secret as an
		// environment key would; flags, URL passwords and tokens always.
		if !strings.HasPrefix(f.key, "-") && !strings.HasPrefix(f.key, "URL ") && f.key != "argument" && !composeSecretKey(f.key, f.value) {
			continue
		}
		add(lines[f.index], f.key, f.value)
	}
	return out
}

// composeFields splits l at white space outside ${...} references (whose
// error messages and defaults may hold spaces).
func composeFields(l string) []string {
	var out []string
	depth, from := 0, -1
	for i, r := range l {
		switch {
		case r == '{' && i > 0 && l[i-1] == '$':
			depth++
		case r == '}' && depth > 0:
			depth--
		case unicode.IsSpace(r) && depth == 0:
			if from >= 0 {
				out = append(out, l[from:i])
				from = -1
			}
			continue
		}
		if from < 0 {
			from = i
		}
	}
	if from >= 0 {
		out = append(out, l[from:])
	}
	return out
}

// composeBreak stands between the words of two YAML keys.
const composeBreak = "\x00"

// indexedSecret is a secret of an argv with the index of its word.
type indexedSecret struct {
	secretValue
	index int
}

// argvLiteralSecrets are the secrets redact.go finds in words (flags,
// KEY=VALUE words, URL passwords and tokens), each with its word's index.
// A Redis client's -a counts after any word naming one (redis-cli in a
// healthcheck).
func argvLiteralSecrets(words []string) []indexedSecret {
	var out []indexedSecret
	scan := func(from int, argv []string) {
		red := redactArgv(argv)
		redisTool := len(argv) > 0 && isRedisTool(argv[0])
		for i, a := range argv {
			var ss []secretValue
			if a != red[i] {
				prev := ""
				if i > 0 {
					prev = argv[i-1]
				}
				ss = diffSecrets(a, red[i], prev, redisTool)
			}
			if _, pws := redactUserinfo(red[i]); len(pws) > 0 {
				for _, p := range pws {
					ss = append(ss, secretValue{key: "URL password", target: firstScheme(a), value: p})
				}
			}
			for _, s := range ss {
				for _, e := range s.expand() {
					out = append(out, indexedSecret{e, from + i})
				}
			}
		}
	}
	scan(0, words)
	// Each Redis tool's words run to the next key or the next Redis tool
	// (which scans its own): every word is scanned at most twice.
	for i, w := range words {
		if isRedisTool(w) {
			end := i + 1
			for end < len(words) && words[end] != composeBreak && !isRedisTool(words[end]) {
				end++
			}
			scan(i, words[i:end])
		}
	}
	return out
}

// yamlKeyRE matches "KEY: value" and "KEY=value" (the key quoted or not).
var yamlKeyRE = regexp.MustCompile(`^["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*(?::\s+|:$|=)(.*)$`)

// yamlKeyValue splits a line (without its list marker) into key and value.
func yamlKeyValue(l string) (key, value string, ok bool) {
	m := yamlKeyRE.FindStringSubmatch(l)
	if m == nil {
		return "", "", false
	}
	return m[1], strings.TrimSpace(m[2]), true
}

// mappingKeyRE matches a YAML mapping key ("command:", "test: [...]").
var mappingKeyRE = regexp.MustCompile(`^["']?[A-Za-z_<][A-Za-z0-9_.\-<]*["']?:(\s+|$)`)

// mappingValue returns the rest of a mapping line after its key.
func mappingValue(l string) (string, bool) {
	loc := mappingKeyRE.FindStringIndex(l)
	if loc == nil {
		return "", false
	}
	return l[loc[1]:], true
}

// composeSecretKey reports whether key=value holds a secret: the key names
// one as an environment key would (REDIS_PASSWORD, SECRET_KEY,
// DB_PASSWORD_FILE; not *_MODE), and the value is no block indicator,
// alias, flag or path of a secret's file.
func composeSecretKey(key, value string) bool {
	if envAllowed[key] && !namesSecretFile(key) || envVersionKeys[key] || !isSecretEnvKey(key) {
		return false
	}
	v := strings.TrimSpace(unquote(value))
	switch strings.ToLower(v) {
	case "", "|", ">", "|-", ">-", "|+", ">+", "true", "false", "yes", "no", "on", "off", "null", "~":
		return false
	}
	if strings.HasPrefix(v, "*") || strings.HasPrefix(v, "&") || strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[") {
		return false
	}
	if strings.Contains(v, "://") {
		return false // a URL: only its password counts (judged as a URL)
	}
	if m := defaultRE.FindStringSubmatch(v); m != nil {
		v = m[1] // ${DB_PASSWORD_FILE:-/run/secrets/db}: the default is written out
	}
	if isSecretReference(v) || isFileReference(key, v) {
		return false // the path of a secret's file
	}
	return true
}

// defaultRE matches a value that is one reference with a default,
// ${VAR:-default} or ${VAR-default}.
var defaultRE = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}$`)

// refRE matches one variable reference: ${VAR}, ${VAR:?err}, ${VAR?err},
// ${VAR:-} (an empty default), $VAR, and $$ forms left to the shell.
var refRE = regexp.MustCompile(`\$\$?\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*|:?-)?\}|\$\$?[A-Za-z_][A-Za-z0-9_]*`)

// maxRefDepth bounds the nesting of references isLiteralValue unwraps
// (each level is one pass over the value).
const maxRefDepth = 8

// isLiteralValue reports whether v writes something out: what is left
// after removing every variable reference is not empty.
func isLiteralValue(v string) bool {
	v = unquote(strings.TrimSpace(v))
	for pass := 0; ; pass++ {
		r := refRE.ReplaceAllString(v, "")
		if r == v {
			break
		}
		if pass == maxRefDepth {
			return true // nested deeper than any real file: count it
		}
		v = r
	}
	return strings.TrimFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == '"' || r == '\'' }) != ""
}

// unquoteWhole removes the quotes of a line quoted as a whole
// (- "KEY=value"), but not of "KEY": "value".
func unquoteWhole(l string) string {
	if len(l) >= 2 && (l[0] == '"' || l[0] == '\'') && l[len(l)-1] == l[0] && strings.Count(l, l[:1]) == 2 {
		return l[1 : len(l)-1]
	}
	return l
}

// unquote removes one pair of matching outer quotes.
func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// stripYAMLComment removes a comment: '#' at the start of the line or
// after white space, outside quotes.
func stripYAMLComment(l string) string {
	var quote rune
	prevSpace := true
	for i, r := range l {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			if prevSpace || i == 0 {
				quote = r
			}
		case r == '#' && prevSpace:
			return l[:i]
		}
		prevSpace = unicode.IsSpace(r)
	}
	return l
}
