package multitool

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestValidateFindsProblems checks that Validate reports what the
// Multitool finds: the documented host's SARIF golden is clean, and the
// same file with a driver version of "dev" gives SARIF2005, a warning.
func TestValidateFindsProblems(t *testing.T) {
	mt := Require(t)
	golden, err := os.ReadFile("../../testdata/golden/documented-host.sarif")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		name  string
		edit  func([]byte) []byte
		rules map[string]string
	}{
		{"golden", func(b []byte) []byte { return b }, map[string]string{}},
		{"dev version", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"version": "1.4.0"`), []byte(`"version": "dev"`), 1)
		}, map[string]string{"SARIF2005": "warning"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(dir, tt.name+".sarif")
			if err := os.WriteFile(f, tt.edit(golden), 0o644); err != nil {
				t.Fatal(err)
			}
			probs, err := Validate(mt, f)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range probs {
				got[p.Rule] = p.Level
				if p.File != f {
					t.Errorf("problem on %q, want %q", p.File, f)
				}
			}
			if len(got) != len(tt.rules) {
				t.Errorf("problems %v, want rules %v", probs, tt.rules)
			}
			for r, l := range tt.rules {
				if got[r] != l {
					t.Errorf("rule %s: level %q, want %q (problems %v)", r, got[r], l, probs)
				}
			}
		})
	}
}
