package model

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// npSection reads a real ruleset: the collector's parse of the captures
// in testdata/netfilter (model/testdata/README.md).
func npSection(t testing.TB, stage string) *snapshot.NetfilterSection {
	t.Helper()
	b, err := os.ReadFile("testdata/" + stage + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var nf snapshot.NetfilterSection
	if err := json.Unmarshal(b, &nf); err != nil {
		t.Fatal(err)
	}
	return &nf
}

// npInterfaces are the testbed host's interfaces: the LAN on eth0, an
// outside link on eth1, dockerd's bridge, loopback.
var npInterfaces = []snapshot.Interface{
	{Name: "docker0", Addresses: []string{"172.17.0.1/16"}},
	{Name: "eth0", Addresses: []string{"10.0.0.84/24", "2001:db8:84::84/64", "fe80::84/64"}},
	{Name: "eth1", Addresses: []string{"192.0.2.1/24", "2001:db8:1::1/64"}},
	{Name: "lo", Addresses: []string{"127.0.0.1/8", "::1/128"}},
}

func pkt(proto, src, dst string, dport int, in string) Packet {
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	fam := "ipv4"
	if d.Is6() {
		fam = "ipv6"
	}
	return Packet{Family: fam, Proto: proto, Src: s, Dst: d, SPort: 40000, DPort: dport, InIface: in}
}

func localPkt(proto, src, dst string, dport int) Packet {
	p := pkt(proto, src, dst, dport, "lo")
	p.Local = true
	return p
}

// chains lists the path as "table/chain#rule action", one step a word.
func chains(d Decision) string {
	var b []string
	for _, s := range d.Path {
		b = append(b, fmt.Sprintf("%s/%s#%d:%s", s.Table, s.Chain, s.Rule, s.Action))
	}
	return strings.Join(b, " ")
}

func TestDecideCaptures(t *testing.T) {
	cases := []struct {
		name, stage string
		p           Packet
		verdict     Verdict
		hook        string
		dst         string // "" = unchanged
		out         string
		last        string // the deciding step's rule text (or policy)
		pathHas     []string
		reasonHas   string
	}{
		{name: "ufw outside to 22 dropped by INPUT's policy", stage: "ufw",
			p: pkt("tcp", "192.0.2.10", "10.0.0.84", 22, "eth1"), verdict: Drop, hook: "INPUT", last: "policy DROP",
			pathHas: []string{"filter/INPUT#2:jump", "filter/ufw-before-input#10:jump", "filter/ufw-not-local#1:return", "filter/ufw-before-input#13:jump", "filter/INPUT#3:jump", "filter/INPUT#0:drop"}},
		{name: "ufw LAN to 22 accepted by ufw-user-input", stage: "ufw",
			p: pkt("tcp", "10.0.0.80", "10.0.0.84", 22, "eth0"), verdict: Accept, hook: "INPUT",
			last: "-A ufw-user-input -s 10.0.0.0/24 -p tcp -m tcp --dport 22 -j ACCEPT"},
		{name: "ufw outside to 80 accepted", stage: "ufw",
			p: pkt("tcp", "192.0.2.10", "10.0.0.84", 80, "eth1"), verdict: Accept, hook: "INPUT",
			last: "-A ufw-user-input -p tcp -m tcp --dport 80 -j ACCEPT"},
		{name: "ufw outside to 443 on eth1's own address", stage: "ufw",
			p: pkt("tcp", "192.0.2.10", "192.0.2.1", 443, "eth1"), verdict: Accept, hook: "INPUT",
			last: "-A ufw-user-input -p tcp -m tcp --dport 443 -j ACCEPT"},
		{name: "ufw udp to 80 dropped (rule is tcp)", stage: "ufw",
			p: pkt("udp", "192.0.2.10", "10.0.0.84", 80, "eth1"), verdict: Drop, hook: "INPUT", last: "policy DROP"},
		{name: "ufw mDNS to 224.0.0.251", stage: "ufw",
			p: pkt("udp", "10.0.0.80", "224.0.0.251", 5353, "eth0"), verdict: Accept, hook: "INPUT",
			last:    "-A ufw-before-input -d 224.0.0.251/32 -p udp -m udp --dport 5353 -j ACCEPT",
			pathHas: []string{"filter/ufw-not-local#2:return"}},
		{name: "ufw udp 137 skips to policy", stage: "ufw",
			p: pkt("udp", "10.0.0.80", "10.0.0.84", 137, "eth0"), verdict: Drop, hook: "INPUT",
			last: "-A ufw-skip-to-policy-input -j DROP", pathHas: []string{"filter/ufw-after-input#1:jump"}},
		{name: "ufw subnet broadcast 138 skips to policy", stage: "ufw",
			p: pkt("udp", "10.0.0.80", "10.0.0.255", 999, "eth0"), verdict: Drop, hook: "INPUT",
			last: "-A ufw-skip-to-policy-input -j DROP", pathHas: []string{"filter/ufw-not-local#3:return", "filter/ufw-after-input#7:jump"}},
		{name: "ufw forwarded to the LAN dropped by FORWARD's policy", stage: "ufw",
			p: pkt("tcp", "192.0.2.10", "10.0.0.80", 22, "eth1"), verdict: Drop, hook: "FORWARD", out: "eth0", last: "policy DROP"},
		{name: "ufw loopback accepted by -i lo", stage: "ufw",
			p: localPkt("tcp", "127.0.0.1", "127.0.0.1", 9090), verdict: Accept, hook: "INPUT",
			last:    "-A ufw-before-input -i lo -j ACCEPT",
			pathHas: []string{"filter/ufw-before-output#1:accept"}},
		{name: "ufw local to its own LAN address", stage: "ufw",
			p: localPkt("tcp", "10.0.0.84", "10.0.0.84", 9999), verdict: Accept, hook: "INPUT",
			last: "-A ufw-before-input -i lo -j ACCEPT"},
		{name: "ufw local to a LAN host", stage: "ufw",
			p: localPkt("tcp", "10.0.0.84", "10.0.0.80", 5432), verdict: Accept, hook: "OUTPUT", out: "eth0",
			last: "-A ufw-track-output -p tcp -m conntrack --ctstate NEW -j ACCEPT"},
		{name: "ufw no route", stage: "ufw",
			p: pkt("tcp", "192.0.2.10", "198.51.100.7", 22, "eth1"), verdict: Unknown, reasonHas: "no route to 198.51.100.7"},
		{name: "ufw v6 to 80 accepted", stage: "ufw",
			p: pkt("tcp", "2001:db8:1::10", "2001:db8:84::84", 80, "eth1"), verdict: Accept, hook: "INPUT",
			last: "-A ufw6-user-input -p tcp -m tcp --dport 80 -j ACCEPT"},
		{name: "ufw v6 to 22 dropped (the LAN rule is IPv4 only)", stage: "ufw",
			p: pkt("tcp", "2001:db8:84::80", "2001:db8:84::84", 22, "eth0"), verdict: Drop, hook: "INPUT", last: "policy DROP"},
		{name: "ufw v6 mDNS", stage: "ufw",
			p: pkt("udp", "fe80::80", "ff02::fb", 5353, "eth0"), verdict: Accept, hook: "INPUT",
			last: "-A ufw6-before-input -d ff02::fb/128 -p udp -m udp --dport 5353 -j ACCEPT"},
		{name: "ufw v6 loopback", stage: "ufw",
			p: localPkt("tcp", "::1", "::1", 6380), verdict: Accept, hook: "INPUT", last: "-A ufw6-before-input -i lo -j ACCEPT"},
		{name: "ufw v6 ::1 from outside never reaches netfilter", stage: "ufw",
			p: pkt("tcp", "2001:db8:1::10", "::1", 6380, "eth1"), verdict: Drop, reasonHas: "before netfilter"},
		{name: "ufw v4 to 0.0.0.0/8 is a martian", stage: "ufw",
			p: pkt("udp", "10.0.0.80", "0.0.0.5", 53, "eth0"), verdict: Drop, reasonHas: "martian destination"},
		{name: "ufw v4 127.0.0.1 from outside is a martian unless route_localnet", stage: "ufw",
			p: pkt("tcp", "192.0.2.10", "127.0.0.1", 9090, "eth1"), verdict: Unknown, reasonHas: "route_localnet"},

		{name: "dockerd published port from outside", stage: "dockerd",
			p: pkt("tcp", "192.0.2.10", "192.0.2.1", 8888, "eth1"), verdict: Accept, hook: "FORWARD", dst: "172.17.0.2:8080", out: "docker0",
			last:    "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8080 -j ACCEPT",
			pathHas: []string{"nat/PREROUTING#1:jump", "nat/DOCKER#2:dnat", "filter/FORWARD#1:jump", "filter/DOCKER-USER#1:return", "filter/FORWARD#4:jump", "filter/DOCKER#1:accept"}},
		{name: "dockerd published port from the LAN on the LAN address", stage: "dockerd",
			p: pkt("tcp", "10.0.0.80", "10.0.0.84", 8888, "eth0"), verdict: Accept, hook: "FORWARD", dst: "172.17.0.2:8080", out: "docker0",
			last: "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8080 -j ACCEPT"},
		{name: "dockerd published port udp not published", stage: "dockerd",
			p: pkt("udp", "192.0.2.10", "192.0.2.1", 8888, "eth1"), verdict: Drop, hook: "INPUT", last: "policy DROP"},
		{name: "dockerd container port directly from outside", stage: "dockerd",
			p: pkt("tcp", "192.0.2.10", "172.17.0.2", 8080, "eth1"), verdict: Accept, hook: "FORWARD", out: "docker0",
			last: "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8080 -j ACCEPT"},
		{name: "dockerd plain listener still dropped", stage: "dockerd",
			p: pkt("tcp", "192.0.2.10", "192.0.2.1", 8899, "eth1"), verdict: Drop, hook: "INPUT", last: "policy DROP"},
		{name: "dockerd local to the published port (nat OUTPUT DNAT)", stage: "dockerd",
			p: localPkt("tcp", "10.0.0.84", "10.0.0.84", 8888), verdict: Accept, hook: "OUTPUT", dst: "172.17.0.2:8080", out: "docker0",
			last:    "-A ufw-track-output -p tcp -m conntrack --ctstate NEW -j ACCEPT",
			pathHas: []string{"nat/OUTPUT#1:jump", "nat/DOCKER#2:dnat"}},
		{name: "dockerd local via 127.0.0.1 is not DNATed (! -d 127.0.0.0/8)", stage: "dockerd",
			p: localPkt("tcp", "127.0.0.1", "127.0.0.1", 8888), verdict: Accept, hook: "INPUT",
			last: "-A ufw-before-input -i lo -j ACCEPT"},
		{name: "dockerd container to outside", stage: "dockerd",
			p: pkt("tcp", "172.17.0.2", "192.0.2.10", 443, "docker0"), verdict: Accept, hook: "FORWARD", out: "eth1",
			last: "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT", pathHas: []string{"filter/DOCKER-ISOLATION-STAGE-1#1:jump", "filter/DOCKER-ISOLATION-STAGE-2#2:return"}},

		{name: "extended limit 2222: the native input chain lets it pass, ufw's limit accepts a new connection", stage: "extended",
			p: pkt("tcp", "192.0.2.10", "192.0.2.1", 2222, "eth1"), verdict: Accept, hook: "INPUT",
			last:    "-A ufw-user-limit-accept -j ACCEPT",
			pathHas: []string{"filter/ufw-user-input#6:jump"}},
		{name: "extended 2375 dropped by the native nftables rule", stage: "extended",
			p: pkt("tcp", "10.0.0.80", "10.0.0.84", 2375, "eth0"), verdict: Drop, hook: "INPUT",
			last: `tcp dport 2375 counter drop comment "no docker api"`, pathHas: []string{"inet filter/input#1:drop"}},
		{name: "extended 2375 v6 dropped by the native inet rule", stage: "extended",
			p: pkt("tcp", "2001:db8:84::80", "2001:db8:84::84", 2375, "eth0"), verdict: Drop, hook: "INPUT",
			last: `tcp dport 2375 counter drop comment "no docker api"`},
		{name: "extended udp 2375 passes the native rule (tcp dport), dropped by ufw", stage: "extended",
			p: pkt("udp", "10.0.0.80", "10.0.0.84", 2375, "eth0"), verdict: Drop, hook: "INPUT", last: "policy DROP"},
		{name: "extended published port is forwarded: the native input chain is not on its path", stage: "extended",
			p: pkt("tcp", "192.0.2.10", "192.0.2.1", 8888, "eth1"), verdict: Accept, hook: "FORWARD", dst: "172.17.0.2:8080", out: "docker0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRuleset(npSection(t, c.stage), npInterfaces)
			d := r.Decide(c.p)
			if d.Verdict != c.verdict || d.Hook != c.hook || d.OutIface != c.out {
				t.Fatalf("got %s hook %q out %q (%s), want %s hook %q out %q\npath %s", d.Verdict, d.Hook, d.OutIface, d.Reason, c.verdict, c.hook, c.out, chains(d))
			}
			wantDst := netip.AddrPortFrom(c.p.Dst, uint16(c.p.DPort))
			if c.dst != "" {
				wantDst = netip.MustParseAddrPort(c.dst)
			}
			if d.Dst != wantDst {
				t.Errorf("dst %v, want %v", d.Dst, wantDst)
			}
			if c.last != "" {
				if len(d.Path) == 0 || d.Path[len(d.Path)-1].Text != c.last {
					t.Errorf("deciding step: path %s, want last %q", chains(d), c.last)
				}
			}
			for _, s := range c.pathHas {
				if !strings.Contains(" "+chains(d)+" ", " "+s+" ") {
					t.Errorf("path %s lacks %s", chains(d), s)
				}
			}
			if !strings.Contains(d.Reason, c.reasonHas) {
				t.Errorf("reason %q lacks %q", d.Reason, c.reasonHas)
			}
			if c.verdict == Unknown && d.Reason == "" {
				t.Error("unknown without a reason")
			}
		})
	}
}

