package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOutputFileModes: every file mlscan writes is 0600, except the
// node_exporter textfile (*.prom), which node_exporter reads as its own user
// (Debian's prometheus-node-exporter runs as prometheus) and must be 0644;
// whatever was at the path before (an older 0600 file, a symlink) is
// replaced, never followed, and no temporary file is left behind.
func TestOutputFileModes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format string
		file   string
		before string // "", "file" (0600, as older mlscan wrote it) or "symlink"
		want   os.FileMode
	}{
		{name: "prometheus textfile", format: "prometheus", file: "mlscan.prom", want: 0o644},
		{name: "prometheus textfile replaces an older 0600 one", format: "prometheus", file: "mlscan.prom", before: "file", want: 0o644},
		{name: "prometheus textfile replaces a symlink", format: "prometheus", file: "mlscan.prom", before: "symlink", want: 0o644},
		{name: "prometheus outside a textfile name", format: "prometheus", file: "mlscan.txt", want: 0o600},
		{name: "json", format: "json", file: "last.json", want: 0o600},
		{name: "json replaces a symlink", format: "json", file: "last.json", before: "symlink", want: 0o600},
		{name: "sarif", format: "sarif", file: "mlscan.sarif", want: 0o600},
		{name: "markdown", format: "markdown", file: "report.md", want: 0o600},
		{name: "table", format: "table", file: "report.txt", want: 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, tc.file)
			target := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
				t.Fatal(err)
			}
			switch tc.before {
			case "file":
				if err := os.WriteFile(out, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
			case "symlink":
				if err := os.Symlink(target, out); err != nil {
					t.Fatal(err)
				}
			}
			_, stderr, code := runCLI(t, "eval", "--fail-on", "never", "--format", tc.format+"="+out, docSnapshot)
			if code != exitOK && code != exitUnknown {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			st, err := os.Lstat(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode()&os.ModeSymlink != 0 || !st.Mode().IsRegular() {
				t.Fatalf("%s is %v, want a regular file", out, st.Mode())
			}
			if got := st.Mode().Perm(); got != tc.want {
				t.Errorf("mode %#o, want %#o", got, tc.want)
			}
			if b, _ := os.ReadFile(target); string(b) != "keep" {
				t.Error("the symlink's target was written")
			}
			if b, _ := os.ReadFile(out); len(b) == 0 || string(b) == "old" {
				t.Errorf("%s was not written: %q", out, b)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("left in %s: %v", dir, entries)
			}
		})
	}
}

// openPTY opens a pseudo-terminal pair; the test is skipped without one.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pseudo-terminal number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 123}); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// TestTerminal: reports are coloured only on a terminal and without
// NO_COLOR, and take the terminal's width; a file or a pipe gets neither.
func TestTerminal(t *testing.T) {
	master, pts := openPTY(t)
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, tc := range []struct {
		name    string
		w       io.Writer
		noColor string
		color   bool
		width   int
	}{
		{"terminal", pts, "", true, 123},
		{"terminal with NO_COLOR", pts, "1", false, 123},
		{"file", file, "", false, 0},
		{"buffer", &bytes.Buffer{}, "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tc.noColor)
			if color, width := terminal(tc.w); color != tc.color || width != tc.width {
				t.Errorf("colour %v width %d, want %v %d", color, width, tc.color, tc.width)
			}
		})
	}

	// End to end: the table of a failing host on the terminal.
	const marker = "END-OF-TEST"
	readTerminal := func() string {
		var b bytes.Buffer
		buf := make([]byte, 4096)
		for !bytes.Contains(b.Bytes(), []byte(marker)) {
			n, err := master.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return b.String()
	}
	for _, noColor := range []string{"", "1"} {
		t.Setenv("NO_COLOR", noColor)
		shown := make(chan string)
		go func() { shown <- readTerminal() }()
		var errb bytes.Buffer
		code := run(context.Background(), []string{"eval", "--fail-on", "never", faultedSnapshot}, strings.NewReader(""), pts, &errb)
		if _, err := pts.WriteString(marker + "\n"); err != nil {
			t.Fatal(err)
		}
		out := <-shown
		if code != exitOK && code != exitUnknown {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if colored := strings.Contains(out, "\x1b["); colored != (noColor == "") {
			t.Errorf("NO_COLOR=%q: ANSI colours %v in:\n%.400s", noColor, colored, out)
		}
	}
}
