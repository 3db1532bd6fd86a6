package collectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
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
