package scanner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// PolicySource is a tree of Rego files: the embedded policies or a --policy
// directory. Name prefixes its files in messages.
type PolicySource struct {
	Name string
	FS   fs.FS
	// Verified says the project's own tests compile these files with
	// every static check (the embedded policies: TestLoad in
	// ./policies loads them unverified). When every source is
	// verified, Load skips the compiler stages that only check (types,
	// conflicts, recursion, imports...), about 50 ms of 300; a --policy
	// directory gets them all.
	Verified bool
}

// ParseModules reads every .rego file of the sources (tests included when
// withTests) into modules keyed "source/path". The files are parsed
// GOMAXPROCS at a time (OPA's parser takes about 100 ms for the embedded
// policies on one core); an error names the first failing file in walk
// order.
func ParseModules(srcs []PolicySource, withTests bool) (map[string]*ast.Module, error) {
	type file struct {
		src  string
		name string
		text string
		mod  *ast.Module
		err  error
	}
	var files []*file
	for _, src := range srcs {
		err := fs.WalkDir(src.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".rego") {
				return nil
			}
			if !withTests && strings.HasSuffix(p, "_test.rego") {
				return nil
			}
			b, err := fs.ReadFile(src.FS, p)
			if err != nil {
				return err
			}
			files = append(files, &file{src: src.Name, name: path.Join(src.Name, p), text: string(b)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load policies from %s: %w", src.Name, err)
		}
	}
	next := make(chan *file)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				f.mod, f.err = ast.ParseModuleWithOpts(f.name, f.text, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
			}
		}()
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
	mods := make(map[string]*ast.Module, len(files))
	for _, f := range files {
		if f.err != nil {
			return nil, fmt.Errorf("load policies from %s: %w", f.src, f.err)
		}
		mods[f.name] = f.mod
	}
	return mods, nil
}

// checksOf reads the # METADATA of every module declaring a check.
func checksOf(mods map[string]*ast.Module) ([]Check, error) {
	var checks []Check
	seen := map[string]string{}
	names := make([]string, 0, len(mods))
	for n := range mods {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		m := mods[name]
		for _, a := range m.Annotations {
			if a.Scope != "package" || a.Custom == nil {
				continue
			}
			if _, ok := a.Custom["id"]; !ok {
				continue
			}
			ch, err := checkFromAnnotations(a, m, name)
			if err != nil {
				return nil, err
			}
			if prev, dup := seen[ch.ID]; dup {
				return nil, fmt.Errorf("%s: check id %s already declared in %s", name, ch.ID, prev)
			}
			if !definesResults(mods, ch.Package) {
				return nil, fmt.Errorf("%s:%d: check %s (package %s) defines none of %s: it could never fail (rules named otherwise, e.g. violation, are not read)",
					name, a.Location.Row, ch.ID, ch.Package, strings.Join(resultKinds, ", "))
			}
			seen[ch.ID] = name
			checks = append(checks, ch)
		}
	}
	sort.Slice(checks, func(i, j int) bool { return checks[i].ID < checks[j].ID })
	return checks, nil
}

// definesResults reports whether some module of package pkg defines a
// rule named after a result kind (deny, unknown, not_applicable, pass): a
// check without one would pass whatever the input, so Load refuses it.
func definesResults(mods map[string]*ast.Module, pkg string) bool {
	for _, m := range mods {
		if m.Package.Path.String() != pkg {
			continue
		}
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) == 0 {
				continue
			}
			if name, ok := ref[0].Value.(ast.Var); ok && slices.Contains(resultKinds, string(name)) {
				return true
			}
		}
	}
	return false
}

// idPattern is the form of a check id (MLS-FW-001, SITE-001).
var idPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`)

// checkFromAnnotations is the Check declared by package annotation a of
// module m, read from file: custom.id, title, severity, references and
// requires are validated.
func checkFromAnnotations(a *ast.Annotations, m *ast.Module, file string) (Check, error) {
	where := file
	if a.Location != nil {
		where = fmt.Sprintf("%s:%d", file, a.Location.Row)
	}
	str := func(k string) string {
		s, _ := a.Custom[k].(string)
		return strings.TrimSpace(s)
	}
	ch := Check{
		ID:          str("id"),
		Title:       strings.TrimSpace(a.Title),
		Description: strings.TrimSpace(a.Description),
		Remediation: str("remediation"),
		Package:     m.Package.Path.String(),
		File:        file,
	}
	if !idPattern.MatchString(ch.ID) {
		return ch, fmt.Errorf("%s: METADATA custom.id %q is not an id like MLS-FW-001", where, a.Custom["id"])
	}
	if ch.Title == "" {
		return ch, fmt.Errorf("%s: METADATA of %s has no title", where, ch.ID)
	}
	sev, err := ParseSeverity(str("severity"))
	if err != nil {
		return ch, fmt.Errorf("%s: METADATA of %s: %w", where, ch.ID, err)
	}
	ch.Severity = sev
	for _, k := range []string{"references", "requires"} {
		v, ok := a.Custom[k]
		if !ok {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return ch, fmt.Errorf("%s: METADATA of %s: custom.%s must be a list", where, ch.ID, k)
		}
		for _, x := range list {
			s, ok := x.(string)
			if !ok {
				return ch, fmt.Errorf("%s: METADATA of %s: custom.%s must hold strings", where, ch.ID, k)
			}
			if k == "references" {
				ch.References = append(ch.References, s)
			} else {
				ch.Requires = append(ch.Requires, s)
			}
		}
	}
	return ch, nil
}

// modulesDigest hashes the policy sources in name order.
func modulesDigest(mods map[string]*ast.Module) string {
	names := make([]string, 0, len(mods))
	for n := range mods {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", n, mods[n].String())
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
