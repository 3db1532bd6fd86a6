package collectors

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// fakeProc is a proc tree whose net/tcp is the captured one and whose
// processes hold its sockets, with cgroup files in real formats.
func fakeProc(t *testing.T, procs map[int]fakeProcess) string {
	t.Helper()
	dir := copyNet(t, "0", "tcp", "tcp6", "udp", "udp6")
	for pid, p := range procs {
		pd := filepath.Join(dir, strconv.Itoa(pid))
		writeFile(t, filepath.Join(pd, "comm"), p.comm+"\n")
		writeFile(t, filepath.Join(pd, "cmdline"), strings.Join(p.argv, "\x00")+"\x00")
		writeFile(t, filepath.Join(pd, "cgroup"), p.cgroup)
		if p.noFD {
			continue // exited after the proc root was listed
		}
		if err := os.MkdirAll(filepath.Join(pd, "fd"), 0o755); err != nil {
			t.Fatal(err)
		}
		for fd, target := range p.fds {
			if err := os.Symlink(target, filepath.Join(pd, "fd", strconv.Itoa(fd))); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

type fakeProcess struct {
	comm   string
	argv   []string
	cgroup string
	fds    []string
	noFD   bool
}

const (
	dockerID = "2f6c3e1b0b5e7d5c0f3a9d4c8b7a6e5f4d3c2b1a09f8e7d6c5b4a39281706f5e"
	podmanID = "7d1f6a4e2c3b5a69788f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3"
	v1ID     = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
)

func TestSocketsContainerOwners(t *testing.T) {
	skipIfBigEndian(t)
	dir := fakeProc(t, map[int]fakeProcess{
		// Captured inodes: 16242 192.0.2.10:8080, 16198 127.0.0.1:10001,
		// 16218 0.0.0.0:8265, 15044 0.0.0.0:6380.
		4100: {comm: "redis-server", argv: []string{"redis-server *:6380"}, cgroup: "0::/system.slice/docker-" + dockerID + ".scope\n",
			fds: []string{"/dev/null", "/dev/null", "/dev/null", "pipe:[14910]", "anon_inode:[eventpoll]", "socket:[15044]"}},
		4200: {comm: "python3", argv: []string{"python3", "-m", "http.server", "8265"},
			cgroup: "12:memory:/docker/" + v1ID + "\n11:cpu,cpuacct:/docker/" + v1ID + "\n0::/\n",
			fds:    []string{"/dev/null", "socket:[16218]"}},
		4300: {comm: "flower", argv: []string{"celery", "flower", "--basic_auth=admin:pw"}, cgroup: "0::/machine.slice/libpod-" + podmanID + ".scope/container\n",
			fds: []string{"socket:[16242]"}},
		// A later fork of 4200 holding the same socket.
		4250: {comm: "python3-child", cgroup: "0::/\n", fds: []string{"socket:[16218]"}},
		// Gone by the time its fd table is listed.
		4000: {comm: "gone", cgroup: "0::/\n", noFD: true},
	})
	sec := collectFixture(t, dir, true)
	if sec.Owners.Status != snapshot.StatusOK {
		t.Errorf("owners = %+v, want ok: a vanished process is skipped silently", sec.Owners)
	}
	tests := []struct {
		port             int
		pid              int
		process, command string
		container        string
	}{
		{6380, 4100, "redis-server", "redis-server *:6380", dockerID},
		{8265, 4200, "python3", "python3 -m http.server 8265", v1ID},
		{8080, 4300, "flower", "celery flower --basic_auth=<redacted>", podmanID},
		{10001, 0, "", "", ""},
	}
	for _, tt := range tests {
		l := find(sec.Listeners, "tcp", "ipv4", tt.port)
		got := fmt.Sprint(l.PID, l.Process, l.Command, l.ContainerID)
		if want := fmt.Sprint(tt.pid, tt.process, tt.command, tt.container); got != want {
			t.Errorf("port %d: owner = %s, want %s", tt.port, got, want)
		}
	}
}

func TestMapOwnersCancelled(t *testing.T) {
	skipIfBigEndian(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ls, err := parseProcNet(openFixture(t, "tcp"), "tcp", "ipv4")
	if err != nil {
		t.Fatal(err)
	}
	src, err := mapOwners(ctx, fixture, ls, true)
	if !errors.Is(err, context.Canceled) || src.Status != snapshot.StatusError || !strings.Contains(src.Error, "context canceled") {
		t.Errorf("got %+v, %v; want status error and context.Canceled", src, err)
	}
}

func TestContainerID(t *testing.T) {
	tests := []struct {
		name, cgroup, want string
	}{
		{"docker, cgroup v2, systemd driver", "0::/system.slice/docker-" + dockerID + ".scope\n", dockerID},
		{"docker, cgroup v1, cgroupfs driver", "12:memory:/docker/" + dockerID + "\n1:name=systemd:/docker/" + dockerID + "\n", dockerID},
		{"docker, cgroup v1, systemd driver", "4:memory:/system.slice/docker-" + dockerID + ".scope\n", dockerID},
		{"docker in docker: the inner one", "0::/docker/" + v1ID + "/docker/" + dockerID + "\n", dockerID},
		{"podman, systemd", "0::/machine.slice/libpod-" + podmanID + ".scope/container\n", podmanID},
		{"podman, rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + podmanID + ".scope/container\n", podmanID},
		{"podman, cgroupfs", "0::/libpod_parent/libpod-" + podmanID + "\n", podmanID},
		{"cri-o", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6a1d.slice/crio-" + dockerID + ".scope\n", dockerID},
		{"containerd, systemd", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod3f2e.slice/cri-containerd-" + dockerID + ".scope\n", dockerID},
		{"containerd, cgroupfs", "0::/kubepods/besteffort/pod3f2e9d1c-5b6a-4c7d-8e9f-0a1b2c3d4e5f/" + dockerID + "\n", dockerID},
		{"containerd, kind", "0::/system.slice/containerd.service/kubepods-burstable-pod3f2e.slice:cri-containerd:" + dockerID + "\n", dockerID},
		{"podman's conmon is not the container", "0::/machine.slice/libpod-conmon-" + podmanID + ".scope\n", ""},
		{"host process", "0::/user.slice/user-0.slice/session-1.scope\n", ""},
		{"host process, captured", mustRead(t, fixture+"/9092/cgroup"), ""},
		{"uppercase is not an id", "0::/docker/" + strings.ToUpper(dockerID) + "\n", ""},
		{"bare id outside a container manager", "0::/system.slice/" + dockerID + "\n", ""},
		{"short id", "0::/system.slice/docker-" + dockerID[:12] + ".scope\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := containerID(tt.cgroup); got != tt.want {
				t.Errorf("containerID(%q) = %q, want %q", tt.cgroup, got, tt.want)
			}
		})
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		max  int
		want string
	}{
		{"redis title padded with NULs (captured)", mustRead(t, fixture+"/9092/cmdline"), maxCmdline, "redis-server *:6380"},
		{"argv", "nc\x00-l\x00127.0.0.1\x0010001\x00", maxCmdline, "nc -l 127.0.0.1 10001"},
		{"empty argument kept", "a\x00\x00b\x00", maxCmdline, "a  b"},
		{"kernel thread", "", maxCmdline, ""},
		{"cut", "redis-server\x00--requirepass\x00S3cretPassw0rd\x00", 40, "redis-server --requirepass <redacted> [truncated]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := commandLine([]byte(tt.raw), tt.max); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// A service restarted between the socket table and the fd tables: the
// snapshot's listener has the old inode, which nobody holds; the second
// chance reads the table again and takes the new socket and its owner.
func TestRemapUnownedAfterRestart(t *testing.T) {
	skipIfBigEndian(t)
	dir := fakeProc(t, map[int]fakeProcess{
		4200: {comm: "python3", argv: []string{"python3", "-m", "http.server", "8265"}, cgroup: "0::/\n", fds: []string{"socket:[16218]"}},
	})
	sec := collectFixture(t, dir, true)
	l := find(sec.Listeners, "tcp", "ipv4", 8265)
	ls := []snapshot.Listener{*l}
	ls[0].Inode, ls[0].PID, ls[0].Process = 99999, 0, "" // the socket before the restart
	remapUnowned(context.Background(), dir, ls, true)
	if ls[0].PID != 4200 || ls[0].Inode != 16218 || ls[0].Process != "python3" {
		t.Errorf("after the second chance: %+v, want pid 4200 on inode 16218", ls[0])
	}
	// Without root nothing is read again.
	ls[0].Inode, ls[0].PID = 99999, 0
	remapUnowned(context.Background(), dir, ls, false)
	if ls[0].PID != 0 {
		t.Errorf("non-root: %+v, want left unowned", ls[0])
	}
}
