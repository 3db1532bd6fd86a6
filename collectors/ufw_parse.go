package collectors

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlscan/mlscan/internal/netspec"
	"github.com/mlscan/mlscan/snapshot"
)

// maxUFWInput caps how much of a ufw output or file the parsers read. Real
// inputs are a few kilobytes; anything bigger is not ufw's.
const maxUFWInput = 8 << 20

// errUFWTooLarge is returned for input beyond maxUFWInput.
var errUFWTooLarge = fmt.Errorf("input larger than %d MiB: not ufw output", maxUFWInput>>20)

// readUFWInput reads all of r up to maxUFWInput.
func readUFWInput(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxUFWInput+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxUFWInput {
		return "", errUFWTooLarge
	}
	return string(b), nil
}

// ufwClip shortens s for an error message: a bad line may be megabytes.
func ufwClip(s string) string {
	const limit = 160
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}

// ufwNextLine splits the first line off s, without its line ending.
func ufwNextLine(s string) (line, rest string) {
	line, rest, _ = strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r"), rest
}

// maxUFWUnparsed caps how many lines not understood a ufw output or rules
// file may hold before the whole input is rejected as not ufw's.
const maxUFWUnparsed = 256

// maxUFWUnparsedRaw caps how much of a line not understood is kept.
const maxUFWUnparsedRaw = 1024

// ParseUFWStatus parses the output of `ufw status`, `ufw status verbose` or
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
// ParseUFWStatusLenient to keep going past it.
func ParseUFWStatus(r io.Reader) (snapshot.UFWLive, []snapshot.UFWRule, error) {
	live, rules, unparsed, err := ParseUFWStatusLenient(r)
	if err == nil && len(unparsed) > 0 {
		return live, nil, unparsedErr(unparsed[0])
	}
	return live, rules, err
}

// unparsedErr is the error a strict parser returns for u.
func unparsedErr(u snapshot.UFWUnparsedRule) error {
	return fmt.Errorf("line %d: %s: %q", u.Line, u.Reason, ufwClip(u.Raw))
}

// ParseUFWStatusLenient is ParseUFWStatus that degrades per row: a rule row
// it cannot read is returned in unparsed, verbatim with the reason and what
// could still be read of it (From left for the caller), and every other row
// is still parsed. Only input that is not ufw status output at all (no
// Status line, an unknown header line, more than maxUFWUnparsed bad rows) is
// an error.
func ParseUFWStatusLenient(r io.Reader) (live snapshot.UFWLive, rules []snapshot.UFWRule, unparsed []snapshot.UFWUnparsedRule, err error) {
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

// ufwUnparsed starts the record of a line not understood.
func ufwUnparsed(raw string, err error, line, before int) snapshot.UFWUnparsedRule {
	if len(raw) > maxUFWUnparsedRaw {
		raw = strings.ToValidUTF8(raw[:maxUFWUnparsedRaw], "") + "..."
	}
	return snapshot.UFWUnparsedRule{Raw: raw, Reason: err.Error(), Line: line, Before: before, ToRanges: []snapshot.PortRange{}}
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
		return rule, false, fmt.Errorf("To %q: %w", ufwClip(toText), err)
	}
	rule.ToPorts, rule.ToRanges, rule.ToApp, rule.Proto, rule.V6 = to.ports, to.ranges, to.app, to.proto, to.v6
	from, err := ufwParseStatusEndpoint(fromText)
	if err != nil {
		return rule, true, fmt.Errorf("From %q: %w", ufwClip(fromText), err)
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

// ufwSplitProto splits "80/tcp" into "80" and "tcp", and "10.0.0.0/8/esp" into
// "10.0.0.0/8" and "esp". A numeric suffix is a prefix length, not a protocol.
func ufwSplitProto(s string) (base, proto string) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 || i == len(s)-1 {
		return s, ""
	}
	p := s[i+1:]
	if p[0] < 'a' || p[0] > 'z' {
		return s, ""
	}
	for j := 1; j < len(p); j++ {
		if !(p[j] >= 'a' && p[j] <= 'z' || p[j] >= '0' && p[j] <= '9') {
			return s, ""
		}
	}
	return s[:i], p
}

// ufwIsAddress reports whether s is an IP address, a CIDR or an
// address/mask (ufw keeps non-contiguous dotted masks as written); "any"
// and "Anywhere" are not addresses here.
func ufwIsAddress(s string) bool {
	// Cheap refusals first: ports and application names are most fields.
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || s[0] >= 'a' && s[0] <= 'f' || s[0] >= 'A' && s[0] <= 'F' || s[0] == ':') ||
		!strings.ContainsAny(s, ".:") {
		return false
	}
	n, err := netspec.Parse(s)
	return err == nil && n.Family() != netspec.Both
}

