package collectors

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"

	"github.com/mlscan/mlscan/snapshot"
)

// Docker collects the containers of a Docker Engine (or Podman's
// Docker-compatible service) through the Engine API, the daemon's
// listening configuration, and the modes of secret-bearing files the
// containers reference.
type Docker struct {
	// Host is the API address ("unix:///var/run/docker.sock",
	// "tcp://host:2376"); empty means DOCKER_HOST, else the first socket
	// found at the default paths.
	Host string
}

var _ Collector = (*Docker)(nil)

// dockerAPI is the part of the Engine API client the collector uses.
type dockerAPI interface {
	Ping(ctx context.Context) (types.Ping, error)
	ServerVersion(ctx context.Context) (types.Version, error)
	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerInspect(ctx context.Context, containerID string) (container.InspectResponse, error)
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	Close() error
}

var _ dockerAPI = (*client.Client)(nil)

var _ engineNamer = (*engineClient)(nil)

// Where engines live, as paths on the scanned host.
var (
	// dockerSockets are tried in order when no host is given.
	dockerSockets = []string{"/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock"}
	// engineBinaries are evidence that an engine is installed.
	engineBinaries = []string{
		"/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd", "/snap/bin/dockerd",
		"/usr/bin/podman", "/usr/local/bin/podman",
	}
	daemonJSON = "/etc/docker/daemon.json"
)

// inspectWorkers bounds the concurrent inspect requests.
const inspectWorkers = 8

// Name implements Collector.
func (*Docker) Name() string { return "docker" }

// Collect implements Collector. No engine at all (no socket at the default
// paths, no dockerd or podman binary) is not an error: the section says
// EngineInstalled=false. An engine whose socket is missing is
// ErrUnavailable; one that refuses, fails or does not answer before ctx
// ends is an error, with whatever was collected before.
func (d *Docker) Collect(ctx context.Context, env *Env) (Section, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	proc := env.ProcRoot
	if proc == "" {
		proc = "/proc"
	}
	sec := &snapshot.DockerSection{EngineInstalled: true, Containers: []snapshot.Container{}, Files: []snapshot.FileMode{}}
	sec.Daemon = collectDaemon(env, proc)

	host, from, evidence := d.resolveHost(env)
	sec.Engine = snapshot.DockerEngine{Host: host, HostFrom: from}
	sec.Engine.From = host
	if evidence != "" {
		if host == "" {
			bins := existing(env, engineBinaries)
			if len(bins) == 0 {
				sec.EngineInstalled = false
				sec.Engine.Status, sec.Engine.Error = snapshot.StatusUnavailable, "no container engine installed"
				sec.Engine.Evidence = evidence + ", and no dockerd or podman binary at " + joinList(engineBinaries, "or")
				return sec, nil
			}
			verb := "is"
			if len(bins) > 1 {
				verb = "are"
			}
			evidence += fmt.Sprintf("; %s %s installed but not running: start the daemon or pass --docker-host", joinList(bins, "and"), verb)
		}
		sec.Engine.Status, sec.Engine.Error, sec.Engine.Evidence = snapshot.StatusUnavailable, evidence, evidence
		return sec, unavailableError(evidence)
	}
	if strings.HasPrefix(host, "tcp://") {
		// The address mlscan itself uses is one the daemon serves.
		verify := os.Getenv("DOCKER_TLS_VERIFY") != ""
		sec.Daemon.Hosts = append(sec.Daemon.Hosts, snapshot.DaemonHost{Addr: host, TCP: true, TLS: verify, TLSVerify: verify,
			From: "the API address mlscan used (" + from + ", DOCKER_TLS_VERIFY " + strconv.FormatBool(verify) + ")"})
	}

	api, err := newDockerClient(host, from)
	if err != nil {
		sec.Engine.Status, sec.Engine.Error = snapshot.StatusError, err.Error()
		return sec, fmt.Errorf("docker client for %s: %w", host, err)
	}
	defer api.Close()
	if err := collectDocker(ctx, api, env, proc, sec); err != nil {
		sec.Engine.Status, sec.Engine.Error = snapshot.StatusError, err.Error()
		if errors.Is(err, ErrPermission) {
			sec.Engine.Status = snapshot.StatusPermission
		}
		return sec, err
	}
	sec.Engine.Status = snapshot.StatusOK
	return sec, nil
}

