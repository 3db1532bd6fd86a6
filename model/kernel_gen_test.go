package model_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// The differential test's configurations: UFW rules as a user types them
// (ufwRule), rendered two ways that must agree: the `ufw` command line, and
// the lines ufw itself writes into user.rules / user6.rules and loads with
// iptables-restore (a port of ufw 0.36's UFWRule.format_rule and
// UFWBackendIptables._get_rules_from_formatted). The test loads most
// configurations the fast way, the rendered lines through
// iptables-restore --noflush, and some through the real ufw command,
// comparing what each leaves in the kernel.

// The testbed's ports: host-network listeners (busybox httpd), ports
// published by dockerd, and ports nothing listens on.
const (
	portWild4  = 8101 // 0.0.0.0
	portWild6  = 8102 // [::] (IPv4 too unless the socket is IPv6-only)
	portLoop   = 8103 // 127.0.0.1
	portAddr   = 8104 // 10.0.0.84
	portUnused = 8105
	portPub    = 8201 // -p 8201:8080
	portPubLo  = 8202 // -p 127.0.0.1:8202:8080
	portPubIP  = 8203 // -p 10.0.0.84:8203:8080
	portFree   = 8301
	// containerPort is what every container's httpd listens on: the port
	// after dockerd's DNAT.
	containerPort = 8080
)

// probePorts are the ports every zone connects to.
var probePorts = []int{portWild4, portWild6, portLoop, portAddr, portUnused, portPub, portPubLo, portPubIP, portFree}

// ufwRule is one rule as `ufw [route] ACTION [in on IF] [out on IF] from
// SRC to DST [port PORTS] [proto PROTO]` takes it.
type ufwRule struct {
	route   bool
	action  string // allow, deny, reject, limit
	in, out string // interfaces, "" for any
	src     string // "any", an address or a network
	dst     string
	ports   string // "", "8101", "8100:8105" or "8101,8103:8105"
	proto   string // "any", "tcp", "udp"
}

// family is the address family the rule's addresses tie it to: "" for
// both (ufw then writes it into user.rules and user6.rules).
func (r ufwRule) family() string {
	for _, a := range []string{r.src, r.dst} {
		if a == "any" {
			continue
		}
		if strings.Contains(a, ":") {
			return "ipv6"
		}
		return "ipv4"
	}
	return ""
}

// multi says whether ufw writes the ports with the multiport match.
func (r ufwRule) multi() bool { return strings.ContainsAny(r.ports, ",:") }

// cli is the rule as ufw's command line.
func (r ufwRule) cli() []string {
	var a []string
	if r.route {
		a = append(a, "route")
	}
	a = append(a, r.action)
	if r.in != "" {
		a = append(a, "in", "on", r.in)
	}
	if r.out != "" {
		a = append(a, "out", "on", r.out)
	}
	a = append(a, "from", r.src, "to", r.dst)
	if r.ports != "" {
		a = append(a, "port", r.ports)
	}
	if r.proto != "any" {
		a = append(a, "proto", r.proto)
	}
	return a
}

func (r ufwRule) String() string { return "ufw " + strings.Join(r.cli(), " ") }

// lines are the rule as ufw writes it for one family (prefix "ufw" or
// "ufw6"): format_rule, then the split of protocol "any" with a port into
// tcp and udp, then the limit expansion.
func (r ufwRule) lines(prefix string) []string {
	var b strings.Builder
	if r.in != "" {
		b.WriteString(" -i " + r.in)
	}
	if r.out != "" {
		b.WriteString(" -o " + r.out)
	}
	if r.proto == "any" {
		b.WriteString(" -p all")
	} else {
		b.WriteString(" -p " + r.proto)
		if r.multi() {
			b.WriteString(" -m multiport --dports " + r.ports)
		}
	}
	if r.dst != "any" {
		b.WriteString(" -d " + r.dst)
	}
	if !r.multi() && r.ports != "" {
		b.WriteString(" --dport " + r.ports)
	}
	if r.src != "any" {
		b.WriteString(" -s " + r.src)
	}
	switch r.action {
	case "allow":
		b.WriteString(" -j ACCEPT")
	case "reject":
		b.WriteString(" -j REJECT")
		if r.proto == "tcp" {
			b.WriteString(" --reject-with tcp-reset")
		}
	case "limit":
		b.WriteString(" -j LIMIT")
	default:
		b.WriteString(" -j DROP")
	}
	chain := prefix + "-user-input"
	if r.route {
		chain = prefix + "-user-forward"
	}
	frule := "-A " + chain + " " + strings.TrimSpace(b.String())

	var snippets []string
	switch {
	case strings.Contains(frule, "-p all ") && strings.Contains(frule, "port "):
		tcp := strings.Replace(frule, "-p all ", "-p tcp ", 1)
		if r.action == "reject" {
			tcp = strings.Replace(tcp, "-j REJECT", "-j REJECT --reject-with tcp-reset", 1)
		}
		snippets = append(snippets, tcp, strings.Replace(frule, "-p all ", "-p udp ", 1))
	case strings.Contains(frule, "-p all "):
		snippets = append(snippets, strings.Replace(frule, "-p all ", "", 1))
	default:
		snippets = append(snippets, frule)
	}
	var out []string
	for _, s := range snippets {
		if !strings.Contains(s, " -j LIMIT") {
			out = append(out, s)
			continue
		}
		out = append(out,
			strings.Replace(s, " -j LIMIT", " -m conntrack --ctstate NEW -m recent --set", 1),
			strings.Replace(s, " -j LIMIT", " -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j "+prefix+"-user-limit", 1),
			strings.Replace(s, " -j LIMIT", " -j "+prefix+"-user-limit-accept", 1))
	}
	return out
}

