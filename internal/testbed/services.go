package testbed

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Real services for the probes, sshd and fail2ban tests: each starts in
// the host's namespace and is stopped at the end of the test.

// Stop kills a process started with Start (and what it forked), waits for
// it to end and forgets it, so that waiting for a listener does not take
// its exit for a failure.
func (h *Host) Stop(t testing.TB, p *Proc) {
	t.Helper()
	p.kill(t)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.procs = slices.DeleteFunc(h.procs, func(q *Proc) bool { return q == p })
}

func (p *Proc) kill(t testing.TB) {
	t.Helper()
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // already gone is fine
	select {
	case <-p.done:
	case <-time.After(killTimeout):
		t.Fatalf("%s still running after SIGKILL", strings.Join(p.Args, " "))
	}
}

// StartRedis starts a real redis-server listening on bind:port (bind as
// redis takes it: "0.0.0.0", "127.0.0.1 -::1"), with --requirepass when
// password is not empty and with the given protected mode ("yes", the
// default, or "no"), and waits until it listens.
func (h *Host) StartRedis(t testing.TB, bind string, port int, password, protectedMode string) *Proc {
	t.Helper()
	Require(t, "redis-server")
	args := []string{"redis-server", "--port", strconv.Itoa(port), "--bind"}
	args = append(args, strings.Fields(bind)...)
	args = append(args, "--save", "", "--appendonly", "no", "--daemonize", "no")
	if protectedMode != "" {
		args = append(args, "--protected-mode", protectedMode)
	}
	if password != "" {
		if h.RedisPassword != "" && h.RedisPassword != password {
			t.Fatalf("StartRedis: the host already has another Redis password")
		}
		h.RedisPassword = password
		args = append(args, "--requirepass", password)
	}
	p := h.Start(t, args...)
	h.waitListen(t, port)
	return p
}

// StartHTTPD starts busybox httpd on listen ("0.0.0.0:5555") running as a
// copy of busybox named name (the process name a service shows, such as
// "flower"), serving an index page. With auth ("user:password") it demands
// HTTP basic authentication for every path (`-c` with "/:user:password")
// and answers 401 without it.
func (h *Host) StartHTTPD(t testing.TB, listen, name, auth string) *Proc {
	t.Helper()
	Require(t, "busybox")
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<html><body>"+name+"</body></html>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	binDir := filepath.Join(ownersDir, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := ownerBin(t, binDir, name)
	args := []string{"bash", "-c", `exec -a httpd "$0" "$@"`, bin, "-f", "-p", listen, "-h", dir}
	if auth != "" {
		conf := filepath.Join(t.TempDir(), "httpd.conf")
		if err := os.WriteFile(conf, []byte("/:"+auth+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-c", conf)
	}
	p := h.Start(t, args...)
	port, err := strconv.Atoi(listen[strings.LastIndexByte(listen, ':')+1:])
	if err != nil {
		t.Fatalf("StartHTTPD: listen %q: want ADDR:PORT", listen)
	}
	h.waitListen(t, port)
	return p
}

// privsep serialises the creation of sshd's privilege separation
// directory, which lives in the machine's /run (shared by every namespace).
var privsep sync.Mutex

// EnsureSSHDPrivsepDir creates /run/sshd, which sshd (and `sshd -T`)
// insist on, when the machine lacks it (no systemd to create it), and
// removes it at the end of the test if it created it.
func EnsureSSHDPrivsepDir(t testing.TB) {
	t.Helper()
	privsep.Lock()
	defer privsep.Unlock()
	const dir = "/run/sshd"
	if _, err := os.Stat(dir); err == nil {
		return
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		privsep.Lock()
		defer privsep.Unlock()
		os.Remove(dir)
	})
}

// SSHHostKeys generates a fresh set of host keys with ssh-keygen -A into
// dir/etc/ssh and returns that directory.
func SSHHostKeys(t testing.TB, dir string) string {
	t.Helper()
	Require(t, "ssh-keygen")
	etc := filepath.Join(dir, "etc", "ssh")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-A", "-f", dir).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -A -f %s: %v\n%s", dir, err, out)
	}
	return etc
}