// resolveHost picks the API address: the Host field, DOCKER_HOST, or the
// first default socket that exists. evidence is non-empty when a unix
// socket is missing; host is then empty for the default case.
func (d *Docker) resolveHost(env *Env) (host, from, evidence string) {
	switch {
	case d.Host != "":
		host, from = d.Host, "flag"
	case os.Getenv("DOCKER_HOST") != "":
		host, from = os.Getenv("DOCKER_HOST"), "DOCKER_HOST"
	default:
		for _, s := range dockerSockets {
			if pathExists(env.Path(s)) {
				return "unix://" + env.Path(s), "default", ""
			}
		}
		var ps []string
		for _, s := range dockerSockets {
			ps = append(ps, env.Path(s))
		}
		return "", "default", "no Docker API socket at " + joinList(ps, "or")
	}
	if p, ok := strings.CutPrefix(host, "unix://"); ok && !pathExists(p) {
		what := "--docker-host"
		if from == "DOCKER_HOST" {
			what = "DOCKER_HOST"
		}
		return host, from, "no Docker API socket at " + p + " (the " + what + " address)"
	}
	return host, from, ""
}

// unavailableError is ErrUnavailable with a sentence of its own, which
// does not repeat the status ("no Docker API socket at ...").
type unavailableError string

func (e unavailableError) Error() string { return string(e) }

func (e unavailableError) Unwrap() error { return ErrUnavailable }

// joinList joins items as prose: "a", "a or b", "a, b or c".
func joinList(items []string, conj string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}

func newDockerClient(host, from string) (dockerAPI, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if from != "DOCKER_HOST" {
		opts = append(opts, client.WithHost(host))
	}
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, err
	}
	sock, _ := strings.CutPrefix(host, "unix://")
	if sock == host {
		sock = ""
	}
	return &engineClient{Client: c, sock: sock}, nil
}

// engineClient is the Engine API client that can also name the engine
// from the Server header of /_ping when it talks over a unix socket.
type engineClient struct {
	*client.Client
	sock string // unix socket path; "" for other transports
}

// engineNamer is implemented by clients that can name the engine without
// /version, which costs Podman 0.6–0.9 s (it runs its runtimes to ask
// their versions) while /_ping answers in a millisecond.
type engineNamer interface {
	EngineName(ctx context.Context) (product, version string, err error)
}

var errNoEngineName = errors.New("no engine name in the Server header")

// EngineName implements engineNamer: GET /_ping over the unix socket and
// read its Server header ("Docker/28.2.2 (linux)", "Libpod/4.3.1 (linux)").
func (c *engineClient) EngineName(ctx context.Context) (product, version string, err error) {
	if c.sock == "" {
		return "", "", errNoEngineName
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", c.sock)
	}}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://engine/_ping", nil)
	if err != nil {
		return "", "", err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return "", "", err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	resp.Body.Close()
	product, version, ok := parseServerHeader(resp.Header.Get("Server"))
	if !ok {
		return "", "", errNoEngineName
	}
	return product, version, nil
}

