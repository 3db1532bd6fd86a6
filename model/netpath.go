package model

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// Verdict is the kernel's decision for the first packet of a new connection.
type Verdict string

// The verdicts Decide returns.
const (
	// Accept is delivered: to a local socket (INPUT) or forwarded (FORWARD).
	Accept Verdict = "accept"
	// Drop is dropped without an answer.
	Drop Verdict = "drop"
	// Reject is refused by a REJECT target.
	Reject Verdict = "reject"
	// Unknown is a verdict a rule the model does not understand could decide.
	Unknown Verdict = "unknown"
)

// Packet is the first packet of a new TCP or UDP connection.
type Packet struct {
	Family   string // "ipv4" or "ipv6"
	Proto    string // "tcp" or "udp"
	Src, Dst netip.Addr
	SPort    int
	DPort    int
	InIface  string // interface it arrives on ("lo" for Local)
	Local    bool   // sent by the host itself (loopback zone): OUTPUT hooks, then lo
}

// Step is one rule (or chain policy) on the path that decided.
type Step struct {
	Family string // ipv4/ipv6, or "nft" for a native nftables chain
	Table  string
	Chain  string
	Rule   int    // 1-based position in the chain; 0 = the chain's policy
	Text   string // the rule as iptables-save prints it ("-A CHAIN ..." form), or "policy DROP"
	Action string // accept, drop, reject, jump, goto, return, dnat, redirect, unknown
}

// Decision is the verdict and the path that decided it.
type Decision struct {
	Verdict Verdict
	// Hook is "INPUT", "FORWARD" or "OUTPUT" (Local to a non-local DNAT
	// target); "" when decided before routing.
	Hook string
	// Dst is the destination after DNAT/REDIRECT (the original when none).
	Dst netip.AddrPort
	// OutIface is the interface the routing decision chose (FORWARD, and
	// OUTPUT to a non-local destination).
	OutIface string
	// Path is every jump/goto/return/DNAT taken and the deciding step, in
	// order.
	Path []Step
	// Reason says why for Unknown, quoting the rule; for a packet the
	// kernel drops before netfilter, why it does.
	Reason string
}

// Ruleset is the kernel's rules of one snapshot, ready to decide packets.
// It is read-only after NewRuleset: Decide may run concurrently.
type Ruleset struct {
	// reason, when set, makes every Decide Unknown.
	reason string
	fams   [2]*famRules
	net    hostNet
}

// The netfilter hooks, in the kernel's order.
const (
	hPrerouting = iota
	hInput
	hForward
	hOutput
	hPostrouting
	numHooks
)

