// Package netspec parses the address forms ufw, iptables (save format) and
// sshd accept and answers set questions about them: does one contain the
// other, do they overlap, does it match every address.
//
// A Net is the set of addresses x with x&Mask == Addr&Mask, the way the
// kernel's iptables matches a source or destination. CIDR prefixes are the
// contiguous case; dotted masks such as 192.168.0.2/255.255.0.2, which ufw
// keeps as written and iptables applies as addr&mask, need not be
// contiguous. A prefix of length 0 (::1/0, 1.2.3.4/0) matches every address
// of its family, and host bits set in a network (10.0.0.5/24) are cleared,
// so 10.0.0.5/24 and 10.0.0.0/24 are the same Net. "any" and "Anywhere"
// match every address of both families.
//
// Checks must ask these questions instead of comparing strings: ufw prints
// "Anywhere (v6)" for ::/0 but keeps ::1/0 verbatim, and both are every
// IPv6 address.
package netspec

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// Family is the address family of a Net.
type Family uint8

// The families. Both is the family of "any": every IPv4 and IPv6 address.
const (
	Both Family = iota
	IPv4
	IPv6
)

// String returns "ipv4", "ipv6" or "any".
func (f Family) String() string {
	switch f {
	case IPv4:
		return "ipv4"
	case IPv6:
		return "ipv6"
	}
	return "any"
}

// Net is a set of addresses: those x with x&mask == addr&mask, in one
// family (or every address of both, for "any"). The zero value is Any.
type Net struct {
	fam  Family
	addr [16]byte // masked; IPv4 in the first 4 bytes
	mask [16]byte
	zone string // IPv6 scope zone ("eth0" of fe80::1%eth0), "" when none
}

// Any is the Net of every address of both families ("any", "Anywhere").
var Any = Net{}

// maxLen caps what Parse reads: the longest form (an IPv6 address with a
// zone and an IPv6 mask) is well under it.
const maxLen = 256

// Parse reads one address form:
//
//	any, Anywhere                      every address of both families
//	1.2.3.4, ::1, [::1]                one address
//	10.0.0.0/8, 2001:db8::/32          CIDR (host bits set are cleared)
//	10.0.0.0/255.0.0.0                 dotted mask, contiguous or not
//	2001:db8::/ffff:ffff::             IPv6 mask in address form
//	fe80::1%eth0, fe80::1%eth0/64      IPv6 with a scope zone
//
// The error says what is wrong with s.
func Parse(s string) (Net, error) {
	if len(s) > maxLen {
		return Net{}, fmt.Errorf("address of %d bytes: too long", len(s))
	}
	switch {
	case strings.EqualFold(s, "any") || strings.EqualFold(s, "anywhere"):
		return Any, nil
	case s == "":
		return Net{}, errors.New("empty address")
	}
	host, maskText, hasMask := strings.Cut(s, "/")
	if t, ok := strings.CutPrefix(host, "["); ok {
		t, ok = strings.CutSuffix(t, "]")
		if !ok {
			return Net{}, fmt.Errorf("%q: unbalanced bracket", s)
		}
		if !strings.Contains(t, ":") {
			return Net{}, fmt.Errorf("%q: brackets around an IPv4 address", s)
		}
		host = t
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return Net{}, fmt.Errorf("%q: not an IP address", s)
	}
	var n Net
	width := 128
	if a.Is4() {
		n.fam, width = IPv4, 32
		b := a.As4()
		copy(n.addr[:], b[:])
	} else {
		n.fam = IPv6
		n.addr = a.As16()
		n.zone = a.Zone()
		if n.zone == "" && strings.Contains(host, "%") {
			return Net{}, fmt.Errorf("%q: empty zone", s)
		}
	}
	switch {
	case !hasMask:
		n.mask = prefixMask(width, width)
	case maskText == "":
		return Net{}, fmt.Errorf("%q: empty mask", s)
	case isDigits(maskText):
		p, err := strconv.Atoi(maskText)
		if err != nil || p > width {
			return Net{}, fmt.Errorf("%q: prefix length %s out of range 0-%d", s, maskText, width)
		}
		n.mask = prefixMask(p, width)
	default:
		m, err := netip.ParseAddr(maskText)
		if err != nil || m.Zone() != "" {
			return Net{}, fmt.Errorf("%q: mask %q is neither a prefix length nor an address", s, maskText)
		}
		if m.Is4() != a.Is4() {
			return Net{}, fmt.Errorf("%q: mask of the other address family", s)
		}
		if m.Is4() {
			b := m.As4()
			copy(n.mask[:], b[:])
		} else {
			n.mask = m.As16()
		}
	}
	for i := range n.addr {
		n.addr[i] &= n.mask[i]
	}
	return n, nil
}

// MustParse is Parse for constants; it panics on a bad address.
func MustParse(s string) Net {
	n, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return n
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != "" && len(s) <= 3
}

