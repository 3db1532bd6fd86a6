package collectors

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

// Defaults of ProbeReachability.
const (
	reachTimeout     = time.Second
	reachConcurrency = 64
)

// ReachOptions controls ProbeReachability.
type ReachOptions struct {
	// Timeout bounds one connection attempt (default 1 s): a port whose
	// packets are dropped costs this long, and no more.
	Timeout time.Duration
	// Concurrency is how many ports are tried at once (default 64), so
	// that many filtered ports cost about one Timeout together.
	Concurrency int
}

// VantageAddr returns the source address this host uses to reach target
// (an IP address): the kernel picks it when a UDP socket is connected,
// which sends no packet.
func VantageAddr(target string) (string, error) {
	c, err := net.Dial("udp", net.JoinHostPort(target, "9"))
	if err != nil {
		return "", fmt.Errorf("no route to %s: %w", target, err)
	}
	defer c.Close()
	ua, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return "", fmt.Errorf("source address toward %s: unexpected %T", target, c.LocalAddr())
	}
	a, _ := netip.AddrFromSlice(ua.IP)
	return a.Unmap().String(), nil
}

// ProbeReachability opens (and at once closes) a TCP connection to each
// port of target, concurrently, and reports what each attempt found as
// seen from vantage: open, closed (refused), filtered (no answer within
// the timeout, or unreachable) or error. It sends no data. The results are
// in the order of ports.
func ProbeReachability(ctx context.Context, vantage, target string, ports []int, opt ReachOptions) []snapshot.Reachability {
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = reachTimeout
	}
	conc := opt.Concurrency
	if conc <= 0 {
		conc = reachConcurrency
	}
	out := make([]snapshot.Reachability, len(ports))
	for i, p := range ports {
		out[i] = snapshot.Reachability{VantageAddr: vantage, Target: target, Port: p, Proto: "tcp", State: snapshot.ProbeError, Error: "not run: cancelled"}
	}
	runBounded(ctx, len(ports), conc, func(ctx context.Context, i int) {
		start := time.Now()
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(target, strconv.Itoa(ports[i])))
		r := &out[i]
		r.State, r.Error = dialState(err), ""
		if err != nil {
			r.Error = err.Error()
		} else {
			conn.Close()
		}
		r.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	})
	return out
}