// ufwNet normalises a rule's To or From ("any" is every address of the
// rule's family).
func ufwNet(s string, v6 bool) (*snapshot.UFWNet, error) {
	if s == "any" {
		if v6 {
			return &snapshot.UFWNet{Canonical: "::/0", Any: true, Family: "ipv6", Contiguous: true, Cover: "::/0"}, nil
		}
		return &snapshot.UFWNet{Canonical: "0.0.0.0/0", Any: true, Family: "ipv4", Contiguous: true, Cover: "0.0.0.0/0"}, nil
	}
	n, err := netspec.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("bad address: %w", err)
	}
	fam := n.Family()
	if fam == netspec.Both || (fam == netspec.IPv6) != v6 {
		return nil, fmt.Errorf("address %q is not of the rule's family", ufwClip(s))
	}
	u := &snapshot.UFWNet{Canonical: n.String(), Any: n.IsAny(), Family: fam.String(), Contiguous: n.Contiguous(), Cover: n.Cover().String()}
	if !u.Contiguous {
		u.Addr, u.Mask = n.Addr().String(), n.Mask().String()
	}
	return u, nil
}

// ufwNets remembers the networks of one input's addresses (rules repeat a
// few: any, the trusted network), so each is parsed once.
type ufwNets map[ufwNetKey]snapshot.UFWNet

type ufwNetKey struct {
	addr string
	v6   bool
}

// get returns a new copy of the normalised s: rules never share a *UFWNet.
func (c ufwNets) get(s string, v6 bool) (*snapshot.UFWNet, error) {
	k := ufwNetKey{s, v6}
	if n, ok := c[k]; ok {
		return &n, nil
	}
	n, err := ufwNet(s, v6)
	if err != nil {
		return nil, err
	}
	c[k] = *n
	return n, nil
}

// set fills the rule's ToNet and FromNet.
func (c ufwNets) set(rule *snapshot.UFWRule) (err error) {
	if rule.ToNet, err = c.get(rule.To, rule.V6); err != nil {
		return fmt.Errorf("To: %w", err)
	}
	if rule.FromNet, err = c.get(rule.From, rule.V6); err != nil {
		return fmt.Errorf("From: %w", err)
	}
	return nil
}

// ufwLooksLikePorts reports whether s is made only of port-list characters.
func ufwLooksLikePorts(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] == ',' || s[i] == ':') {
			return false
		}
	}
	return true
}

func ufwIsAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ufwParsePortSpec parses "22", "80,443", "100:200,300:400" into inclusive
// ranges; "any" gives none.
func ufwParsePortSpec(s string) ([]snapshot.PortRange, error) {
	if s == "any" {
		return []snapshot.PortRange{}, nil
	}
	if !ufwLooksLikePorts(s) {
		return nil, fmt.Errorf("bad port list %q", ufwClip(s))
	}
	ranges := make([]snapshot.PortRange, 0, strings.Count(s, ",")+1)
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(item, ":")
		a, err := ufwParsePort(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = ufwParsePort(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, fmt.Errorf("bad port range %q", ufwClip(item))
			}
		}
		ranges = append(ranges, snapshot.PortRange{From: a, To: b})
	}
	return ranges, nil
}

func ufwParsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("bad port %q", ufwClip(s))
	}
	return n, nil
}

// ufwValidAppName mirrors ufw's valid_profile_name: a letter or digit, then
// letters, digits, spaces and _-.+; not a number.
func ufwValidAppName(s string) bool {
	if s == "" || ufwIsAllDigits(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if i > 0 {
			ok = ok || c == ' ' || c == '_' || c == '-' || c == '.' || c == '+'
		}
		if !ok {
			return false
		}
	}
	return true
}

