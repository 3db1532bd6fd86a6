package model_test

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlscan/mlscan/collectors"
	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/model"
	"github.com/mlscan/mlscan/snapshot"
)

// The differential test (issue #13, "Proven against the kernel"): the
// packet-path model against the real kernel. One testbed (server, LAN
// peer and outside host, both address families, UFW enabled as
// documented, a real dockerd with published containers, host listeners)
// takes hundreds of seeded random firewall configurations; for each, the
// real collector reads the kernel's ruleset, the model predicts every
// (zone, server address, port), and a real TCP connect from that zone
// says what the kernel does. Any difference is a failure naming the
// seed; a seed that once disagreed stays in
// testdata/kernel-regressions.txt and runs first.

// Knobs of the run.
const (
	defaultSeeds = 300                    // configurations, MLSCAN_DIFF_SEEDS overrides
	cliEvery     = 30                     // every 30th configuration goes through the ufw command
	probeTimeout = 250 * time.Millisecond // a connect that has not finished is a drop
	retries      = 2                      // more connects after an unpredicted timeout
	applyTimeout = 20 * time.Second       // loading or collecting one configuration
	cliTimeout   = 3 * time.Minute        // one configuration through ufw
	regressions  = "testdata/kernel-regressions.txt"
	maxReported  = 8 // disagreements printed per configuration, MLSCAN_DIFF_REPORT overrides
)

// outcome is what a connect observes, or what the model predicts: the
// probe's outcome, a refusal told apart by how it came (a TCP reset from a
// closed port or REJECT --reject-with tcp-reset, or the ICMP error of a
// plain REJECT), and unknown for a model that could not decide.
type outcome string

const (
	oConnected outcome = "connected"
	oReset     outcome = "refused by a reset"
	oICMP      outcome = "refused by ICMP"
	oTimeout   outcome = "timeout"
	oError     outcome = "error"
	oUnknown   outcome = "unknown"
)

// observed is the outcome of a probe.
func observed(r testbed.ProbeResult) outcome {
	switch r.Outcome {
	case testbed.Connected:
		return oConnected
	case testbed.Refused:
		if r.ByICMP {
			return oICMP
		}
		return oReset
	case testbed.Timeout:
		return oTimeout
	}
	return oError
}

func TestKernelAgreesWithModel(t *testing.T) {
	// iptables brings the -save and -restore commands, iproute2 (ip) ss.
	testbed.Require(t, "ip", "ufw", "iptables", "ip6tables", "dockerd", "docker", "nsenter", "busybox")
	start := time.Now()
	// Two testbeds side by side: the configurations loaded through the
	// ufw command (seconds each, mostly ufw's own work) on one, all the
	// others on the other (a quarter of a second each, mostly waiting for
	// dropped connects to time out).
	var viaCLI, fast []int
	for _, s := range seedList(t) {
		if viaUFW(s) {
			viaCLI = append(viaCLI, s)
		} else {
			fast = append(fast, s)
		}
	}
	var (
		mu    sync.Mutex
		total = newStats()
	)
	t.Cleanup(func() {
		// A testbed that cannot show every outcome proves nothing about
		// the verdicts it never saw (no listener answering, nothing dropped).
		if total.configs >= 30 {
			for _, o := range []outcome{oConnected, oReset, oICMP, oTimeout} {
				if total.byObserved[o] == 0 {
					t.Errorf("no connect in %d configurations was %s: the testbed does not exercise that verdict", total.configs, o)
				}
			}
		}
		total.log(t, "differential test", time.Since(start))
	})
	for _, part := range []struct {
		name  string
		seeds []int
	}{{"ufw", viaCLI}, {"restore", fast}} {
		if len(part.seeds) == 0 {
			continue
		}
		t.Run(part.name, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			bed := newKernelBed(t)
			t.Logf("testbed ready in %s: %d zones, ports %v", time.Since(begin).Round(time.Millisecond), len(bed.zones), probePorts)
			st := newStats()
			for _, seed := range part.seeds {
				bed.run(t, seed, st)
				if t.Failed() && st.failedConfigs >= 20 {
					t.Errorf("stopping after %d configurations that disagree", st.failedConfigs)
					break
				}
			}
			st.log(t, part.name, time.Since(begin))
			mu.Lock()
			total.add(st)
			mu.Unlock()
		})
	}
}

