package testbed

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A real Docker Engine for the testbed: dockerd (Debian's docker.io) started
// inside a host's network namespace with a state of its own (--data-root,
// --exec-root, its socket, its own managed containerd and containerd
// namespace), so that it manages that namespace's iptables only, exactly as
// on a real server behind UFW. It differs from Podman where the users'
// hosts do: bridge networking through nat PREROUTING DNAT and the DOCKER
// chains, no PIDs limit by default, --privileged refused in this sandbox
// (its capability bounding set is smaller than dockerd's full set).

// dockerdTimeout bounds dockerd's start and stop; dockerCmdTimeout one
// docker command.
const (
	dockerdTimeout   = 30 * time.Second
	dockerCmdTimeout = 2 * time.Minute
)

// Dockerd is the Docker Engine of one host and the containers it runs.
type Dockerd struct {
	h   *Host
	dir string
	// Sock is the API socket's path; Addr is it as DOCKER_HOST takes it.
	Sock, Addr string

	cmd  *exec.Cmd
	done chan struct{}
	log  syncBuffer
}

var rootfsTar struct {
	once sync.Once
	path string
	err  error
}

// testbedRootfs writes PodmanImage's root filesystem once per test process
// (dockerd imports it into each engine's own store).
func testbedRootfs(t testing.TB) string {
	t.Helper()
	r := &rootfsTar
	r.once.Do(func() {
		dir, err := os.MkdirTemp("", "mlscan-rootfs-")
		if err != nil {
			r.err = err
			return
		}
		r.path = filepath.Join(dir, "rootfs.tar")
		r.err = WriteRootfs(r.path)
	})
	if r.err != nil {
		t.Fatalf("testbed root filesystem: %v", r.err)
	}
	return r.path
}

// StartDockerd starts dockerd in the host's network namespace with its own
// state under a temporary folder, waits until its API answers and imports
// the testbed's image as PodmanImage. At the end of the test the
// containers are removed, dockerd is stopped and its state deleted.
func (h *Host) StartDockerd(t testing.TB) *Dockerd {
	t.Helper()
	Require(t, "dockerd", "docker", "nsenter", "busybox", "redis-server")
	dir, err := os.MkdirTemp("", "mlscan-dockerd-")
	if err != nil {
		t.Fatal(err)
	}
	d := &Dockerd{h: h, dir: dir, Sock: filepath.Join(dir, "docker.sock")}
	d.Addr = "unix://" + d.Sock
	t.Cleanup(func() { d.destroy(t) })

	ns := "mls" + randomHex(4)
	d.cmd = exec.Command("nsenter", "--net=/run/netns/"+h.NS, "dockerd",
		"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"-H", d.Addr, "--pidfile", filepath.Join(dir, "dockerd.pid"),
		"--containerd-namespace", ns, "--containerd-plugins-namespace", ns+"-plugins")
	d.cmd.Stdout, d.cmd.Stderr = &d.log, &d.log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d.done = make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(d.done) }() // its exit is seen in d.done and the log
	for !d.answers() {
		select {
		case <-d.done:
			t.Fatalf("dockerd exited: %s", d.log.String())
		default:
		}
		if time.Since(start) > dockerdTimeout {
			t.Fatalf("dockerd: no answer on %s after %s: %s", d.Sock, dockerdTimeout, d.log.String())
		}
		time.Sleep(pollEvery)
	}
	d.Docker(t, "import", "--change", "CMD [\"/bin/sh\"]", testbedRootfs(t), PodmanImage)
	t.Logf("%s: dockerd %s ready with %s in %s", h.Name, d.Docker(t, "version", "--format", "{{.Server.Version}}"),
		PodmanImage, time.Since(start).Round(time.Millisecond))
	return d
}

// answers reports whether the API answers /_ping.
func (d *Dockerd) answers() bool {
	c, err := net.DialTimeout("unix", d.Sock, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second)) // without it the read below only waits longer
	fmt.Fprint(c, "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
	b := make([]byte, 64)
	n, _ := c.Read(b)
	return bytes.Contains(b[:n], []byte(" 200 "))
}

// docker runs the docker client against this engine.
func (d *Dockerd) docker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dockerCmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", slices.Concat([]string{"-H", d.Addr}, args)...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(d.dir, "client"))
	return runBounded(ctx, cmd, dockerCmdTimeout)
}

// Docker runs the docker command line against this engine and returns its
// output; a failure fails the test.
func (d *Dockerd) Docker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := d.docker(args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", d.h.shellLine(args), err, d.h.redact(out))
	}
	return strings.TrimSpace(out)
}

// Tag gives PodmanImage other names (docker.io/library/redis:7.2-alpine).
func (d *Dockerd) Tag(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		d.Docker(t, "tag", PodmanImage, n)
	}
}

// Run starts a detached container named name; args are docker run's other
// options, the image and the command.
func (d *Dockerd) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	argv := slices.Concat([]string{"run", "-d", "--name", name}, args)
	t.Logf("%s# docker %s", d.h.Name, d.h.shellLine(argv))
	return d.Docker(t, argv...)
}

// Remove removes containers at once (SIGKILL).
func (d *Dockerd) Remove(t testing.TB, names ...string) {
	t.Helper()
	d.Docker(t, append([]string{"rm", "-f"}, names...)...)
}

// Kind is EngineDockerd.
func (d *Dockerd) Kind() EngineKind { return EngineDockerd }

// DockerHost is Addr: dockerd's own socket.
func (d *Dockerd) DockerHost() string { return d.Addr }

// PS lists the engine's containers with their status (the engine is the
// host's own: every container is the host's).
func (d *Dockerd) PS() (string, error) {
	return d.docker("ps", "-a", "--format", "{{.Names}} {{.Status}}")
}

// Logs is the output of container name.
func (d *Dockerd) Logs(name string) (string, error) {
	return d.docker("logs", name)
}

// destroy removes every container, stops dockerd (and the containerd it
// manages), unmounts what is left under its state and deletes it.
func (d *Dockerd) destroy(t testing.TB) {
	if d.cmd != nil && d.cmd.Process != nil {
		if out, err := d.docker("ps", "-aq"); err == nil {
			if ids := strings.Fields(out); len(ids) > 0 {
				if out, err := d.docker(append([]string{"rm", "-f"}, ids...)...); err != nil {
					t.Errorf("clean-up: docker rm: %v: %s", err, out)
				}
			}
		}
		_ = d.cmd.Process.Signal(syscall.SIGTERM) // already gone is fine
		select {
		case <-d.done:
		case <-time.After(dockerdTimeout):
			t.Errorf("clean-up: dockerd still runs %s after SIGTERM: killed", dockerdTimeout)
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	}
	// The managed containerd and shims outlive dockerd for a moment.
	deadline := time.Now().Add(dockerdTimeout)
	for len(procsMentioning(d.dir)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, pid := range procsMentioning(d.dir) {
		_ = syscall.Kill(pid, syscall.SIGKILL) // best effort: the data-root is removed next
	}
	unmountUnder(d.dir)
	if err := os.RemoveAll(d.dir); err != nil {
		t.Errorf("clean-up: %v", err)
	}
	if t.Failed() {
		lines := strings.Split(strings.TrimSpace(d.log.String()), "\n")
		t.Logf("dockerd log (last lines):\n%s", strings.Join(lines[max(0, len(lines)-20):], "\n"))
	}
}
