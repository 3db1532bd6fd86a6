package collectors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/mlscan/mlscan/snapshot"
)

// maxProcNetBytes caps how much of one /proc/net file parseProcNet reads.
// At about 150 bytes a line it allows some 450,000 sockets.
const maxProcNetBytes = 64 << 20

// Socket states of /proc/net/{tcp,udp}* (include/net/tcp_states.h).
const (
	stateListen = 0x0A // TCP_LISTEN
	stateClose  = 0x07 // TCP_CLOSE: an unconnected UDP socket
)

// parseProcNet parses one of /proc/net/{tcp,tcp6,udp,udp6} and returns the
// listening sockets in file order: TCP sockets in state LISTEN and UDP
// sockets that are bound but not connected (state CLOSE, remote address all
// zero). proto is "tcp" or "udp", family "ipv4" or "ipv6" (the files ending
// in 6).
//
// Addresses are the kernel's 32-bit words printed in the byte order of the
// host that wrote the file (the one reading it, for a live /proc). An
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) is reported in its IPv4 form
// with family ipv6. DualStack is set on every IPv6 wildcard listener: the
// file cannot tell whether net.ipv6.bindv6only or IPV6_V6ONLY applies, so
// the caller clears it when it knows bindv6only is 1.
//
// A malformed line is an error naming its line number; so is input larger
// than 64 MiB.
func parseProcNet(r io.Reader, proto, family string) ([]snapshot.Listener, error) {
	return parseProcNetLimit(r, proto, family, maxProcNetBytes)
}

// parseProcNetLimit is parseProcNet reading at most limit bytes.
func parseProcNetLimit(r io.Reader, proto, family string, limit int64) ([]snapshot.Listener, error) {
	var addrLen int
	switch family {
	case "ipv4":
		addrLen = 8
	case "ipv6":
		addrLen = 32
	default:
		return nil, fmt.Errorf("unknown address family %q (valid: ipv4, ipv6)", family)
	}
	var want byte
	switch proto {
	case "tcp":
		want = stateListen
	case "udp":
		want = stateClose
	default:
		return nil, fmt.Errorf("unknown protocol %q (valid: tcp, udp)", proto)
	}

	lr := &io.LimitedReader{R: r, N: limit + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	// fail reports oversized input rather than the broken line it caused.
	fail := func(err error) ([]snapshot.Listener, error) {
		if lr.N <= 0 {
			return nil, tooLarge(limit)
		}
		return nil, err
	}
	// Sockets are gathered in a small pointer-free form and turned into
	// Listeners once their number is known.
	var found []rawSocket
	var f [fieldsWanted][]byte
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if n == 1 {
			if !bytes.HasPrefix(bytes.TrimLeft(line, " "), []byte("sl ")) {
				return fail(fmt.Errorf("line 1: not a /proc/net/%s header: %.40q", proto, line))
			}
			continue
		}
		if k := splitFields(line, &f); k < fieldsWanted {
			return fail(fmt.Errorf("line %d: %d fields, want at least %d", n, k, fieldsWanted))
		}
		if len(f[0]) < 2 || f[0][len(f[0])-1] != ':' {
			return fail(fmt.Errorf("line %d: bad slot %.40q", n, f[0]))
		}
		local, port, err := parseHexEndpoint(f[1], addrLen)
		if err != nil {
			return fail(fmt.Errorf("line %d: local address %.80q: %w", n, f[1], err))
		}
		remote, rport, err := parseHexEndpoint(f[2], addrLen)
		if err != nil {
			return fail(fmt.Errorf("line %d: remote address %.80q: %w", n, f[2], err))
		}
		st, ok := hexUint32(f[3])
		if !ok || len(f[3]) != 2 {
			return fail(fmt.Errorf("line %d: bad state %.40q", n, f[3]))
		}
		uid, ok := decUint(f[7], 1<<32-1)
		if !ok {
			return fail(fmt.Errorf("line %d: bad uid %.40q", n, f[7]))
		}
		inode, ok := decUint(f[9], 1<<64-1)
		if !ok {
			return fail(fmt.Errorf("line %d: bad inode %.40q", n, f[9]))
		}
		if byte(st) != want {
			continue
		}
		if proto == "udp" && (!remote.IsUnspecified() || rport != 0) {
			continue
		}
		found = append(found, rawSocket{addr: local.As16(), port: uint16(port), uid: uint32(uid), inode: inode})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fail(fmt.Errorf("line %d: longer than 64 KiB", n+1))
		}
		return nil, err
	}
	if lr.N <= 0 {
		return nil, tooLarge(limit)
	}
	if n == 0 {
		return nil, errors.New("empty input: no header line")
	}
	if len(found) == 0 {
		return nil, nil
	}
	out := make([]snapshot.Listener, len(found))
	for i, r := range found {
		a := netip.AddrFrom16(r.addr)
		if addrLen == 8 {
			a = a.Unmap()
		}
		out[i] = newListener(proto, family, a, int(r.port), int(r.uid), r.inode)
	}
	return out, nil
}