// engineVersion fills the engine's name and version: from /_ping's Server
// header when the client can read it, else from /version, which is slow
// on Podman and so is fetched while the containers are read; the returned
// function waits for it.
func engineVersion(ctx context.Context, api dockerAPI, eng *snapshot.DockerEngine) (wait func()) {
	if n, ok := api.(engineNamer); ok {
		if p, v, err := n.EngineName(ctx); err == nil {
			eng.Product, eng.ServerVersion = p, v
			return func() {}
		}
	}
	done := make(chan struct{})
	var v types.Version
	var err error
	go func() {
		defer close(done)
		v, err = api.ServerVersion(ctx)
	}()
	return func() {
		<-done
		if err != nil {
			return
		}
		eng.ServerVersion = v.Version
		// dockerd names its platform ("Docker Engine - Community");
		// Podman puts an OS there and names itself in the components.
		eng.Product = v.Platform.Name
		if strings.Contains(v.Platform.Name, "/") && len(v.Components) > 0 {
			eng.Product = v.Components[0].Name
		}
		if eng.APIVersion == "" {
			eng.APIVersion = v.APIVersion
		}
	}
}

// engineProducts names the engines by the product of their Server header,
// as their /version does.
var engineProducts = map[string]string{"Docker": "Docker Engine", "Libpod": "Podman Engine"}

// parseServerHeader splits "Libpod/4.3.1 (linux)" into the engine's
// product ("Podman Engine") and version ("4.3.1").
func parseServerHeader(h string) (product, version string, ok bool) {
	first, _, _ := strings.Cut(strings.TrimSpace(h), " ")
	name, version, ok := strings.Cut(first, "/")
	if !ok || name == "" || version == "" {
		return "", "", false
	}
	if p, known := engineProducts[name]; known {
		name = p
	}
	return name, version, true
}

// collectDocker fills sec through api. It returns with ctx.
func collectDocker(ctx context.Context, api dockerAPI, env *Env, proc string, sec *snapshot.DockerSection) error {
	ping, err := api.Ping(ctx)
	if err != nil {
		if deniedErr(err) {
			return fmt.Errorf("%w: docker engine at %s: %v", ErrPermission, sec.Engine.Host, err)
		}
		return fmt.Errorf("docker engine at %s does not answer: %w", sec.Engine.Host, ctxErr(ctx, err))
	}
	sec.Engine.APIVersion = ping.APIVersion
	sec.Engine.MemTotal = readMemTotal(proc)
	defer engineVersion(ctx, api, &sec.Engine)()

	list, err := api.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return fmt.Errorf("list containers: %w", ctxErr(ctx, err))
	}
	h := newSecretHasher()
	imgs := &imageUsers{api: api, users: map[string]imageUser{}}
	out := make([]*snapshot.Container, len(list))
	errs := make([]error, len(list))
	sem := make(chan struct{}, inspectWorkers)
	var wg sync.WaitGroup
	var hmu sync.Mutex // guards h
	for i, s := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			ir, err := api.ContainerInspect(ctx, s.ID)
			if err != nil {
				if client.IsErrNotFound(err) {
					return // removed since the list
				}
				errs[i] = fmt.Errorf("inspect %s: %w", strings.TrimPrefix(firstName(s.Names), "/"), ctxErr(ctx, err))
				return
			}
			hmu.Lock()
			c := parseContainer(ir, h)
			hmu.Unlock()
			if c.User == "" {
				if u, err := imgs.user(ctx, ir.Image); err == nil {
					c.ImageUser = u
				} else if ctx.Err() != nil {
					errs[i] = fmt.Errorf("inspect image of %s: %w", c.Name, ctxErr(ctx, err))
					return
				}
			}
			c.Process = readContainerProcess(proc, c.ID, c.Running, c.State, ir.State)
			out[i] = &c
		}()
	}
	wg.Wait()
	for _, c := range out {
		if c != nil {
			sec.Containers = append(sec.Containers, *c)
		}
	}
	slices.SortFunc(sec.Containers, func(a, b snapshot.Container) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	sec.Files = containerFiles(ctx, env, sec.Containers, h)
	scrubSecrets(sec, h)
	return errors.Join(errs...)
}

// readMemTotal returns MemTotal of <proc>/meminfo in bytes, 0 when it
// cannot be read. (The engine's info call reports it too, but takes half a
// second on Podman.)
func readMemTotal(proc string) int64 {
	b, err := readCapped(filepath.Join(proc, "meminfo"), 64<<10)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return n << 10
				}
			}
		}
	}
	return 0
}

