package collectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/mlscan/mlscan/snapshot"
)

// errOwnersNeedRoot is the Owners error of a scan that is not root.
const errOwnersNeedRoot = "socket owners of other users' processes need root: run mlscan as root"

// Caps on what is read of one process.
const (
	maxCmdline = 32 << 10
	maxCgroup  = 64 << 10
)

// procInfo is what the owner of a socket tells about itself.
type procInfo struct {
	process, command, container string
}

// mapOwners fills PID, Process, Command and ContainerID of the listeners by
// walking the fd tables under proc (<proc>/<pid>/fd/* → "socket:[inode]").
// A socket held by several processes (a forked server) goes to the lowest
// pid. Processes that exit during the walk are skipped. The returned Source
// says permission when the scan is not root, or when fd tables could not be
// read and some socket was left without an owner. The error is non-nil only
// when ctx ends the walk; the listeners then keep what was found so far.
func mapOwners(ctx context.Context, proc string, ls []snapshot.Listener, isRoot bool) (snapshot.Source, error) {
	src := snapshot.Source{Status: snapshot.StatusOK, From: filepath.Join(proc, "[0-9]*", "fd")}
	owner := make(map[uint64]int, len(ls)) // inode → lowest pid, 0 while unknown
	for _, l := range ls {
		if l.Inode != 0 {
			owner[l.Inode] = 0
		}
	}
	names, err := readDirNames(proc)
	if err != nil {
		src.Status, src.Error = snapshot.StatusError, fmt.Sprintf("list %s: %v", proc, err)
		if errors.Is(err, fs.ErrPermission) {
			src.Status = snapshot.StatusPermission
		}
		return src, nil
	}

	var denied []int
	var failed int
	var firstErr error
	var walkErr error
	for _, name := range names {
		pid, ok := parsePID(name)
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			walkErr = fmt.Errorf("map socket owners: %w", err)
			break
		}
		switch err := scanFDs(filepath.Join(proc, name, "fd"), pid, owner); {
		case err == nil, vanished(err):
		case errors.Is(err, fs.ErrPermission):
			if !exited(filepath.Join(proc, name)) {
				denied = append(denied, pid)
			}
		default:
			failed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}

	info := map[int]procInfo{}
	unowned := 0
	for i := range ls {
		pid := owner[ls[i].Inode]
		if pid == 0 {
			unowned++
			continue
		}
		pi, ok := info[pid]
		if !ok {
			pi = readProcInfo(filepath.Join(proc, strconv.Itoa(pid)))
			info[pid] = pi
		}
		ls[i].PID = pid
		ls[i].Process = pi.process
		ls[i].Command = pi.command
		ls[i].ContainerID = pi.container
	}

	switch {
	case walkErr != nil:
		src.Status, src.Error = snapshot.StatusError, walkErr.Error()
	case !isRoot:
		src.Status, src.Error = snapshot.StatusPermission, errOwnersNeedRoot
	case len(denied) > 0 && unowned > 0:
		// Root without some capability the target has (CAP_SYS_PTRACE
		// in a container) is refused, which matters only when a socket
		// is left without an owner.
		src.Status = snapshot.StatusPermission
		src.Error = fmt.Sprintf("fd tables of %d processes could not be read: permission denied (pids %s)", len(denied), pidList(denied, 5))
	case failed > 0:
		src.Status = snapshot.StatusError
		src.Error = fmt.Sprintf("fd tables of %d processes could not be read: %v", failed, firstErr)
	}
	return src, walkErr
}

// scanFDs records pid as the owner of every wanted socket in the fd
// directory dir, unless a lower pid already holds it.
func scanFDs(dir string, pid int, owner map[uint64]int) error {
	fds, err := readDirNames(dir)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, len(dir)+12)
	buf = append(buf, dir...)
	buf = append(buf, '/')
	var target [64]byte
	for _, fd := range fds {
		p := string(append(buf, fd...))
		n, err := syscall.Readlink(p, target[:])
		if err != nil {
			if vanished(err) {
				continue // the fd was closed
			}
			return &fs.PathError{Op: "readlink", Path: p, Err: err}
		}
		ino, ok := socketInode(target[:n])
		if !ok {
			continue
		}
		if cur, want := owner[ino]; want && (cur == 0 || pid < cur) {
			owner[ino] = pid
		}
	}
	return nil
}

// exited reports whether the process at dir has exited or is exiting by
// now: a process tearing down may refuse access to its fd table.
func exited(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return vanished(err)
	}
	// pid (comm) S ...: the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	switch b[i+2] {
	case 'Z', 'X', 'x':
		return true
	}
	return false
}

