package collectors

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// fixture is a /proc tree captured from real sockets by
// testdata/proc/capture.sh; testdata/proc/README.md lists what it holds.
const fixture = "../testdata/proc/host"

// Owners of the fixture's sockets (pids at capture time).
const (
	pidHTTP      = 9091 // python3 -m http.server --bind 0.0.0.0 8265
	pidRedis     = 9092 // redis-server --port 6380 --requirepass ...
	pidNC        = 9093 // nc -l 127.0.0.1 10001, as uid 65534
	pidListeners = 9140 // listeners.py; its forked child 9182 shares its sockets
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

func collectFixture(t testing.TB, proc string, root bool) *snapshot.SocketsSection {
	t.Helper()
	s, err := (&Sockets{}).Collect(context.Background(), &Env{ProcRoot: proc, IsRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	return s.(*snapshot.SocketsSection)
}

func find(ls []snapshot.Listener, proto, family string, port int) *snapshot.Listener {
	for i := range ls {
		if ls[i].Proto == proto && ls[i].Family == family && ls[i].Port == port {
			return &ls[i]
		}
	}
	return nil
}

func TestSocketsCollectFixture(t *testing.T) {
	skipIfBigEndian(t)
	sec := collectFixture(t, fixture, true)
	if want := (snapshot.Source{Status: snapshot.StatusOK, From: fixture + "/[0-9]*/fd"}); sec.Owners != want {
		t.Errorf("owners = %+v, want %+v", sec.Owners, want)
	}
	type pp struct {
		proto, family, address string
		port                   int
	}
	var order []pp
	for _, l := range sec.Listeners {
		order = append(order, pp{l.Proto, l.Family, l.Address, l.Port})
	}
	wantOrder := []pp{
		{"tcp", "ipv4", "0.0.0.0", 6380}, {"tcp", "ipv4", "192.0.2.10", 8080}, {"tcp", "ipv4", "0.0.0.0", 8265}, {"tcp", "ipv4", "127.0.0.1", 10001},
		{"tcp", "ipv6", "::", 5555}, {"tcp", "ipv6", "::", 6380}, {"tcp", "ipv6", "127.0.0.1", 7777}, {"tcp", "ipv6", "2001:db8::10", 8443}, {"tcp", "ipv6", "::1", 9091},
		{"udp", "ipv4", "127.0.0.1", 8125}, {"udp", "ipv4", "0.0.0.0", 10001},
		{"udp", "ipv6", "::", 5353}, {"udp", "ipv6", "::1", 8126},
	}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("listeners in order\n%v\nwant\n%v", order, wantOrder)
	}
	if sec.EphemeralPorts == nil || *sec.EphemeralPorts != (snapshot.PortRange{From: 32768, To: 60999}) || sec.ReservedPorts != nil {
		t.Errorf("ephemeral ports %v, reserved %v; want 32768-60999, none", sec.EphemeralPorts, sec.ReservedPorts)
	}

	const listenersCmd = "/root/.pyenv/versions/3.11.7/bin/python3 /work/main/testdata/proc/listeners.py --token=<redacted>"
	tests := []struct {
		name                 string
		proto, family        string
		port                 int
		pid                  int
		process, command     string
		wildcard, dual, loop bool
	}{
		{"redis v4 with its rewritten title", "tcp", "ipv4", 6380, pidRedis, "redis-server", "redis-server *:6380", true, false, false},
		{"redis v6 (IPV6_V6ONLY is invisible in /proc)", "tcp", "ipv6", 6380, pidRedis, "redis-server", "redis-server *:6380", true, true, false},
		{"http.server", "tcp", "ipv4", 8265, pidHTTP, "python3", "/root/.pyenv/versions/3.11.7/bin/python3 -m http.server --bind 0.0.0.0 8265", true, false, false},
		{"nc of another user", "tcp", "ipv4", 10001, pidNC, "nc", "nc -l 127.0.0.1 10001", false, false, true},
		{"shared with a child: the parent", "tcp", "ipv6", 5555, pidListeners, "python3", listenersCmd, true, true, false},
		{"mapped loopback", "tcp", "ipv6", 7777, pidListeners, "python3", listenersCmd, false, false, true},
		{"udp wildcard", "udp", "ipv4", 10001, pidListeners, "python3", listenersCmd, true, false, false},
		{"udp6 loopback", "udp", "ipv6", 8126, pidListeners, "python3", listenersCmd, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := find(sec.Listeners, tt.proto, tt.family, tt.port)
			if l == nil {
				t.Fatalf("no %s/%s listener on port %d", tt.proto, tt.family, tt.port)
			}
			if l.PID != tt.pid || l.Process != tt.process || l.Command != tt.command || l.ContainerID != "" {
				t.Errorf("owner = %d %q %q %q, want %d %q %q", l.PID, l.Process, l.Command, l.ContainerID, tt.pid, tt.process, tt.command)
			}
			if l.Wildcard != tt.wildcard || l.DualStack != tt.dual || l.Loopback != tt.loop {
				t.Errorf("wildcard, dual_stack, loopback = %v %v %v, want %v %v %v", l.Wildcard, l.DualStack, l.Loopback, tt.wildcard, tt.dual, tt.loop)
			}
		})
	}
	b, _ := json.Marshal(sec)
	if bytes.Contains(b, []byte("capture-fixture-token")) {
		t.Error("the token of listeners.py's command line is in the section")
	}

	t.Run("not root", func(t *testing.T) {
		sec := collectFixture(t, fixture, false)
		want := snapshot.Source{Status: snapshot.StatusPermission, Error: errOwnersNeedRoot, From: fixture + "/[0-9]*/fd"}
		if sec.Owners != want {
			t.Errorf("owners = %+v, want %+v", sec.Owners, want)
		}
		if l := find(sec.Listeners, "tcp", "ipv4", 6380); l == nil || l.PID != pidRedis {
			t.Errorf("what can be read is still mapped: got %+v", l)
		}
	})
}

// copyNet builds a proc tree in a temporary directory from the fixture's
// net files named in files, with bindv6only set to v6only ("" for none).
func copyNet(t *testing.T, v6only string, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(fixture, "net", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "net", f), string(b))
	}
	if v6only != "" {
		writeFile(t, filepath.Join(dir, "sys/net/ipv6/bindv6only"), v6only+"\n")
	}
	return dir
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSocketsCollectVariants(t *testing.T) {
	skipIfBigEndian(t)
	all := []string{"tcp", "tcp6", "udp", "udp6"}
	t.Run("bindv6only=1 clears dual_stack", func(t *testing.T) {
		sec := collectFixture(t, copyNet(t, "1", all...), true)
		if len(sec.Listeners) != 13 {
			t.Fatalf("%d listeners, want 13", len(sec.Listeners))
		}
		for _, l := range sec.Listeners {
			if l.DualStack {
				t.Errorf("%s %s:%d is dual-stack with bindv6only=1", l.Proto, l.Address, l.Port)
			}
		}
	})
	t.Run("bindv6only unknown keeps dual_stack", func(t *testing.T) {
		sec := collectFixture(t, copyNet(t, "", all...), true)
		if l := find(sec.Listeners, "tcp", "ipv6", 5555); l == nil || !l.DualStack {
			t.Errorf("[::]:5555 = %+v, want dual-stack", l)
		}
	})
	t.Run("IPv6 disabled: no tcp6 or udp6", func(t *testing.T) {
		sec := collectFixture(t, copyNet(t, "", "tcp", "udp"), true)
		if len(sec.Listeners) != 6 {
			t.Errorf("%d listeners, want the 6 IPv4 ones", len(sec.Listeners))
		}
		if sec.Owners.Status != snapshot.StatusOK {
			t.Errorf("owners = %+v, want ok (no process holds a socket)", sec.Owners)
		}
	})
	t.Run("no proc filesystem", func(t *testing.T) {
		s, err := (&Sockets{}).Collect(context.Background(), &Env{ProcRoot: t.TempDir()})
		if !errors.Is(err, ErrUnavailable) || s != nil {
			t.Errorf("got %v, %v; want nil and ErrUnavailable", s, err)
		}
	})
	t.Run("a broken file is reported, the rest kept", func(t *testing.T) {
		dir := copyNet(t, "0", "tcp", "udp", "udp6")
		b, _ := os.ReadFile(filepath.Join(fixture, "net", "tcp6"))
		writeFile(t, filepath.Join(dir, "net", "tcp6"), strings.Replace(string(b), "B80D0120", "B80D012", 1))
		s, err := (&Sockets{}).Collect(context.Background(), &Env{ProcRoot: dir, IsRoot: true})
		want := "parse " + dir + "/net/tcp6: line 5: local address"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("err = %v, want it to start with %q", err, want)
		}
		if n := len(s.(*snapshot.SocketsSection).Listeners); n != 8 {
			t.Errorf("%d listeners, want the 8 of the other files", n)
		}
	})
}

