package collectors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

var _ Collector = (*Sockets)(nil)

// Sockets collects the listening TCP and bound UDP sockets of the network
// namespace mlscan runs in, from <proc>/net/{tcp,tcp6,udp,udp6}, and maps
// them to their processes through <proc>/<pid>/fd. Every user can read the
// sockets; only root can map the sockets of other users' processes.
type Sockets struct{}

// Name implements Collector.
func (*Sockets) Name() string { return "sockets" }

// procNetFiles are the files read, in order.
var procNetFiles = []struct{ name, proto, family string }{
	{"tcp", "tcp", "ipv4"},
	{"tcp6", "tcp", "ipv6"},
	{"udp", "udp", "ipv4"},
	{"udp6", "udp", "ipv6"},
}

// Collect implements Collector. A missing tcp6 or udp6 (IPv6 disabled) is
// not an error; a missing tcp means there is no proc filesystem to read
// (ErrUnavailable). A file that fails to parse is reported while the others
// are still returned.
func (*Sockets) Collect(ctx context.Context, env *Env) (Section, error) {
	proc := env.ProcRoot
	if proc == "" {
		proc = "/proc"
	}
	sec := &snapshot.SocketsSection{Listeners: []snapshot.Listener{}}
	var errs []error
	for _, f := range procNetFiles {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := filepath.Join(proc, "net", f.name)
		ls, err := readProcNet(p, f.proto, f.family)
		switch {
		case err == nil:
			sec.Listeners = append(sec.Listeners, ls...)
		case errors.Is(err, fs.ErrNotExist) && f.family == "ipv6":
			// IPv6 is disabled.
		case errors.Is(err, fs.ErrNotExist) && f.name == "tcp":
			return nil, fmt.Errorf("%w: no %s (not a Linux proc filesystem)", ErrUnavailable, p)
		case errors.Is(err, fs.ErrPermission):
			errs = append(errs, fmt.Errorf("%w: %v", ErrPermission, err))
		default:
			errs = append(errs, err)
		}
	}
	sec.DualStackFrom = judgeDualStack(sec.Listeners, proc)
	sortListeners(sec.Listeners)
	sec.EphemeralPorts, sec.ReservedPorts = readLocalPorts(proc)

	owners, err := mapOwners(ctx, proc, sec.Listeners, env.IsRoot)
	sec.Owners = owners
	if err != nil {
		errs = append(errs, err)
	}
	if err == nil && owners.Status == snapshot.StatusOK {
		remapUnowned(ctx, proc, sec.Listeners, env.IsRoot)
	}
	return sec, errors.Join(errs...)
}

