package scanner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// evalFixed evaluates, with no input, the checks whose rules (and the
// rules they use) never read the input nor call a non-deterministic
// built-in. A check that fails to evaluate is left to be evaluated with
// each snapshot, where its error is reported.
func (e *Engine) evalFixed(ctx context.Context) map[int]ast.Value {
	fixed := map[int]ast.Value{}
	for i, ch := range e.checks {
		if readsInput(e.compiler, ch.Package) {
			continue
		}
		pq, err := e.prepare(ctx, e.exprs[i])
		if err != nil {
			continue
		}
		rs, err := pq.Eval(ctx, rego.EvalParsedInput(ast.NewObject()))
		if err != nil || len(rs) != 1 || len(rs[0].Expressions) != 1 {
			continue
		}
		if v, ok := rs[0].Expressions[0].Value.(ast.Value); ok {
			fixed[i] = v
		}
	}
	return fixed
}

// readsInput reports whether the rules of package pkg, or any rule they
// depend on, refer to the input or call a non-deterministic built-in
// (conservatively true when the package has no rules).
func readsInput(c *ast.Compiler, pkg string) bool {
	ref, err := ast.ParseRef(pkg)
	if err != nil {
		return true
	}
	var queue []*ast.Rule
	for _, m := range c.Modules {
		if m.Package.Path.Equal(ref) {
			queue = append(queue, m.Rules...)
		}
	}
	if len(queue) == 0 {
		return true
	}
	seen := map[*ast.Rule]bool{}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		if seen[r] {
			continue
		}
		seen[r] = true
		if ruleReadsInput(r) {
			return true
		}
		if r.Else != nil {
			queue = append(queue, r.Else)
		}
		for d := range c.Graph.Dependencies(r) {
			if dr, ok := d.(*ast.Rule); ok {
				queue = append(queue, dr)
			}
		}
	}
	return false
}

// ruleReadsInput reports whether rule r itself (head, body, nested
// comprehension and else bodies) refers to the input, evaluates with a
// `with` modifier or calls a non-deterministic built-in.
func ruleReadsInput(r *ast.Rule) bool {
	reads := false
	ast.WalkRefs(r, func(ref ast.Ref) bool {
		reads = reads || ref.HasPrefix(ast.InputRootRef)
		return reads
	})
	nondeterministic := func(op string) bool {
		b, ok := ast.BuiltinMap[op]
		return ok && b.Nondeterministic
	}
	ast.WalkExprs(r, func(x *ast.Expr) bool {
		reads = reads || len(x.With) > 0 || x.IsCall() && nondeterministic(x.Operator().String())
		return reads
	})
	ast.WalkTerms(r, func(t *ast.Term) bool {
		if call, ok := t.Value.(ast.Call); ok && nondeterministic(call[0].String()) {
			reads = true
		}
		return reads
	})
	return reads
}

