package report

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// evidenceValues flattens an evidence value into display strings: a list
// gives one per element, an object its JSON (keys sorted).
func evidenceValues(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, evidenceString(e))
		}
		return out
	}
	return []string{evidenceString(v)}
}

// evidenceString shows one evidence value: text as it is, numbers and
// booleans plainly, anything else as JSON.
func evidenceString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool, int, int64:
		return fmt.Sprint(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// mdText escapes s as inline GitHub-flavoured Markdown that is safe in a
// table cell: control and invisible formatting characters (bidi overrides,
// zero-width) are removed, line breaks become spaces, HTML's &, < and >
// become entities, and Markdown's punctuation (\ ` * _ [ ] | ~ # !) is
// backslash-escaped, so the text renders exactly as given.
func mdText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case isControl(r) || isFormat(r):
			// dropped
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case strings.ContainsRune("\\`*_[]|~#!", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdTrusted renders text written by a policy author (a remediation, a
// description), keeping its `code spans`: each span is kept as code when
// its content is plain, and everything else is escaped with mdText.
func mdTrusted(s string) string {
	s = oneLine(s)
	if strings.Count(s, "`")%2 != 0 {
		return mdText(s)
	}
	parts := strings.Split(s, "`")
	for i, p := range parts {
		switch {
		case i%2 == 0:
			parts[i] = mdText(p)
		case p == "" || strings.ContainsAny(p, "|<>&") || strings.ContainsFunc(p, func(r rune) bool { return isControl(r) || isFormat(r) }):
			parts[i] = mdText("`" + p + "`")
		default:
			parts[i] = "`" + p + "`"
		}
	}
	return strings.Join(parts, "")
}

var safeURLRE = regexp.MustCompile(`^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~:/?#@!$'()*+,;=%-]*)?$`)

// mdLink renders a plain http(s) URL as an autolink, anything else escaped.
func mdLink(s string) string {
	if safeURLRE.MatchString(s) {
		return "<" + s + ">"
	}
	return mdText(s)
}

// mdReference renders one reference: a URL as a link, else trusted text.
func mdReference(s string) string {
	if safeURLRE.MatchString(s) {
		return "<" + s + ">"
	}
	return mdTrusted(s)
}

// mdReferences renders references, separated by semicolons.
func mdReferences(refs []string) string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = mdReference(r)
	}
	return strings.Join(out, "; ")
}