// pidList formats at most n pids, sorted.
func pidList(pids []int, n int) string {
	slices.Sort(pids)
	var s []string
	for i, p := range pids {
		if i == n {
			s = append(s, "...")
			break
		}
		s = append(s, strconv.Itoa(p))
	}
	return strings.Join(s, ", ")
}

// socketInode parses a readlink target "socket:[12345]".
func socketInode(t []byte) (uint64, bool) {
	const pre = "socket:["
	if len(t) < len(pre)+2 || string(t[:len(pre)]) != pre || t[len(t)-1] != ']' {
		return 0, false
	}
	return decUint(t[len(pre):len(t)-1], 1<<64-1)
}

// readProcInfo reads comm, cmdline and cgroup of the process at dir. What
// cannot be read (the process exited) stays empty.
func readProcInfo(dir string) procInfo {
	var pi procInfo
	if b, err := readCapped(filepath.Join(dir, "comm"), 256); err == nil {
		pi.process = strings.TrimSuffix(string(b), "\n")
	}
	if b, err := readCapped(filepath.Join(dir, "cmdline"), maxCmdline+1); err == nil {
		pi.command = commandLine(b, maxCmdline)
	}
	if b, err := readCapped(filepath.Join(dir, "cgroup"), maxCgroup); err == nil {
		pi.container = containerID(string(b))
	}
	return pi
}

// commandLine turns a NUL-separated /proc/<pid>/cmdline into a redacted
// command, cut at limit bytes.
func commandLine(b []byte, limit int) string {
	cut := len(b) > limit
	if cut {
		b = b[:limit]
	}
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return ""
	}
	cmd := strings.TrimRight(redactCommand(strings.Split(string(b), "\x00")), " ")
	if cut {
		cmd += " [truncated]"
	}
	return cmd
}

// containerID returns the container id found in the lines of a
// /proc/<pid>/cgroup file (cgroup v1 "12:memory:/docker/<id>" or v2
// "0::/system.slice/docker-<id>.scope"), or "" for a process that is not
// in a Docker, Podman, CRI-O or containerd container. The deepest match of
// a path wins, so a container nested in another reports the inner one.
func containerID(cgroup string) string {
	for _, line := range strings.Split(cgroup, "\n") {
		_, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		_, p, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		segs := strings.Split(p, "/")
		for i := len(segs) - 1; i >= 0; i-- {
			if id := containerSegment(segs[:i+1]); id != "" {
				return id
			}
		}
	}
	return ""
}

// containerIDPrefixes start a cgroup directory named after a container:
// docker-<id>.scope (systemd driver), libpod-<id>[.scope] (Podman),
// crio-<id>[.scope] (CRI-O), cri-containerd-<id>.scope (containerd's CRI).
var containerIDPrefixes = []string{"docker-", "libpod-", "crio-", "cri-containerd-"}

// containerSegment returns the container id named by the last of segs, the
// path of a cgroup from its root.
func containerSegment(segs []string) string {
	s := strings.TrimSuffix(segs[len(segs)-1], ".scope")
	// containerd without systemd names cgroups "<slice>:cri-containerd:<id>".
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		pre, id := s[:i], s[i+1:]
		if isHex64(id) && (strings.HasSuffix(pre, ":cri-containerd") || strings.HasSuffix(pre, ":crio") || strings.HasSuffix(pre, ":docker")) {
			return id
		}
		return ""
	}
	for _, p := range containerIDPrefixes {
		if id, ok := strings.CutPrefix(s, p); ok && isHex64(id) {
			return id
		}
	}
	if !isHex64(s) || len(segs) < 2 {
		return ""
	}
	// cgroupfs driver: /docker/<id>, /kubepods/<qos>/pod<uid>/<id>.
	if segs[len(segs)-2] == "docker" {
		return s
	}
	for _, a := range segs[:len(segs)-1] {
		if strings.HasPrefix(a, "kubepods") {
			return s
		}
	}
	return ""
}

// isHex64 reports whether s is a 64-digit lower-case hex container id.
func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// parsePID parses a /proc directory name that is a process id.
func parsePID(name string) (int, bool) {
	if name == "" || name[0] < '1' || name[0] > '9' {
		return 0, false
	}
	v, ok := decUint(name, 1<<31-1)
	return int(v), ok
}

// vanished reports whether err says a process or fd went away mid-walk.
func vanished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}

// readDirNames lists a directory without sorting or stat-ing its entries.
func readDirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// readCapped reads at most limit bytes of a file.
func readCapped(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
