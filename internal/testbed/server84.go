package testbed

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server84 is the whole host of the networking document, built from real
// parts in a network namespace: the document's UFW, a real sshd (key only)
// with fail2ban and an sshd jail, and a container engine (Podman's
// Docker-compatible API or a real dockerd) running every service as a
// host-network container with the labels Compose sets: the Redis broker (a
// real redis-server), three Celery workers, Flower, the Ray head,
// Prometheus, Grafana, cAdvisor, node-exporter and Traefik (busybox
// stand-ins under the real process names). Its LAN peer is 10.0.0.80, its
// outside host 192.0.2.10.
type Server84 struct {
	*Host
	// Outside is a host outside the private network, routed through the
	// server's second link (OutsideGW).
	Outside *Host
	// Engine runs the containers; Podman or Dockerd is the same engine
	// (the other is nil), for what only that engine has.
	Engine  Engine
	Podman  *Podman
	Dockerd *Dockerd
	// ComposeRoot is the infrastructure repository the containers' compose
	// labels point into (a copy of testdata/testbed/compose with the .env
	// files and flowerconfig.py that hold the secrets); give it to mlscan
	// as --source-root.
	ComposeRoot string
	// FlowerPassword is the password of Flower's basic authentication,
	// GrafanaPassword Grafana's admin password (a Compose secret).
	FlowerPassword, GrafanaPassword string
	// Containers are the running containers' specifications by name, as
	// the document has them (Documented) unless a test replaced one.
	Containers map[string]ContainerSpec

	sshd *Proc
}

// The images of the document's services, all tags of PodmanImage.
const (
	RedisImage = "docker.io/library/redis:7.2-alpine"
	// RedisVersion is the release redis:7.2-alpine names in its
	// environment (REDIS_VERSION); the redis-server inside is Debian's.
	RedisVersion      = "7.2.11"
	CeleryImage       = "localhost/distributed-ml/celery-worker:latest"
	FlowerImage       = "docker.io/mher/flower:2.2.0"
	RayImage          = "docker.io/rayproject/ray:" + RayVersion
	PrometheusImage   = "docker.io/prom/prometheus:v3.1.0"
	GrafanaImage      = "docker.io/grafana/grafana:11.4.0"
	CadvisorImage     = "gcr.io/cadvisor/cadvisor:v0.49.1"
	NodeExporterImage = "docker.io/prom/node-exporter:v1.8.2"
	TraefikImage      = "docker.io/library/traefik:v3.2.3"
)

// ContainerSpec is how one service's container is run: the options of
// `podman run` and `docker run` grouped so that a test can take one part
// away (User, Limits, Hardening) or change the environment, then Replace
// the container.
type ContainerSpec struct {
	Name string
	// Project, Service and ComposeFile (relative to ComposeRoot) become
	// the labels Compose sets.
	Project, Service, ComposeFile string
	Image                         string
	// Network is "host" unless set ("bridge" publishes Publish).
	Network string
	Publish []string
	User    string
	// Limits are the memory, swap, CPU and PIDs limits.
	Limits []string
	// Hardening are the security options, read-only root, restart policy
	// and healthcheck.
	Hardening []string
	Env       []string
	// Extra are other options: mounts, working directory.
	Extra []string
	// Entrypoint is the image's entrypoint replaced (podman takes it as a
	// JSON array, docker as one word: the others go before Cmd).
	Entrypoint []string
	Cmd        []string
	// Ports are the TCP ports its processes listen on in the namespace.
	Ports []int
}

