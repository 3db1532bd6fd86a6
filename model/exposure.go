package model

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// FactsVersion is the version of the facts' layout (input.model.version).
const FactsVersion = 1

// Zone names: where a connection comes from.
const (
	// ZoneOutside is any source outside the trusted networks (the
	// internet, another subnet), arriving on any interface that is not
	// loopback or a container engine's.
	ZoneOutside = "outside"
	// ZoneTrusted is a source inside the trusted networks.
	ZoneTrusted = "trusted"
	// ZoneLoopback is the host itself.
	ZoneLoopback = "loopback"
)

// Reachability verdicts of a port from a zone.
const (
	// Reachable: a new connection is delivered to a listening socket or
	// forwarded to a container.
	Reachable = "reachable"
	// Unreachable: the kernel drops or rejects it, or nothing listens on
	// the address it reaches.
	Unreachable = "unreachable"
	// Undecided: a rule the model does not understand, or missing
	// evidence, could decide it.
	Undecided = "unknown"
)

// Facts are the model's facts of one snapshot: input.model in Rego.
type Facts struct {
	Version int `json:"version"`
	// Ruleset says whether the kernel's ruleset could be used at all.
	Ruleset RulesetFact `json:"ruleset"`
	// Zones are the source zones and what stood for each.
	Zones []ZoneFact `json:"zones"`
	// Listeners are aligned with input.sockets.listeners: entry i is the
	// reachability of listener i's port at the addresses it listens on.
	Listeners []Exposure `json:"listeners"`
	// Published are the ports containers publish (not host network), in
	// the order of input.docker.containers and their ports.
	Published []Published `json:"published"`
}

// RulesetFact is the state of the ruleset evidence.
type RulesetFact struct {
	// Status is "ok" or "unknown".
	Status string `json:"status"`
	// Reason says why it is unknown, and how to fix it.
	Reason string `json:"reason,omitempty"`
	// From names the commands that printed the ruleset.
	From []string `json:"from"`
}

// ZoneFact describes one source zone of one family.
type ZoneFact struct {
	Name   string `json:"name"`
	Family string `json:"family"`
	// Sources are the representative source addresses tried: one in each
	// range that the rules' source matches and the trusted networks
	// distinguish.
	Sources []string `json:"sources"`
	// Interfaces are the interfaces its packets may arrive on.
	Interfaces []string `json:"interfaces"`
}

// Exposure is one port's reachability from each zone.
type Exposure struct {
	Outside Reach `json:"outside"`
	// OutsideByFamily splits Outside by the family of the connection
	// ("ipv4", "ipv6"): a "::" listener is reached over both; absent for a
	// family the port cannot be addressed in.
	OutsideByFamily map[string]Reach `json:"outside_by_family,omitempty"`
	Trusted         Reach            `json:"trusted"`
	Loopback        Reach            `json:"loopback"`
}

// Published is a port a container publishes and its reachability.
type Published struct {
	Container string `json:"container"`
	HostIP    string `json:"host_ip"`
	HostPort  int    `json:"host_port"`
	Proto     string `json:"proto"`
	Exposure
}

// Reach is the verdict for one zone and the path that decided it.
type Reach struct {
	// Verdict is reachable, unreachable or unknown.
	Verdict string `json:"verdict"`
	// Reason is the path as a sentence ("DNAT to 172.17.0.2:8080 by ...").
	Reason string `json:"reason"`
	// Rules are the deciding rules as the kernel holds them, each
	// prefixed with its family and table ("ipv4 nat: -A DOCKER ...").
	Rules []string `json:"rules,omitempty"`
	// From and To are the connection that decided: source address and
	// arrival interface, destination address and port.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Via is the hook that delivered or refused it: INPUT, FORWARD or
	// OUTPUT ("" before routing).
	Via string `json:"via,omitempty"`
}

// Compute derives the facts of s with the trusted networks.
func Compute(s *snapshot.Snapshot, trusted []netip.Prefix) *Facts {
	f := &Facts{Version: FactsVersion, Zones: []ZoneFact{}, Listeners: []Exposure{}, Published: []Published{}}
	f.Ruleset = rulesetState(s)
	x := newExposer(s, trusted, f.Ruleset)
	if f.Ruleset.Status == "ok" {
		f.Zones = x.zoneFacts()
	}
	if s.Sockets != nil {
		for _, l := range s.Sockets.Listeners {
			f.Listeners = append(f.Listeners, x.listener(l))
		}
	}
	if s.Docker != nil {
		for _, c := range s.Docker.Containers {
			if c.NetworkMode == "host" {
				continue
			}
			for _, b := range c.Ports {
				f.Published = append(f.Published, Published{
					Container: c.Name, HostIP: b.HostIP, HostPort: b.HostPort, Proto: b.Proto,
					Exposure: x.published(b),
				})
			}
		}
	}
	return f
}