// deniedErr reports whether err is the socket refusing us for lack of
// privilege (not root and not in the docker group).
func deniedErr(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, fs.ErrPermission) ||
		strings.Contains(err.Error(), "permission denied")
}

// ctxErr names the deadline when ctx ended the call.
func ctxErr(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
		return fmt.Errorf("%w (%v)", ce, err)
	}
	return err
}

func firstName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// imageUsers caches the USER of images, read once per image.
type imageUsers struct {
	api   dockerAPI
	mu    sync.Mutex
	users map[string]imageUser
}

type imageUser struct {
	user string
	err  error
}

func (c *imageUsers) user(ctx context.Context, id string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u, ok := c.users[id]; ok {
		return u.user, u.err
	}
	ii, err := c.api.ImageInspect(ctx, id)
	u := imageUser{err: err}
	if err == nil && ii.Config != nil {
		u.user = ii.Config.User
	}
	if ctx.Err() == nil {
		c.users[id] = u
	}
	return u.user, u.err
}

// Compose labels.
const (
	labelProject     = "com.docker.compose.project"
	labelService     = "com.docker.compose.service"
	labelConfigFiles = "com.docker.compose.project.config_files"
	labelWorkingDir  = "com.docker.compose.project.working_dir"
)

// parseContainer turns a container-inspect response into a Container:
// limits, privileges, namespaces, mounts, ports and compose labels as the
// engine reports them, environment and command redacted with h. The
// process and image user are filled by the caller.
func parseContainer(ir container.InspectResponse, h *secretHasher) snapshot.Container {
	c := snapshot.Container{
		CapAdd: []string{}, CapDrop: []string{}, SecurityOpt: []string{}, Mounts: []snapshot.Mount{},
		Ports: []snapshot.PortBinding{}, PortBindings: []snapshot.PortBinding{}, Env: []snapshot.EnvVar{},
		Entrypoint: []string{}, Cmd: []string{}, Secrets: []snapshot.SecretFinding{},
		Process: snapshot.ContainerProcess{Status: snapshot.StatusUnavailable},
	}
	seenBefore := 0
	if h != nil {
		seenBefore = len(h.seen)
	}
	if b := ir.ContainerJSONBase; b != nil {
		c.ID = b.ID
		c.Name = strings.TrimPrefix(b.Name, "/")
		c.ImageID = b.Image
		c.AppArmorProfile = b.AppArmorProfile
		if s := b.State; s != nil {
			c.State = string(s.Status)
			c.Running = s.Running
		}
		if hc := b.HostConfig; hc != nil {
			parseHostConfig(hc, &c)
		}
	}
	for _, m := range ir.Mounts {
		c.Mounts = append(c.Mounts, snapshot.Mount{Type: string(m.Type), Source: m.Source, Destination: m.Destination, RW: m.RW, Propagation: string(m.Propagation)})
	}
	if ns := ir.NetworkSettings; ns != nil {
		c.Ports = portList(ns.Ports)
	}
	if cfg := ir.Config; cfg != nil {
		c.Image = cfg.Image
		c.User = cfg.User
		c.Healthcheck = cfg.Healthcheck != nil && len(cfg.Healthcheck.Test) > 0 && cfg.Healthcheck.Test[0] != "NONE"
		c.Compose = composeInfo(cfg.Labels)
		var fs []snapshot.SecretFinding
		c.Env, fs = redactEnv(cfg.Env, h)
		c.Secrets = append(c.Secrets, fs...)
		var cmdFs []snapshot.SecretFinding
		c.Entrypoint, c.Cmd, cmdFs = commandSecrets(cfg.Entrypoint, cfg.Cmd, "cmd", h)
		c.Secrets = append(c.Secrets, cmdFs...)
		argv := append(slices.Clone([]string(cfg.Entrypoint)), cfg.Cmd...)
		c.Command = strings.Join(append(slices.Clone(c.Entrypoint), c.Cmd...), " ")
		c.Redis = parseRedisArgs(argv)
		// Path and Args are what really runs; they normally repeat
		// Entrypoint and Cmd.
		if b := ir.ContainerJSONBase; b != nil && b.Path != "" {
			run := append([]string{b.Path}, b.Args...)
			if !slices.Equal(run, argv) {
				_, _, fs := commandSecrets(nil, run, "args", h)
				c.Secrets = append(c.Secrets, fs...)
				if c.Redis == nil {
					c.Redis = parseRedisArgs(run)
				}
			}
		}
	}
	c.Secrets = dedupFindings(c.Secrets)
	if h != nil && (len(c.Secrets) > maxContainerSecrets || len(h.seen)-seenBefore > maxContainerSecrets) {
		quarantine(&c)
	}
	if c.Image == "" {
		c.Image = c.ImageID
	}
	return c
}