// ufwDockerRules is the DOCKER-USER block ufw-docker's README has users
// append to /etc/ufw/after.rules (github.com/chaifeng/ufw-docker, "Solving
// UFW and Docker issues"), byte for byte: published ports are then judged
// by ufw's route rules, private sources pass, other new connections to
// private addresses are dropped.
const ufwDockerRules = `# BEGIN UFW AND DOCKER
*filter
:ufw-user-forward - [0:0]
:ufw-docker-logging-deny - [0:0]
:DOCKER-USER - [0:0]
-A DOCKER-USER -j ufw-user-forward

-A DOCKER-USER -j RETURN -s 10.0.0.0/8
-A DOCKER-USER -j RETURN -s 172.16.0.0/12
-A DOCKER-USER -j RETURN -s 192.168.0.0/16

-A DOCKER-USER -p udp -m udp --sport 53 --dport 1024:65535 -j RETURN

-A DOCKER-USER -j ufw-docker-logging-deny -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -d 192.168.0.0/16
-A DOCKER-USER -j ufw-docker-logging-deny -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -d 10.0.0.0/8
-A DOCKER-USER -j ufw-docker-logging-deny -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -d 172.16.0.0/12
-A DOCKER-USER -j ufw-docker-logging-deny -p udp -m udp --dport 0:32767 -d 192.168.0.0/16
-A DOCKER-USER -j ufw-docker-logging-deny -p udp -m udp --dport 0:32767 -d 10.0.0.0/8
-A DOCKER-USER -j ufw-docker-logging-deny -p udp -m udp --dport 0:32767 -d 172.16.0.0/12

-A DOCKER-USER -j RETURN

-A ufw-docker-logging-deny -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW DOCKER BLOCK] "
-A ufw-docker-logging-deny -j DROP

COMMIT
# END UFW AND DOCKER
`

// config is one generated firewall: UFW's default incoming policy, its
// rules in order, and whether ufw-docker's DOCKER-USER block is installed.
type config struct {
	seed      int
	policy    string // deny, reject, allow (ufw default ... incoming)
	rules     []ufwRule
	ufwDocker bool
}

// describe lists the configuration as the commands that make it.
func (c config) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  ufw default %s incoming\n", c.policy)
	for _, r := range c.rules {
		fmt.Fprintf(&b, "  %s\n", r)
	}
	if c.ufwDocker {
		b.WriteString("  + ufw-docker's DOCKER-USER block in after.rules\n")
	}
	return b.String()
}

