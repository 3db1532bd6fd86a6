package collectors

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// skipIfBigEndian skips tests of fixtures captured on a little-endian host:
// /proc/net prints addresses in the byte order of the host that wrote it.
func skipIfBigEndian(t testing.TB) {
	t.Helper()
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("fixtures were captured on a little-endian host")
	}
}

func openFixture(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(fixture, "net", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestParseProcNetCaptured(t *testing.T) {
	skipIfBigEndian(t)
	tests := []struct {
		name, file, proto, family string
		want                      []snapshot.Listener
	}{
		{
			name: "tcp: LISTEN only, established connections left out", file: "tcp", proto: "tcp", family: "ipv4",
			want: []snapshot.Listener{
				{Proto: "tcp", Family: "ipv4", Address: "192.0.2.10", Port: 8080, Inode: 16242},
				{Proto: "tcp", Family: "ipv4", Address: "127.0.0.1", Port: 10001, Loopback: true, UID: 65534, Inode: 16198},
				{Proto: "tcp", Family: "ipv4", Address: "0.0.0.0", Port: 8265, Wildcard: true, Inode: 16218},
				{Proto: "tcp", Family: "ipv4", Address: "0.0.0.0", Port: 6380, Wildcard: true, Inode: 15044},
			},
		},
		{
			name: "tcp6: wildcard, loopback, mapped and specific addresses", file: "tcp6", proto: "tcp", family: "ipv6",
			want: []snapshot.Listener{
				{Proto: "tcp", Family: "ipv6", Address: "::1", Port: 9091, Loopback: true, Inode: 16239},
				{Proto: "tcp", Family: "ipv6", Address: "::", Port: 6380, Wildcard: true, DualStack: true, Inode: 15045},
				{Proto: "tcp", Family: "ipv6", Address: "::", Port: 5555, Wildcard: true, DualStack: true, Inode: 16238},
				{Proto: "tcp", Family: "ipv6", Address: "2001:db8::10", Port: 8443, Inode: 16241},
				{Proto: "tcp", Family: "ipv6", Address: "127.0.0.1", Port: 7777, Loopback: true, Inode: 16240},
			},
		},
		{
			name: "udp: bound sockets, the connected one left out", file: "udp", proto: "udp", family: "ipv4",
			want: []snapshot.Listener{
				{Proto: "udp", Family: "ipv4", Address: "127.0.0.1", Port: 8125, Loopback: true, Inode: 16245},
				{Proto: "udp", Family: "ipv4", Address: "0.0.0.0", Port: 10001, Wildcard: true, Inode: 16243},
			},
		},
		{
			name: "udp6", file: "udp6", proto: "udp", family: "ipv6",
			want: []snapshot.Listener{
				{Proto: "udp", Family: "ipv6", Address: "::", Port: 5353, Wildcard: true, DualStack: true, Inode: 16244},
				{Proto: "udp", Family: "ipv6", Address: "::1", Port: 8126, Loopback: true, Inode: 16246},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcNet(openFixture(t, tt.file), tt.proto, tt.family)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", jsonOf(got), jsonOf(tt.want))
			}
		})
	}
}

func jsonOf(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// Lines of the captured files, mutated one way each.
const (
	tcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     "
	tcpLine   = "   2: 00000000:2049 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 16218 1 00000000b7b06ac4 100 0 0 10 0                     "
	tcp6Line  = "   0: 00000000000000000000000001000000:2383 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 16239 1 000000007c2d8b00 100 0 0 10 0"
)

func TestParseProcNetErrors(t *testing.T) {
	tests := []struct {
		name, input, proto, family string
		want                       string // in the error
	}{
		{"empty input", "", "tcp", "ipv4", "empty input"},
		{"no header", tcpLine + "\n", "tcp", "ipv4", "line 1: not a /proc/net/tcp header"},
		{"unknown proto", tcpHeader + "\n", "sctp", "ipv4", `unknown protocol "sctp" (valid: tcp, udp)`},
		{"unknown family", tcpHeader + "\n", "tcp", "inet", `unknown address family "inet" (valid: ipv4, ipv6)`},
		{"truncated line", tcpHeader + "\n" + tcpLine[:60] + "\n", "tcp", "ipv4", "line 2: 6 fields, want at least 10"},
		{"empty line", tcpHeader + "\n" + tcpLine + "\n\n" + tcpLine + "\n", "tcp", "ipv4", "line 3: 0 fields"},
		{"bad slot", tcpHeader + "\n" + strings.Replace(tcpLine, "2:", "2 ", 1) + "\n", "tcp", "ipv4", `line 2: bad slot "2"`},
		{"bad hex address", tcpHeader + "\n" + strings.Replace(tcpLine, "00000000:2049", "0000000G:2049", 1) + "\n", "tcp", "ipv4", `line 2: local address "0000000G:2049": bad hex address`},
		{"bad port", tcpHeader + "\n" + strings.Replace(tcpLine, ":2049", ":20x9", 1) + "\n", "tcp", "ipv4", "bad hex port"},
		{"IPv6 line read as IPv4", tcpHeader + "\n" + tcp6Line + "\n", "tcp", "ipv4", "line 2: local address"},
		{"IPv4 line read as IPv6", tcpHeader + "\n" + tcpLine + "\n", "tcp", "ipv6", "want 32 hex digits, a colon and 4 hex digits"},
		{"bad remote", tcpHeader + "\n" + strings.Replace(tcpLine, "00000000:0000", "00000000-0000", 1) + "\n", "tcp", "ipv4", "line 2: remote address"},
		{"bad state", tcpHeader + "\n" + strings.Replace(tcpLine, " 0A ", " LISTEN ", 1) + "\n", "tcp", "ipv4", `line 2: bad state "LISTEN"`},
		{"bad uid", tcpHeader + "\n" + strings.Replace(tcpLine, "     0        0 16218", "    -1        0 16218", 1) + "\n", "tcp", "ipv4", `line 2: bad uid "-1"`},
		{"bad inode", tcpHeader + "\n" + strings.Replace(tcpLine, " 16218 ", " 99999999999999999999 ", 1) + "\n", "tcp", "ipv4", `line 2: bad inode`},
		{"line too long", tcpHeader + "\n" + tcpLine + strings.Repeat(" 0", 40<<10) + "\n", "tcp", "ipv4", "line 2: longer than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcNet(strings.NewReader(tt.input), tt.proto, tt.family)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if got != nil {
				t.Errorf("got %d listeners with the error, want none", len(got))
			}
		})
	}
}

