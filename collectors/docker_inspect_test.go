package collectors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"

	"github.com/mlscan/mlscan/snapshot"
)

// inspectPayload reads a payload as a generic document, applies patch,
// and decodes it the way the Engine API client does.
func inspectPayload(t *testing.T, name string, patch func(m map[string]any)) container.InspectResponse {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dockerTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if patch != nil {
		patch(m)
	}
	b, _ = json.Marshal(m)
	var ir container.InspectResponse
	if err := json.Unmarshal(b, &ir); err != nil {
		t.Fatalf("%s: decode as container.InspectResponse: %v", name, err)
	}
	return ir
}

// obj returns m[k] as an object, creating it.
func obj(m map[string]any, k string) map[string]any {
	o, ok := m[k].(map[string]any)
	if !ok {
		o = map[string]any{}
		m[k] = o
	}
	return o
}

func i64(n int64) *int64 { return &n }

func TestParseContainerEngineAPI(t *testing.T) {
	const v141 = "engine-api-v1.41-container-inspect.json"
	const v147 = "engine-api-v1.47-container-inspect.json"
	const v151 = "engine-api-v1.51-container-inspect-field-examples.json"
	tests := []struct {
		name    string
		file    string
		patch   func(m map[string]any)
		check   func(t *testing.T, c snapshot.Container)
		running bool // the payload says Running
	}{
		{
			name: "v1.41 example: no user, no PidsLimit, CpuPeriod without quota", file: v141, running: true,
			check: func(t *testing.T, c snapshot.Container) {
				want := snapshot.ContainerLimits{CPUPeriod: 100000}
				if !reflect.DeepEqual(c.Limits, want) {
					t.Errorf("limits %+v, want %+v (PidsLimit absent = nil, a period alone is no limit)", c.Limits, want)
				}
				if c.Name != "boring_euclid" || c.User != "" || c.Image != "ubuntu" || c.State != "running" {
					t.Errorf("name %q user %q image %q state %q", c.Name, c.User, c.Image, c.State)
				}
				if !c.Healthcheck || c.RestartPolicy != (snapshot.RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}) {
					t.Errorf("healthcheck %v restart %+v", c.Healthcheck, c.RestartPolicy)
				}
				if len(c.Mounts) != 1 || c.Mounts[0].Source != "/data" || c.Mounts[0].RW {
					t.Errorf("mounts %+v", c.Mounts)
				}
				if c.Compose != nil {
					t.Errorf("compose %+v from non-compose labels", c.Compose)
				}
				if c.NetworkMode != "bridge" || len(c.Ports) != 0 || len(c.PortBindings) != 0 {
					t.Errorf("network %q ports %+v bindings %+v", c.NetworkMode, c.Ports, c.PortBindings)
				}
				if len(c.Env) != 1 || c.Env[0].Key != "PATH" || !c.Env[0].Kept {
					t.Errorf("env %+v", c.Env)
				}
				if strings.Join(c.Cmd, " ") != "/bin/sh -c exit 9" || len(c.Entrypoint) != 0 {
					t.Errorf("cmd %q entrypoint %q", c.Cmd, c.Entrypoint)
				}
			},
		},
		{
			name: "v1.47 example decodes the same", file: v147, running: true,
			check: func(t *testing.T, c snapshot.Container) {
				if c.Limits.PidsLimit != nil || c.Limits.CPUs != 0 || c.User != "" || !c.Healthcheck {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name: "v1.51 field examples: user set, published ports with a null entry", file: v151, running: true,
			check: func(t *testing.T, c snapshot.Container) {
				if c.User != "123:456" || c.Name != "funny_chatelet" || c.Image != "example-image:1.0" {
					t.Errorf("user %q name %q image %q", c.User, c.Name, c.Image)
				}
				want := []snapshot.PortBinding{
					{HostIP: "0.0.0.0", HostPort: 53, ContainerPort: 53, Proto: "udp"},
					{HostIP: "0.0.0.0", HostPort: 80, ContainerPort: 80, Proto: "tcp"},
					{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Proto: "tcp"},
					{HostIP: "0.0.0.0", HostPort: 80, ContainerPort: 80, Proto: "udp"},
					{HostIP: "127.0.0.1", HostPort: 4443, ContainerPort: 443, Proto: "tcp"},
				}
				if !reflect.DeepEqual(c.Ports, want) || !reflect.DeepEqual(c.PortBindings, want) {
					t.Errorf("ports\n %+v\n %+v\nwant %+v (2377/tcp: null is exposed, not published)", c.Ports, c.PortBindings, want)
				}
			},
		},
		{
			name: "PidsLimit 0 is not null", file: v141, running: true,
			patch: func(m map[string]any) { obj(m, "HostConfig")["PidsLimit"] = 0 },
			check: func(t *testing.T, c snapshot.Container) {
				if c.Limits.PidsLimit == nil || *c.Limits.PidsLimit != 0 {
					t.Errorf("PidsLimit %v, want pointer to 0", c.Limits.PidsLimit)
				}
			},
		},
		{
			name: "PidsLimit explicit null", file: v141, running: true,
			patch: func(m map[string]any) { obj(m, "HostConfig")["PidsLimit"] = nil },
			check: func(t *testing.T, c snapshot.Container) {
				if c.Limits.PidsLimit != nil {
					t.Errorf("PidsLimit %v, want nil", *c.Limits.PidsLimit)
				}
				b, _ := json.Marshal(c.Limits)
				if !strings.Contains(string(b), `"pids_limit":null`) {
					t.Errorf("snapshot %s, want pids_limit null", b)
				}
			},
		},
		{
			name: "PidsLimit set", file: v141, running: true,
			patch: func(m map[string]any) { obj(m, "HostConfig")["PidsLimit"] = 200 },
			check: func(t *testing.T, c snapshot.Container) {
				if !reflect.DeepEqual(c.Limits.PidsLimit, i64(200)) {
					t.Errorf("PidsLimit %v", c.Limits.PidsLimit)
				}
			},
		},
		{
			name: "User set", file: v141, running: true,
			patch: func(m map[string]any) { obj(m, "Config")["User"] = "1000:1000" },
			check: func(t *testing.T, c snapshot.Container) {
				if c.User != "1000:1000" {
					t.Errorf("user %q", c.User)
				}
			},
		},
		{
			name: "CPU as NanoCpus (docker run --cpus 1.5)", file: v141, running: true,
			patch: func(m map[string]any) {
				hc := obj(m, "HostConfig")
				hc["NanoCpus"], hc["CpuPeriod"] = 1500000000, 0
			},
			check: func(t *testing.T, c snapshot.Container) {
				if c.Limits.CPUs != 1.5 || c.Limits.NanoCPUs != 1500000000 || c.Limits.CPUQuota != 0 {
					t.Errorf("limits %+v", c.Limits)
				}
			},
		},
		{
			name: "CPU as CpuQuota/CpuPeriod (docker run --cpu-quota 50000)", file: v141, running: true,
			patch: func(m map[string]any) { obj(m, "HostConfig")["CpuQuota"] = 50000 },
			check: func(t *testing.T, c snapshot.Container) {
				if c.Limits.CPUs != 0.5 || c.Limits.NanoCPUs != 0 {
					t.Errorf("limits %+v", c.Limits)
				}
			},
		},
		{
			name: "CpuQuota with the default period (0 = 100ms)", file: v141, running: true,
			patch: func(m map[string]any) {
				hc := obj(m, "HostConfig")
				hc["CpuQuota"], hc["CpuPeriod"] = 200000, 0
			},
			check: func(t *testing.T, c snapshot.Container) {
				if c.Limits.CPUs != 2 {
					t.Errorf("limits %+v", c.Limits)
				}
			},
		},
		{
			name: "memory and swap", file: v141, running: true,
			patch: func(m map[string]any) {
				hc := obj(m, "HostConfig")
				hc["Memory"], hc["MemorySwap"] = 2<<30, -1
			},
			check: func(t *testing.T, c snapshot.Container) {
				if c.Limits.Memory != 2<<30 || c.Limits.MemorySwap != -1 {
					t.Errorf("limits %+v", c.Limits)
				}
			},
		},
		{
			name: "stopped container: no State.Pid", file: v141, running: false,
			patch: func(m map[string]any) {
				st := obj(m, "State")
				st["Status"], st["Running"] = "exited", false
				delete(st, "Pid")
			},
			check: func(t *testing.T, c snapshot.Container) {
				if c.Running || c.State != "exited" {
					t.Errorf("running %v state %q", c.Running, c.State)
				}
			},
		},
		{
			name: "privileges, namespaces, compose labels", file: v141, running: true,
			patch: func(m map[string]any) {
				hc := obj(m, "HostConfig")
				hc["Privileged"], hc["CapAdd"], hc["CapDrop"] = true, []string{"SYS_ADMIN"}, []string{"ALL"}
				hc["SecurityOpt"] = []string{"seccomp=unconfined", "no-new-privileges:true"}
				hc["PidMode"], hc["IpcMode"], hc["UTSMode"], hc["UsernsMode"], hc["NetworkMode"] = "host", "host", "host", "host", "host"
				hc["ReadonlyRootfs"] = true
				cfg := obj(m, "Config")
				cfg["Labels"] = map[string]string{
					labelProject: "ml", labelService: "redis", labelWorkingDir: "/opt/ml",
					labelConfigFiles: "/opt/ml/docker-compose.yml,/opt/ml/docker-compose.override.yml",
				}
				cfg["Healthcheck"] = map[string]any{"Test": []string{"NONE"}}
			},
			check: func(t *testing.T, c snapshot.Container) {
				if !c.Privileged || c.CapAdd[0] != "SYS_ADMIN" || c.CapDrop[0] != "ALL" || len(c.SecurityOpt) != 2 || !c.ReadonlyRootfs {
					t.Errorf("%+v", c)
				}
				if c.PidMode != "host" || c.IpcMode != "host" || c.UTSMode != "host" || c.UsernsMode != "host" || c.NetworkMode != "host" {
					t.Errorf("namespaces %q %q %q %q %q", c.PidMode, c.IpcMode, c.UTSMode, c.UsernsMode, c.NetworkMode)
				}
				want := &snapshot.ComposeInfo{Project: "ml", Service: "redis", WorkingDir: "/opt/ml", ConfigFiles: []string{"/opt/ml/docker-compose.yml", "/opt/ml/docker-compose.override.yml"}}
				if !reflect.DeepEqual(c.Compose, want) {
					t.Errorf("compose %+v", c.Compose)
				}
				if c.Healthcheck {
					t.Error("a NONE healthcheck counts as none")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ir := inspectPayload(t, tt.file, tt.patch)
			c := parseContainer(ir, newSecretHasher())
			if c.Running != tt.running {
				t.Errorf("running %v, want %v", c.Running, tt.running)
			}
			tt.check(t, c)
			// The process is read only for running containers with a pid.
			p := readContainerProcess(t.TempDir(), c.ID, c.Running, c.State, ir.State)
			if p.Status == snapshot.StatusOK {
				t.Errorf("process %+v from an empty proc", p)
			}
			if !c.Running && !strings.Contains(p.Error, "not running") {
				t.Errorf("stopped container: process %+v", p)
			}
		})
	}
}

// TestParseContainerPodman decodes payloads captured from Podman's API,
// which fills some fields differently from dockerd: NanoCpus and
// CpuQuota/CpuPeriod both set for --cpus, a PidsLimit of 2048 by default
// and 0 for -1, CapDrop listing the defaults it removes.
func TestParseContainerPodman(t *testing.T) {
	matches, _ := filepath.Glob(filepath.Join(dockerTestdata, "podman-*.json"))
	if len(matches) == 0 {
		t.Fatal("no podman-*.json payloads; capture them: MLSCAN_UPDATE_TESTDATA=1 go test -run TestDockerE2E ./collectors")
	}
	got := map[string]snapshot.Container{}
	for _, p := range matches {
		ir := inspectPayload(t, filepath.Base(p), nil)
		c := parseContainer(ir, newSecretHasher())
		got[c.Name] = c
	}
	if c, ok := got["redis-celery"]; !ok {
		t.Error("no redis-celery payload")
	} else {
		if c.Limits.Memory != 2<<30 || c.Limits.NanoCPUs != 1e9 || c.Limits.CPUQuota != 100000 || c.Limits.CPUs != 1 {
			t.Errorf("redis limits %+v: Podman sets NanoCpus and CpuQuota/CpuPeriod", c.Limits)
		}
		if c.Redis == nil || c.Redis.Maxmemory != "2gb" || c.Redis.MaxmemoryPolicy != "allkeys-lru" || !c.Redis.Requirepass {
			t.Errorf("redis args %+v", c.Redis)
		}
		if c.Compose == nil || c.Compose.Service != "redis" || c.NetworkMode != "host" {
			t.Errorf("compose %+v network %q", c.Compose, c.NetworkMode)
		}
		if len(c.Secrets) != 1 || c.Secrets[0].Key != "--requirepass" || c.Secrets[0].Target != "redis" {
			t.Errorf("secrets %+v", c.Secrets)
		}
	}
	if c, ok := got["nolimits"]; !ok {
		t.Error("no nolimits payload")
	} else {
		if c.Limits.PidsLimit == nil || *c.Limits.PidsLimit != 0 || c.Limits.Memory != 0 || c.Limits.CPUs != 0 {
			t.Errorf("nolimits limits %+v: Podman reports --pids-limit -1 as 0", c.Limits)
		}
		if len(c.Ports) != 1 || c.Ports[0].HostIP != "" || c.Ports[0].ContainerPort != 80 {
			t.Errorf("nolimits ports %+v", c.Ports)
		}
	}
	if c, ok := got["stopped"]; !ok {
		t.Error("no stopped payload")
	} else if c.Running || c.State != "created" {
		t.Errorf("stopped: running %v state %q", c.Running, c.State)
	}
	for name, c := range got {
		b, _ := json.Marshal(c)
		if strings.Contains(string(b), e2ePassword) {
			t.Errorf("%s: the planted password is in the parsed container", name)
		}
	}
}

func TestReadContainerProcess(t *testing.T) {
	id := strings.Repeat("ab", 32)
	other := strings.Repeat("cd", 32)
	proc := t.TempDir()
	write := func(pid, name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(proc, pid), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(proc, pid, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A root entrypoint that dropped to 999 (gosu): real and effective 999.
	write("100", "status", "Name:\tredis-server\nUid:\t999\t999\t999\t999\nGid:\t998\t998\t998\t998\n")
	write("100", "cgroup", "0::/system.slice/docker-"+id+".scope\n")
	// setuid binary: real 1000, effective 0.
	write("101", "status", "Uid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n")
	write("102", "status", "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n")
	write("102", "cgroup", "0::/libpod_parent/libpod-"+other+"\n")
	write("103", "status", "Name:\tx\n")

	tests := []struct {
		name   string
		pid    int
		status snapshot.Status
		uid    int
		gid    int
		errHas string
	}{
		{"dropped privileges", 100, snapshot.StatusOK, 999, 998, ""},
		{"effective uid counts", 101, snapshot.StatusOK, 0, 1000, ""},
		{"another container's pid", 102, snapshot.StatusError, 0, 0, "belongs to container cdcdcdcdcdcd"},
		{"malformed status", 103, snapshot.StatusError, 0, 0, "no Uid and Gid"},
		{"no such process", 104, snapshot.StatusUnavailable, 0, 0, "another PID namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := readContainerProcess(proc, id, true, "running", &container.State{Running: true, Pid: tt.pid})
			if p.Status != tt.status || !strings.Contains(p.Error, tt.errHas) {
				t.Fatalf("%+v", p)
			}
			if tt.status == snapshot.StatusOK && (*p.UID != tt.uid || *p.GID != tt.gid || p.PID != tt.pid) {
				t.Errorf("uid %d gid %d pid %d", *p.UID, *p.GID, p.PID)
			}
		})
	}
}

// TestContainerManySecrets: a container whose environment and command
// carry thousands of passwords keeps at most maxContainerSecrets
// findings, its weakest first, and its command and kept values are
// redacted whole; no password comes out.
func TestContainerManySecrets(t *testing.T) {
	var sb strings.Builder
	for i := 0; sb.Len() < 64<<10; i++ {
		fmt.Fprintf(&sb, "redis://:Zr8xq2LmN4pW7vK1%06d@h/ ", i)
	}
	many := sb.String()
	ir := inspectPayload(t, "podman-4.3-web.json", func(m map[string]any) {
		obj(m, "Config")["Env"] = []any{"PATH=/bin", "X=" + many, "FLOWER_BASIC_AUTH=admin:flower"}
		obj(m, "Config")["Cmd"] = []any{"sh", "-c", many}
	})
	h := newSecretHasher()
	c := parseContainer(ir, h)
	if len(c.Secrets) != maxContainerSecrets {
		t.Errorf("%d findings, want %d", len(c.Secrets), maxContainerSecrets)
	}
	if f := c.Secrets[0]; f.Key != "FLOWER_BASIC_AUTH" || !f.Denylisted {
		t.Errorf("first finding %+v, want the denylisted Flower password", f)
	}
	if c.Command != redacted || !slices.Equal(c.Cmd, []string{redacted}) || c.Env[0].Kept {
		t.Errorf("command %q cmd %q env %+v: want redacted whole", c.Command, c.Cmd, c.Env[0])
	}
	b, _ := json.Marshal(c)
	if strings.Contains(string(b), "Zr8xq2LmN4pW7vK1") {
		t.Error("a password comes out")
	}
	// Another container with few secrets is left as it is.
	w := parseContainer(inspectPayload(t, "podman-4.3-redis-celery.json", nil), h)
	if w.Command == redacted || len(w.Secrets) == 0 {
		t.Errorf("the other container is quarantined too: %q %+v", w.Command, w.Secrets)
	}
}
