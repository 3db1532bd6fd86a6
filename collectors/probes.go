package collectors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

// Kinds of probe, chosen from a registry entry's category and service.
const (
	probeKindRedis   = "redis"   // RESP PING without credentials
	probeKindFlower  = "flower"  // GET / and /api/workers
	probeKindRay     = "ray"     // GET /api/authentication_mode and /api/version
	probeKindGrafana = "grafana" // GET /api/org
	probeKindTCP     = "tcp"     // connect only
)

// ProbePort is a port registry entry as the probes collector uses it.
type ProbePort struct {
	Port     int
	EndPort  int // a range's last port; 0 for a single port
	Proto    string
	Service  string
	Category string
}

// Pinned reports whether the entry is one port rather than a range.
func (p ProbePort) Pinned() bool { return p.EndPort == 0 || p.EndPort == p.Port }

// Kind is the probe a port gets: redis for the registry's Redis entries
// (the broker, not Ray's GCS on 6379, which is category ray), flower, ray
// for the Ray dashboard, grafana, else a plain TCP connect.
func (p ProbePort) Kind() string {
	switch {
	case p.Category == "redis":
		return probeKindRedis
	case p.Category == "flower":
		return probeKindFlower
	case p.Category == "ray" && strings.Contains(p.Service, "dashboard"):
		return probeKindRay
	case strings.Contains(p.Service, "grafana"):
		return probeKindGrafana
	}
	return probeKindTCP
}

// DefaultProbePorts is the default registry (policies/config.yaml): what
// the probes collector asks about when it is given no registry.
var DefaultProbePorts = []ProbePort{
	{Port: 22, Proto: "tcp", Service: "ssh", Category: "ssh"},
	{Port: 80, Proto: "tcp", Service: "traefik-http", Category: "web"},
	{Port: 443, Proto: "tcp", Service: "traefik-https", Category: "web"},
	{Port: 3002, Proto: "tcp", Service: "grafana", Category: "monitoring"},
	{Port: 5555, Proto: "tcp", Service: "flower", Category: "flower"},
	{Port: 6379, Proto: "tcp", Service: "ray-gcs", Category: "ray"},
	{Port: 6380, Proto: "tcp", Service: "redis-broker", Category: "redis"},
	{Port: 8080, Proto: "tcp", Service: "cadvisor", Category: "monitoring"},
	{Port: 8265, Proto: "tcp", Service: "ray-dashboard", Category: "ray"},
	{Port: 9090, Proto: "tcp", Service: "prometheus", Category: "monitoring"},
	{Port: 9091, Proto: "tcp", Service: "ray-metrics", Category: "ray"},
	{Port: 9100, Proto: "tcp", Service: "node-exporter", Category: "monitoring"},
	{Port: 10001, Proto: "tcp", Service: "ray-client", Category: "ray"},
	{Port: 10002, EndPort: 19999, Proto: "tcp", Service: "ray-workers", Category: "ray"},
}

// Probe limits.
const (
	probeConnectTimeout = 500 * time.Millisecond
	probeReadTimeout    = time.Second
	probeBudget         = 5 * time.Second
	probeConcurrency    = 16
	probeMaxAddrs       = 8 // addresses probed per port
)

// Probes asks the services themselves, read-only: Redis PING without
// credentials (INFO server only when PING needed none), unauthenticated
// GETs to Flower, the Ray dashboard and Grafana, and a plain TCP connect to
// the other registered listeners. It never writes, never logs in, and
// never sends a credential. Each registry port with a listener is probed
// on the addresses that listener is reachable on: loopback and the host's
// own addresses.
type Probes struct {
	// Ports is the registry to probe; nil means DefaultProbePorts.
	Ports []ProbePort
	// Addresses are the host's addresses; nil means the interfaces'
	// (loopback and link-local excluded).
	Addresses []string
	// ConnectTimeout and ReadTimeout bound one connection (defaults 500 ms
	// and 1 s); Budget bounds the whole collection (default 5 s).
	ConnectTimeout, ReadTimeout, Budget time.Duration
	// Concurrency is how many probes run at once (default 16).
	Concurrency int
	// UserAgent is sent with HTTP probes (default "mlscan-probe").
	UserAgent string
}

var _ Collector = (*Probes)(nil)

// Name implements Collector.
func (*Probes) Name() string { return "probes" }

// probeJob is one probe to run.
type probeJob struct {
	kind    string
	service string
	addr    string
	port    int
}