// withoutNative is a section with the native nftables tables left out,
// so the extended stage's iptables rules can be checked on hook input.
func withoutNative(nf *snapshot.NetfilterSection) *snapshot.NetfilterSection {
	var keep []snapshot.NFTTable
	for _, t := range nf.NFTables.Tables {
		if t.IPTables {
			keep = append(keep, t)
		}
	}
	nf.NFTables.Tables = keep
	return nf
}

func TestDecideExtendedRuleForms(t *testing.T) {
	cases := []struct {
		name    string
		p       Packet
		verdict Verdict
		last    string
	}{
		{"limit 2222 accepts the first connection", pkt("tcp", "192.0.2.10", "192.0.2.1", 2222, "eth1"), Accept,
			"-A ufw-user-limit-accept -j ACCEPT"},
		{"limit 2222 v6", pkt("tcp", "2001:db8:1::10", "2001:db8:1::1", 2222, "eth1"), Accept,
			"-A ufw6-user-limit-accept -j ACCEPT"},
		{"multiport 5555", pkt("tcp", "192.0.2.10", "192.0.2.1", 5555, "eth1"), Accept,
			"-A ufw-user-input -p tcp -m multiport --dports 5555,6000:6010 -j ACCEPT"},
		{"multiport 6005", pkt("tcp", "192.0.2.10", "192.0.2.1", 6005, "eth1"), Accept,
			"-A ufw-user-input -p tcp -m multiport --dports 5555,6000:6010 -j ACCEPT"},
		{"multiport 6011 outside the range", pkt("tcp", "192.0.2.10", "192.0.2.1", 6011, "eth1"), Drop, "policy DROP"},
		{"multiport 5555 v6", pkt("tcp", "2001:db8:1::10", "2001:db8:1::1", 5555, "eth1"), Accept,
			"-A ufw6-user-input -p tcp -m multiport --dports 5555,6000:6010 -j ACCEPT"},
		{"the first 22 rule accepts before the app rule", pkt("tcp", "10.0.0.80", "10.0.0.84", 22, "eth0"), Accept,
			"-A ufw-user-input -s 10.0.0.0/24 -p tcp -m tcp --dport 22 -j ACCEPT"},
		{"22 from outside still dropped", pkt("tcp", "192.0.2.10", "10.0.0.84", 22, "eth1"), Drop, "policy DROP"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRuleset(withoutNative(npSection(t, "extended")), npInterfaces)
			d := r.Decide(c.p)
			if d.Verdict != c.verdict || len(d.Path) == 0 || d.Path[len(d.Path)-1].Text != c.last {
				t.Fatalf("got %s (%s) path %s, want %s by %q", d.Verdict, d.Reason, chains(d), c.verdict, c.last)
			}
		})
	}
	// The app rule decides once the plain 22 rule is gone (comment: true).
	nf := withoutNative(npSection(t, "extended"))
	rules := nf.IPv4.Tables[0].Rules
	for i, r := range rules {
		if r.Chain == "ufw-user-input" && r.Text == "-s 10.0.0.0/24 -p tcp -m tcp --dport 22 -j ACCEPT" {
			nf.IPv4.Tables[0].Rules = append(rules[:i:i], rules[i+1:]...)
			break
		}
	}
	d := NewRuleset(nf, npInterfaces).Decide(pkt("tcp", "10.0.0.80", "10.0.0.84", 22, "eth0"))
	want := `-A ufw-user-input -s 10.0.0.0/24 -p tcp -m tcp --dport 22 -m comment --comment "\'dapp_OpenSSH\'" -j ACCEPT`
	if d.Verdict != Accept || d.Path[len(d.Path)-1].Text != want {
		t.Errorf("app rule: %s path %s", d.Verdict, chains(d))
	}
}

