package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/internal/testbed"
)

func TestVersionFrom(t *testing.T) {
	const rev = "b85153564252cb4107f8daaa17f6a826331645d0"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	checkout := func() string { return "0123456789ab-devel" }
	tests := []struct {
		name     string
		ldflags  string
		bi       *debug.BuildInfo
		checkout func() string
		want     string
	}{
		{"ldflags win", "1.4.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}, Settings: vcs("true")}, checkout, "1.4.0"},
		{"go install @version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, checkout, "v1.3.0"},
		{"go build pseudo-version", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261203142247-b85153564252+dirty"}, Settings: vcs("true")}, checkout, "v0.0.0-20261203142247-b85153564252+dirty"},
		{"vcs stamp, modified", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, checkout, "b85153564252-dirty"},
		{"vcs stamp, clean", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")}, checkout, "b85153564252"},
		{"no stamp, checkout", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, checkout, "0123456789ab-devel"},
		{"no build info, checkout", "", nil, checkout, "0123456789ab-devel"},
		{"nothing known", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, func() string { return "" }, "dev"},
		{"no checkout lookup", " ", nil, nil, "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionFrom(tt.ldflags, tt.bi, tt.checkout); got != tt.want {
				t.Errorf("versionFrom: %q, want %q", got, tt.want)
			}
		})
	}
}

// git runs git in dir, failing the test on error.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestGoRunBinary(t *testing.T) {
	tests := []struct {
		name, exe string
		want      bool
	}{
		{"go run, work directory", "/tmp/go-build1997990392/b001/exe/mlscan", true},
		{"go run, build cache", "/root/.cache/go-build/5c/5c864677db1f7c2651095788dfc5e297fc375314dc2fb90d4f1d160209311e53-d/mlscan", true},
		{"installed", "/usr/local/bin/mlscan", false},
		{"go build -o", "/home/u/src/mlscan/mlscan", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := goRunBinary(tt.exe); got != tt.want {
				t.Errorf("goRunBinary(%q) = %v, want %v", tt.exe, got, tt.want)
			}
		})
	}
}

// TestGitHead reads HEAD from real repositories made by git: a branch as
// a loose ref, a packed ref, a detached HEAD and a worktree; and refuses
// what is not a commit id, a symlink, and files of another owner.
func TestGitHead(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	repo := t.TempDir()
	git(t, repo, "init", "-q")
	git(t, repo, "commit", "-q", "--allow-empty", "-m", "one")
	first := git(t, repo, "rev-parse", "HEAD")
	git(t, repo, "commit", "-q", "--allow-empty", "-m", "two")
	second := git(t, repo, "rev-parse", "HEAD")

	packed := t.TempDir()
	git(t, packed, "init", "-q")
	git(t, packed, "commit", "-q", "--allow-empty", "-m", "one")
	git(t, packed, "pack-refs", "--all")
	packedHead := git(t, packed, "rev-parse", "HEAD")

	detached := t.TempDir()
	git(t, detached, "clone", "-q", repo, ".")
	git(t, detached, "checkout", "-q", first)

	wt := filepath.Join(t.TempDir(), "wt")
	git(t, repo, "worktree", "add", "-q", "-b", "side", wt, first)

	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "HEAD"), []byte("$(touch /tmp/x)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	escape := t.TempDir()
	if err := os.WriteFile(filepath.Join(escape, "HEAD"), []byte("ref: refs/../../../etc/passwd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// HEAD a symlink to a file that holds a commit id (of another repository).
	symlinked := t.TempDir()
	if err := os.Symlink(filepath.Join(detached, ".git", "HEAD"), filepath.Join(symlinked, "HEAD")); err != nil {
		t.Fatal(err)
	}
	uid := uint32(os.Getuid())

	tests := []struct {
		name, gitDir, want string
	}{
		{"loose branch", filepath.Join(repo, ".git"), second},
		{"packed branch", filepath.Join(packed, ".git"), packedHead},
		{"detached", filepath.Join(detached, ".git"), first},
		{"worktree", filepath.Join(wt, ".git"), first},
		{"not a commit id", bad, ""},
		{"ref outside refs", escape, ""},
		{"symlinked HEAD", symlinked, ""},
		{"no repository", t.TempDir(), ""},
	}
	if uid == 0 {
		// Root can give the checkout to someone else than the binary's owner.
		other := t.TempDir()
		git(t, other, "clone", "-q", repo, ".")
		if err := filepath.Walk(filepath.Join(other, ".git"), func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, 65534, 65534)
		}); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct{ name, gitDir, want string }{"checkout of another user", filepath.Join(other, ".git"), ""})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, at := gitHead(tt.gitDir, uid)
			if got != tt.want {
				t.Errorf("gitHead: %q, want %q", got, tt.want)
			}
			if got != "" && at.IsZero() {
				t.Error("gitHead: no time for the ref")
			}
		})
	}
}

