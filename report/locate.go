package report

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mlscan/mlscan/scanner"
)

// fileLoc is where a finding is fixed, as a repository path.
type fileLoc struct {
	// Path is relative to the repository root, slash-separated, unescaped.
	Path string
	Line int
	// What names the thing at that place (a compose service, a registry entry).
	What string
	// Anchored is set when the finding has no file of its own and sits on
	// the mlscan config.
	Anchored bool
	// Mapped is set when Path came from the result's own location.
	Mapped bool
	// Unmapped is the result's own file when it is not in the repository
	// (outside the source root), for the message.
	Unmapped string
}

// locator maps result locations to repository paths and finds the line of
// a compose service or config key, parsing each file once.
type locator struct {
	root  string
	files map[string]*yaml.Node
}

func newLocator(sourceRoot string) *locator {
	l := &locator{files: map[string]*yaml.Node{}}
	if sourceRoot != "" {
		if abs, err := filepath.Abs(sourceRoot); err == nil {
			l.root = abs
		}
	}
	return l
}

// locate returns the repository location of a result: its own location
// when it maps to a repository file, else the mlscan config (anchored).
func (l *locator) locate(r *scanner.Report, res *scanner.Result) fileLoc {
	if loc := res.Location; loc != nil && loc.File != "" {
		what := oneLine(loc.What)
		if loc.File == scanner.DefaultConfigName {
			return fileLoc{Path: ConfigAnchor, Line: max(loc.Line, 1), What: what, Anchored: true}
		}
		if rel, abs, ok := l.repoPath(loc.File); ok {
			line := loc.Line
			if line < 1 {
				line = l.keyLine(abs, locationKeys(loc.What))
			}
			return fileLoc{Path: rel, Line: max(line, 1), What: what, Mapped: true}
		}
	}
	fl := fileLoc{Path: ConfigAnchor, Line: 1, Anchored: true}
	if res.Location != nil {
		fl.Unmapped = oneLine(res.Location.File)
	}
	if rel, _, ok := l.repoPath(r.ConfigFile); ok && r.ConfigFile != scanner.DefaultConfigName {
		fl.Path = rel
	}
	return fl
}

// repoPath maps a file to a repository-relative path (and the path to read
// it at): absolute paths under the source root, or clean relative paths.
func (l *locator) repoPath(file string) (rel, abs string, ok bool) {
	if file == "" || strings.HasPrefix(file, "(") || strings.ContainsFunc(file, isControl) {
		return "", "", false
	}
	if filepath.IsAbs(file) {
		if l.root == "" {
			return "", "", false
		}
		r, err := filepath.Rel(l.root, filepath.Clean(file))
		if err != nil || r == "." || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", "", false
		}
		return filepath.ToSlash(r), filepath.Clean(file), true
	}
	r := path.Clean(filepath.ToSlash(file))
	if r == "." || r == ".." || strings.HasPrefix(r, "../") || strings.HasPrefix(r, "/") {
		return "", "", false
	}
	abs = filepath.FromSlash(r)
	if l.root != "" {
		abs = filepath.Join(l.root, abs)
	}
	return r, abs, true
}

// locationKeys turns a location's What into the YAML key path to look up:
// "compose service NAME" or "service NAME" → services.NAME; "registry" or
// "registry entry NAME" → registry.
func locationKeys(what string) []string {
	w := strings.TrimSpace(what)
	for _, p := range []string{"compose service ", "service "} {
		if name, ok := strings.CutPrefix(w, p); ok && name != "" {
			return []string{"services", name}
		}
	}
	if w == "registry" || strings.HasPrefix(w, "registry entry") {
		return []string{"registry"}
	}
	return nil
}

// keyLine returns the line of the mapping key path keys in the YAML file,
// or 0 when the file or key is not there. Files over 4 MiB are ignored.
func (l *locator) keyLine(file string, keys []string) int {
	if len(keys) == 0 {
		return 0
	}
	doc, seen := l.files[file]
	if !seen {
		if st, err := os.Stat(file); err == nil && st.Mode().IsRegular() && st.Size() <= 4<<20 {
			if b, err := os.ReadFile(file); err == nil {
				var n yaml.Node
				if yaml.Unmarshal(b, &n) == nil && len(n.Content) > 0 {
					doc = n.Content[0]
				}
			}
		}
		l.files[file] = doc
	}
	node, line := doc, 0
	for _, k := range keys {
		if node == nil || node.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == k {
				line, next = node.Content[i].Line, node.Content[i+1]
				break
			}
		}
		if next == nil {
			return line
		}
		node = next
	}
	return line
}
