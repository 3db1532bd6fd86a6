package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
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
// commit. Nothing else is read from the checkout (and only files of the
// binary's owner, see gitHead), and nothing is run.
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
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	// cmd/mlscan/version.go → the module root.
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	rev, at := gitHead(filepath.Join(root, ".git"), st.Uid)
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
// .git file), and when the checkout last moved: the newer of HEAD's and
// the ref's (loose ref or packed-refs) modification times. Every file it
// reads must be a regular file (not a symlink) owned by uid, the owner of
// the binary: mlscan runs as root, and a checkout's files must not lead
// it to print what another file holds. Only what looks like a commit id
// is returned.
func gitHead(gitDir string, uid uint32) (string, time.Time) {
	if b, _, ok := readOwned(gitDir, uid); ok {
		// A worktree: "gitdir: PATH".
		d, found := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
		if !found {
			return "", time.Time{}
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(filepath.Dir(gitDir), d)
		}
		gitDir = d
	}
	b, headAt, ok := readOwned(filepath.Join(gitDir, "HEAD"), uid)
	if !ok {
		return "", time.Time{}
	}
	// `git switch` rewrites HEAD and not the branch's ref: the checkout
	// last moved at the newer of the two.
	newer := func(t time.Time) time.Time {
		if headAt.After(t) {
			return headAt
		}
		return t
	}
	line := strings.TrimSpace(string(b))
	ref, isRef := strings.CutPrefix(line, "ref: ")
	if !isRef {
		return commitID(line), headAt
	}
	if !strings.HasPrefix(ref, "refs/") || strings.Contains(ref, "..") {
		return "", time.Time{}
	}
	// A worktree keeps its branches in the common directory.
	dirs := []string{gitDir}
	if c, _, ok := readOwned(filepath.Join(gitDir, "commondir"), uid); ok {
		d := strings.TrimSpace(string(c))
		if !filepath.IsAbs(d) {
			d = filepath.Join(gitDir, d)
		}
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if b, at, ok := readOwned(filepath.Join(d, filepath.FromSlash(ref)), uid); ok {
			return commitID(strings.TrimSpace(string(b))), newer(at)
		}
		if b, at, ok := readOwned(filepath.Join(d, "packed-refs"), uid); ok {
			for l := range bytes.Lines(b) {
				id, name, found := strings.Cut(strings.TrimSpace(string(l)), " ")
				if found && name == ref {
					return commitID(id), newer(at)
				}
			}
		}
	}
	return "", time.Time{}
}

// readOwned reads a small regular file owned by uid (a symlink is not
// followed) and gives its modification time.
func readOwned(path string, uid uint32) ([]byte, time.Time, bool) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, time.Time{}, false
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
		return nil, time.Time{}, false
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Uid != uid {
		return nil, time.Time{}, false
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, time.Time{}, false
	}
	return b, fi.ModTime(), true
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
