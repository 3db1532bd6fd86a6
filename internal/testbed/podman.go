package testbed

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Podman for the testbed: one storage (--root, --runroot, --tmpdir) per
// test process, holding the one imported image every host's containers
// run, and per host an API service (`podman system service`) started in
// the host's network namespace, so that --network host containers live in
// that namespace. Each host's containers carry the label
// mlscan.testbed=<NS> and are removed with the host; the storage itself is
// removed by ShutdownPodman at the end of the test process (TestMain), or
// by the next test process if this one died.

// PodmanImage is the testbed's image: busybox-static (its applets), a
// redis-server with its libraries, the stand-in services of
// internal/testbed/standin.sh under the names of the real commands, and an
// /etc/passwd with celery:1000. Tag it under the names the document's
// images have with Podman.Tag.
const PodmanImage = "localhost/mlscan-testbed:latest"

// podmanTimeout bounds one podman command; serviceTimeout the API
// service's start and stop; conmonTimeout the wait for conmon's clean-up
// processes after the containers are removed.
const (
	podmanTimeout  = 2 * time.Minute
	serviceTimeout = 30 * time.Second
	conmonTimeout  = 30 * time.Second
)

// PodmanUlimits are the limits the sandbox allows (Podman's defaults
// exceed them; --privileged needs nproc too).
var PodmanUlimits = []string{"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"}

var podmanStore struct {
	once   sync.Once
	dir    string
	global []string
	err    error

	mu   sync.Mutex
	tags map[string]bool
}

// podmanStoreDirPrefix names the storage folders: <prefix><pid>.
const podmanStoreDirPrefix = "mlscan-podman-"

// sharedPodman creates the process's Podman storage and imports
// PodmanImage into it, once.
func sharedPodman(t testing.TB) (dir string, global []string) {
	t.Helper()
	s := &podmanStore
	s.once.Do(func() {
		removeStalePodmanStores()
		s.dir = filepath.Join(os.TempDir(), podmanStoreDirPrefix+strconv.Itoa(os.Getpid()))
		s.global = []string{
			"--root", filepath.Join(s.dir, "root"), "--runroot", filepath.Join(s.dir, "runroot"),
			"--tmpdir", filepath.Join(s.dir, "tmp"), "--runtime", "runc",
			"--cgroup-manager", "cgroupfs", "--events-backend", "file",
		}
		s.tags = map[string]bool{}
		start := time.Now()
		s.err = importImage(s.dir, s.global)
		if s.err == nil {
			t.Logf("podman: imported %s into %s in %s", PodmanImage, s.dir, time.Since(start).Round(time.Millisecond))
		}
	})
	if s.err != nil {
		t.Fatalf("podman storage: %v", s.err)
	}
	return s.dir, s.global
}

func importImage(dir string, global []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tarPath := filepath.Join(dir, "rootfs.tar")
	if err := WriteRootfs(tarPath); err != nil {
		return fmt.Errorf("root filesystem: %w", err)
	}
	defer os.Remove(tarPath)
	out, err := podmanCmd(nil, global, "import", "--change", "CMD=/bin/sh", tarPath, PodmanImage)
	if err != nil {
		return fmt.Errorf("podman import: %v: %s", err, out)
	}
	return nil
}

// ShutdownPodman removes the process's Podman storage. Call it from
// TestMain after m.Run: every host has removed its containers and stopped
// its service by then.
func ShutdownPodman() {
	s := &podmanStore
	if s.dir == "" {
		return
	}
	removePodmanStore(s.dir)
}

// removePodmanStore kills what still runs on the storage at dir, unmounts
// what is mounted below it and deletes it.
func removePodmanStore(dir string) {
	deadline := time.Now().Add(conmonTimeout)
	for len(procsMentioning(dir)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, pid := range procsMentioning(dir) {
		_ = syscall.Kill(pid, syscall.SIGKILL) // best effort: a leftover of an earlier run
	}
	unmountUnder(dir)
	os.RemoveAll(dir)
}

// removeStalePodmanStores removes the storage of test processes that died
// before ShutdownPodman ran.
func removeStalePodmanStores() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), podmanStoreDirPrefix+"*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), podmanStoreDirPrefix))
		if err == nil && pid != os.Getpid() && !alive(pid) {
			removePodmanStore(d)
		}
	}
}

