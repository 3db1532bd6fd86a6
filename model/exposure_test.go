package model

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// testbedInterfaces are the interfaces of the testbed host the captures
// come from: the LAN (eth0), the outside link (eth1) and dockerd's bridge.
var testbedInterfaces = []snapshot.Interface{
	{Name: "docker0", Addresses: []string{"172.17.0.1/16"}},
	{Name: "eth0", Addresses: []string{"10.0.0.84/24", "fd00::84/64"}},
	{Name: "eth1", Addresses: []string{"192.0.2.1/24"}},
	{Name: "lo", Addresses: []string{"127.0.0.1/8", "::1/128"}},
}

func listener(addr string, port int, process string) snapshot.Listener {
	a := netip.MustParseAddr(addr)
	fam := "ipv4"
	if a.Is6() {
		fam = "ipv6"
	}
	return snapshot.Listener{Proto: "tcp", Family: fam, Address: addr, Port: port,
		Wildcard: a.IsUnspecified(), Loopback: a.IsLoopback(), DualStack: addr == "::", Process: process}
}

// testbedSnapshot is the dockerd stage of the testbed host: UFW as
// documented, a container published with -p 8888:8080 (docker-proxy
// listening), sshd, a plain listener and a loopback one.
func testbedSnapshot(t testing.TB, stage string) *snapshot.Snapshot {
	return &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		Host:          snapshot.Host{Hostname: "server-84", Interfaces: testbedInterfaces},
		Collectors:    map[string]snapshot.CollectorResult{"netfilter": {Status: snapshot.StatusOK}, "sockets": {Status: snapshot.StatusOK}},
		Netfilter:     npSection(t, stage),
		Sockets: &snapshot.SocketsSection{Listeners: []snapshot.Listener{
			listener("0.0.0.0", 22, "sshd"),
			listener("0.0.0.0", 8888, "docker-proxy"),
			listener("0.0.0.0", 8899, "httpd"),
			listener("127.0.0.1", 9090, "prometheus"),
			listener("0.0.0.0", 80, "traefik"),
			listener("::", 6380, "redis-server"),
		}},
		Docker: &snapshot.DockerSection{Containers: []snapshot.Container{{
			Name: "notebook", NetworkMode: "bridge",
			Ports: []snapshot.PortBinding{{HostIP: "0.0.0.0", HostPort: 8888, ContainerPort: 8080, Proto: "tcp"}},
		}}},
	}
}

var trusted = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}

func TestComputeDockerdStage(t *testing.T) {
	f := Compute(testbedSnapshot(t, "dockerd"), trusted)
	if f.Ruleset.Status != "ok" {
		t.Fatalf("ruleset: %+v", f.Ruleset)
	}
	cases := []struct {
		i                int
		outside, trusted string
		reason           []string
	}{
		// sshd: only the LAN's rule admits it.
		{0, Unreachable, Reachable, []string{"dropped in INPUT"}},
		// The published port: dockerd's DNAT, FORWARD accepted by DOCKER.
		{1, Reachable, Reachable, []string{"DNAT to 172.17.0.2:8080 by DOCKER in nat PREROUTING", "accepted in FORWARD by DOCKER", "UFW's INPUT chain is not traversed"}},
		// A plain listener: UFW's default deny.
		{2, Unreachable, Unreachable, []string{"dropped in INPUT"}},
		// Loopback only: no other host can address it.
		{3, Unreachable, Unreachable, []string{"listens on 127.0.0.1 only"}},
		// 80/tcp is allowed from anywhere by UFW's user rule.
		{4, Reachable, Reachable, []string{"accepted in INPUT by UFW's user rules (ufw-user-input)"}},
	}
	for _, c := range cases {
		e := f.Listeners[c.i]
		if e.Outside.Verdict != c.outside || e.Trusted.Verdict != c.trusted {
			t.Errorf("listener %d: outside %s (%s), trusted %s (%s); want %s, %s", c.i, e.Outside.Verdict, e.Outside.Reason, e.Trusted.Verdict, e.Trusted.Reason, c.outside, c.trusted)
		}
		for _, want := range c.reason {
			if !strings.Contains(e.Outside.Reason, want) {
				t.Errorf("listener %d outside reason %q lacks %q", c.i, e.Outside.Reason, want)
			}
		}
		if e.Loopback.Verdict != Reachable && c.i != 1 {
			t.Errorf("listener %d: loopback %s (%s), want reachable (UFW accepts lo)", c.i, e.Loopback.Verdict, e.Loopback.Reason)
		}
	}
	// The dual-stack Redis listener is reached over both families; UFW's
	// IPv6 chains drop it too.
	if by := f.Listeners[5].OutsideByFamily; by["ipv4"].Verdict != Unreachable || by["ipv6"].Verdict != Unreachable ||
		!strings.Contains(by["ipv6"].To, "[fd00::84]:6380") {
		t.Errorf("redis by family: %+v", by)
	}
	if len(f.Published) != 1 || f.Published[0].Outside.Verdict != Reachable || f.Published[0].Container != "notebook" {
		t.Errorf("published: %+v", f.Published)
	}
	// Zones: the outside sources include the default and the boundaries
	// of the trusted network, never a trusted or local address.
	for _, z := range f.Zones {
		for _, s := range z.Sources {
			a := netip.MustParseAddr(s)
			in := trusted[0].Contains(a)
			if (z.Name == ZoneOutside && in) || (z.Name == ZoneTrusted && !in) {
				t.Errorf("zone %s/%s has source %s", z.Name, z.Family, s)
			}
		}
	}
}

