package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const systemdDir = "../../examples/systemd"

// unitDirectives reads the Key=Value lines of a unit file (comments and
// section headers skipped, continuation lines joined).
func unitDirectives(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	var cont string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := cont + strings.TrimSpace(sc.Text())
		cont = ""
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSuffix(line, `\`) + " "
			continue
		}
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: not a directive: %q", path, line)
		}
		out[k] = append(out[k], v)
	}
	return out
}

// systemdWords splits a command line the way systemd does for Exec*=:
// words separated by spaces, "double" and 'single' quotes, backslash
// escapes, and %% for a literal % (the units use no other specifier).
func systemdWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	in := false
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '%':
			if i+1 >= len(rs) || rs[i+1] != '%' {
				t.Fatalf("specifier %%%c in %q: the test knows only %%%%", rs[min(i+1, len(rs)-1)], s)
			}
			cur.WriteRune('%')
			in = true
			i++
		case r == '\\' && quote != '\'' && i+1 < len(rs):
			cur.WriteRune(rs[i+1])
			in = true
			i++
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		t.Fatalf("unterminated quote in %q", s)
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// TestExampleSystemdUnits runs the service's command lines for real, with
// the system paths moved into a temporary directory: ExecStart through our
// CLI (a real scan of this machine) and ExecStartPost's rotation; then
// `systemd-analyze verify` on both units when it is installed.
func TestExampleSystemdUnits(t *testing.T) {
	svc := unitDirectives(t, filepath.Join(systemdDir, "mlscan.service"))
	if len(svc["ExecStart"]) != 1 || len(svc["ExecStartPost"]) != 1 {
		t.Fatalf("want one ExecStart and one ExecStartPost: %v", svc)
	}
	root := t.TempDir()
	waivers, err := filepath.Abs(exampleWaivers)
	if err != nil {
		t.Fatal(err)
	}
	// /etc/mlscan/config.yaml as the Debian package installs it: the
	// effective default configuration, every line commented out.
	cfgOut, stderr, code := runCLI(t, "config")
	if code != exitOK {
		t.Fatalf("mlscan config: exit %d: %s", code, stderr)
	}
	config := filepath.Join(root, "config.yaml")
	commented := "# " + strings.ReplaceAll(strings.TrimSuffix(cfgOut, "\n"), "\n", "\n# ") + "\n"
	if err := os.WriteFile(config, []byte(commented), 0o600); err != nil {
		t.Fatal(err)
	}
	move := strings.NewReplacer("/var/lib/", root+"/var/lib/", "/etc/mlscan/waivers.yaml", waivers, "/etc/mlscan/config.yaml", config)
	for _, d := range []string{"var/lib/mlscan/snapshots", "var/lib/prometheus/node-exporter"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}

	args := systemdWords(t, svc["ExecStart"][0])
	// The path the Debian package installs (packaging/nfpm.yaml).
	if args[0] != "/usr/bin/mlscan" || args[1] != "scan" {
		t.Fatalf("ExecStart runs %v", args[:2])
	}
	for i := range args {
		args[i] = move.Replace(args[i])
	}
	// The firewall, sockets and containers of this machine only: every
	// collector is exercised by its own tests and the end-to-end ones.
	_, stderr, code = runCLI(t, append(args[1:], "--collectors", "sockets,ufw,docker")...)
	// SuccessExitStatus=3 and --fail-on never: 0 or 3 is a good run.
	if svc["SuccessExitStatus"][0] != "3" || (code != exitOK && code != exitUnknown) {
		t.Fatalf("ExecStart exit %d (SuccessExitStatus=%v): %s", code, svc["SuccessExitStatus"], stderr)
	}
	prom := filepath.Join(root, "var/lib/prometheus/node-exporter/mlscan.prom")
	// node_exporter (User=prometheus on Debian) reads the textfile: 0644;
	// the report and the snapshot stay 0600.
	for f, want := range map[string]os.FileMode{
		prom: 0o644,
		filepath.Join(root, "var/lib/mlscan/last.json"):             0o600,
		filepath.Join(root, "var/lib/mlscan/snapshots/latest.json"): 0o600,
	} {
		if st, err := os.Stat(f); err != nil {
			t.Error(err)
		} else if st.Mode().Perm() != want {
			t.Errorf("%s: mode %#o, want %#o", f, st.Mode().Perm(), want)
		}
	}
	var last struct {
		ConfigFile string `json:"config_file"`
	}
	if b, err := os.ReadFile(filepath.Join(root, "var/lib/mlscan/last.json")); err != nil || json.Unmarshal(b, &last) != nil || last.ConfigFile != config {
		t.Errorf("the scan did not read %s: config_file %q (%v)", config, last.ConfigFile, err)
	}
	if tool, err := exec.LookPath("promtool"); err == nil {
		b, _ := os.ReadFile(prom)
		cmd := exec.Command(tool, "check", "metrics")
		cmd.Stdin = strings.NewReader(string(b))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}

	// ExecStartPost names the snapshot after the run and keeps the newest
	// MLSCAN_KEEP.
	post := systemdWords(t, svc["ExecStartPost"][0])
	keep := ""
	for _, env := range svc["Environment"] {
		if v, ok := strings.CutPrefix(env, "MLSCAN_KEEP="); ok {
			keep = v
		}
	}
	if keep == "" {
		t.Fatal("no Environment=MLSCAN_KEEP=")
	}
	snaps := filepath.Join(root, "var/lib/mlscan/snapshots")
	for _, old := range []string{"snapshot-20250101T000000Z.json", "snapshot-20250301T000000Z.json", "snapshot-20250201T000000Z.json"} {
		mustWrite(t, filepath.Join(snaps, old), []byte("{}"), 0o600)
	}
	for i := range post {
		post[i] = move.Replace(post[i])
	}
	cmd := exec.Command(post[0], post[1:]...)
	cmd.Env = append(os.Environ(), "MLSCAN_KEEP=2")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ExecStartPost: %v\n%s", err, out)
	}
	entries, _ := os.ReadDir(snaps)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "snapshot-20250301T000000Z.json" || !strings.HasPrefix(names[1], "snapshot-20") || names[1] <= names[0] {
		t.Errorf("snapshots kept: %v", names)
	}
	if _, stderr, code := runCLI(t, "eval", "--fail-on", "never", filepath.Join(snaps, names[1])); code != exitOK && code != exitUnknown {
		t.Errorf("the kept snapshot does not evaluate: %d %s", code, stderr)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: the units were not verified")
	}
	// verify wants ExecStart's binary to exist: point it at this test binary.
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mlscan.service", "mlscan.timer"} {
		b, err := os.ReadFile(filepath.Join(systemdDir, name))
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.ReplaceAll(string(b), "/usr/bin/mlscan", self))
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(analyze, "verify", filepath.Join(dir, "mlscan.service"), filepath.Join(dir, "mlscan.timer")).CombinedOutput()
	// Unknown keys are only warnings: any output is a failure.
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestExampleSystemdHardening: the service sets the sandboxing a read-only
// root scan can live with, never a directive that would blind the scan
// (whose command TestExampleSystemdUnits runs), and `systemd-analyze
// security` rates it at most 6.0 (it was 8.9 EXPOSED).
func TestExampleSystemdHardening(t *testing.T) {
	svc := unitDirectives(t, filepath.Join(systemdDir, "mlscan.service"))
	for _, tc := range []struct {
		name, key, want string // want "" means the key must not be set
	}{
		{name: "no kernel module loading", key: "ProtectKernelModules", want: "yes"},
		{name: "no kernel log access", key: "ProtectKernelLogs", want: "yes"},
		{name: "kernel tunables read-only (still readable)", key: "ProtectKernelTunables", want: "yes"},
		{name: "cgroups read-only", key: "ProtectControlGroups", want: "yes"},
		{name: "no clock changes", key: "ProtectClock", want: "yes"},
		{name: "no hostname changes", key: "ProtectHostname", want: "yes"},
		{name: "no devices", key: "PrivateDevices", want: "yes"},
		{name: "no new namespaces", key: "RestrictNamespaces", want: "yes"},
		{name: "no realtime scheduling", key: "RestrictRealtime", want: "yes"},
		{name: "no SUID/SGID files", key: "RestrictSUIDSGID", want: "yes"},
		{name: "fixed personality", key: "LockPersonality", want: "yes"},
		{name: "native system calls only", key: "SystemCallArchitectures", want: "native"},
		{name: "no new privileges", key: "NoNewPrivileges", want: "yes"},
		{name: "read-only system", key: "ProtectSystem", want: "strict"},
		// The scan needs the host's network (netlink, probes), every
		// process's /proc entries and root's capabilities (iptables,
		// /proc/PID/fd of other users).
		{name: "host network", key: "PrivateNetwork"},
		{name: "every address family", key: "RestrictAddressFamilies"},
		{name: "every process visible", key: "ProtectProc"},
		{name: "all of /proc", key: "ProcSubset"},
		{name: "root's capabilities", key: "CapabilityBoundingSet"},
		{name: "runs as root", key: "User"},
		{name: "root's /proc/sys values unmasked", key: "InaccessiblePaths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := svc[tc.key]
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("%s=%v would keep the scan from looking", tc.key, got)
			case tc.want != "" && (len(got) != 1 || got[0] != tc.want):
				t.Errorf("%s=%v, want %s", tc.key, got, tc.want)
			}
		})
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: the exposure was not rated")
	}
	b, err := os.ReadFile(filepath.Join(systemdDir, "mlscan.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "mlscan.service")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(string(b), "/usr/bin/mlscan", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	// --threshold is the exposure times 10: more than 6.0 is an error.
	out, err := exec.Command(analyze, "security", "--offline=true", "--threshold=60", unit).CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Errorf("systemd-analyze security: %v: %s", err, lines[len(lines)-1])
	}
}