// stats are the run's figures.
type stats struct {
	configs, cliConfigs, pairs, disagreements, failedConfigs, retried int
	slow                                                              int // retried timeouts that answered
	byObserved, byPredicted                                           map[outcome]int
	// Time spent loading rules (fast and through ufw), probing (with the
	// collector running alongside) and in the model.
	apply, cli, probe, model time.Duration
	probeOnly, collect       time.Duration // the two halves of probe
}

func newStats() *stats {
	return &stats{byObserved: map[outcome]int{}, byPredicted: map[outcome]int{}}
}

// add adds o's figures to st's.
func (st *stats) add(o *stats) {
	st.configs += o.configs
	st.cliConfigs += o.cliConfigs
	st.pairs += o.pairs
	st.disagreements += o.disagreements
	st.failedConfigs += o.failedConfigs
	st.retried += o.retried
	st.slow += o.slow
	for k, v := range o.byObserved {
		st.byObserved[k] += v
	}
	for k, v := range o.byPredicted {
		st.byPredicted[k] += v
	}
	st.apply += o.apply
	st.cli += o.cli
	st.probe += o.probe
	st.model += o.model
	st.probeOnly += o.probeOnly
	st.collect += o.collect
}

// log logs the figures.
func (st *stats) log(t *testing.T, what string, took time.Duration) {
	t.Helper()
	t.Logf("%s: %d configurations (%d through the ufw command, their kernel rules identical to the generated ones), "+
		"%d (zone, dst, port) pairs compared; observed %s; model %s; %d disagreements in %d configurations "+
		"(%d connects retried after a timeout the model did not predict, %d of them answered); "+
		"loading %s, through ufw %s, probing and collecting %s (probes %s, collector %s), model %s; %s in all",
		what, st.configs, st.cliConfigs, st.pairs, counts(st.byObserved), counts(st.byPredicted), st.disagreements, st.failedConfigs,
		st.retried, st.slow, st.apply.Round(time.Millisecond), st.cli.Round(time.Millisecond),
		st.probe.Round(time.Millisecond), st.probeOnly.Round(time.Millisecond), st.collect.Round(time.Millisecond),
		st.model.Round(time.Millisecond), took.Round(time.Millisecond))
}

func counts(m map[outcome]int) string {
	var parts []string
	for _, o := range []outcome{oConnected, oReset, oICMP, oTimeout, oError, oUnknown} {
		if m[o] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", o, m[o]))
		}
	}
	return strings.Join(parts, ", ")
}

// seedList is the regression seeds, then 0..N-1 (MLSCAN_DIFF_SEEDS=N, 300
// by default), each once; MLSCAN_DIFF_ONLY=3,45 runs just those seeds (to
// look at one again).
func seedList(t *testing.T) []int {
	t.Helper()
	if v := os.Getenv("MLSCAN_DIFF_ONLY"); v != "" {
		var seeds []int
		for _, f := range strings.Split(v, ",") {
			s, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || s < 0 {
				t.Fatalf("MLSCAN_DIFF_ONLY=%q: want seeds separated by commas", v)
			}
			seeds = append(seeds, s)
		}
		return seeds
	}
	n := defaultSeeds
	if v := os.Getenv("MLSCAN_DIFF_SEEDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			t.Fatalf("MLSCAN_DIFF_SEEDS=%q: want a count", v)
		}
	}
	f, err := os.Open(regressions)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var seeds []int
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		s, err := strconv.Atoi(strings.Fields(l)[0])
		if err != nil || s < 0 {
			t.Fatalf("%s:%d: want a seed first: %q", regressions, line, l)
		}
		if !slices.Contains(seeds, s) {
			seeds = append(seeds, s)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for s := range n {
		if !slices.Contains(seeds, s) {
			seeds = append(seeds, s)
		}
	}
	return seeds
}

// zone is where connections come from: the server itself (loopback), the
// LAN peer on eth0 or the outside host on eth1, one address family each.
type zone struct {
	name, ns, fam string
	src           netip.Addr // zero for the server itself: the kernel uses the destination
	iface         string     // the server's interface the packets arrive on
	local         bool
	dsts          []netip.Addr
}