func TestComputeUnknownWithoutRuleset(t *testing.T) {
	s := testbedSnapshot(t, "dockerd")
	s.Netfilter = nil
	delete(s.Collectors, "netfilter")
	f := Compute(s, trusted)
	if f.Ruleset.Status != "unknown" || !strings.Contains(f.Ruleset.Reason, "no netfilter ruleset") {
		t.Fatalf("ruleset: %+v", f.Ruleset)
	}
	for i, e := range f.Listeners {
		if e.Outside.Verdict != Undecided || e.Trusted.Verdict != Undecided || e.Loopback.Verdict != Undecided {
			t.Errorf("listener %d: %+v, want unknown everywhere", i, e)
		}
	}
	s = testbedSnapshot(t, "dockerd")
	s.Collectors["netfilter"] = snapshot.CollectorResult{Status: snapshot.StatusPermission, Error: "iptables-save needs root"}
	if f := Compute(s, trusted); f.Ruleset.Status != "unknown" || !strings.Contains(f.Ruleset.Reason, "iptables-save needs root") {
		t.Errorf("permission: %+v", f.Ruleset)
	}
	s = testbedSnapshot(t, "dockerd")
	s.Host.Interfaces = nil
	if f := Compute(s, trusted); f.Ruleset.Status != "unknown" || !strings.Contains(f.Ruleset.Reason, "host.interfaces") {
		t.Errorf("no interfaces: %+v", f.Ruleset)
	}
}

// The native nftables table of the extended stage sits on hook input
// with one rule (tcp dport 2375 drop) the model reads: 80/tcp, accepted
// by UFW, passes it too; 8899 is dropped by filter INPUT's policy (a drop
// in any chain of the hook is final).
func TestComputeExtendedNativeTable(t *testing.T) {
	f := Compute(testbedSnapshot(t, "extended"), trusted)
	if e := f.Listeners[4]; e.Outside.Verdict != Reachable {
		t.Errorf("80 outside: %s (%s), want reachable", e.Outside.Verdict, e.Outside.Reason)
	}
	if e := f.Listeners[2]; e.Outside.Verdict != Unreachable {
		t.Errorf("8899 outside: %s (%s), want unreachable (filter INPUT drops it)", e.Outside.Verdict, e.Outside.Reason)
	}
}

func TestCandidatesCoverEveryRegion(t *testing.T) {
	s := testbedSnapshot(t, "ufw")
	x := newExposer(s, trusted, rulesetState(s))
	got := map[string]bool{}
	for _, a := range x.sources[ZoneOutside]["ipv4"] {
		got[a.String()] = true
	}
	// Just below and just above the trusted network, and the default.
	for _, want := range []string{"9.255.255.255", "10.0.1.0", "203.0.113.7"} {
		if !got[want] {
			t.Errorf("outside candidates %v lack %s", x.sources[ZoneOutside]["ipv4"], want)
		}
	}
	if len(x.sources[ZoneTrusted]["ipv4"]) == 0 {
		t.Error("no trusted candidates")
	}
}

func BenchmarkCompute(b *testing.B) {
	s := testbedSnapshot(b, "dockerd")
	b.ReportAllocs()
	for b.Loop() {
		Compute(s, trusted)
	}
}

