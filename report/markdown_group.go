package report

import (
	"encoding/json"
	"strings"

	"github.com/mlscan/mlscan/scanner"
)

// findingGroup is one entry of the Markdown failures: one result, or one
// finding of a rule on several addresses of the same service (the Ray
// dashboard on 10.0.0.84:8265 and 127.0.0.1:8265). Only the Markdown
// report groups: SARIF and JSON keep one result per subject, as code
// scanning and waivers need.
type findingGroup struct {
	results []*scanner.Result
	// port and addrs are the listener targets' port and addresses (in
	// the order of the results) when the group has more than one result.
	port  int
	addrs []string
}

// groupByAddress merges the results about one listener each (Target kind
// listener) that are the same in every other field (rule, status,
// severity, message, evidence, location, waiver, the target's port,
// protocol and registry entry...) once the listener's address is taken out
// of the target and its subject out of the text: the same finding on
// several addresses of one port. Groups keep the order of their first
// result; any other result (another kind of target, or none, as from a
// site policy) is a group of its own.
func groupByAddress(list []*scanner.Result) []*findingGroup {
	var out []*findingGroup
	byKey := map[string]*findingGroup{}
	for _, res := range list {
		t := res.Target
		if t == nil || t.Kind != scanner.TargetListener {
			out = append(out, &findingGroup{results: []*scanner.Result{res}})
			continue
		}
		key, ok := groupKey(res)
		if !ok {
			out = append(out, &findingGroup{results: []*scanner.Result{res}})
			continue
		}
		if g := byKey[key]; g != nil {
			g.results = append(g.results, res)
			g.addrs = append(g.addrs, t.Address)
			continue
		}
		g := &findingGroup{results: []*scanner.Result{res}, port: t.Port, addrs: []string{t.Address}}
		byKey[key] = g
		out = append(out, g)
	}
	return out
}

// groupKey is the result as JSON with the target's address left out and
// its subject blanked wherever the text names it.
func groupKey(res *scanner.Result) (string, bool) {
	c := *res
	c.Subject = ""
	t := *res.Target
	t.Address = ""
	c.Target = &t
	b, err := json.Marshal(c)
	if err != nil {
		return "", false
	}
	return replaceSubject(string(b), res.Subject, "\x00"), true
}

// replaceSubject replaces the subject subj (an address:port) in s where
// it stands on its own: not inside a longer address or port (10.0.0.8:80
// is not in 110.0.0.8:80 or 10.0.0.8:8080).
func replaceSubject(s, subj, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, subj)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(subj)
		if (i > 0 && isAddrByte(s[i-1])) || (end < len(s) && isDigit(s[end])) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(with)
		s = s[end:]
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAddrByte(c byte) bool {
	return isDigit(c) || c == '.' || c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// names says whether s names the subject subj (as replaceSubject finds it).
func names(s, subj string) bool { return replaceSubject(s, subj, "\x00") != s }

// subjects joins the group's subjects as a list in prose: "a, b and c".
func (g *findingGroup) subjects() string {
	n := len(g.results)
	var b strings.Builder
	for i, res := range g.results {
		switch i {
		case 0:
		case n - 1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(res.Subject)
	}
	return b.String()
}

// finding is the message of the group: the first result's, with its
// subject replaced by every subject of the group.
func (g *findingGroup) finding() string {
	res := g.results[0]
	if len(g.results) == 1 {
		return res.Message
	}
	if names(res.Message, res.Subject) {
		return replaceSubject(res.Message, res.Subject, g.subjects())
	}
	return res.Message + " (on " + g.subjects() + ")"
}

// likewise shows a field of the first result that names its subject, and
// says the others read the same with their own address.
func (g *findingGroup) likewise(s string) string {
	first := g.results[0].Subject
	if len(g.results) == 1 || !names(s, first) {
		return s
	}
	var others []string
	for _, res := range g.results[1:] {
		others = append(others, res.Subject)
	}
	return s + " (likewise for " + strings.Join(others, ", ") + ")"
}

// evidence is the first result's evidence with likewise applied to the
// text values that name the subject.
func (g *findingGroup) evidence() scanner.Evidence {
	e := g.results[0].Evidence
	if len(g.results) == 1 {
		return e
	}
	e.Observed, e.Expected = g.likewiseValue(e.Observed), g.likewiseValue(e.Expected)
	e.Source = g.likewise(e.Source)
	return e
}

// likewiseValue applies likewise to a text evidence value or to the text
// elements of a list.
func (g *findingGroup) likewiseValue(v any) any {
	switch x := v.(type) {
	case string:
		return g.likewise(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
			if s, ok := e.(string); ok {
				out[i] = g.likewise(s)
			}
		}
		return out
	}
	return v
}