// args renders the spec as the options, image and command of `run` for the
// engine kind. Each option means the same to both engines (dockerd 20.10
// and Podman 4.3), except where the engines differ:
//   - a read-only root: Podman adds tmpfs on /tmp, /var/tmp and /run
//     (read_only_tmpfs), dockerd nothing, so the same tmpfs are asked of
//     dockerd and the services that write /tmp start on both;
//   - --entrypoint: Podman takes a JSON array, docker one executable (the
//     other words go before the command).
func (c ContainerSpec) args(root string, kind EngineKind) []string {
	var a []string
	if c.Service != "" {
		dir := filepath.Join(root, filepath.Dir(c.ComposeFile))
		a = append(a,
			"--label", "com.docker.compose.project="+c.Project,
			"--label", "com.docker.compose.service="+c.Service,
			"--label", "com.docker.compose.project.config_files="+filepath.Join(root, c.ComposeFile),
			"--label", "com.docker.compose.project.working_dir="+dir,
			"--label", "com.docker.compose.container-number=1",
			"--label", "com.docker.compose.oneoff=False",
			"--label", "com.docker.compose.version=2.29.7",
		)
	}
	network := c.Network
	if network == "" {
		network = "host"
	}
	a = append(a, "--network", network)
	for _, p := range c.Publish {
		a = append(a, "-p", p)
	}
	if c.User != "" {
		a = append(a, "--user", c.User)
	}
	a = slices.Concat(a, c.Limits, c.Hardening)
	if kind == EngineDockerd && slices.Contains(c.Hardening, "--read-only") {
		a = append(a, "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run")
	}
	for _, e := range c.Env {
		a = append(a, "-e", e)
	}
	a = append(a, c.Extra...)
	cmd := c.Cmd
	switch {
	case len(c.Entrypoint) == 0:
	case kind == EngineDockerd:
		a = append(a, "--entrypoint", c.Entrypoint[0])
		cmd = slices.Concat(c.Entrypoint[1:], c.Cmd)
	default:
		a = append(a, "--entrypoint", jsonArray(c.Entrypoint))
	}
	a = append(a, c.Image)
	return append(a, cmd...)
}