// mutate returns the stage's section with the first IPv4 rule of chain
// whose text has prefix changed by f.
func mutate(t *testing.T, stage, chain, prefix string, f func(*snapshot.NetfilterRule)) *snapshot.NetfilterSection {
	t.Helper()
	nf := npSection(t, stage)
	for ti := range nf.IPv4.Tables {
		for ri := range nf.IPv4.Tables[ti].Rules {
			r := &nf.IPv4.Tables[ti].Rules[ri]
			if r.Chain == chain && strings.HasPrefix(r.Text, prefix) {
				f(r)
				return nf
			}
		}
	}
	t.Fatalf("no rule %s %s", chain, prefix)
	return nil
}

func TestDecideUnknown(t *testing.T) {
	outside22 := pkt("tcp", "192.0.2.10", "10.0.0.84", 22, "eth1")
	outside80 := pkt("tcp", "192.0.2.10", "10.0.0.84", 80, "eth1")
	cases := []struct {
		name      string
		nf        func(t *testing.T) *snapshot.NetfilterSection
		ifs       []snapshot.Interface
		p         Packet
		verdict   Verdict
		reasonHas string
		lastText  string
	}{
		{name: "nil section", nf: func(*testing.T) *snapshot.NetfilterSection { return nil }, p: outside80,
			verdict: Unknown, reasonHas: "the snapshot has no netfilter ruleset"},
		{name: "no interfaces", nf: func(t *testing.T) *snapshot.NetfilterSection { return npSection(t, "ufw") }, ifs: []snapshot.Interface{}, p: outside80,
			verdict: Unknown, reasonHas: "no network interfaces"},
		{name: "ipv4 status error", nf: func(t *testing.T) *snapshot.NetfilterSection {
			nf := npSection(t, "ufw")
			nf.IPv4.Status, nf.IPv4.Error = snapshot.StatusError, "iptables-save: exit status 1"
			return nf
		}, p: outside80, verdict: Unknown, reasonHas: "the ipv4 ruleset was not collected (iptables-save (nf_tables): error: iptables-save: exit status 1)"},
		{name: "ipv6 status error leaves ipv4 decided", nf: func(t *testing.T) *snapshot.NetfilterSection {
			nf := npSection(t, "ufw")
			nf.IPv6.Status = snapshot.StatusPermission
			return nf
		}, p: outside80, verdict: Accept},
		{name: "nft not collected", nf: func(t *testing.T) *snapshot.NetfilterSection {
			nf := npSection(t, "ufw")
			nf.NFTables.Status = snapshot.StatusUnavailable
			return nf
		}, p: outside80, verdict: Unknown, reasonHas: "native nftables tables were not collected"},
		{name: "legacy tables beside nf_tables", nf: func(t *testing.T) *snapshot.NetfilterSection {
			nf := npSection(t, "ufw")
			nf.IPv4.Notes = []string{"# Warning: iptables-legacy tables present, use iptables-legacy-save to see them"}
			return nf
		}, p: outside80, verdict: Unknown, reasonHas: "iptables-legacy and nf_tables rules are both loaded"},
		{name: "unparsed rule on the path", nf: func(t *testing.T) *snapshot.NetfilterSection {
			return mutate(t, "ufw", "ufw-before-input", "-m conntrack --ctstate INVALID -j DROP", func(r *snapshot.NetfilterRule) {
				r.Unparsed = `"--foo" is not understood`
			})
		}, p: outside80, verdict: Unknown, reasonHas: `rule not fully understood ("--foo" is not understood): -A ufw-before-input -m conntrack --ctstate INVALID -j DROP`,
			lastText: "-A ufw-before-input -m conntrack --ctstate INVALID -j DROP"},
		{name: "unparsed LOG rule is harmless", nf: func(t *testing.T) *snapshot.NetfilterSection {
			return mutate(t, "ufw", "ufw-after-logging-input", "", func(r *snapshot.NetfilterRule) { r.Unparsed = "odd" })
		}, p: outside22, verdict: Drop},
		{name: "unparsed rule before its target was read", nf: func(t *testing.T) *snapshot.NetfilterSection {
			return mutate(t, "ufw", "ufw-after-logging-input", "", func(r *snapshot.NetfilterRule) { r.Unparsed, r.Jump = "-f", "" })
		}, p: outside22, verdict: Unknown, reasonHas: "rule not fully understood (-f)"},
		{name: "match set in DOCKER-USER", nf: func(t *testing.T) *snapshot.NetfilterSection {
			return mutate(t, "dockerd", "DOCKER-USER", "-j RETURN", func(r *snapshot.NetfilterRule) {
				r.Matches = append(r.Matches, snapshot.NetfilterMatch{Module: "set", Options: []string{"--match-set", "allowed", "src"}})
			})
		}, p: pkt("tcp", "192.0.2.10", "192.0.2.1", 8888, "eth1"), verdict: Unknown, reasonHas: "match set not modelled: -A DOCKER-USER -j RETURN",
			lastText: "-A DOCKER-USER -j RETURN"},
		{name: "match set false by another match", nf: func(t *testing.T) *snapshot.NetfilterSection {
			return mutate(t, "ufw", "ufw-user-input", "-p tcp -m tcp --dport 443", func(r *snapshot.NetfilterRule) {
				r.Matches = append(r.Matches, snapshot.NetfilterMatch{Module: "set", Options: []string{"--match-set", "x", "src"}})
			})
		}, p: outside80, verdict: Accept},
		{name: "deep jump loop", nf: func(t *testing.T) *snapshot.NetfilterSection {
			return mutate(t, "ufw", "ufw-user-input", "-p tcp -m tcp --dport 443", func(r *snapshot.NetfilterRule) {
				r.Protocol, r.Matches, r.Jump, r.Text = "", nil, "ufw-before-input", "-j ufw-before-input"
			})
		}, p: outside22, verdict: Unknown, reasonHas: "jumps nested deeper than 16"},
		{name: "goto loop", nf: func(t *testing.T) *snapshot.NetfilterSection {
			return mutate(t, "ufw", "ufw-user-input", "-p tcp -m tcp --dport 443", func(r *snapshot.NetfilterRule) {
				r.Protocol, r.Matches, r.Jump, r.Goto, r.Text = "", nil, "ufw-user-input", true, "-g ufw-user-input"
			})
		}, p: outside22, verdict: Unknown, reasonHas: "a loop?"},
		{name: "unknown target", nf: func(t *testing.T) *snapshot.NetfilterSection {
			return mutate(t, "ufw", "ufw-user-input", "-p tcp -m tcp --dport 80", func(r *snapshot.NetfilterRule) { r.Jump = "NFQUEUE" })
		}, p: outside80, verdict: Unknown, reasonHas: "target NFQUEUE not modelled"},
		{name: "interface not up", nf: func(t *testing.T) *snapshot.NetfilterSection { return npSection(t, "ufw") },
			p: pkt("tcp", "192.0.2.10", "10.0.0.84", 80, "wlan0"), verdict: Unknown, reasonHas: `interface "wlan0" is not up`},
		{name: "bad packet", nf: func(t *testing.T) *snapshot.NetfilterSection { return npSection(t, "ufw") },
			p: Packet{Family: "ipv4", Proto: "sctp"}, verdict: Unknown, reasonHas: "invalid packet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ifs := c.ifs
			if ifs == nil {
				ifs = npInterfaces
			}
			d := NewRuleset(c.nf(t), ifs).Decide(c.p)
			if d.Verdict != c.verdict || !strings.Contains(d.Reason, c.reasonHas) {
				t.Fatalf("got %s %q, want %s %q\npath %s", d.Verdict, d.Reason, c.verdict, c.reasonHas, chains(d))
			}
			if c.lastText != "" && (len(d.Path) == 0 || d.Path[len(d.Path)-1].Text != c.lastText || d.Path[len(d.Path)-1].Action != "unknown") {
				t.Errorf("path %s: want the unknown step %q last", chains(d), c.lastText)
			}
		})
	}
}

