package collectors

import (
	"fmt"
	"io"
	"strconv"
	"strings"

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

// unparsedErr is the error a strict parser returns for u.
func unparsedErr(u snapshot.UFWUnparsedRule) error {
	return fmt.Errorf("line %d: %s: %q", u.Line, u.Reason, ufwClip(u.Raw))
}

// ufwUnparsed starts the record of a line not understood.
func ufwUnparsed(raw string, err error, line, before int) snapshot.UFWUnparsedRule {
	if len(raw) > maxUFWUnparsedRaw {
		raw = strings.ToValidUTF8(raw[:maxUFWUnparsedRaw], "") + "..."
	}
	return snapshot.UFWUnparsedRule{Raw: raw, Reason: err.Error(), Line: line, Before: before, ToRanges: []snapshot.PortRange{}}
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
		return fmt.Errorf("To: %w", err) //nolint:staticcheck // ST1005: ufw's column name, as the reason quotes it
	}
	if rule.FromNet, err = c.get(rule.From, rule.V6); err != nil {
		return fmt.Errorf("From: %w", err) //nolint:staticcheck // ST1005: ufw's column name
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