// procsMentioning lists the processes whose command line mentions s.
func procsMentioning(s string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// unmountUnder lazily unmounts what is still mounted below dir, deepest
// first.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var mnts []string
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			mnts = append(mnts, f[4])
		}
	}
	slices.SortFunc(mnts, func(a, b string) int { return len(b) - len(a) })
	for _, m := range mnts {
		_ = syscall.Unmount(m, syscall.MNT_DETACH) // best effort before the removal, which reports
	}
}

// podmanCmd runs podman with the storage flags, in network namespace ns
// (through nsenter: `ip netns exec` remounts /sys and hides the cgroup
// mounts runc needs) unless h is nil.
func podmanCmd(h *Host, global []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), podmanTimeout)
	defer cancel()
	argv := slices.Concat(global, args)
	var cmd *exec.Cmd
	if h != nil {
		cmd = exec.CommandContext(ctx, "nsenter", slices.Concat([]string{"--net=/run/netns/" + h.NS, "podman"}, argv)...)
	} else {
		cmd = exec.CommandContext(ctx, "podman", argv...)
	}
	return runBounded(ctx, cmd, podmanTimeout)
}

// runBounded runs cmd, whose context has the given timeout, and returns
// its standard output, or its standard output and error with the error.
func runBounded(ctx context.Context, cmd *exec.Cmd, timeout time.Duration) (string, error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.String() + errb.String(), fmt.Errorf("timed out after %s", timeout)
	}
	if err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}

// Podman is the API service of one host and the containers it runs.
type Podman struct {
	h      *Host
	global []string
	// Sock is the API socket's path; Addr is it as DOCKER_HOST takes it.
	Sock, Addr string

	svc     *exec.Cmd
	svcDone chan struct{}
	log     syncBuffer
}

// StartPodman starts Podman's Docker-compatible API service in the host's
// network namespace on the process's storage, and waits until it answers.
// The host's containers are removed, the service stopped and conmon's
// clean-up awaited at the end of the test.
func (h *Host) StartPodman(t testing.TB) *Podman {
	t.Helper()
	Require(t, "podman", "runc", "nsenter")
	dir, global := sharedPodman(t)
	p := &Podman{h: h, global: global, Sock: filepath.Join(dir, h.NS+".sock")}
	p.Addr = "unix://" + p.Sock
	os.Remove(p.Sock)
	t.Cleanup(func() { p.destroy(t) })

	argv := slices.Concat([]string{"--net=/run/netns/" + h.NS, "podman"}, global,
		[]string{"system", "service", "--time=0", p.Addr})
	p.svc = exec.Command("nsenter", argv...)
	p.svc.Stdout, p.svc.Stderr = &p.log, &p.log
	p.svc.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.svc.Start(); err != nil {
		t.Fatal(err)
	}
	p.svcDone = make(chan struct{})
	go func() { _ = p.svc.Wait(); close(p.svcDone) }()
	deadline := time.Now().Add(serviceTimeout)
	for {
		if c, err := net.Dial("unix", p.Sock); err == nil {
			c.Close()
			return p
		}
		select {
		case <-p.svcDone:
			t.Fatalf("podman system service exited: %s", p.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("podman system service: no socket after %s: %s", serviceTimeout, p.log.String())
		}
		time.Sleep(pollEvery)
	}
}

// label marks the containers of this host.
func (p *Podman) label() string { return "mlscan.testbed=" + p.h.NS }

// Podman runs the podman command line on the storage in the host's
// namespace and returns its output; a failure fails the test.
func (p *Podman) Podman(t testing.TB, args ...string) string {
	t.Helper()
	out, err := podmanCmd(p.h, p.global, args...)
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", p.h.shellLine(args), err, p.h.redact(out))
	}
	return strings.TrimSpace(out)
}

