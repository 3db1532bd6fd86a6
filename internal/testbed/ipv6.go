package testbed

import (
	"strings"
	"testing"
)

// IPv6 addresses of the dual-stack testbed (ULA on the LAN, documentation
// prefix outside), mirroring the IPv4 ones: the server's eth0 and the LAN
// peer, the server's eth1 and the outside host.
const (
	ServerAddr6  = "fd00::84/64"
	PeerAddr6    = "fd00::80/64"
	OutsideGW6   = "2001:db8:2::1/64"
	OutsideAddr6 = "2001:db8:2::10/64"
)

// DualStack makes a host, its LAN peer and its outside host (NewOutside)
// one routed network in both families: IPv6 addresses on every link
// (ServerAddr6, PeerAddr6, OutsideGW6, OutsideAddr6, without duplicate
// address detection), forwarding on in the server for both families, and
// the server as the default gateway of the LAN peer and of the outside
// host in both, so each reaches every address of the server from its own
// link.
func DualStack(t testing.TB, h, out *Host) {
	t.Helper()
	for _, a := range []struct{ ns, addr, dev string }{
		{h.NS, ServerAddr6, "eth0"},
		{h.Peer.NS, PeerAddr6, "eth0"},
		{h.NS, OutsideGW6, "eth1"},
		{out.NS, OutsideAddr6, "eth0"},
	} {
		mustRun(t, "ip", "-n", a.ns, "-6", "addr", "add", a.addr, "dev", a.dev, "nodad")
	}
	mustRun(t, "ip", "netns", "exec", h.NS, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
	mustRun(t, "ip", "-n", h.Peer.NS, "route", "add", "default", "via", h.IP)
	mustRun(t, "ip", "-n", h.Peer.NS, "-6", "route", "add", "default", "via", strings.Split(ServerAddr6, "/")[0])
	mustRun(t, "ip", "-n", out.NS, "-6", "route", "add", "default", "via", strings.Split(OutsideGW6, "/")[0])
}