var hookChain = [numHooks]string{"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}

// Conntrack hooks in at priority -200 on PREROUTING and OUTPUT: tables
// before it (raw) see a packet with no conntrack entry.
const conntrackPriority = -200

// maxJumpDepth bounds nested jumps as the kernel does (nf_tables'
// NFT_JUMP_STACK_SIZE); maxRuleVisits and maxPath bound a walk (goto
// loops, which the kernel refuses to load).
const (
	maxJumpDepth  = 16
	maxRuleVisits = 1 << 17
	maxPath       = 1024
)

// iptablesTable is one of the tables iptables knows, with the priority of
// each hook it registers (absent: not on that hook).
type iptablesTable struct {
	name  string
	prios map[int]int
}

var iptablesTables = []iptablesTable{
	{"raw", map[int]int{hPrerouting: -300, hOutput: -300}},
	{"mangle", map[int]int{hPrerouting: -150, hInput: -150, hForward: -150, hOutput: -150, hPostrouting: -150}},
	{"nat", map[int]int{hPrerouting: -100, hOutput: -100, hInput: 100, hPostrouting: 100}},
	{"filter", map[int]int{hInput: 0, hForward: 0, hOutput: 0}},
	{"security", map[int]int{hInput: 50, hForward: 50, hOutput: 50}},
}

// famRules is one family's iptables ruleset, compiled, and the base
// chains each hook runs in priority order.
type famRules struct {
	name   string // ipv4, ipv6
	reason string // the family is Unknown for this reason
	hooks  [numHooks][]stage
}

// stage is one base chain on a hook: an iptables table's built-in chain,
// or a native nftables chain the model does not interpret.
type stage struct {
	prio  int
	table *table
	chain *chain
	// native is set for a native nftables chain the model does not
	// interpret: the step and the reason.
	native *Step
	why    string
	// nft is a native nftables chain the model interprets.
	nft *nftChain
}

type table struct {
	name   string
	chains map[string]*chain
}

type chain struct {
	name    string
	policy  string // "" for a user chain
	builtin bool
	rules   []*rule
}

// NewRuleset prepares nf (nil: every Decide is Unknown "the snapshot has no
// netfilter ruleset") with the host's interfaces (local addresses,
// connected routes). Never panics on any input.
func NewRuleset(nf *snapshot.NetfilterSection, ifs []snapshot.Interface) *Ruleset {
	r := &Ruleset{}
	var why string
	r.net, why = newHostNet(ifs)
	if nf == nil {
		r.reason = "the snapshot has no netfilter ruleset"
		return r
	}
	r.fams[0] = prepareFamily("ipv4", &nf.IPv4)
	r.fams[1] = prepareFamily("ipv6", &nf.IPv6)
	if n := r.addNative(&nf.NFTables); n != "" && why == "" {
		why = n
	}
	r.reason = why
	return r
}

// prepareFamily compiles one family's tables.
func prepareFamily(name string, f *snapshot.NetfilterFamily) *famRules {
	fr := &famRules{name: name}
	switch {
	case f.Status != snapshot.StatusOK:
		fr.reason = fmt.Sprintf("the %s ruleset was not collected (%s)", name, sourceText(f.Source))
		return fr
	case f.Tables == nil:
		fr.reason = fmt.Sprintf("the %s ruleset has no tables recorded", name)
		return fr
	}
	if len(f.Notes) > 0 {
		n := f.Notes[0]
		if strings.Contains(strings.ToLower(n), "legacy") {
			fr.reason = fmt.Sprintf("%s: iptables-legacy and nf_tables rules are both loaded, the saved ruleset shows one of them: %q", name, n)
		} else {
			fr.reason = fmt.Sprintf("%s: the saved ruleset may be incomplete: %q", name, n)
		}
		return fr
	}
	tables := map[string]*table{}
	for i := range f.Tables {
		st := &f.Tables[i]
		var def *iptablesTable
		for j := range iptablesTables {
			if iptablesTables[j].name == st.Name {
				def = &iptablesTables[j]
			}
		}
		if def == nil {
			fr.reason = fmt.Sprintf("%s: table %q is not modelled", name, st.Name)
			return fr
		}
		if tables[st.Name] != nil {
			fr.reason = fmt.Sprintf("%s: table %q appears twice", name, st.Name)
			return fr
		}
		t := &table{name: st.Name, chains: map[string]*chain{}}
		tables[st.Name] = t
		for _, c := range st.Chains {
			if t.chains[c.Name] != nil {
				fr.reason = fmt.Sprintf("%s: chain %s of table %s appears twice", name, c.Name, st.Name)
				return fr
			}
			ch := &chain{name: c.Name, policy: c.Policy}
			for h, chainName := range hookChain {
				if _, ok := def.prios[h]; ok && chainName == c.Name {
					ch.builtin = true
				}
			}
			t.chains[c.Name] = ch
		}
		for k := range st.Rules {
			sr := &st.Rules[k]
			ch := t.chains[sr.Chain]
			if ch == nil {
				fr.reason = fmt.Sprintf("%s: a rule of table %s is in chain %q, which the table does not declare", name, st.Name, sr.Chain)
				return fr
			}
			ch.rules = append(ch.rules, compileRule(name, t, sr, len(ch.rules)+1))
		}
		for h := range hookChain {
			prio, ok := def.prios[h]
			if !ok {
				continue
			}
			if ch := t.chains[hookChain[h]]; ch != nil {
				fr.hooks[h] = append(fr.hooks[h], stage{prio: prio, table: t, chain: ch})
			}
		}
	}
	return fr
}

func sourceText(s snapshot.Source) string {
	parts := []string{string(s.Status)}
	if s.From != "" {
		parts = append([]string{s.From}, parts...)
	}
	if s.Error != "" {
		parts = append(parts, s.Error)
	}
	return strings.Join(parts, ": ")
}

// nftHooks maps a native chain's hook to the model's hook; ingress runs
// before prerouting.
var nftHooks = map[string]int{"prerouting": hPrerouting, "ingress": hPrerouting, "input": hInput, "forward": hForward, "output": hOutput, "postrouting": hPostrouting}

// addNative adds the native nftables base chains the model cannot call
// harmless to the hooks of their families; it returns a reason that
// makes every packet Unknown (nft not collected, bridge or netdev chains).
func (r *Ruleset) addNative(rs *snapshot.NFTRuleset) string {
	if rs.Status != snapshot.StatusOK {
		return fmt.Sprintf("native nftables tables were not collected (%s), so a chain of theirs could decide: install nftables (`apt-get install nftables`) and rescan as root", sourceText(rs.Source))
	}
	for _, t := range rs.Tables {
		if t.IPTables || t.Family == "arp" {
			continue
		}
		perChain := map[string]int{}
		for _, re := range t.RuleExprs {
			perChain[re.Chain]++
		}
		for _, c := range t.Chains {
			if c.Hook == "" {
				continue
			}
			n := perChain[c.Name]
			if len(t.RuleExprs) != t.Rules {
				n = t.Rules // rules not attributed to chains: any could be here
			}
			if n == 0 && (c.Policy == "" || c.Policy == "accept") {
				continue
			}
			rules := "rules"
			if n == 1 {
				rules = "rule"
			}
			why := fmt.Sprintf("native nftables chain %s %s %s (hook %s, %d %s) is not modelled", t.Family, t.Name, c.Name, c.Hook, n, rules)
			prio := math.MinInt32
			if c.Priority != nil {
				prio = *c.Priority
			}
			h, ok := nftHooks[c.Hook]
			if c.Hook == "ingress" {
				prio = math.MinInt32
			}
			var fams []int
			switch t.Family {
			case "ip":
				fams = []int{0}
			case "ip6":
				fams = []int{1}
			case "inet":
				fams = []int{0, 1}
			default: // bridge, netdev: on a device the model cannot place
				return why
			}
			if !ok {
				return why
			}
			if c.Hook != "ingress" {
				if nc := compileNFTChain(&t, c); nc != nil {
					for _, f := range fams {
						if r.fams[f] != nil && r.fams[f].reason == "" {
							r.fams[f].hooks[h] = append(r.fams[f].hooks[h], stage{prio: prio, nft: nc})
						}
					}
					continue
				}
			}
			policy := c.Policy
			if policy == "" {
				policy = "accept"
			}
			st := &Step{Family: "nft", Table: t.Family + " " + t.Name, Chain: c.Name,
				Text:   fmt.Sprintf("chain %s { type %s hook %s priority %d; policy %s; } (%d %s)", c.Name, c.Type, c.Hook, prio, policy, n, rules),
				Action: "unknown"}
			for _, f := range fams {
				if r.fams[f] == nil || r.fams[f].reason != "" {
					continue
				}
				r.fams[f].hooks[h] = append(r.fams[f].hooks[h], stage{prio: prio, native: st, why: why})
			}
		}
	}
	for _, f := range r.fams {
		if f == nil {
			continue
		}
		for h := range f.hooks {
			st := f.hooks[h]
			// Priority order; at a tie the native chain first (it could
			// decide before the table, so the model cannot skip it).
			sort.SliceStable(st, func(i, j int) bool {
				if st[i].prio != st[j].prio {
					return st[i].prio < st[j].prio
				}
				return st[i].table == nil && st[j].table != nil
			})
		}
	}
	return ""
}

// Local reports whether a is an address of the host (127/8 and ::1
// included).
func (r *Ruleset) Local(a netip.Addr) bool {
	if r == nil {
		a = a.Unmap().WithZone("")
		return a.IsLoopback()
	}
	return r.net.isLocal(a.Unmap().WithZone(""))
}

// Decide follows p through the kernel's hooks and returns the verdict and
// its path.
func (r *Ruleset) Decide(p Packet) Decision {
	d := Decision{Verdict: Unknown}
	if r == nil {
		d.Reason = "the snapshot has no netfilter ruleset"
		return d
	}
	w, why := r.newWalk(p)
	if why != "" {
		d.Reason = why
		return d
	}
	d.Dst = netip.AddrPortFrom(w.dst, uint16(w.dport))
	if r.reason != "" {
		d.Reason = r.reason
		return d
	}
	if w.fam.reason != "" {
		d.Reason = w.fam.reason
		return d
	}
	w.d = &d
	d.Path = make([]Step, 0, 16)
	if p.Local {
		w.local()
	} else {
		w.incoming()
	}
	d.Dst = netip.AddrPortFrom(w.dst, uint16(w.dport))
	return d
}

// ctState is the packet's conntrack state as a match sees it.
type ctState uint8

const (
	ctNone      ctState = iota // no entry yet (before conntrack's hook): INVALID
	ctNew                      // the first packet of a new connection
	ctUntracked                // NOTRACK in raw: UNTRACKED, no NAT
)

// walk is one packet's way through the hooks.
type walk struct {
	r        *Ruleset
	fam      *famRules
	d        *Decision
	proto    string
	v4       bool
	src, dst netip.Addr
	sport    int
	dport    int
	origDst  netip.Addr
	origPort int
	in, out  string
	hook     int
	ct       ctState
	dnat     bool
	snat     bool
	natDone  bool // NAT decided already (the lo leg of a local packet)
	localPkt bool
	visits   int
	// recent lists --set on this path: certainly, or maybe (after an
	// unknown match).
	recent []recentMark
	// uncertain is set while a rule's matches are evaluated once one of
	// them was unknown (side effects after it are uncertain).
	uncertain bool
}

// recentMark is one entry a recent --set made on this path.
type recentMark struct {
	name, side, mask string
	addr             netip.Addr
	hits             int
	maybe            bool
}

// newWalk checks p and returns its walk, or why the packet is not one the
// model can follow.
func (r *Ruleset) newWalk(p Packet) (*walk, string) {
	w := &walk{r: r, localPkt: p.Local}
	switch p.Family {
	case "ipv4":
		w.v4 = true
		w.fam = r.fams[0]
	case "ipv6":
		w.fam = r.fams[1]
	default:
		return nil, fmt.Sprintf("invalid packet: family %q (want ipv4 or ipv6)", p.Family)
	}
	switch p.Proto {
	case "tcp", "udp":
		w.proto = p.Proto
	default:
		return nil, fmt.Sprintf("invalid packet: protocol %q (want tcp or udp)", p.Proto)
	}
	norm := func(a netip.Addr) (netip.Addr, bool) {
		if !a.IsValid() {
			return a, false
		}
		if w.v4 {
			a = a.Unmap()
			return a, a.Is4()
		}
		return a.WithZone(""), a.Is6() && !a.Is4In6()
	}
	var ok bool
	if w.src, ok = norm(p.Src); !ok {
		return nil, fmt.Sprintf("invalid packet: source %v is not an %s address", p.Src, p.Family)
	}
	if w.dst, ok = norm(p.Dst); !ok {
		return nil, fmt.Sprintf("invalid packet: destination %v is not an %s address", p.Dst, p.Family)
	}
	if p.SPort < 0 || p.SPort > 65535 || p.DPort < 0 || p.DPort > 65535 {
		return nil, fmt.Sprintf("invalid packet: port %d or %d out of range", p.SPort, p.DPort)
	}
	if w.fam == nil {
		return nil, r.reason
	}
	w.sport, w.dport = p.SPort, p.DPort
	w.origDst, w.origPort = w.dst, w.dport
	w.in = p.InIface
	return w, ""
}

// unknown ends the walk Unknown.
func (w *walk) unknown(why string) {
	w.d.Verdict, w.d.Reason = Unknown, why
}

// incoming follows a packet arriving on w.in from elsewhere.
func (w *walk) incoming() {
	if !w.r.net.up[w.in] {
		w.unknown(fmt.Sprintf("interface %q is not up on the host (the snapshot's interfaces)", w.in))
		return
	}
	if !w.v4 && w.in != "lo" && (w.src.IsLoopback() || w.dst.IsLoopback()) {
		w.d.Verdict, w.d.Reason = Drop, "the kernel drops a packet to or from ::1 arriving on "+w.in+" before netfilter"
		return
	}
	if !w.runHook(hPrerouting) {
		return
	}
	w.d.Dst = netip.AddrPortFrom(w.dst, uint16(w.dport))
	if w.v4 && w.in != "lo" && (w.src.IsLoopback() || w.dst.IsLoopback()) {
		w.unknown(fmt.Sprintf("a packet from %v to %v on %s is a martian unless the interface's route_localnet is set, which the snapshot does not record", w.src, w.dst, w.in))
		return
	}
	if w.v4 && zeroNet.Contains(w.dst) {
		w.d.Verdict, w.d.Reason = Drop, fmt.Sprintf("the kernel's routing drops a packet to %v (a martian destination)", w.dst)
		return
	}
	switch w.r.net.addrClass(w.dst) {
	case classLocal, classBroadcast, classMulticast:
		w.d.Hook = "INPUT"
		if !w.runHook(hInput) {
			return
		}
	case classAmbiguous:
		w.unknown(fmt.Sprintf("destination %v is a network address: whether the kernel treats it as broadcast depends on its version", w.dst))
		return
	default:
		out, why := w.r.net.route(w.dst)
		if why != "" {
			w.unknown(why)
			return
		}
		w.d.Hook, w.d.OutIface, w.out = "FORWARD", out, out
		if !w.runHook(hForward) || !w.runHook(hPostrouting) {
			return
		}
	}
	w.d.Verdict = Accept
}

// local follows a packet the host sends itself: OUTPUT and POSTROUTING,
// then, to a local destination, PREROUTING (without NAT) and INPUT on lo.
func (w *walk) local() {
	w.in = ""
	if why := w.routeOut(); why != "" {
		w.unknown(why)
		return
	}
	w.d.Hook = "OUTPUT"
	if !w.runHook(hOutput) {
		return
	}
	if !w.runHook(hPostrouting) {
		return
	}
	if w.out != "lo" {
		w.d.OutIface = w.out
		w.d.Verdict = Accept
		return
	}
	if w.snat {
		w.unknown("a local packet's source NAT in nat POSTROUTING is not modelled")
		return
	}
	w.in, w.out, w.natDone = "lo", "", true
	if !w.runHook(hPrerouting) {
		return
	}
	w.d.Hook = "INPUT"
	if !w.runHook(hInput) {
		return
	}
	w.d.Verdict = Accept
}

// routeOut sets w.out for a local packet: lo to a local address, else the
// connected route.
func (w *walk) routeOut() string {
	if w.r.net.isLocal(w.dst) {
		w.out = "lo"
		return ""
	}
	out, why := w.r.net.route(w.dst)
	w.out = out
	return why
}

// runHook runs every base chain of hook h in priority order; it returns
// false when the packet's fate is decided (drop, reject, unknown).
func (w *walk) runHook(h int) bool {
	w.hook = h
	for i := range w.fam.hooks[h] {
		st := &w.fam.hooks[h][i]
		if (h == hPrerouting || h == hOutput) && w.ct == ctNone && st.prio > conntrackPriority {
			w.ct = ctNew
		}
		if st.native != nil {
			w.d.Path = append(w.d.Path, *st.native)
			w.unknown(st.why)
			return false
		}
		if st.nft != nil {
			switch w.runNFT(st) {
			case outDrop:
				w.d.Verdict = Drop
				return false
			case outReject:
				w.d.Verdict = Reject
				return false
			case outUnknown:
				return false
			}
			continue
		}
		if st.table.name == "nat" && (w.natDone || w.ct == ctUntracked) {
			continue
		}
		dst, dport := w.dst, w.dport
		switch w.runChain(st.table, st.chain) {
		case outNext:
			// A local packet's new destination is routed again at once
			// (nf_nat's local hook): the tables after nat see it.
			if h == hOutput && (dst != w.dst || dport != w.dport) {
				if why := w.routeOut(); why != "" {
					w.unknown(why)
					return false
				}
			}
		case outDrop:
			w.d.Verdict = Drop
			return false
		case outReject:
			w.d.Verdict = Reject
			return false
		case outUnknown:
			return false
		}
	}
	if (h == hPrerouting || h == hOutput) && w.ct == ctNone {
		w.ct = ctNew
	}
	return true
}

// outcome is how a table's traversal for one hook ended.
type outcome uint8

const (
	outNext    outcome = iota // accepted by this table: the next one
	outDrop                   // dropped
	outReject                 // rejected
	outUnknown                // w.d says why
)

// step records a rule on the path.
func (w *walk) step(t *table, c *chain, rl *rule, action string) {
	w.d.Path = append(w.d.Path, Step{Family: w.fam.name, Table: t.name, Chain: c.name, Rule: rl.pos, Text: rl.text, Action: action})
}

// runChain walks the built-in chain base of table t: first match decides,
// jumps push, goto replaces, RETURN pops, the policy ends.
func (w *walk) runChain(t *table, base *chain) outcome {
	type frame struct {
		c *chain
		i int
	}
	var stack [maxJumpDepth]frame
	depth := 0
	c, i := base, 0
	for {
		if i >= len(c.rules) {
			if depth == 0 {
				return w.policy(t, base)
			}
			depth--
			c, i = stack[depth].c, stack[depth].i
			continue
		}
		rl := c.rules[i]
		i++
		if w.visits++; w.visits > maxRuleVisits || len(w.d.Path) >= maxPath {
			w.step(t, c, rl, "unknown")
			w.unknown(fmt.Sprintf("more than %d rules or %d steps on one packet's path (a loop?): %s", maxRuleVisits, maxPath, rl.text))
			return outUnknown
		}
		m, why := rl.match(w)
		if m == no {
			continue
		}
		tg := rl.target
		if m == unk {
			// Nothing in nat POSTROUTING or INPUT can change the verdict
			// (they come after filtering, and the nat table cannot drop or
			// reject): a match there that cannot be told is harmless, like
			// one on a LOG rule (Podman's `-m mark ... -j MASQUERADE`). Not
			// for the host's own packets: their source NAT comes before
			// filter INPUT on lo.
			if tg.kind == tContinue || (t.name == "nat" && !w.localPkt && (w.hook == hPostrouting || w.hook == hInput)) {
				continue
			}
			w.step(t, c, rl, "unknown")
			w.unknown(why + ": " + rl.text)
			return outUnknown
		}
		switch tg.kind {
		case tContinue:
		case tNotrack:
			if t.name == "raw" && w.ct == ctNone {
				w.ct = ctUntracked
			}
		case tAccept:
			w.step(t, c, rl, "accept")
			return outNext
		case tDrop:
			w.step(t, c, rl, "drop")
			return outDrop
		case tReject:
			w.step(t, c, rl, "reject")
			return outReject
		case tReturn:
			w.step(t, c, rl, "return")
			if depth == 0 {
				return w.policy(t, base)
			}
			depth--
			c, i = stack[depth].c, stack[depth].i
		case tJump:
			if depth == maxJumpDepth {
				w.step(t, c, rl, "unknown")
				w.unknown(fmt.Sprintf("jumps nested deeper than %d (the kernel refuses such a ruleset): %s", maxJumpDepth, rl.text))
				return outUnknown
			}
			w.step(t, c, rl, "jump")
			stack[depth] = frame{c, i}
			depth++
			c, i = tg.chain, 0
		case tGoto:
			w.step(t, c, rl, "goto")
			c, i = tg.chain, 0
		case tDNAT, tRedirect:
			if t.name != "nat" || (w.hook != hPrerouting && w.hook != hOutput) {
				w.step(t, c, rl, "unknown")
				w.unknown(fmt.Sprintf("target %s outside nat PREROUTING/OUTPUT: %s", tg.name, rl.text))
				return outUnknown
			}
			dst, port, why := w.natDest(tg)
			if why != "" {
				w.step(t, c, rl, "unknown")
				w.unknown(why + ": " + rl.text)
				return outUnknown
			}
			action := "dnat"
			if tg.kind == tRedirect {
				action = "redirect"
			}
			w.step(t, c, rl, action)
			if dst != w.dst || port != w.dport {
				w.dnat = true
			}
			w.dst, w.dport = dst, port
			return outNext
		case tSNAT:
			if t.name != "nat" || (w.hook != hPostrouting && w.hook != hInput) {
				w.step(t, c, rl, "unknown")
				w.unknown(fmt.Sprintf("target %s outside nat POSTROUTING/INPUT: %s", tg.name, rl.text))
				return outUnknown
			}
			// MASQUERADE of a local packet that stays on lo takes the
			// source the route to the local destination prefers: the
			// destination itself, which the packet has already (the
			// kernel delivers it unchanged: the server connecting to its
			// own docker0 address under dockerd's MASQUERADE).
			if tg.name == "MASQUERADE" && w.localPkt && w.out == "lo" && w.src == w.dst {
				w.step(t, c, rl, "masquerade")
				return outNext
			}
			w.snat = true
			return outNext
		default:
			w.step(t, c, rl, "unknown")
			w.unknown(tg.why + ": " + rl.text)
			return outUnknown
		}
	}
}

// policy ends the built-in chain c: ACCEPT continues (recorded in the
// filter table, where it decides), DROP drops.
func (w *walk) policy(t *table, c *chain) outcome {
	switch c.policy {
	case "ACCEPT", "":
		if t.name == "filter" {
			w.d.Path = append(w.d.Path, Step{Family: w.fam.name, Table: t.name, Chain: c.name, Text: "policy ACCEPT", Action: "accept"})
		}
		return outNext
	case "DROP":
		w.d.Path = append(w.d.Path, Step{Family: w.fam.name, Table: t.name, Chain: c.name, Text: "policy DROP", Action: "drop"})
		return outDrop
	}
	w.d.Path = append(w.d.Path, Step{Family: w.fam.name, Table: t.name, Chain: c.name, Text: "policy " + c.policy, Action: "unknown"})
	w.unknown(fmt.Sprintf("policy %s of %s %s is not modelled", c.policy, t.name, c.name))
	return outUnknown
}

// natDest is the destination a DNAT or REDIRECT target gives the packet.
func (w *walk) natDest(tg *target) (netip.Addr, int, string) {
	port := w.dport
	if tg.port > 0 {
		port = tg.port
	}
	if tg.kind == tDNAT {
		if tg.addr.Is4() != w.v4 {
			return netip.Addr{}, 0, "DNAT to another family"
		}
		return tg.addr, port, ""
	}
	// REDIRECT: to the loopback address for a local packet, else to the
	// incoming interface's primary address.
	if w.hook == hOutput {
		if w.v4 {
			return netip.AddrFrom4([4]byte{127, 0, 0, 1}), port, ""
		}
		return netip.IPv6Loopback(), port, ""
	}
	var cand []netip.Addr
	for _, a := range w.r.net.addrs[w.in] {
		if a.Is4() == w.v4 {
			cand = append(cand, a)
		}
	}
	if len(cand) != 1 {
		return netip.Addr{}, 0, fmt.Sprintf("REDIRECT on %s, which has %d %s addresses (the kernel takes its primary one)", w.in, len(cand), w.fam.name)
	}
	return cand[0], port, ""
}