// restore is the iptables-restore --noflush input (family "ipv4" or
// "ipv6") that leaves the kernel as ufw would: the user chains refilled,
// the default policy's chains (ufw-init's reject, track and
// skip-to-policy rules and the INPUT policy), and DOCKER-USER with either
// dockerd's lone RETURN or ufw-docker's block.
func (c config) restore(fam string) []byte {
	prefix := "ufw"
	if fam == "ipv6" {
		prefix = "ufw6"
	}
	policy := map[string]string{"deny": "DROP", "reject": "REJECT", "allow": "ACCEPT"}[c.policy]
	builtin := policy
	if builtin == "REJECT" {
		builtin = "DROP"
	}
	var b strings.Builder
	b.WriteString("*filter\n")
	fmt.Fprintf(&b, ":INPUT %s [0:0]\n", builtin)
	for _, ch := range []string{"user-input", "user-forward", "reject-input", "track-input", "skip-to-policy-input"} {
		fmt.Fprintf(&b, ":%s-%s - [0:0]\n", prefix, ch)
	}
	if fam == "ipv4" {
		b.WriteString(":DOCKER-USER - [0:0]\n:ufw-docker-logging-deny - [0:0]\n")
	}
	for _, r := range c.rules {
		if f := r.family(); f == "" || f == fam {
			for _, l := range r.lines(prefix) {
				b.WriteString(l + "\n")
			}
		}
	}
	switch policy {
	case "REJECT":
		fmt.Fprintf(&b, "-A %s-reject-input -j REJECT\n", prefix)
	case "ACCEPT":
		fmt.Fprintf(&b, "-A %[1]s-track-input -p tcp -m conntrack --ctstate NEW -j ACCEPT\n-A %[1]s-track-input -p udp -m conntrack --ctstate NEW -j ACCEPT\n", prefix)
	}
	fmt.Fprintf(&b, "-A %s-skip-to-policy-input -j %s\n", prefix, policy)
	if fam == "ipv4" {
		if c.ufwDocker {
			for _, l := range strings.Split(ufwDockerRules, "\n") {
				if strings.HasPrefix(l, "-A ") {
					b.WriteString(l + "\n")
				}
			}
		} else {
			b.WriteString("-A DOCKER-USER -j RETURN\n")
		}
	}
	b.WriteString("COMMIT\n")
	return []byte(b.String())
}

// Addresses the rules choose from: the zones' own networks and hosts, a
// network nobody probes from, and the server's addresses.
var (
	srcs4 = []string{"10.0.0.0/24", "10.0.0.80", "10.0.0.0/8", "192.0.2.0/24", "192.0.2.10", "198.51.100.0/24", "203.0.113.7"}
	srcs6 = []string{"fd00::/64", "fd00::80", "2001:db8:2::/64", "2001:db8:2::10", "2001:db8:99::/48", "fd00::/8"}
	dsts4 = []string{"10.0.0.84", "192.0.2.1", "172.17.0.1", "10.0.0.0/24"}
	dsts6 = []string{"fd00::84", "2001:db8:2::1"}
)

// limitBudget bounds the connections per source that may pass a limit
// rule's `recent --set` in one configuration: ufw rejects the 6th within
// 30 s, and the model (rightly) takes no account of earlier packets, so a
// configuration stays below that, with room for the retries of a probe.
const limitBudget = 5 - retries

// remoteDsts4 and remoteDsts6 count the server's addresses a remote zone
// probes (eth0, eth1 and docker0's for IPv4).
const (
	remoteDsts4 = 3
	remoteDsts6 = 2
)

// viaUFW says whether configuration seed is loaded through the real ufw
// command too (every cliEvery-th), which proves the generated forms.
func viaUFW(seed int) bool { return seed%cliEvery == cliEvery/2 }

// ufwForms are rule forms random configurations may lack, on ports no zone
// probes (they change no outcome, except those without a port); each
// configuration loaded through ufw carries two of them, so that ufw itself
// proves every form the generator writes.
var ufwForms = []ufwRule{
	{action: "limit", src: "any", dst: "any", ports: "2222", proto: "any"},
	{action: "limit", src: "fd00::/64", dst: "any", ports: "2223", proto: "tcp"},
	{action: "reject", src: "any", dst: "any", ports: "2224", proto: "any"},
	{action: "reject", src: "any", dst: "any", ports: "2225:2230", proto: "udp"},
	{action: "deny", src: "203.0.113.0/24", dst: "any", proto: "any"},
	{action: "allow", in: "eth1", src: "any", dst: "any", ports: "2231,2233:2235", proto: "tcp"},
	{route: true, action: "limit", in: "eth1", out: "docker0", src: "any", dst: "172.17.0.0/16", ports: "2236", proto: "tcp"},
	{route: true, action: "reject", src: "192.0.2.0/24", dst: "any", ports: "2237", proto: "any"},
	{action: "allow", src: "any", dst: "fd00::84", ports: "2238", proto: "tcp"},
	{action: "deny", src: "192.0.2.10", dst: "10.0.0.84", ports: "2239", proto: "udp"},
	{action: "reject", in: "eth0", src: "198.51.100.0/24", dst: "any", proto: "tcp"},
	{action: "limit", src: "10.0.0.0/24", dst: "any", ports: "2240", proto: "udp"},
	{route: true, action: "deny", out: "docker0", src: "2001:db8:99::/48", dst: "any", ports: "2241", proto: "any"},
	{action: "allow", in: "eth0", src: "fd00::80", dst: "any", ports: "2242:2244", proto: "tcp"},
}

