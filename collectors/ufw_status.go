package collectors

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// parseUFWStatus parses the output of `ufw status`, `ufw status verbose` or
// `ufw status numbered`. It returns the state the header reports (the
// Source is left for the caller) and the rules in the order printed.
//
// Rows are split at the action word (ALLOW, DENY, REJECT, LIMIT, optionally
// followed by IN, OUT or FWD), never at fixed columns, since ufw lets a long
// To field push the rest of the row right. Plain `ufw status` prints
// incoming rules without IN; they get direction in. An application rule
// shown by name only (plain and numbered forms) has ToApp or FromApp set
// and its ports are not in the output: ToPorts is then "any" and ToRanges
// empty. A row that cannot be parsed is an error naming its line; see
// parseUFWStatusLenient to keep going past it.
func parseUFWStatus(r io.Reader) (snapshot.UFWLive, []snapshot.UFWRule, error) {
	live, rules, unparsed, err := parseUFWStatusLenient(r)
	if err == nil && len(unparsed) > 0 {
		return live, nil, unparsedErr(unparsed[0])
	}
	return live, rules, err
}

// parseUFWStatusLenient is parseUFWStatus that degrades per row: a rule row
// it cannot read is returned in unparsed, verbatim with the reason and what
// could still be read of it (From left for the caller), and every other row
// is still parsed. Only input that is not ufw status output at all (no
// Status line, an unknown header line, more than maxUFWUnparsed bad rows) is
// an error.
func parseUFWStatusLenient(r io.Reader) (live snapshot.UFWLive, rules []snapshot.UFWRule, unparsed []snapshot.UFWUnparsedRule, err error) {
	text, err := readUFWInput(r)
	if err != nil {
		return live, nil, nil, err
	}
	// At most one rule a line: size the list once.
	rules = make([]snapshot.UFWRule, 0, min(strings.Count(text, "\n")+1, 4096))
	seenStatus, inTable := false, false
	nets := ufwNets{}
	for n := 1; text != ""; n++ {
		var line string
		line, text = ufwNextLine(text)
		raw := strings.TrimRight(line, " \t")
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" {
			continue
		}
		if !seenStatus {
			v, ok := strings.CutPrefix(trimmed, "Status: ")
			if !ok {
				return live, nil, nil, fmt.Errorf("line %d: want \"Status: active|inactive\", got %q", n, ufwClip(raw))
			}
			switch v {
			case "active":
				live.Active = true
			case "inactive":
			default:
				return live, nil, nil, fmt.Errorf("line %d: unknown status %q", n, ufwClip(v))
			}
			seenStatus = true
			continue
		}
		if !inTable {
			if err := ufwParseStatusHeader(trimmed, &live); err != nil {
				return live, nil, nil, fmt.Errorf("line %d: %w: %q", n, err, ufwClip(raw))
			}
			inTable = ufwIsTableHeader(trimmed)
			continue
		}
		if strings.Trim(trimmed, "- ") == "" {
			continue // the "--   ------   ----" underline
		}
		rule, toOK, err := ufwParseStatusRow(raw, nets)
		if err != nil {
			if len(unparsed) == maxUFWUnparsed {
				return live, nil, nil, fmt.Errorf("more than %d rule rows not understood: not ufw status output", maxUFWUnparsed)
			}
			unparsed = append(unparsed, ufwStatusUnparsed(rule, toOK, raw, err, n, len(rules)))
			continue
		}
		rules = append(rules, rule)
	}
	if !seenStatus {
		return live, nil, nil, errors.New("no \"Status:\" line: not ufw status output")
	}
	if !live.Active && len(rules)+len(unparsed) > 0 {
		return live, nil, nil, errors.New("rules listed while status is inactive")
	}
	return live, rules, unparsed, nil
}

