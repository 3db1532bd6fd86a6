package collectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// composeSeeds are the real compose files: the testbed's (the documented
// host) and public projects' (testdata/docker/compose, see its README).
func composeSeeds(tb testing.TB) []string {
	tb.Helper()
	var files []string
	for _, g := range []string{
		"../testdata/testbed/compose/infrastructure/*/*.yml",
		"../testdata/testbed/compose/infrastructure/*/*/*.yml",
		"../testdata/docker/compose/*.yaml",
	} {
		m, err := filepath.Glob(g)
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 6 {
		tb.Fatalf("compose seeds %q: want the testbed's five and the public ones", files)
	}
	return files
}

// FuzzComposeLiteralSecrets reads arbitrary text as a compose file, as
// readComposeContent does for whatever a container's label names: no
// panic; every finding names a line of the text and a key or flag found
// on it (so what is stored is the text's keys, never its values); the
// content read from a file says the same, and its JSON has no null.
func FuzzComposeLiteralSecrets(f *testing.F) {
	for _, p := range composeSeeds(f) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
		// The same file with a literal password where a reference was.
		f.Add(strings.ReplaceAll(string(b), "${REDIS_PASSWORD}", "Zr8xq2LmN4pW7vK1"))
	}
	f.Add("services:\n  redis:\n    command: [\"redis-server\", \"--requirepass\", \"Zr8xq2LmN4pW7vK1\"]\n")
	f.Add("    environment:\n      - OPENVPN_PASSWORD_SECRETFILE=/run/secrets/vpn\n      - CELERY_BROKER_URL=redis://:pw@h:6380/0\n")
	f.Add("x: ${A:-${B:?c d}} $$C --requirepass\n--requirepass: y\n")
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Split(text, "\n")
		for _, s := range composeLiteralSecrets(text) {
			rest, ok := strings.CutPrefix(s.where, "line ")
			num, key, ok2 := strings.Cut(rest, ": ")
			n, err := strconv.Atoi(num)
			if !ok || !ok2 || err != nil || n < 1 || n > len(lines) {
				t.Fatalf("finding %q: not line N: key within %d lines", s.where, len(lines))
			}
			if s.value == "" {
				t.Fatalf("finding %q has no value", s.where)
			}
			if !strings.HasPrefix(key, "URL ") && key != "argument" && !strings.Contains(lines[n-1], strings.TrimLeft(key, "-")) {
				t.Fatalf("finding %q: key not on line %d %q", s.where, n, lines[n-1])
			}
		}
		p := filepath.Join(t.TempDir(), "compose.yml")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		fc, values := readComposeContent(p, p)
		if fc.Status != StatusOK || fc.LiteralSecrets == nil || len(values) != len(fc.LiteralSecrets) {
			t.Fatalf("content %+v with %d values", fc, len(values))
		}
		b, err := json.Marshal(fc)
		if err != nil || !utf8.Valid(b) || strings.Contains(string(b), "null") {
			t.Fatalf("JSON %q: %v", b, err)
		}
	})
}