// kernelBed is one testbed, for a series of configurations.
type kernelBed struct {
	h, out     *testbed.Host
	ifs        []snapshot.Interface
	zones      []zone
	containers []netip.Addr // each runs httpd on containerPort
	sockets    []listenSock
	lastReset  time.Time // ufw reset refuses two in the same second
	procs      []*testbed.Proc
}

// newKernelBed builds the testbed: server 10.0.0.84 + fd00::84 (eth0) and
// 192.0.2.1 + 2001:db8:2::1 (eth1), UFW enabled as documented, dockerd
// with three containers published on 0.0.0.0, 127.0.0.1 and 10.0.0.84,
// and host listeners on the wildcards, loopback and 10.0.0.84.
func newKernelBed(t *testing.T) *kernelBed {
	t.Helper()
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	out := testbed.NewOutside(t, h)
	testbed.DualStack(t, h, out)
	b := &kernelBed{h: h, out: out}
	// The kernel rate-limits the ICMP errors of REJECT per destination
	// (burst 6, then one a second): a refused connect would turn into a
	// timeout. Off, in the server's namespace only.
	for _, kv := range []string{"net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0", "net.ipv4.icmp_msgs_per_sec=100000", "net.ipv4.icmp_msgs_burst=100000"} {
		if _, errOut, err := testbed.NSCommand(context.Background(), h.NS, nil, "sysctl", "-qw", kv); err != nil {
			t.Logf("sysctl %s: %v: %s", kv, err, errOut)
		}
	}
	h.ApplyDocumentedUFW(t)
	d := h.StartDockerd(t)
	www := t.TempDir()
	for _, c := range []struct{ name, publish string }{
		{"pub", fmt.Sprintf("%d:%d", portPub, containerPort)},
		{"publo", fmt.Sprintf("127.0.0.1:%d:%d", portPubLo, containerPort)},
		{"pubip", fmt.Sprintf("%s:%d:%d", h.IP, portPubIP, containerPort)},
	} {
		d.Run(t, c.name, "-p", c.publish, testbed.PodmanImage, "httpd", "-f", "-p", strconv.Itoa(containerPort), "-h", "/")
		ip, err := netip.ParseAddr(d.Docker(t, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", c.name))
		if err != nil {
			t.Fatalf("container %s: %v", c.name, err)
		}
		b.containers = append(b.containers, ip)
	}
	for _, l := range []string{
		fmt.Sprintf("0.0.0.0:%d", portWild4),
		fmt.Sprintf("[::]:%d", portWild6),
		fmt.Sprintf("127.0.0.1:%d", portLoop),
		fmt.Sprintf("%s:%d", h.IP, portAddr),
	} {
		b.procs = append(b.procs, h.Start(t, "busybox", "httpd", "-f", "-p", l, "-h", www))
	}
	for _, p := range []int{portWild4, portWild6, portLoop, portAddr, portPub, portPubLo, portPubIP} {
		h.WaitListen(t, p)
	}
	b.sockets = listening(t, h.NS)
	var ls []string
	for _, s := range b.sockets {
		a := netip.AddrPortFrom(s.addr, s.port).String()
		if s.dualStack {
			a += " (IPv4 too)"
		}
		ls = append(ls, a)
	}
	t.Logf("listeners: %s; containers %v listen on %d", strings.Join(ls, ", "), b.containers, containerPort)
	b.ifs = interfaces(t, h.NS)
	b.zones = zones(t, h, out, b.ifs)
	return b
}

// listenSock is a TCP listener of the server: its address (unspecified
// for a wildcard), and whether a [::] one takes IPv4 too.
type listenSock struct {
	addr      netip.Addr
	port      uint16
	dualStack bool
}

// listening reads the server's TCP listeners with ss: "*:P" is a [::]
// socket that takes IPv4 too, "[::]:P" one that is IPv6-only.
func listening(t *testing.T, ns string) []listenSock {
	t.Helper()
	out, errOut, err := testbed.NSCommand(context.Background(), ns, nil, "ss", "-Hltn")
	if err != nil {
		t.Fatalf("ss -Hltn: %v: %s", err, errOut)
	}
	var socks []listenSock
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		local := f[3]
		i := strings.LastIndexByte(local, ':')
		port, err := strconv.ParseUint(local[i+1:], 10, 16)
		if i < 0 || err != nil {
			t.Fatalf("ss: %q", line)
		}
		host := strings.Trim(local[:i], "[]")
		s := listenSock{port: uint16(port)}
		switch host {
		case "*":
			s.addr, s.dualStack = netip.IPv6Unspecified(), true
		default:
			host, _, _ = strings.Cut(host, "%") // a link-local socket's zone
			a, err := netip.ParseAddr(host)
			if err != nil {
				t.Fatalf("ss: %q: %v", line, err)
			}
			s.addr = a.Unmap()
		}
		socks = append(socks, s)
	}
	return socks
}

// listensOn says whether a server socket or a container takes a
// connection to dst.
func (b *kernelBed) listensOn(dst netip.AddrPort) bool {
	if slices.Contains(b.containers, dst.Addr()) {
		return dst.Port() == containerPort
	}
	for _, s := range b.sockets {
		if s.port != dst.Port() {
			continue
		}
		switch {
		case s.addr == dst.Addr():
			return true
		case s.addr.IsUnspecified() && s.addr.Is4() == dst.Addr().Is4():
			return true
		case s.addr.IsUnspecified() && s.dualStack && dst.Addr().Is4():
			return true
		}
	}
	return false
}

// interfaces reads the server's interfaces that are up, with their
// addresses as prefixes, sorted (what the snapshot's host.interfaces
// holds), from `ip -j addr`.
func interfaces(t *testing.T, ns string) []snapshot.Interface {
	t.Helper()
	out, errOut, err := testbed.NSCommand(context.Background(), ns, nil, "ip", "-j", "addr", "show")
	if err != nil {
		t.Fatalf("ip -j addr: %v: %s", err, errOut)
	}
	ifs, err := parseIPAddr(out)
	if err != nil {
		t.Fatalf("ip -j addr: %v", err)
	}
	return ifs
}

// zones lists the sources: the server itself, the LAN peer on eth0 and the
// outside host on eth1, each in both families, with every server address
// of that family it can reach (not loopback from another host; not
// link-local, which needs a zone).
func zones(t *testing.T, h, out *testbed.Host, ifs []snapshot.Interface) []zone {
	t.Helper()
	byFam := map[string][]netip.Addr{}
	for _, ifc := range ifs {
		for _, p := range ifc.Addresses {
			a := netip.MustParsePrefix(p).Addr()
			if a.IsLinkLocalUnicast() {
				continue
			}
			byFam[famOf(a)] = append(byFam[famOf(a)], a)
		}
	}
	remote := func(fam string) []netip.Addr {
		var out []netip.Addr
		for _, a := range byFam[fam] {
			if !a.IsLoopback() {
				out = append(out, a)
			}
		}
		return out
	}
	must := netip.MustParseAddr
	zs := []zone{
		{name: "loopback", ns: h.NS, fam: "ipv4", iface: "lo", local: true, dsts: byFam["ipv4"]},
		{name: "loopback", ns: h.NS, fam: "ipv6", iface: "lo", local: true, dsts: byFam["ipv6"]},
		{name: "lan", ns: h.Peer.NS, fam: "ipv4", src: must(h.Peer.IP), iface: "eth0", dsts: remote("ipv4")},
		{name: "lan", ns: h.Peer.NS, fam: "ipv6", src: must(strings.Split(testbed.PeerAddr6, "/")[0]), iface: "eth0", dsts: remote("ipv6")},
		{name: "outside", ns: out.NS, fam: "ipv4", src: must(out.IP), iface: "eth1", dsts: remote("ipv4")},
		{name: "outside", ns: out.NS, fam: "ipv6", src: must(strings.Split(testbed.OutsideAddr6, "/")[0]), iface: "eth1", dsts: remote("ipv6")},
	}
	for _, z := range zs {
		if len(z.dsts) == 0 {
			t.Fatalf("zone %s %s: no server address to connect to (%+v)", z.name, z.fam, ifs)
		}
	}
	if n := len(remote("ipv4")); n != remoteDsts4 {
		t.Fatalf("the server has %d IPv4 addresses a remote zone probes, the limit budget assumes %d: %v", n, remoteDsts4, remote("ipv4"))
	}
	if n := len(remote("ipv6")); n != remoteDsts6 {
		t.Fatalf("the server has %d IPv6 addresses a remote zone probes, the limit budget assumes %d: %v", n, remoteDsts6, remote("ipv6"))
	}
	return zs
}

func famOf(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "ipv4"
	}
	return "ipv6"
}

