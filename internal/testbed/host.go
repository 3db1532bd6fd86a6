package testbed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PeerAddr is the address of the LAN peer every Host gets.
const PeerAddr = "10.0.0.80/24"

// Time limits: one command in a namespace, a listener to appear, the
// processes of a namespace to die at clean-up.
const (
	execTimeout   = 2 * time.Minute
	listenTimeout = 10 * time.Second
	killTimeout   = 5 * time.Second
	pollEvery     = 50 * time.Millisecond
)

// ownersDir records which test process created each namespace, so that a
// later test process removes the namespaces of one that died before its
// clean-up ran (a `go test -timeout` panic skips t.Cleanup).
const ownersDir = "/run/mlscan-testbed"

// Host is a network namespace standing in for a server: loopback, one veth
// to a LAN peer namespace, and its own /etc/ufw and /etc/default (ip netns
// exec bind-mounts /etc/netns/<NS>/* over /etc). Commands run in it with
// Exec and Start see the hostname Name and start in "/".
type Host struct {
	// Name is the hostname inside the namespace (NewHost's name argument).
	Name string
	// NS is the network namespace's unique name (mls-xxxxxx).
	NS string
	// Addr is the server's address with its prefix (10.0.0.84/24), IP the
	// address alone.
	Addr, IP string
	// Peer is the LAN peer (PeerAddr), a namespace without UFW on the other
	// end of the veth. Nil for the peer itself.
	Peer *Host
	// RedisPassword is the requirepass of the redis-server that
	// StartDocumentedListeners starts (32 random hex digits).
	RedisPassword string

	etc   string // /etc/netns/<NS>; "" for the peer
	mu    sync.Mutex
	procs []*Proc
}

// NewHost creates a host named name (its hostname) with address addr (CIDR,
// 10.0.0.84/24) on a veth to a LAN peer at PeerAddr, loopback up, and a
// pristine UFW of its own: a copy of the machine's /etc/ufw and
// /etc/default with ENABLED=no, the package's empty user.rules and
// user6.rules and Debian's default policies. Everything is torn down at the
// end of the test, whether it passed or not.
func NewHost(t testing.TB, name, addr string) *Host {
	t.Helper()
	Require(t, "ip", "unshare", "hostname")
	ip, _, err := net.ParseCIDR(addr)
	if err != nil || ip.To4() == nil {
		t.Fatalf("NewHost %s: address %q: want an IPv4 CIDR like 10.0.0.84/24", name, addr)
	}
	peerIP, _, _ := net.ParseCIDR(PeerAddr)
	removeStaleHosts(t)

	h := &Host{Name: name, IP: ip.String(), Addr: addr}
	h.Peer = &Host{Name: name + "-lan", IP: peerIP.String(), Addr: PeerAddr}
	h.NS = createNamespaces(t, h.Peer)
	h.etc = filepath.Join("/etc/netns", h.NS)
	t.Cleanup(func() { h.destroy(t) })

	mustRun(t, "ip", "link", "add", "eth0", "netns", h.NS, "address", mac(ip), "type", "veth",
		"peer", "name", "eth0", "netns", h.Peer.NS, "address", mac(peerIP))
	for _, x := range []*Host{h, h.Peer} {
		mustRun(t, "ip", "-n", x.NS, "addr", "add", x.Addr, "dev", "eth0")
		mustRun(t, "ip", "-n", x.NS, "link", "set", "eth0", "up")
		mustRun(t, "ip", "-n", x.NS, "link", "set", "lo", "up")
	}
	// Forwarding on, as on a Docker host, whatever the machine's own
	// setting (a new namespace may inherit it): ufw then reports routed
	// "deny" rather than "disabled".
	mustRun(t, "ip", "netns", "exec", h.NS, "sysctl", "-qw", "net.ipv4.ip_forward=1")

	if err := os.MkdirAll(h.etc, 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "cp", "-a", "/etc/ufw", filepath.Join(h.etc, "ufw"))
	mustRun(t, "cp", "-a", "/etc/default", filepath.Join(h.etc, "default"))
	if err := pristineUFW(h.etc); err != nil {
		t.Fatalf("NewHost %s: %v", name, err)
	}
	return h
}