func TestParseProcNetSizeCap(t *testing.T) {
	in := tcpHeader + "\n" + strings.Repeat(tcpLine+"\n", 100)
	if _, err := parseProcNetLimit(strings.NewReader(in), "tcp", "ipv4", int64(len(in))); err != nil {
		t.Fatalf("input of exactly the limit: %v", err)
	}
	_, err := parseProcNetLimit(strings.NewReader(in), "tcp", "ipv4", int64(len(in)-1))
	if want := fmt.Sprintf("input larger than %d bytes: not a /proc/net file", len(in)-1); err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	// The real cap, on an endless stream of valid lines.
	_, err = parseProcNet(io.MultiReader(strings.NewReader(tcpHeader+"\n"), endless(tcpLine+"\n")), "tcp", "ipv4")
	if want := "input larger than 64 MiB: not a /proc/net file"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

// endless repeats a string forever.
type endlessReader struct {
	s   string
	off int
}

func endless(s string) io.Reader { return &endlessReader{s: s} }

func (e *endlessReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.s[e.off:])
		n += c
		e.off = (e.off + c) % len(e.s)
	}
	return n, nil
}

// TestParseProcNetAgreesWithSS checks the parsed fixture and the owners
// found in its fd tables against `ss -antupe`, which read the same sockets
// over netlink at capture time.
func TestParseProcNetAgreesWithSS(t *testing.T) {
	skipIfBigEndian(t)
	sec := collectFixture(t, fixture, true)
	type key struct {
		proto string
		inode uint64
	}
	got := map[key]snapshot.Listener{}
	for _, l := range sec.Listeners {
		got[key{l.Proto, l.Inode}] = l
	}

	b, err := os.ReadFile("../testdata/proc/host-ss.txt")
	if err != nil {
		t.Fatal(err)
	}
	pidRe := regexp.MustCompile(`pid=(\d+)`)
	inoRe := regexp.MustCompile(`ino:(\d+)`)
	uidRe := regexp.MustCompile(`uid:(\d+)`)
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !(f[1] == "LISTEN" || f[1] == "UNCONN") {
			continue
		}
		n++
		ino, _ := strconv.ParseUint(inoRe.FindStringSubmatch(line)[1], 10, 64)
		l, ok := got[key{f[0], ino}]
		if !ok {
			t.Errorf("ss lists %s %s (inode %d), the parser does not", f[0], f[4], ino)
			continue
		}
		delete(got, key{f[0], ino})
		_, port, _ := net.SplitHostPort(f[4])
		if strconv.Itoa(l.Port) != port {
			t.Errorf("inode %d: port %d, ss says %s", ino, l.Port, port)
		}
		host := strings.Trim(f[4][:strings.LastIndexByte(f[4], ':')], "[]")
		if host != "*" && strings.TrimPrefix(host, "::ffff:") != l.Address {
			t.Errorf("inode %d: address %s, ss says %s", ino, l.Address, host)
		}
		uid := 0
		if m := uidRe.FindStringSubmatch(line); m != nil {
			uid, _ = strconv.Atoi(m[1])
		}
		if l.UID != uid {
			t.Errorf("inode %d: uid %d, ss says %d", ino, l.UID, uid)
		}
		minPID := 0
		for _, m := range pidRe.FindAllStringSubmatch(line, -1) {
			if p, _ := strconv.Atoi(m[1]); minPID == 0 || p < minPID {
				minPID = p
			}
		}
		if l.PID != minPID {
			t.Errorf("inode %d: pid %d, ss lists pid %d as the lowest", ino, l.PID, minPID)
		}
	}
	if n != 13 {
		t.Errorf("ss lists %d listening sockets, want the 13 of the README", n)
	}
	for k, l := range got {
		t.Errorf("parser lists %s %s:%d (inode %d), ss does not", k.proto, l.Address, l.Port, k.inode)
	}
}

