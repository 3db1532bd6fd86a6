package testbed

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// DocumentedUFW is the firewall of the networking document, as ufw
// command lines in the order the document gives them.
var DocumentedUFW = [][]string{
	{"default", "deny", "incoming"},
	{"default", "allow", "outgoing"},
	{"allow", "from", "10.0.0.0/24", "to", "any", "port", "22", "proto", "tcp"},
	{"allow", "80/tcp"},
	{"allow", "443/tcp"},
	{"--force", "enable"},
}

// UFW runs `ufw args...` in the namespace and returns its output; a
// failure fails the test.
func (h *Host) UFW(t testing.TB, args ...string) string {
	t.Helper()
	return h.MustExec(t, append([]string{"ufw"}, args...)...)
}

// ApplyDocumentedUFW configures and enables the document's firewall.
func (h *Host) ApplyDocumentedUFW(t testing.TB) {
	t.Helper()
	for _, args := range DocumentedUFW {
		h.UFW(t, args...)
	}
}

// documentedHTTP are the stand-ins for the document's listeners other than
// Redis: busybox httpd on the address each service binds. "IP" is replaced
// by the host's address.
// Each runs as a copy of busybox named like the real service's process
// (its comm), so the registry's owner check sees what a real host shows.
var documentedHTTP = []struct{ addr, owner string }{
	{"0.0.0.0:22", "sshd"},
	{"0.0.0.0:5555", "flower"},
	{"0.0.0.0:6379", "gcs_server"},
	{"0.0.0.0:8265", "dashboard"},
	{"0.0.0.0:10001", "ray"},
	{"127.0.0.1:8080", "cadvisor"},
	{"127.0.0.1:9090", "prometheus"},
	{"127.0.0.1:9100", "node_exporter"},
	{"IP:3002", "grafana"},
	{"IP:9091", "raylet"},
	{"[::]:80", "traefik"},
	{"[::]:443", "traefik"},
}

// ownerBin copies busybox to dir/name (once) and returns its path.
func ownerBin(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	src, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// httpRoot is the document root of the busybox httpd stand-ins.
const httpRoot = "/srv"

// StartDocumentedListeners starts the document's listeners in the
// namespace and waits until they all listen: redis-server on 0.0.0.0:6380
// with a random RedisPassword, and busybox httpd stand-ins for the others.
func (h *Host) StartDocumentedListeners(t testing.TB) {
	t.Helper()
	Require(t, "redis-server", "busybox")
	h.RedisPassword = randomHex(16)
	h.Start(t, "redis-server", "--port", "6380", "--bind", "0.0.0.0", "--requirepass", h.RedisPassword,
		"--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru", "--save", "", "--appendonly", "no",
		"--daemonize", "no")
	ports := []int{6380}

	// A fixed, standard document root keeps the captured command lines the
	// same from run to run; the tests never fetch a page.
	if err := os.MkdirAll(httpRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	binDir := filepath.Join(ownersDir, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range documentedHTTP {
		l := strings.Replace(d.addr, "IP", h.IP, 1)
		// bash's exec -a runs the copy with argv[0] "httpd" (the applet).
		bin := ownerBin(t, binDir, d.owner)
		h.Start(t, "bash", "-c", `exec -a httpd "$0" "$@"`, bin, "-f", "-p", l, "-h", httpRoot)
		port, _ := strconv.Atoi(l[strings.LastIndexByte(l, ':')+1:])
		ports = append(ports, port)
	}
	h.waitListen(t, ports...)
}