// remapUnowned gives a listener whose socket no process held when the fd
// tables were read a second chance: a service restarting between the
// socket table and the fd tables (a container's restart, a healthcheck
// killing it) leaves the old socket's inode with no owner while the new
// one listens on the same address. The socket tables are read again and
// such a listener takes the inode now bound there, with its owner. The fd
// tables are walked a second time only when a listener has no owner
// (rare: every socket a service listens on is held by a process); the
// walk also covers an owner whose fd table was not readable at the first
// pass, which is why it is not limited to sockets that were replaced.
func remapUnowned(ctx context.Context, proc string, ls []snapshot.Listener, isRoot bool) {
	type key struct {
		proto, family, addr string
		port                int
	}
	var missing []int
	for i := range ls {
		if ls[i].PID == 0 && ls[i].Inode != 0 {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 || !isRoot {
		return
	}
	now := map[key]uint64{}
	for _, f := range procNetFiles {
		fresh, err := readProcNet(filepath.Join(proc, "net", f.name), f.proto, f.family)
		if err != nil {
			continue
		}
		for _, l := range fresh {
			now[key{l.Proto, l.Family, l.Address, l.Port}] = l.Inode
		}
	}
	again := make([]snapshot.Listener, 0, len(missing))
	for _, i := range missing {
		l := ls[i]
		if ino, ok := now[key{l.Proto, l.Family, l.Address, l.Port}]; ok && ino != 0 {
			l.Inode = ino
		}
		again = append(again, l)
	}
	if _, err := mapOwners(ctx, proc, again, isRoot); err != nil {
		return
	}
	for j, i := range missing {
		if again[j].PID != 0 {
			ls[i] = again[j]
		}
	}
}

// sortListeners sorts listeners by protocol, family, port, address and
// inode, the order of a snapshot.
func sortListeners(ls []snapshot.Listener) {
	slices.SortFunc(ls, func(a, b snapshot.Listener) int {
		return cmp.Or(
			strings.Compare(a.Proto, b.Proto),
			strings.Compare(a.Family, b.Family),
			cmp.Compare(a.Port, b.Port),
			strings.Compare(a.Address, b.Address),
			cmp.Compare(a.Inode, b.Inode),
		)
	})
}

// readProcNet opens and parses one /proc/net file.
func readProcNet(path, proto, family string) ([]snapshot.Listener, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ls, err := parseProcNet(f, proto, family)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return ls, nil
}

// readLocalPorts reads net.ipv4.ip_local_port_range ("32768\t60999") and
// ip_local_reserved_ports ("8080,10000-10005" or empty); nil when the
// range cannot be read or parsed.
func readLocalPorts(proc string) (*snapshot.PortRange, []snapshot.PortRange) {
	b, err := os.ReadFile(filepath.Join(proc, "sys/net/ipv4/ip_local_port_range"))
	if err != nil {
		return nil, nil
	}
	r := parseLocalPortRange(string(b))
	if r == nil {
		return nil, nil
	}
	return r, readReservedPorts(proc)
}

func readReservedPorts(proc string) []snapshot.PortRange {
	b, err := os.ReadFile(filepath.Join(proc, "sys/net/ipv4/ip_local_reserved_ports"))
	if err != nil {
		return nil
	}
	return parseReservedPorts(string(b))
}

// parseLocalPortRange parses net.ipv4.ip_local_port_range ("32768\t60999"):
// nil unless it is two ports, the first not above the second.
func parseLocalPortRange(s string) *snapshot.PortRange {
	f := strings.Fields(s)
	if len(f) != 2 {
		return nil
	}
	from, err1 := strconv.Atoi(f[0])
	to, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || from < 1 || to > 65535 || from > to {
		return nil
	}
	return &snapshot.PortRange{From: from, To: to}
}

// parseReservedPorts parses net.ipv4.ip_local_reserved_ports, a comma list
// of ports and ranges ("8080,10000-10005"); malformed items are dropped.
func parseReservedPorts(s string) []snapshot.PortRange {
	var out []snapshot.PortRange
	for part := range strings.SplitSeq(strings.TrimSpace(s), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		z, err2 := strconv.Atoi(hi)
		if err1 == nil && err2 == nil && 0 <= a && a <= z && z <= 65535 {
			out = append(out, snapshot.PortRange{From: a, To: z})
		}
	}
	return out
}

// judgeDualStack settles whether each "::" listener also takes IPv4 and
// says how: from each socket's IPV6_V6ONLY over sock_diag when reading the
// live /proc of mlscan's own network namespace, else from
// net.ipv6.bindv6only (which a socket may override), else every "::"
// listener stays dual-stack (the wider exposure).
func judgeDualStack(ls []snapshot.Listener, proc string) string {
	if filepath.Clean(proc) == "/proc" {
		if v6only, err := v6OnlyByInode(); err == nil {
			for i := range ls {
				if only, ok := v6only[ls[i].Inode]; ok && ls[i].DualStack {
					ls[i].DualStack = !only
				}
			}
			return "sock_diag (each socket's IPV6_V6ONLY, as ss -e shows it)"
		}
	}
	v6only := readBindV6Only(proc)
	if v6only == nil {
		return "unknown (no net.ipv6.bindv6only): every :: listener is taken as dual-stack"
	}
	if *v6only {
		for i := range ls {
			ls[i].DualStack = false
		}
		return "net.ipv6.bindv6only=1 (a socket may still clear IPV6_V6ONLY)"
	}
	return "net.ipv6.bindv6only=0 (a socket may still set IPV6_V6ONLY)"
}

// readBindV6Only reads net.ipv6.bindv6only; nil when it cannot be read.
func readBindV6Only(proc string) *bool {
	b, err := os.ReadFile(filepath.Join(proc, "sys/net/ipv6/bindv6only"))
	if err != nil {
		return nil
	}
	v := strings.TrimSpace(string(b)) == "1"
	return &v
}
