package netspec

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string // canonical String
		family Family
		isAny  bool
		bits   int
		cover  string
	}{
		{name: "any", in: "any", want: "any", family: Both, isAny: true, bits: 0, cover: "invalid Prefix"},
		{name: "Anywhere", in: "Anywhere", want: "any", family: Both, isAny: true, bits: 0, cover: "invalid Prefix"},
		{name: "ipv4 host", in: "10.0.0.84", want: "10.0.0.84/32", family: IPv4, bits: 32, cover: "10.0.0.84/32"},
		{name: "ipv4 cidr", in: "10.0.0.0/24", want: "10.0.0.0/24", family: IPv4, bits: 24, cover: "10.0.0.0/24"},
		{name: "host bits set", in: "10.0.0.5/24", want: "10.0.0.0/24", family: IPv4, bits: 24, cover: "10.0.0.0/24"},
		{name: "ipv4 prefix 0", in: "1.2.3.4/0", want: "0.0.0.0/0", family: IPv4, isAny: true, bits: 0, cover: "0.0.0.0/0"},
		{name: "ipv4 any", in: "0.0.0.0/0", want: "0.0.0.0/0", family: IPv4, isAny: true, bits: 0, cover: "0.0.0.0/0"},
		{name: "contiguous dotted mask", in: "10.0.0.1/255.255.255.0", want: "10.0.0.0/24", family: IPv4, bits: 24, cover: "10.0.0.0/24"},
		{name: "zero dotted mask", in: "10.0.0.1/0.0.0.0", want: "0.0.0.0/0", family: IPv4, isAny: true, bits: 0, cover: "0.0.0.0/0"},
		// ufw's own test suite (tests/functional/data/transcripts/good/rules,
		// jdstrand/ufw cb42dcce): "ISP style" non-contiguous masks.
		{name: "non-contiguous mask", in: "192.168.0.2/255.255.0.2", want: "192.168.0.2/255.255.0.2", family: IPv4, bits: -1, cover: "192.168.0.0/16"},
		{name: "non-contiguous, host bits cleared", in: "10.0.0.1/255.255.255.16", want: "10.0.0.0/255.255.255.16", family: IPv4, bits: -1, cover: "10.0.0.0/24"},
		{name: "mask without leading ones", in: "10.0.0.1/0.255.255.255", want: "0.0.0.1/0.255.255.255", family: IPv4, bits: -1, cover: "0.0.0.0/0"},
		{name: "ipv6 host", in: "::1", want: "::1/128", family: IPv6, bits: 128, cover: "::1/128"},
		{name: "ipv6 any", in: "::/0", want: "::/0", family: IPv6, isAny: true, bits: 0, cover: "::/0"},
		{name: "ipv6 prefix 0 on loopback", in: "::1/0", want: "::/0", family: IPv6, isAny: true, bits: 0, cover: "::/0"},
		{name: "ipv6 prefix 32 on loopback", in: "::1/32", want: "::/32", family: IPv6, bits: 32, cover: "::/32"},
		{name: "ipv6 cidr", in: "2001:db8::/32", want: "2001:db8::/32", family: IPv6, bits: 32, cover: "2001:db8::/32"},
		{name: "ipv6 mask as address", in: "2001:db8::1/ffff:ffff::", want: "2001:db8::/32", family: IPv6, bits: 32, cover: "2001:db8::/32"},
		{name: "ipv6 zone", in: "fe80::1%eth0", want: "fe80::1%eth0/128", family: IPv6, bits: 128, cover: "fe80::1/128"},
		{name: "ipv6 zone and prefix", in: "fe80::1%eth0/64", want: "fe80::%eth0/64", family: IPv6, bits: 64, cover: "fe80::/64"},
		{name: "bracketed ipv6", in: "[2001:db8::1]", want: "2001:db8::1/128", family: IPv6, bits: 128, cover: "2001:db8::1/128"},
		{name: "ipv4-mapped stays ipv6", in: "::ffff:10.0.0.1", want: "::ffff:10.0.0.1/128", family: IPv6, bits: 128, cover: "::ffff:10.0.0.1/128"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if n.Family() != tc.family || n.IsAny() != tc.isAny || n.Bits() != tc.bits {
				t.Errorf("family %v any %v bits %d, want %v %v %d", n.Family(), n.IsAny(), n.Bits(), tc.family, tc.isAny, tc.bits)
			}
			if got := n.Cover().String(); got != tc.cover {
				t.Errorf("Cover() = %s, want %s", got, tc.cover)
			}
			if n.Contiguous() != (tc.bits >= 0) {
				t.Errorf("Contiguous() = %v", n.Contiguous())
			}
			// The canonical form parses back to the same Net.
			back, err := Parse(n.String())
			if err != nil || back != n {
				t.Errorf("Parse(String()) = %v, %v; want %v", back, err, n)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: "", want: "empty"},
		{name: "garbage", in: "example.com", want: "not an IP address"},
		{name: "octet out of range", in: "10.0.0.300", want: "not an IP address"},
		{name: "leading zero octet", in: "010.0.0.1", want: "not an IP address"},
		{name: "prefix too long v4", in: "10.0.0.0/33", want: "out of range 0-32"},
		{name: "prefix too long v6", in: "::/129", want: "out of range 0-128"},
		{name: "empty mask", in: "10.0.0.0/", want: "empty mask"},
		{name: "negative prefix", in: "10.0.0.0/-1", want: "neither"},
		// ufw rejects these (tests/functional/data/transcripts/bad/netmasks).
		{name: "mask octet 256", in: "192.168.0.0/255.256.255.255", want: "neither"},
		{name: "short mask", in: "192.168.0.0/255.255.255", want: "neither"},
		{name: "mask with letter", in: "192.168.0.0/255.2s5.255.255", want: "neither"},
		{name: "mixed families", in: "10.0.0.0/ffff::", want: "other address family"},
		{name: "v4 mask on v6", in: "::1/255.0.0.0", want: "other address family"},
		{name: "two slashes", in: "10.0.0.0/8/8", want: "neither"},
		{name: "empty zone", in: "fe80::1%", want: "not an IP address"},
		{name: "bracketed ipv4", in: "[10.0.0.1]", want: "IPv4"},
		{name: "unbalanced bracket", in: "[::1", want: "bracket"},
		{name: "space", in: " 10.0.0.1", want: "not an IP address"},
		{name: "too long", in: strings.Repeat("1", 300), want: "too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("no error; got %v", n)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestSetQuestions(t *testing.T) {
	tests := []struct {
		name     string
		a, b     string
		contains bool // Contains(a, b)
		overlaps bool
	}{
		{name: "any holds every v6", a: "any", b: "::1/0", contains: true, overlaps: true},
		{name: "v6 any is not any", a: "::1/0", b: "any", contains: false, overlaps: true},
		{name: "prefix 0 spellings are equal", a: "::1/0", b: "::/0", contains: true, overlaps: true},
		{name: "v4 any holds a host", a: "1.2.3.4/0", b: "10.0.0.84", contains: true, overlaps: true},
		{name: "families differ", a: "0.0.0.0/0", b: "::1", contains: false, overlaps: false},
		{name: "trusted holds host bits set form", a: "10.0.0.0/24", b: "10.0.0.5/24", contains: true, overlaps: true},
		{name: "trusted holds a host", a: "10.0.0.0/24", b: "10.0.0.84", contains: true, overlaps: true},
		{name: "narrow does not hold wide", a: "10.0.0.0/24", b: "10.0.0.0/8", contains: false, overlaps: true},
		{name: "disjoint", a: "10.0.0.0/24", b: "10.0.1.0/24", contains: false, overlaps: false},
		{name: "non-contiguous in its cover", a: "192.168.0.0/16", b: "192.168.0.2/255.255.0.2", contains: true, overlaps: true},
		{name: "cover not in non-contiguous", a: "192.168.0.2/255.255.0.2", b: "192.168.0.0/16", contains: false, overlaps: true},
		{name: "non-contiguous holds a member", a: "192.168.0.2/255.255.0.2", b: "192.168.7.6", contains: true, overlaps: true},
		{name: "non-contiguous misses a non-member", a: "192.168.0.2/255.255.0.2", b: "192.168.7.5", contains: false, overlaps: false},
		{name: "non-contiguous vs a /24 crossing it", a: "10.0.0.1/255.255.0.255", b: "10.0.7.0/24", contains: false, overlaps: true},
		{name: "non-contiguous outside trusted", a: "10.0.0.0/24", b: "10.0.0.1/255.255.0.255", contains: false, overlaps: true},
		{name: "two non-contiguous disjoint", a: "10.0.0.1/255.255.0.255", b: "10.0.0.2/255.255.0.255", contains: false, overlaps: false},
		{name: "zone must match", a: "fe80::%eth0/64", b: "fe80::1%eth1", contains: false, overlaps: false},
		{name: "same zone", a: "fe80::%eth0/64", b: "fe80::1%eth0", contains: true, overlaps: true},
		{name: "unzoned holds zoned", a: "fe80::/10", b: "fe80::1%eth0", contains: true, overlaps: true},
		{name: "zoned does not hold unzoned", a: "fe80::%eth0/64", b: "fe80::1", contains: false, overlaps: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := MustParse(tc.a), MustParse(tc.b)
			if got := Contains(a, b); got != tc.contains {
				t.Errorf("Contains(%s, %s) = %v, want %v", a, b, got, tc.contains)
			}
			if got := Overlaps(a, b); got != tc.overlaps {
				t.Errorf("Overlaps(%s, %s) = %v, want %v", a, b, got, tc.overlaps)
			}
			if got := Overlaps(b, a); got != tc.overlaps {
				t.Errorf("Overlaps is not symmetric for %s, %s", a, b)
			}
		})
	}
}

// seedForms returns the address-like fields of the captured ufw samples
// and corpora under ../../testdata/ufw: tuple addresses, status columns,
// iptables -s/-d arguments.
func seedForms(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("../../testdata/ufw", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no ufw samples: %v", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			for _, w := range strings.Fields(sc.Text()) {
				if strings.ContainsAny(w, ".:") && strings.IndexFunc(w, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0 && !seen[w] {
					seen[w] = true
					out = append(out, w)
				}
			}
		}
		fh.Close()
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, s := range seedForms(f) {
		f.Add(s)
	}
	for _, s := range []string{"any", "Anywhere", "::1/0", "192.168.0.2/255.255.0.2", "fe80::1%eth0/64", "10.0.0.5/24", "[::1]", "2001:db8::1/ffff:ffff::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		c := n.String()
		back, err := Parse(c)
		if err != nil || back != n {
			t.Fatalf("Parse(%q).String() = %q does not parse back to the same Net: %v, %v", s, c, back, err)
		}
		if !Contains(n, n) || !Overlaps(n, n) || !Contains(Any, n) {
			t.Fatalf("%q: a Net must contain and overlap itself", s)
		}
		if n.Family() != Both {
			cover, err := Parse(n.Cover().String())
			if err != nil || !Contains(cover, n) {
				t.Fatalf("%q: Cover %v does not contain it (%v)", s, n.Cover(), err)
			}
		}
		if n.IsAny() != (n.Bits() == 0 && n.Zone() == "") {
			t.Fatalf("%q: IsAny %v but Bits %d", s, n.IsAny(), n.Bits())
		}
	})
}

func BenchmarkParseContains(b *testing.B) {
	trusted := MustParse("10.0.0.0/24")
	for b.Loop() {
		n, _ := Parse("10.0.0.1/255.255.0.255")
		Contains(trusted, n)
	}
}