func TestDecideNativeUnknown(t *testing.T) {
	cases := []struct {
		name      string
		f         func(*snapshot.NFTTable)
		reasonHas string
	}{
		{"rule expressions omitted (over 4 KiB)", func(t *snapshot.NFTTable) { t.RuleExprs[0].Expr, t.RuleExprs[0].ExprOmitted = nil, true },
			"its expressions are not in the snapshot: native nftables chain inet filter input rule 1"},
		{"a match the model does not read", func(t *snapshot.NFTTable) {
			t.RuleExprs[0].Expr = json.RawMessage(`[{"match":{"op":"==","left":{"fib":{"flags":["daddr"],"result":"type"}},"right":"local"}},{"drop":null}]`)
		}, "not modelled: native nftables chain inet filter input rule 1"},
		{"a nat chain", func(t *snapshot.NFTTable) { t.Chains[0].Type = "nat" },
			"native nftables chain inet filter input (hook input, 1 rule) is not modelled"},
		{"rules not attributed to chains", func(t *snapshot.NFTTable) { t.Rules = 2 },
			"native nftables chain inet filter input (hook input, 2 rules) is not modelled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nf := npSection(t, "extended")
			for i := range nf.NFTables.Tables {
				if !nf.NFTables.Tables[i].IPTables {
					c.f(&nf.NFTables.Tables[i])
				}
			}
			d := NewRuleset(nf, npInterfaces).Decide(pkt("tcp", "192.0.2.10", "192.0.2.1", 80, "eth1"))
			if d.Verdict != Unknown || d.Hook != "INPUT" || !strings.Contains(d.Reason, c.reasonHas) {
				t.Fatalf("%s %q %q, want unknown %q", d.Verdict, d.Hook, d.Reason, c.reasonHas)
			}
			last := d.Path[len(d.Path)-1]
			if last.Family != "nft" || last.Table != "inet filter" || last.Chain != "input" || last.Action != "unknown" {
				t.Errorf("last step %+v", last)
			}
			// The native chain at priority 0 runs before the filter table
			// at the same priority: no filter step on the path.
			for _, s := range d.Path {
				if s.Table == "filter" {
					t.Errorf("filter step before the native chain: %+v", s)
				}
			}
		})
	}
}