// ParseUFWRulesFile parses /etc/ufw/user.rules (v6 false) or user6.rules
// (v6 true). Each "### tuple ###" line is one rule, in file order:
//
//	### tuple ### <action> <proto> <dport> <dst> <sport> <src> <dir>[ comment=<hex>]
//	### tuple ### <action> <proto> <dport> <dst> <sport> <src> <dapp> <sapp> <dir>[ comment=<hex>]
//
// The other lines must look like iptables-restore input; anything else is
// an error naming its line. See ParseUFWRulesFileLenient to keep going.
func ParseUFWRulesFile(r io.Reader, v6 bool) ([]snapshot.UFWRule, error) {
	rules, unparsed, err := ParseUFWRulesFileLenient(r, v6)
	if err == nil && len(unparsed) > 0 {
		return nil, unparsedErr(unparsed[0])
	}
	return rules, err
}

// ParseUFWRulesFileLenient is ParseUFWRulesFile that degrades per line: a
// tuple it cannot read, or a line that is not iptables-restore input, is
// returned in unparsed, verbatim with the reason and what could still be
// read of it (From left for the caller); every other tuple is still
// parsed. Only input too large or with more than maxUFWUnparsed such lines
// is an error.
func ParseUFWRulesFileLenient(r io.Reader, v6 bool) (rules []snapshot.UFWRule, unparsed []snapshot.UFWUnparsedRule, err error) {
	text, err := readUFWInput(r)
	if err != nil {
		return nil, nil, err
	}
	rules = make([]snapshot.UFWRule, 0, min(strings.Count(text, "### tuple ###"), 4096))
	family := "ipv4"
	if v6 {
		family = "ipv6"
	}
	nets := ufwNets{}
	for n := 1; text != ""; n++ {
		var line string
		line, text = ufwNextLine(text)
		raw := strings.TrimRight(line, " \t")
		var u snapshot.UFWUnparsedRule
		if body, ok := strings.CutPrefix(raw, "### tuple ###"); ok {
			rule, err := ufwParseTuple(body, v6, nets)
			if err == nil {
				rule.Raw = raw
				rules = append(rules, rule)
				continue
			}
			u = ufwUnparsed(raw, err, n, len(rules))
			ufwPartialTuple(body, &u)
		} else if ufwIsRestoreLine(strings.TrimSpace(raw)) {
			continue
		} else {
			u = ufwUnparsed(raw, errors.New("not an iptables-restore line"), n, len(rules))
		}
		if len(unparsed) == maxUFWUnparsed {
			return nil, nil, fmt.Errorf("more than %d lines not understood: not a ufw rules file", maxUFWUnparsed)
		}
		u.Family = family
		unparsed = append(unparsed, u)
	}
	return rules, unparsed, nil
}

// ufwPartialTuple reads what it can of a tuple that failed to parse: the
// action, protocol, destination ports and direction, each on its own.
func ufwPartialTuple(body string, u *snapshot.UFWUnparsedRule) {
	if i := strings.Index(body, " comment="); i >= 0 {
		body = body[:i]
	}
	f := strings.Fields(body)
	if len(f) < 6 || len(f) > 9 {
		return
	}
	action, route := f[0], false
	if a, ok := strings.CutPrefix(action, "route:"); ok {
		action, route = a, true
	}
	action, _, _ = strings.Cut(action, "_")
	switch action {
	case "allow", "deny", "reject", "limit":
		u.Action = action
	}
	if ufwValidProto(f[1]) {
		u.Proto = f[1]
	}
	if ranges, err := ufwParsePortSpec(f[2]); err == nil {
		u.PortsKnown, u.ToRanges = true, ranges
	}
	var probe snapshot.UFWRule
	if len(f) == 7 || len(f) == 9 {
		if ufwParseTupleDir(f[len(f)-1], &probe) == nil {
			u.Direction = probe.Direction
		}
	} else {
		u.Direction = "in"
	}
	if route {
		u.Direction = "fwd"
	}
}