// rawSocket is a listening socket as read from one line.
type rawSocket struct {
	addr  [16]byte // IPv4 as IPv4-mapped
	port  uint16
	uid   uint32
	inode uint64
}

func tooLarge(limit int64) error {
	if limit%(1<<20) == 0 {
		return fmt.Errorf("input larger than %d MiB: not a /proc/net file", limit>>20)
	}
	return fmt.Errorf("input larger than %d bytes: not a /proc/net file", limit)
}

// fieldsWanted is how many fields of a line the parser looks at: up to the
// inode (index 9).
const fieldsWanted = 10

// splitFields splits line at runs of spaces into at most len(f) fields
// without allocating, and returns how many it found.
func splitFields(line []byte, f *[fieldsWanted][]byte) int {
	k := 0
	i := 0
	for k < len(f) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		f[k] = line[i:j]
		k++
		i = j
	}
	return k
}

// parseHexEndpoint parses "ADDR:PORT" with ADDR as addrLen hex digits (the
// kernel's 32-bit words in host byte order) and PORT as four hex digits.
func parseHexEndpoint(s []byte, addrLen int) (netip.Addr, int, error) {
	if len(s) != addrLen+5 || s[addrLen] != ':' {
		return netip.Addr{}, 0, fmt.Errorf("want %d hex digits, a colon and 4 hex digits", addrLen)
	}
	var b [16]byte
	for w := 0; w < addrLen/8; w++ {
		v, ok := hexUint32(s[w*8 : w*8+8])
		if !ok {
			return netip.Addr{}, 0, errors.New("bad hex address")
		}
		binary.NativeEndian.PutUint32(b[w*4:], v)
	}
	p, ok := hexUint32(s[addrLen+1:])
	if !ok {
		return netip.Addr{}, 0, errors.New("bad hex port")
	}
	if addrLen == 8 {
		return netip.AddrFrom4([4]byte(b[:4])), int(p), nil
	}
	return netip.AddrFrom16(b), int(p), nil
}

// decUint parses a decimal number no larger than limit.
func decUint[T string | []byte](s T, limit uint64) (uint64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (limit-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// hexUint32 parses up to 8 hex digits.
func hexUint32(s []byte) (uint32, bool) {
	if len(s) == 0 || len(s) > 8 {
		return 0, false
	}
	var v uint32
	for _, c := range s {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

func newListener(proto, family string, a netip.Addr, port, uid int, inode uint64) snapshot.Listener {
	u := a.Unmap()
	l := snapshot.Listener{
		Proto:    proto,
		Family:   family,
		Address:  addrString(u),
		Port:     port,
		Wildcard: u.IsUnspecified(),
		Loopback: u.IsLoopback(),
		UID:      uid,
		Inode:    inode,
	}
	// "::" accepts IPv4 too unless bindv6only or IPV6_V6ONLY; a mapped
	// ::ffff:0.0.0.0 accepts IPv4 only.
	l.DualStack = family == "ipv6" && a.Is6() && !a.Is4In6() && a.IsUnspecified()
	return l
}

// Common addresses, formatted once.
var (
	any4      = netip.IPv4Unspecified()
	any6      = netip.IPv6Unspecified()
	loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	loopback6 = netip.IPv6Loopback()
)

// addrString formats a, without allocating for the common addresses.
func addrString(a netip.Addr) string {
	switch a {
	case any4:
		return "0.0.0.0"
	case any6:
		return "::"
	case loopback4:
		return "127.0.0.1"
	case loopback6:
		return "::1"
	}
	return a.String()
}
