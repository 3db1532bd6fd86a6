package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// dockerTestdata holds container-inspect payloads: the Engine API's
// documented examples and payloads captured from Podman (see its README).
const dockerTestdata = "../testdata/docker"

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

func TestRedactEnv(t *testing.T) {
	const pw = "Zr8xq2LmN4pW7vK1"
	tests := []struct {
		name     string
		kv       string
		want     snapshot.EnvVar
		findings []string // keys of the findings, with their targets after '@'
	}{
		{"allowed value kept", "PATH=/usr/bin:/bin", snapshot.EnvVar{Key: "PATH", Value: "/usr/bin:/bin", Kept: true}, nil},
		{"python setting kept", "PYTHONUNBUFFERED=1", snapshot.EnvVar{Key: "PYTHONUNBUFFERED", Value: "1", Kept: true}, nil},
		{"celery setting kept", "C_FORCE_ROOT=true", snapshot.EnvVar{Key: "C_FORCE_ROOT", Value: "true", Kept: true}, nil},
		{"auth mode is a setting, not a secret", "RAY_AUTH_MODE=token", snapshot.EnvVar{Key: "RAY_AUTH_MODE", Value: "token", Kept: true}, nil},
		{"other value dropped", "APP_NAME=demo", snapshot.EnvVar{Key: "APP_NAME"}, nil},
		{"image release kept", "REDIS_VERSION=7.2.11", snapshot.EnvVar{Key: "REDIS_VERSION", Value: "7.2.11", Kept: true}, nil},
		{"release with a suffix kept", "RAY_VERSION=2.54.0-py310", snapshot.EnvVar{Key: "RAY_VERSION", Value: "2.54.0-py310", Kept: true}, nil},
		{"flower release kept", "FLOWER_VERSION=v2.2.0", snapshot.EnvVar{Key: "FLOWER_VERSION", Value: "v2.2.0", Kept: true}, nil},
		{"a version key holding no version is dropped", "REDIS_VERSION=" + pw, snapshot.EnvVar{Key: "REDIS_VERSION"}, nil},
		{
			"a version key holding a URL is read as one", "RAY_VERSION=https://u:" + pw + "@example.com/ray",
			snapshot.EnvVar{Key: "RAY_VERSION", Secret: true, URL: &snapshot.Endpoint{Scheme: "https", Host: "example.com", Port: 443, Password: true}},
			[]string{"RAY_VERSION (URL password)@https"},
		},
		{"other version keys dropped", "APP_VERSION=1.2.3", snapshot.EnvVar{Key: "APP_VERSION"}, nil},
		{"password", "REDIS_PASSWORD=" + pw, snapshot.EnvVar{Key: "REDIS_PASSWORD", Secret: true}, []string{"REDIS_PASSWORD@redis"}},
		{"empty password is no finding", "REDIS_PASSWORD=", snapshot.EnvVar{Key: "REDIS_PASSWORD"}, nil},
		{"secret key word", "SECRET_KEY=" + pw, snapshot.EnvVar{Key: "SECRET_KEY", Secret: true}, []string{"SECRET_KEY@"}},
		{"token path is kept", "RAY_AUTH_TOKEN_PATH=/run/secrets/ray", snapshot.EnvVar{Key: "RAY_AUTH_TOKEN_PATH", Value: "/run/secrets/ray", Kept: true}, nil},
		{"flower's oauth pattern is kept", `FLOWER_AUTH=.*@example\.com`, snapshot.EnvVar{Key: "FLOWER_AUTH", Value: `.*@example\.com`, Kept: true}, nil},
		{"other token path dropped, not a secret", "APP_TOKEN_PATH=/run/secrets/app", snapshot.EnvVar{Key: "APP_TOKEN_PATH"}, nil},
		{"password file is not a secret", "REDIS_PASSWORD_FILE=/run/secrets/redis", snapshot.EnvVar{Key: "REDIS_PASSWORD_FILE"}, nil},
		{"password file anywhere is not a secret", "DB_PASSWORD_FILE=/etc/app/db.pw", snapshot.EnvVar{Key: "DB_PASSWORD_FILE"}, nil},
		{"grafana's __FILE is not a secret", "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana", snapshot.EnvVar{Key: "GF_SECURITY_ADMIN_PASSWORD__FILE"}, nil},
		{"gluetun's _SECRETFILE is not a secret", "OPENVPN_PASSWORD_SECRETFILE=/run/secrets/openvpn_password", snapshot.EnvVar{Key: "OPENVPN_PASSWORD_SECRETFILE"}, nil},
		{"gluetun's key _SECRETFILE is not a secret", "WIREGUARD_PRIVATE_KEY_SECRETFILE=/gluetun/wg.key", snapshot.EnvVar{Key: "WIREGUARD_PRIVATE_KEY_SECRETFILE"}, nil},
		{"lower-case _file is not a secret", "redis_password_file=/run/secrets/redis", snapshot.EnvVar{Key: "redis_password_file"}, nil},
		{"a value under /run/secrets is a reference", "REDIS_PASSWORD=/run/secrets/redis_password", snapshot.EnvVar{Key: "REDIS_PASSWORD"}, nil},
		{"a /run/secrets value escaping the folder is a secret", "REDIS_PASSWORD=/run/secrets/../" + pw, snapshot.EnvVar{Key: "REDIS_PASSWORD", Secret: true}, []string{"REDIS_PASSWORD@redis"}},
		{"a secret that merely ends in FILE is one", "API_KEY=" + pw + "_FILE", snapshot.EnvVar{Key: "API_KEY", Secret: true}, []string{"API_KEY@"}},
		{"python image gpg key", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", snapshot.EnvVar{Key: "GPG_KEY"}, nil},
		{"keyboard is no key", "KEYBOARD=us", snapshot.EnvVar{Key: "KEYBOARD"}, nil},
		{
			"broker URL keeps the endpoint", "CELERY_BROKER_URL=redis://:" + pw + "@127.0.0.1:6380/0",
			snapshot.EnvVar{Key: "CELERY_BROKER_URL", Secret: true, URL: &snapshot.Endpoint{Scheme: "redis", Host: "127.0.0.1", Port: 6380, Path: "/0", Password: true}},
			[]string{"CELERY_BROKER_URL (URL password)@redis"},
		},
		{
			"broker URL without password", "CELERY_RESULT_BACKEND=redis://redis:6379/1",
			snapshot.EnvVar{Key: "CELERY_RESULT_BACKEND", URL: &snapshot.Endpoint{Scheme: "redis", Host: "redis", Port: 6379, Path: "/1"}}, nil,
		},
		{
			"broker URL with the default port", "CELERY_BROKER_URL=redis://localhost",
			snapshot.EnvVar{Key: "CELERY_BROKER_URL", URL: &snapshot.Endpoint{Scheme: "redis", Host: "localhost", Port: 6379}}, nil,
		},
		{
			"ray address host:port", "RAY_ADDRESS=10.0.0.84:6379",
			snapshot.EnvVar{Key: "RAY_ADDRESS", Value: "10.0.0.84:6379", Kept: true, URL: &snapshot.Endpoint{Host: "10.0.0.84", Port: 6379}}, nil,
		},
		{
			"ray client address", "RAY_ADDRESS=ray://10.0.0.84:10001",
			snapshot.EnvVar{Key: "RAY_ADDRESS", Value: "ray://10.0.0.84:10001", Kept: true, URL: &snapshot.Endpoint{Scheme: "ray", Host: "10.0.0.84", Port: 10001}}, nil,
		},
		{
			"webhook URL drops its path", "SLACK_WEBHOOK=https://hooks.example.com/services/T0/B0/XXXXSECRETXXXX",
			snapshot.EnvVar{Key: "SLACK_WEBHOOK", URL: &snapshot.Endpoint{Scheme: "https", Host: "hooks.example.com", Port: 443}}, nil,
		},
		{
			"URL token parameter", "SERVICE=https://api.example.com/v1?token=" + pw,
			snapshot.EnvVar{Key: "SERVICE", Secret: true, URL: &snapshot.Endpoint{Scheme: "https", Host: "api.example.com", Port: 443}},
			[]string{"SERVICE (URL token)@"},
		},
		{
			"password holding '@' and '/'", "CELERY_BROKER_URL=redis://:a/b@" + pw + "@127.0.0.1:6380/0",
			snapshot.EnvVar{Key: "CELERY_BROKER_URL", Secret: true, URL: &snapshot.Endpoint{Scheme: "redis", Host: "127.0.0.1", Port: 6380, Path: "/0", Password: true}},
			[]string{"CELERY_BROKER_URL (URL password)@redis"},
		},
		{
			"flower basic auth: two passwords", "FLOWER_BASIC_AUTH=admin:" + pw + ",ops:" + pw + "x",
			snapshot.EnvVar{Key: "FLOWER_BASIC_AUTH", Secret: true}, []string{"FLOWER_BASIC_AUTH@flower", "FLOWER_BASIC_AUTH@flower"},
		},
		{
			"a command line in a value", "REDIS_ARGS=--requirepass " + pw + " --maxmemory 1gb",
			snapshot.EnvVar{Key: "REDIS_ARGS", Secret: true}, []string{"REDIS_ARGS (--requirepass)@redis"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars, fs := redactEnv([]string{tt.kv}, newSecretHasher())
			if len(vars) != 1 || !reflect.DeepEqual(vars[0], tt.want) {
				t.Errorf("env\n got %+v (url %+v)\nwant %+v (url %+v)", vars[0], vars[0].URL, tt.want, tt.want.URL)
			}
			var keys []string
			for _, f := range fs {
				keys = append(keys, f.Key+"@"+f.Target)
			}
			if !reflect.DeepEqual(keys, tt.findings) {
				t.Errorf("findings %q, want %q", keys, tt.findings)
			}
			b, _ := json.Marshal(struct {
				V []snapshot.EnvVar
				F []snapshot.SecretFinding
			}{vars, fs})
			if strings.Contains(string(b), pw) || strings.Contains(string(b), "XXXXSECRETXXXX") {
				t.Errorf("secret in %s", b)
			}
		})
	}
}

func TestCommandSecrets(t *testing.T) {
	const pw = "Zr8xq2LmN4pW7vK1"
	tests := []struct {
		name           string
		entrypoint     []string
		cmd            []string
		wantCmd        string
		wantKeys       []string
		wantStrengths  []string
		wantSameHashes bool
	}{
		{
			name:     "redis-server --requirepass",
			cmd:      []string{"redis-server", "--port", "6380", "--requirepass", pw, "--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru"},
			wantCmd:  "redis-server --port 6380 --requirepass <redacted> --maxmemory 2gb --maxmemory-policy allkeys-lru",
			wantKeys: []string{"--requirepass@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:       "redis-cli -a across entrypoint and cmd",
			entrypoint: []string{"redis-cli"}, cmd: []string{"-a", pw, "ping"},
			wantCmd:  "redis-cli -a <redacted> ping",
			wantKeys: []string{"-a@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "sh -c with redis-cli",
			cmd:      []string{"sh", "-c", "redis-cli -a " + pw + " ping"},
			wantCmd:  "sh -c redis-cli -a <redacted> ping",
			wantKeys: []string{"-a@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "flower --basic_auth= with two users",
			cmd:      []string{"celery", "flower", "--basic_auth=admin:password,ops:" + pw},
			wantCmd:  "celery flower --basic_auth=<redacted>",
			wantKeys: []string{"--basic_auth@flower", "--basic_auth@flower"}, wantStrengths: []string{"weak", "medium"},
		},
		{
			name:     "broker URL on the command line",
			cmd:      []string{"celery", "-A", "app", "worker", "--broker", "redis://:" + pw + "@127.0.0.1:6380/0"},
			wantCmd:  "celery -A app worker --broker redis://:<redacted>@127.0.0.1:6380/0",
			wantKeys: []string{"URL password@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "URL password holding '/' (base64), which RedactURL misses",
			cmd:      []string{"celery", "worker", "--broker", "redis://:ab/cd+" + pw + "@127.0.0.1:6380/0"},
			wantCmd:  "celery worker --broker redis://:<redacted>@127.0.0.1:6380/0",
			wantKeys: []string{"URL password@redis"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "KEY=VALUE argument",
			cmd:      []string{"env", "API_TOKEN=" + pw, "run"},
			wantCmd:  "env API_TOKEN=<redacted> run",
			wantKeys: []string{"API_TOKEN@"}, wantStrengths: []string{"medium"},
		},
		{
			name:     "the same secret twice shares its hash",
			cmd:      []string{"redis-server", "--requirepass", pw, "--masterauth", pw},
			wantCmd:  "redis-server --requirepass <redacted> --masterauth <redacted>",
			wantKeys: []string{"--requirepass@redis", "--masterauth@redis"}, wantStrengths: []string{"medium", "medium"},
			wantSameHashes: true,
		},
		{
			name:    "nothing secret",
			cmd:     []string{"httpd", "-f", "-p", "127.0.0.1:8080"},
			wantCmd: "httpd -f -p 127.0.0.1:8080",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, cmd, fs := commandSecrets(tt.entrypoint, tt.cmd, "cmd", newSecretHasher())
			if len(ep) != len(tt.entrypoint) || len(cmd) != len(tt.cmd) {
				t.Fatalf("entrypoint %q cmd %q: lengths changed", ep, cmd)
			}
			if got := strings.Join(append(ep, cmd...), " "); got != tt.wantCmd {
				t.Errorf("command %q, want %q", got, tt.wantCmd)
			}
			var keys, strengths []string
			for _, f := range fs {
				keys = append(keys, f.Key+"@"+f.Target)
				strengths = append(strengths, f.Strength)
				if f.Location != "cmd" || len(f.Hash) != 16 {
					t.Errorf("finding %+v", f)
				}
			}
			if !reflect.DeepEqual(keys, tt.wantKeys) || !reflect.DeepEqual(strengths, tt.wantStrengths) {
				t.Errorf("findings %q %q, want %q %q", keys, strengths, tt.wantKeys, tt.wantStrengths)
			}
			if tt.wantSameHashes && fs[0].Hash != fs[1].Hash {
				t.Errorf("hashes %s %s differ for one secret", fs[0].Hash, fs[1].Hash)
			}
		})
	}
}

// TestSecretHashes: one hasher gives one secret one hash wherever it is
// found (command line, environment, URL); another snapshot's hasher gives
// another hash.
func TestSecretHashes(t *testing.T) {
	const pw = "s3cret/with@odd:chars"
	h := newSecretHasher()
	_, _, cmdFs := commandSecrets(nil, []string{"redis-server", "--requirepass", pw}, "cmd", h)
	_, envFs := redactEnv([]string{
		"REDIS_PASSWORD=" + pw,
		"CELERY_BROKER_URL=redis://:s3cret%2Fwith%40odd%3Achars@127.0.0.1:6380/0",
		"OTHER_PASSWORD=" + pw + "x",
	}, h)
	if len(cmdFs) != 1 || len(envFs) != 3 {
		t.Fatalf("findings %+v %+v", cmdFs, envFs)
	}
	if cmdFs[0].Hash != envFs[0].Hash || envFs[0].Hash != envFs[1].Hash {
		t.Errorf("one secret, hashes %s %s %s (the URL's is percent-decoded first)", cmdFs[0].Hash, envFs[0].Hash, envFs[1].Hash)
	}
	if envFs[2].Hash == envFs[0].Hash {
		t.Error("different secrets share a hash")
	}
	if h2 := newSecretHasher(); h2.hash(pw) == h.hash(pw) {
		t.Error("two snapshots share a hash key")
	}
}

func TestSecretStrength(t *testing.T) {
	tests := []struct {
		v        string
		classes  int
		strength string
		deny     bool
	}{
		{"password", 1, "weak", true},
		{"Password123!", 4, "weak", true},
		{"changeme", 1, "weak", true},
		{"admin", 1, "weak", true},
		{"short1", 2, "weak", false},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1, "weak", false},
		{"correct-horse-battery", 2, "medium", false},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 2, "strong", false},
		{"Zr8xq2LmN4pW7vK1Zr8xq2LmN4pW7vK1x", 3, "strong", false},
	}
	for _, tt := range tests {
		c, s, d := secretStrength(tt.v)
		if c != tt.classes || s != tt.strength || d != tt.deny {
			t.Errorf("secretStrength(%q) = %d %s %v, want %d %s %v", tt.v, c, s, d, tt.classes, tt.strength, tt.deny)
		}
	}
}

func TestParseRedisArgs(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want *snapshot.RedisArgs
	}{
		{"not redis", []string{"httpd", "-f"}, nil},
		{
			"documented broker", []string{"redis-server", "--port", "6380", "--requirepass", "x", "--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru"},
			&snapshot.RedisArgs{Port: 6380, Maxmemory: "2gb", MaxmemoryBytes: i64(2 << 30), MaxmemoryPolicy: "allkeys-lru", Requirepass: true},
		},
		{
			"config file and bind list", []string{"/usr/local/bin/redis-server", "/etc/redis/redis.conf", "--bind", "127.0.0.1", "-::1", "--MAXMEMORY", "1500mb"},
			&snapshot.RedisArgs{ConfigFile: "/etc/redis/redis.conf", Bind: "127.0.0.1 -::1", Maxmemory: "1500mb", MaxmemoryBytes: i64(1500 << 20)},
		},
		{
			"inside sh -c, decimal units", []string{"sh", "-c", "exec redis-server --maxmemory 2g --maxmemory-policy noeviction"},
			&snapshot.RedisArgs{Maxmemory: "2g", MaxmemoryBytes: i64(2e9), MaxmemoryPolicy: "noeviction"},
		},
		{"bad size", []string{"redis-server", "--maxmemory", "lots"}, &snapshot.RedisArgs{Maxmemory: "lots"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRedisArgs(tt.argv); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
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

func TestCollectDaemon(t *testing.T) {
	write := func(root, p, body string) {
		t.Helper()
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		json   string // daemon.json, "" for none
		argv   []string
		comm   string
		want   []snapshot.DaemonHost
		status snapshot.Status
	}{
		{name: "nothing running", status: snapshot.StatusOK, want: []snapshot.DaemonHost{}},
		{
			name: "dockerd default socket", comm: "dockerd", argv: []string{"/usr/bin/dockerd", "--containerd=/run/containerd/containerd.sock"},
			status: snapshot.StatusOK, want: []snapshot.DaemonHost{{Addr: "unix:///var/run/docker.sock", From: "dockerd default"}},
		},
		{
			name: "dockerd -H tcp without TLS", comm: "dockerd", argv: []string{"/usr/bin/dockerd", "-H", "fd://", "-H=tcp://0.0.0.0:2375"},
			status: snapshot.StatusOK, want: []snapshot.DaemonHost{{Addr: "fd://"}, {Addr: "tcp://0.0.0.0:2375", TCP: true}},
		},
		{
			name: "daemon.json hosts with tlsverify", json: `{"hosts": ["unix:///var/run/docker.sock", "tcp://10.0.0.84:2376"], "tlsverify": true}`,
			status: snapshot.StatusOK, want: []snapshot.DaemonHost{{Addr: "unix:///var/run/docker.sock"}, {Addr: "tcp://10.0.0.84:2376", TCP: true, TLS: true, TLSVerify: true}},
		},
		{
			name: "podman service on tcp", comm: "podman", argv: []string{"podman", "system", "service", "--time=0", "tcp://0.0.0.0:2375"},
			status: snapshot.StatusOK, want: []snapshot.DaemonHost{{Addr: "tcp://0.0.0.0:2375", TCP: true}},
		},
		{name: "broken daemon.json", json: `{"hosts": [`, status: snapshot.StatusError, want: []snapshot.DaemonHost{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, proc := t.TempDir(), t.TempDir()
			if tt.json != "" {
				write(root, daemonJSON, tt.json)
			}
			if tt.comm != "" {
				write(proc, "42/comm", tt.comm+"\n")
				write(proc, "42/cmdline", strings.Join(tt.argv, "\x00")+"\x00")
			}
			write(proc, "43/comm", "bash\n")
			d := collectDaemon(&Env{Root: root}, proc)
			if d.Status != tt.status {
				t.Errorf("status %s (%s), want %s", d.Status, d.Error, tt.status)
			}
			for i := range d.Hosts {
				d.Hosts[i].From = strings.TrimPrefix(d.Hosts[i].From, "dockerd default")
			}
			for i := range tt.want {
				tt.want[i].From = ""
				if i < len(d.Hosts) {
					d.Hosts[i].From = ""
				}
			}
			if !reflect.DeepEqual(d.Hosts, tt.want) {
				t.Errorf("hosts %+v, want %+v", d.Hosts, tt.want)
			}
		})
	}
}

func TestLinkContainers(t *testing.T) {
	id1, id2 := strings.Repeat("a1", 32), strings.Repeat("b2", 32)
	uid := 999
	snap := &snapshot.Snapshot{
		Sockets: &snapshot.SocketsSection{Listeners: []snapshot.Listener{
			{Port: 6380, PID: 10, ContainerID: id1},
			{Port: 8080, PID: 11, ContainerID: id2[:12]},
			{Port: 9100, PID: 12},
			{Port: 22, PID: 13},
			{Port: 5555, ContainerID: strings.Repeat("ff", 32)},
		}},
		Docker: &snapshot.DockerSection{Containers: []snapshot.Container{
			{ID: id1, Name: "redis-celery", Compose: &snapshot.ComposeInfo{Service: "redis"}, Process: snapshot.ContainerProcess{Status: snapshot.StatusOK, PID: 10, UID: &uid}},
			{ID: id2, Name: "cadvisor", Process: snapshot.ContainerProcess{Status: snapshot.StatusOK, PID: 11}},
			{ID: strings.Repeat("c3", 32), Name: "node-exporter", Process: snapshot.ContainerProcess{Status: snapshot.StatusOK, PID: 12}},
		}},
	}
	linkContainers(snap)
	want := [][2]string{{"redis-celery", "redis"}, {"cadvisor", ""}, {"node-exporter", ""}, {"", ""}, {"", ""}}
	for i, l := range snap.Sockets.Listeners {
		if got := [2]string{l.ContainerName, l.ComposeService}; got != want[i] {
			t.Errorf("listener %d: %q, want %q", l.Port, got, want[i])
		}
	}
	linkContainers(&snapshot.Snapshot{}) // no sections: nothing to do, no panic
}

// TestDockerDaemonDown: a missing socket is "unavailable" at once; no
// socket and no engine binary is positive evidence that no engine exists.
func TestDockerDaemonDown(t *testing.T) {
	t.Setenv("DOCKER_HOST", "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	t.Run("explicit socket missing", func(t *testing.T) {
		start := time.Now()
		s, err := (&Docker{Host: "unix://" + filepath.Join(t.TempDir(), "docker.sock")}).Collect(ctx, &Env{Root: t.TempDir()})
		if !errors.Is(err, ErrUnavailable) || time.Since(start) > time.Second {
			t.Fatalf("err %v after %s", err, time.Since(start))
		}
		sec := s.(*snapshot.DockerSection)
		if !sec.EngineInstalled || sec.Engine.Status != snapshot.StatusUnavailable || !strings.HasPrefix(err.Error(), "no Docker API socket at ") || !strings.HasSuffix(err.Error(), "docker.sock (the --docker-host address)") {
			t.Errorf("%+v", sec.Engine)
		}
	})
	t.Run("DOCKER_HOST socket missing", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
		s, err := (&Docker{}).Collect(ctx, &Env{Root: t.TempDir()})
		if !errors.Is(err, ErrUnavailable) || s.(*snapshot.DockerSection).Engine.HostFrom != "DOCKER_HOST" {
			t.Fatalf("err %v section %+v", err, s)
		}
	})
	t.Run("no engine installed", func(t *testing.T) {
		s, err := (&Docker{}).Collect(ctx, &Env{Root: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		sec := s.(*snapshot.DockerSection)
		if sec.EngineInstalled || sec.Engine.Status != snapshot.StatusUnavailable || !strings.Contains(sec.Engine.Evidence, "no dockerd or podman binary") {
			t.Errorf("%+v", sec)
		}
	})
	t.Run("engine installed, daemon not running", func(t *testing.T) {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, b := range []string{"usr/bin/dockerd", "usr/bin/podman"} {
			if err := os.WriteFile(filepath.Join(root, b), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		s, err := (&Docker{}).Collect(ctx, &Env{Root: root})
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err %v", err)
		}
		// One sentence, without the status it stands for.
		want := fmt.Sprintf("no Docker API socket at %[1]s/var/run/docker.sock, %[1]s/run/docker.sock or %[1]s/run/podman/podman.sock; "+
			"%[1]s/usr/bin/dockerd and %[1]s/usr/bin/podman are installed but not running: start the daemon or pass --docker-host", root)
		if err.Error() != want {
			t.Errorf("error\n %q\nwant %q", err, want)
		}
		if sec := s.(*snapshot.DockerSection); !sec.EngineInstalled || sec.Engine.Evidence != want || sec.Engine.Error != want {
			t.Errorf("%+v", sec.Engine)
		}
	})
	t.Run("socket refuses connections", func(t *testing.T) {
		// A socket file nobody listens on: the daemon died and left it.
		sock := filepath.Join(t.TempDir(), "docker.sock")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		l.Close()
		s, err := (&Docker{Host: "unix://" + sock}).Collect(ctx, &Env{Root: t.TempDir()})
		if err == nil || errors.Is(err, ErrUnavailable) || s.(*snapshot.DockerSection).Engine.Status != snapshot.StatusError {
			t.Fatalf("err %v", err)
		}
	})
}

// hungDaemon is a socket that accepts connections and never answers, the
// one fake of these tests: a daemon stuck in a deadlock.
func hungDaemon(t *testing.T) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "hung.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				<-done
				return
			}
			conns = append(conns, c) // held open, never read or written
		}
	}()
	t.Cleanup(func() { close(done); l.Close() })
	return "unix://" + sock
}

// TestDockerDaemonHung: the collector returns at its deadline with an
// error naming it; run with the others, the docker status is error and the
// other collectors' results stand.
func TestDockerDaemonHung(t *testing.T) {
	host := hungDaemon(t)
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	s, err := (&Docker{Host: host}).Collect(ctx, &Env{Root: t.TempDir()})
	took := time.Since(start)
	if took > deadline+500*time.Millisecond {
		t.Errorf("returned after %s, deadline %s", took, deadline)
	}
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v", err)
	}
	if sec := s.(*snapshot.DockerSection); sec.Engine.Status != snapshot.StatusError || !strings.Contains(sec.Engine.Error, "does not answer") {
		t.Errorf("engine %+v", sec.Engine)
	}

	start = time.Now()
	snap, err := Collect(context.Background(), []Collector{&Docker{Host: host}, &UFW{}}, Options{
		Env: Env{Root: t.TempDir(), ProcRoot: t.TempDir()}, Timeout: deadline,
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > deadline+time.Second {
		t.Errorf("Collect took %s", took)
	}
	if r := snap.Collectors["docker"]; r.Status != snapshot.StatusError || !strings.Contains(r.Error, "deadline") {
		t.Errorf("docker %+v", r)
	}
	if r := snap.Collectors["ufw"]; r.Status != snapshot.StatusOK || snap.UFW == nil {
		t.Errorf("ufw %+v: another collector's result must stand", r)
	}
}

// TestDockerRulesWithoutDaemon evaluates the checks on snapshots whose
// docker section says there is no engine (not applicable), or an engine
// that is down or hung (unknown, with the reason): never pass.
func TestDockerRulesWithoutDaemon(t *testing.T) {
	t.Setenv("DOCKER_HOST", "")
	binRoot := t.TempDir()
	os.MkdirAll(filepath.Join(binRoot, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(binRoot, "usr/bin/podman"), nil, 0o755)
	tests := []struct {
		name   string
		docker *Docker
		root   string
		status snapshot.Status // of the docker collector
		want   scanner.Status
		why    string
	}{
		{"no engine installed", &Docker{}, t.TempDir(), snapshot.StatusOK, scanner.StatusNotApplicable, "no container engine is installed"},
		{"daemon not running", &Docker{}, binRoot, snapshot.StatusUnavailable, scanner.StatusUnknown, "installed but not running"},
		{"daemon hung", &Docker{Host: hungDaemon(t)}, t.TempDir(), snapshot.StatusError, scanner.StatusUnknown, "deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, err := Collect(context.Background(), []Collector{tt.docker}, Options{
				Env: Env{Root: tt.root, ProcRoot: t.TempDir()}, Timeout: 300 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			if st := snap.Collectors["docker"].Status; st != tt.status {
				t.Fatalf("docker collector %s (%s), want %s", st, snap.Collectors["docker"].Error, tt.status)
			}
			b, _ := json.Marshal(snap)
			_, doc, err := snapshot.Decode("t.json", b)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range evalSnapshot(t, doc).Results {
				if !dockerRule(r.RuleID) {
					continue
				}
				n++
				want := tt.want
				if r.RuleID == "MLS-EXP-005" {
					want = scanner.StatusUnknown // no sockets section
				}
				if r.Status != want {
					t.Errorf("%s %s: %s %q, want %s", r.RuleID, r.Subject, r.Status, r.Message, want)
				}
				if want == tt.want && r.RuleID != "MLS-EXP-005" && !strings.Contains(r.Message, tt.why) {
					t.Errorf("%s: %q does not say %q", r.RuleID, r.Message, tt.why)
				}
			}
			if n < 23 {
				t.Errorf("%d results of docker rules, want one per rule at least", n)
			}
		})
	}
}

func dockerRule(id string) bool {
	for _, p := range []string{"MLS-CTR-", "MLS-RES-", "MLS-SEC-"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return id == "MLS-EXP-004" || id == "MLS-EXP-005" || id == "MLS-REG-005"
}

// TestDockerPermissionDenied: a socket that refuses the scan's user (not
// root, not in the docker group) is a permission problem ("run as root"),
// not a broken daemon. The socket is made unreadable to a nobody process.
func TestDockerPermissionDenied(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop to nobody")
	}
	// A folder anyone can enter, holding a root-only socket (like
	// /var/run/docker.sock, root:docker 0660) and a copy of this test
	// binary for the child to run.
	dir, err := os.MkdirTemp("", "mlscan-perm-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Chmod(sock, 0o660)
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "collectors.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	// The collector runs in a child process as nobody: this test binary,
	// re-entered through TestDockerPermissionHelper.
	cmd := exec.Command(bin, "-test.run=^TestDockerPermissionHelper$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MLSCAN_DOCKER_HELPER_SOCK="+sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "status=permission") || !strings.Contains(string(out), "run mlscan as root") {
		t.Errorf("%s", out)
	}
}

func TestDockerPermissionHelper(t *testing.T) {
	sock := os.Getenv("MLSCAN_DOCKER_HELPER_SOCK")
	if sock == "" {
		t.Skip("helper of TestDockerPermissionDenied")
	}
	snap, err := Collect(context.Background(), []Collector{&Docker{Host: "unix://" + sock}}, Options{Env: Env{Root: t.TempDir(), ProcRoot: t.TempDir()}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := snap.Collectors["docker"]
	fmt.Printf("status=%s error=%s\n", r.Status, r.Error)
}

// TestParseServerHeader reads the Server header of /_ping: the first case
// is what Podman 4.3's service sent here (curl -i --unix-socket ... /_ping).
func TestParseServerHeader(t *testing.T) {
	for _, c := range []struct{ in, product, version string }{
		{"Libpod/4.3.1 (linux)", "Podman Engine", "4.3.1"},
		{"Libpod/4.3.1", "Podman Engine", "4.3.1"},
		{"Other/1.0 (linux)", "Other", "1.0"},
		{"", "", ""},
		{"Libpod", "", ""},
		{"/4.3.1 (linux)", "", ""},
	} {
		p, v, ok := parseServerHeader(c.in)
		if p != c.product || v != c.version || ok != (c.product != "") {
			t.Errorf("%q: %q %q %v", c.in, p, v, ok)
		}
	}
}

// TestSecretFileReferencesPass: a container whose environment names its
// secrets' files (the gluetun, Grafana and compose conventions) passes
// MLS-SEC-002 through the whole pipeline: inspect payload, collector,
// snapshot, policy; a secret written into such a key instead of a path
// fails it.
func TestSecretFileReferencesPass(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		status scanner.Status
	}{
		{"gluetun _SECRETFILE", []string{"OPENVPN_PASSWORD_SECRETFILE=/run/secrets/openvpn_password", "WIREGUARD_PRIVATE_KEY_SECRETFILE=/gluetun/wireguard/key"}, scanner.StatusPass},
		{"_FILE and __FILE", []string{"REDIS_PASSWORD_FILE=/run/secrets/redis", "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana"}, scanner.StatusPass},
		{"a value under /run/secrets", []string{"REDIS_PASSWORD=/run/secrets/redis_password"}, scanner.StatusPass},
		{"the secret itself", []string{"REDIS_PASSWORD=Zr8xq2LmN4pW7vK1"}, scanner.StatusFail},
		{"password in a _FILE key", []string{"DB_PASSWORD_FILE=hunter2"}, scanner.StatusFail},
		{"token in a _FILE key", []string{"API_TOKEN_FILE=ghp_abcdefghijklmnopqrstuvwxyz0123456789"}, scanner.StatusFail},
		{"passphrase in a _SECRETFILE key", []string{"OPENVPN_PASSWORD_SECRETFILE=correct horse battery staple"}, scanner.StatusFail},
		{"paths of the files", []string{"DB_PASSWORD_FILE=/etc/app/db.pw", "OPENVPN_PASSWORD_SECRETFILE=/run/secrets/openvpn_password"}, scanner.StatusPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ir := inspectPayload(t, "podman-4.3-web.json", func(m map[string]any) {
				env := []any{"PATH=/usr/bin:/bin"}
				for _, e := range tt.env {
					env = append(env, e)
				}
				obj(m, "Config")["Env"] = env
			})
			sec := engineSection([]snapshot.Container{parseContainer(ir, newSecretHasher())})
			doc := sectionDoc(t, sec)
			n := 0
			for _, r := range evalSnapshot(t, doc).Results {
				if r.RuleID == "MLS-SEC-002" {
					n++
					if r.Status != tt.status {
						t.Errorf("%s: %s %q, want %s", r.Subject, r.Status, r.Message, tt.status)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d MLS-SEC-002 results, want 1", n)
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