// Tag gives PodmanImage another name (docker.io/library/redis:7.2-alpine),
// once per test process.
func (p *Podman) Tag(t testing.TB, names ...string) {
	t.Helper()
	s := &podmanStore
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if !s.tags[n] {
			p.Podman(t, "tag", PodmanImage, n)
			s.tags[n] = true
		}
	}
}

// Run starts a detached container named name with the sandbox's ulimits
// and the host's label; args are podman run's other options, the image
// and the command.
func (p *Podman) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	argv := slices.Concat([]string{"run", "-d", "--name", name, "--label", p.label()}, PodmanUlimits, args)
	t.Logf("%s# podman %s", p.h.Name, p.h.shellLine(argv))
	return p.Podman(t, argv...)
}

// Remove removes containers at once (SIGKILL).
func (p *Podman) Remove(t testing.TB, names ...string) {
	t.Helper()
	p.Podman(t, append([]string{"rm", "-f", "-t", "0"}, names...)...)
}

// Kind is EnginePodman.
func (p *Podman) Kind() EngineKind { return EnginePodman }

// DockerHost is Addr: Podman's Docker-compatible API.
func (p *Podman) DockerHost() string { return p.Addr }

// PS lists the host's containers with their status.
func (p *Podman) PS() (string, error) {
	return podmanCmd(p.h, p.global, "ps", "-a", "--filter", "label="+p.label(), "--format", "{{.Names}} {{.Status}}")
}

// Logs is the output of container name.
func (p *Podman) Logs(name string) (string, error) {
	return podmanCmd(p.h, p.global, "logs", name)
}

// destroy removes the host's containers, stops the service and waits for
// conmon and Podman's clean-up processes in the namespace to end.
func (p *Podman) destroy(t testing.TB) {
	if out, err := podmanCmd(p.h, p.global, "ps", "-aq", "--filter", "label="+p.label()); err != nil {
		t.Errorf("clean-up: podman ps: %v: %s", err, out)
	} else if ids := strings.Fields(out); len(ids) > 0 {
		if out, err := podmanCmd(p.h, p.global, append([]string{"rm", "-f", "-t", "0"}, ids...)...); err != nil {
			t.Errorf("clean-up: podman rm: %v: %s", err, out)
		}
	}
	if p.svc != nil && p.svc.Process != nil {
		_ = p.svc.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.svcDone:
		case <-time.After(serviceTimeout):
			_ = p.svc.Process.Kill()
			<-p.svcDone
		}
	}
	os.Remove(p.Sock)
	// conmon's clean-up runs on for a while: let it finish before the
	// namespace is destroyed, or it is killed halfway and leaves state.
	deadline := time.Now().Add(conmonTimeout)
	for {
		left := p.podmanProcs()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("clean-up: podman processes %v still run in %s after %s", left, p.h.NS, conmonTimeout)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// podmanProcs lists the conmon and podman processes in the host's
// network namespace.
func (p *Podman) podmanProcs() []int {
	out, err := run("ip", "netns", "pids", p.h.NS)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		switch strings.TrimSpace(string(comm)) {
		case "conmon", "podman":
			pids = append(pids, pid)
		}
	}
	return pids
}

// redact hides the host's Redis password in text for the test log.
func (h *Host) redact(s string) string {
	if h.RedisPassword == "" {
		return s
	}
	return strings.ReplaceAll(s, h.RedisPassword, "<RedisPassword>")
}

// standinComms are the process names (comm) the stand-ins run as: copies
// of busybox under /opt/mlscan/bin, so that the registry's owner check sees
// the real service's name.
var standinComms = []string{
	"gcs_server", "dashboard", "ray", "raylet", "celery", "prometheus", "grafana",
	"cadvisor", "node_exporter", "traefik",
}

// standinCommands are the commands the images' real entrypoints have; each
// is standin.sh under that name.
var standinCommands = []string{
	"usr/local/bin/ray", "usr/local/bin/celery", "bin/prometheus", "usr/sbin/grafana",
	"usr/bin/cadvisor", "bin/node_exporter", "usr/local/bin/traefik",
}

