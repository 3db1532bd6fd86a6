package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/report"
	"github.com/mlscan/mlscan/scanner"
)

// ansibleSSHDConfig lets root in with the test's key only: the playbook
// runs `mlscan collect` as root, as a real run would with become.
func ansibleSSHDConfig(authorizedKeys string) string {
	return fmt.Sprintf(`# mlscan testbed: Ansible end-to-end test only
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile %s
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
Subsystem sftp /usr/lib/openssh/sftp-server
`, authorizedKeys)
}

// TestE2EAnsiblePlaybook runs examples/ansible/playbook.yml with Ansible
// over SSH against sshd in two network-namespace hosts: it installs mlscan
// on each host (server-84 the Debian package built by packaging/build-deb,
// server-81 the bare binary), collects a snapshot on each as root, fetches
// them and evaluates them here as a fleet. server-84 has the documented
// UFW, server-81 none, and the fleet report tells them apart.
//
// The namespaces share this machine's filesystem: the package is really
// installed here (/usr/bin/mlscan, /etc/mlscan) and purged at the end.
func TestE2EAnsiblePlaybook(t *testing.T) {
	testbed.Require(t, "ip", "ufw", "iptables", "sshd", "ssh", "ssh-keygen", "nc", "ansible-playbook", "dpkg", "dpkg-deb", "git")
	if err := exec.Command("dpkg-query", "--show", "mlscan").Run(); err == nil {
		msg := "the mlscan package is installed on this machine: the test would replace and purge it"
		if os.Getenv("MLSCAN_E2E") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	bin := testbed.BuildMLScan(t)
	work := t.TempDir()

	// The package server-84 installs.
	var stderr strings.Builder
	build := exec.Command("bash", "../../packaging/build-deb", filepath.Join(work, "dist"))
	build.Stderr = &stderr
	debOut, err := build.Output()
	if err != nil {
		t.Fatalf("packaging/build-deb: %v\n%s", err, stderr.String())
	}
	deb := strings.TrimSpace(string(debOut))
	debVersion, err := exec.Command("dpkg-deb", "--field", deb, "Version").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "--purge", "mlscan").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge mlscan: %v\n%s", err, out)
		}
	})

	// The controller's key, authorised on both hosts.
	key := filepath.Join(work, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mlscan-e2e", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	authorized := filepath.Join(work, "authorized_keys")
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(authorized, pub, 0o600); err != nil {
		t.Fatal(err)
	}

	hosts := []struct {
		name, addr string
		ufw        bool
		install    string // mlscan_install
	}{
		{"server-84", "10.0.0.84/24", true, "package"},
		{"server-81", "10.0.0.81/24", false, "binary"},
	}
	var inv, known strings.Builder
	inv.WriteString("mlscan:\n  hosts:\n")
	for _, hc := range hosts {
		h := testbed.NewHost(t, hc.name, hc.addr)
		if hc.ufw {
			h.ApplyDocumentedUFW(t)
		}
		h.ConfigureSSHD(t, ansibleSSHDConfig(authorized))
		h.StartSSHD(t)
		// Strict host key checking against the keys the host was given.
		hk, err := os.ReadFile(filepath.Join("/etc/netns", h.NS, "ssh", "ssh_host_ed25519_key.pub"))
		if err != nil {
			t.Fatal(err)
		}
		fields := strings.Fields(string(hk))
		fmt.Fprintf(&known, "%s %s %s\n", h.IP, fields[0], fields[1])
		// The controller reaches each namespace's sshd through nc run in
		// that namespace: a real TCP connection to port 22 of the host.
		fmt.Fprintf(&inv, "    %s:\n      ansible_host: %s\n      mlscan_remote_dir: %s\n      mlscan_install: %s\n      mlscan_deb: %s\n",
			hc.name, h.IP, filepath.Join(work, "remote", hc.name), hc.install, deb)
		fmt.Fprintf(&inv, "      ansible_ssh_common_args: '-o ProxyCommand=\"ip netns exec %s nc %%h %%p\" -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'\n",
			h.NS, filepath.Join(work, "known_hosts"))
	}
	fmt.Fprintf(&inv, "  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: %s\n    ansible_python_interpreter: /usr/bin/python3\n", key)
	invPath := filepath.Join(work, "inventory.yml")
	if err := os.WriteFile(invPath, []byte(inv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "known_hosts"), []byte(known.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	playbook, err := filepath.Abs("../../examples/ansible/playbook.yml")
	if err != nil {
		t.Fatal(err)
	}
	fetched, reports := filepath.Join(work, "snapshots"), filepath.Join(work, "reports")
	cmd := exec.Command("ansible-playbook", "-i", invPath, playbook,
		"-e", "mlscan_binary="+bin, "-e", "mlscan_fetch_dir="+fetched, "-e", "mlscan_report_dir="+reports,
		// root already: no sudo on the test hosts
		"-e", "mlscan_become=false")
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_FORCE_COLOR=0", "ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(work, "ansible-local"), "ANSIBLE_REMOTE_TEMP="+filepath.Join(work, "ansible-remote"),
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(work, "cp"), "ANSIBLE_CONFIG="+filepath.Join(work, "none.cfg"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("ansible-playbook (%s):\n%s", time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		t.Fatalf("ansible-playbook: %v", err)
	}
	if !strings.Contains(string(out), "mlscan fleet · 2 hosts") {
		t.Error("the play did not show the fleet summary")
	}

	// Each snapshot was collected on its own host, as root.
	for _, hc := range hosts {
		b, err := os.ReadFile(filepath.Join(fetched, hc.name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var snap struct {
			Tool struct{ Version string }
			Host struct {
				Hostname  string
				Addresses []string
			}
			IsRoot bool `json:"is_root"`
		}
		if err := json.Unmarshal(b, &snap); err != nil {
			t.Fatal(err)
		}
		ip, _, _ := strings.Cut(hc.addr, "/")
		if snap.Host.Hostname != hc.name || !snap.IsRoot || strings.Join(snap.Host.Addresses, ",") != ip {
			t.Errorf("%s: snapshot of %+v (root %v)", hc.name, snap.Host, snap.IsRoot)
		}
		// The package's mlscan collected on server-84, the copied binary
		// (a plain build) on server-81.
		if pkg := snap.Tool.Version == strings.TrimSpace(string(debVersion)); pkg != (hc.install == "package") {
			t.Errorf("%s (%s): snapshot written by mlscan %s; the package is %s", hc.name, hc.install, snap.Tool.Version, debVersion)
		}
	}
	if out, err := exec.Command("dpkg-query", "--show", "--showformat=${Status} ${Version}", "mlscan").Output(); err != nil || string(out) != "install ok installed "+strings.TrimSpace(string(debVersion)) {
		t.Errorf("dpkg-query mlscan: %q (%v)", out, err)
	}
	// The fleet report tells the host behind UFW from the one without.
	b, err := os.ReadFile(filepath.Join(reports, "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fleet report.FleetSummary
	if err := json.Unmarshal(b, &fleet); err != nil {
		t.Fatal(err)
	}
	fw := map[string]scanner.Status{}
	for _, h := range fleet.Hosts {
		fw[h.Host] = h.Rules["MLS-FW-001"].Status
	}
	if len(fleet.Hosts) != 2 || fw["server-84"] != scanner.StatusPass || fw["server-81"] != scanner.StatusFail {
		t.Errorf("MLS-FW-001 by host: %v", fw)
	}
	for _, f := range []string{"fleet.md", "fleet.sarif"} {
		if st, err := os.Stat(filepath.Join(reports, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