// pair is one (zone, destination, port) of a configuration.
type pair struct {
	z        *zone
	dst      netip.AddrPort
	decision model.Decision
	predict  outcome
	observed testbed.ProbeResult
}

// run applies configuration seed, captures and models it, probes every
// pair and compares.
func (b *kernelBed) run(t *testing.T, seed int, st *stats) {
	t.Helper()
	c := generate(seed, b.containers)
	ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
	defer cancel()
	t0 := time.Now()
	if err := b.applyFast(ctx, c); err != nil {
		t.Fatalf("seed %d: %v\n%s", seed, err, c.describe())
	}
	st.apply += time.Since(t0)
	if viaUFW(seed) {
		t0 = time.Now()
		cliCtx, cliCancel := context.WithTimeout(context.Background(), cliTimeout)
		b.applyCLI(t, cliCtx, c)
		cliCancel()
		st.cliConfigs++
		st.cli += time.Since(t0)
	}
	if err := testbed.ClearRecent(b.h.NS); err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), applyTimeout)
	defer cancel()
	t0 = time.Now()

	// The ruleset and the probes at the same time: probes do not change
	// the rules (only the recent lists, within the budget).
	var (
		wg  sync.WaitGroup
		nf  *snapshot.NetfilterSection
		cer error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t0 := time.Now()
		defer func() { st.collect += time.Since(t0) }()
		sec, err := (&collectors.Netfilter{}).Collect(ctx, &collectors.Env{Root: "/", IsRoot: true, Run: testbed.NSRunner(b.h.NS)})
		if err != nil {
			cer = err
			return
		}
		nf = sec.(*snapshot.NetfilterSection)
	}()
	pairs := b.pairs()
	tp := time.Now()
	probe(t, pairs, probeTimeout)
	st.probeOnly += time.Since(tp)
	wg.Wait()
	if cer != nil {
		t.Fatalf("seed %d: netfilter collector: %v", seed, cer)
	}
	st.probe += time.Since(t0)

	t0 = time.Now()
	rs := model.NewRuleset(nf, b.ifs)
	var retry []*pair
	for _, p := range pairs {
		pk := packet(p.z, p.dst)
		p.decision = rs.Decide(pk)
		p.predict = b.predict(p.decision)
		if p.predict != observed(p.observed) && p.observed.Outcome == testbed.Timeout {
			retry = append(retry, p)
		}
	}
	st.model += time.Since(t0)
	// A timeout the model did not predict gets up to retries fresh
	// connects: a listener whose accept queue is full (busybox httpd
	// listens with a backlog of 9, and up to 17 probes reach one port at
	// once) drops the SYN, and a loaded machine can be slow. The kernel's
	// answer to a SYN its rules drop does not change between tries.
	for try := 0; try < retries && len(retry) > 0; try++ {
		st.retried += len(retry)
		// The earlier connects are hits in ufw's limit lists: start them
		// afresh, as the model assumes a first connection (on a loaded
		// machine many retries from one source would pass the hit count).
		if err := testbed.ClearRecent(b.h.NS); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		probe(t, retry, probeTimeout)
		var again []*pair
		for _, p := range retry {
			if p.observed.Outcome == testbed.Timeout {
				again = append(again, p)
				continue
			}
			st.slow++
			if st.slow <= 3 {
				t.Logf("seed %d: %s %s → %s timed out, then %s on try %d (model: %s by %s)", seed, p.z.name, p.z.fam, p.dst,
					observed(p.observed), try+2, p.decision.Verdict, lastStep(p.decision))
			}
		}
		retry = again
	}

	st.configs++
	for _, p := range b.procs {
		if p.Exited() {
			t.Fatalf("seed %d: listener %s has exited: %s", seed, strings.Join(p.Args, " "), p.Output())
		}
	}
	var bad []*pair
	for _, p := range pairs {
		st.pairs++
		st.byObserved[observed(p.observed)]++
		st.byPredicted[p.predict]++
		if p.predict != observed(p.observed) {
			bad = append(bad, p)
		}
	}
	if len(bad) == 0 {
		return
	}
	st.disagreements += len(bad)
	st.failedConfigs++
	var msg strings.Builder
	fmt.Fprintf(&msg, "seed %d: the model disagrees with the kernel on %d of %d (zone, dst, port); configuration:\n%s", seed, len(bad), len(pairs), c.describe())
	limit := maxReported
	if n, err := strconv.Atoi(os.Getenv("MLSCAN_DIFF_REPORT")); err == nil {
		limit = n
	}
	for i, p := range bad {
		if i == limit {
			fmt.Fprintf(&msg, "  ... and %d more\n", len(bad)-i)
			break
		}
		obs := string(observed(p.observed))
		if p.observed.Err != "" {
			obs += " (" + p.observed.Err + ")"
		}
		fmt.Fprintf(&msg, "  %s %s → %s: kernel %s, model %s (%s → %s): %s\n    path: %s\n",
			p.z.name, p.z.fam, p.dst, obs, p.predict, p.decision.Verdict, p.decision.Dst, p.decision.Reason, pathText(p.decision))
	}
	t.Error(msg.String())
}

