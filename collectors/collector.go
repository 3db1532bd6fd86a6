package collectors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

// Sentinel errors a collector wraps to say why it has no data. Anything else
// is recorded as status "error".
var (
	// ErrUnavailable means the source is not present on this host.
	ErrUnavailable = errors.New("unavailable")
	// ErrPermission means the source needs more privilege than the scan has.
	ErrPermission = errors.New("permission denied (run mlscan as root)")
)

// Section is what a collector produces: a pointer to one of the snapshot's
// section types (*SocketsSection, *UFWSection, *DockerSection,
// *ProbesSection, *SSHDSection, *Fail2banSection, *NetfilterSection), or
// nil.
type Section any

// apply puts sec where it goes in snap (sectionSlots); false when sec is
// no section.
func apply(snap *snapshot.Snapshot, sec Section) bool {
	for _, s := range sectionSlots {
		if s.put(snap, sec) {
			return true
		}
	}
	return false
}

// Collector gathers one section of the snapshot. It must honour ctx and
// return partial data with an error rather than nothing when it can.
type Collector interface {
	Name() string
	Collect(ctx context.Context, env *Env) (Section, error)
}

// Runner runs an external command and returns its standard output and error.
type Runner func(ctx context.Context, name string, args ...string) (stdout, stderr []byte, err error)

// Env is what collectors may read: every root is injectable so tests can
// point collectors at captured trees.
type Env struct {
	// Root prefixes absolute file paths such as /etc/ufw ("/" on a host).
	Root string
	// ProcRoot is the proc filesystem (default /proc).
	ProcRoot string
	// IsRoot says whether the scan runs with uid 0.
	IsRoot bool
	// Run runs external commands; nil means ExecRunner.
	Run Runner
}

// Path joins p (absolute) under the environment's root.
func (e *Env) Path(p string) string {
	if e.Root == "" || e.Root == "/" {
		return p
	}
	return filepath.Join(e.Root, p)
}

// Command runs an external command through the environment's runner.
func (e *Env) Command(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	if e.Run == nil {
		return ExecRunner(ctx, name, args...)
	}
	return e.Run(ctx, name, args...)
}

// All returns every collector in the order they appear in the snapshot.
func All() []Collector {
	return []Collector{&Sockets{}, &UFW{}, &Docker{}, &Probes{}, &SSHD{}, &Fail2ban{}, &Netfilter{}}
}

// Options controls a collection run.
type Options struct {
	Env     Env
	Tool    snapshot.Tool
	Timeout time.Duration // per collector; 0 means 10s
	// Only, when not empty, runs just these collectors; Skip skips these.
	// Collectors not run are recorded as skipped.
	Only []string
	Skip []string
	// Now is the clock (tests inject a fixed one).
	Now func() time.Time
}

// Collect runs the collectors concurrently, each under its own timeout, and
// assembles the snapshot. One collector failing, hanging or panicking never
// stops the others: its status says what happened.
func Collect(ctx context.Context, cs []Collector, opt Options) (*snapshot.Snapshot, error) {
	if err := checkNames(cs, opt.Only, opt.Skip); err != nil {
		return nil, err
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	env := opt.Env
	if env.ProcRoot == "" {
		env.ProcRoot = "/proc"
	}
	snap := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		Tool:          opt.Tool,
		Host:          hostInfo(&env),
		CollectedAt:   now().UTC(),
		IsRoot:        env.IsRoot,
		UID:           os.Geteuid(),
		Collectors:    map[string]snapshot.CollectorResult{},
	}

	results := make(chan outcome, len(cs))
	var wg sync.WaitGroup
	for _, c := range cs {
		if !selected(c.Name(), opt.Only, opt.Skip) {
			snap.Collectors[c.Name()] = snapshot.CollectorResult{Status: snapshot.StatusSkipped, Error: "not selected (--collectors/--skip-collectors)"}
			continue
		}
		wg.Add(1)
		go func(c Collector) {
			defer wg.Done()
			results <- runOne(ctx, c, &env, timeout)
		}(c)
	}
	wg.Wait()
	close(results)
	for o := range results {
		if o.section != nil && !apply(snap, o.section) {
			o.res = snapshot.CollectorResult{Status: snapshot.StatusError, Error: fmt.Sprintf("collector returned %T, not a snapshot section", o.section), DurationMS: o.res.DurationMS}
		}
		snap.Collectors[o.name] = o.res
	}
	linkContainers(snap)
	if err := fitSchema(snap); err != nil {
		return nil, fmt.Errorf("the snapshot does not fit its schema: %w", err)
	}
	return snap, nil
}

