package report

import (
	"net/url"
	"strings"
	"unicode"
)

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// oneLine sanitizes s and folds runs of white space into one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(sanitize(s)), " ")
}

// truncate cuts s to at most n characters (runes), ending in "…" when cut.
func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// escapeURIPath percent-encodes each segment of a slash-separated
// relative path so it is a valid URI reference GitHub accepts: spaces and
// other reserved characters are escaped, and so is ':' (a colon in the first
// segment would read as a scheme).
func escapeURIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/")
}

// strPtr, intPtr and uintPtr return a pointer to a copy of their
// argument, as go-sarif's optional fields want.
func strPtr(s string) *string { return &s }
func intPtr(n int) *int       { return &n }
func uintPtr(n int) *uint     { u := uint(n); return &u }

// sanitizeAll sanitizes each string of ss.
func sanitizeAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, sanitize(s))
	}
	return out
}

// sanitize makes an attacker-controllable string (container names, labels,
// commands) safe to print: control characters, which could drive a
// terminal, become U+FFFD, tabs and newlines a space, and invisible format
// characters (bidi overrides, zero-width), which could make a name read
// differently in a terminal or on GitHub's pages, are dropped.
func sanitize(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return isControl(r) || isFormat(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(' ')
		case isControl(r):
			b.WriteRune('\uFFFD')
		case isFormat(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isFormat reports invisible format characters (bidi controls, zero-width).
func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}