// pairs lists every (zone, destination, port) of the bed.
func (b *kernelBed) pairs() []*pair {
	var ps []*pair
	for i := range b.zones {
		z := &b.zones[i]
		for _, d := range z.dsts {
			for _, port := range probePorts {
				ps = append(ps, &pair{z: z, dst: netip.AddrPortFrom(d, uint16(port))})
			}
		}
	}
	return ps
}

// probe connects to every pair's destination from its zone, one
// concurrent batch per namespace, and records the outcome.
func probe(t *testing.T, pairs []*pair, timeout time.Duration) {
	t.Helper()
	byNS := map[string][]*pair{}
	var order []string
	for _, p := range pairs {
		if _, ok := byNS[p.z.ns]; !ok {
			order = append(order, p.z.ns)
		}
		byNS[p.z.ns] = append(byNS[p.z.ns], p)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(order))
	for i, ns := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps := byNS[ns]
			targets := make([]netip.AddrPort, len(ps))
			for j, p := range ps {
				targets[j] = p.dst
			}
			res, err := testbed.ProbeTCP(ns, targets, timeout)
			if err != nil {
				errs[i] = err
				return
			}
			for j, p := range ps {
				p.observed = res[j]
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
	}
}

// packet is what a connect from z to dst puts on the wire, as the model
// takes it: from the server itself the kernel picks the destination as
// source (127.0.0.1 / ::1 for loopback) and the packet comes in on lo.
func packet(z *zone, dst netip.AddrPort) model.Packet {
	src := z.src
	if z.local {
		src = dst.Addr()
	}
	return model.Packet{Family: z.fam, Proto: "tcp", Src: src, Dst: dst.Addr(), SPort: 40000, DPort: int(dst.Port()),
		InIface: z.iface, Local: z.local}
}

