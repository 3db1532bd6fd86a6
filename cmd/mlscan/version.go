package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// versionFrom is the version a build says it is, from the first that is
// known: the -ldflags "-X main.version=..." of a release; the module
// version (`go install ...@v1.2.3`, or the pseudo-version `go build`
// stamps from the checkout's VCS since Go 1.24); the commit the build was
// stamped with (vcs.revision, 12 characters, "-dirty" when vcs.modified);
// the commit of the checkout the binary was compiled from (checkout,
// for `go run` and -buildvcs=false, which stamp nothing); else "dev".
func versionFrom(ldflags string, bi *debug.BuildInfo, checkout func() string) string {
	if v := strings.TrimSpace(ldflags); v != "" {
		return v
	}
	if bi != nil {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		var rev string
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if modified {
				rev += "-dirty"
			}
			return rev
		}
	}
	if checkout != nil {
		if rev := checkout(); rev != "" {
			return rev
		}
	}
	return "dev"
}

// sourceRevision is the commit of the git checkout this file was compiled
// from, "<12 hex>-devel" (whether the files differ from it is not known),
// when that checkout is still where the compiler saw it, and either the
// binary is `go run`'s (built, or taken from the build cache, for the
// sources as they are now) or its commit is no newer than the binary: a
// binary built before the checkout moved on does not claim the newer
// commit. Nothing else is read from the checkout, and nothing is run.
func sourceRevision() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "" // -trimpath
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	// cmd/mlscan/version.go → the module root.
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	rev, at := gitHead(filepath.Join(root, ".git"))
	if rev == "" || (!goRunBinary(exe) && at.After(fi.ModTime())) {
		return ""
	}
	return rev[:12] + "-devel"
}

// goRunBinary reports whether exe is where `go run` puts its binaries: a
// go-build* work directory, or the build cache (GOCACHE, by default
// ~/.cache/go-build).
func goRunBinary(exe string) bool {
	for d := filepath.Dir(exe); d != filepath.Dir(d); d = filepath.Dir(d) {
		if strings.HasPrefix(filepath.Base(d), "go-build") {
			return true
		}
	}
	return false
}

// gitHead reads the commit HEAD names in a git directory (or a worktree's
// .git file), and when the file that gave it last changed. Only what
// looks like a commit id is returned.
func gitHead(gitDir string) (string, time.Time) {
	if b, err := os.ReadFile(gitDir); err == nil {
		// A worktree: "gitdir: PATH".
		d, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
		if !ok {
			return "", time.Time{}
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(filepath.Dir(gitDir), d)
		}
		gitDir = d
	}
	head := filepath.Join(gitDir, "HEAD")
	b, err := os.ReadFile(head)
	if err != nil {
		return "", time.Time{}
	}
	line := strings.TrimSpace(string(b))
	ref, isRef := strings.CutPrefix(line, "ref: ")
	if !isRef {
		return commitID(line), modTime(head)
	}
	if !strings.HasPrefix(ref, "refs/") || strings.Contains(ref, "..") {
		return "", time.Time{}
	}
	// A worktree keeps its branches in the common directory.
	dirs := []string{gitDir}
	if c, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		d := strings.TrimSpace(string(c))
		if !filepath.IsAbs(d) {
			d = filepath.Join(gitDir, d)
		}
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, filepath.FromSlash(ref))
		if b, err := os.ReadFile(p); err == nil {
			return commitID(strings.TrimSpace(string(b))), modTime(p)
		}
		p = filepath.Join(d, "packed-refs")
		if b, err := os.ReadFile(p); err == nil {
			for l := range bytes.Lines(b) {
				id, name, ok := strings.Cut(strings.TrimSpace(string(l)), " ")
				if ok && name == ref {
					return commitID(id), modTime(p)
				}
			}
		}
	}
	return "", time.Time{}
}

// commitID returns s if it is a SHA-1 or SHA-256 commit id, else "".
func commitID(s string) string {
	if len(s) != 40 && len(s) != 64 {
		return ""
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ""
		}
	}
	return s
}

// modTime is a file's modification time (zero when it cannot be read).
func modTime(path string) time.Time {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}