// ufwStatusUnparsed records a status row that failed to parse, with what
// ufwParseStatusRow had read of it: the action and direction, and the
// ports and protocol when the To field was read (toOK).
func ufwStatusUnparsed(partial snapshot.UFWRule, toOK bool, raw string, err error, line, before int) snapshot.UFWUnparsedRule {
	u := ufwUnparsed(raw, err, line, before)
	u.Action, u.Direction = partial.Action, partial.Direction
	if toOK && partial.ToApp == "" {
		u.PortsKnown, u.ToRanges, u.Proto = true, partial.ToRanges, partial.Proto
	}
	// ufw marks every IPv6 row "(v6)" or shows an IPv6 address; a row with
	// neither and no colon at all is IPv4.
	switch {
	case partial.V6 || strings.Contains(raw, "(v6)"):
		u.Family = "ipv6"
	case !strings.Contains(raw, ":"):
		u.Family = "ipv4"
	}
	return u
}

// ufwIsTableHeader reports whether s is the "To  Action  From" header.
func ufwIsTableHeader(s string) bool {
	f := strings.Fields(s)
	return len(f) == 3 && f[0] == "To" && f[1] == "Action" && f[2] == "From"
}

// ufwParseStatusHeader reads one line between "Status:" and the rule table.
func ufwParseStatusHeader(s string, live *snapshot.UFWLive) error {
	switch {
	case ufwIsTableHeader(s):
		return nil
	case strings.HasPrefix(s, "Logging: "):
		v := strings.TrimPrefix(s, "Logging: ")
		state, level, hasLevel := strings.Cut(v, " (")
		live.Logging = state
		if hasLevel {
			if !strings.HasSuffix(level, ")") {
				return errors.New("bad logging level")
			}
			live.LogLevel = strings.TrimSuffix(level, ")")
		}
		return nil
	case strings.HasPrefix(s, "Default: "):
		return ufwParseStatusDefaults(strings.TrimPrefix(s, "Default: "), live)
	}
	// Other "Key: value" lines ("New profiles: skip", or ones a later ufw
	// adds) carry nothing a check needs.
	key, _, ok := strings.Cut(s, ": ")
	if !ok || key == "" || !ufwIsHeaderKey(key) {
		return errors.New("unexpected line before the rule table")
	}
	return nil
}

func ufwIsHeaderKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ' ') {
			return false
		}
	}
	return k[0] >= 'A' && k[0] <= 'Z'
}

// ufwParseStatusDefaults parses "deny (incoming), allow (outgoing), disabled (routed)".
func ufwParseStatusDefaults(v string, live *snapshot.UFWLive) error {
	for part := range strings.SplitSeq(v, ", ") {
		word, label, ok := strings.Cut(part, " (")
		if !ok || !strings.HasSuffix(label, ")") || word == "" {
			return errors.New("bad default policy list")
		}
		word = strings.ToLower(word)
		switch strings.TrimSuffix(label, ")") {
		case "incoming":
			live.DefaultIncoming = word
		case "outgoing":
			live.DefaultOutgoing = word
		case "routed":
			live.DefaultRouted = word
		default:
			return fmt.Errorf("unknown default policy %q", ufwClip(label))
		}
	}
	return nil
}

// ufwStatusAction maps the action word of a status row to a rule action,
// or "" when w is not one.
func ufwStatusAction(w string) string {
	switch w {
	case "ALLOW":
		return "allow"
	case "DENY":
		return "deny"
	case "REJECT":
		return "reject"
	case "LIMIT":
		return "limit"
	}
	return ""
}

// ufwStatusDirection maps the direction word of a status row, or "".
func ufwStatusDirection(w string) string {
	switch w {
	case "IN":
		return "in"
	case "OUT":
		return "out"
	case "FWD":
		return "fwd"
	}
	return ""
}

// ufwSpan is a whitespace-separated field of a line: s[start:end].
type ufwSpan struct{ start, end int }

// ufwFieldSpans returns the positions of the whitespace-separated fields of s.
func ufwFieldSpans(s string, buf []ufwSpan) []ufwSpan {
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			break
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		buf = append(buf, ufwSpan{i, j})
		i = j
	}
	return buf
}

// ufwStatusToWidth is the width ufw pads the To column to ("%-26s ").
const ufwStatusToWidth = 26

