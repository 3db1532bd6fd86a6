package collectors

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

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