func TestLocal(t *testing.T) {
	r := NewRuleset(nil, npInterfaces)
	for a, want := range map[string]bool{"127.0.0.1": true, "127.3.2.1": true, "::1": true, "10.0.0.84": true,
		"2001:db8:84::84": true, "10.0.0.80": false, "172.17.0.2": false, "::ffff:10.0.0.84": true} {
		if got := r.Local(netip.MustParseAddr(a)); got != want {
			t.Errorf("Local(%s) = %v", a, got)
		}
	}
	if (*Ruleset)(nil).Decide(Packet{}).Verdict != Unknown {
		t.Error("nil ruleset decided")
	}
}

func TestDecideDeterministic(t *testing.T) {
	r := NewRuleset(npSection(t, "dockerd"), npInterfaces)
	p := pkt("tcp", "192.0.2.10", "192.0.2.1", 8888, "eth1")
	a, _ := json.Marshal(r.Decide(p))
	for range 20 {
		if b, _ := json.Marshal(r.Decide(p)); string(a) != string(b) {
			t.Fatalf("%s\n%s", a, b)
		}
	}
}

func FuzzDecide(f *testing.F) {
	f.Add(uint8(0), []byte{192, 0, 2, 10}, []byte{192, 0, 2, 1}, uint16(40000), uint16(8888), "eth1", false)
	f.Add(uint8(1), []byte{10, 0, 0, 80}, []byte{10, 0, 0, 84}, uint16(1), uint16(2222), "eth0", false)
	f.Add(uint8(2), []byte{127, 0, 0, 1}, []byte{10, 0, 0, 84}, uint16(1), uint16(8888), "lo", true)
	f.Add(uint8(3), []byte{0x20, 1, 0xd, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, []byte{0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb}, uint16(5353), uint16(5353), "eth0", false)
	sections := []*snapshot.NetfilterSection{npSection(f, "ufw"), npSection(f, "dockerd"), npSection(f, "extended"), withoutNative(npSection(f, "extended"))}
	var rs []*Ruleset
	for _, nf := range sections {
		rs = append(rs, NewRuleset(nf, npInterfaces))
	}
	f.Fuzz(func(t *testing.T, sel uint8, src, dst []byte, sport, dport uint16, in string, local bool) {
		addr := func(b []byte) netip.Addr {
			a, _ := netip.AddrFromSlice(b)
			return a
		}
		p := Packet{Family: []string{"ipv4", "ipv6", "x"}[int(sel/4)%3], Proto: []string{"tcp", "udp"}[sel%2],
			Src: addr(src), Dst: addr(dst), SPort: int(sport), DPort: int(dport), InIface: in, Local: local}
		if p.Family == "ipv4" && p.Dst.Is6() {
			p.Family = "ipv6"
		}
		d := rs[int(sel)%len(rs)].Decide(p)
		switch d.Verdict {
		case Accept, Drop, Reject:
		case Unknown:
			if d.Reason == "" {
				t.Fatalf("unknown without a reason: %+v", p)
			}
		default:
			t.Fatalf("verdict %q", d.Verdict)
		}
	})
}

// FuzzNewRuleset decodes arbitrary JSON as a section: preparing and
// deciding never panic.
func FuzzNewRuleset(f *testing.F) {
	// Small seeds (the fuzzer stalls on the 90 KB captures): dockerd's
	// nat table and the extended stage's native table.
	nf := npSection(f, "extended")
	nf.IPv4.Tables = nf.IPv4.Tables[1:]
	nf.IPv6.Tables = nil
	var native []snapshot.NFTTable
	for _, t := range nf.NFTables.Tables {
		if !t.IPTables {
			native = append(native, t)
		}
	}
	nf.NFTables.Tables = native
	b, err := json.Marshal(nf)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"ipv4":{"status":"ok","tables":[{"name":"filter","chains":[{"name":"INPUT","policy":"DROP"},{"name":"a"}],"rules":[{"chain":"INPUT","text":"-j a","jump":"a"},{"chain":"a","text":"-g a","jump":"a","goto":true}]}]},"nftables":{"status":"ok"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var nf snapshot.NetfilterSection
		if json.Unmarshal(b, &nf) != nil {
			return
		}
		r := NewRuleset(&nf, npInterfaces)
		for _, p := range []Packet{pkt("tcp", "192.0.2.10", "10.0.0.84", 22, "eth1"), pkt("udp", "10.0.0.80", "172.17.0.2", 53, "eth0"),
			localPkt("tcp", "127.0.0.1", "10.0.0.84", 8888), pkt("tcp", "2001:db8:1::10", "2001:db8:84::84", 80, "eth1")} {
			switch r.Decide(p).Verdict {
			case Accept, Drop, Reject, Unknown:
			default:
				t.Fatal("bad verdict")
			}
		}
	})
}

