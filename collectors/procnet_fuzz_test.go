package collectors

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseProcNet feeds the parser mutations of the captured files: it
// must never panic, and what it accepts must be a well-formed listener.
func FuzzParseProcNet(f *testing.F) {
	for i, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		b, err := os.ReadFile(filepath.Join(fixture, "net", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(i))
	}
	f.Add([]byte(tcpHeader+"\n"+tcpLine[:60]+"\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		proto, family := "tcp", "ipv4"
		if which&1 != 0 {
			family = "ipv6"
		}
		if which&2 != 0 {
			proto = "udp"
		}
		ls, err := parseProcNet(bytes.NewReader(data), proto, family)
		if err != nil {
			if ls != nil {
				t.Fatalf("listeners returned with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "line ") && !strings.HasPrefix(err.Error(), "empty input") {
				t.Fatalf("error does not say where: %v", err)
			}
			return
		}
		if len(ls) > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d listeners from %d lines", len(ls), bytes.Count(data, []byte("\n"))+1)
		}
		for _, l := range ls {
			a, err := netip.ParseAddr(l.Address)
			switch {
			case err != nil:
				t.Fatalf("address %q: %v", l.Address, err)
			case l.Proto != proto || l.Family != family:
				t.Fatalf("%s/%s listener from a %s/%s file", l.Proto, l.Family, proto, family)
			case l.Port < 0 || l.Port > 65535:
				t.Fatalf("port %d", l.Port)
			case family == "ipv4" && !a.Is4():
				t.Fatalf("IPv6 address %s in an ipv4 file", a)
			case l.Wildcard != a.IsUnspecified() || l.Loopback != a.IsLoopback():
				t.Fatalf("flags of %s: wildcard %v loopback %v", a, l.Wildcard, l.Loopback)
			case l.DualStack && (family != "ipv6" || l.Address != "::"):
				t.Fatalf("dual-stack %s/%s %s", l.Proto, l.Family, l.Address)
			case l.UID < 0:
				t.Fatalf("uid %d", l.UID)
			}
		}
	})
}

// FuzzParseLocalPorts feeds the sysctl parsers mutations of the captured
// files: no panic, and what they accept is a valid port range.
func FuzzParseLocalPorts(f *testing.F) {
	for _, name := range []string{"ip_local_port_range", "ip_local_reserved_ports"} {
		b, err := os.ReadFile(filepath.Join(fixture, "sys/net/ipv4", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("8080,10000-10005\n") // the format of Documentation/networking/ip-sysctl.rst
	f.Fuzz(func(t *testing.T, s string) {
		if r := parseLocalPortRange(s); r != nil && (r.From < 1 || r.From > r.To || r.To > 65535) {
			t.Fatalf("range %+v from %q", *r, s)
		}
		for _, r := range parseReservedPorts(s) {
			if r.From < 0 || r.From > r.To || r.To > 65535 {
				t.Fatalf("reserved %+v from %q", r, s)
			}
		}
	})
}