// predict is what a connect observes if the model is right: an accepted
// SYN completes where something listens (a container after DNAT counts)
// and is reset where nothing does; a rejected one is refused as the
// deciding REJECT says (a reset with tcp-reset, else ICMP), a dropped one
// times out; an undecided one matches no observation.
func (b *kernelBed) predict(d model.Decision) outcome {
	switch d.Verdict {
	case model.Accept:
		if b.listensOn(d.Dst) {
			return oConnected
		}
		return oReset
	case model.Reject:
		if len(d.Path) > 0 && strings.Contains(d.Path[len(d.Path)-1].Text, "--reject-with tcp-reset") {
			return oReset
		}
		return oICMP
	case model.Drop:
		return oTimeout
	}
	return oUnknown
}

// pathText renders the model's path, one step after the other.
func pathText(d model.Decision) string {
	var parts []string
	for _, s := range d.Path {
		parts = append(parts, fmt.Sprintf("[%s %s %s] %s", s.Family, s.Table, s.Chain, strings.TrimSpace(s.Text)))
	}
	if len(parts) == 0 {
		return "(no steps)"
	}
	return strings.Join(parts, " → ")
}

// lastStep is the rule that decided, or the reason.
func lastStep(d model.Decision) string {
	if len(d.Path) == 0 {
		return d.Reason
	}
	s := d.Path[len(d.Path)-1]
	return fmt.Sprintf("[%s %s %s] %s", s.Family, s.Table, s.Chain, strings.TrimSpace(s.Text))
}
