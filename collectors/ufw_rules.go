package collectors

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mlscan/mlscan/snapshot"
)

// parseUFWRulesFile parses /etc/ufw/user.rules (v6 false) or user6.rules
// (v6 true). Each "### tuple ###" line is one rule, in file order:
//
//	### tuple ### <action> <proto> <dport> <dst> <sport> <src> <dir>[ comment=<hex>]
//	### tuple ### <action> <proto> <dport> <dst> <sport> <src> <dapp> <sapp> <dir>[ comment=<hex>]
//
// The other lines must look like iptables-restore input; anything else is
// an error naming its line. See parseUFWRulesFileLenient to keep going.
func parseUFWRulesFile(r io.Reader, v6 bool) ([]snapshot.UFWRule, error) {
	rules, unparsed, err := parseUFWRulesFileLenient(r, v6)
	if err == nil && len(unparsed) > 0 {
		return nil, unparsedErr(unparsed[0])
	}
	return rules, err
}

// parseUFWRulesFileLenient is parseUFWRulesFile that degrades per line: a
// tuple it cannot read, or a line that is not iptables-restore input, is
// returned in unparsed, verbatim with the reason and what could still be
// read of it (From left for the caller); every other tuple is still
// parsed. Only input too large or with more than maxUFWUnparsed such lines
// is an error.
func parseUFWRulesFileLenient(r io.Reader, v6 bool) (rules []snapshot.UFWRule, unparsed []snapshot.UFWUnparsedRule, err error) {
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