func BenchmarkDecide(b *testing.B) {
	r := NewRuleset(npSection(b, "dockerd"), npInterfaces)
	ps := []Packet{
		pkt("tcp", "192.0.2.10", "192.0.2.1", 8888, "eth1"),
		pkt("tcp", "192.0.2.10", "10.0.0.84", 22, "eth1"),
		pkt("tcp", "10.0.0.80", "10.0.0.84", 22, "eth0"),
		pkt("tcp", "192.0.2.10", "10.0.0.84", 80, "eth1"),
		pkt("udp", "10.0.0.80", "224.0.0.251", 5353, "eth0"),
		localPkt("tcp", "127.0.0.1", "127.0.0.1", 9090),
		localPkt("tcp", "10.0.0.84", "10.0.0.84", 8888),
		pkt("tcp", "2001:db8:1::10", "2001:db8:84::84", 443, "eth1"),
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if r.Decide(ps[i%len(ps)]).Verdict == "" {
			b.Fatal("no verdict")
		}
	}
}

// TestDecideMatches checks the matches ufw and dockerd do not write on
// the testbed by adding them to a captured rule.
func TestDecideMatches(t *testing.T) {
	add := func(mod string, opts ...string) func(*snapshot.NetfilterRule) {
		return func(r *snapshot.NetfilterRule) {
			r.Matches = append(r.Matches, snapshot.NetfilterMatch{Module: mod, Options: opts})
		}
	}
	published := pkt("tcp", "192.0.2.10", "192.0.2.1", 8888, "eth1")
	outside80 := pkt("tcp", "192.0.2.10", "10.0.0.84", 80, "eth1")
	const dockerAccept = "-d 172.17.0.2/32 ! -i docker0"
	const rule80 = "-p tcp -m tcp --dport 80"
	cases := []struct {
		name          string
		stage, chain  string
		prefix        string
		f             func(*snapshot.NetfilterRule)
		p             Packet
		verdict       Verdict
		reasonHas     string
		table         string
		lastChainRule string
	}{
		{"ctstate DNAT after docker's DNAT", "dockerd", "DOCKER", dockerAccept, add("conntrack", "--ctstate", "DNAT"), published, Accept, "", "", "DOCKER#1"},
		{"! ctstate DNAT after docker's DNAT", "dockerd", "DOCKER", dockerAccept, add("conntrack", "!", "--ctstate", "DNAT"), published, Drop, "", "", "FORWARD#0"},
		{"ctstate NEW,DNAT with ctdir", "dockerd", "DOCKER", dockerAccept, add("conntrack", "--ctstate", "NEW", "--ctdir", "ORIGINAL"), published, Accept, "", "", "DOCKER#1"},
		{"ctorigdst and ctorigdstport: the address before DNAT", "dockerd", "DOCKER-USER", "-j RETURN", func(r *snapshot.NetfilterRule) {
			add("conntrack", "--ctorigdst", "192.0.2.1/32", "--ctorigdstport", "8888")(r)
			r.Jump = "DROP"
		}, published, Drop, "", "", "DOCKER-USER#1"},
		{"ctorigdstport of another port", "dockerd", "DOCKER-USER", "-j RETURN", func(r *snapshot.NetfilterRule) {
			add("conntrack", "--ctorigdstport", "8080")(r)
			r.Jump = "DROP"
		}, published, Accept, "", "", "DOCKER#1"},
		{"ctstatus not modelled", "dockerd", "DOCKER-USER", "-j RETURN", func(r *snapshot.NetfilterRule) {
			add("conntrack", "--ctstatus", "CONFIRMED")(r)
			r.Jump = "DROP"
		}, published, Unknown, "conntrack --ctstatus not modelled", "", ""},
		{"addrtype --limit-iface-in", "ufw", "ufw-user-input", rule80, add("addrtype", "--dst-type", "LOCAL", "--limit-iface-in"), outside80, Unknown, "addrtype --limit-iface-in not modelled", "", ""},
		{"addrtype ! LOCAL", "ufw", "ufw-user-input", rule80, add("addrtype", "!", "--dst-type", "LOCAL"), outside80, Drop, "", "", "INPUT#0"},
		{"addrtype BLACKHOLE of a local address", "ufw", "ufw-user-input", rule80, add("addrtype", "--dst-type", "BLACKHOLE,LOCAL"), outside80, Accept, "", "", "ufw-user-input#2"},
		{"tcp flags of a SYN", "ufw", "ufw-user-input", rule80, add("tcp", "--tcp-flags", "SYN,ACK", "ACK"), outside80, Drop, "", "", "INPUT#0"},
		{"tcp --syn", "ufw", "ufw-user-input", rule80, add("tcp", "--syn"), outside80, Accept, "", "", "ufw-user-input#2"},
		{"pkttype unicast", "ufw", "ufw-user-input", rule80, add("pkttype", "--pkt-type", "unicast"), outside80, Accept, "", "", "ufw-user-input#2"},
		{"pkttype broadcast", "ufw", "ufw-user-input", rule80, add("pkttype", "--pkt-type", "broadcast"), outside80, Drop, "", "", "INPUT#0"},
		{"iprange holds the source", "ufw", "ufw-user-input", rule80, add("iprange", "--src-range", "192.0.2.1-192.0.2.20"), outside80, Accept, "", "", "ufw-user-input#2"},
		{"iprange lacks the source", "ufw", "ufw-user-input", rule80, add("iprange", "--src-range", "192.0.2.11-192.0.2.20"), outside80, Drop, "", "", "INPUT#0"},
		{"hashlimit upto", "ufw", "ufw-user-input", rule80, add("hashlimit", "--hashlimit-upto", "5/sec", "--hashlimit-name", "x"), outside80, Accept, "", "", "ufw-user-input#2"},
		{"hashlimit above", "ufw", "ufw-user-input", rule80, add("hashlimit", "--hashlimit-above", "5/sec", "--hashlimit-name", "x"), outside80, Drop, "", "", "INPUT#0"},
		{"state NEW", "ufw", "ufw-user-input", rule80, add("state", "--state", "NEW"), outside80, Accept, "", "", "ufw-user-input#2"},
		{"mark", "ufw", "ufw-user-input", rule80, add("mark", "--mark", "0x1"), outside80, Unknown, "match mark not modelled: -A ufw-user-input -p tcp -m tcp --dport 80 -j ACCEPT", "", ""},
		{"mark on a LOG rule is harmless", "ufw", "ufw-after-logging-input", "", add("mark", "--mark", "0x1"), pkt("tcp", "192.0.2.10", "10.0.0.84", 22, "eth1"), Drop, "", "", "INPUT#0"},
		{"a -s mask in dotted form", "ufw", "ufw-user-input", "-s 10.0.0.0/24", func(r *snapshot.NetfilterRule) { r.Source = "10.0.0.0/255.255.255.0" }, pkt("tcp", "10.0.0.80", "10.0.0.84", 22, "eth0"), Accept, "", "", "ufw-user-input#1"},
		{"! -s", "ufw", "ufw-user-input", "-s 10.0.0.0/24", func(r *snapshot.NetfilterRule) { r.Negated = append(r.Negated, "source") }, pkt("tcp", "192.0.2.10", "10.0.0.84", 22, "eth1"), Accept, "", "", "ufw-user-input#1"},
		{"-i with a wildcard", "ufw", "ufw-user-input", rule80, func(r *snapshot.NetfilterRule) { r.InIface = "eth+" }, outside80, Accept, "", "", "ufw-user-input#2"},
		{"-i another interface", "ufw", "ufw-user-input", rule80, func(r *snapshot.NetfilterRule) { r.InIface = "eth0" }, outside80, Drop, "", "", "INPUT#0"},
		{"recent --rcheck of a list not set on the path", "extended", "ufw-user-input", "-p tcp -m tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set", func(r *snapshot.NetfilterRule) {
			for i := range r.Matches {
				for j, o := range r.Matches[i].Options {
					if o == "--set" {
						r.Matches[i].Options[j] = "--rcheck"
					}
				}
			}
			r.Jump = "DROP"
		}, pkt("tcp", "192.0.2.10", "192.0.2.1", 2222, "eth1"), Unknown, "recent --rcheck of list DEFAULT, not set earlier on this path", "", ""},
		{"recent --update after --set with hitcount 1", "extended", "ufw-user-input", "-p tcp -m tcp --dport 2222 -m conntrack --ctstate NEW -m recent --update", func(r *snapshot.NetfilterRule) {
			for i := range r.Matches {
				for j, o := range r.Matches[i].Options {
					if o == "6" {
						r.Matches[i].Options[j] = "1"
					}
				}
			}
		}, pkt("tcp", "192.0.2.10", "192.0.2.1", 2222, "eth1"), Reject, "", "", "ufw-user-limit#2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nf := withoutNative(mutate(t, c.stage, c.chain, c.prefix, c.f))
			d := NewRuleset(nf, npInterfaces).Decide(c.p)
			if d.Verdict != c.verdict || !strings.Contains(d.Reason, c.reasonHas) {
				t.Fatalf("got %s %q, want %s %q\npath %s", d.Verdict, d.Reason, c.verdict, c.reasonHas, chains(d))
			}
			if c.lastChainRule != "" {
				last := d.Path[len(d.Path)-1]
				if got := fmt.Sprintf("%s#%d", last.Chain, last.Rule); got != c.lastChainRule {
					t.Errorf("decided by %s, want %s; path %s", got, c.lastChainRule, chains(d))
				}
			}
		})
	}
}