func parseHostConfig(hc *container.HostConfig, c *snapshot.Container) {
	r := hc.Resources
	c.Limits = snapshot.ContainerLimits{
		Memory: r.Memory, MemorySwap: r.MemorySwap, NanoCPUs: r.NanoCPUs,
		CPUQuota: r.CPUQuota, CPUPeriod: r.CPUPeriod, CPUShares: r.CPUShares,
		PidsLimit: r.PidsLimit,
	}
	switch {
	case r.NanoCPUs > 0:
		c.Limits.CPUs = float64(r.NanoCPUs) / 1e9
	case r.CPUQuota > 0:
		period := r.CPUPeriod
		if period <= 0 {
			period = 100000
		}
		c.Limits.CPUs = float64(r.CPUQuota) / float64(period)
	}
	c.Privileged = hc.Privileged
	c.CapAdd = append(c.CapAdd, hc.CapAdd...)
	c.CapDrop = append(c.CapDrop, hc.CapDrop...)
	c.SecurityOpt = append(c.SecurityOpt, hc.SecurityOpt...)
	c.ReadonlyRootfs = hc.ReadonlyRootfs
	c.NetworkMode = string(hc.NetworkMode)
	c.PidMode = string(hc.PidMode)
	c.IpcMode = string(hc.IpcMode)
	c.UTSMode = string(hc.UTSMode)
	c.UsernsMode = string(hc.UsernsMode)
	c.RestartPolicy = snapshot.RestartPolicy{Name: string(hc.RestartPolicy.Name), MaximumRetryCount: hc.RestartPolicy.MaximumRetryCount}
	c.PortBindings = portList(hc.PortBindings)
}

// portList flattens a port map, sorted; unpublished (exposed only) ports
// are left out.
func portList(pm nat.PortMap) []snapshot.PortBinding {
	out := []snapshot.PortBinding{}
	for p, bs := range pm {
		for _, b := range bs {
			hp, _ := strconv.Atoi(b.HostPort)
			out = append(out, snapshot.PortBinding{HostIP: b.HostIP, HostPort: hp, ContainerPort: p.Int(), Proto: p.Proto()})
		}
	}
	slices.SortFunc(out, func(a, b snapshot.PortBinding) int {
		return cmp.Or(cmp.Compare(a.ContainerPort, b.ContainerPort), strings.Compare(a.Proto, b.Proto),
			strings.Compare(a.HostIP, b.HostIP), cmp.Compare(a.HostPort, b.HostPort))
	})
	return out
}

func composeInfo(labels map[string]string) *snapshot.ComposeInfo {
	if labels[labelProject] == "" && labels[labelService] == "" {
		return nil
	}
	ci := &snapshot.ComposeInfo{Project: labels[labelProject], Service: labels[labelService], WorkingDir: labels[labelWorkingDir], ConfigFiles: []string{}}
	for _, f := range strings.Split(labels[labelConfigFiles], ",") {
		if f = strings.TrimSpace(f); f != "" {
			ci.ConfigFiles = append(ci.ConfigFiles, f)
		}
	}
	return ci
}

