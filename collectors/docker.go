package collectors

import (
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
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

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
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10)) // drain for reuse; the status already decided
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
				switch {
				case cerrdefs.IsNotFound(err):
					return // removed since the list
				case ctx.Err() != nil:
					errs[i] = fmt.Errorf("inspect %s: %w", strings.TrimPrefix(firstName(s.Names), "/"), ctxErr(ctx, err))
					return
				}
				// This container alone is unknown; the others are judged.
				c := uninspected(s, err)
				out[i] = &c
				return
			}
			if why := incomplete(ir, s.ID); why != "" {
				c := uninspected(s, errors.New(why))
				c.Inspect.Error = why
				out[i] = &c
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

// uninspected is container s of the list whose inspect call failed: its
// list entry (id, name, image, state, compose labels) and an Inspect
// status saying why, in words of mlscan's own (the engine's message and
// the payload may hold anything, so neither is quoted).
func uninspected(s container.Summary, err error) snapshot.Container {
	c := snapshot.Container{
		ID: s.ID, Name: strings.TrimPrefix(firstName(s.Names), "/"), Image: s.Image, ImageID: s.ImageID,
		State: string(s.State), Running: s.State == container.StateRunning, Compose: composeInfo(s.Labels),
		CapAdd: []string{}, CapDrop: []string{}, SecurityOpt: []string{}, Mounts: []snapshot.Mount{},
		Ports: []snapshot.PortBinding{}, PortBindings: []snapshot.PortBinding{}, Env: []snapshot.EnvVar{},
		Entrypoint: []string{}, Cmd: []string{}, Secrets: []snapshot.SecretFinding{},
		Process: snapshot.ContainerProcess{Status: snapshot.StatusUnavailable, Error: "container not inspected"},
		Inspect: &snapshot.Source{Status: snapshot.StatusError, Error: inspectReason(err)},
	}
	if deniedErr(err) || cerrdefs.IsPermissionDenied(err) || cerrdefs.IsUnauthorized(err) {
		c.Inspect.Status = snapshot.StatusPermission
	}
	return c
}

// inspectReason says why an inspect call failed without quoting the
// engine's answer: the class of the engine's error, or that its answer
// was not a container's JSON.
func inspectReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case deniedErr(err) || cerrdefs.IsPermissionDenied(err) || cerrdefs.IsUnauthorized(err):
		return "inspect: permission denied"
	case cerrdefs.IsInternal(err):
		return "inspect: the engine answered an internal error (HTTP 500)"
	case cerrdefs.IsUnavailable(err):
		return "inspect: the engine is unavailable (HTTP 503)"
	case cerrdefs.IsConflict(err):
		return "inspect: the engine answered a conflict (HTTP 409)"
	case cerrdefs.IsInvalidArgument(err):
		return "inspect: the engine refused the request (HTTP 400)"
	case errors.As(err, &syn), errors.As(err, &typ), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "inspect: the engine's answer is not a container's JSON"
	}
	return "inspect: the engine answered an error"
}

// incomplete says why an inspect answer that decoded is still not the
// container listed as id (JSON of another shape decodes to empty
// fields, which are not facts), "" when it is.
func incomplete(ir container.InspectResponse, id string) string {
	switch {
	case ir.ContainerJSONBase == nil || ir.Config == nil || ir.HostConfig == nil || ir.State == nil:
		return "inspect: the engine's answer lacks the container's configuration"
	case ir.ID == "" || !strings.HasPrefix(ir.ID, id) && !strings.HasPrefix(id, ir.ID):
		return "inspect: the engine's answer is another container's"
	}
	return ""
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