func TestDNATTarget(t *testing.T) {
	for _, c := range []struct {
		opts []string
		v4   bool
		want string // addr:port, or "" for unknown
	}{
		{[]string{"--to-destination", "172.17.0.2:8080"}, true, "172.17.0.2:8080"},
		{[]string{"--to-destination", "172.17.0.2"}, true, "172.17.0.2:0"},
		{[]string{"--to-destination", "[fd00::2]:8080"}, false, "[fd00::2]:8080"},
		{[]string{"--to-destination", "fd00::2"}, false, "[fd00::2]:0"},
		{[]string{"--to-destination", "172.17.0.2-172.17.0.3:80"}, true, ""},
		{[]string{"--to-destination", "172.17.0.2:80-90"}, true, ""},
		{[]string{"--to-destination", "172.17.0.2:8080", "--random"}, true, "172.17.0.2:8080"},
		{[]string{"--to-destination", "fd00::2"}, true, ""},
		{nil, true, ""},
	} {
		tg := dnatTarget(&target{}, c.opts, c.v4)
		got := ""
		if tg.kind == tDNAT {
			got = netip.AddrPortFrom(tg.addr, uint16(tg.port)).String()
		}
		if got != c.want {
			t.Errorf("%v: %q, want %q (%s)", c.opts, got, c.want, tg.why)
		}
	}
}