// WriteRootfs writes the root filesystem of PodmanImage as a tar: busybox
// and its applets, the stand-ins, redis-server with the libraries ldd
// lists, and /etc/passwd with redis:999 and celery:1000.
func WriteRootfs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	dirs := map[string]bool{}
	var dirErr error // the first directory header that could not be written
	addDir := func(d string) {
		var chain []string
		for ; d != "." && d != "/" && d != ""; d = filepath.Dir(d) {
			chain = append([]string{d}, chain...)
		}
		for _, p := range chain {
			if !dirs[p] {
				dirs[p] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: 0o755}); err != nil && dirErr == nil {
					dirErr = err
				}
			}
		}
	}
	addFile := func(name string, body []byte, mode int64) error {
		addDir(filepath.Dir(name))
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))}); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	link := func(typ byte, name, target string) error {
		addDir(filepath.Dir(name))
		return tw.WriteHeader(&tar.Header{Typeflag: typ, Name: name, Linkname: target, Mode: 0o755})
	}
	copyFile := func(src, dst string) error {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return addFile(dst, b, 0o755)
	}

	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return err
	}
	if err := copyFile(busybox, "bin/busybox"); err != nil {
		return err
	}
	for _, a := range []string{"sh", "sleep", "httpd", "nc", "true", "cat", "id", "sed", "tr", "head", "ps", "wget", "env"} {
		if err := link(tar.TypeSymlink, "bin/"+a, "busybox"); err != nil {
			return err
		}
	}
	// The stand-ins' process names: hard links, one copy of busybox.
	for _, c := range standinComms {
		if err := link(tar.TypeLink, "opt/mlscan/bin/"+c, "bin/busybox"); err != nil {
			return err
		}
	}
	if err := addFile("opt/mlscan/standin.sh", []byte(standinScript), 0o755); err != nil {
		return err
	}
	for _, cmd := range standinCommands {
		if err := link(tar.TypeLink, cmd, "opt/mlscan/standin.sh"); err != nil {
			return err
		}
	}

	redis, err := exec.LookPath("redis-server")
	if err != nil {
		return err
	}
	if redis, err = filepath.EvalSymlinks(redis); err != nil {
		return err
	}
	if err := copyFile(redis, "usr/local/bin/redis-server"); err != nil {
		return err
	}
	out, err := exec.Command("ldd", redis).Output()
	if err != nil {
		return fmt.Errorf("ldd %s: %w", redis, err)
	}
	for _, lib := range regexp.MustCompile(`(/\S+) \(0x`).FindAllStringSubmatch(string(out), -1) {
		resolved, err := filepath.EvalSymlinks(lib[1])
		if err != nil {
			return err
		}
		if err := copyFile(resolved, strings.TrimPrefix(lib[1], "/")); err != nil {
			return err
		}
	}

	// The Ray dashboard's answers without a token, as Ray 2.54 gives them
	// with authentication off (RAY_AUTH_MODE unset).
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" +
			"redis:x:999:999::/data:/bin/false\ncelery:x:1000:1000::/app:/bin/sh\ngrafana:x:472:0::/usr/share/grafana:/bin/false\n",
		"etc/group":                       "root:x:0:\nnobody:x:65534:\nredis:x:999:\ncelery:x:1000:\n",
		"srv/ray/api/version":             `{"version": "4", "ray_version": "` + RayVersion + `", "ray_commit": "0d4b4a4bbf8e2c4e2d0d5f1b5e8e3f1d2c5b6a7e"}` + "\n",
		"srv/ray/api/authentication_mode": `{"authentication_mode": "disabled"}` + "\n",
		"srv/ray/index.html":              "<!doctype html><title>Ray Dashboard</title>\n",
		"srv/www/index.html":              "<!doctype html><title>ok</title>\n",
	}
	for name, body := range files {
		if err := addFile(name, []byte(body), 0o644); err != nil {
			return err
		}
	}
	for _, d := range []string{"data", "app", "run", "etc/prometheus", "etc/traefik/dynamic", "prometheus"} {
		addDir(d)
	}
	dirs["tmp"] = true
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777}); err != nil {
		return err
	}
	if dirErr != nil {
		return dirErr
	}
	return tw.Close()
}