// generate makes configuration seed: deterministic for the seed.
func generate(seed int, containers []netip.Addr) config {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6d6c7363616e))
	c := config{seed: seed}
	switch x := rng.IntN(4); x {
	case 0, 1:
		c.policy = "deny"
	case 2:
		c.policy = "reject"
	default:
		c.policy = "allow"
	}
	c.ufwDocker = rng.IntN(3) == 0
	hits := map[string]int{"ipv4": 0, "ipv6": 0}
	seen := map[string]bool{}
	nIn, nRoute := rng.IntN(9), rng.IntN(3)
	if c.ufwDocker {
		nRoute += 1 + rng.IntN(2)
	}
	if viaUFW(seed) {
		// Each ufw command costs a Python start and capability probes:
		// keep these short, ufwForms brings the variety; and let ufw set
		// each default policy, with and without ufw-docker's block.
		k := seed / cliEvery
		nIn, nRoute = min(nIn, 2), min(nRoute, 1)
		c.policy, c.ufwDocker = []string{"deny", "reject", "allow"}[k%3], k%2 == 1
	}
	for len(c.rules) < nIn+nRoute {
		route := len(c.rules) >= nIn
		var r ufwRule
		if route {
			r = routeRule(rng, containers)
		} else {
			r = inputRule(rng)
		}
		if r.action == "limit" {
			if cost := limitCost(r); hits["ipv4"]+cost["ipv4"] > limitBudget || hits["ipv6"]+cost["ipv6"] > limitBudget {
				r.action = []string{"allow", "deny", "reject"}[rng.IntN(3)]
			} else {
				hits["ipv4"] += cost["ipv4"]
				hits["ipv6"] += cost["ipv6"]
			}
		}
		// ufw skips a rule it already has.
		if k := r.String(); !seen[k] {
			seen[k] = true
			c.rules = append(c.rules, r)
		}
	}
	if viaUFW(seed) {
		k := seed / cliEvery * 2
		for _, r := range []ufwRule{ufwForms[k%len(ufwForms)], ufwForms[(k+1)%len(ufwForms)]} {
			if !seen[r.String()] {
				c.rules = append(c.rules, r)
			}
		}
	}
	return c
}