// prefixMask is the mask of the first p of width bits.
func prefixMask(p, width int) [16]byte {
	var m [16]byte
	for i := 0; i < width/8; i++ {
		switch {
		case p >= 8*(i+1):
			m[i] = 0xff
		case p > 8*i:
			m[i] = ^byte(0xff >> (p - 8*i))
		}
	}
	return m
}

// size is the number of address bytes of the family.
func (n Net) size() int {
	if n.fam == IPv4 {
		return 4
	}
	return 16
}

// Family returns IPv4, IPv6 or Both (for Any).
func (n Net) Family() Family { return n.fam }

// Zone returns the IPv6 scope zone, "" when none.
func (n Net) Zone() string { return n.zone }

// IsAny reports whether n matches every address of its family (::/0,
// ::1/0, 0.0.0.0/0.0.0.0, and Any for both families). A zone narrows an
// address to one link, so a zoned Net is never any.
func (n Net) IsAny() bool {
	if n.fam == Both {
		return true
	}
	if n.zone != "" {
		return false
	}
	for _, b := range n.mask[:n.size()] {
		if b != 0 {
			return false
		}
	}
	return true
}

// Bits returns the prefix length of a contiguous mask, or -1 when the mask
// is not contiguous (10.0.0.1/255.255.0.255). Any has 0.
func (n Net) Bits() int {
	if n.fam == Both {
		return 0
	}
	ones, seenZero := 0, false
	for _, b := range n.mask[:n.size()] {
		l := bits.LeadingZeros8(^b) // leading ones of b
		if seenZero && b != 0 || l < 8 && b<<l != 0 {
			return -1
		}
		ones += l
		seenZero = seenZero || l < 8
	}
	return ones
}

// Contiguous reports whether n is a CIDR prefix (its mask is contiguous).
func (n Net) Contiguous() bool { return n.Bits() >= 0 }

// Addr returns the masked address (without zone); invalid for Any.
func (n Net) Addr() netip.Addr {
	switch n.fam {
	case IPv4:
		return netip.AddrFrom4([4]byte(n.addr[:4]))
	case IPv6:
		return netip.AddrFrom16(n.addr)
	}
	return netip.Addr{}
}

// Mask returns the mask as an address of n's family; invalid for Any.
func (n Net) Mask() netip.Addr {
	switch n.fam {
	case IPv4:
		return netip.AddrFrom4([4]byte(n.mask[:4]))
	case IPv6:
		return netip.AddrFrom16(n.mask)
	}
	return netip.Addr{}
}

// Cover returns the smallest CIDR prefix holding every address of n: n
// itself when contiguous, else the prefix of the mask's leading ones (an
// over-approximation: 10.0.0.1/255.255.0.255 is covered by 10.0.0.0/16).
// For Any it is the invalid Prefix.
func (n Net) Cover() netip.Prefix {
	if n.fam == Both {
		return netip.Prefix{}
	}
	lead := 0
	for _, b := range n.mask[:n.size()] {
		l := bits.LeadingZeros8(^b)
		lead += l
		if l < 8 {
			break
		}
	}
	p, _ := n.Addr().Prefix(lead)
	return p
}

// String returns the canonical form: "any" for Any, a CIDR with host bits
// cleared for a contiguous mask ("10.0.0.0/24", "10.0.0.1/32", "::/0"),
// else the masked address and the mask ("10.0.0.1/255.255.0.255").
// An IPv6 zone follows the address ("fe80::1%eth0/128").
func (n Net) String() string {
	if n.fam == Both {
		return "any"
	}
	a := n.Addr().String()
	if n.zone != "" {
		a += "%" + n.zone
	}
	if b := n.Bits(); b >= 0 {
		return a + "/" + strconv.Itoa(b)
	}
	return a + "/" + n.Mask().String()
}

// Contains reports whether every address of b is in a. Any contains every
// Net; a Net of one family never contains Any, which holds addresses of
// both families. A zoned a contains only Nets of the same zone; an
// unzoned a ignores b's zone.
func Contains(a, b Net) bool {
	switch {
	case a.fam == Both:
		return true
	case b.fam != a.fam:
		return false
	case a.zone != "" && a.zone != b.zone:
		return false
	}
	for i := 0; i < a.size(); i++ {
		if a.mask[i]&^b.mask[i] != 0 || b.addr[i]&a.mask[i] != a.addr[i] {
			return false
		}
	}
	return true
}

// Overlaps reports whether some address is in both a and b. Nets of
// different zones never overlap.
func Overlaps(a, b Net) bool {
	switch {
	case a.fam == Both || b.fam == Both:
		return true
	case a.fam != b.fam:
		return false
	case a.zone != "" && b.zone != "" && a.zone != b.zone:
		return false
	}
	for i := 0; i < a.size(); i++ {
		if a.addr[i]&b.mask[i] != b.addr[i]&a.mask[i] {
			return false
		}
	}
	return true
}
