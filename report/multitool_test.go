package report

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mlscan/mlscan/internal/multitool"
)

// TestSARIFMultitool validates the SARIF golden files, and the documented
// host's SARIF under every kind of version a build can carry, with
// Microsoft's SARIF Multitool and GitHub's ingestion rules (Ghas;Sarif):
// no error and no warning. Without the Multitool the test skips, unless
// MLSCAN_E2E=1.
func TestSARIFMultitool(t *testing.T) {
	mt := multitool.Require(t)
	dir := t.TempDir()
	files := []string{
		"../testdata/golden/documented-host.sarif",
		"../testdata/golden/documented-host-edge.sarif",
	}
	versions := []struct {
		name, version string
	}{
		{"release", "1.4.0"},
		{"module", "v1.4.0"},
		{"pseudo", "v0.0.0-20261203142247-b85153564252+dirty"},
		{"commit", "b85153564252-dirty"},
		{"checkout", "8289275d38dd-devel"},
		{"dev", "dev"},
		{"empty", ""},
	}
	for _, v := range versions {
		rep := docReport(t)
		rep.Tool.Version = v.version
		f := filepath.Join(dir, "version-"+v.name+".sarif")
		if err := os.WriteFile(f, render(t, "sarif", Options{}, rep), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	probs, err := multitool.Validate(mt, files...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Error(p)
	}
}

// TestSARIFVersions checks the driver's version fields for the versions
// a build can carry.
func TestSARIFVersions(t *testing.T) {
	tests := []struct {
		name, in, version, semantic string
	}{
		{"release", "1.4.0", "1.4.0", "1.4.0"},
		{"module version", "v1.4.0", "1.4.0", "1.4.0"},
		{"pseudo-version", "v0.0.0-20261203142247-b85153564252+dirty", "0.0.0-20261203142247-b85153564252+dirty", "0.0.0-20261203142247-b85153564252+dirty"},
		{"numeric, not semver", "1.4", "1.4", ""},
		{"commit", "b85153564252-dirty", "", "0.0.0-b85153564252-dirty"},
		{"commit starting with a digit", "8289275d38dd-devel", "", "0.0.0-8289275d38dd-devel"},
		{"dev", "dev", "", "0.0.0-dev"},
		{"nothing", "", "", "0.0.0-dev"},
		{"odd characters", "my build/2", "", "0.0.0-my-build-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, s := sarifVersions(tt.in)
			if got := deref(v); got != tt.version {
				t.Errorf("version %q, want %q", got, tt.version)
			}
			if got := deref(s); got != tt.semantic {
				t.Errorf("semanticVersion %q, want %q", got, tt.semantic)
			}
		})
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
