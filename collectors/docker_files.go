package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

// What a scan spends at most on the files containers name. Their paths
// come from labels and mounts the container's owner chose: each file is
// examined on its own, within its own deadline, so that one bad path
// costs only its own verdicts.
const (
	// fileDeadline bounds the examination of one file (stat, open, read).
	// A regular file never blocks; this is for a hung network mount.
	fileDeadline = 2 * time.Second
	// maxComposeFiles bounds the compose files read per container.
	maxComposeFiles = 32
	// fileWorkers bounds the files examined at once.
	fileWorkers = 8
)

// fileJob is one host file a container references.
type fileJob struct {
	path, why, kind string
	// mustExist records a missing file (a compose file or mounted
	// secret); a missing .env or token file is simply absent.
	mustExist bool
	// refused is why the file is not examined at all.
	refused string
}

// fileResult is what examining one file found; values are the secret
// values a compose file writes out (for the scrubber, never stored).
type fileResult struct {
	fm     snapshot.FileMode
	absent bool
	values []string
}

// containerFiles stats the secret-bearing host files the containers
// reference: compose files, the .env beside them, bind-mounted secrets and
// service configurations, and Ray's token files. World-readable compose
// files are read too, for the secret values they write out (values go to
// h.seen only). Every file gets a status and a reason of its own: a path
// that is no regular file, too large, or does not answer in time leaves
// every other file judged.
func containerFiles(ctx context.Context, env *Env, cs []snapshot.Container, h *secretHasher) []snapshot.FileMode {
	var jobs []fileJob
	seen := map[string]bool{}
	add := func(j fileJob) {
		if j.path == "" || seen[j.path] {
			return
		}
		seen[j.path] = true
		if !filepath.IsAbs(j.path) && j.refused == "" {
			j.refused = "not an absolute path: not examined"
		}
		jobs = append(jobs, j)
	}
	for _, c := range cs {
		if ci := c.Compose; ci != nil {
			for i, f := range ci.ConfigFiles {
				j := fileJob{path: f, why: "compose file of project " + ci.Project, kind: "compose", mustExist: true}
				if i == maxComposeFiles {
					// One entry stands for the rest: a label must not
					// grow the snapshot by a file per name.
					j.refused = fmt.Sprintf("container %s names %d compose files: this one and the %d after it are not examined (at most %d are)",
						c.Name, len(ci.ConfigFiles), len(ci.ConfigFiles)-maxComposeFiles-1, maxComposeFiles)
				}
				if i > maxComposeFiles {
					break
				}
				add(j)
			}
			if ci.WorkingDir != "" && filepath.IsAbs(ci.WorkingDir) {
				add(fileJob{path: path.Join(ci.WorkingDir, ".env"), why: "compose .env of project " + ci.Project, kind: "env"})
			}
		}
		for _, m := range c.Mounts {
			if m.Type == "bind" && secretBearing(m.Destination) {
				add(fileJob{path: m.Source, why: fmt.Sprintf("mounted at %s in container %s", m.Destination, c.Name), kind: "mount", mustExist: true})
			}
		}
	}
	// Ray keeps its token in the home of whoever ran `ray start` or
	// `ray get-auth-token --generate` on the host, in plain text.
	for _, home := range homes(env) {
		add(fileJob{path: path.Join(home, ".ray", "auth_token"), why: "Ray's token file in " + home, kind: "host"})
	}

	res := make([]fileResult, len(jobs))
	sem := make(chan struct{}, fileWorkers)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res[i] = examineWithin(ctx, fileDeadline, env, j, examineFile)
		}()
	}
	wg.Wait()
	out := []snapshot.FileMode{}
	for _, r := range res {
		if r.absent {
			continue
		}
		for _, v := range r.values {
			if h != nil {
				h.seen[v] = true
			}
		}
		out = append(out, r.fm)
	}
	slices.SortFunc(out, func(a, b snapshot.FileMode) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// examineWithin examines j (with examine: examineFile), giving up when d
// passes or ctx ends: the
// examination then goes on in the background until the system call that
// blocks it returns, and its result is dropped.
func examineWithin(ctx context.Context, d time.Duration, env *Env, j fileJob, examine func(*Env, fileJob, snapshot.FileMode) fileResult) fileResult {
	fm := snapshot.FileMode{Path: j.path, Why: j.why, Kind: j.kind, Source: snapshot.Source{From: "stat " + env.Path(j.path)}}
	if j.refused != "" {
		fm.Status, fm.Error = snapshot.StatusError, j.refused
		return fileResult{fm: fm}
	}
	if err := ctx.Err(); err != nil {
		fm.Status, fm.Error = snapshot.StatusError, "not examined: "+err.Error()
		return fileResult{fm: fm}
	}
	ch := make(chan fileResult, 1)
	go func() { ch <- examine(env, j, fm) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case r := <-ch:
		return r
	case <-t.C:
		fm.Status, fm.Error = snapshot.StatusError, fmt.Sprintf("not examined within %v (a hung file system?)", d)
	case <-ctx.Done():
		fm.Status, fm.Error = snapshot.StatusError, "not examined: "+ctx.Err().Error()
	}
	return fileResult{fm: fm}
}

// examineFile stats j's path and, for a world-readable compose file,
// reads its content. Only the mode matters for other files (they hold
// secrets by design), and for a compose file nobody else can read.
func examineFile(env *Env, j fileJob, fm snapshot.FileMode) fileResult {
	st, err := os.Stat(env.Path(j.path))
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		if !j.mustExist {
			return fileResult{absent: true}
		}
		fm.Status, fm.Error = snapshot.StatusUnavailable, "not found on this host"
		return fileResult{fm: fm}
	case errors.Is(err, fs.ErrPermission):
		fm.Status, fm.Error = snapshot.StatusPermission, err.Error()
		return fileResult{fm: fm}
	default:
		fm.Status, fm.Error = snapshot.StatusError, err.Error()
		return fileResult{fm: fm}
	}
	mode := st.Mode().Perm()
	fm.Status, fm.Mode, fm.WorldReadable = snapshot.StatusOK, fmt.Sprintf("%04o", mode), mode&0o004 != 0
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		fm.UID, fm.GID = int(sys.Uid), int(sys.Gid)
	}
	if j.kind != "compose" {
		return fileResult{fm: fm}
	}
	if !fm.WorldReadable {
		fm.Content = &snapshot.FileContent{Source: snapshot.Source{Status: snapshot.StatusSkipped, From: "read " + j.path,
			Error: "not world-readable: only its mode matters, its content is not read"}, LiteralSecrets: []string{}}
		return fileResult{fm: fm}
	}
	var values []string
	fm.Content, values = readComposeContent(j.path, env.Path(j.path))
	return fileResult{fm: fm, values: values}
}

// homes are /root and the folders in /home, as paths on the scanned host.
func homes(env *Env) []string {
	out := []string{"/root"}
	ents, _ := os.ReadDir(env.Path("/home"))
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, path.Join("/home", e.Name()))
		}
	}
	return out
}

// secretBearing reports whether a container path usually holds secrets.
func secretBearing(dst string) bool {
	b := strings.ToLower(path.Base(dst))
	switch {
	case strings.HasPrefix(dst, "/run/secrets/"):
		return true
	case b == ".env" || strings.HasSuffix(b, ".env") || b == "redis.conf" || b == "users.acl" ||
		b == "flowerconfig.py" || b == "auth_token" || strings.HasSuffix(b, ".key") || b == ".htpasswd":
		return true
	}
	return false
}
