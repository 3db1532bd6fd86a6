package testbed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestListeningPorts(t *testing.T) {
	// Lines of a real /proc/net/tcp and tcp6: LISTEN sockets (st 0A) and
	// an established connection (st 01) whose local port must not count.
	const procNet = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0A0200C0:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 16242 1 00000000b7b06ac4 100 0 0 10 0
   1: 0100007F:2711 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 16198 1 00000000c6055710 100 0 0 10 0
   4: 0100007F:8592 0100007F:2049 01 00000000:00000000 00:00000000 00000000     0        0 16248 2 0000000062f21640 20 0 0 10 -1
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   1: 00000000000000000000000000000000:18EC 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 15045 1 00000000903d982f 100 0 0 10 0
`
	got := listeningPorts(procNet)
	for _, p := range []int{8080, 10001, 6380} {
		if !got[p] {
			t.Errorf("port %d not found in %v", p, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("got %v, want exactly 8080, 10001, 6380", got)
	}
}

func TestSetVars(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ufw.conf")
	if err := os.WriteFile(p, []byte("# comment\nENABLED=yes\nLOGLEVEL=high\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := setVars(p, "ENABLED=no", "IPV6=yes"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if want := "# comment\nENABLED=no\nLOGLEVEL=high\nIPV6=yes\n"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}

// TestHostTeardown checks that a host leaves nothing behind: namespaces,
// /etc/netns folder, processes.
func TestHostTeardown(t *testing.T) {
	Require(t, "ip", "ufw", "busybox", "nc")
	var h *Host
	var p *Proc
	t.Run("host", func(t *testing.T) {
		h = NewHost(t, "teardown", "10.0.0.84/24")
		if got := h.MustExec(t, "hostname"); strings.TrimSpace(got) != "teardown" {
			t.Errorf("hostname %q, want teardown", got)
		}
		if got := h.MustExec(t, "grep", "^ENABLED=", "/etc/ufw/ufw.conf"); got != "ENABLED=no\n" {
			t.Errorf("ufw.conf in the namespace: %q, want ENABLED=no", got)
		}
		p = h.Start(t, "busybox", "httpd", "-f", "-p", "0.0.0.0:8080", "-h", t.TempDir())
		h.WaitListen(t, 8080)
		if _, _, code := h.Peer.Exec(t, "nc", "-z", "-w", "1", h.IP, "8080"); code != 0 {
			t.Errorf("the LAN peer cannot reach %s:8080 (nc exit %d)", h.IP, code)
		}
	})
	if h == nil || p == nil {
		t.Fatal("the host was not set up")
	}
	select {
	case <-p.done:
	case <-time.After(time.Second):
		t.Error("the background process survives its host")
	}
	for _, path := range []string{"/run/netns/" + h.NS, "/run/netns/" + h.Peer.NS, "/etc/netns/" + h.NS, filepath.Join(ownersDir, h.NS)} {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s remains after the test (stat: %v)", path, err)
		}
	}
}