// TestGitHeadTime gives when the checkout last moved: after `git switch`
// to an older branch only HEAD changes, so HEAD's time counts as much as
// the ref's (a loose ref or packed-refs): a binary built before the switch
// must not claim the branch it was not built from.
func TestGitHeadTime(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	old, mid, recent := time.Unix(946684800, 0), time.Unix(1262304000, 0), time.Unix(1577836800, 0)
	tests := []struct {
		name   string
		pack   bool
		headAt time.Time // HEAD's modification time
		refAt  time.Time // the ref file's (or packed-refs') time
		want   time.Time
	}{
		{name: "switched to an older loose branch", headAt: recent, refAt: old, want: recent},
		{name: "switched to an older packed branch", pack: true, headAt: recent, refAt: old, want: recent},
		{name: "committed on the branch", headAt: mid, refAt: recent, want: recent},
		{name: "committed on a packed branch", pack: true, headAt: mid, refAt: recent, want: recent},
	}
	uid := uint32(os.Getuid())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			git(t, repo, "init", "-q", "-b", "main")
			git(t, repo, "commit", "-q", "--allow-empty", "-m", "one")
			git(t, repo, "branch", "old")
			git(t, repo, "commit", "-q", "--allow-empty", "-m", "two")
			git(t, repo, "switch", "-q", "old")
			ref := filepath.Join(repo, ".git", "refs", "heads", "old")
			if tt.pack {
				git(t, repo, "pack-refs", "--all")
				ref = filepath.Join(repo, ".git", "packed-refs")
			}
			for p, at := range map[string]time.Time{filepath.Join(repo, ".git", "HEAD"): tt.headAt, ref: tt.refAt} {
				if err := os.Chtimes(p, at, at); err != nil {
					t.Fatal(err)
				}
			}
			got, at := gitHead(filepath.Join(repo, ".git"), uid)
			if want := git(t, repo, "rev-parse", "old"); got != want {
				t.Errorf("gitHead: %q, want %q", got, want)
			}
			if !at.Equal(tt.want) {
				t.Errorf("gitHead: the checkout moved at %v, want %v", at, tt.want)
			}
		})
	}
}

// TestBuildsSayTheirVersion builds mlscan the ways a user does in the
// checkout and runs `mlscan version`: -ldflags wins; `go build`,
// `go install` and `go run` say the checkout's commit (the pseudo-version
// Go stamps, or, when the build is not VCS-stamped, the commit read from
// the checkout), never "dev".
func TestBuildsSayTheirVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mlscan five times (-short)")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not found")
	}
	root, err := testbed.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mlscan")
	commit := regexp.MustCompile(`^mlscan (v0\.0\.0-\d{14}-[0-9a-f]{12}(\+dirty)?|v\d+\.\d+\.\d+\S*|[0-9a-f]{12}(-dirty|-devel)?) \(snapshot schema \d+\)$`)
	pseudo := regexp.MustCompile(`^mlscan v\d+\.\d+\.\d+-\S*[0-9a-f]{12}(\+dirty)? \(snapshot schema \d+\)$`)
	tests := []struct {
		name string
		args []string
		want *regexp.Regexp
	}{
		{"ldflags", []string{"build", "-ldflags", "-X main.version=9.8.7", "-o", bin, "./cmd/mlscan"}, regexp.MustCompile(`^mlscan 9\.8\.7 \(`)},
		// GOFLAGS may say -buildvcs=false (as on the CI machine): the
		// commit then comes from the checkout.
		{"go build", []string{"build", "-o", bin, "./cmd/mlscan"}, commit},
		// Go's default in a checkout: the pseudo-version of the commit.
		{"go build -buildvcs=true", []string{"build", "-buildvcs=true", "-o", bin, "./cmd/mlscan"}, pseudo},
		{"go install", []string{"install", "./cmd/mlscan"}, commit},
		{"go run", []string{"run", "./cmd/mlscan", "version"}, commit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("go", tt.args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOBIN="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go %s: %v\n%s", strings.Join(tt.args, " "), err, out)
			}
			if tt.args[0] == "build" || tt.args[0] == "install" {
				if out, err = exec.Command(bin, "version").CombinedOutput(); err != nil {
					t.Fatalf("mlscan version: %v\n%s", err, out)
				}
			}
			got := strings.TrimSpace(string(out))
			t.Logf("go %s: %s", tt.args[0], got)
			if !tt.want.MatchString(got) {
				t.Errorf("mlscan version: %q, want %s", got, tt.want)
			}
		})
	}
}