// ufwIsRestoreLine reports whether s is a line iptables-restore accepts in a
// ufw rules file: blank, a comment, a table, a chain, a rule or COMMIT.
func ufwIsRestoreLine(s string) bool {
	if s == "" || s == "COMMIT" {
		return true
	}
	switch s[0] {
	case '#', '*', ':', '-':
		return true
	}
	return false
}

// ufwParseTuple parses what follows "### tuple ###".
func ufwParseTuple(body string, v6 bool, nets ufwNets) (snapshot.UFWRule, error) {
	var rule snapshot.UFWRule
	if i := strings.Index(body, " comment="); i >= 0 {
		c, err := ufwDecodeComment(strings.TrimSpace(body[i+len(" comment="):]))
		if err != nil {
			return rule, err
		}
		rule.Comment = c
		body = body[:i]
	}
	var buf [10]string
	f := buf[:0]
	for field := range strings.FieldsSeq(body) {
		if len(f) == len(buf) {
			return rule, errors.New("too many fields")
		}
		f = append(f, field)
	}
	// 7 and 9 fields are current; 6 and 8 are ufw's old format without a
	// direction, which ufw reads as "in".
	if len(f) < 6 || len(f) > 9 {
		return rule, fmt.Errorf("tuple has %d fields, want 7 or 9", len(f))
	}
	action := f[0]
	route := false
	if a, ok := strings.CutPrefix(action, "route:"); ok {
		route, action = true, a
	}
	action, logType, _ := strings.Cut(action, "_")
	switch action {
	case "allow", "deny", "reject", "limit":
	default:
		return rule, fmt.Errorf("unknown action %q", ufwClip(f[0]))
	}
	switch logType {
	case "", "log", "log-all":
	default:
		return rule, fmt.Errorf("unknown log type %q", ufwClip(logType))
	}
	rule.Action, rule.Log = action, logType
	if !ufwValidProto(f[1]) {
		return rule, fmt.Errorf("bad protocol %q", ufwClip(f[1]))
	}
	rule.Proto = f[1]
	var err error
	if rule.ToRanges, err = ufwParsePortSpec(f[2]); err != nil {
		return rule, err
	}
	if rule.FromRanges, err = ufwParsePortSpec(f[4]); err != nil {
		return rule, err
	}
	rule.ToPorts, rule.FromPort = f[2], f[4]
	if rule.To, err = ufwTupleAddress(f[3]); err != nil {
		return rule, err
	}
	if rule.From, err = ufwTupleAddress(f[5]); err != nil {
		return rule, err
	}
	if len(f) >= 8 {
		rule.ToApp, rule.FromApp = ufwTupleApp(f[6]), ufwTupleApp(f[7])
	}
	dir := "in"
	if len(f) == 7 || len(f) == 9 {
		dir = f[len(f)-1]
	}
	if err := ufwParseTupleDir(dir, &rule); err != nil {
		return rule, err
	}
	if route {
		rule.Direction = "fwd"
	}
	rule.V6 = v6 || strings.Contains(rule.To, ":") || strings.Contains(rule.From, ":")
	if err := nets.set(&rule); err != nil {
		return rule, err
	}
	return rule, nil
}

// ufwParseTupleDir parses in, out, in_IF, out_IF or in_IF!out_IF.
func ufwParseTupleDir(dir string, rule *snapshot.UFWRule) error {
	in, out, both := strings.Cut(dir, "!")
	if both {
		ifIn, okIn := strings.CutPrefix(in, "in_")
		ifOut, okOut := strings.CutPrefix(out, "out_")
		if !okIn || !okOut || ifIn == "" || ifOut == "" {
			return fmt.Errorf("bad direction %q", ufwClip(dir))
		}
		rule.Direction, rule.IfaceIn, rule.IfaceOut = "in", ifIn, ifOut
		return nil
	}
	d, iface, hasIface := strings.Cut(dir, "_")
	if d != "in" && d != "out" || hasIface && iface == "" {
		return fmt.Errorf("bad direction %q", ufwClip(dir))
	}
	rule.Direction = d
	if d == "in" {
		rule.IfaceIn = iface
	} else {
		rule.IfaceOut = iface
	}
	return nil
}

