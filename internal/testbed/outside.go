package testbed

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Addresses of the outside network: a host on another subnet that reaches
// the server through a second link of the server's (the server is its
// gateway), so its packets arrive from a source outside the trusted
// network, as the internet's would.
const (
	OutsideAddr = "192.0.2.10/24" // the outside host (TEST-NET-1)
	OutsideGW   = "192.0.2.1/24"  // the server's address on that link
)

// NewOutside creates a host outside the private network: a namespace
// <NS>-out with OutsideAddr on a veth whose other end is the server's
// eth1 (OutsideGW), and a default route through the server. From it the
// server's 10.0.0.84 is reachable, from 192.0.2.10. It has no UFW and no
// LAN peer; it is removed at the end of the test.
func NewOutside(t testing.TB, h *Host) *Host {
	t.Helper()
	ip, _, _ := net.ParseCIDR(OutsideAddr)
	gw, _, _ := net.ParseCIDR(OutsideGW)
	o := &Host{Name: h.Name + "-out", NS: h.NS + "-out", IP: ip.String(), Addr: OutsideAddr}
	// Recorded like a host, so a later test process removes it if this one
	// dies before its clean-up.
	if err := os.WriteFile(filepath.Join(ownersDir, o.NS), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "ip", "netns", "add", o.NS)
	t.Cleanup(func() {
		o.mu.Lock()
		procs := o.procs
		o.mu.Unlock()
		for _, p := range procs {
			if !p.Exited() {
				p.kill(t)
			}
		}
		if err := destroyNamespace(o.NS); err != nil {
			t.Errorf("remove namespace %s: %v", o.NS, err)
		}
		os.Remove(filepath.Join(ownersDir, o.NS))
	})
	mustRun(t, "ip", "link", "add", "eth1", "netns", h.NS, "address", mac(gw), "type", "veth",
		"peer", "name", "eth0", "netns", o.NS, "address", mac(ip))
	mustRun(t, "ip", "-n", h.NS, "addr", "add", OutsideGW, "dev", "eth1")
	mustRun(t, "ip", "-n", h.NS, "link", "set", "eth1", "up")
	mustRun(t, "ip", "-n", o.NS, "addr", "add", OutsideAddr, "dev", "eth0")
	mustRun(t, "ip", "-n", o.NS, "link", "set", "eth0", "up")
	mustRun(t, "ip", "-n", o.NS, "link", "set", "lo", "up")
	mustRun(t, "ip", "-n", o.NS, "route", "add", "default", "via", gw.String())
	return o
}
