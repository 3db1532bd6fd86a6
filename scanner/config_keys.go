package scanner

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkShape walks a configuration document against the type it decodes
// into and returns one "file:line: problem" per unknown key (with the
// nearest valid key) and per value of the wrong kind, in the words of the
// file (keys, lists, numbers), never Go's type names.
func checkShape(name string, n *yaml.Node, t reflect.Type) []string {
	w := &shapeWalk{name: name, seen: map[shapeKey]bool{}}
	return w.walk(n, t, "")
}

// shapeWalk remembers which nodes it checked against which type: an
// alias's target is checked once, so nested aliases cost no more than the
// text they are written in.
type shapeWalk struct {
	name string
	seen map[shapeKey]bool
}

type shapeKey struct {
	n *yaml.Node
	t reflect.Type
}

func (w *shapeWalk) walk(n *yaml.Node, t reflect.Type, path string) []string {
	line := n.Line // of the alias, when n is one: where the value is used
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	k := shapeKey{n, t}
	if w.seen[k] {
		return nil
	}
	w.seen[k] = true
	if n.Tag == "!!null" || reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		return nil // a null leaves the default; ByteSize checks itself
	}
	name := w.name
	bad := func(want string) []string {
		return []string{fmt.Sprintf("%s:%d: %s must be %s, got %s", name, line, keyName(path), want, describe(n))}
	}
	var errs []string
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return bad("a mapping of keys (" + strings.Join(yamlKeys(t), ", ") + ")")
		}
		// A key this mapping already sets is not the one a typo meant.
		set := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			set[n.Content[i].Value] = true
		}
		var unset []string
		for _, key := range yamlKeys(t) {
			if !set[key] {
				unset = append(unset, key)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fieldByKey(t, k.Value)
			if !ok {
				errs = append(errs, fmt.Sprintf("%s:%d: %s", name, k.Line, unknownKey(k.Value, path, yamlKeys(t), unset)))
				continue
			}
			errs = append(errs, w.walk(v, f.Type, join(path, k.Value))...)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return bad("a mapping")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, w.walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))...)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return bad("a list")
		}
		for _, item := range n.Content {
			errs = append(errs, w.walk(item, t.Elem(), path+"[]")...)
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return bad("a string")
		}
	case reflect.Int, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return bad("a whole number")
		}
	case reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
			return bad("a number")
		}
	}
	return errs
}

// join appends a key to a path; a path ending in [] (an entry of a list)
// names the list: registry[] and port give registry.port.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return strings.TrimSuffix(path, "[]") + "." + key
}

func keyName(path string) string {
	switch {
	case path == "":
		return "the configuration"
	case strings.HasSuffix(path, "[]"):
		return "an entry of `" + strings.TrimSuffix(path, "[]") + "`"
	}
	return "`" + path + "`"
}

// describe names what a node is, for "got ...": a string says so, since
// "5" (quoted) and 5 print alike.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	if n.Tag == "!!str" {
		return "the string `" + v + "`"
	}
	return "`" + v + "`"
}

// fieldByKey finds the field of struct t whose yaml tag is key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tagName(f) == key && key != "" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// yamlKeys lists the keys struct t accepts, in declaration order.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k := tagName(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// unknownKey says that key is not valid at path and suggests the nearest
// of the valid keys the mapping does not set yet (unset), or lists the
// valid ones when none is close.
func unknownKey(key, path string, valid, unset []string) string {
	where := ""
	if path != "" {
		where = " in `" + strings.TrimSuffix(path, "[]") + "`"
	}
	msg := fmt.Sprintf("unknown key `%s`%s", key, where)
	if s := nearest(key, unset); s != "" {
		return msg + fmt.Sprintf(" (did you mean `%s`?)", s)
	}
	return msg + " (valid keys: " + strings.Join(valid, ", ") + ")"
}

// nearest returns the valid key closest to key in edit distance (a
// transposition counts one), if it is close enough to be a typo: one edit
// for a key of up to 3 letters, else 2 or a third of its length.
func nearest(key string, valid []string) string {
	limit := 1
	if len(key) > 3 {
		limit = max(2, len(key)/3)
	}
	best, bestD := "", limit+1
	for _, v := range slices.Sorted(slices.Values(valid)) {
		if d := editDistance(strings.ToLower(key), v); d < bestD {
			best, bestD = v, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and adjacent transpositions.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// lineAt returns the line of the node at path in doc (string keys of
// mappings, int indexes of lists): of the value, or of its key when
// keyLine. When the file does not set the whole path it returns the line
// of the deepest key it does set, else the document's first line.
func lineAt(doc *yaml.Node, keyLine bool, path ...any) int {
	n, line := doc, doc.Line
	for _, p := range path {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		var next *yaml.Node
		switch p := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					next, line = n.Content[i+1], n.Content[i].Line
					break
				}
			}
		case int:
			if n.Kind != yaml.SequenceNode || p < 0 || p >= len(n.Content) {
				return line
			}
			next = n.Content[p]
			line = next.Line
		}
		if next == nil {
			return line
		}
		n = next
	}
	if keyLine {
		return line
	}
	return n.Line
}