// ufwTupleAddress maps 0.0.0.0/0 and ::/0 to "any" and checks the rest.
func ufwTupleAddress(s string) (string, error) {
	if s == "0.0.0.0/0" || s == "::/0" {
		return "any", nil
	}
	if !ufwIsAddress(s) {
		return "", fmt.Errorf("bad address %q", ufwClip(s))
	}
	return s, nil
}

// ufwTupleApp turns "-" into no application and unescapes "%20".
func ufwTupleApp(s string) string {
	if s == "-" {
		return ""
	}
	return strings.ReplaceAll(s, "%20", " ")
}

// ufwValidProto reports whether s looks like a protocol name ("any", "tcp", "ipv6").
func ufwValidProto(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return true
}

// ufwDecodeComment decodes the hex of a comment= field as ufw does: an odd
// final digit is dropped and invalid UTF-8 is replaced.
func ufwDecodeComment(h string) (string, error) {
	if len(h)%2 == 1 {
		h = h[:len(h)-1]
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return "", fmt.Errorf("bad comment hex: %w", err)
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, nil
}

// ParseUFWConf parses /etc/ufw/ufw.conf (ENABLED, LOGLEVEL). The Source is
// left for the caller.
func ParseUFWConf(r io.Reader) (snapshot.UFWConf, error) {
	var c snapshot.UFWConf
	err := ufwParseShellVars(r, func(k, v string) error {
		switch k {
		case "ENABLED":
			c.Enabled = v == "yes"
		case "LOGLEVEL":
			c.LogLevel = v
		}
		return nil
	})
	return c, err
}

// ParseUFWDefaults parses /etc/default/ufw. Policies are lower-cased as
// ufw itself reads them: accept, drop, reject (and skip for the
// application policy). The Source is left for the caller.
func ParseUFWDefaults(r io.Reader) (snapshot.UFWDefaults, error) {
	var d snapshot.UFWDefaults
	policy := func(k, v string, valid ...string) (string, error) {
		for _, p := range valid {
			if v == p {
				return v, nil
			}
		}
		return "", fmt.Errorf("%s: invalid policy %q (valid: %s)", k, ufwClip(v), strings.Join(valid, ", "))
	}
	err := ufwParseShellVars(r, func(k, v string) error {
		var err error
		switch k {
		case "IPV6":
			d.IPv6 = v == "yes"
		case "MANAGE_BUILTINS":
			d.ManageBuiltins = v == "yes"
		case "DEFAULT_INPUT_POLICY":
			d.InputPolicy, err = policy(k, v, "accept", "drop", "reject")
		case "DEFAULT_OUTPUT_POLICY":
			d.OutputPolicy, err = policy(k, v, "accept", "drop", "reject")
		case "DEFAULT_FORWARD_POLICY":
			d.ForwardPolicy, err = policy(k, v, "accept", "drop", "reject")
		case "DEFAULT_APPLICATION_POLICY":
			d.ApplicationPolicy, err = policy(k, v, "accept", "drop", "reject", "skip")
		}
		return err
	})
	return d, err
}

// ufwParseShellVars reads KEY=value lines (value optionally quoted, lower-cased
// as ufw does), skipping blanks and comments; other lines are errors.
func ufwParseShellVars(r io.Reader, set func(k, v string) error) error {
	text, err := readUFWInput(r)
	if err != nil {
		return err
	}
	for n := 1; text != ""; n++ {
		var line string
		line, text = ufwNextLine(text)
		s := strings.TrimSpace(line)
		if s == "" || s[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok || !ufwValidVarName(k) {
			return fmt.Errorf("line %d: want KEY=value: %q", n, ufwClip(line))
		}
		v, err := ufwShellValue(v)
		if err != nil {
			return fmt.Errorf("line %d: %w: %q", n, err, ufwClip(line))
		}
		if err := set(k, strings.ToLower(v)); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return nil
}

// ufwShellValue unquotes a simple shell value and drops a trailing comment.
func ufwShellValue(v string) (string, error) {
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		end := strings.IndexByte(v[1:], v[0])
		if end < 0 {
			return "", errors.New("unterminated quote")
		}
		return v[1 : end+1], nil
	}
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	return v, nil
}

func ufwValidVarName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