// maxContainerSecrets bounds the secrets one container may carry into the
// snapshot: its environment and command are its owner's, and thousands
// of passwords in one value must cost only that container's verdicts,
// not the collector's time (scrubSecrets compares every secret with every
// text) or the evaluation's (MLS-SEC-003 compares findings pairwise).
const maxContainerSecrets = 64

// quarantine reduces a container holding more than maxContainerSecrets
// secrets: it keeps the weakest findings (denylisted, then weak, then
// shortest, so that MLS-SEC-003 still fails when any of them would make
// it fail) and replaces its command and kept environment values, which
// could hold copies, by "<redacted>".
func quarantine(c *snapshot.Container) {
	rank := map[string]int{"weak": 0, "medium": 1, "strong": 2}
	slices.SortStableFunc(c.Secrets, func(a, b snapshot.SecretFinding) int {
		if a.Denylisted != b.Denylisted {
			if a.Denylisted {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(rank[a.Strength], rank[b.Strength]), cmp.Compare(a.Length, b.Length))
	})
	if len(c.Secrets) > maxContainerSecrets {
		c.Secrets = c.Secrets[:maxContainerSecrets]
	}
	c.Entrypoint, c.Cmd, c.Command = []string{}, []string{redacted}, redacted
	for i := range c.Env {
		c.Env[i].Value, c.Env[i].Kept = "", false
	}
	if c.Redis != nil {
		c.Redis.ConfigFile, c.Redis.Bind = "", ""
	}
}

func dedupFindings(fs []snapshot.SecretFinding) []snapshot.SecretFinding {
	out := []snapshot.SecretFinding{}
	seen := map[[3]string]bool{}
	for _, f := range fs {
		k := [3]string{f.Location, f.Key, f.Hash}
		if f.Location == "args" {
			k[0] = "cmd" // the same secret as in Entrypoint/Cmd
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// readContainerProcess reads the effective uid and gid of a running
// container's main process from <proc>/<pid>/status, checking through
// <proc>/<pid>/cgroup that the pid is this container's (mlscan may run in
// another PID namespace than the engine).
func readContainerProcess(proc, id string, running bool, state string, st *container.State) snapshot.ContainerProcess {
	p := snapshot.ContainerProcess{Status: snapshot.StatusUnavailable}
	switch {
	case !running || st == nil:
		p.Error = "container is not running (state " + cmp.Or(state, "unknown") + ")"
		return p
	case st.Pid <= 0:
		p.Error = "the engine reports no pid for the running container"
		return p
	}
	p.PID = st.Pid
	dir := filepath.Join(proc, strconv.Itoa(st.Pid))
	b, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		p.Status = snapshot.StatusError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			p.Status = snapshot.StatusUnavailable
			p.Error = fmt.Sprintf("no process %d in %s (mlscan runs in another PID namespace than the engine?)", st.Pid, proc)
		case errors.Is(err, fs.ErrPermission):
			p.Status = snapshot.StatusPermission
			p.Error = err.Error()
		default:
			p.Error = err.Error()
		}
		return p
	}
	if cg, err := readCapped(filepath.Join(dir, "cgroup"), maxCgroup); err == nil {
		if other := containerID(string(cg)); other != "" && id != "" && other != id {
			p.Status = snapshot.StatusError
			p.Error = fmt.Sprintf("process %d belongs to container %.12s, not %.12s (another PID namespace?)", st.Pid, other, id)
			return p
		}
	}
	uid, gid, err := parseStatusIDs(b)
	if err != nil {
		p.Status, p.Error = snapshot.StatusError, fmt.Sprintf("%s/status: %v", dir, err)
		return p
	}
	p.Status, p.UID, p.GID = snapshot.StatusOK, &uid, &gid
	return p
}

// parseStatusIDs returns the effective uid and gid of a /proc/PID/status
// ("Uid:\treal\teffective\tsaved\tfs").
func parseStatusIDs(b []byte) (uid, gid int, err error) {
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != "Uid" && name != "Gid" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			return 0, 0, fmt.Errorf("malformed %s line %q", name, sc.Text())
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return 0, 0, fmt.Errorf("malformed %s line %q", name, sc.Text())
		}
		if name == "Uid" {
			uid = n
		} else {
			gid = n
		}
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("no Uid and Gid lines")
	}
	return uid, gid, nil
}