func TestAddrClass(t *testing.T) {
	n, why := newHostNet(npInterfaces)
	if why != "" {
		t.Fatal(why)
	}
	for a, want := range map[string]int{"10.0.0.84": classLocal, "10.0.0.255": classBroadcast, "10.0.0.0": classAmbiguous,
		"255.255.255.255": classBroadcast, "127.0.0.5": classLocal, "127.255.255.255": classBroadcast, "224.0.0.251": classMulticast,
		"10.0.0.80": classUnicast, "ff02::fb": classMulticast, "::1": classLocal, "2001:db8:84::84": classLocal, "2001:db8:84::80": classUnicast} {
		if got := n.addrClass(netip.MustParseAddr(a)); got != want {
			t.Errorf("%s: class %d, want %d", a, got, want)
		}
	}
	for a, want := range map[string]string{"10.0.0.80": "eth0", "172.17.0.2": "docker0", "192.0.2.200": "eth1", "2001:db8:1::5": "eth1", "8.8.8.8": "", "fe80::1": "eth0"} {
		if got, _ := n.route(netip.MustParseAddr(a)); got != want {
			t.Errorf("route %s: %q, want %q", a, got, want)
		}
	}
}

// TestDecideConcurrent: a Ruleset serves many goroutines (go test -race).
func TestDecideConcurrent(t *testing.T) {
	r := NewRuleset(withoutNative(npSection(t, "extended")), npInterfaces)
	ps := []Packet{pkt("tcp", "192.0.2.10", "192.0.2.1", 2222, "eth1"), pkt("tcp", "192.0.2.10", "192.0.2.1", 8888, "eth1"),
		localPkt("tcp", "10.0.0.84", "10.0.0.84", 8888)}
	want := make([]Verdict, len(ps))
	for i, p := range ps {
		want[i] = r.Decide(p).Verdict
	}
	done := make(chan string)
	for g := range 4 {
		go func() {
			msg := ""
			for i := range 200 {
				if v := r.Decide(ps[(i+g)%len(ps)]).Verdict; v != want[(i+g)%len(ps)] {
					msg = fmt.Sprintf("goroutine %d: %s", g, v)
				}
			}
			done <- msg
		}()
	}
	for range 4 {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