// jsonArray renders a command as podman's --entrypoint JSON form.
func jsonArray(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = strconv.Quote(w)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// limits are the options of a memory limit (swap equal to it: none), a
// CPU limit and a PIDs limit.
func limits(memory, cpus string, pids int) []string {
	return []string{"--memory", memory, "--memory-swap", memory, "--cpus", cpus, "--pids-limit", strconv.Itoa(pids)}
}

// hardening are the options every service gets where the document says
// nothing against them: no new privileges, no capabilities, a read-only
// root (with tmpfs on /tmp, /var/tmp and /run: see args), a restart policy
// and a healthcheck.
func hardening(health string) []string {
	return []string{
		"--security-opt", "no-new-privileges", "--cap-drop", "ALL", "--read-only",
		"--restart", "unless-stopped", "--health-cmd", health, "--health-interval", "30s",
	}
}

// Documented returns the document's containers. What the document states
// is followed to the letter (host networking, Redis's command line, the
// workers' environment, the 0.0.0.0 binds of Redis, Flower and Ray); what
// it leaves open is done the way the catalogue's rules ask (non-root
// users, limits, hardening, Ray's ports pinned), so that a scan of the
// host fails exactly the document's own deviations.
func (s *Server84) Documented() []ContainerSpec {
	broker := "redis://:" + s.RedisPassword + "@127.0.0.1:6380"
	celeryFile := "infrastructure/distributed-ml/celery/docker-compose.celery.yml"
	worker := func(name, queues, concurrency string) ContainerSpec {
		return ContainerSpec{
			Name: name, Project: "celery", Service: name, ComposeFile: celeryFile,
			Image: CeleryImage, User: "1000:1000",
			Limits:    limits("512m", "1", 512),
			Hardening: hardening("celery inspect ping || exit 1"),
			Env: []string{
				"CELERY_BROKER_URL=" + broker + "/0",
				"CELERY_RESULT_BACKEND=" + broker + "/1",
				"RAY_ADDRESS=ray://10.0.0.84:10001",
			},
			Extra: []string{"--workdir", "/app"},
			Cmd:   []string{"celery", "-A", "tasks", "worker", "--queues=" + queues, "--concurrency=" + concurrency, "--loglevel=info"},
		}
	}
	return []ContainerSpec{
		{
			// The document's broker, to the letter, without
			// no-new-privileges (Phase 2 removed it to start Redis).
			Name: "redis-celery", Project: "redis", Service: "redis",
			ComposeFile: "infrastructure/distributed-ml/redis/docker-compose.redis.yml",
			Image:       RedisImage, User: "999:999",
			Limits: limits("2g", "1", 256),
			Hardening: []string{"--cap-drop", "ALL", "--read-only", "--restart", "unless-stopped",
				"--health-cmd", "nc -z 127.0.0.1 6380 || exit 1", "--health-interval", "30s"},
			// The official image's environment names its release.
			Env:   []string{"REDIS_VERSION=" + RedisVersion},
			Extra: []string{"--tmpfs", "/data", "--workdir", "/data"},
			Cmd: []string{"redis-server", "--port", "6380", "--requirepass", s.RedisPassword,
				"--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru"},
			Ports: []int{6380},
		},
		worker("celery-worker-ml", "ml", "2"),
		worker("celery-worker-data", "data", "4"),
		worker("celery-worker-default", "default", "4"),
		{
			Name: "celery-flower", Project: "celery", Service: "flower", ComposeFile: celeryFile,
			Image: FlowerImage, User: "1000:1000",
			Limits:    limits("128m", "0.5", 128),
			Hardening: hardening("wget -q -O /dev/null http://127.0.0.1:5555/healthcheck || exit 1"),
			Env:       []string{"CELERY_BROKER_URL=" + broker + "/0"},
			Extra: []string{"--workdir", "/app",
				"-v", filepath.Join(s.ComposeRoot, "infrastructure/distributed-ml/celery/flowerconfig.py") + ":/app/flowerconfig.py:ro"},
			Cmd:   []string{"celery", "flower", "--port=5555", "--address=0.0.0.0", "--conf=/app/flowerconfig.py"},
			Ports: []int{5555},
		},
		{
			Name: "ray-head", Project: "ray", Service: "ray-head",
			ComposeFile: "infrastructure/distributed-ml/ray/docker-compose.ray-head.yml",
			Image:       RayImage, User: "1000:100",
			Limits:    limits("1g", "1", 1024),
			Hardening: hardening("wget -q -O /dev/null http://127.0.0.1:8265/api/version || exit 1"),
			Cmd: []string{"ray", "start", "--head", "--node-ip-address=10.0.0.84", "--port=6379",
				"--dashboard-host=0.0.0.0", "--dashboard-port=8265", "--ray-client-server-port=10001",
				"--metrics-export-port=9091", "--node-manager-port=10002", "--object-manager-port=10003",
				"--dashboard-agent-grpc-port=10004", "--dashboard-agent-listen-port=10005",
				"--runtime-env-agent-port=10006", "--min-worker-port=10100", "--max-worker-port=19999", "--block"},
			Ports: []int{6379, 8265, 10001, 9091, 10002, 10003},
		},
		s.monitoring("prometheus", PrometheusImage, "65534:65534", []string{"/bin/prometheus"},
			[]string{"--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
				"--web.listen-address=127.0.0.1:9090"}, nil, 9090),
		s.monitoring("grafana", GrafanaImage, "472:0", []string{"/usr/sbin/grafana"},
			[]string{"server", "--homepath=/usr/share/grafana"},
			[]string{"GF_SERVER_HTTP_ADDR=10.0.0.84", "GF_SERVER_HTTP_PORT=3002", "GF_AUTH_ANONYMOUS_ENABLED=false",
				"GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana_admin_password"}, 3002,
			"-v", filepath.Join(s.ComposeRoot, grafanaSecret)+":/run/secrets/grafana_admin_password:ro"),
		s.monitoring("cadvisor", CadvisorImage, "65534:65534", []string{"/usr/bin/cadvisor", "-logtostderr"},
			[]string{"--listen_ip=127.0.0.1", "--port=8080", "--docker_only=true"}, nil, 8080),
		s.monitoring("node-exporter", NodeExporterImage, "65534:65534", []string{"/bin/node_exporter"},
			[]string{"--web.listen-address=127.0.0.1:9100"}, nil, 9100),
		{
			Name: "traefik", Project: "traefik", Service: "traefik",
			ComposeFile: "infrastructure/traefik/docker-compose.traefik.yml",
			Image:       TraefikImage, User: "65534:65534",
			Limits:    limits("128m", "0.5", 128),
			Hardening: hardening("nc -z 127.0.0.1 80 || exit 1"),
			Cmd: []string{"traefik", "--entrypoints.web.address=:80", "--entrypoints.websecure.address=:443",
				"--providers.file.directory=/etc/traefik/dynamic"},
			Ports: []int{80, 443},
		},
	}
}

// monitoring is a service of the monitoring compose project.
func (s *Server84) monitoring(name, image, user string, entrypoint, cmd, env []string, port int, extra ...string) ContainerSpec {
	return ContainerSpec{
		Name: name, Project: "monitoring", Service: name,
		ComposeFile: "infrastructure/monitoring/docker-compose.monitoring.yml",
		Image:       image, User: user,
		Limits:    limits("128m", "0.5", 128),
		Hardening: hardening(fmt.Sprintf("nc -z 127.0.0.1 %d || exit 1", port)),
		Env:       env, Extra: extra, Entrypoint: entrypoint, Cmd: cmd, Ports: []int{port},
	}
}

// ServerOutsideIP is the server's address on the outside link (OutsideGW).
const ServerOutsideIP = "192.0.2.1"

// Server84Tools are the programs NewServer84 needs with any engine (the
// engine's own are in Server84EngineTools).
var Server84Tools = []string{
	"ip", "ufw", "iptables", "ip6tables", "nsenter", "unshare", "busybox",
	"redis-server", "sshd", "ssh-keygen", "fail2ban-client", "nc", "hostname",
}

// NewServer84 builds the documented host with its containers on the
// engine kind; everything is removed at the end of the test, whether it
// passed or not. Hosts on different engines can be built and used at the
// same time (each has its own namespaces, engine and ComposeRoot).
func NewServer84(t testing.TB, kind EngineKind) *Server84 {
	t.Helper()
	Require(t, slices.Concat(Server84Tools, Server84EngineTools[kind])...)
	start := time.Now()
	h := NewHost(t, "server-84", "10.0.0.84/24")
	s := &Server84{Host: h, Containers: map[string]ContainerSpec{}}
	s.Outside = NewOutside(t, h)
	// Traefik binds 80 and 443 as a non-root user.
	h.MustExec(t, "sysctl", "-qw", "net.ipv4.ip_unprivileged_port_start=0")
	h.ApplyDocumentedUFW(t)

	h.ConfigureSSHD(t, DocumentedSSHDConfig("no"))
	s.sshd = h.StartSSHD(t)
	h.StartFail2ban(t)

	h.RedisPassword = randomHex(16)
	s.FlowerPassword = randomHex(16)
	s.GrafanaPassword = randomHex(16)
	// A fixed checkout path, so the captured snapshot's compose labels are
	// the same from run to run (reports map it with --source-root); one
	// per engine, so that hosts on both engines run at the same time.
	s.ComposeRoot = composeCheckout(kind)
	if err := os.RemoveAll(s.ComposeRoot); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(s.ComposeRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	root := s.ComposeRoot
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := s.writeComposeRoot(); err != nil {
		t.Fatal(err)
	}

	s.Engine = startEngine(t, h, kind)
	s.Podman, _ = s.Engine.(*Podman)
	s.Dockerd, _ = s.Engine.(*Dockerd)
	specs := s.Documented()
	var images []string
	for _, c := range specs {
		images = append(images, c.Image)
	}
	s.Engine.Tag(t, images...)
	var ports []int
	for _, c := range specs {
		s.Engine.Run(t, c.Name, c.args(s.ComposeRoot, kind)...)
		s.Containers[c.Name] = c
		ports = append(ports, c.Ports...)
	}
	s.waitPorts(t, append(ports, 22)...)
	t.Logf("server-84 (%s): built in %s", kind, time.Since(start).Round(time.Millisecond))
	return s
}

// composeCheckout is the ComposeRoot of a host on engine kind:
// ComposeCheckout for Podman (the captured snapshot's), beside it for the
// others.
func composeCheckout(kind EngineKind) string {
	if kind == EnginePodman {
		return ComposeCheckout
	}
	return ComposeCheckout + "-" + string(kind)
}

// Replace removes the container c.Name and runs c in its place, waiting
// for its ports.
func (s *Server84) Replace(t testing.TB, c ContainerSpec) {
	t.Helper()
	if _, ok := s.Containers[c.Name]; ok {
		s.Engine.Remove(t, c.Name)
		delete(s.Containers, c.Name)
	}
	s.Engine.Run(t, c.Name, c.args(s.ComposeRoot, s.Engine.Kind())...)
	s.Containers[c.Name] = c
	if len(c.Ports) > 0 {
		s.waitPorts(t, c.Ports...)
	}
}

// containerStartTimeout bounds the wait for the containers' listeners
// (generous: CI runs other packages' tests on the same two cores).
const containerStartTimeout = 30 * time.Second

// waitPorts waits until something listens on every port; when not, it
// fails the test with the containers' states and logs.
func (s *Server84) waitPorts(t testing.TB, ports ...int) {
	t.Helper()
	deadline := time.Now().Add(containerStartTimeout)
	for {
		out, _, _ := s.exec(t, "cat", "/proc/net/tcp", "/proc/net/tcp6")
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
		if time.Now().After(deadline) {
			var b strings.Builder
			ps, _ := s.Engine.PS()
			b.WriteString(ps)
			for name := range s.Containers {
				logs, _ := s.Engine.Logs(name)
				if strings.TrimSpace(logs) != "" {
					fmt.Fprintf(&b, "--- logs of %s:\n%s\n", name, logs)
				}
			}
			t.Fatalf("%s: nothing listens on port %s after %s\n%s", s.Name, strings.Join(missing, ", "), containerStartTimeout, s.redact(b.String()))
		}
		time.Sleep(pollEvery)
	}
}

// Remove removes container name.
func (s *Server84) Remove(t testing.TB, name string) {
	t.Helper()
	s.Engine.Remove(t, name)
	delete(s.Containers, name)
}

// Restore runs the documented container name again in place of whatever
// runs under that name.
func (s *Server84) Restore(t testing.TB, name string) {
	t.Helper()
	for _, c := range s.Documented() {
		if c.Name == name {
			s.Replace(t, c)
			return
		}
	}
	t.Fatalf("Restore: %s is not a documented container", name)
}

// Spec returns the documented specification of container name.
func (s *Server84) Spec(t testing.TB, name string) ContainerSpec {
	t.Helper()
	for _, c := range s.Documented() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("Spec: %s is not a documented container", name)
	return ContainerSpec{}
}

// ConfigureSSHDAndReload writes sshd_config and makes the running sshd
// read it: SIGHUP makes sshd re-execute itself, and it is reloaded when
// it says it listens again.
func (s *Server84) ConfigureSSHDAndReload(t testing.TB, config string) {
	t.Helper()
	s.ConfigureSSHD(t, config)
	const listening = "Server listening on 0.0.0.0 port 22."
	before := strings.Count(s.sshd.Output(), listening)
	if err := syscall.Kill(s.sshd.cmd.Process.Pid, syscall.SIGHUP); err != nil {
		t.Fatalf("reload sshd: %v", err)
	}
	deadline := time.Now().Add(listenTimeout)
	for strings.Count(s.sshd.Output(), listening) <= before {
		if s.sshd.Exited() || time.Now().After(deadline) {
			t.Fatalf("sshd did not come back after SIGHUP:\n%s", s.sshd.Output())
		}
		time.Sleep(pollEvery)
	}
	s.waitPorts(t, 22)
}

// DocumentedSSHDConfig is the sshd_config of the documented host ("SSH
// key-only, fail2ban enabled"): SSHDConfig with passwordAuth, and at most
// three authentication attempts per connection.
func DocumentedSSHDConfig(passwordAuth string) string {
	return SSHDConfig(passwordAuth) + "MaxAuthTries 3\n"
}

// grafanaSecret holds Grafana's admin password, mounted as a Compose
// secret.
const grafanaSecret = "infrastructure/monitoring/secrets/grafana_admin_password"

// ComposeCheckout is where the testbed checks out its infrastructure
// repository (the compose files the containers' labels name).
const ComposeCheckout = "/srv/infra"

// composeSource is the infrastructure repository the testbed's compose
// labels point into, relative to the module root.
const composeSource = "testdata/testbed/compose"

// writeComposeRoot copies the compose files (mode 0644, as a git checkout
// leaves them) and writes the secrets beside them as the document has
// them: .env files (0600) with REDIS_PASSWORD and Flower's
// flowerconfig.py (0600, owned by Flower's uid 1000).
func (s *Server84) writeComposeRoot() error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	src := filepath.Join(root, composeSource)
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(s.ComposeRoot, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return err
	}
	if err := os.Chmod(s.ComposeRoot, 0o755); err != nil {
		return err
	}
	secrets := map[string]string{
		"infrastructure/distributed-ml/redis/.env":  "REDIS_PASSWORD=" + s.RedisPassword + "\n",
		"infrastructure/distributed-ml/celery/.env": "REDIS_PASSWORD=" + s.RedisPassword + "\n",
		"infrastructure/distributed-ml/celery/flowerconfig.py": "# Flower's configuration (basic authentication).\n" +
			`basic_auth = ["flower:` + s.FlowerPassword + `"]` + "\n",
	}
	for rel, body := range secrets {
		p := filepath.Join(s.ComposeRoot, rel)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			return err
		}
	}
	// Compose mounts secret files as they are: readable by the
	// container's user only.
	if err := os.MkdirAll(filepath.Join(s.ComposeRoot, filepath.Dir(grafanaSecret)), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.ComposeRoot, grafanaSecret), []byte(s.GrafanaPassword), 0o600); err != nil {
		return err
	}
	for rel, uid := range map[string]int{
		"infrastructure/distributed-ml/celery/flowerconfig.py": 1000,
		grafanaSecret:               472,
		filepath.Dir(grafanaSecret): 472,
	} {
		if err := os.Chown(filepath.Join(s.ComposeRoot, rel), uid, 0); err != nil {
			return err
		}
	}
	return nil
}