// source picks a rule's source: one of the list, or (one time in four) a
// random network around one of the zones' addresses, which may or may not
// hold it, written as ufw writes it (a network address; a host without
// its /32 or /128).
func source(rng *rand.Rand, list []string, zones ...string) string {
	if rng.IntN(4) > 0 {
		return list[rng.IntN(len(list))]
	}
	a := netip.MustParseAddr(zones[rng.IntN(len(zones))])
	bits := 1 + rng.IntN(a.BitLen())
	b := a.AsSlice()
	b[rng.IntN(len(b))] ^= byte(1 << rng.IntN(8)) // perhaps outside the zone
	a, _ = netip.AddrFromSlice(b)
	p := netip.PrefixFrom(a, bits).Masked()
	if bits == a.BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

// action picks a rule's action.
func action(rng *rand.Rand) string {
	switch x := rng.IntN(20); {
	case x < 8:
		return "allow"
	case x < 13:
		return "deny"
	case x < 17:
		return "reject"
	}
	return "limit"
}

// inputRule makes a rule for ufw-user-input.
func inputRule(rng *rand.Rand) ufwRule {
	r := ufwRule{action: action(rng), src: "any", dst: "any", proto: "any"}
	fam := []string{"", "", "ipv4", "ipv6"}[rng.IntN(4)]
	if fam != "" && rng.IntN(3) > 0 {
		if fam == "ipv4" {
			r.src = source(rng, srcs4, "10.0.0.80", "192.0.2.10")
		} else {
			r.src = source(rng, srcs6, "fd00::80", "2001:db8:2::10")
		}
	}
	if fam != "" && (r.src == "any" || rng.IntN(4) == 0) {
		if fam == "ipv4" {
			r.dst = dsts4[rng.IntN(len(dsts4))]
		} else {
			r.dst = dsts6[rng.IntN(len(dsts6))]
		}
	}
	switch rng.IntN(7) {
	case 0:
		r.in = "eth0"
	case 1:
		r.in = "eth1"
	}
	r.ports, r.proto = ports(rng, r.src != "any" || r.dst != "any" || r.in != "")
	return r
}

// routeRule makes a rule for ufw-user-forward, the way ufw-docker's
// README has users open a published port (`ufw route allow proto tcp from
// any to CONTAINER port 8080`) and the ways users get it wrong (the
// published port instead of the container's).
func routeRule(rng *rand.Rand, containers []netip.Addr) ufwRule {
	r := ufwRule{route: true, action: action(rng), src: "any", dst: "any", proto: "tcp"}
	switch rng.IntN(4) {
	case 0:
		r.src = source(rng, srcs4, "10.0.0.80", "192.0.2.10")
	case 1:
		r.dst = containers[rng.IntN(len(containers))].String()
	case 2:
		r.dst = "172.17.0.0/16"
	}
	switch rng.IntN(6) {
	case 0:
		r.in = "eth0"
	case 1:
		r.in = "eth1"
	case 2:
		r.out = "docker0"
	}
	switch rng.IntN(6) {
	case 0, 1, 2:
		r.ports = strconv.Itoa(containerPort)
	case 3:
		r.ports = strconv.Itoa([]int{portPub, portPubIP}[rng.IntN(2)])
	case 4:
		r.ports = "8000:8100"
	default:
		if r.src == "any" && r.dst == "any" && r.in == "" && r.out == "" {
			r.ports = strconv.Itoa(containerPort)
		}
		r.proto = []string{"any", "tcp", "udp"}[rng.IntN(3)]
	}
	if r.proto == "any" && r.multi() {
		r.proto = "tcp"
	}
	return r
}

// ports picks the ports and protocol of a rule; without a port only when
// the rule has something else to match (canBeEmpty).
func ports(rng *rand.Rand, canBeEmpty bool) (string, string) {
	proto := []string{"tcp", "tcp", "tcp", "any", "any", "udp"}[rng.IntN(6)]
	pick := func() int {
		if rng.IntN(5) == 0 {
			return 8090 + rng.IntN(230)
		}
		return probePorts[rng.IntN(len(probePorts))]
	}
	x := rng.IntN(20)
	switch {
	case x < 2 && canBeEmpty:
		return "", proto
	case x < 14:
		return strconv.Itoa(pick()), proto
	case x < 17:
		lo := pick() - rng.IntN(4)
		return fmt.Sprintf("%d:%d", lo, lo+1+rng.IntN(6)), multiProto(rng)
	}
	// A list: singles and at most one range, ascending, not overlapping.
	var set []int
	for n := 2 + rng.IntN(3); len(set) < n; {
		if p := pick(); !slices.Contains(set, p) {
			set = append(set, p)
		}
	}
	slices.Sort(set)
	var parts []string
	for i, p := range set {
		if i == len(set)-1 && rng.IntN(2) == 0 && (i == 0 || set[i-1] < p) {
			parts = append(parts, fmt.Sprintf("%d:%d", p, p+1+rng.IntN(3)))
			continue
		}
		parts = append(parts, strconv.Itoa(p))
	}
	return strings.Join(parts, ","), multiProto(rng)
}

// multiProto picks the protocol of a multiport rule: ufw requires one.
func multiProto(rng *rand.Rand) string {
	if rng.IntN(5) == 0 {
		return "udp"
	}
	return "tcp"
}

// limitCost bounds, per family, how many probes from one source can pass
// the rule's `recent --set`: those to a port it covers, at each address
// it covers. A route rule sees the connections dockerd forwards to a
// container (the published ports at every address, or 10.0.0.84 only).
func limitCost(r ufwRule) map[string]int {
	cost := map[string]int{}
	if r.proto == "udp" {
		return cost
	}
	if r.route {
		if r.ports == "" || covers(r.ports, containerPort) {
			cost["ipv4"] = remoteDsts4 + 1
		}
		return cost
	}
	n := 0
	for _, p := range probePorts {
		if r.ports == "" || covers(r.ports, p) {
			n++
		}
	}
	for fam, dsts := range map[string]int{"ipv4": remoteDsts4, "ipv6": remoteDsts6} {
		if f := r.family(); f != "" && f != fam {
			continue
		}
		if r.dst != "any" && !strings.Contains(r.dst, "/") {
			dsts = 1
		}
		cost[fam] = n * dsts
	}
	return cost
}

// covers says whether port is in a ufw port list ("8101,8103:8105").
func covers(list string, port int) bool {
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		if !isRange {
			hi = lo
		}
		l, _ := strconv.Atoi(lo)
		h, _ := strconv.Atoi(hi)
		if port >= l && port <= h {
			return true
		}
	}
	return false
}