// RayVersion is the Ray release the dashboard stand-in reports.
const RayVersion = "2.54.0"

// standinScript runs a busybox stand-in for each real service, chosen by
// the name it runs under ($0) and configured by the real command's flags
// and environment, so that the containers' commands are the real ones:
// `ray start --head --port=6379 ...`, `celery flower --port=5555`,
// `prometheus --web.listen-address=127.0.0.1:9090`. Every server is a
// busybox httpd run as a copy of busybox named like the real process.
const standinScript = `#!/bin/sh
# mlscan testbed stand-in: serves HTTP where the real service listens,
# under the real service's process name.
for a in "$@"; do
	case "$a" in
	--*=*)
		k=${a%%=*}; k=$(echo "${k#--}" | tr '.-' '__')
		eval "opt_$k=\${a#*=}";;
	esac
done
serve() { # comm listen root [conf]
	if [ -n "$4" ]; then
		exec -a httpd /opt/mlscan/bin/$1 -f -p "$2" -h "$3" -c "$4"
	fi
	exec -a httpd /opt/mlscan/bin/$1 -f -p "$2" -h "$3"
}
authconf() { # file user:password
	umask 077
	echo "/:$2" > "$1"
}
case "${0##*/}" in
ray)
	ip=${opt_node_ip_address:-127.0.0.1}
	(serve gcs_server "0.0.0.0:${opt_port:-6379}" /srv/www) &
	(serve dashboard "${opt_dashboard_host:-127.0.0.1}:${opt_dashboard_port:-8265}" /srv/ray) &
	(serve ray "0.0.0.0:${opt_ray_client_server_port:-10001}" /srv/www) &
	[ -n "$opt_metrics_export_port" ] && (serve raylet "$ip:$opt_metrics_export_port" /srv/www) &
	[ -n "$opt_node_manager_port" ] && (serve raylet "$ip:$opt_node_manager_port" /srv/www) &
	[ -n "$opt_object_manager_port" ] && (serve raylet "$ip:$opt_object_manager_port" /srv/www) &
	wait;;
celery)
	case " $* " in
	*" inspect "*)
		exit 0;;
	*" flower "*)
		# Flower reads basic_auth from its flowerconfig.py.
		auth=$(sed -n 's/^basic_auth *= *\["\(.*\)"\]/\1/p' "${opt_conf:-/app/flowerconfig.py}")
		authconf /tmp/flower.conf "$auth"
		serve celery "${opt_address:-0.0.0.0}:${opt_port:-5555}" /srv/www /tmp/flower.conf;;
	*)
		exec -a sleep /opt/mlscan/bin/celery 2147483647;;
	esac;;
prometheus)
	serve prometheus "${opt_web_listen_address:-0.0.0.0:9090}" /srv/www;;
node_exporter)
	serve node_exporter "${opt_web_listen_address:-0.0.0.0:9100}" /srv/www;;
grafana)
	# Anonymous access off: every path asks for the admin's password.
	authconf /tmp/grafana.conf "admin:$(cat "$GF_SECURITY_ADMIN_PASSWORD__FILE")"
	serve grafana "${GF_SERVER_HTTP_ADDR:-0.0.0.0}:${GF_SERVER_HTTP_PORT:-3000}" /srv/www /tmp/grafana.conf;;
cadvisor)
	serve cadvisor "${opt_listen_ip:-0.0.0.0}:${opt_port:-8080}" /srv/www;;
traefik)
	web=${opt_entrypoints_web_address:-:80}
	(serve traefik "[::]:${web##*:}" /srv/www) &
	secure=${opt_entrypoints_websecure_address:-:443}
	serve traefik "[::]:${secure##*:}" /srv/www;;
*)
	echo "standin: unknown service ${0##*/}" >&2
	exit 2;;
esac
`