// collectDaemon reads where the Docker daemon serves its API: the hosts of
// daemon.json (or the --config-file of a running dockerd) and the -H flags
// of running dockerd processes, and the address of a running
// `podman system service`.
func collectDaemon(env *Env, proc string) snapshot.DockerDaemon {
	d := snapshot.DockerDaemon{Hosts: []snapshot.DaemonHost{}}
	d.Status = snapshot.StatusOK
	d.From = env.Path(daemonJSON) + ", " + filepath.Join(proc, "*/cmdline")
	var fail []string
	cfgFile := env.Path(daemonJSON)
	var tlsFlag, verifyFlag bool
	var flagHosts []string
	running := false
	names, err := readDirNames(proc)
	if err != nil {
		fail = append(fail, fmt.Sprintf("list %s: %v", proc, err))
	}
	for _, n := range names {
		if n == "" || n[0] < '0' || n[0] > '9' {
			continue
		}
		comm, err := readCapped(filepath.Join(proc, n, "comm"), 64)
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		if name != "dockerd" && name != "podman" {
			continue
		}
		b, err := readCapped(filepath.Join(proc, n, "cmdline"), maxCmdline)
		if err != nil {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		from := filepath.Join(proc, n, "cmdline") + " (" + name + ")"
		if name == "podman" {
			if a := podmanServiceAddr(argv); a != "" {
				d.Hosts = append(d.Hosts, daemonHost(a, false, false, from))
			}
			continue
		}
		running = true
		hs, tls, verify, cfg := dockerdFlags(argv)
		for _, h := range hs {
			flagHosts = append(flagHosts, h+"\x00"+from)
		}
		tlsFlag, verifyFlag = tlsFlag || tls, verifyFlag || verify
		if cfg != "" {
			cfgFile = env.Path(cfg)
		}
	}
	var cfg struct {
		Hosts     []string `json:"hosts"`
		TLS       *bool    `json:"tls"`
		TLSVerify *bool    `json:"tlsverify"`
	}
	if b, err := os.ReadFile(cfgFile); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			fail = append(fail, fmt.Sprintf("parse %s: %v", cfgFile, err))
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		if errors.Is(err, fs.ErrPermission) {
			d.Status = snapshot.StatusPermission
		}
		fail = append(fail, err.Error())
	}
	verify := verifyFlag || cfg.TLSVerify != nil && *cfg.TLSVerify
	tls := tlsFlag || verify || cfg.TLS != nil && *cfg.TLS
	for _, fh := range flagHosts {
		h, from, _ := strings.Cut(fh, "\x00")
		d.Hosts = append(d.Hosts, daemonHost(h, tls, verify, from))
	}
	for _, h := range cfg.Hosts {
		d.Hosts = append(d.Hosts, daemonHost(h, tls, verify, cfgFile))
	}
	if running && len(flagHosts) == 0 && len(cfg.Hosts) == 0 {
		d.Hosts = append(d.Hosts, daemonHost("unix:///var/run/docker.sock", tls, verify, "dockerd default"))
	}
	if len(fail) > 0 {
		if d.Status == snapshot.StatusOK {
			d.Status = snapshot.StatusError
		}
		d.Error = strings.Join(fail, "; ")
	}
	return d
}

func daemonHost(addr string, tls, verify bool, from string) snapshot.DaemonHost {
	tcp := strings.HasPrefix(addr, "tcp://") || !strings.Contains(addr, "://") && strings.Contains(addr, ":")
	return snapshot.DaemonHost{Addr: addr, TCP: tcp, TLS: tls && tcp, TLSVerify: verify && tcp, From: from}
}

