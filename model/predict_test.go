package model

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// TestPredictDockerdStage predicts single connections to the testbed host
// of the dockerd capture: the outside host (192.0.2.10, on eth1), the LAN
// peer (10.0.0.80, on eth0), a container on docker0 and the host itself.
func TestPredictDockerdStage(t *testing.T) {
	s := testbedSnapshot(t, "dockerd")
	pr := NewPredictor(s, trusted)
	cases := []struct {
		name, src, dst string
		port           int
		verdict        string
		reason         []string
		from           string
	}{
		{"outside to sshd", "192.0.2.10", "10.0.0.84", 22, Unreachable, []string{"dropped in INPUT"}, "192.0.2.10 on eth1"},
		{"LAN peer to sshd", "10.0.0.80", "10.0.0.84", 22, Reachable, []string{"accepted in INPUT by UFW's user rules"}, "10.0.0.80 on eth0"},
		{"outside to the published port", "192.0.2.10", "10.0.0.84", 8888, Reachable,
			[]string{"DNAT to 172.17.0.2:8080 by DOCKER in nat PREROUTING", "accepted in FORWARD by DOCKER", "UFW's INPUT chain is not traversed"}, "192.0.2.10 on eth1"},
		{"outside to the outside link's address", "192.0.2.10", "192.0.2.1", 8888, Reachable, []string{"DNAT to 172.17.0.2:8080"}, "192.0.2.10 on eth1"},
		{"outside to 80", "192.0.2.10", "10.0.0.84", 80, Reachable, []string{"accepted in INPUT"}, "192.0.2.10 on eth1"},
		{"outside to a plain listener", "192.0.2.10", "10.0.0.84", 8899, Unreachable, []string{"dropped in INPUT"}, "192.0.2.10 on eth1"},
		{"LAN peer to a port nothing listens on", "10.0.0.80", "10.0.0.84", 12345, Unreachable, []string{"dropped in INPUT"}, "10.0.0.80 on eth0"},
		{"LAN peer to a loopback listener", "10.0.0.80", "10.0.0.84", 9090, Unreachable, []string{"dropped in INPUT"}, "10.0.0.80 on eth0"},
		// A container's connection to the published port arrives on
		// docker0, which DOCKER's DNAT excludes (! -i docker0).
		{"container to the published port", "172.17.0.3", "10.0.0.84", 8888, Unreachable, nil, "172.17.0.3 on docker0"},
		// An unconnected source arrives on every interface but lo and the
		// bridges: eth0 and eth1 decide alike.
		{"unconnected source to sshd", "203.0.113.7", "10.0.0.84", 22, Unreachable, []string{"dropped in INPUT"}, "203.0.113.7 on eth0"},
		// The host itself: OUTPUT, then lo, which UFW accepts.
		{"the host to its plain listener", "10.0.0.84", "10.0.0.84", 8899, Reachable, nil, "10.0.0.84 on lo"},
		{"the host over loopback", "127.0.0.1", "127.0.0.1", 9090, Reachable, nil, "127.0.0.1 on lo"},
		{"loopback, nothing listening", "127.0.0.1", "127.0.0.1", 12345, Unreachable, []string{"nothing listens on 127.0.0.1:12345/tcp"}, "127.0.0.1 on lo"},
		{"IPv4-mapped addresses", "::ffff:10.0.0.80", "::ffff:10.0.0.84", 22, Reachable, nil, "10.0.0.80 on eth0"},
		{"an address the host does not have", "192.0.2.10", "10.0.0.99", 80, Undecided, []string{"10.0.0.99 is not an address of server-84's interfaces (10.0.0.84, 172.17.0.1, 192.0.2.1", "address translation"}, ""},
		// IPv6 from the LAN: UFW's 22 rule has no v6 twin; 80's has, but
		// traefik listens on 0.0.0.0 only.
		{"IPv6 LAN peer to sshd", "fd00::80", "fd00::84", 22, Unreachable, []string{"dropped in INPUT"}, "fd00::80 on eth0"},
		{"IPv6 LAN peer to 80", "fd00::80", "fd00::84", 80, Unreachable, []string{"accepted in INPUT", "nothing listens on [fd00::84]:80/tcp"}, "fd00::80 on eth0"},
		{"mixed families", "192.0.2.10", "::1", 80, Undecided, []string{"mixes address families"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := pr.Predict(netip.MustParseAddr(c.src), netip.MustParseAddr(c.dst), "tcp", c.port)
			if got.Verdict != c.verdict || got.From != c.from {
				t.Errorf("%s from %s: %s (%s)", got.Verdict, got.From, got.Reason, got.Rules)
			}
			for _, w := range c.reason {
				if !strings.Contains(got.Reason, w) {
					t.Errorf("reason %q lacks %q", got.Reason, w)
				}
			}
			// Predict alone says the same.
			if one := Predict(s, trusted, netip.MustParseAddr(c.src), netip.MustParseAddr(c.dst), "tcp", c.port); one.Verdict != got.Verdict || one.Reason != got.Reason {
				t.Errorf("Predict: %+v, Predictor: %+v", one, got)
			}
		})
	}
}

