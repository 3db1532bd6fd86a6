package testbed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// Work inside a namespace without `ip netns exec`: a goroutine locks its
// OS thread, joins the namespace with setns(2), does the work there and
// joins its own namespace again before it unlocks the thread. Sockets
// belong to the namespace of the thread that creates them, and a child
// process inherits the namespace of the thread that forks it, so both stay
// in the namespace for their whole life. The thread must not die instead
// (the runtime ends a thread whose goroutine returns locked): a process
// started with Pdeathsig (Host.Start, dockerd) gets killed when the thread
// that forked it ends, and any thread may have forked one.

// inNetns runs fn on an OS thread that has joined the network namespace ns
// (a name under /run/netns) and returns its error.
func inNetns(ns string, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		back, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- err
			return
		}
		defer back.Close()
		target, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			runtime.UnlockOSThread()
			done <- err
			return
		}
		err = unix.Setns(int(target.Fd()), unix.CLONE_NEWNET)
		target.Close()
		if err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		err = fn()
		if rerr := unix.Setns(int(back.Fd()), unix.CLONE_NEWNET); rerr != nil {
			// Still in ns: the thread stays locked and ends with the goroutine.
			done <- errors.Join(err, fmt.Errorf("setns back from %s: %w", ns, rerr))
			return
		}
		runtime.UnlockOSThread()
		done <- err
	}()
	return <-done
}

// NSCommand runs name with args in the network namespace ns (only the
// network namespace: /etc is the machine's, unlike Host.Exec), with stdin
// as its standard input, and returns its outputs. It is much cheaper than
// `ip netns exec` (no mount namespace, no extra process).
func NSCommand(ctx context.Context, ns string, stdin []byte, name string, args ...string) (stdout, stderr []byte, err error) {
	var out, errb bytes.Buffer
	err = inNetns(ns, func() error {
		cmd := exec.CommandContext(ctx, name, args...)
		if stdin != nil {
			cmd.Stdin = bytes.NewReader(stdin)
		}
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.WaitDelay = time.Second
		return cmd.Run() // forked from this thread: the child is in ns
	})
	return out.Bytes(), errb.Bytes(), err
}

// NSRunner returns a runner (the signature of collectors.Runner) that runs
// each command in the network namespace ns with NSCommand.
func NSRunner(ns string) func(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	return func(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
		return NSCommand(ctx, ns, nil, name, args...)
	}
}

// ClearRecent empties every list of the recent match (xt_recent, what
// ufw's limit rules count with) in the network namespace ns, so that a
// limit rule starts from no hits. A namespace without lists is fine.
func ClearRecent(ns string) error {
	return inNetns(ns, func() error {
		// /proc/net is the process's namespace; thread-self is this thread's.
		dir := "/proc/thread-self/net/xt_recent"
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := os.WriteFile(filepath.Join(dir, e.Name()), []byte("/\n"), 0); err != nil {
				return fmt.Errorf("clear recent list %s: %w", e.Name(), err)
			}
		}
		return nil
	})
}

// ProbeOutcome is what a TCP connect observed.
type ProbeOutcome string

// The outcomes of a TCP connect: the handshake completed, the peer (or a
// firewall) answered with a reset or an ICMP port-unreachable, nothing
// came back in time, or another error (say, no route).
const (
	Connected ProbeOutcome = "connected"
	Refused   ProbeOutcome = "refused"
	Timeout   ProbeOutcome = "timeout"
	ProbeErr  ProbeOutcome = "error"
)

// ProbeResult is the outcome of one connect; Err names the errno of an
// outcome "error". ByICMP says a refusal came as an ICMP error (what
// REJECT sends by default) rather than a TCP reset (a closed port, or
// REJECT --reject-with tcp-reset).
type ProbeResult struct {
	Target  netip.AddrPort
	Outcome ProbeOutcome
	Err     string
	ByICMP  bool
}