// ufwParseStatusRow parses one rule row of `ufw status`. On error the rule
// holds what was read before it, and toOK says whether the To field (ports,
// protocol) was.
func ufwParseStatusRow(raw string, nets ufwNets) (rule snapshot.UFWRule, toOK bool, err error) {
	rule = snapshot.UFWRule{Raw: raw}
	s := raw
	// Numbered form: "[ 1] " / "[12] " before the row.
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return rule, false, errors.New("unterminated rule number")
		}
		if _, err := strconv.Atoi(strings.TrimSpace(s[1:end])); err != nil {
			return rule, false, errors.New("bad rule number")
		}
		s = strings.TrimPrefix(s[end+1:], " ")
	}
	var buf [24]ufwSpan
	spans := ufwFieldSpans(s, buf[:0])
	// The action is where ufw's format puts it when the To column did not
	// overflow, else the first action word after the first field.
	ai := -1
	for i, sp := range spans {
		if i > 0 && ufwStatusAction(s[sp.start:sp.end]) != "" && (sp.start == ufwStatusToWidth+1 || ai < 0) {
			ai = i
			if sp.start == ufwStatusToWidth+1 {
				break
			}
		}
	}
	if ai < 0 {
		return rule, false, errors.New("no action (ALLOW, DENY, REJECT or LIMIT)")
	}
	rule.Action = ufwStatusAction(s[spans[ai].start:spans[ai].end])
	rule.Direction = "in"
	fromAt := ai + 1
	if fromAt < len(spans) {
		if d := ufwStatusDirection(s[spans[fromAt].start:spans[fromAt].end]); d != "" {
			rule.Direction = d
			fromAt++
		}
	}
	if fromAt >= len(spans) {
		return rule, false, errors.New("no From field")
	}
	toText := strings.TrimSpace(s[:spans[ai].start])
	rest := s[spans[fromAt].start:]

	// Comment: everything after the first " #" (ufw prints " # "; fields
	// never contain "#").
	if i := strings.Index(rest, " #"); i >= 0 {
		rule.Comment = strings.TrimSpace(rest[i+2:])
		rest = rest[:i]
	} else if strings.HasPrefix(rest, "#") {
		return rule, false, errors.New("no From field")
	}
	fromText := strings.TrimSpace(rest)
	// Attributes after From: " (log)", " (log-all)", " (out)", " (log, out)".
	if strings.HasSuffix(fromText, ")") {
		if i := strings.LastIndexByte(fromText, '('); i > 0 && fromText[i-1] == ' ' {
			if logType, ok := ufwParseStatusAttribs(fromText[i+1 : len(fromText)-1]); ok {
				rule.Log = logType
				fromText = strings.TrimSpace(fromText[:i])
			}
		}
	}

	to, err := ufwParseStatusEndpoint(toText)
	if err != nil {
		return rule, false, fmt.Errorf("To %q: %w", ufwClip(toText), err) //nolint:staticcheck // ST1005: ufw's column name
	}
	rule.ToPorts, rule.ToRanges, rule.ToApp, rule.Proto, rule.V6 = to.ports, to.ranges, to.app, to.proto, to.v6
	from, err := ufwParseStatusEndpoint(fromText)
	if err != nil {
		return rule, true, fmt.Errorf("From %q: %w", ufwClip(fromText), err) //nolint:staticcheck // ST1005: ufw's column name
	}
	switch {
	case to.proto != "" && from.proto != "" && to.proto != from.proto:
		return rule, false, fmt.Errorf("protocols disagree: %s and %s", to.proto, from.proto)
	case to.proto != "":
		rule.Proto = to.proto
	case from.proto != "":
		rule.Proto = from.proto
	default:
		rule.Proto = "any"
	}
	rule.To, rule.ToPorts, rule.ToRanges, rule.ToApp = to.addr, to.ports, to.ranges, to.app
	rule.From, rule.FromPort, rule.FromRanges, rule.FromApp = from.addr, from.ports, from.ranges, from.app
	rule.V6 = to.v6 || from.v6
	// Interfaces: ufw prints the incoming interface under To and the
	// outgoing one under From for host rules, the reverse for route rules.
	// A row with a single "on" is attributed by its direction.
	switch {
	case rule.Direction == "fwd":
		rule.IfaceIn, rule.IfaceOut = from.iface, to.iface
	case to.iface != "" && from.iface != "":
		rule.IfaceIn, rule.IfaceOut = to.iface, from.iface
	case rule.Direction == "in":
		rule.IfaceIn = to.iface + from.iface
	default:
		rule.IfaceOut = to.iface + from.iface
	}
	if err := nets.set(&rule); err != nil {
		return rule, true, err
	}
	return rule, true, nil
}

