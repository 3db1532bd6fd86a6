// Package packaging holds the Debian package's description (nfpm.yaml),
// the scripts that build and check it, and the tests that keep them honest.
package packaging

import (
	"bytes"
	"cmp"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
)

// TestDebianVersion maps `git describe` outputs to Debian versions that
// dpkg sorts as the releases: a pre-release before its release, commits
// after a tag after it.
func TestDebianVersion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	tests := []struct {
		name, describe, count, want string
	}{
		{name: "release tag", describe: "v1.2.3", want: "1.2.3"},
		{name: "pre-release tag", describe: "v1.2.3-rc.1", want: "1.2.3~rc.1"},
		{name: "commits after a tag", describe: "v1.2.3-5-gabc1234", want: "1.2.3+git20261203.5.abc1234"},
		{name: "commits after a pre-release", describe: "v1.2.3-rc.1-5-gabc1234", want: "1.2.3~rc.1+git20261203.5.abc1234"},
		{name: "no tag", describe: "abc1234", want: "0.0.0~git20261203.245.abc1234"},
		{name: "no tag, dirty", describe: "abc1234-dirty", want: "0.0.0~git20261203.245.abc1234+dirty"},
		{name: "tag, dirty", describe: "v1.2.3-dirty", want: "1.2.3+dirty"},
		{name: "after a tag, dirty", describe: "v1.2.3-5-gabc1234-dirty", want: "1.2.3+git20261203.5.abc1234.dirty"},
		{name: "a tag that is no version", describe: "release-x", want: ""},
		{name: "a tag with a space", describe: "v1.2.3-a b", want: ""},
		{name: "no tag, a count that is no number", describe: "abc1234", count: "x", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command("bash", "build-deb", "--version", tt.describe, "20261203", cmp.Or(tt.count, "245"))
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			got := strings.TrimSpace(string(out))
			if tt.want == "" {
				if err == nil || !strings.Contains(stderr.String(), "build-deb: ") {
					t.Errorf("%q: got %q (%v), want an error that names build-deb", tt.describe, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("%q: got %q (%v: %s), want %q", tt.describe, got, err, stderr.String(), tt.want)
			}
		})
	}
	// dpkg's own order, when it is installed. Two builds of one day sort in
	// commit order whatever their hashes: the second commit's fff0000 before
	// the next one's 0001111, with no tag and after a tag.
	if _, err := exec.LookPath("dpkg"); err != nil {
		return
	}
	order := []string{"0.0.0~git20261203.245.fff0000", "0.0.0~git20261203.245.fff0000+dirty",
		"0.0.0~git20261203.246.0001111", "0.0.0~git20261204.247.0002222", "1.2.3~rc.1",
		"1.2.3~rc.1+git20261203.5.abc1234", "1.2.3", "1.2.3+dirty", "1.2.3+git20261203.5.fff0000", "1.2.3+git20261203.6.0001111"}
	for i := 1; i < len(order); i++ {
		if err := exec.Command("dpkg", "--compare-versions", order[i-1], "lt", order[i]).Run(); err != nil {
			t.Errorf("dpkg: %s is not before %s", order[i-1], order[i])
		}
	}
}

// TestCheckDebExistingMLScan runs check-deb with a stub dpkg-query, dpkg
// and build-deb: on a machine where dpkg knows mlscan it refuses before
// building or touching dpkg, and when it installed nothing (the build
// failed) it purges nothing.
func TestCheckDebExistingMLScan(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	for _, p := range []string{"/usr/bin/mlscan", "/etc/mlscan", "/var/lib/mlscan", "/var/lib/prometheus/node-exporter/mlscan.prom",
		"/lib/systemd/system/mlscan.service", "/lib/systemd/system/mlscan.timer",
		"/etc/systemd/system/mlscan.service", "/etc/systemd/system/mlscan.timer"} {
		if _, err := os.Lstat(p); err == nil {
			t.Skipf("%s exists on this machine: check-deb refuses whatever dpkg says", p)
		}
	}
	src, err := os.ReadFile("check-deb")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		status    string // what dpkg-query prints; "" for a package dpkg does not know
		wantStubs string // the stubs check-deb ran besides dpkg-query
		wantErr   string
	}{
		{name: "installed", status: "installed", wantErr: "already has mlscan: the mlscan package (installed)"},
		{name: "removed, conffiles kept", status: "config-files", wantErr: "already has mlscan: the mlscan package (config-files)"},
		{name: "half installed", status: "half-installed", wantErr: "already has mlscan: the mlscan package (half-installed)"},
		{name: "unknown to dpkg, the build fails", wantStubs: "build-deb\n", wantErr: "stub build-deb failed"},
		{name: "purged, the build fails", status: "not-installed", wantStubs: "build-deb\n", wantErr: "stub build-deb failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, bin := t.TempDir(), t.TempDir()
			log := filepath.Join(dir, "log")
			stubs := map[string]string{
				filepath.Join(dir, "check-deb"): string(src),
				filepath.Join(dir, "build-deb"): "#!/bin/sh\necho build-deb >>" + log + "\necho 'stub build-deb failed' >&2\nexit 1\n",
				filepath.Join(bin, "id"):        "#!/bin/sh\necho 0\n",
				filepath.Join(bin, "dpkg"):      "#!/bin/sh\necho \"dpkg $*\" >>" + log + "\n",
				filepath.Join(bin, "dpkg-query"): "#!/bin/sh\n[ -n \"$STUB_STATUS\" ] || { echo 'dpkg-query: no packages found matching mlscan' >&2; exit 1; }\n" +
					"printf %s \"$STUB_STATUS\"\n",
			}
			for p, text := range stubs {
				if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", filepath.Join(dir, "check-deb"))
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "STUB_STATUS="+tt.status)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tt.wantErr) {
				t.Errorf("check-deb: %v\n%s\nwant an error saying %q", err, out, tt.wantErr)
			}
			ran, _ := os.ReadFile(log)
			if string(ran) != tt.wantStubs {
				t.Errorf("check-deb ran:\n%s\nwant:\n%s", ran, tt.wantStubs)
			}
		})
	}
}

