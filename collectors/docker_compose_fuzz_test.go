package collectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlscan/mlscan/snapshot"
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
// on it or before (so what is stored is the text's keys, never its
// values); the
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
	// One file per fuzzing process, rewritten for each input.
	p := filepath.Join(f.TempDir(), "compose.yml")
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
			// The line is the value's; a flag may sit on a line before.
			if !strings.HasPrefix(key, "URL ") && key != "argument" && !strings.Contains(strings.Join(lines[:n], "\n"), strings.TrimLeft(key, "-")) {
				t.Fatalf("finding %q: key not on line %d or before", s.where, n)
			}
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		fc, values := readComposeContent(p, p)
		if fc.Status != snapshot.StatusOK || fc.LiteralSecrets == nil || len(values) != len(fc.LiteralSecrets) {
			t.Fatalf("content %+v with %d values", fc, len(values))
		}
		b, err := json.Marshal(fc)
		if err != nil || !utf8.Valid(b) || strings.Contains(string(b), "null") {
			t.Fatalf("JSON %q: %v", b, err)
		}
	})
}

// hostileTexts are 1 MiB inputs built to make a line-and-word reader
// quadratic: Redis clients without keys between them, URLs without white
// space, nested references. A label may name such a file, and a container
// may carry such an environment value or argument.
func hostileTexts() []struct{ name, text string } {
	const n = 1 << 20
	rep := func(s string) string { return strings.Repeat(s, n/len(s)) }
	return []struct{ name, text string }{
		{"redis-cli lines", rep("redis-cli -a\n")},
		{"redis-cli words", rep("redis-cli ")},
		{"URLs without space", rep("a://b@")},
		{"URLs with passwords", rep("a://u:p@h/")},
		{"secret query values", rep("http://h/?token=x&")},
		{"nested references", strings.Repeat("${a", n/8) + strings.Repeat("}", n/8)},
		{"secret flags", rep("--requirepass ")},
		{"secret keys", rep("PASSWORD: x\n")},
	}
}

// BenchmarkComposeLiteralSecretsHostile reads each hostile text as a
// compose file (the reader's limit is 1 MiB).
func BenchmarkComposeLiteralSecretsHostile(b *testing.B) {
	for _, h := range hostileTexts() {
		b.Run(h.name, func(b *testing.B) {
			b.SetBytes(int64(len(h.text)))
			for b.Loop() {
				composeLiteralSecrets(h.text)
			}
		})
	}
}

// BenchmarkRedactHostile redacts each hostile text as an environment value
// and as a command-line argument.
func BenchmarkRedactHostile(b *testing.B) {
	for _, h := range hostileTexts() {
		b.Run(h.name, func(b *testing.B) {
			b.SetBytes(int64(len(h.text)))
			for b.Loop() {
				redactEnv([]string{"X=" + h.text, "REDIS_PASSWORD=" + h.text}, newSecretHasher())
				commandSecrets(nil, []string{"redis-server", h.text}, "cmd", newSecretHasher())
			}
		})
	}
}