// A source inside another interface's prefix (a container's address
// arriving from the LAN) is forged: no connection could complete.
func TestForgedSources(t *testing.T) {
	s := testbedSnapshot(t, "dockerd")
	x := newExposer(s, trusted, rulesetState(s))
	for _, c := range []struct {
		src, ifc string
		want     bool
	}{
		{"172.17.0.2", "eth0", true},
		{"172.17.0.2", "docker0", false},
		{"10.0.0.80", "eth0", false},
		{"10.0.0.80", "eth1", true},
		{"203.0.113.7", "eth1", false},
	} {
		if got := x.forged(netip.MustParseAddr(c.src), c.ifc); got != c.want {
			t.Errorf("forged(%s on %s) = %v, want %v", c.src, c.ifc, got, c.want)
		}
	}
}

// The review's fail-open cases: each must be reachable or unknown, never
// unreachable by default.
func TestComputeNoFailOpen(t *testing.T) {
	t.Run("iprange source", func(t *testing.T) {
		s := testbedSnapshot(t, "ufw")
		tb := &s.Netfilter.IPv4.Tables[0]
		for i, r := range tb.Rules {
			if r.Chain == "ufw-user-input" && strings.Contains(r.Text, "--dport 80 ") {
				n := r
				n.Text = "-p tcp -m iprange --src-range 198.51.100.10-198.51.100.20 -m tcp --dport 8899 -j ACCEPT"
				n.DPorts = []snapshot.PortRange{{From: 8899, To: 8899}}
				n.Matches = []snapshot.NetfilterMatch{{Module: "iprange", Options: []string{"--src-range", "198.51.100.10-198.51.100.20"}}, {Module: "tcp", Options: []string{"--dport", "8899"}}}
				tb.Rules = append(tb.Rules[:i+1], append([]snapshot.NetfilterRule{n}, tb.Rules[i+1:]...)...)
				break
			}
		}
		if e := Compute(s, trusted).Listeners[2]; e.Outside.Verdict != Reachable {
			t.Errorf("8899 allowed from an iprange: outside %s (%s)", e.Outside.Verdict, e.Outside.Reason)
		}
	})
	t.Run("no interface for other hosts", func(t *testing.T) {
		s := testbedSnapshot(t, "ufw")
		s.Host.Interfaces = []snapshot.Interface{{Name: "lo", Addresses: []string{"127.0.0.1/8"}}, {Name: "veth0", Addresses: []string{"10.0.0.84/24"}}}
		if e := Compute(s, trusted).Listeners[2]; e.Outside.Verdict != Undecided {
			t.Errorf("8899 with no arrival interface: outside %s (%s), want unknown", e.Outside.Verdict, e.Outside.Reason)
		}
	})
	t.Run("wildcard listener without a host address", func(t *testing.T) {
		s := testbedSnapshot(t, "ufw")
		s.Host.Interfaces = []snapshot.Interface{{Name: "lo", Addresses: []string{"127.0.0.1/8"}}, {Name: "eth0", Addresses: []string{}}}
		if e := Compute(s, trusted).Listeners[2]; e.Outside.Verdict != Undecided {
			t.Errorf("0.0.0.0:8899 with no address: outside %s (%s), want unknown", e.Outside.Verdict, e.Outside.Reason)
		}
	})
	t.Run("published port without a host address", func(t *testing.T) {
		s := testbedSnapshot(t, "dockerd")
		s.Host.Interfaces = []snapshot.Interface{{Name: "lo", Addresses: []string{"127.0.0.1/8"}}, {Name: "eth0", Addresses: []string{}}}
		if p := Compute(s, trusted).Published[0]; p.Outside.Verdict != Undecided {
			t.Errorf("0.0.0.0:8888 published with no address: outside %s (%s), want unknown", p.Outside.Verdict, p.Outside.Reason)
		}
	})
	t.Run("host bridge uplink", func(t *testing.T) {
		if engineInterface("br-lan") || !engineInterface("br-0123456789ab") || !engineInterface("docker0") {
			t.Error("engineInterface: br-lan is an uplink, br-<12 hex> and docker0 are the engine's")
		}
	})
}

func TestMaskedMembers(t *testing.T) {
	got := map[string]bool{}
	for _, a := range maskedMembers("10.0.0.0/255.0.255.0") {
		got[a.String()] = true
	}
	for _, want := range []string{"10.0.0.0", "10.255.0.255", "10.128.0.0", "10.0.0.1"} {
		if !got[want] {
			t.Errorf("maskedMembers lacks %s: %v", want, got)
		}
	}
	if maskedMembers("10.0.0.0/24") != nil || maskedMembers("fe80::/ffff::") != nil {
		t.Error("maskedMembers reads only dotted IPv4 masks")
	}
}