// tcp10k is a /proc/net/tcp with 10,000 real listening sockets, captured by
// TestCaptureTCP10k.
const tcp10k = "../testdata/proc/tcp10k.gz"

// TestCaptureTCP10k writes tcp10k from 10,000 sockets it opens. It runs
// only when MLSCAN_CAPTURE_TCP10K=1, best in a fresh network namespace:
//
//	unshare -n sh -c 'ip link set lo up && MLSCAN_CAPTURE_TCP10K=1 go test -run TestCaptureTCP10k ./collectors/'
func TestCaptureTCP10k(t *testing.T) {
	if os.Getenv("MLSCAN_CAPTURE_TCP10K") != "1" {
		t.Skip("set MLSCAN_CAPTURE_TCP10K=1 to capture " + tcp10k)
	}
	const n = 10000
	lim := syscall.Rlimit{Cur: n + 1000, Max: n + 1000}
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &cur); err != nil {
		t.Fatal(err)
	}
	if cur.Cur < lim.Cur {
		lim.Max = max(cur.Max, lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
	}
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for i := range n {
		addr := fmt.Sprintf("127.0.%d.%d:0", i/250, 1+i%250)
		if i%10 == 0 {
			addr = "0.0.0.0:0"
		}
		l, err := net.Listen("tcp4", addr)
		if err != nil {
			t.Fatalf("listener %d: %v", i, err)
		}
		lns = append(lns, l)
	}
	raw, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tcp10k, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d bytes, %d compressed", tcp10k, len(raw), buf.Len())
}

func readTCP10k(tb testing.TB) []byte {
	tb.Helper()
	f, err := os.Open(tcp10k)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseProcNetTCP10k(t *testing.T) {
	skipIfBigEndian(t)
	raw := readTCP10k(t)
	ls, err := parseProcNet(bytes.NewReader(raw), "tcp", "ipv4")
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 10000 {
		t.Fatalf("%d listeners, want 10000", len(ls))
	}
	wild := 0
	for _, l := range ls {
		switch {
		case l.Wildcard:
			wild++
		case !l.Loopback:
			t.Errorf("%s:%d is neither wildcard nor loopback", l.Address, l.Port)
		}
	}
	if wild != 1000 {
		t.Errorf("%d wildcard listeners, want 1000", wild)
	}
	lines := 0
	for sc := bufio.NewScanner(bytes.NewReader(raw)); sc.Scan(); {
		lines++
	}
	if lines != 10001 {
		t.Errorf("%d lines, want a header and 10000 sockets", lines)
	}
}

func BenchmarkParseProcNetTCP10k(b *testing.B) {
	raw := readTCP10k(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseProcNet(bytes.NewReader(raw), "tcp", "ipv4"); err != nil {
			b.Fatal(err)
		}
	}
}