// ConfigureSSHD gives the host an /etc/ssh of its own (/etc/netns/<NS>/ssh,
// which ip netns exec mounts over /etc/ssh): fresh host keys and
// sshd_config holding config. Called again, it replaces sshd_config only.
func (h *Host) ConfigureSSHD(t testing.TB, config string) {
	t.Helper()
	Require(t, "sshd", "ssh-keygen")
	EnsureSSHDPrivsepDir(t)
	dst := filepath.Join(h.etc, "ssh")
	if _, err := os.Stat(dst); os.IsNotExist(err) {
		keys := SSHHostKeys(t, t.TempDir())
		mustRun(t, "cp", "-a", "/etc/ssh", dst)
		old, _ := filepath.Glob(filepath.Join(dst, "ssh_host_*"))
		for _, f := range old {
			os.Remove(f)
		}
		fresh, _ := filepath.Glob(filepath.Join(keys, "ssh_host_*"))
		for _, f := range fresh {
			mustRun(t, "cp", "-a", f, dst)
		}
		// The machine's drop-ins would change what the test configures.
		os.RemoveAll(filepath.Join(dst, "sshd_config.d"))
		if err := os.Mkdir(filepath.Join(dst, "sshd_config.d"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dst, "sshd_config"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
}

// SSHDConfig returns a minimal sshd_config for the test host with the
// given PasswordAuthentication ("yes" or "no"), key-only otherwise.
func SSHDConfig(passwordAuth string) string {
	return fmt.Sprintf(`# mlscan testbed
Include /etc/ssh/sshd_config.d/*.conf
PasswordAuthentication %s
KbdInteractiveAuthentication no
PermitRootLogin no
PubkeyAuthentication yes
UsePAM no
X11Forwarding no
Subsystem sftp /usr/lib/openssh/sftp-server
`, passwordAuth)
}

// StartSSHD starts a real sshd in the foreground of the namespace (its own
// /etc/ssh, see ConfigureSSHD) and waits until it listens on port 22.
func (h *Host) StartSSHD(t testing.TB) *Proc {
	t.Helper()
	Require(t, "sshd")
	p := h.Start(t, "/usr/sbin/sshd", "-D", "-e")
	h.waitListen(t, 22)
	return p
}

// Fail2banSocket is where StartFail2ban's server listens, inside the
// host's folder (short enough for a unix socket path).
func (h *Host) Fail2banSocket() string {
	return filepath.Join("/run", "mlscan-f2b-"+h.NS, "fail2ban.sock")
}

// StartFail2ban starts a real fail2ban server in the namespace with an
// sshd jail (polling a log file of the test's) and its socket, pid file
// and log in a folder of the host's; the namespace's own /etc/fail2ban
// (/etc/netns/<NS>/fail2ban) says so, so a plain `fail2ban-client status`
// inside the namespace finds it. It returns the socket's path.
func (h *Host) StartFail2ban(t testing.TB) string {
	t.Helper()
	Require(t, "fail2ban-client")
	run := filepath.Dir(h.Fail2banSocket())
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(run) })
	conf := filepath.Join(h.etc, "fail2ban")
	if _, err := os.Stat(conf); os.IsNotExist(err) {
		mustRun(t, "cp", "-a", "/etc/fail2ban", conf)
	}
	authLog := filepath.Join(run, "auth.log")
	if err := os.WriteFile(authLog, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	jail := fmt.Sprintf("[DEFAULT]\nbackend = polling\n\n[sshd]\nenabled = true\nlogpath = %s\n", authLog)
	def := fmt.Sprintf("[Definition]\nsocket = %s\npidfile = %s\nlogtarget = %s\ndbfile = :memory:\n",
		h.Fail2banSocket(), filepath.Join(run, "fail2ban.pid"), filepath.Join(run, "fail2ban.log"))
	if err := os.WriteFile(filepath.Join(conf, "jail.local"), []byte(jail), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "fail2ban.local"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	out := h.MustExec(t, "fail2ban-client", "start")
	if !strings.Contains(out, "Server ready") {
		t.Fatalf("fail2ban-client start: %q, want Server ready", out)
	}
	t.Cleanup(func() {
		if _, err := os.Stat(h.Fail2banSocket()); err == nil {
			h.exec(t, "fail2ban-client", "stop")
		}
	})
	return h.Fail2banSocket()
}

// StopFail2ban stops the server StartFail2ban started.
func (h *Host) StopFail2ban(t testing.TB) {
	t.Helper()
	h.MustExec(t, "fail2ban-client", "stop")
	deadline := time.Now().Add(killTimeout)
	for {
		if _, err := os.Stat(h.Fail2banSocket()); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fail2ban's socket %s remains after fail2ban-client stop", h.Fail2banSocket())
		}
		time.Sleep(pollEvery)
	}
}