// TestSocketsLive opens sockets and finds them, with this process as their
// owner, in the live /proc.
func TestSocketsLive(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp:", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pc, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	root := os.Geteuid() == 0

	s, err := (&Sockets{}).Collect(context.Background(), &Env{ProcRoot: "/proc", IsRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	sec := s.(*snapshot.SocketsSection)
	unowned := slices.ContainsFunc(sec.Listeners, func(l snapshot.Listener) bool { return l.PID == 0 })
	switch {
	case root && sec.Owners.Status == snapshot.StatusPermission && unowned && strings.HasPrefix(sec.Owners.Error, "fd tables of "):
		// Root in a container may not read the fds of a process with more
		// capabilities (here pid 1): said so, since a socket has no owner.
		t.Logf("owners as root: %+v", sec.Owners)
	case root && sec.Owners.Status != snapshot.StatusOK:
		t.Errorf("owners as root = %+v, want ok", sec.Owners)
	case !root && (sec.Owners.Status != snapshot.StatusPermission || sec.Owners.Error != errOwnersNeedRoot):
		t.Errorf("owners as uid %d = %+v, want permission", os.Geteuid(), sec.Owners)
	}
	for _, tt := range []struct {
		name, proto string
		port        int
		wildcard    bool
	}{
		{"tcp 127.0.0.1", "tcp", ln.Addr().(*net.TCPAddr).Port, false},
		{"udp 0.0.0.0", "udp", pc.LocalAddr().(*net.UDPAddr).Port, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := find(sec.Listeners, tt.proto, "ipv4", tt.port)
			if l == nil {
				t.Fatalf("no %s listener on port %d in %d listeners", tt.proto, tt.port, len(sec.Listeners))
			}
			if l.Wildcard != tt.wildcard || l.Loopback == tt.wildcard || l.UID != os.Geteuid() || l.Inode == 0 {
				t.Errorf("got %+v", *l)
			}
			// This process's own fds are readable even when not root.
			if l.PID != os.Getpid() || l.Process != strings.TrimSpace(string(comm)) {
				t.Errorf("owner = %d %q, want %d %q", l.PID, l.Process, os.Getpid(), strings.TrimSpace(string(comm)))
			}
			if !strings.Contains(l.Command, filepath.Base(os.Args[0])) {
				t.Errorf("command = %q, want this test binary", l.Command)
			}
		})
	}
	sorted := slices.Clone(sec.Listeners)
	sortListeners(sorted)
	if !slices.Equal(sorted, sec.Listeners) {
		t.Error("listeners are not sorted")
	}
}

// fakeProc is a proc tree whose net/tcp is the captured one and whose
// processes hold its sockets, with cgroup files in real formats.
func fakeProc(t *testing.T, procs map[int]fakeProcess) string {
	t.Helper()
	dir := copyNet(t, "0", "tcp", "tcp6", "udp", "udp6")
	for pid, p := range procs {
		pd := filepath.Join(dir, strconv.Itoa(pid))
		writeFile(t, filepath.Join(pd, "comm"), p.comm+"\n")
		writeFile(t, filepath.Join(pd, "cmdline"), strings.Join(p.argv, "\x00")+"\x00")
		writeFile(t, filepath.Join(pd, "cgroup"), p.cgroup)
		if p.noFD {
			continue // exited after the proc root was listed
		}
		if err := os.MkdirAll(filepath.Join(pd, "fd"), 0o755); err != nil {
			t.Fatal(err)
		}
		for fd, target := range p.fds {
			if err := os.Symlink(target, filepath.Join(pd, "fd", strconv.Itoa(fd))); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

type fakeProcess struct {
	comm   string
	argv   []string
	cgroup string
	fds    []string
	noFD   bool
}

const (
	dockerID = "2f6c3e1b0b5e7d5c0f3a9d4c8b7a6e5f4d3c2b1a09f8e7d6c5b4a39281706f5e"
	podmanID = "7d1f6a4e2c3b5a69788f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3"
	v1ID     = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
)

func TestSocketsContainerOwners(t *testing.T) {
	skipIfBigEndian(t)
	dir := fakeProc(t, map[int]fakeProcess{
		// Captured inodes: 16242 192.0.2.10:8080, 16198 127.0.0.1:10001,
		// 16218 0.0.0.0:8265, 15044 0.0.0.0:6380.
		4100: {comm: "redis-server", argv: []string{"redis-server *:6380"}, cgroup: "0::/system.slice/docker-" + dockerID + ".scope\n",
			fds: []string{"/dev/null", "/dev/null", "/dev/null", "pipe:[14910]", "anon_inode:[eventpoll]", "socket:[15044]"}},
		4200: {comm: "python3", argv: []string{"python3", "-m", "http.server", "8265"},
			cgroup: "12:memory:/docker/" + v1ID + "\n11:cpu,cpuacct:/docker/" + v1ID + "\n0::/\n",
			fds:    []string{"/dev/null", "socket:[16218]"}},
		4300: {comm: "flower", argv: []string{"celery", "flower", "--basic_auth=admin:pw"}, cgroup: "0::/machine.slice/libpod-" + podmanID + ".scope/container\n",
			fds: []string{"socket:[16242]"}},
		// A later fork of 4200 holding the same socket.
		4250: {comm: "python3-child", cgroup: "0::/\n", fds: []string{"socket:[16218]"}},
		// Gone by the time its fd table is listed.
		4000: {comm: "gone", cgroup: "0::/\n", noFD: true},
	})
	sec := collectFixture(t, dir, true)
	if sec.Owners.Status != snapshot.StatusOK {
		t.Errorf("owners = %+v, want ok: a vanished process is skipped silently", sec.Owners)
	}
	tests := []struct {
		port             int
		pid              int
		process, command string
		container        string
	}{
		{6380, 4100, "redis-server", "redis-server *:6380", dockerID},
		{8265, 4200, "python3", "python3 -m http.server 8265", v1ID},
		{8080, 4300, "flower", "celery flower --basic_auth=<redacted>", podmanID},
		{10001, 0, "", "", ""},
	}
	for _, tt := range tests {
		l := find(sec.Listeners, "tcp", "ipv4", tt.port)
		got := fmt.Sprint(l.PID, l.Process, l.Command, l.ContainerID)
		if want := fmt.Sprint(tt.pid, tt.process, tt.command, tt.container); got != want {
			t.Errorf("port %d: owner = %s, want %s", tt.port, got, want)
		}
	}
}

func TestMapOwnersCancelled(t *testing.T) {
	skipIfBigEndian(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ls, err := parseProcNet(openFixture(t, "tcp"), "tcp", "ipv4")
	if err != nil {
		t.Fatal(err)
	}
	src, err := mapOwners(ctx, fixture, ls, true)
	if !errors.Is(err, context.Canceled) || src.Status != snapshot.StatusError || !strings.Contains(src.Error, "context canceled") {
		t.Errorf("got %+v, %v; want status error and context.Canceled", src, err)
	}
}

func TestContainerID(t *testing.T) {
	tests := []struct {
		name, cgroup, want string
	}{
		{"docker, cgroup v2, systemd driver", "0::/system.slice/docker-" + dockerID + ".scope\n", dockerID},
		{"docker, cgroup v1, cgroupfs driver", "12:memory:/docker/" + dockerID + "\n1:name=systemd:/docker/" + dockerID + "\n", dockerID},
		{"docker, cgroup v1, systemd driver", "4:memory:/system.slice/docker-" + dockerID + ".scope\n", dockerID},
		{"docker in docker: the inner one", "0::/docker/" + v1ID + "/docker/" + dockerID + "\n", dockerID},
		{"podman, systemd", "0::/machine.slice/libpod-" + podmanID + ".scope/container\n", podmanID},
		{"podman, rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + podmanID + ".scope/container\n", podmanID},
		{"podman, cgroupfs", "0::/libpod_parent/libpod-" + podmanID + "\n", podmanID},
		{"cri-o", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6a1d.slice/crio-" + dockerID + ".scope\n", dockerID},
		{"containerd, systemd", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod3f2e.slice/cri-containerd-" + dockerID + ".scope\n", dockerID},
		{"containerd, cgroupfs", "0::/kubepods/besteffort/pod3f2e9d1c-5b6a-4c7d-8e9f-0a1b2c3d4e5f/" + dockerID + "\n", dockerID},
		{"containerd, kind", "0::/system.slice/containerd.service/kubepods-burstable-pod3f2e.slice:cri-containerd:" + dockerID + "\n", dockerID},
		{"podman's conmon is not the container", "0::/machine.slice/libpod-conmon-" + podmanID + ".scope\n", ""},
		{"host process", "0::/user.slice/user-0.slice/session-1.scope\n", ""},
		{"host process, captured", mustRead(t, fixture+"/9092/cgroup"), ""},
		{"uppercase is not an id", "0::/docker/" + strings.ToUpper(dockerID) + "\n", ""},
		{"bare id outside a container manager", "0::/system.slice/" + dockerID + "\n", ""},
		{"short id", "0::/system.slice/docker-" + dockerID[:12] + ".scope\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := containerID(tt.cgroup); got != tt.want {
				t.Errorf("containerID(%q) = %q, want %q", tt.cgroup, got, tt.want)
			}
		})
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		max  int
		want string
	}{
		{"redis title padded with NULs (captured)", mustRead(t, fixture+"/9092/cmdline"), maxCmdline, "redis-server *:6380"},
		{"argv", "nc\x00-l\x00127.0.0.1\x0010001\x00", maxCmdline, "nc -l 127.0.0.1 10001"},
		{"empty argument kept", "a\x00\x00b\x00", maxCmdline, "a  b"},
		{"kernel thread", "", maxCmdline, ""},
		{"cut", "redis-server\x00--requirepass\x00S3cretPassw0rd\x00", 40, "redis-server --requirepass <redacted> [truncated]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := commandLine([]byte(tt.raw), tt.max); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
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
	zw.Write(raw)
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

func BenchmarkSocketsCollect(b *testing.B) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		b.Skip("no /proc/net/tcp:", err)
	}
	env := &Env{ProcRoot: "/proc", IsRoot: os.Geteuid() == 0}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (&Sockets{}).Collect(context.Background(), env); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReadReservedPorts(t *testing.T) {
	dir := t.TempDir()
	// The kernel's own format (Documentation/networking/ip-sysctl.rst).
	writeFile(t, filepath.Join(dir, "sys/net/ipv4/ip_local_reserved_ports"), "8080,10000-10005\n")
	got := readReservedPorts(dir)
	if want := []snapshot.PortRange{{From: 8080, To: 8080}, {From: 10000, To: 10005}}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, res := readLocalPorts(dir); res != nil {
		t.Errorf("no range file: reserved %v", res)
	}
}

// TestSocketsDualStackLive opens "::" listeners with IPV6_V6ONLY off and on
// (TCP and UDP) and checks that the collector tells them apart through
// sock_diag, as `ss -e` does, whatever net.ipv6.bindv6only says.
func TestSocketsDualStackLive(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp6"); err != nil {
		t.Skip("IPv6 is disabled on this machine (no /proc/net/tcp6):", err)
	}
	listen := func(network string, v6only int) (port int, closer func()) {
		lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, v6only)
			}); err != nil {
				return err
			}
			return serr
		}}
		if network == "udp6" {
			pc, err := lc.ListenPacket(context.Background(), network, "[::]:0")
			if err != nil {
				t.Fatal(err)
			}
			return pc.LocalAddr().(*net.UDPAddr).Port, func() { pc.Close() }
		}
		ln, err := lc.Listen(context.Background(), network, "[::]:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln.Addr().(*net.TCPAddr).Port, func() { ln.Close() }
	}
	want := map[string]bool{}
	for _, c := range []struct {
		network string
		v6only  int
	}{{"tcp6", 0}, {"tcp6", 1}, {"udp6", 0}, {"udp6", 1}} {
		port, closer := listen(c.network, c.v6only)
		defer closer()
		want[fmt.Sprintf("%s/%d", c.network[:3], port)] = c.v6only == 0
	}
	s, err := (&Sockets{}).Collect(context.Background(), &Env{ProcRoot: "/proc", IsRoot: os.Geteuid() == 0})
	if err != nil && !errors.Is(err, ErrPermission) {
		t.Fatal(err)
	}
	sec := s.(*snapshot.SocketsSection)
	if !strings.HasPrefix(sec.DualStackFrom, "sock_diag") {
		t.Fatalf("dual-stack settled by %q, want sock_diag", sec.DualStackFrom)
	}
	for _, l := range sec.Listeners {
		key := fmt.Sprintf("%s/%d", l.Proto, l.Port)
		if dual, ok := want[key]; ok && l.Family == "ipv6" {
			if l.DualStack != dual {
				t.Errorf("%s on %s: dual_stack %v, want %v", key, l.Address, l.DualStack, dual)
			}
			delete(want, key)
		}
	}
	if len(want) > 0 {
		t.Errorf("listeners not found: %v", want)
	}
}

// TestParseInetDiagMsgTruncated: a short or malformed message is no answer.
func TestParseInetDiagMsgTruncated(t *testing.T) {
	for _, b := range [][]byte{nil, make([]byte, inetDiagMsgLen-1), append(make([]byte, inetDiagMsgLen), 3, 0, 11, 0)} {
		if _, _, ok := parseInetDiagMsg(b); ok {
			t.Errorf("%d bytes parsed", len(b))
		}
	}
}