// combined returns the queries evaluating every ready check at once
// (binding r<i> to check i), one per part with ready checks, prepared once
// per set of ready checks: the checks whose snapshot sections are missing
// are not evaluated at all.
func (e *Engine) combined(ctx context.Context, ready []bool, serial bool) ([]rego.PreparedEvalQuery, error) {
	key := make([]byte, len(ready), len(ready)+1)
	qs := make([]strings.Builder, e.nparts)
	for i, ok := range ready {
		key[i] = '0'
		if !ok {
			continue
		}
		key[i] = '1'
		q := &qs[0]
		if !serial {
			q = &qs[e.part[i]]
		}
		if q.Len() > 0 {
			q.WriteString("; ")
		}
		fmt.Fprintf(q, "r%d := %s", i, e.exprs[i])
	}
	if serial {
		key = append(key, 's')
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if pqs, ok := e.all[string(key)]; ok {
		return pqs, nil
	}
	var pqs []rego.PreparedEvalQuery
	for i := range qs {
		if qs[i].Len() == 0 {
			continue
		}
		pq, err := e.prepare(ctx, qs[i].String())
		if err != nil {
			return nil, err
		}
		pqs = append(pqs, pq)
	}
	if len(pqs) == 0 {
		pq, err := e.prepare(ctx, "true")
		if err != nil {
			return nil, err
		}
		pqs = append(pqs, pq)
	}
	e.all[string(key)] = pqs
	return pqs, nil
}

// partition splits the checks into at most n parts of similar cost,
// keeping the checks of a policy directory (which share helpers and
// their cached values) in one part. A part's cost counts its checks and,
// once, each helper package (a package without a check) they import,
// directly or through other packages, as helperCost checks: each part
// computes its helpers again, so a directory goes where its helpers
// already are unless that part is much busier.
func partition(checks []Check, n int, mods map[string]*ast.Module) ([]int, int) {
	part := make([]int, len(checks))
	if n > 2 {
		n = 2
	}
	if n < 2 {
		return part, 1
	}
	dirOf := func(pkg string) string {
		if i := strings.LastIndexByte(pkg, '.'); i >= 0 {
			return pkg[:i]
		}
		return pkg
	}
	isCheck := map[string]bool{}
	for _, ch := range checks {
		isCheck[ch.Package] = true
	}
	imports := map[string][]string{}
	for _, m := range mods {
		pkg := m.Package.Path.String()
		for _, imp := range m.Imports {
			if ref, ok := imp.Path.Value.(ast.Ref); ok && ref.HasPrefix(ast.DefaultRootRef) {
				imports[pkg] = append(imports[pkg], ref.String())
			}
		}
	}
	size := map[string]int{}
	helpers := map[string]map[string]bool{}
	var dirs []string
	for _, ch := range checks {
		d := dirOf(ch.Package)
		if size[d] == 0 {
			dirs = append(dirs, d)
			helpers[d] = map[string]bool{}
		}
		size[d]++
		todo := []string{ch.Package}
		for len(todo) > 0 {
			pkg := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			for _, imp := range imports[pkg] {
				if !isCheck[imp] && !helpers[d][imp] {
					helpers[d][imp] = true
					todo = append(todo, imp)
				}
			}
		}
	}
	sort.SliceStable(dirs, func(i, j int) bool {
		if size[dirs[i]] != size[dirs[j]] {
			return size[dirs[i]] > size[dirs[j]]
		}
		return dirs[i] < dirs[j]
	})
	const helperCost = 3
	load := make([]int, n)
	has := make([]map[string]bool, n)
	for p := range has {
		has[p] = map[string]bool{}
	}
	costIn := func(d string, p int) int {
		c := load[p] + size[d]
		for h := range helpers[d] {
			if !has[p][h] {
				c += helperCost
			}
		}
		return c
	}
	assign := map[string]int{}
	for _, d := range dirs {
		best := 0
		for p := 1; p < n; p++ {
			if costIn(d, p) < costIn(d, best) {
				best = p
			}
		}
		assign[d] = best
		load[best] = costIn(d, best)
		for h := range helpers[d] {
			has[best][h] = true
		}
	}
	for i, ch := range checks {
		part[i] = assign[dirOf(ch.Package)]
	}
	return part, n
}

// resultKinds are the keys of a check's document that Eval reads.
var resultKinds = []string{"deny", "unknown", "not_applicable", "pass"}

// resultExpr is the object of the result sets of package pkg, {"deny":
// pkg.deny, ...}, when each of them is defined only by partial set rules
// (`deny contains x if ...`, always defined): evaluating and converting
// the whole package document would also build every helper value. Else
// it is the package itself.
func resultExpr(mods map[string]*ast.Module, pkg string) string {
	present := map[string]bool{}
	for _, m := range mods {
		if m.Package.Path.String() != pkg {
			continue
		}
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) == 0 {
				return pkg
			}
			name, ok := ref[0].Value.(ast.Var)
			if !ok {
				return pkg
			}
			for _, k := range resultKinds {
				if string(name) != k {
					continue
				}
				if len(ref) != 1 || r.Head.RuleKind() != ast.MultiValue || r.Default {
					return pkg
				}
				present[k] = true
			}
		}
	}
	var b strings.Builder
	b.WriteString("{")
	for _, k := range resultKinds {
		if !present[k] {
			continue
		}
		if b.Len() > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %s.%s", k, pkg, k)
	}
	b.WriteString("}")
	return b.String()
}