// rulesetState says whether the snapshot's ruleset can be used.
func rulesetState(s *snapshot.Snapshot) RulesetFact {
	st := RulesetFact{Status: "unknown", From: []string{}}
	cr, ran := s.Collectors["netfilter"]
	switch {
	case s.Netfilter == nil && !ran:
		st.Reason = "the snapshot holds no netfilter ruleset (written before mlscan read the kernel's rules): rescan the host with this mlscan, as root"
		return st
	case ran && cr.Status != snapshot.StatusOK:
		st.Reason = fmt.Sprintf("the netfilter collector did not read the kernel's rules (%s", cr.Status)
		if cr.Error != "" {
			st.Reason += ": " + cr.Error
		}
		st.Reason += "): rescan as root with iptables-save installed"
		return st
	case s.Netfilter == nil:
		st.Reason = "the snapshot holds no netfilter ruleset: rescan the host as root"
		return st
	case len(s.Host.Interfaces) == 0:
		st.Reason = "the snapshot lists no network interfaces (host.interfaces), so the kernel's routing cannot be followed: rescan the host with this mlscan"
		return st
	}
	for _, fam := range []snapshot.NetfilterFamily{s.Netfilter.IPv4, s.Netfilter.IPv6} {
		if fam.From != "" && !slices.Contains(st.From, fam.From) {
			st.From = append(st.From, fam.From)
		}
	}
	st.Status = "ok"
	return st
}

// exposer computes reachability over one snapshot.
type exposer struct {
	s       *snapshot.Snapshot
	state   RulesetFact
	rs      *Ruleset
	trusted []netip.Prefix
	// local are the host's own addresses by family (loopback and
	// link-local excluded); arrive are the interfaces other hosts' packets
	// may arrive on.
	local  map[string][]netip.Addr
	arrive []string
	// connected are the interfaces' own prefixes: a source inside one of
	// them arrives on that interface, or it is forged (the reply would
	// leave by the other one: no connection).
	connected map[string][]netip.Prefix
	// linkOf are the host's link-local addresses and their interface:
	// a packet to one arrives on that interface only.
	linkOf map[netip.Addr]string
	// srcDoubt says why the sources tried may not stand for every source
	// (a source match the model cannot enumerate): an unreachable verdict
	// from outside or inside is then unknown.
	srcDoubt string
	// sources are the representative sources by zone and family.
	sources map[string]map[string][]netip.Addr
}

func newExposer(s *snapshot.Snapshot, trusted []netip.Prefix, state RulesetFact) *exposer {
	x := &exposer{s: s, state: state, trusted: trusted, local: map[string][]netip.Addr{}, sources: map[string]map[string][]netip.Addr{}, connected: map[string][]netip.Prefix{}, linkOf: map[netip.Addr]string{}}
	if state.Status != "ok" {
		return x
	}
	x.rs = NewRuleset(s.Netfilter, s.Host.Interfaces)
	for _, ifc := range s.Host.Interfaces {
		if ifc.Name != "lo" && !engineInterface(ifc.Name) {
			x.arrive = append(x.arrive, ifc.Name)
		}
		for _, a := range ifc.Addresses {
			p, err := netip.ParsePrefix(a)
			if err != nil {
				continue
			}
			ad := p.Addr().WithZone("")
			if !ad.IsLinkLocalUnicast() {
				x.connected[ifc.Name] = append(x.connected[ifc.Name], netip.PrefixFrom(ad, p.Bits()).Masked())
			}
			if ad.IsLoopback() || ad.IsUnspecified() || ad.IsMulticast() {
				continue
			}
			if ad.IsLinkLocalUnicast() {
				// Reachable from the link it is on only.
				x.linkOf[ad] = ifc.Name
			}
			fam := family(ad)
			if !slices.Contains(x.local[fam], ad) {
				x.local[fam] = append(x.local[fam], ad)
			}
		}
	}
	for _, fam := range []string{"ipv4", "ipv6"} {
		slices.SortFunc(x.local[fam], func(a, b netip.Addr) int { return a.Compare(b) })
	}
	slices.Sort(x.arrive)
	x.sources[ZoneOutside] = map[string][]netip.Addr{}
	x.sources[ZoneTrusted] = map[string][]netip.Addr{}
	for _, fam := range []string{"ipv4", "ipv6"} {
		cands := x.candidates(fam)
		for _, a := range cands {
			if x.isLocal(a) {
				continue
			}
			if x.inTrusted(a) {
				x.sources[ZoneTrusted][fam] = append(x.sources[ZoneTrusted][fam], a)
			} else {
				x.sources[ZoneOutside][fam] = append(x.sources[ZoneOutside][fam], a)
			}
		}
	}
	return x
}

