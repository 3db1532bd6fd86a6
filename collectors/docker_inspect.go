package collectors

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/mlscan/mlscan/snapshot"
)

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