// Collect implements Collector. A probe that fails is data (its state
// says why); the collector fails only when the context ends first.
func (p *Probes) Collect(ctx context.Context, env *Env) (Section, error) {
	sec := &snapshot.ProbesSection{
		Addresses: []string{}, Redis: []snapshot.RedisProbe{}, Flower: []snapshot.FlowerProbe{}, Ray: []snapshot.RayProbe{},
		Grafana: []snapshot.GrafanaProbe{}, TCP: []snapshot.ProbeTarget{}, Absent: []snapshot.AbsentPort{},
	}
	ports := p.Ports
	if ports == nil {
		ports = DefaultProbePorts
	}
	host := p.Addresses
	if host == nil {
		host = interfaceAddrs()
	}
	proc := env.ProcRoot
	if proc == "" {
		proc = "/proc"
	}
	ls, lsrc := probeListeners(proc)
	sec.Listeners = lsrc
	var known []snapshot.Listener
	if lsrc.Status == snapshot.StatusOK {
		known = ls
	}
	jobs, absent := planProbes(ports, known, lsrc.Status == snapshot.StatusOK, host)
	sec.Absent = absent
	sec.Addresses = probeAddresses(jobs, host)

	pc := p.config()
	budget := p.Budget
	if budget <= 0 {
		budget = probeBudget
	}
	conc := p.Concurrency
	if conc <= 0 {
		conc = probeConcurrency
	}
	bctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	results := make([]any, len(jobs))
	runBounded(bctx, len(jobs), conc, func(ctx context.Context, i int) {
		results[i] = pc.run(ctx, jobs[i])
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, r := range results {
		if r == nil { // the budget ran out before this probe started
			t := jobs[i].target()
			t.State, t.Error = snapshot.ProbeError, fmt.Sprintf("not run: the probes' %s budget ran out", budget)
			r = pc.wrap(jobs[i], t)
		}
		switch v := r.(type) {
		case *snapshot.RedisProbe:
			sec.Redis = append(sec.Redis, *v)
		case *snapshot.FlowerProbe:
			sec.Flower = append(sec.Flower, *v)
		case *snapshot.RayProbe:
			sec.Ray = append(sec.Ray, *v)
		case *snapshot.GrafanaProbe:
			sec.Grafana = append(sec.Grafana, *v)
		case *snapshot.ProbeTarget:
			sec.TCP = append(sec.TCP, *v)
		}
	}
	return sec, nil
}

// runBounded calls f(ctx, i) for i in [0, n) with at most conc calls at
// once; calls not started when ctx ends are skipped.
func runBounded(ctx context.Context, n, conc int, f func(ctx context.Context, i int)) {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(ctx, i)
		}()
	}
	wg.Wait()
}

func (j probeJob) target() snapshot.ProbeTarget {
	return snapshot.ProbeTarget{Address: j.addr, Port: j.port, Service: j.service, Exchanges: []snapshot.ProbeExchange{}}
}

// probeListeners reads the TCP listening sockets of <proc>/net/tcp and
// tcp6.
func probeListeners(proc string) ([]snapshot.Listener, snapshot.Source) {
	src := snapshot.Source{Status: snapshot.StatusOK, From: filepath.Join(proc, "net/tcp") + ", " + filepath.Join(proc, "net/tcp6")}
	var ls []snapshot.Listener
	for _, f := range procNetFiles {
		if f.proto != "tcp" {
			continue
		}
		got, err := readProcNet(filepath.Join(proc, "net", f.name), f.proto, f.family)
		switch {
		case err == nil:
			ls = append(ls, got...)
		case errors.Is(err, fs.ErrNotExist) && f.family == "ipv6":
		default:
			src.Status, src.Error = snapshot.StatusError, err.Error()
			if errors.Is(err, fs.ErrPermission) {
				src.Status = snapshot.StatusPermission
			}
			return nil, src
		}
	}
	if v := readBindV6Only(proc); v != nil && *v {
		for i := range ls {
			ls[i].DualStack = false
		}
	}
	return ls, src
}

