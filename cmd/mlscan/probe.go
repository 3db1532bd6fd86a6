package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlscan/mlscan/collectors"
	"github.com/mlscan/mlscan/model"
	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// probeChecks are the checks a `mlscan probe` snapshot can decide: the
// others need sections only a scan on the host collects.
var probeChecks = []string{"MLS-EXP-006", "MLS-EXP-007", "MLS-EXP-008"}

// maxProbePorts caps how many ports one run may try.
const maxProbePorts = 65535

// probeOptions are the flags of `mlscan probe`.
type probeOptions struct {
	ports       string
	timeout     time.Duration
	concurrency int
	snapshot    string
	// hostSnapshot is the target's own snapshot: its listening and
	// published ports are probed too, and the model predicts each port.
	hostSnapshot string
}

// hostModel is the target's own snapshot and the model's predictions
// from it.
type hostModel struct {
	name string
	snap *snapshot.Snapshot
	pr   *model.Predictor
}

func newProbeCmd(g *globalOptions) *cobra.Command {
	var po probeOptions
	var oo outputOptions
	cmd := &cobra.Command{
		Use:   "probe TARGET",
		Short: "Connect to TARGET's registered ports from this host and check what is reachable against the registry",
		Long: `probe runs on another host (a LAN peer, a host outside) and does what the
document's own "nc -zv 10.0.0.84 6380" check does, for every port: it
opens and closes a TCP connection to each pinned registry port of TARGET,
the forbidden ports and the --ports given (never the Ray worker range
unless asked), concurrently, each attempt bounded by --timeout, and sends
no data. This host is a trusted vantage when the source address it uses
toward TARGET is inside networks.trusted.

With --host-snapshot FILE (TARGET's own snapshot, from mlscan scan
--snapshot or mlscan collect), it also tries every TCP port that snapshot
lists as listening (loopback aside) or published by a container, and
records for every port what the packet-path model predicts from that
snapshot for a connection from this host.

The result is evaluated with MLS-EXP-006 (an open port this vantage may
not reach fails: critical for Ray, Redis, Flower and Docker ports),
MLS-EXP-007 (a registered port this vantage should reach but cannot: info)
and MLS-EXP-008 (the model's prediction disagrees with what the probe
observed: critical when an open port was predicted unreachable).
Output formats and exit codes are those of scan.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("probe takes one TARGET (an address or host name), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProbe(cmd, g, &po, &oo, args[0])
		},
	}
	cmd.Flags().StringVar(&po.ports, "ports", "", "more TCP ports to try, comma-separated, ranges as A-B (e.g. 22,6380,10002-10010)")
	cmd.Flags().DurationVar(&po.timeout, "timeout", time.Second, "time limit of one connection attempt: a port whose packets are dropped costs this long")
	cmd.Flags().IntVar(&po.concurrency, "concurrency", 64, "connection attempts at once")
	cmd.Flags().StringVar(&po.snapshot, "snapshot", "", "also save the probe's snapshot to FILE (evaluate it again with mlscan eval)")
	cmd.Flags().StringVar(&po.hostSnapshot, "host-snapshot", "", "TARGET's own snapshot (mlscan scan --snapshot, mlscan collect): probe its listening and published TCP ports too, and compare each port with the model's prediction")
	addOutputFlags(cmd, &oo)
	return cmd
}

func runProbe(cmd *cobra.Command, g *globalOptions, po *probeOptions, oo *outputOptions, target string) error {
	ctx := cmd.Context()
	if _, err := failThreshold(oo.failOn); err != nil {
		return err
	}
	if _, err := oo.specs(); err != nil {
		return err
	}
	if po.timeout <= 0 {
		return usageErr("--timeout %s: want a positive duration such as 500ms", po.timeout)
	}
	if po.concurrency < 1 {
		return usageErr("--concurrency %d: want at least 1", po.concurrency)
	}
	extra, err := parsePortList(po.ports)
	if err != nil {
		return usageErr("--ports: %v", err)
	}
	cfg, err := loadConfig(g)
	if err != nil {
		return err
	}
	host, err := loadHostModel(po.hostSnapshot, cfg)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	addr, err := resolveTarget(ctx, target)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	vantage, err := collectors.VantageAddr(addr)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	ports := probePortsFor(cfg, extra)
	fromHost := ""
	if host != nil {
		more := hostPorts(host.snap)
		n := len(ports)
		ports = mergePorts(ports, more)
		fromHost = fmt.Sprintf(" (%d more from %s)", len(ports)-n, host.name)
	}
	if len(ports) > maxProbePorts {
		return usageErr("--ports: %d ports, at most %d", len(ports), maxProbePorts)
	}
	trust := "untrusted: outside " + strings.Join(cfg.Networks.Trusted, ", ")
	if a, err := netip.ParseAddr(vantage); err == nil && a.IsLoopback() {
		trust = "trusted: loopback"
	} else if inTrusted(vantage, cfg.Networks.Trusted) {
		trust = "trusted: inside " + strings.Join(cfg.Networks.Trusted, ", ")
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "mlscan: probing %s (%s) from %s (%s): %d TCP ports%s, %s each, %d at once\n",
		target, addr, vantage, trust, len(ports), fromHost, po.timeout, po.concurrency)

	// The report is not waived here: writeReports does that.
	app := newApp(nil, engineLoader(g, cfg))
	app.Preload(ctx) // compile the policies while the probes run
	snap := probeSnapshot(ctx, target, addr, vantage, ports, po)
	host.predict(snap.Probes.Reachability)
	data, err := marshalSnapshot(snap)
	if err != nil {
		return err
	}
	if po.snapshot != "" {
		if err := writeOutput(nil, po.snapshot, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
	}
	rep, _, err := app.EvalSnapshot(ctx, fmt.Sprintf("(probe of %s from %s)", target, vantage), data)
	if err != nil {
		return err
	}
	onlyChecks(rep, probeChecks)
	return writeReports(cmd, oo, []*scanner.Report{rep})
}

// probeSnapshot tries every port and builds the snapshot `mlscan probe`
// evaluates: the probes collector alone, with reachability from vantage.
func probeSnapshot(ctx context.Context, target, addr, vantage string, ports []int, po *probeOptions) *snapshot.Snapshot {
	start := time.Now()
	rs := collectors.ProbeReachability(ctx, vantage, addr, ports, collectors.ReachOptions{Timeout: po.timeout, Concurrency: po.concurrency})
	took := float64(time.Since(start).Microseconds()) / 1000
	return &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		Tool:          snapshot.Tool{Name: "mlscan", Version: toolVersion()},
		Host:          snapshot.Host{Hostname: target, Addresses: []string{addr}},
		CollectedAt:   start.UTC(),
		IsRoot:        os.Geteuid() == 0,
		UID:           os.Geteuid(),
		Collectors: map[string]snapshot.CollectorResult{
			"probes": {Status: snapshot.StatusOK, DurationMS: took},
		},
		Probes: &snapshot.ProbesSection{
			Listeners: snapshot.Source{Status: snapshot.StatusSkipped, Error: "remote probe: the target's sockets are not read"},
			Addresses: []string{addr},
			Redis:     []snapshot.RedisProbe{}, Flower: []snapshot.FlowerProbe{}, Ray: []snapshot.RayProbe{},
			Grafana: []snapshot.GrafanaProbe{}, TCP: []snapshot.ProbeTarget{}, Absent: []snapshot.AbsentPort{},
			Vantage:      vantage,
			Reachability: rs,
		},
	}
}

// loadHostModel reads the target's snapshot named by --host-snapshot (nil
// without one) and prepares the model's predictions from it with the
// configuration's trusted networks.
func loadHostModel(name string, cfg *scanner.Config) (*hostModel, error) {
	if name == "" {
		return nil, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("--host-snapshot: %w", err)
	}
	s, _, err := snapshot.Decode(name, data)
	if err != nil {
		return nil, fmt.Errorf("--host-snapshot: %w", err)
	}
	var trusted []netip.Prefix
	for _, c := range cfg.Networks.Trusted {
		if p, err := netip.ParsePrefix(c); err == nil {
			trusted = append(trusted, p.Masked())
		}
	}
	return &hostModel{name: name, snap: s, pr: model.NewPredictor(s, trusted)}, nil
}

// predict records the model's prediction for every TCP result: a
// connection from the result's vantage to its target. Nothing without a
// host snapshot.
func (h *hostModel) predict(rs []snapshot.Reachability) {
	if h == nil {
		return
	}
	for i := range rs {
		r := &rs[i]
		if r.Proto != "tcp" {
			continue
		}
		src, _ := netip.ParseAddr(r.VantageAddr)
		dst, _ := netip.ParseAddr(r.Target)
		m := h.pr.Predict(src, dst, r.Proto, r.Port)
		r.Predicted = &snapshot.Prediction{Verdict: m.Verdict, Reason: m.Reason, Rules: m.Rules, HostSnapshot: h.name, CollectedAt: h.snap.CollectedAt.UTC()}
	}
}

// hostPorts are the TCP ports s lists as listening (loopback aside) or
// published by a container, sorted and without repeats.
func hostPorts(s *snapshot.Snapshot) []int {
	set := map[int]bool{}
	if s.Sockets != nil {
		for _, l := range s.Sockets.Listeners {
			a, err := netip.ParseAddr(l.Address)
			if l.Proto == "tcp" && !l.Loopback && (err != nil || !a.WithZone("").IsLoopback()) && l.Port > 0 {
				set[l.Port] = true
			}
		}
	}
	if s.Docker != nil {
		for _, c := range s.Docker.Containers {
			for _, b := range c.Ports {
				if (b.Proto == "tcp" || b.Proto == "") && b.HostPort > 0 {
					set[b.HostPort] = true
				}
			}
		}
	}
	out := make([]int, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// mergePorts is a and b sorted, without repeats.
func mergePorts(a, b []int) []int {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// onlyChecks keeps the results and checks of the given rules.
func onlyChecks(rep *scanner.Report, ids []string) {
	rep.Results = slices.DeleteFunc(rep.Results, func(r scanner.Result) bool { return !slices.Contains(ids, r.RuleID) })
	// A new slice: rep.Checks shares the engine's array, which DeleteFunc
	// would rewrite in place.
	var checks []scanner.Check
	for _, c := range rep.Checks {
		if slices.Contains(ids, c.ID) {
			checks = append(checks, c)
		}
	}
	rep.Checks = checks
	for name := range rep.Collectors {
		if name != "probes" {
			delete(rep.Collectors, name)
		}
	}
	rep.Summary = scanner.Summarize(rep.Results)
}

// resolveTarget returns TARGET's address, IPv4 preferred for a name.
func resolveTarget(ctx context.Context, target string) (string, error) {
	if a, err := netip.ParseAddr(target); err == nil {
		return a.Unmap().String(), nil
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, target)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", target, err)
	}
	for _, ip := range ips {
		if ip.IP.To4() != nil {
			return ip.IP.String(), nil
		}
	}
	if len(ips) == 0 {
		return "", fmt.Errorf("resolve %s: no address", target)
	}
	return ips[0].IP.String(), nil
}

// probePortsFor is every pinned TCP port of the registry, the forbidden
// TCP ports and extra, sorted and without repeats. Registry ranges (the
// Ray workers) are tried only when given in --ports.
func probePortsFor(cfg *scanner.Config, extra []int) []int {
	set := map[int]bool{}
	for _, e := range cfg.Registry {
		if e.Proto == "tcp" && (e.EndPort == 0 || e.EndPort == e.Port) {
			set[e.Port] = true
		}
	}
	for _, f := range cfg.ForbiddenPorts {
		if f.Proto == "tcp" {
			set[f.Port] = true
		}
	}
	for _, p := range cfg.PublicPorts {
		if n, proto, err := scanner.ParsePortProto(p); err == nil && proto == "tcp" {
			set[n] = true
		}
	}
	for _, p := range extra {
		set[p] = true
	}
	out := make([]int, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// parsePortList parses "22,6380,10002-10010".
func parsePortList(s string) ([]int, error) {
	var out []int
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, errA := strconv.Atoi(lo)
		b := a
		var errB error
		if isRange {
			b, errB = strconv.Atoi(hi)
		}
		if errA != nil || errB != nil || a < 1 || b > 65535 || b < a {
			return nil, fmt.Errorf("%q is not a port (1-65535) or a range like 10002-10010", part)
		}
		if len(out)+b-a+1 > maxProbePorts {
			return nil, fmt.Errorf("more than %d ports", maxProbePorts)
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
		}
	}
	return out, nil
}

// inTrusted reports whether addr is loopback or inside one of the CIDRs.
func inTrusted(addr string, cidrs []string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	if a.IsLoopback() {
		return true
	}
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// probeRegistry is the registry as the probes collector of a scan takes
// it (collectors.Probes.Ports), from the configuration.
func probeRegistry(cfg *scanner.Config) []collectors.ProbePort {
	out := make([]collectors.ProbePort, 0, len(cfg.Registry))
	for _, e := range cfg.Registry {
		out = append(out, collectors.ProbePort{Port: e.Port, EndPort: e.EndPort, Proto: e.Proto, Service: e.Service, Category: e.Category})
	}
	return out
}