// TestMaintainerScripts runs the maintainer scripts with a stub systemctl
// under a running systemd (/run/systemd/system on a tmpfs in a private
// mount namespace): a remove stops the timer and keeps it enabled, a
// reinstall starts a timer left enabled; and, in a DPKG_ROOT, only a purge
// removes the timer's enablement symlink and what the scans wrote.
func TestMaintainerScripts(t *testing.T) {
	testbed.Require(t, "unshare", "mount")
	calls := []struct {
		name, script, arg string
		enabled           bool // what `systemctl is-enabled mlscan.timer` says
		want              string
	}{
		{name: "remove stops and keeps the timer enabled", script: "prerm", arg: "remove", want: "stop mlscan.timer\nstop mlscan.service\n"},
		{name: "upgrade leaves the timer running", script: "prerm", arg: "upgrade", want: ""},
		{name: "reinstall starts the timer left enabled", script: "postinst", arg: "configure", enabled: true,
			want: "daemon-reload\nis-enabled --quiet mlscan.timer\nstart mlscan.timer\n"},
		{name: "install does not enable the timer", script: "postinst", arg: "configure",
			want: "daemon-reload\nis-enabled --quiet mlscan.timer\n"},
		{name: "postrm remove reloads", script: "postrm", arg: "remove", want: "daemon-reload\n"},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			log := filepath.Join(bin, "log")
			stub := "#!/bin/sh\necho \"$*\" >>" + log + "\n[ \"$1\" != is-enabled ] || [ \"$STUB_ENABLED\" = 1 ]\n"
			if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(stub), 0o755); err != nil {
				t.Fatal(err)
			}
			script, err := filepath.Abs(tt.script)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
				`mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec sh "$0" "$1"`, script, tt.arg)
			enabled := "0"
			if tt.enabled {
				enabled = "1"
			}
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "STUB_ENABLED="+enabled, "DPKG_ROOT=")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s %s: %v\n%s", tt.script, tt.arg, err, out)
			}
			if got, _ := os.ReadFile(log); string(got) != tt.want {
				t.Errorf("%s %s ran systemctl:\n%s\nwant:\n%s", tt.script, tt.arg, got, tt.want)
			}
		})
	}

	for _, tt := range []struct {
		name, arg string
		purged    bool
	}{
		{name: "remove keeps the enablement and the scans", arg: "remove"},
		{name: "purge disables the timer and removes the scans", arg: "purge", purged: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			wants := filepath.Join(root, "etc/systemd/system/timers.target.wants")
			for _, d := range []string{wants, filepath.Join(root, "var/lib/mlscan/snapshots"), filepath.Join(root, "var/lib/prometheus/node-exporter")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			ours := []string{filepath.Join(wants, "mlscan.timer"), filepath.Join(root, "var/lib/mlscan"),
				filepath.Join(root, "var/lib/prometheus/node-exporter/mlscan.prom")}
			others := []string{filepath.Join(wants, "other.timer"), filepath.Join(root, "etc/systemd/system/mlscan.service")}
			for link, target := range map[string]string{ours[0]: "/lib/systemd/system/mlscan.timer", others[0]: "/lib/systemd/system/other.timer"} {
				if err := os.Symlink(target, link); err != nil {
					t.Fatal(err)
				}
			}
			// The administrator's own unit (not a symlink) stays.
			for _, f := range []string{ours[2], others[1]} {
				if err := os.WriteFile(f, []byte("x\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("sh", "postrm", tt.arg)
			cmd.Env = append(os.Environ(), "DPKG_ROOT="+root)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("postrm %s: %v\n%s", tt.arg, err, out)
			}
			for _, p := range ours {
				if _, err := os.Lstat(p); (err == nil) == tt.purged {
					t.Errorf("postrm %s: %s exists: %v, want %v", tt.arg, p, err == nil, !tt.purged)
				}
			}
			for _, p := range others {
				if _, err := os.Lstat(p); err != nil {
					t.Errorf("postrm %s removed %s", tt.arg, p)
				}
			}
		})
	}
}

// TestBuildDeb builds the package for real with build-deb (nfpm) and
// checks it without installing it (.ci/run's packaging/check-deb installs
// it): its control fields, files and conffiles, the unit's paths, and the
// packaged binary run on the packaged configuration and waivers.
func TestBuildDeb(t *testing.T) {
	testbed.Require(t, "bash", "git", "go", "dpkg-deb")
	dist := t.TempDir()
	var stderr bytes.Buffer
	cmd := exec.Command("bash", "build-deb", dist)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("build-deb: %v\n%s", err, stderr.String())
	}
	deb := strings.TrimSpace(string(out))
	field := func(name string) string {
		b, err := exec.Command("dpkg-deb", "--field", deb, name).Output()
		if err != nil {
			t.Fatalf("dpkg-deb --field %s: %v", name, err)
		}
		return strings.TrimSpace(string(b))
	}
	version, arch := field("Version"), field("Architecture")
	if filepath.Base(deb) != "mlscan_"+version+"_"+arch+".deb" || field("Package") != "mlscan" {
		t.Errorf("%s: package %s, version %s, architecture %s", deb, field("Package"), version, arch)
	}

	root := t.TempDir()
	if b, err := exec.Command("dpkg-deb", "-x", deb, root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, b)
	}
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{
		{"usr/bin/mlscan", 0o755},
		{"lib/systemd/system/mlscan.service", 0o644},
		{"lib/systemd/system/mlscan.timer", 0o644},
		{"etc/mlscan/config.yaml", 0o644},
		{"etc/mlscan/waivers.yaml", 0o644},
		{"usr/share/doc/mlscan/examples/waivers-documented-host.yaml", 0o644},
		{"usr/share/doc/mlscan/rules.md", 0o644},
	} {
		if st, err := os.Stat(filepath.Join(root, f.path)); err != nil || st.Mode().Perm() != f.mode {
			t.Errorf("/%s: %v (want mode %v)", f.path, err, f.mode)
		}
	}
	ctrl := t.TempDir()
	if b, err := exec.Command("dpkg-deb", "-e", deb, ctrl).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -e: %v\n%s", err, b)
	}
	conf, err := os.ReadFile(filepath.Join(ctrl, "conffiles"))
	if err != nil || strings.Join(strings.Fields(string(conf)), " ") != "/etc/mlscan/config.yaml /etc/mlscan/waivers.yaml" {
		t.Errorf("conffiles: %q (%v)", conf, err)
	}

	// Every absolute path the service names is one the package installs
	// or one the service writes.
	unit, err := os.ReadFile(filepath.Join(root, "lib/systemd/system/mlscan.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/usr/bin/mlscan scan", "--config /etc/mlscan/config.yaml", "--waivers /etc/mlscan/waivers.yaml"} {
		if !strings.Contains(string(unit), "ExecStart=") || !strings.Contains(string(unit), p) {
			t.Errorf("mlscan.service: ExecStart lacks %q", p)
		}
	}

	// The packaged binary says the package's version and evaluates the
	// documented host with the packaged configuration and waivers: the
	// commented-out configuration is the embedded default one.
	bin := filepath.Join(root, "usr/bin/mlscan")
	v, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(v), "mlscan "+version+" ") {
		t.Errorf("mlscan version: %q (%v), want version %s", v, err, version)
	}
	cfg := filepath.Join(root, "etc/mlscan/config.yaml")
	def, err := exec.Command(bin, "config").Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command(bin, "--config", cfg, "config").Output()
	if err != nil {
		t.Fatalf("mlscan --config %s config: %v", cfg, err)
	}
	// Only the first line (where the configuration comes from) differs.
	if _, a, _ := strings.Cut(string(def), "\n"); !strings.HasSuffix(string(got), a) {
		t.Errorf("the packaged configuration is not the default one:\n%s", got)
	}
	snap, err := filepath.Abs("../testdata/snapshots/documented-host.json")
	if err != nil {
		t.Fatal(err)
	}
	eval := exec.Command(bin, "--config", cfg, "eval", "--waivers", filepath.Join(root, "etc/mlscan/waivers.yaml"), "-q", snap)
	b, err := eval.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(b), " 0 waived") {
		t.Errorf("eval of the documented host with the packaged files: %v (want exit code 1, nothing waived)\n%s", err, b)
	}

	// The maintainer scripts are POSIX shell.
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		if b, err := exec.Command("sh", "-n", filepath.Join(ctrl, s)).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", s, err, b)
		}
	}
	if names, _ := os.ReadDir(ctrl); !slices.ContainsFunc(names, func(e os.DirEntry) bool { return e.Name() == "md5sums" }) {
		t.Error("no md5sums in the control archive")
	}
}