// ProbeTCP connects to every target at once from the network namespace
// ns (non-blocking sockets created on one thread in ns, then polled) and
// classifies each connect after at most timeout. A connected socket is
// closed with a reset, so no TIME_WAIT piles up across many probes. The
// result is in the order of targets.
func ProbeTCP(ns string, targets []netip.AddrPort, timeout time.Duration) ([]ProbeResult, error) {
	res := make([]ProbeResult, len(targets))
	err := inNetns(ns, func() error {
		fds := make([]int, len(targets))
		for i := range fds {
			fds[i] = -1
		}
		defer func() {
			for _, fd := range fds {
				if fd >= 0 {
					// Linger 0: close sends a reset, no TIME_WAIT.
					_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1})
					unix.Close(fd)
				}
			}
		}()
		pending := map[int]int{} // fd → index
		for i, tg := range targets {
			res[i].Target = tg
			fd, err := connectNonblock(tg)
			if fd >= 0 {
				fds[i] = fd
			}
			switch {
			case err == nil:
				res[i].Outcome = Connected
			case errors.Is(err, unix.EINPROGRESS):
				pending[fd] = i
			default:
				classify(&res[i], err, fd)
			}
		}
		deadline := time.Now().Add(timeout)
		for len(pending) > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			pfds := make([]unix.PollFd, 0, len(pending))
			for fd := range pending {
				pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLOUT})
			}
			n, err := unix.Poll(pfds, int(min(left, softErrorEvery).Milliseconds())+1)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				return fmt.Errorf("poll: %w", err)
			}
			if n == 0 {
				if err := softErrors(pending, res); err != nil {
					return err
				}
				continue
			}
			for _, p := range pfds {
				if p.Revents == 0 {
					continue
				}
				fd := int(p.Fd)
				i := pending[fd]
				delete(pending, fd)
				soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
				if err != nil {
					return fmt.Errorf("getsockopt SO_ERROR: %w", err)
				}
				if soErr == 0 {
					res[i].Outcome = Connected
				} else {
					classify(&res[i], unix.Errno(soErr), fd)
				}
			}
		}
		if err := softErrors(pending, res); err != nil {
			return err
		}
		for _, i := range pending {
			res[i].Outcome = Timeout
		}
		return nil
	})
	return res, err
}

// softErrorEvery is how often ProbeTCP looks for soft errors.
const softErrorEvery = 20 * time.Millisecond

// softErrors settles the pending connects that have a soft error. An ICMP
// error that arrives while connect(2) still holds the socket's lock (on a
// veth it comes back within the call) does not end the connect: the kernel
// keeps it as the socket's soft error (TcpExtLockDroppedIcmps) and reports
// it only when the SYN's retries run out, and poll(2) does not wake for
// it. SO_ERROR returns it (and clears it): the other end did answer.
func softErrors(pending map[int]int, res []ProbeResult) error {
	for fd, i := range pending {
		soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return fmt.Errorf("getsockopt SO_ERROR: %w", err)
		}
		if soErr != 0 {
			classify(&res[i], unix.Errno(soErr), fd)
			delete(pending, fd)
		}
	}
	return nil
}

// connectNonblock opens a non-blocking TCP socket that queues the ICMP
// errors it gets (IP_RECVERR) and starts connecting to tg; the error is
// EINPROGRESS while the handshake runs.
func connectNonblock(tg netip.AddrPort) (int, error) {
	var sa unix.Sockaddr
	domain, level, opt := unix.AF_INET, unix.SOL_IP, unix.IP_RECVERR
	if tg.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(tg.Port()), Addr: tg.Addr().As4()}
	} else {
		domain, level, opt = unix.AF_INET6, unix.SOL_IPV6, unix.IPV6_RECVERR
		sa = &unix.SockaddrInet6{Port: int(tg.Port()), Addr: tg.Addr().As16()}
	}
	fd, err := unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, level, opt, 1); err != nil {
		return fd, fmt.Errorf("setsockopt RECVERR: %w", err)
	}
	return fd, unix.Connect(fd, sa)
}

// classify turns a connect error into an outcome; a refusal is by ICMP
// when the socket's error queue holds an ICMP error.
func classify(r *ProbeResult, err error, fd int) {
	switch {
	case errors.Is(err, unix.ECONNREFUSED):
		r.Outcome, r.ByICMP = Refused, icmpQueued(fd)
	case errors.Is(err, unix.ETIMEDOUT):
		r.Outcome = Timeout
	default:
		r.Outcome, r.Err = ProbeErr, err.Error()
	}
}

// icmpQueued says whether the socket's error queue holds an error that
// came as ICMP or ICMPv6.
func icmpQueued(fd int) bool {
	if fd < 0 {
		return false
	}
	oob := make([]byte, 512)
	_, oobn, _, _, err := unix.Recvmsg(fd, nil, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
	if err != nil {
		return false
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return false
	}
	for _, m := range msgs {
		// struct sock_extended_err: ee_errno (4 bytes), then ee_origin.
		if len(m.Data) > 4 && (m.Data[4] == unix.SO_EE_ORIGIN_ICMP || m.Data[4] == unix.SO_EE_ORIGIN_ICMP6) {
			return true
		}
	}
	return false
}

// NSRestore feeds rules to iptables-restore (or ip6tables-restore, by
// name) with --noflush in the network namespace ns: only the chains the
// input declares are flushed and refilled.
func NSRestore(ctx context.Context, ns, name string, rules []byte) error {
	_, errOut, err := NSCommand(ctx, ns, rules, name, "--noflush")
	if err != nil {
		return fmt.Errorf("%s --noflush: %w: %s", name, err, bytes.TrimSpace(errOut))
	}
	return nil
}
