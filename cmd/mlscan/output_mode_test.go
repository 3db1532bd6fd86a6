package main

import (
	"os"
	"path/filepath"
	"testing"
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