// engineInterface says whether name is a container engine's bridge or a
// container's end of a veth pair: packets from other hosts do not arrive
// there.
func engineInterface(name string) bool {
	for _, p := range []string{"docker", "veth", "cni-podman", "podman", "virbr"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	// dockerd's user-defined bridges: br- and 12 hex digits of the
	// network's id (a host bridge like br-lan is an uplink).
	if id, ok := strings.CutPrefix(name, "br-"); ok && len(id) == 12 {
		for _, c := range id {
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
		return true
	}
	return false
}

func family(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "ipv4"
	}
	return "ipv6"
}

func (x *exposer) isLocal(a netip.Addr) bool {
	return slices.Contains(x.local[family(a)], a) || x.rs.Local(a)
}

func (x *exposer) inTrusted(a netip.Addr) bool {
	for _, p := range x.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// candidates are source addresses of family fam, one at each boundary of
// every source network the family's rules match and of the trusted
// networks: the rules treat every address between two consecutive
// boundaries alike, so these stand for every source there is.
func (x *exposer) candidates(fam string) []netip.Addr {
	def := netip.MustParseAddr("203.0.113.7")
	if fam == "ipv6" {
		def = netip.MustParseAddr("2001:db8:ffff::7")
	}
	var prefixes []netip.Prefix
	for _, p := range x.trusted {
		if family(p.Addr()) == fam {
			prefixes = append(prefixes, p.Masked())
		}
	}
	nf := x.s.Netfilter.IPv4
	if fam == "ipv6" {
		nf = x.s.Netfilter.IPv6
	}
	set := map[netip.Addr]bool{def: true}
	addRange := func(a, b netip.Addr) {
		for _, c := range []netip.Addr{a, b, a.Prev(), b.Next()} {
			if c.IsValid() {
				set[c] = true
			}
		}
	}
	for _, t := range nf.Tables {
		for _, r := range t.Rules {
			if r.Source != "" {
				if p, ok := parsePrefix(r.Source); ok {
					prefixes = append(prefixes, p)
				} else {
					// A non-contiguous mask (iptables prints it dotted)
					// matches no interval: try the members that differ
					// most, and stay unknown if none decides.
					for _, a := range maskedMembers(r.Source) {
						set[a] = true
						if n := a.Next(); n.IsValid() {
							set[n] = true
						}
					}
					if x.srcDoubt == "" {
						x.srcDoubt = fmt.Sprintf("a rule matches sources the model cannot enumerate (%s): %s", r.Source, r.Text)
					}
				}
			}
			for _, m := range r.Matches {
				for i := 0; i+1 < len(m.Options); i++ {
					o, v := m.Options[i], m.Options[i+1]
					switch {
					case m.Module == "iprange" && o == "--src-range":
						lo, hi, ok := strings.Cut(v, "-")
						a, err1 := netip.ParseAddr(lo)
						b, err2 := netip.ParseAddr(hi)
						if ok && err1 == nil && err2 == nil {
							addRange(a, b)
						} else if x.srcDoubt == "" {
							x.srcDoubt = fmt.Sprintf("a source range the model cannot read (%s): %s", v, r.Text)
						}
					case (m.Module == "conntrack" && o == "--ctorigsrc") || (m.Module == "policy" && o == "--tunnel-src"):
						if p, ok := parsePrefix(v); ok {
							prefixes = append(prefixes, p)
						} else if x.srcDoubt == "" {
							x.srcDoubt = fmt.Sprintf("a source match the model cannot enumerate (%s %s): %s", o, v, r.Text)
						}
					}
				}
			}
		}
	}
	// A native nftables rule that names source addresses: they are not
	// read into candidates, so a verdict that depends on them is unknown.
	if x.s.Netfilter.NFTables.Status == snapshot.StatusOK {
		for _, t := range x.s.Netfilter.NFTables.Tables {
			for _, r := range t.RuleExprs {
				if strings.Contains(string(r.Expr), `"saddr"`) && x.srcDoubt == "" {
					x.srcDoubt = fmt.Sprintf("native nftables table %s %s matches source addresses, which the model does not enumerate", t.Family, t.Name)
				}
			}
		}
	}
	for _, p := range prefixes {
		first := p.Addr()
		last := lastAddr(p)
		cands := []netip.Addr{first, first.Next(), last, first.Prev(), last.Next()}
		if p.Addr().Is4() && p.Bits() <= 30 {
			// An IPv4 network's own and broadcast addresses are no host's
			// source: its first and last hosts stand for it.
			cands = []netip.Addr{first.Next(), last.Prev(), first.Prev(), last.Next()}
		}
		for _, a := range cands {
			if a.IsValid() {
				set[a] = true
			}
		}
	}
	out := make([]netip.Addr, 0, len(set))
	for a := range set {
		if a.IsLoopback() || a.IsMulticast() || a.IsUnspecified() || a.IsLinkLocalMulticast() ||
			a == netip.MustParseAddr("255.255.255.255") || (a.Is4() && a.As4()[0] == 0) || family(a) != fam {
			continue
		}
		out = append(out, a)
	}
	// The default first: when it decides like the others, the message
	// names a plainly outside address.
	slices.SortFunc(out, func(a, b netip.Addr) int {
		switch {
		case a == def:
			return -1
		case b == def:
			return 1
		}
		return a.Compare(b)
	})
	return out
}

// maskedMembers are some members of an IPv4 address with a dotted,
// possibly non-contiguous mask ("10.0.0.0/255.0.255.0"): the base, every
// free bit set alone, and all of them set.
func maskedMembers(s string) []netip.Addr {
	addr, mask, ok := strings.Cut(s, "/")
	if !ok {
		return nil
	}
	a, err1 := netip.ParseAddr(addr)
	m, err2 := netip.ParseAddr(mask)
	if err1 != nil || err2 != nil || !a.Is4() || !m.Is4() {
		return nil
	}
	ab, mb := a.As4(), m.As4()
	base := uint32(ab[0])<<24 | uint32(ab[1])<<16 | uint32(ab[2])<<8 | uint32(ab[3])
	mk := uint32(mb[0])<<24 | uint32(mb[1])<<16 | uint32(mb[2])<<8 | uint32(mb[3])
	base &= mk
	free := ^mk
	toAddr := func(v uint32) netip.Addr {
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	out := []netip.Addr{toAddr(base), toAddr(base | free)}
	for bit := uint32(1) << 31; bit != 0; bit >>= 1 {
		if free&bit != 0 {
			out = append(out, toAddr(base|bit))
		}
	}
	return out
}

// parsePrefix reads an iptables address ("10.0.0.0/24", "10.0.0.5/32",
// "10.0.0.5"), masked.
func parsePrefix(s string) (netip.Prefix, bool) {
	if s == "" {
		return netip.Prefix{}, false
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (x *exposer) zoneFacts() []ZoneFact {
	var out []ZoneFact
	for _, zone := range []string{ZoneOutside, ZoneTrusted} {
		for _, fam := range []string{"ipv4", "ipv6"} {
			z := ZoneFact{Name: zone, Family: fam, Sources: []string{}, Interfaces: append([]string{}, x.arrive...)}
			for _, a := range x.sources[zone][fam] {
				z.Sources = append(z.Sources, a.String())
			}
			out = append(out, z)
		}
	}
	for _, fam := range []string{"ipv4", "ipv6"} {
		out = append(out, ZoneFact{Name: ZoneLoopback, Family: fam, Sources: []string{loopbackAddr(fam).String()}, Interfaces: []string{"lo"}})
	}
	return out
}

func loopbackAddr(fam string) netip.Addr {
	if fam == "ipv6" {
		return netip.IPv6Loopback()
	}
	return netip.MustParseAddr("127.0.0.1")
}

// listener is the reachability of one listener's port at its addresses.
func (x *exposer) listener(l snapshot.Listener) Exposure {
	if x.state.Status != "ok" {
		u := Reach{Verdict: Undecided, Reason: x.state.Reason}
		return Exposure{Outside: u, Trusted: u, Loopback: u}
	}
	addr, _ := netip.ParseAddr(l.Address)
	addr = addr.WithZone("")
	var remote, local []netip.Addr
	switch {
	case l.Loopback || addr.IsLoopback():
		local = []netip.Addr{addr}
	case l.Wildcard:
		remote = append(remote, x.local[l.Family]...)
		local = append(local, loopbackAddr(l.Family))
		if l.Family == "ipv6" && l.DualStack {
			remote = append(remote, x.local["ipv4"]...)
			local = append(local, loopbackAddr("ipv4"))
		}
	case addr.IsValid():
		remote = []netip.Addr{addr}
		local = []netip.Addr{addr}
	}
	return x.exposure(l.Proto, l.Port, remote, local, l.Loopback || addr.IsLoopback(),
		fmt.Sprintf("it listens on %s only, which other hosts cannot address", l.Address),
		fmt.Sprintf("the snapshot lists no host address it can be reached at (listener %s, family %s)", l.Address, l.Family))
}

// exposure is the reach of proto/port at the host addresses remote (for
// other hosts) and local (for the host itself). Without a remote address
// it is unreachable from other hosts only when the socket or binding is on
// loopback (why); otherwise the snapshot lacks the addresses, which is
// unknown (noAddress), never evidence of safety.
func (x *exposer) exposure(proto string, port int, remote, local []netip.Addr, loopbackOnly bool, why, noAddress string) Exposure {
	if len(remote) == 0 {
		r := Reach{Verdict: Unreachable, Reason: why}
		if !loopbackOnly {
			r = Reach{Verdict: Undecided, Reason: noAddress}
		}
		e := Exposure{Outside: r, Trusted: r, Loopback: r}
		if len(local) > 0 {
			e.Loopback = x.reach(ZoneLoopback, proto, port, local)
		}
		return e
	}
	e := Exposure{
		Trusted:  x.reach(ZoneTrusted, proto, port, remote),
		Loopback: x.reach(ZoneLoopback, proto, port, local),
	}
	e.Outside, e.OutsideByFamily = x.outside(proto, port, remote)
	return e
}

// published is the reachability of a container's published port at the
// host addresses it is published on.
func (x *exposer) published(b snapshot.PortBinding) Exposure {
	if x.state.Status != "ok" {
		u := Reach{Verdict: Undecided, Reason: x.state.Reason}
		return Exposure{Outside: u, Trusted: u, Loopback: u}
	}
	var remote, local []netip.Addr
	switch addr, err := netip.ParseAddr(b.HostIP); {
	case b.HostIP == "":
		remote = append(append(remote, x.local["ipv4"]...), x.local["ipv6"]...)
		local = []netip.Addr{loopbackAddr("ipv4"), loopbackAddr("ipv6")}
	case err != nil:
		u := Reach{Verdict: Undecided, Reason: fmt.Sprintf("the host address %q of the binding cannot be read", b.HostIP)}
		return Exposure{Outside: u, Trusted: u, Loopback: u}
	case addr.IsUnspecified():
		remote = append(remote, x.local[family(addr)]...)
		local = []netip.Addr{loopbackAddr(family(addr))}
	case addr.IsLoopback():
		// A neighbour on the link can send to 127.0.0.1 through the
		// host's MAC address, and an engine's DNAT in nat PREROUTING
		// (dockerd before 28) forwards it before routing would drop it:
		// the kernel's rules decide, not the address.
		remote = []netip.Addr{addr}
		local = []netip.Addr{addr}
	default:
		remote = []netip.Addr{addr}
		local = []netip.Addr{addr}
	}
	proto := b.Proto
	if proto == "" {
		proto = "tcp"
	}
	return x.exposure(proto, b.HostPort, remote, local, false, "",
		fmt.Sprintf("the snapshot lists no host address the binding %q can be reached at", b.HostIP))
}

// outside is the reach from outside at dsts, per family and in all: the
// first family's reach that is reachable, else unknown, else unreachable.
func (x *exposer) outside(proto string, port int, dsts []netip.Addr) (Reach, map[string]Reach) {
	byFam := map[string]Reach{}
	var all Reach
	rank := map[string]int{Reachable: 2, Undecided: 1, Unreachable: 0}
	for _, fam := range []string{"ipv4", "ipv6"} {
		var these []netip.Addr
		for _, d := range dsts {
			if family(d) == fam {
				these = append(these, d)
			}
		}
		if len(these) == 0 {
			continue
		}
		r := x.reach(ZoneOutside, proto, port, these)
		byFam[fam] = r
		if all.Verdict == "" || rank[r.Verdict] > rank[all.Verdict] {
			all = r
		}
	}
	if all.Verdict == "" {
		all = x.reach(ZoneOutside, proto, port, nil)
		return all, nil
	}
	return all, byFam
}

// reach decides whether zone can open a connection to port at any of
// dsts: reachable as soon as one path delivers it; unknown when none does
// and one could not be decided; else unreachable, with the first path.
func (x *exposer) reach(zone, proto string, port int, dsts []netip.Addr) Reach {
	var first, undecided *Reach
	for _, dst := range dsts {
		fam := family(dst)
		var srcs []netip.Addr
		ifaces := x.arrive
		local := zone == ZoneLoopback
		if local {
			src := loopbackAddr(fam)
			if !dst.IsLoopback() {
				src = dst
			}
			srcs, ifaces = []netip.Addr{src}, []string{"lo"}
		} else {
			srcs = x.sources[zone][fam]
		}
		for _, src := range srcs {
			for _, ifc := range ifaces {
				if !local && x.forged(src, ifc) {
					continue
				}
				if on, ok := x.linkOf[dst]; ok && !local && on != ifc {
					continue
				}
				p := Packet{Family: fam, Proto: proto, Src: src, Dst: dst, SPort: 40000, DPort: port, InIface: ifc, Local: local}
				r := x.outcome(p, x.rs.Decide(p))
				switch r.Verdict {
				case Reachable:
					return r
				case Undecided:
					if undecided == nil {
						undecided = &r
					}
				default:
					if first == nil {
						first = &r
					}
				}
			}
		}
	}
	switch {
	case undecided != nil:
		return *undecided
	case first != nil && zone != ZoneLoopback && x.srcDoubt != "":
		r := *first
		r.Verdict = Undecided
		r.Reason = fmt.Sprintf("the sources tried are refused (%s), but %s", r.Reason, x.srcDoubt)
		return r
	case first != nil:
		return *first
	case zone == ZoneTrusted && len(x.trusted) == 0:
		return Reach{Verdict: Unreachable, Reason: "no trusted network is configured (networks.trusted)"}
	case zone == ZoneTrusted && !x.hasTrusted(dsts):
		return Reach{Verdict: Unreachable, Reason: "no trusted network of that address family is configured (networks.trusted)"}
	}
	// Nothing was tried: no interface other hosts' packets arrive on, or
	// every source would be forged there. That is not evidence of safety.
	return Reach{Verdict: Undecided, Reason: fmt.Sprintf("no %s connection could be followed: the snapshot lists no interface for other hosts' packets (interfaces: %s)", zone, strings.Join(x.ifaceNames(), ", "))}
}

// hasTrusted says whether a trusted network has the family of one of dsts.
func (x *exposer) hasTrusted(dsts []netip.Addr) bool {
	for _, d := range dsts {
		for _, p := range x.trusted {
			if family(p.Addr()) == family(d) {
				return true
			}
		}
	}
	return false
}

// ifaceNames are the snapshot's interfaces, for messages.
func (x *exposer) ifaceNames() []string {
	var out []string
	for _, ifc := range x.s.Host.Interfaces {
		out = append(out, ifc.Name)
	}
	return out
}

// forged says whether src cannot arrive on ifc in a real connection: it is
// inside a prefix connected to another interface and not to ifc (a
// container's address arriving from the LAN), so the reply would leave by
// that other interface.
func (x *exposer) forged(src netip.Addr, ifc string) bool {
	for _, p := range x.connected[ifc] {
		if p.Contains(src) {
			return false
		}
	}
	for name, ps := range x.connected {
		if name == ifc {
			continue
		}
		for _, p := range ps {
			if p.Contains(src) {
				return true
			}
		}
	}
	return false
}

// outcome turns the kernel's decision into reachability: an accepted
// packet reaches a container, or a local socket if one listens where it
// arrives.
func (x *exposer) outcome(p Packet, d Decision) Reach {
	r := Reach{From: fmt.Sprintf("%s on %s", p.Src, p.InIface), To: netip.AddrPortFrom(p.Dst, uint16(p.DPort)).String(), Via: d.Hook}
	r.Rules = deciding(p.Family, d)
	switch d.Verdict {
	case Accept:
		switch {
		case d.Hook == "FORWARD" || d.Hook == "OUTPUT":
			r.Verdict = Reachable
		case x.socketAt(p.Proto, d.Dst):
			r.Verdict = Reachable
		default:
			r.Verdict = Unreachable
			r.Reason = describe(p, d) + fmt.Sprintf("; nothing listens on %s/%s", d.Dst, p.Proto)
			return r
		}
	case Drop, Reject:
		r.Verdict = Unreachable
	default:
		r.Verdict = Undecided
		r.Reason = "cannot follow the packet through the kernel's rules: " + d.Reason
		return r
	}
	r.Reason = describe(p, d)
	return r
}

// socketAt says whether a socket of the snapshot listens on dst.
func (x *exposer) socketAt(proto string, dst netip.AddrPort) bool {
	if x.s.Sockets == nil {
		return false
	}
	fam := family(dst.Addr())
	for _, l := range x.s.Sockets.Listeners {
		if l.Proto != proto || l.Port != int(dst.Port()) {
			continue
		}
		if l.Wildcard && (l.Family == fam || (fam == "ipv4" && l.Family == "ipv6" && l.DualStack)) {
			return true
		}
		if a, err := netip.ParseAddr(l.Address); err == nil && a.WithZone("").Unmap() == dst.Addr().Unmap() {
			return true
		}
	}
	return false
}

// deciding quotes the address translations and the final rule of d.
func deciding(fam string, d Decision) []string {
	var out []string
	for i, s := range d.Path {
		if s.Action == "dnat" || s.Action == "redirect" || i == len(d.Path)-1 {
			out = append(out, stepText(fam, s))
		}
	}
	return out
}

func stepText(fam string, s Step) string {
	f := s.Family
	if f == "" {
		f = fam
	}
	if s.Rule == 0 {
		return fmt.Sprintf("%s %s: chain %s %s", f, s.Table, s.Chain, strings.TrimSpace(s.Text))
	}
	return fmt.Sprintf("%s %s: %s", f, s.Table, s.Text)
}

// describe renders the path as a sentence: the translations, then what
// accepted, dropped or rejected the packet, and whether UFW's INPUT
// chain was on the way.
func describe(p Packet, d Decision) string {
	natHook := "PREROUTING"
	if p.Local {
		natHook = "OUTPUT"
	}
	var parts []string
	for _, s := range d.Path {
		if s.Action == "dnat" || s.Action == "redirect" {
			parts = append(parts, fmt.Sprintf("%s to %s by %s in nat %s (`%s`)", strings.ToUpper(s.Action), d.Dst, s.Chain, natHook, s.Text))
		}
	}
	if len(d.Path) > 0 {
		last := d.Path[len(d.Path)-1]
		verb := map[string]string{"accept": "accepted", "drop": "dropped", "reject": "rejected"}[last.Action]
		if verb == "" {
			verb = map[Verdict]string{Accept: "accepted", Drop: "dropped", Reject: "rejected"}[d.Verdict]
		}
		where := d.Hook
		if where == "" {
			where = last.Table + " " + last.Chain
		}
		if last.Rule == 0 {
			parts = append(parts, fmt.Sprintf("%s in %s by the %s %s chain's policy (%s)", verb, where, last.Table, last.Chain, strings.TrimSpace(last.Text)))
		} else {
			who := last.Chain
			if strings.HasPrefix(who, "ufw-user-") || strings.HasPrefix(who, "ufw6-user-") {
				who = "UFW's user rules (" + who + ")"
			}
			parts = append(parts, fmt.Sprintf("%s in %s by %s (`%s`)", verb, where, who, last.Text))
		}
	}
	if d.Hook == "FORWARD" {
		parts = append(parts, "UFW's INPUT chain is not traversed")
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s: no rule and no chain policy of the kernel's ruleset applies to it", map[Verdict]string{Accept: "accepted", Drop: "dropped", Reject: "rejected"}[d.Verdict])
	}
	return strings.Join(parts, ", ")
}