// dockerdFlags reads -H/--host, --tls, --tlsverify and --config-file from
// a dockerd command line.
func dockerdFlags(argv []string) (hosts []string, tls, verify bool, cfg string) {
	boolVal := func(v string, has bool) bool { return !has || v == "true" || v == "1" }
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		name, val, has := strings.Cut(a, "=")
		next := func() string {
			if has {
				return val
			}
			if i+1 < len(argv) {
				i++
				return argv[i]
			}
			return ""
		}
		switch {
		case name == "-H" || name == "--host":
			hosts = append(hosts, next())
		case strings.HasPrefix(a, "-H") && !strings.HasPrefix(a, "--") && len(a) > 2:
			hosts = append(hosts, strings.TrimPrefix(a[2:], "="))
		case name == "--tls":
			tls = boolVal(val, has)
		case name == "--tlsverify":
			verify = boolVal(val, has)
		case name == "--config-file":
			cfg = next()
		}
	}
	return hosts, tls, verify, cfg
}

// podmanServiceAddr returns the address of `podman [opts] system service
// [opts] [URI]`, or "" for another podman command. Without a URI podman
// serves its default unix socket.
func podmanServiceAddr(argv []string) string {
	sys := slices.Index(argv, "system")
	if sys < 0 || sys+1 >= len(argv) || argv[sys+1] != "service" {
		return ""
	}
	for _, a := range argv[sys+2:] {
		if !strings.HasPrefix(a, "-") && strings.Contains(a, "://") {
			return a
		}
	}
	return "unix:///run/podman/podman.sock"
}

// homes are /root and the folders in /home, as paths on the scanned host.
func homes(env *Env) []string {
	out := []string{"/root"}
	ents, _ := os.ReadDir(env.Path("/home"))
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, path.Join("/home", e.Name()))
		}
	}
	return out
}

// secretBearing reports whether a container path usually holds secrets.
func secretBearing(dst string) bool {
	b := strings.ToLower(path.Base(dst))
	switch {
	case strings.HasPrefix(dst, "/run/secrets/"):
		return true
	case b == ".env" || strings.HasSuffix(b, ".env") || b == "redis.conf" || b == "users.acl" ||
		b == "flowerconfig.py" || b == "auth_token" || strings.HasSuffix(b, ".key") || b == ".htpasswd":
		return true
	}
	return false
}

func pathExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil || !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR)
}

func existing(env *Env, paths []string) []string {
	var out []string
	for _, p := range paths {
		if pathExists(env.Path(p)) {
			out = append(out, env.Path(p))
		}
	}
	return out
}

// linkContainers names the container owning each listener: by container
// id (full or a prefix of at least 12 digits either way), else, for a
// listener without one, by the pid of a container's main process.
func linkContainers(s *snapshot.Snapshot) {
	if s.Sockets == nil || s.Docker == nil {
		return
	}
	cs := s.Docker.Containers
	byPID := map[int]*snapshot.Container{}
	for i := range cs {
		if p := cs[i].Process; p.Status == snapshot.StatusOK && p.PID > 0 {
			byPID[p.PID] = &cs[i]
		}
	}
	for i := range s.Sockets.Listeners {
		l := &s.Sockets.Listeners[i]
		var c *snapshot.Container
		if id := l.ContainerID; id != "" {
			for j := range cs {
				if sameID(cs[j].ID, id) {
					c = &cs[j]
					break
				}
			}
		} else if l.PID > 0 {
			c = byPID[l.PID]
		}
		if c == nil {
			continue
		}
		l.ContainerName = c.Name
		if c.Compose != nil {
			l.ComposeService = c.Compose.Service
		}
	}
}

func sameID(a, b string) bool {
	if len(a) < 12 || len(b) < 12 {
		return false
	}
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}
