package collectors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// inspectFacts are the facts the checks read from one container-inspect
// payload, written as short strings so that a table states them.
type inspectFacts struct {
	name, state, user   string
	running, priv       bool
	capAdd, capDrop     []string
	network, pid        string
	mounts, ports       []string // type:source->destination:rw|ro; hostip:port->port/proto
	compose             string   // project/service files, "" for none
	secrets             []string // location:key of the findings
	readonly, noNewPriv bool
}

// factsOf reads the facts of a parsed container.
func factsOf(c snapshot.Container) inspectFacts {
	f := inspectFacts{
		name: c.Name, state: c.State, user: c.User, running: c.Running, priv: c.Privileged,
		capAdd: c.CapAdd, capDrop: c.CapDrop, network: c.NetworkMode, pid: c.PidMode,
		readonly: c.ReadonlyRootfs, noNewPriv: slices.ContainsFunc(c.SecurityOpt, func(s string) bool { return strings.HasPrefix(s, "no-new-privileges") }),
	}
	for _, m := range c.Mounts {
		rw := "ro"
		if m.RW {
			rw = "rw"
		}
		f.mounts = append(f.mounts, fmt.Sprintf("%s:%s->%s:%s", m.Type, m.Source, m.Destination, rw))
	}
	for _, p := range c.Ports {
		f.ports = append(f.ports, fmt.Sprintf("%s:%d->%d/%s", p.HostIP, p.HostPort, p.ContainerPort, p.Proto))
	}
	slices.Sort(f.ports)
	if ci := c.Compose; ci != nil {
		f.compose = ci.Project + "/" + ci.Service + " " + strings.Join(ci.ConfigFiles, ",")
	}
	for _, s := range c.Secrets {
		f.secrets = append(f.secrets, s.Location+":"+s.Key)
	}
	slices.Sort(f.secrets)
	return f
}

// The Engine API's own example (API 1.24 to 1.47 differ only in fields
// the checks do not read): an ubuntu container on the bridge with a
// read-only /data mount of no type, no user, engine-default capabilities.
var specExample = inspectFacts{
	name: "boring_euclid", state: "running", running: true, network: "bridge",
	capAdd: []string{}, capDrop: []string{}, mounts: []string{":/data->/data:ro"},
}

// Podman reports `--cap-drop ALL` as the 14 default capabilities.
var podmanAllDropped = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}

const podmanCompose = "/tmp/mlsdk-21627-2355814988/compose/docker-compose.yml"

