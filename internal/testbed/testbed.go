// Package testbed builds real test hosts for mlscan's end-to-end tests: a
// network namespace with its own UFW, real listeners (redis-server, busybox
// httpd) and a LAN peer, plus the mlscan binary to run inside it. It needs
// root and the system packages .ci/run installs; Require skips (or, with
// MLSCAN_E2E=1, fails) a test that cannot have them.
package testbed

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// packages maps the tools tests ask for to the Debian packages that hold them.
var packages = map[string]string{
	"ip":               "iproute2",
	"ufw":              "ufw",
	"iptables":         "iptables",
	"ip6tables":        "iptables",
	"redis-server":     "redis-server",
	"busybox":          "busybox-static",
	"ansible-playbook": "ansible",
	"sshd":             "openssh-server",
	"fail2ban-client":  "fail2ban",
	"nc":               "netcat-openbsd",
	"podman":           "podman",
	"dockerd":          "docker.io",
	"docker":           "docker.io",
	"runc":             "runc",
	"curl":             "curl",
	"setpriv":          "util-linux",
	"unshare":          "util-linux",
	"nsenter":          "util-linux",
	"hostname":         "hostname",
}

// Require skips the test unless it runs as root and every tool is on PATH.
// With MLSCAN_E2E=1 (CI) a missing requirement fails the test instead.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "not root")
	}
	var pkgs []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" not found")
		}
		p := packages[tool]
		if p == "" {
			p = tool
		}
		if !slices.Contains(pkgs, p) {
			pkgs = append(pkgs, p)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("needs root and %s: install them with .ci/run or apt-get install %s (%s)",
		strings.Join(tools, ", "), strings.Join(pkgs, " "), strings.Join(missing, ", "))
	if os.Getenv("MLSCAN_E2E") == "1" {
		t.Fatal(msg + "; MLSCAN_E2E=1 makes this test mandatory")
	}
	t.Skip(msg)
}

var build struct {
	once sync.Once
	path string
	err  error
}

// BuildMLScan builds ./cmd/mlscan once per test process and returns the
// binary's path. The binary sits in a 0755 directory of its own, so an
// unprivileged user can run it too; directories left by earlier test
// processes that have exited are removed.
func BuildMLScan(t testing.TB) string {
	t.Helper()
	build.once.Do(func() { build.path, build.err = buildMLScan() })
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

func buildMLScan() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	removeStaleBuilds()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("mlscan-e2e-%d", os.Getpid()))
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mlscan")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/mlscan")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mlscan: %v\n%s", err, out.String())
	}
	return bin, nil
}

// removeStaleBuilds deletes the build directories of test processes that
// no longer run.
func removeStaleBuilds() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "mlscan-e2e-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "mlscan-e2e-"))
		if err == nil && !alive(pid) {
			os.RemoveAll(d)
		}
	}
}

// alive reports whether a process with this pid exists.
func alive(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// ModuleRoot walks up from the working directory to the directory holding
// go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