// planProbes decides what to probe: each pinned registry port on the
// addresses its listeners are reachable on, and the listeners inside a
// registry range (plain connect). With listenersKnown false, every pinned
// port is probed on loopback and every host address. Pinned ports without
// a listener are returned as absent.
func planProbes(ports []ProbePort, ls []snapshot.Listener, listenersKnown bool, host []string) ([]probeJob, []snapshot.AbsentPort) {
	var jobs []probeJob
	absent := []snapshot.AbsentPort{}
	seen := map[string]bool{}
	add := func(kind, service, addr string, port int) {
		k := net.JoinHostPort(addr, fmt.Sprint(port))
		if seen[k] {
			return
		}
		seen[k] = true
		jobs = append(jobs, probeJob{kind: kind, service: service, addr: addr, port: port})
	}
	pinned := map[int]bool{}
	for _, e := range ports {
		if e.Proto == "tcp" && e.Pinned() {
			pinned[e.Port] = true
		}
	}
	for _, e := range ports {
		if e.Proto != "tcp" {
			continue
		}
		if e.Pinned() {
			if !listenersKnown {
				for _, a := range append([]string{"127.0.0.1"}, v4Only(host)...) {
					add(e.Kind(), e.Service, a, e.Port)
				}
				continue
			}
			var on []snapshot.Listener
			for _, l := range ls {
				if l.Port == e.Port {
					on = append(on, l)
				}
			}
			if len(on) == 0 {
				absent = append(absent, snapshot.AbsentPort{
					Port: e.Port, Proto: e.Proto, Service: e.Service, Kind: e.Kind(),
					Evidence: fmt.Sprintf("no listening TCP socket on port %d (/proc/net/tcp, /proc/net/tcp6)", e.Port),
				})
				continue
			}
			for _, a := range portAddrs(on, host) {
				add(e.Kind(), e.Service, a, e.Port)
			}
			continue
		}
		byPort := map[int][]snapshot.Listener{}
		for _, l := range ls {
			if l.Port < e.Port || l.Port > e.EndPort || pinned[l.Port] {
				continue
			}
			byPort[l.Port] = append(byPort[l.Port], l)
		}
		for _, port := range slices.Sorted(maps.Keys(byPort)) {
			for _, a := range portAddrs(byPort[port], host) {
				add(probeKindTCP, e.Service, a, port)
			}
		}
	}
	slices.SortStableFunc(jobs, func(a, b probeJob) int {
		return cmp.Or(cmp.Compare(a.port, b.port), compareAddr(a.addr, b.addr))
	})
	return jobs, absent
}

// portAddrs are the distinct addresses the listeners of one port answer
// on, in the listeners' order, at most probeMaxAddrs of them. A dual-stack
// "::" repeats the IPv4 addresses of a "0.0.0.0" beside it: the limit
// counts each address once, so its own "::1" still gets its probe.
func portAddrs(on []snapshot.Listener, host []string) []string {
	var out []string
	for _, l := range on {
		for _, a := range reachAddrs(l, host) {
			if len(out) < probeMaxAddrs && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// reachAddrs are the addresses a listener answers on: for a wildcard,
// loopback and the host's addresses of its family (both families for a
// dual-stack "::").
func reachAddrs(l snapshot.Listener, host []string) []string {
	if !l.Wildcard {
		return []string{l.Address}
	}
	var out []string
	if l.Family == "ipv4" || l.DualStack {
		out = append(out, "127.0.0.1")
		out = append(out, v4Only(host)...)
	}
	if l.Family == "ipv6" {
		out = append(out, "::1")
		for _, a := range host {
			if ip, err := netip.ParseAddr(a); err == nil && ip.Is6() && !ip.Is4In6() {
				out = append(out, a)
			}
		}
	}
	return out
}

func v4Only(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err == nil && ip.Unmap().Is4() {
			out = append(out, ip.Unmap().String())
		}
	}
	return out
}

// compareAddr orders addresses numerically, IPv4 first.
func compareAddr(a, b string) int {
	x, errA := netip.ParseAddr(a)
	y, errB := netip.ParseAddr(b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b)
	}
	return x.Compare(y)
}

// probeAddresses lists the addresses probed (and loopback and the host's
// addresses when nothing was probed).
func probeAddresses(jobs []probeJob, host []string) []string {
	set := map[string]bool{"127.0.0.1": true}
	for _, a := range host {
		set[a] = true
	}
	for _, j := range jobs {
		set[j.addr] = true
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	slices.SortFunc(out, compareAddr)
	return out
}

// interfaceAddrs returns the host's interface addresses without loopback
// and link-local ones.
func interfaceAddrs() []string {
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range ifs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, ipn.IP.String())
	}
	slices.SortFunc(out, compareAddr)
	return out
}