// TestDockerInspectCorpus decodes every container-inspect payload of
// testdata/docker (the Engine API's examples from API 1.24, Docker 1.12,
// to 1.51, Docker 28; payloads captured from dockerd 20.10 and Podman 4.3;
// see SOURCES.md and README.md there) through the collector's conversion
// and checks the facts the checks read, and that no planted secret comes
// out. Every payload file must be in the table.
func TestDockerInspectCorpus(t *testing.T) {
	const planted = "mlscanPlanted7Qx9"
	tests := []struct {
		name string
		file string
		want inspectFacts
	}{
		{"API 1.24 (Docker 1.12)", "upstream/engine-api-v1.24-container-inspect.json", specExample},
		{"API 1.25 to 1.31 (Docker 1.13 to 17.07)", "upstream/engine-api-v1.25-v1.31-container-inspect.json", specExample},
		{"API 1.32 to 1.37 (Docker 17.09 to 18.02)", "upstream/engine-api-v1.32-v1.37-container-inspect.json", specExample},
		{"API 1.38 (Docker 18.06)", "upstream/engine-api-v1.38-container-inspect.json", specExample},
		{"API 1.39 (Docker 18.09)", "upstream/engine-api-v1.39-container-inspect.json", specExample},
		{"API 1.40 and 1.41 (Docker 19.03, 20.10)", "engine-api-v1.41-container-inspect.json", specExample},
		{"API 1.42 to 1.47 (Docker 23 to 27)", "engine-api-v1.47-container-inspect.json", specExample},
		{"API 1.51 field examples (Docker 28)", "engine-api-v1.51-container-inspect-field-examples.json", inspectFacts{
			name: "funny_chatelet", state: "running", running: true, user: "123:456", capAdd: []string{}, capDrop: []string{},
			ports: []string{"0.0.0.0:53->53/udp", "0.0.0.0:80->80/tcp", "0.0.0.0:80->80/udp", "0.0.0.0:8080->80/tcp", "127.0.0.1:4443->443/tcp"},
		}},
		{"dockerd 20.10: hardened compose service", "dockerd-20.10-web-hardened.json", inspectFacts{
			name: "web-hardened", state: "running", running: true, user: "1000:1000", network: "host",
			capAdd: []string{"CAP_NET_BIND_SERVICE"}, capDrop: []string{"ALL"}, readonly: true, noNewPriv: true,
			mounts:  []string{"bind:/tmp/mlscap/d/host/secrets/redis->/run/secrets/redis:ro"},
			compose: "ml/web /srv/ml/docker-compose.yml,/srv/ml/docker-compose.override.yml",
		}},
		{"dockerd 20.10: bridge with published ports and a volume", "dockerd-20.10-bridge-ports.json", inspectFacts{
			name: "bridge-ports", state: "running", running: true, network: "default", capAdd: []string{}, capDrop: []string{},
			mounts: []string{"bind:/tmp/mlscap/d/host/srv/ml->/data:ro", "volume:/tmp/mlscap/d/data/volumes/cache/_data->/cache:rw"},
			ports:  []string{"0.0.0.0:8443->443/tcp", "0.0.0.0:9090->90/udp", "127.0.0.1:8080->80/tcp", ":::8443->443/tcp", ":::9090->90/udp"},
		}},
		{"dockerd 20.10: secrets in the environment and command", "dockerd-20.10-redis-planted.json", inspectFacts{
			name: "redis-planted", state: "running", running: true, network: "host", capAdd: []string{}, capDrop: []string{},
			secrets: []string{"cmd:--requirepass", "env:CELERY_BROKER_URL (URL password)", "env:REDIS_PASSWORD"},
		}},
		{"dockerd 20.10: privileged with host namespaces, created", "dockerd-20.10-privileged-created.json", inspectFacts{
			name: "privileged-created", state: "created", priv: true, network: "host", pid: "host", capAdd: []string{}, capDrop: []string{},
		}},
		{"dockerd 20.10: engine socket mounted, unconfined", "dockerd-20.10-sock-mount.json", inspectFacts{
			name: "sock-mount", state: "running", running: true, network: "default", capAdd: []string{"CAP_SYS_ADMIN"}, capDrop: []string{},
			mounts: []string{"bind:/tmp/mlscap/d/docker.sock->/var/run/docker.sock:rw"},
		}},
		{"dockerd 20.10: healthcheck, no network", "dockerd-20.10-health-onfailure.json", inspectFacts{
			name: "health-onfailure", state: "running", running: true, network: "none", capAdd: []string{}, capDrop: []string{},
		}},
		{"dockerd 20.10: exited, user by name", "dockerd-20.10-exited.json", inspectFacts{
			name: "exited", state: "exited", user: "celery", network: "default", capAdd: []string{}, capDrop: []string{},
		}},
		{"dockerd 20.10: paused", "dockerd-20.10-paused.json", inspectFacts{
			name: "paused", state: "paused", running: true, network: "default", capAdd: []string{}, capDrop: []string{},
		}},
		{"dockerd 20.10: another container's network", "dockerd-20.10-shared-net.json", inspectFacts{
			name: "shared-net", state: "running", running: true, network: "container:e85c31aae353f35705931859c7e421bf2b457ab6ad9b11a7ed74b3b6194ff6f3",
			capAdd: []string{}, capDrop: []string{},
		}},
		{"dockerd 20.10: labels naming /dev/zero and a FIFO", "dockerd-20.10-label-hostile.json", inspectFacts{
			name: "label-hostile", state: "running", running: true, network: "default", capAdd: []string{}, capDrop: []string{},
			compose: "evil/evil /dev/zero,/tmp/fifo.yml",
		}},
		{"Podman 4.3: Celery worker", "podman-4.3-celery-worker.json", inspectFacts{
			name: "celery-worker", state: "running", running: true, user: "1000:1000", network: "host", pid: "private",
			capAdd: []string{}, capDrop: podmanAllDropped, readonly: true, noNewPriv: true,
			compose: "ml/celery-worker " + podmanCompose,
			secrets: []string{"env:CELERY_BROKER_URL (URL password)", "env:CELERY_RESULT_BACKEND (URL password)", "env:REDIS_PASSWORD"},
		}},
		{"Podman 4.3: Redis broker", "podman-4.3-redis-celery.json", inspectFacts{
			name: "redis-celery", state: "running", running: true, user: "999:999", network: "host", pid: "private",
			capAdd: []string{}, capDrop: podmanAllDropped, noNewPriv: true,
			compose: "ml/redis " + podmanCompose, secrets: []string{"cmd:--requirepass"},
		}},
		{"Podman 4.3: web", "podman-4.3-web.json", inspectFacts{
			name: "web", state: "running", running: true, user: "1000", network: "host", pid: "private",
			capAdd: []string{}, capDrop: podmanAllDropped, readonly: true, noNewPriv: true, compose: "ml/web " + podmanCompose,
		}},
		{"Podman 4.3: no limits, published port", "podman-4.3-nolimits.json", inspectFacts{
			name: "nolimits", state: "running", running: true, network: "bridge", pid: "private",
			capAdd: []string{}, capDrop: []string{"AUDIT_WRITE", "MKNOD", "NET_RAW"}, ports: []string{":18090->80/tcp"},
		}},
		{"Podman 4.3: privileged", "podman-4.3-privileged.json", inspectFacts{
			name: "privileged", state: "running", running: true, priv: true, network: "host", pid: "private",
			capAdd: []string{}, capDrop: []string{"SYS_RESOURCE"},
		}},
		{"Podman 4.3: engine socket mounted", "podman-4.3-sockmount.json", inspectFacts{
			name: "sockmount", state: "running", running: true, network: "host", pid: "private",
			capAdd: []string{}, capDrop: []string{"AUDIT_WRITE", "MKNOD", "NET_RAW"},
			mounts: []string{"bind:/tmp/mlsdk-21627-2355814988/docker.sock->/var/run/docker.sock:rw"},
		}},
		{"Podman 4.3: created, never started", "podman-4.3-stopped.json", inspectFacts{
			name: "stopped", state: "created", network: "host", pid: "private",
			capAdd: []string{}, capDrop: []string{"AUDIT_WRITE", "MKNOD", "NET_RAW"},
		}},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.name, func(t *testing.T) {
			c := parseContainer(inspectPayload(t, tt.file, nil), newSecretHasher())
			got := factsOf(c)
			if !factsEqual(got, tt.want) {
				t.Errorf("facts\n got %+v\nwant %+v", got, tt.want)
			}
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), planted) {
				t.Errorf("the planted secret comes out: %s", b)
			}
		})
	}
	var files []string
	for _, g := range []string{"*.json", "upstream/*.json"} {
		m, _ := filepath.Glob(filepath.Join(dockerTestdata, g))
		files = append(files, m...)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dockerTestdata, f)
		if !covered[rel] {
			t.Errorf("%s is not in the corpus table", rel)
		}
	}
	if len(tests) < 25 {
		t.Errorf("%d payloads, want at least 25", len(tests))
	}
	if _, err := os.Stat(filepath.Join(dockerTestdata, "upstream", "SOURCES.md")); err != nil {
		t.Error(err)
	}
}

// factsEqual compares facts, a nil list equal to an empty one.
func factsEqual(a, b inspectFacts) bool {
	eq := func(x, y []string) bool { return len(x) == 0 && len(y) == 0 || slices.Equal(x, y) }
	return a.name == b.name && a.state == b.state && a.user == b.user && a.running == b.running && a.priv == b.priv &&
		eq(a.capAdd, b.capAdd) && eq(a.capDrop, b.capDrop) && a.network == b.network && a.pid == b.pid &&
		eq(a.mounts, b.mounts) && eq(a.ports, b.ports) && a.compose == b.compose && eq(a.secrets, b.secrets) &&
		a.readonly == b.readonly && a.noNewPriv == b.noNewPriv
}
