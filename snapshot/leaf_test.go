package snapshot

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLeaf: the contract imports nothing of mlscan, so that collectors
// (which writes it) and scanner (which reads it) never import each other
// through it.
func TestLeaf(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range af.Imports {
			if p, _ := strconv.Unquote(is.Path.Value); strings.HasPrefix(p, "github.com/mlscan/mlscan") {
				t.Errorf("%s imports %s: the snapshot package is a leaf", f, p)
			}
		}
	}
}
