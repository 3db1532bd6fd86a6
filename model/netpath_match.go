package model

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// tri is a three-valued truth: a match holds, does not, or the model
// cannot tell.
type tri uint8

const (
	no tri = iota
	yes
	unk
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// cond is one compiled condition of a rule; for unk it says why.
type cond func(w *walk) (tri, string)

// rule is one compiled iptables rule.
type rule struct {
	pos    int
	text   string // "-A CHAIN ..."
	conds  []cond
	whole  string // the whole rule is unknown for this reason
	target *target
}

// The kinds of target.
const (
	tContinue = iota // no target or a non-terminating one
	tNotrack         // NOTRACK, CT --notrack
	tAccept
	tDrop
	tReject
	tReturn
	tJump
	tGoto
	tDNAT
	tRedirect
	tSNAT // SNAT, MASQUERADE: end nat, no effect on the verdict
	tUnknown
)

type target struct {
	kind  int
	name  string
	chain *chain
	addr  netip.Addr // DNAT
	port  int        // DNAT, REDIRECT: 0 keeps the port
	why   string     // tUnknown
}

// nonTerminating are targets after which the kernel tries the next rule.
var nonTerminating = map[string]bool{
	"LOG": true, "NFLOG": true, "ULOG": true, "MARK": true, "CONNMARK": true, "TCPMSS": true,
	"TRACE": true, "CHECKSUM": true, "TOS": true, "DSCP": true, "TTL": true, "HL": true,
	"CLASSIFY": true, "SECMARK": true, "CONNSECMARK": true, "AUDIT": true, "TCPOPTSTRIP": true,
	"ECN": true, "IDLETIMER": true, "LED": true, "SET": true,
}

// match evaluates the rule's conditions in the kernel's order: false at
// the first false one; unknown if any is unknown.
func (rl *rule) match(w *walk) (tri, string) {
	if rl.whole != "" {
		return unk, rl.whole
	}
	res, why := yes, ""
	w.uncertain = false
	for _, c := range rl.conds {
		v, y := c(w)
		switch v {
		case no:
			return no, ""
		case unk:
			if res == yes {
				res, why = unk, y
			}
			w.uncertain = true
		}
	}
	return res, why
}

func always(v tri, why string) cond {
	return func(*walk) (tri, string) { return v, why }
}

// compileRule compiles rule sr of table t, at position pos of its chain.
func compileRule(fam string, t *table, sr *snapshot.NetfilterRule, pos int) *rule {
	v4 := fam == "ipv4"
	rl := &rule{pos: pos, text: strings.TrimRight("-A "+sr.Chain+" "+sr.Text, " ")}
	rl.target = compileTarget(t, sr, v4)
	if sr.Unparsed != "" {
		rl.whole = "rule not fully understood (" + sr.Unparsed + ")"
		if sr.Jump == "" {
			rl.target = &target{kind: tUnknown, why: rl.whole}
		}
		return rl
	}
	neg := map[string]bool{}
	for _, n := range sr.Negated {
		neg[n] = true
	}
	if sr.Protocol != "" {
		rl.conds = append(rl.conds, protoCond(sr.Protocol, neg["protocol"]))
	}
	if sr.Source != "" {
		rl.conds = append(rl.conds, addrCond(sr.Source, v4, neg["source"], "-s", func(w *walk) netip.Addr { return w.src }))
	}
	if sr.Destination != "" {
		rl.conds = append(rl.conds, addrCond(sr.Destination, v4, neg["destination"], "-d", func(w *walk) netip.Addr { return w.dst }))
	}
	if sr.InIface != "" {
		rl.conds = append(rl.conds, ifaceCond(sr.InIface, neg["in_interface"], false))
	}
	if sr.OutIface != "" {
		rl.conds = append(rl.conds, ifaceCond(sr.OutIface, neg["out_interface"], true))
	}
	for _, m := range sr.Matches {
		rl.conds = append(rl.conds, compileMatch(m, v4)...)
	}
	return rl
}

// compileTarget resolves the rule's -j/-g.
func compileTarget(t *table, sr *snapshot.NetfilterRule, v4 bool) *target {
	tg := &target{name: sr.Jump}
	bad := func(format string, a ...any) *target {
		tg.kind, tg.why = tUnknown, fmt.Sprintf(format, a...)
		return tg
	}
	if sr.Goto {
		c := t.chains[sr.Jump]
		if c == nil || c.builtin {
			return bad("goto %q, not a user chain of table %s", sr.Jump, t.name)
		}
		tg.kind, tg.chain = tGoto, c
		return tg
	}
	switch sr.Jump {
	case "":
		tg.kind = tContinue
	case "ACCEPT":
		tg.kind = tAccept
	case "DROP":
		tg.kind = tDrop
	case "REJECT":
		tg.kind = tReject
	case "RETURN":
		tg.kind = tReturn
	case "DNAT":
		return dnatTarget(tg, sr.TargetOptions, v4)
	case "REDIRECT":
		tg.kind = tRedirect
		for i := 0; i < len(sr.TargetOptions); i++ {
			switch o := sr.TargetOptions[i]; o {
			case "--random":
			case "--to-ports":
				if i+1 >= len(sr.TargetOptions) {
					return bad("REDIRECT --to-ports without a value")
				}
				i++
				p, err := strconv.Atoi(sr.TargetOptions[i])
				if err != nil || p < 1 || p > 65535 {
					return bad("REDIRECT to ports %s not modelled", sr.TargetOptions[i])
				}
				tg.port = p
			default:
				return bad("REDIRECT option %s not modelled", o)
			}
		}
	case "SNAT", "MASQUERADE":
		tg.kind = tSNAT
	case "NOTRACK":
		tg.kind = tNotrack
	case "CT":
		tg.kind = tContinue
		for _, o := range sr.TargetOptions {
			if o == "--notrack" {
				tg.kind = tNotrack
			}
		}
	default:
		if c := t.chains[sr.Jump]; c != nil && !c.builtin {
			tg.kind, tg.chain = tJump, c
			return tg
		}
		if nonTerminating[sr.Jump] {
			tg.kind = tContinue
			return tg
		}
		return bad("target %s not modelled", sr.Jump)
	}
	return tg
}

// dnatTarget parses DNAT's --to-destination ADDR[:PORT] (IPv6 in
// brackets); a range of addresses or ports is not modelled.
func dnatTarget(tg *target, opts []string, v4 bool) *target {
	bad := func(format string, a ...any) *target {
		tg.kind, tg.why = tUnknown, fmt.Sprintf(format, a...)
		return tg
	}
	tg.kind = tDNAT
	seen := false
	for i := 0; i < len(opts); i++ {
		switch o := opts[i]; o {
		case "--random", "--persistent", "--random-fully":
		case "--to-destination":
			if seen || i+1 >= len(opts) {
				return bad("DNAT --to-destination missing or repeated")
			}
			seen = true
			i++
			v := opts[i]
			host, port := v, ""
			if strings.HasPrefix(v, "[") {
				end := strings.IndexByte(v, ']')
				if end < 0 {
					return bad("DNAT to %s not modelled", v)
				}
				host, port = v[1:end], strings.TrimPrefix(v[end+1:], ":")
			} else if v4 {
				host, port, _ = strings.Cut(v, ":")
			}
			a, err := netip.ParseAddr(host)
			if err != nil || a.Is4() != v4 || a.Zone() != "" {
				return bad("DNAT to %s not modelled", v)
			}
			tg.addr = a
			if port != "" {
				p, err := strconv.Atoi(port)
				if err != nil || p < 1 || p > 65535 {
					return bad("DNAT to ports %s not modelled", port)
				}
				tg.port = p
			}
		default:
			return bad("DNAT option %s not modelled", o)
		}
	}
	if !seen {
		return bad("DNAT without --to-destination")
	}
	return tg
}

func protoCond(p string, neg bool) cond {
	p = strings.ToLower(p)
	switch p {
	case "tcp", "6":
		p = "tcp"
	case "udp", "17":
		p = "udp"
	case "all", "0":
		return always(triOf(!neg), "")
	}
	return func(w *walk) (tri, string) { return triOf((w.proto == p) != neg), "" }
}

// addrMask is an address and mask as -s/-d and conntrack take them.
type addrMask struct {
	addr, mask [16]byte
	n          int
}

// parseAddrMask parses "10.0.0.0/24", "10.0.0.1" and "10.0.0.0/255.255.0.0".
func parseAddrMask(s string, v4 bool) (addrMask, bool) {
	var am addrMask
	host, m, hasMask := strings.Cut(s, "/")
	a, err := netip.ParseAddr(host)
	if err != nil || a.Is4() != v4 || a.Zone() != "" {
		return am, false
	}
	am.n = a.BitLen() / 8
	bits := a.BitLen()
	if hasMask {
		if b, err := strconv.Atoi(m); err == nil {
			if b < 0 || b > a.BitLen() {
				return am, false
			}
			bits = b
		} else {
			ma, err := netip.ParseAddr(m)
			if err != nil || ma.Is4() != v4 {
				return am, false
			}
			copy(am.mask[:], ma.AsSlice())
			bits = -1
		}
	}
	if bits >= 0 {
		for i := 0; i < bits; i++ {
			am.mask[i/8] |= 0x80 >> (i % 8)
		}
	}
	copy(am.addr[:], a.AsSlice())
	return am, true
}

func (am *addrMask) contains(a netip.Addr) bool {
	if a.BitLen()/8 != am.n {
		return false
	}
	b := a.As16()
	if am.n == 4 {
		v := a.As4()
		copy(b[:], v[:])
	}
	for i := 0; i < am.n; i++ {
		if b[i]&am.mask[i] != am.addr[i]&am.mask[i] {
			return false
		}
	}
	return true
}

func addrCond(s string, v4, neg bool, opt string, get func(*walk) netip.Addr) cond {
	am, ok := parseAddrMask(s, v4)
	if !ok {
		return always(unk, fmt.Sprintf("address %s %s not modelled", opt, s))
	}
	return func(w *walk) (tri, string) { return triOf(am.contains(get(w)) != neg), "" }
}

// ifaceCond matches -i/-o: exact, "+" a prefix wildcard. Where the
// packet has no such interface (-o before routing, -i on a locally sent
// packet) its name is "", as both backends compare it.
func ifaceCond(pat string, neg, out bool) cond {
	base, wild := strings.CutSuffix(pat, "+")
	return func(w *walk) (tri, string) {
		name := w.in
		if out {
			name = w.out
		}
		m := name == base || wild && strings.HasPrefix(name, base)
		return triOf(m != neg), ""
	}
}

// option is one option of a match: "!" before it, its name, its values.
type option struct {
	neg  bool
	name string
	args []string
}

// splitOptions splits a match's options by their arity; an option not in
// arity is not modelled.
func splitOptions(mod string, opts []string, arity map[string]int) ([]option, string) {
	var out []option
	for i := 0; i < len(opts); i++ {
		o := option{}
		if opts[i] == "!" {
			o.neg = true
			i++
			if i >= len(opts) {
				return nil, fmt.Sprintf("match %s ends with \"!\"", mod)
			}
		}
		o.name = opts[i]
		n, ok := arity[o.name]
		if !ok {
			return nil, fmt.Sprintf("option %s of match %s not modelled", o.name, mod)
		}
		if i+n >= len(opts) {
			return nil, fmt.Sprintf("option %s of match %s without its value", o.name, mod)
		}
		o.args = opts[i+1 : i+1+n]
		i += n
		out = append(out, o)
	}
	return out, ""
}

var (
	tcpArity       = map[string]int{"--dport": 1, "--destination-port": 1, "--sport": 1, "--source-port": 1, "--syn": 0, "--tcp-flags": 2, "--tcp-option": 1}
	udpArity       = map[string]int{"--dport": 1, "--destination-port": 1, "--sport": 1, "--source-port": 1}
	multiportArity = map[string]int{"--dports": 1, "--destination-ports": 1, "--sports": 1, "--source-ports": 1, "--ports": 1}
	conntrackArity = map[string]int{"--ctstate": 1, "--ctproto": 1, "--ctorigsrc": 1, "--ctorigdst": 1, "--ctreplsrc": 1, "--ctrepldst": 1,
		"--ctorigsrcport": 1, "--ctorigdstport": 1, "--ctreplsrcport": 1, "--ctrepldstport": 1, "--ctstatus": 1, "--ctexpire": 1, "--ctdir": 1}
	stateArity     = map[string]int{"--state": 1}
	addrtypeArity  = map[string]int{"--src-type": 1, "--dst-type": 1, "--limit-iface-in": 0, "--limit-iface-out": 0}
	limitArity     = map[string]int{"--limit": 1, "--limit-burst": 1}
	hashlimitArity = map[string]int{"--hashlimit-upto": 1, "--hashlimit-above": 1, "--hashlimit": 1, "--hashlimit-burst": 1,
		"--hashlimit-mode": 1, "--hashlimit-srcmask": 1, "--hashlimit-dstmask": 1, "--hashlimit-name": 1,
		"--hashlimit-htable-size": 1, "--hashlimit-htable-max": 1, "--hashlimit-htable-expire": 1,
		"--hashlimit-htable-gcinterval": 1, "--hashlimit-rate-match": 0, "--hashlimit-rate-interval": 1}
	recentArity = map[string]int{"--set": 0, "--rcheck": 0, "--update": 0, "--remove": 0, "--name": 1, "--rsource": 0,
		"--rdest": 0, "--mask": 1, "--seconds": 1, "--hitcount": 1, "--rttl": 0, "--reap": 0}
	pkttypeArity = map[string]int{"--pkt-type": 1}
	iprangeArity = map[string]int{"--src-range": 1, "--dst-range": 1}
	commentArity = map[string]int{"--comment": 1}
)

// compileMatch compiles one -m module.
func compileMatch(m snapshot.NetfilterMatch, v4 bool) []cond {
	fail := func(why string) []cond { return []cond{always(unk, why)} }
	arity := map[string]map[string]int{"tcp": tcpArity, "udp": udpArity, "multiport": multiportArity, "conntrack": conntrackArity,
		"state": stateArity, "addrtype": addrtypeArity, "limit": limitArity, "hashlimit": hashlimitArity, "recent": recentArity,
		"pkttype": pkttypeArity, "iprange": iprangeArity, "comment": commentArity}[m.Module]
	switch m.Module {
	case "icmp", "icmp6":
		// Only for -p icmp/ipv6-icmp: never a TCP or UDP packet.
		return []cond{always(no, "")}
	case "rt":
		if !v4 {
			// A TCP or UDP packet without a routing header never matches.
			return []cond{always(no, "")}
		}
	}
	if arity == nil {
		return fail(fmt.Sprintf("match %s not modelled", m.Module))
	}
	opts, why := splitOptions(m.Module, m.Options, arity)
	if why != "" {
		return fail(why)
	}
	var out []cond
	switch m.Module {
	case "comment", "limit":
		// limit: the first packet is within any burst.
	case "tcp", "udp":
		proto := m.Module
		out = append(out, func(w *walk) (tri, string) { return triOf(w.proto == proto), "" })
		for _, o := range opts {
			c, why := tcpUDPOption(o)
			if why != "" {
				return fail(why)
			}
			out = append(out, c)
		}
	case "multiport":
		for _, o := range opts {
			ranges, err := parsePorts(o.args[0])
			if err != nil {
				return fail(fmt.Sprintf("multiport %s %s: %v", o.name, o.args[0], err))
			}
			which := o.name
			neg := o.neg
			out = append(out, func(w *walk) (tri, string) {
				var in bool
				switch which {
				case "--dports", "--destination-ports":
					in = inPorts(ranges, w.dport)
				case "--sports", "--source-ports":
					in = inPorts(ranges, w.sport)
				default:
					in = inPorts(ranges, w.dport) || inPorts(ranges, w.sport)
				}
				return triOf(in != neg), ""
			})
		}
	case "conntrack":
		c, why := conntrackCond(opts, v4)
		if why != "" {
			return fail(why)
		}
		out = append(out, c)
	case "state":
		if len(opts) != 1 || opts[0].name != "--state" {
			return fail("match state " + strings.Join(m.Options, " ") + " not modelled")
		}
		bits, why := stateBits(opts[0].args[0], false)
		if why != "" {
			return fail("match state " + strings.Join(m.Options, " ") + " not modelled")
		}
		neg := opts[0].neg
		out = append(out, func(w *walk) (tri, string) { return triOf((bits&w.stateBit(false) != 0) != neg), "" })
	case "addrtype":
		for _, o := range opts {
			if o.name == "--limit-iface-in" || o.name == "--limit-iface-out" {
				return fail("addrtype " + o.name + " not modelled")
			}
		}
		for _, o := range opts {
			c, why := addrtypeCond(o, v4)
			if why != "" {
				return fail(why)
			}
			out = append(out, c)
		}
	case "hashlimit":
		res := yes
		for _, o := range opts {
			if o.neg {
				return fail("hashlimit with \"!\" not modelled")
			}
			if o.name == "--hashlimit-above" {
				res = no // the first packet is not above the rate
			}
		}
		out = append(out, always(res, ""))
	case "recent":
		c, why := recentCond(opts)
		if why != "" {
			return fail(why)
		}
		out = append(out, c)
	case "pkttype":
		for _, o := range opts {
			t := strings.ToLower(o.args[0])
			if t != "unicast" && t != "host" && t != "broadcast" && t != "multicast" {
				return fail("pkttype " + o.args[0] + " not modelled")
			}
			neg := o.neg
			out = append(out, func(w *walk) (tri, string) {
				got := w.pktType()
				if got == "" {
					return unk, "pkttype of this packet not modelled"
				}
				return triOf((got == t || got == "unicast" && t == "host") != neg), ""
			})
		}
	case "iprange":
		for _, o := range opts {
			lo, hi, ok := strings.Cut(o.args[0], "-")
			a, err1 := netip.ParseAddr(lo)
			b, err2 := netip.ParseAddr(hi)
			if !ok || err1 != nil || err2 != nil || a.Is4() != v4 || b.Is4() != v4 {
				return fail("iprange " + o.args[0] + " not modelled")
			}
			src, neg := o.name == "--src-range", o.neg
			out = append(out, func(w *walk) (tri, string) {
				x := w.dst
				if src {
					x = w.src
				}
				return triOf((x.Compare(a) >= 0 && x.Compare(b) <= 0) != neg), ""
			})
		}
	}
	return out
}

// tcpUDPOption compiles one option of the tcp or udp match; the packet
// is the first of a connection: a TCP SYN alone.
func tcpUDPOption(o option) (cond, string) {
	neg := o.neg
	switch o.name {
	case "--dport", "--destination-port", "--sport", "--source-port":
		ranges, err := parsePorts(o.args[0])
		if err != nil || len(ranges) != 1 {
			return nil, fmt.Sprintf("%s %s not modelled", o.name, o.args[0])
		}
		dst := o.name == "--dport" || o.name == "--destination-port"
		return func(w *walk) (tri, string) {
			p := w.sport
			if dst {
				p = w.dport
			}
			return triOf(inPorts(ranges, p) != neg), ""
		}, ""
	case "--syn":
		return always(triOf(!neg), ""), ""
	case "--tcp-flags":
		mask, ok1 := tcpFlags(o.args[0])
		comp, ok2 := tcpFlags(o.args[1])
		if !ok1 || !ok2 {
			return nil, "--tcp-flags " + strings.Join(o.args, " ") + " not modelled"
		}
		return always(triOf((flagSYN&mask == comp) != neg), ""), ""
	}
	return nil, o.name + " not modelled"
}

const (
	flagFIN = 1 << iota
	flagSYN
	flagRST
	flagPSH
	flagACK
	flagURG
)

func tcpFlags(s string) (int, bool) {
	v := 0
	for _, f := range strings.Split(s, ",") {
		switch strings.ToUpper(f) {
		case "FIN":
			v |= flagFIN
		case "SYN":
			v |= flagSYN
		case "RST":
			v |= flagRST
		case "PSH":
			v |= flagPSH
		case "ACK":
			v |= flagACK
		case "URG":
			v |= flagURG
		case "ALL":
			v |= flagFIN | flagSYN | flagRST | flagPSH | flagACK | flagURG
		case "NONE":
		default:
			return 0, false
		}
	}
	return v, true
}

// parsePorts reads a port list (snapshot.ParsePortRanges).
func parsePorts(s string) ([]snapshot.PortRange, error) { return snapshot.ParsePortRanges(s) }

func inPorts(rs []snapshot.PortRange, p int) bool {
	for _, r := range rs {
		if p >= r.From && p <= r.To {
			return true
		}
	}
	return false
}

// The conntrack states as bits.
const (
	stInvalid = 1 << iota
	stNew
	stEstablished
	stRelated
	stUntracked
	stSNAT
	stDNAT
)

func stateBits(list string, ctstate bool) (int, string) {
	v := 0
	for _, s := range strings.Split(list, ",") {
		switch strings.ToUpper(s) {
		case "INVALID":
			v |= stInvalid
		case "NEW":
			v |= stNew
		case "ESTABLISHED":
			v |= stEstablished
		case "RELATED":
			v |= stRelated
		case "UNTRACKED":
			v |= stUntracked
		case "SNAT":
			if !ctstate {
				return 0, "state " + s
			}
			v |= stSNAT
		case "DNAT":
			if !ctstate {
				return 0, "state " + s
			}
			v |= stDNAT
		default:
			return 0, "state " + s
		}
	}
	return v, ""
}

// stateBit is the packet's state as conntrack and state see it: INVALID
// before conntrack's hook, UNTRACKED after NOTRACK, else NEW, with DNAT
// once a DNAT or REDIRECT changed the destination (and SNAT after source
// NAT) for ctstate.
func (w *walk) stateBit(ctstate bool) int {
	switch w.ct {
	case ctNone:
		return stInvalid
	case ctUntracked:
		return stUntracked
	}
	v := stNew
	if ctstate && w.dnat {
		v |= stDNAT
	}
	if ctstate && w.snat {
		v |= stSNAT
	}
	return v
}

// conntrackCond compiles the conntrack match: the state, then (only with
// a conntrack entry) the original tuple and direction.
func conntrackCond(opts []option, v4 bool) (cond, string) {
	var conds []cond
	stateIdx := -1
	for i, o := range opts {
		neg := o.neg
		switch o.name {
		case "--ctstate":
			bits, why := stateBits(o.args[0], true)
			if why != "" {
				return nil, "conntrack --ctstate " + why + " not modelled"
			}
			stateIdx = i
			conds = append(conds, func(w *walk) (tri, string) { return triOf((bits&w.stateBit(true) != 0) != neg), "" })
		case "--ctproto":
			p := protoCond(o.args[0], neg)
			conds = append(conds, p)
		case "--ctorigsrc", "--ctorigdst":
			am, ok := parseAddrMask(o.args[0], v4)
			if !ok {
				return nil, "conntrack " + o.name + " " + o.args[0] + " not modelled"
			}
			src := o.name == "--ctorigsrc"
			conds = append(conds, func(w *walk) (tri, string) {
				a := w.origDst
				if src {
					a = w.src
				}
				return triOf(am.contains(a) != neg), ""
			})
		case "--ctorigsrcport", "--ctorigdstport":
			ranges, err := parsePorts(o.args[0])
			if err != nil || len(ranges) != 1 {
				return nil, "conntrack " + o.name + " " + o.args[0] + " not modelled"
			}
			src := o.name == "--ctorigsrcport"
			conds = append(conds, func(w *walk) (tri, string) {
				p := w.origPort
				if src {
					p = w.sport
				}
				return triOf(inPorts(ranges, p) != neg), ""
			})
		case "--ctdir":
			d := strings.ToUpper(o.args[0])
			if d != "ORIGINAL" && d != "REPLY" {
				return nil, "conntrack --ctdir " + o.args[0] + " not modelled"
			}
			conds = append(conds, always(triOf((d == "ORIGINAL") != neg), ""))
		default:
			return nil, "conntrack " + o.name + " not modelled"
		}
	}
	others := len(opts) > 1 || stateIdx < 0
	return func(w *walk) (tri, string) {
		res := yes
		if stateIdx >= 0 {
			if v, _ := conds[stateIdx](w); v == no {
				return no, ""
			}
		}
		if others && w.ct != ctNew {
			return no, "" // no conntrack entry: only the state can match
		}
		why := ""
		for i, c := range conds {
			if i == stateIdx {
				continue
			}
			switch v, y := c(w); v {
			case no:
				return no, ""
			case unk:
				if res == yes {
					res, why = unk, y
				}
			}
		}
		return res, why
	}, ""
}

// The address types of addrtype, as bits.
var addrTypes = map[string]int{"UNSPEC": 1 << 0, "UNICAST": 1 << 1, "LOCAL": 1 << 2, "BROADCAST": 1 << 3, "ANYCAST": 1 << 4,
	"MULTICAST": 1 << 5, "BLACKHOLE": 1 << 6, "UNREACHABLE": 1 << 7, "PROHIBIT": 1 << 8, "THROW": 1 << 9, "NAT": 1 << 10, "XRESOLVE": 1 << 11}

// routeOnlyTypes are the types only routes other than connected ones
// give (the snapshot has none): a unicast address could be one.
const routeOnlyTypes = 1<<0 | 1<<4 | 1<<6 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11

func addrtypeCond(o option, v4 bool) (cond, string) {
	mask := 0
	for _, t := range strings.Split(o.args[0], ",") {
		b, ok := addrTypes[strings.ToUpper(t)]
		if !ok {
			return nil, "addrtype " + t + " not modelled"
		}
		mask |= b
	}
	src, neg := o.name == "--src-type", o.neg
	why := "addrtype " + o.name + " " + o.args[0] + " of this address not modelled"
	if !v4 {
		// IPv6 addrtype tests each type differently; one type at a time.
		switch mask {
		case addrTypes["LOCAL"], addrTypes["MULTICAST"], addrTypes["UNICAST"]:
		default:
			return nil, "IPv6 addrtype " + o.args[0] + " not modelled"
		}
	}
	return func(w *walk) (tri, string) {
		a := w.dst
		if src {
			a = w.src
		}
		var in bool
		if !v4 {
			switch mask {
			case addrTypes["LOCAL"]:
				in = w.r.net.isLocal(a)
			case addrTypes["MULTICAST"]:
				in = a.IsMulticast()
			default:
				in = !a.IsMulticast() && !a.IsUnspecified()
			}
			return triOf(in != neg), ""
		}
		var t int
		switch w.r.net.addrClass(a) {
		case classAmbiguous:
			return unk, why
		case classLocal:
			t = addrTypes["LOCAL"]
		case classBroadcast:
			t = addrTypes["BROADCAST"]
		case classMulticast:
			t = addrTypes["MULTICAST"]
		default:
			if mask&routeOnlyTypes != 0 {
				return unk, why
			}
			t = addrTypes["UNICAST"]
		}
		return triOf((mask&t != 0) != neg), ""
	}, ""
}

// pktType is the link-layer type pkttype sees: "" where the model cannot
// tell.
func (w *walk) pktType() string {
	c := w.r.net.addrClass(w.dst)
	if !w.v4 && c == classBroadcast {
		c = classUnicast
	}
	switch {
	case c == classAmbiguous:
		return ""
	case w.localPkt && c != classUnicast && c != classLocal:
		return ""
	case c == classMulticast:
		return "multicast"
	case c == classBroadcast:
		return "broadcast"
	}
	return "unicast"
}

// recentCond compiles the recent match as ufw's limit uses it: --set
// records this packet's source; --rcheck/--update count the hits this
// packet made on its path (earlier connections are not in the snapshot,
// so a list not set on this path, or set after an unknown match, is
// unknown).
func recentCond(opts []option) (cond, string) {
	key := recentMark{name: "DEFAULT", side: "--rsource", mask: ""}
	cmd, neg, hitcount := "", false, 0
	for _, o := range opts {
		switch o.name {
		case "--set", "--rcheck", "--update", "--remove":
			if cmd != "" {
				return nil, "recent with two commands not modelled"
			}
			cmd, neg = o.name, o.neg
		case "--name":
			key.name = o.args[0]
		case "--rsource", "--rdest":
			key.side = o.name
		case "--mask":
			key.mask = o.args[0]
		case "--hitcount":
			n, err := strconv.Atoi(o.args[0])
			if err != nil || n < 0 {
				return nil, "recent --hitcount " + o.args[0] + " not modelled"
			}
			hitcount = n
		case "--seconds":
			if _, err := strconv.Atoi(o.args[0]); err != nil {
				return nil, "recent --seconds " + o.args[0] + " not modelled"
			}
		}
		if o.neg && o.name != cmd {
			return nil, "recent \"!\" " + o.name + " not modelled"
		}
	}
	if cmd == "" {
		return nil, "recent without a command not modelled"
	}
	why := "recent " + cmd + " of list " + key.name + ", not set earlier on this path (the source's earlier connections are not in the snapshot)"
	return func(w *walk) (tri, string) {
		k := key
		k.addr = w.src
		if k.side == "--rdest" {
			k.addr = w.dst
		}
		found := -1
		for i, m := range w.recent {
			if m.name == k.name && m.side == k.side && m.mask == k.mask && m.addr == k.addr {
				found = i
			}
		}
		if cmd == "--set" {
			if found >= 0 {
				w.recent[found].maybe = w.recent[found].maybe || w.uncertain
				w.recent[found].hits++
			} else {
				k.maybe, k.hits = w.uncertain, 1
				w.recent = append(w.recent, k)
			}
			return triOf(!neg), ""
		}
		if found < 0 || w.recent[found].maybe {
			return unk, why
		}
		if cmd == "--remove" {
			w.recent = append(w.recent[:found], w.recent[found+1:]...)
			return triOf(!neg), ""
		}
		// The hits are this packet's own: --set (and --update) on this
		// path; all within any --seconds.
		m := (w.recent[found].hits >= hitcount) != neg
		if m && cmd == "--update" {
			w.recent[found].hits++
		}
		return triOf(m), ""
	}, ""
}
