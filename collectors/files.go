package collectors

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Reading files safely: a file a container names is hostile, and even the
// administrator's configuration (an sshd Include, a fail2ban jail.d file)
// must not block a scan or be read in part. Every such read opens the file
// once, checks the opened inode (regular, on a disk file system, within a
// size bound) and reads it without blocking.

// readRegular reads p, a regular file of at most max bytes (see
// openRegular; symbolic links are followed). A file that grows past max
// while read is refused too: part of a file is never judged as the whole.
func readRegular(p string, max int64) ([]byte, error) {
	f, err := openRegular(p, max, true)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	switch {
	case err != nil:
		return nil, &fs.PathError{Op: "read", Path: p, Err: err}
	case int64(len(b)) > max:
		return nil, fmt.Errorf("%s grew past %s while read: not read", p, limitStr(max))
	}
	return b, nil
}

// pseudoFileSystems are file systems whose files are the kernel's, not
// data: a compose file is never on one.
var pseudoFileSystems = map[int64]string{
	unix.PROC_SUPER_MAGIC: "proc", unix.SYSFS_MAGIC: "sysfs", unix.DEBUGFS_MAGIC: "debugfs",
	unix.TRACEFS_MAGIC: "tracefs", unix.CGROUP_SUPER_MAGIC: "cgroup", unix.CGROUP2_SUPER_MAGIC: "cgroup2",
	unix.SECURITYFS_MAGIC: "securityfs", unix.BPF_FS_MAGIC: "bpf", unix.DEVPTS_SUPER_MAGIC: "devpts",
	unix.EFIVARFS_MAGIC: "efivarfs", unix.PSTOREFS_MAGIC: "pstore", 0x62656570: "configfs", 0x65735543: "fusectl",
}

// openRegular opens p for reading if it is a regular file of at most max
// bytes on a disk file system. It looks before it opens: p is first
// opened with O_PATH (which opens nothing: no FIFO wait, no device open),
// checked through that descriptor, then the same inode is opened for
// reading through /proc/self/fd, with O_NONBLOCK. Without /proc it opens p
// again (O_NONBLOCK) and checks it is the same inode. follow says whether
// a symbolic link at p is followed (the administrator's configuration, as
// its daemon reads it) or refused (a path a container names).
func openRegular(p string, max int64, follow bool) (*os.File, error) {
	nofollow := 0
	if !follow {
		nofollow = unix.O_NOFOLLOW
	}
	fd, err := unix.Open(p, unix.O_PATH|nofollow|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	if err := checkRegular(p, fd, &st, max); err != nil {
		return nil, err
	}
	rfd, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", fd), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		rfd, err = unix.Open(p, unix.O_RDONLY|nofollow|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: p, Err: err}
		}
		var again unix.Stat_t
		if err := unix.Fstat(rfd, &again); err != nil || again.Dev != st.Dev || again.Ino != st.Ino {
			unix.Close(rfd)
			return nil, fmt.Errorf("%s changed while it was opened: not read", p)
		}
	}
	return os.NewFile(uintptr(rfd), p), nil
}

// errNotRegular is wrapped by the error of a file that openRegular
// refuses for its type.
var errNotRegular = errors.New("not a regular file")

// notRegular says what p is instead of a regular file.
type notRegular struct{ p, what string }

func (e *notRegular) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file: not read", e.p, e.what)
}

func (e *notRegular) Unwrap() error { return errNotRegular }

// checkRegular refuses, with the reason, what openRegular does not read.
func checkRegular(p string, fd int, st *unix.Stat_t, max int64) error {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFLNK:
		target := make([]byte, 256)
		n, err := unix.Readlinkat(fd, "", target)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s is a symbolic link: not followed", p)
		}
		return fmt.Errorf("%s is a symbolic link (to %s): not followed", p, target[:n])
	default:
		return &notRegular{p, fileType(st.Mode)}
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err == nil {
		if name, ok := pseudoFileSystems[int64(sfs.Type)]; ok {
			return fmt.Errorf("%s is on the kernel's %s file system: not read", p, name)
		}
	}
	if st.Size > max {
		return fmt.Errorf("%s is %s, larger than %s: not read", p, sizeStr(st.Size), limitStr(max))
	}
	return nil
}

// fileType names a file type for a message.
func fileType(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFCHR:
		return "a character device"
	case unix.S_IFBLK:
		return "a block device"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFSOCK:
		return "a socket"
	}
	return fmt.Sprintf("of type %#o", mode&unix.S_IFMT)
}

// sizeStr prints a byte count in the largest binary unit it reaches.
func sizeStr(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitStr prints a size bound: whole MiB as such ("1 MiB"), else bytes.
func limitStr(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