// ufwParseStatusAttribs parses the inside of "(log, out)"; ok is false when it
// is not an attribute list.
func ufwParseStatusAttribs(s string) (logType string, ok bool) {
	for a := range strings.SplitSeq(s, ", ") {
		switch a {
		case "log", "log-all":
			logType = a
		case "out":
		default:
			return "", false
		}
	}
	return logType, true
}

// ufwEndpoint is one side (To or From) of a status row.
type ufwEndpoint struct {
	addr   string
	ports  string
	ranges []snapshot.PortRange
	proto  string
	app    string
	iface  string
	v6     bool
}

// ufwParseStatusEndpoint parses a To or From field:
//
//	Anywhere[/proto] [(v6)] [on IFACE]
//	[ADDR] [PORTS][/proto] [(APP[ (v6)])] [(v6)] [on IFACE]
//	[ADDR] APP NAME [(v6)] [on IFACE]        (plain and numbered forms)
func ufwParseStatusEndpoint(s string) (ufwEndpoint, error) {
	e := ufwEndpoint{addr: "any", ports: "any", ranges: []snapshot.PortRange{}}
	if s == "" {
		return e, errors.New("empty")
	}
	if i := strings.LastIndex(s, " on "); i >= 0 && !strings.ContainsAny(s[i+4:], " \t") {
		e.iface = s[i+4:]
		s = strings.TrimSpace(s[:i])
		if e.iface == "" {
			return e, errors.New("empty interface")
		}
	}
	if t, ok := strings.CutSuffix(s, "(v6)"); ok {
		e.v6 = true
		s = strings.TrimSpace(t)
	}
	// Verbose application rules: "80,443/tcp (Apache Full)", "22/tcp (OpenSSH (v6))".
	if strings.HasSuffix(s, ")") {
		depth, open := 0, -1
		for i := len(s) - 1; i >= 0; i-- {
			if s[i] == ')' {
				depth++
			} else if s[i] == '(' {
				depth--
				if depth == 0 {
					open = i
					break
				}
			}
		}
		if open <= 0 {
			return e, errors.New("unbalanced parentheses")
		}
		app := s[open+1 : len(s)-1]
		if t, ok := strings.CutSuffix(app, " (v6)"); ok {
			e.v6 = true
			app = t
		}
		if !ufwValidAppName(app) {
			return e, fmt.Errorf("bad application name %q", ufwClip(app))
		}
		e.app = app
		s = strings.TrimSpace(s[:open])
	}
	if s == "" {
		return e, errors.New("no address or port")
	}
	first, rest, _ := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	switch base, proto := ufwSplitProto(first); {
	case base == "Anywhere":
		if rest != "" {
			return e, errors.New("text after Anywhere")
		}
		e.proto = proto
		return e, nil
	case ufwIsAddress(base):
		e.addr = base
		e.v6 = e.v6 || strings.Contains(base, ":")
		if rest == "" {
			e.proto = proto
			return e, nil
		}
		if proto != "" {
			return e, errors.New("protocol on an address followed by more")
		}
	default:
		rest = s
	}
	// rest is now PORTS[/proto] or an application name.
	base, proto := ufwSplitProto(rest)
	if ranges, err := ufwParsePortSpec(base); err == nil {
		e.ports, e.ranges, e.proto = base, ranges, proto
		return e, nil
	} else if ufwLooksLikePorts(base) {
		return e, err
	}
	if e.app != "" || !ufwValidAppName(rest) {
		return e, fmt.Errorf("not an address, port or application: %q", ufwClip(rest))
	}
	e.app = rest
	return e, nil
}