type outcome struct {
	name    string
	section Section
	res     snapshot.CollectorResult
}

// runOne runs a collector under its timeout, recovering a panic. A
// collector that ignores its context is abandoned at the deadline.
func runOne(ctx context.Context, c Collector, env *Env, timeout time.Duration) (o outcome) {
	o.name = c.Name()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	type ret struct {
		s   Section
		err error
	}
	done := make(chan ret, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- ret{nil, fmt.Errorf("collector panicked: %v\n%s", p, firstLines(string(debug.Stack()), 12))}
			}
		}()
		s, err := c.Collect(ctx, env)
		done <- ret{s, err}
	}()
	var r ret
	select {
	case r = <-done:
	case <-ctx.Done():
		r = ret{nil, fmt.Errorf("timed out after %s: %w", timeout, ctx.Err())}
	}
	o.section = r.s
	o.res.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	o.res.Status = snapshot.StatusOK
	if r.err != nil {
		o.res.Error = r.err.Error()
		switch {
		case errors.Is(r.err, ErrPermission):
			o.res.Status = snapshot.StatusPermission
		case errors.Is(r.err, ErrUnavailable):
			o.res.Status = snapshot.StatusUnavailable
		default:
			o.res.Status = snapshot.StatusError
		}
	}
	return o
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func checkNames(cs []Collector, lists ...[]string) error {
	known := map[string]bool{}
	var names []string
	for _, c := range cs {
		known[c.Name()] = true
		names = append(names, c.Name())
	}
	for _, l := range lists {
		for _, n := range l {
			if !known[n] {
				return fmt.Errorf("unknown collector %q (valid: %s)", n, strings.Join(names, ", "))
			}
		}
	}
	return nil
}

func selected(name string, only, skip []string) bool {
	for _, s := range skip {
		if s == name {
			return false
		}
	}
	if len(only) == 0 {
		return true
	}
	for _, s := range only {
		if s == name {
			return true
		}
	}
	return false
}

// interfaces lists the interfaces that are up with their addresses as
// prefixes, sorted; nil when they cannot be read.
func interfaces() []snapshot.Interface {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	out := []snapshot.Interface{}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		in := snapshot.Interface{Name: ifc.Name, Addresses: []string{}}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				ones, _ := ipn.Mask.Size()
				in.Addresses = append(in.Addresses, fmt.Sprintf("%s/%d", ipn.IP, ones))
			}
		}
		sort.Strings(in.Addresses)
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// hostInfo reads the hostname, the non-loopback addresses, the interfaces
// and bindv6only.
func hostInfo(env *Env) snapshot.Host {
	h := snapshot.Host{Addresses: []string{}}
	h.Hostname, _ = os.Hostname()
	if ifs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range ifs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
				continue
			}
			h.Addresses = append(h.Addresses, ipn.IP.String())
		}
		sort.Strings(h.Addresses)
	}
	h.Interfaces = interfaces()
	if b, err := os.ReadFile(filepath.Join(env.ProcRoot, "sys/net/ipv6/bindv6only")); err == nil {
		v := strings.TrimSpace(string(b)) == "1"
		h.BindV6Only = &v
	}
	return h
}