// createNamespaces adds a server namespace with a fresh random name and the
// peer's namespace (<name>-lan), records the owner, and returns the name.
func createNamespaces(t testing.TB, peer *Host) string {
	t.Helper()
	if err := os.MkdirAll(ownersDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		ns := "mls-" + randomHex(3)
		if err := os.WriteFile(filepath.Join(ownersDir, ns), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := run("ip", "netns", "add", ns); err != nil {
			os.Remove(filepath.Join(ownersDir, ns))
			continue // taken: try another name
		}
		peer.NS = ns + "-lan"
		if out, err := run("ip", "netns", "add", peer.NS); err != nil {
			_ = destroyNamespace(ns) // a leftover of an earlier run; creating it again reports a failure
			os.Remove(filepath.Join(ownersDir, ns))
			t.Fatalf("ip netns add %s: %v: %s", peer.NS, err, out)
		}
		return ns
	}
	t.Fatal("ip netns add: no free mls-* name after 5 tries")
	return ""
}

// mac derives a fixed locally administered MAC address from an IPv4
// address, so the namespace's link-local address is the same every run.
func mac(ip net.IP) string {
	v4 := ip.To4()
	return fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", v4[0], v4[1], v4[2], v4[3])
}

// pristineUFW resets the copied UFW configuration under etc to the state of
// a fresh install, whatever the machine's own copy holds.
func pristineUFW(etc string) error {
	for _, f := range []string{"user.rules", "user6.rules"} {
		b, err := os.ReadFile(filepath.Join("/usr/share/ufw/iptables", f))
		if err != nil {
			return fmt.Errorf("pristine %s: %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(etc, "ufw", f), b, 0o640); err != nil {
			return err
		}
	}
	if err := setVars(filepath.Join(etc, "ufw", "ufw.conf"), "ENABLED=no", "LOGLEVEL=low"); err != nil {
		return err
	}
	return setVars(filepath.Join(etc, "default", "ufw"), "IPV6=yes",
		`DEFAULT_INPUT_POLICY="DROP"`, `DEFAULT_OUTPUT_POLICY="ACCEPT"`,
		`DEFAULT_FORWARD_POLICY="DROP"`, `DEFAULT_APPLICATION_POLICY="SKIP"`, "MANAGE_BUILTINS=no")
}

// setVars sets KEY=VALUE lines of a shell-style file, replacing the line
// that sets KEY or appending one.
func setVars(path string, vars ...string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for _, v := range vars {
		key, _, _ := strings.Cut(v, "=")
		found := false
		for i, l := range lines {
			if strings.HasPrefix(l, key+"=") {
				lines[i], found = v, true
			}
		}
		if !found {
			lines = append(lines, v)
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// command prepares args to run in the namespace with the host's hostname
// (a UTS namespace of its own) and "/" as working directory.
func (h *Host) command(ctx context.Context, args []string) *exec.Cmd {
	argv := append([]string{"netns", "exec", h.NS, "unshare", "--uts", "--",
		"sh", "-c", `hostname "$0" && exec "$@"`, h.Name}, args...)
	cmd := exec.CommandContext(ctx, "ip", argv...)
	cmd.Dir = "/"
	cmd.WaitDelay = time.Second
	return cmd
}

// Exec runs args in the namespace and returns its output and exit code. A
// command that cannot start or outlives execTimeout fails the test.
func (h *Host) Exec(t testing.TB, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	t.Logf("%s# %s", h.Name, h.shellLine(args))
	return h.exec(t, args...)
}

func (h *Host) exec(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	cmd := h.command(ctx, args)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s# %s: timed out after %s\n%s", h.Name, strings.Join(args, " "), execTimeout, errb.String())
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("%s# %s: %v", h.Name, strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), 0
}

// shellLine renders args for the test log, quoting where a shell would
// need it and hiding RedisPassword (tests grep their outputs for it).
func (h *Host) shellLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if h.RedisPassword != "" {
			a = strings.ReplaceAll(a, h.RedisPassword, "<RedisPassword>")
		}
		if a == "" || strings.ContainsAny(a, " \t'\"\\$|&;<>*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// MustExec runs args in the namespace and returns its standard output; a
// non-zero exit fails the test.
func (h *Host) MustExec(t testing.TB, args ...string) string {
	t.Helper()
	out, errOut, code := h.Exec(t, args...)
	if code != 0 {
		t.Fatalf("%s# %s: exit %d\n%s%s", h.Name, strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// Proc is a background process started with Host.Start.
type Proc struct {
	Args []string
	cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{}
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Output returns what the process wrote so far (stdout and stderr).
func (p *Proc) Output() string { return p.out.String() }

// logTailLines is how much of a background process's output a failed
// test logs: the test's own failures must stay readable (and within the
// part of a CI log that gets shown); the whole output goes to a file.
const logTailLines = 12

// logTail logs the last lines of p's output and writes all of it to a
// file under the temporary directory, whose path it logs.
func logTail(t testing.TB, host string, p *Proc) {
	out := strings.TrimRight(p.Output(), "\n")
	lines := strings.Split(out, "\n")
	name := strings.Join(p.Args, " ")
	where := ""
	if f, err := os.CreateTemp("", "mlscan-testbed-"+host+"-*.log"); err == nil {
		_, werr := f.WriteString(out + "\n")
		if cerr := f.Close(); werr == nil && cerr == nil {
			where = " (all of it: " + f.Name() + ")"
		}
	}
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	t.Logf("output of %s, last %d lines%s:\n%s", name, len(lines), where, strings.Join(lines, "\n"))
}

// Start runs args in the background in the namespace. The process is
// killed at the end of the test; if the test failed, its output is logged.
func (h *Host) Start(t testing.TB, args ...string) *Proc {
	t.Helper()
	t.Logf("%s# %s &", h.Name, h.shellLine(args))
	p := &Proc{Args: args, done: make(chan struct{})}
	p.cmd = h.command(context.Background(), args)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	// Its own process group, to kill what it forks; killed too if the test
	// process dies before its clean-up.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s# %s: %v", h.Name, strings.Join(args, " "), err)
	}
	go func() {
		_ = p.cmd.Wait() // the exit shows in Exited and the output
		close(p.done)
	}()
	h.mu.Lock()
	h.procs = append(h.procs, p)
	h.mu.Unlock()
	return p
}

// WaitListen waits until a TCP socket listens on port in the namespace
// (any address, IPv4 or IPv6). It fails the test after listenTimeout, or
// at once when a process of Start's has exited (say, the port was taken).
func (h *Host) WaitListen(t testing.TB, port int) {
	t.Helper()
	h.waitListen(t, port)
}

func (h *Host) waitListen(t testing.TB, ports ...int) {
	t.Helper()
	deadline := time.Now().Add(listenTimeout)
	for {
		out, errOut, code := h.exec(t, "cat", "/proc/net/tcp", "/proc/net/tcp6")
		if code != 0 {
			t.Fatalf("%s# cat /proc/net/tcp /proc/net/tcp6: exit %d: %s", h.Name, code, errOut)
		}
		listening := listeningPorts(out)
		var missing []string
		for _, p := range ports {
			if !listening[p] {
				missing = append(missing, strconv.Itoa(p))
			}
		}
		if len(missing) == 0 {
			return
		}
		if exited := h.exitedProcs(); exited != "" {
			t.Fatalf("%s: nothing listens on port %s and a background process has exited:%s", h.Name, strings.Join(missing, ", "), exited)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: nothing listens on port %s after %s", h.Name, strings.Join(missing, ", "), listenTimeout)
		}
		time.Sleep(pollEvery)
	}
}

// listeningPorts returns the ports of the LISTEN sockets in the text of
// /proc/net/tcp and /proc/net/tcp6.
func listeningPorts(procNet string) map[int]bool {
	ports := map[int]bool{}
	sc := bufio.NewScanner(strings.NewReader(procNet))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[3] != "0A" { // st 0A is TCP_LISTEN
			continue
		}
		i := strings.LastIndexByte(f[1], ':')
		if i < 0 {
			continue
		}
		if p, err := strconv.ParseUint(f[1][i+1:], 16, 16); err == nil {
			ports[int(p)] = true
		}
	}
	return ports
}

// exitedProcs describes the background processes that have already ended.
func (h *Host) exitedProcs() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, p := range h.procs {
		if p.Exited() {
			fmt.Fprintf(&b, "\n%s exited (%v): %s", strings.Join(p.Args, " "), p.cmd.ProcessState, p.Output())
		}
	}
	return b.String()
}

// destroy kills every process of both namespaces, deletes them and the
// host's /etc/netns folder. Anything it cannot remove fails the test.
func (h *Host) destroy(t testing.TB) {
	h.mu.Lock()
	procs := h.procs
	h.mu.Unlock()
	for _, p := range procs {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // waited for below
	}
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(killTimeout):
			t.Errorf("%s: %s still running after SIGKILL", h.Name, strings.Join(p.Args, " "))
		}
		if t.Failed() && p.Output() != "" {
			logTail(t, h.Name, p)
		}
	}
	for _, ns := range []string{h.NS, h.Peer.NS} {
		if err := destroyNamespace(ns); err != nil {
			t.Errorf("remove namespace %s: %v", ns, err)
		}
	}
	if err := os.RemoveAll(h.etc); err != nil {
		t.Errorf("remove %s: %v", h.etc, err)
	}
	os.Remove(filepath.Join(ownersDir, h.NS))
}

// destroyNamespace kills the processes in network namespace ns, waits for
// them to go and deletes ns. A namespace that does not exist is not an error.
func destroyNamespace(ns string) error {
	if _, err := os.Stat(filepath.Join("/run/netns", ns)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	deadline := time.Now().Add(killTimeout)
	for {
		out, err := run("ip", "netns", "pids", ns)
		if err != nil {
			return fmt.Errorf("ip netns pids: %v: %s", err, out)
		}
		pids := strings.Fields(out)
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %s survive SIGKILL", strings.Join(pids, " "))
		}
		for _, s := range pids {
			if pid, err := strconv.Atoi(s); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(pollEvery)
	}
	if out, err := run("ip", "netns", "del", ns); err != nil {
		return fmt.Errorf("ip netns del: %v: %s", err, out)
	}
	return nil
}

// removeStaleHosts removes the hosts of test processes that ended without
// their clean-up.
func removeStaleHosts(t testing.TB) {
	entries, _ := os.ReadDir(ownersDir)
	for _, e := range entries {
		ns := e.Name()
		b, err := os.ReadFile(filepath.Join(ownersDir, ns))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || alive(pid) {
			continue
		}
		t.Logf("removing host %s left by process %s", ns, strings.TrimSpace(string(b)))
		errA, errB := destroyNamespace(ns), destroyNamespace(ns+"-lan")
		if errA == nil && errB == nil && os.RemoveAll(filepath.Join("/etc/netns", ns)) == nil {
			os.Remove(filepath.Join(ownersDir, ns))
		}
	}
}

// run runs a command in the test's own namespaces and returns its
// combined output.
func run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), execTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

func mustRun(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := run(name, args...); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