// TestPredictAgreesWithCompute: a source Compute tries for a zone gets,
// alone, the verdict Compute gives the zone when every source of the zone
// decides alike (the documented host's zones do).
func TestPredictAgreesWithCompute(t *testing.T) {
	for _, stage := range []string{"ufw", "dockerd", "extended"} {
		s := testbedSnapshot(t, stage)
		f := Compute(s, trusted)
		pr := NewPredictor(s, trusted)
		for i, l := range s.Sockets.Listeners {
			if l.Loopback || l.Family != "ipv4" {
				continue
			}
			for _, z := range []struct {
				src  string
				want Reach
			}{{"192.0.2.10", f.Listeners[i].Outside}, {"10.0.0.80", f.Listeners[i].Trusted}} {
				got := pr.Predict(netip.MustParseAddr(z.src), netip.MustParseAddr("10.0.0.84"), l.Proto, l.Port)
				if got.Verdict != z.want.Verdict {
					t.Errorf("%s: %d/%s from %s: %s (%s); Compute: %s (%s)", stage, l.Port, l.Proto, z.src, got.Verdict, got.Reason, z.want.Verdict, z.want.Reason)
				}
			}
		}
	}
}

func TestPredictUnknownWithoutEvidence(t *testing.T) {
	src, dst := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("10.0.0.84")
	s := testbedSnapshot(t, "dockerd")
	s.Netfilter = nil
	delete(s.Collectors, "netfilter")
	if r := Predict(s, trusted, src, dst, "tcp", 80); r.Verdict != Undecided || !strings.Contains(r.Reason, "no netfilter ruleset") {
		t.Errorf("no ruleset: %+v", r)
	}
	s = testbedSnapshot(t, "dockerd")
	s.Host.Interfaces = nil
	if r := Predict(s, trusted, src, dst, "tcp", 80); r.Verdict != Undecided || !strings.Contains(r.Reason, "host.interfaces") {
		t.Errorf("no interfaces: %+v", r)
	}
	if r := Predict(testbedSnapshot(t, "dockerd"), trusted, netip.Addr{}, dst, "tcp", 80); r.Verdict != Undecided {
		t.Errorf("no source: %+v", r)
	}
	// Only lo and a bridge: no interface other hosts' packets arrive on.
	s = testbedSnapshot(t, "dockerd")
	s.Host.Interfaces = []snapshot.Interface{testbedInterfaces[0], testbedInterfaces[3], {Name: "eth0", Addresses: []string{"10.0.0.84/32"}}}
	s.Host.Interfaces[2].Name = "docker1"
	if r := Predict(s, trusted, src, dst, "tcp", 80); r.Verdict != Undecided || !strings.Contains(r.Reason, "no interface") {
		t.Errorf("no arrival interface: %+v", r)
	}
}

func TestAgree(t *testing.T) {
	acc := Reach{Verdict: Reachable, Reason: "accepted", From: "203.0.113.7 on eth0"}
	acc2 := Reach{Verdict: Reachable, Reason: "accepted too", From: "203.0.113.7 on eth1"}
	drop := Reach{Verdict: Unreachable, Reason: "dropped", From: "203.0.113.7 on eth1"}
	unk := Reach{Verdict: Undecided, Reason: "a rule quoted", From: "203.0.113.7 on eth1"}
	tests := []struct {
		name    string
		in      []Reach
		verdict string
		reason  string
	}{
		{"one", []Reach{drop}, Unreachable, "dropped"},
		{"alike: the first", []Reach{acc, acc2}, Reachable, "accepted"},
		{"an unknown decides", []Reach{acc, unk}, Undecided, "a rule quoted"},
		{"apart", []Reach{acc, drop}, Undecided, "it depends on the interface the packets arrive on: from 203.0.113.7 on eth0 reachable (accepted), from 203.0.113.7 on eth1 unreachable (dropped)"},
	}
	for _, tc := range tests {
		if got := agree(tc.in); got.Verdict != tc.verdict || got.Reason != tc.reason {
			t.Errorf("%s: %+v", tc.name, got)
		}
	}
}
