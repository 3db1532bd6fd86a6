package scanner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
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

// checkOnlyStages are OPA compiler stages that report errors without
// rewriting what is evaluated.
var checkOnlyStages = []ast.StageID{
	ast.StageCheckTypes, ast.StageCheckRuleConflicts, ast.StageCheckUndefinedFuncs, ast.StageCheckRecursion,
	ast.StageCheckUnusedImports, ast.StageCheckKeywordOverrides, ast.StageCheckDuplicateImports,
	ast.StageCheckDeprecatedBuiltins, ast.StageCheckUnsafeBuiltins, ast.StageBuildRequiredCapabilities,
	ast.StageCheckVoidCalls, ast.StageCheckSafetyRuleHeads,
}

// Engine holds the checks compiled once; Eval may be called concurrently.
type Engine struct {
	digest  string
	config  map[string]any
	checks  []Check
	queries []*lazyQuery
	// all holds the queries that evaluate every ready check in one go
	// (the fast path), by set of ready checks; on a runtime error the
	// checks are evaluated one by one to find which one failed.
	mu  sync.Mutex
	all map[string][]rego.PreparedEvalQuery
	// part assigns each check to one of the combined queries, evaluated
	// concurrently when more than one CPU is available.
	part     []int
	nparts   int
	compiler *ast.Compiler
	// exprs are what the combined query binds for each check: only its
	// result sets when they are all plain partial sets, else its package.
	exprs   []string
	store   storage.Store
	modules map[string]*ast.Module
	// fixed holds the result document of each check that reads neither
	// the snapshot nor a non-deterministic built-in (it judges the
	// configuration only, like MLS-REG-003): evaluated once at load and
	// left out of the combined queries.
	fixed map[int]ast.Value
}

// ErrNoChecks is returned when the policy sources hold no check.
var ErrNoChecks = errors.New("no checks loaded: every policy source is empty or has no package with `# METADATA` custom.id; the embedded policies should always load, so check --policy paths")

var idPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`)

// ParseModules reads every .rego file of the sources (tests included when
// withTests) into modules keyed "source:path". The files are parsed
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

// NewStore returns a store holding the data document the policies read
// (DataDocument: the configuration at data.mlscan.config).
func NewStore(config map[string]any) storage.Store {
	// AST values on read: the configuration is not converted again at
	// every evaluation.
	return inmem.NewFromObjectWithOpts(DataDocument(config), inmem.OptReturnASTValuesOnRead(true))
}

// Load parses, compiles and prepares the checks of the sources with the
// given configuration (plain JSON-like data).
func Load(ctx context.Context, srcs []PolicySource, config map[string]any) (*Engine, error) {
	mods, err := ParseModules(srcs, false)
	if err != nil {
		return nil, err
	}
	checks, err := checksOf(mods)
	if err != nil {
		return nil, err
	}
	if len(checks) == 0 {
		return nil, ErrNoChecks
	}
	c := ast.NewCompiler().WithStrict(false)
	if !slices.ContainsFunc(srcs, func(s PolicySource) bool { return !s.Verified }) {
		c = c.WithSkipStages(checkOnlyStages...)
	}
	c.Compile(mods)
	if c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", c.Errors)
	}
	e := &Engine{all: map[string][]rego.PreparedEvalQuery{}, checks: checks, compiler: c, store: NewStore(config), modules: mods, config: config, digest: modulesDigest(mods)}
	// The combined query covers every check: one that cannot be prepared
	// is a load error. The per-check queries, used only to isolate a
	// runtime error, are prepared on first use.
	ready := make([]bool, len(checks))
	for i := range ready {
		ready[i] = true
	}
	e.queries = make([]*lazyQuery, len(checks))
	e.part, e.nparts = partition(checks, runtime.GOMAXPROCS(0), mods)
	e.exprs = make([]string, len(checks))
	for i, ch := range checks {
		e.queries[i] = &lazyQuery{query: ch.Package}
		e.exprs[i] = resultExpr(mods, ch.Package)
	}
	e.fixed = e.evalFixed(ctx)
	for i := range e.fixed {
		ready[i] = false
	}
	if _, err := e.combined(ctx, ready, false); err != nil {
		return nil, fmt.Errorf("prepare checks: %w", err)
	}
	return e, nil
}

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

// lazyQuery is a query prepared on first use.
type lazyQuery struct {
	query string
	once  sync.Once
	pq    rego.PreparedEvalQuery
	err   error
}

func (e *Engine) lazy(ctx context.Context, q *lazyQuery) (rego.PreparedEvalQuery, error) {
	q.once.Do(func() { q.pq, q.err = e.prepare(ctx, q.query) })
	return q.pq, q.err
}

func (e *Engine) prepare(ctx context.Context, query string) (rego.PreparedEvalQuery, error) {
	return rego.New(
		rego.Query(query),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
		rego.StrictBuiltinErrors(true),
		// Results stay AST values: evalCheck reads the few fields it needs
		// from them instead of converting every result document to Go.
		rego.GenerateJSON(keepAST),
	).PrepareForEval(ctx)
}

func keepAST(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }

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

// Checks returns the loaded checks sorted by id.
func (e *Engine) Checks() []Check { return e.checks }

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
			seen[ch.ID] = name
			checks = append(checks, ch)
		}
	}
	sort.Slice(checks, func(i, j int) bool { return checks[i].ID < checks[j].ID })
	return checks, nil
}

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

// Input is a snapshot decoded once for evaluation.
type Input struct {
	doc   map[string]any
	value ast.Value
}

// NewInput converts a decoded snapshot document for evaluation.
func NewInput(doc map[string]any) (*Input, error) {
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil, fmt.Errorf("convert snapshot: %w", err)
	}
	return &Input{doc: doc, value: v}, nil
}

// EvalOptions carries what a report needs besides the snapshot.
type EvalOptions struct {
	Tool ToolInfo
	// Serial evaluates the checks in one query on the calling goroutine,
	// for callers that already evaluate several snapshots in parallel (the
	// split into concurrent queries computes shared helpers once per part).
	Serial bool
}

// Eval evaluates every check against the snapshot.
func (e *Engine) Eval(ctx context.Context, in *Input, opt EvalOptions) (*Report, error) {
	rep := &Report{
		SchemaVersion: ReportSchemaVersion,
		Tool:          opt.Tool,
		Collectors:    map[string]CollectorHealth{},
	}
	rep.Host = str(dig(in.doc, "host", "hostname"))
	rep.Checks = e.checks
	rep.PolicyDigest = e.digest
	rep.ConfigFile, _ = e.config["file"].(string)
	rep.ConfigDigest, _ = e.config["digest"].(string)
	rep.Addresses = []string{}
	if as, ok := dig(in.doc, "host", "addresses").([]any); ok {
		for _, a := range as {
			rep.Addresses = append(rep.Addresses, str(a))
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, str(in.doc["collected_at"])); err == nil {
		rep.ScannedAt = t.UTC()
	}
	rep.IsRoot, _ = in.doc["is_root"].(bool)
	if cs, ok := in.doc["collectors"].(map[string]any); ok {
		for name, v := range cs {
			m, _ := v.(map[string]any)
			h := CollectorHealth{Status: str(m["status"]), Error: str(m["error"])}
			h.DurationMS, _ = toFloat(m["duration_ms"])
			rep.Collectors[name] = h
		}
	}
	// Checks whose required sections are missing are unknown without
	// evaluation; the others are evaluated in one query.
	docs := make([]any, len(e.checks))
	missing := make([][]string, len(e.checks))
	ready := make([]bool, len(e.checks))
	for i, ch := range e.checks {
		for _, req := range ch.Requires {
			if why := requirement(in.doc, req); why != "" {
				missing[i] = append(missing[i], why)
			}
		}
		ready[i] = len(missing[i]) == 0
	}
	var combinedErr error
	query := ready
	if len(e.fixed) > 0 {
		query = slices.Clone(ready)
		for i := range e.fixed {
			query[i] = false
		}
	}
	pqs, err := e.combined(ctx, query, opt.Serial)
	if err != nil {
		return nil, err
	}
	results := make([]rego.ResultSet, len(pqs))
	errs := make([]error, len(pqs))
	var wg sync.WaitGroup
	for p := 1; p < len(pqs); p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[p], errs[p] = pqs[p].Eval(ctx, rego.EvalParsedInput(in.value))
		}()
	}
	results[0], errs[0] = pqs[0].Eval(ctx, rego.EvalParsedInput(in.value))
	wg.Wait()
	for p, rs := range results {
		switch {
		case errs[p] != nil:
			combinedErr = errs[p]
		case len(rs) != 1:
			combinedErr = fmt.Errorf("combined query returned %d results", len(rs))
		}
		if combinedErr != nil {
			break
		}
	}
	if combinedErr == nil {
		for i := range e.checks {
			if !query[i] {
				if v, ok := e.fixed[i]; ok && ready[i] {
					docs[i] = v
				}
				continue
			}
			for _, rs := range results {
				if v, ok := rs[0].Bindings[fmt.Sprintf("r%d", i)]; ok {
					docs[i] = v
					break
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, ch := range e.checks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if combinedErr != nil {
			docs[i] = nil // evaluate on its own to find the failing check
		}
		rep.Results = append(rep.Results, e.evalCheck(ctx, ch, e.queries[i], in, missing[i], docs[i])...)
	}
	SortResults(rep.Results)
	rep.Summary = Summarize(rep.Results)
	return rep, nil
}

func (e *Engine) evalCheck(ctx context.Context, ch Check, lq *lazyQuery, in *Input, missing []string, value any) []Result {
	base := Result{RuleID: ch.ID, Title: ch.Title, Severity: ch.Severity, Remediation: ch.Remediation, References: ch.References}
	if len(missing) > 0 {
		r := base
		r.Status, r.Subject = StatusUnknown, "host"
		r.Message = "could not be verified: " + strings.Join(missing, "; ")
		r.Evidence = Evidence{Expected: "snapshot sections " + strings.Join(ch.Requires, ", "), Source: "snapshot"}
		return []Result{r}
	}
	if value == nil {
		pq, err := e.lazy(ctx, lq)
		if err != nil {
			return []Result{errorResult(base, err)}
		}
		rs, err := pq.Eval(ctx, rego.EvalParsedInput(in.value))
		if err != nil {
			return []Result{errorResult(base, err)}
		}
		if len(rs) == 0 || len(rs[0].Expressions) == 0 {
			return []Result{errorResult(base, fmt.Errorf("package %s is undefined", ch.Package))}
		}
		value = rs[0].Expressions[0].Value
	}
	doc, ok := value.(ast.Object)
	if !ok {
		return []Result{errorResult(base, fmt.Errorf("package %s did not evaluate to an object", ch.Package))}
	}
	var out []Result
	decided := map[string]bool{}
	for _, kind := range []struct {
		key    string
		status Status
	}{{"deny", StatusFail}, {"unknown", StatusUnknown}, {"not_applicable", StatusNotApplicable}, {"pass", StatusPass}} {
		entries, err := entriesOf(doc, kind.key)
		if err != nil {
			return []Result{errorResult(base, err)}
		}
		for _, ent := range entries {
			r, err := fromEntry(base, kind.status, ent)
			if err != nil {
				return []Result{errorResult(base, fmt.Errorf("%s entry: %w", kind.key, err))}
			}
			// A subject denied (or unknown, not applicable) is not also passed.
			if kind.status == StatusPass && decided[r.Subject] {
				continue
			}
			if kind.status != StatusPass {
				decided[r.Subject] = true
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		r := base
		r.Status, r.Subject = StatusPass, "host"
		r.Message = "no violation found"
		r.Evidence = Evidence{Source: "snapshot sections " + strings.Join(ch.Requires, ", ")}
		out = append(out, r)
	}
	return out
}

func errorResult(base Result, err error) Result {
	r := base
	r.Status, r.Subject = StatusError, "host"
	r.Message = "rule failed to evaluate: " + err.Error()
	r.Evidence = Evidence{Source: "rego"}
	return r
}

func entriesOf(doc ast.Object, key string) ([]ast.Value, error) {
	v := doc.Get(keyTerm(key))
	if v == nil {
		return nil, nil
	}
	var list []ast.Value
	switch c := v.Value.(type) {
	case ast.Set:
		list = make([]ast.Value, 0, c.Len())
		c.Foreach(func(x *ast.Term) { list = append(list, x.Value) })
	case *ast.Array:
		list = make([]ast.Value, 0, c.Len())
		c.Foreach(func(x *ast.Term) { list = append(list, x.Value) })
	default:
		return nil, fmt.Errorf("%s must be a set of objects, got %T", key, goValue(v.Value))
	}
	return list, nil
}

// goValue is v as the JSON-like Go value Rego results convert to.
func goValue(v ast.Value) any {
	x, err := ast.JSON(v)
	if err != nil {
		return v.String()
	}
	return x
}

// keyTerms are the keys evalCheck reads, as terms made once.
var keyTerms = func() map[string]*ast.Term {
	m := map[string]*ast.Term{}
	for _, k := range append([]string{"subject", "target", "kind", "address", "port", "proto", "container", "registry", "service", "message", "severity", "evidence", "observed", "expected", "source", "location", "file", "what", "line"}, resultKinds...) {
		m[k] = ast.StringTerm(k)
	}
	return m
}()

func keyTerm(k string) *ast.Term {
	if t, ok := keyTerms[k]; ok {
		return t
	}
	return ast.StringTerm(k)
}

// field is the value of key in object o, nil when absent.
func field(o ast.Object, key string) ast.Value {
	if t := o.Get(keyTerm(key)); t != nil {
		return t.Value
	}
	return nil
}

// strField is the string at key in object o, "" when absent or another type.
func strField(o ast.Object, key string) string {
	s, _ := field(o, key).(ast.String)
	return string(s)
}

// anyField is the value at key in object o as a Go value, nil when absent.
func anyField(o ast.Object, key string) any {
	if v := field(o, key); v != nil {
		return goValue(v)
	}
	return nil
}

func fromEntry(base Result, st Status, ent ast.Value) (Result, error) {
	m, ok := ent.(ast.Object)
	if !ok {
		return base, fmt.Errorf("want an object with subject and message, got %T", goValue(ent))
	}
	r := base
	r.Status = st
	r.Subject = strField(m, "subject")
	r.Message = strField(m, "message")
	if r.Subject == "" || r.Message == "" {
		return r, fmt.Errorf("subject and message must be non-empty strings: %v", goValue(m))
	}
	if s, ok := field(m, "severity").(ast.String); ok {
		sev, err := ParseSeverity(string(s))
		if err != nil {
			return r, err
		}
		r.Severity = sev
	}
	if tv := field(m, "target"); tv != nil {
		t, err := targetOf(tv)
		if err != nil {
			return r, err
		}
		r.Target = t
	}
	if ev, ok := field(m, "evidence").(ast.Object); ok {
		r.Evidence = Evidence{Observed: anyField(ev, "observed"), Expected: anyField(ev, "expected"), Source: strField(ev, "source")}
	}
	if loc, ok := field(m, "location").(ast.Object); ok {
		l := &Location{File: strField(loc, "file"), What: strField(loc, "what")}
		if n, ok := field(loc, "line").(ast.Number); ok {
			if f, ok := toFloat(json.Number(n)); ok {
				l.Line = int(f)
			}
		}
		if l.File != "" {
			r.Location = l
		}
	}
	return r, nil
}

// targetOf decodes a result's "target" object: kind and the fields of
// that kind (Target).
func targetOf(v ast.Value) (*Target, error) {
	o, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("target must be an object, got %v", goValue(v))
	}
	t := &Target{
		Kind:      TargetKind(strField(o, "kind")),
		Address:   strField(o, "address"),
		Proto:     strField(o, "proto"),
		Container: strField(o, "container"),
		Registry:  strField(o, "registry"),
		Service:   strField(o, "service"),
	}
	if pv := field(o, "port"); pv != nil {
		n, ok := pv.(ast.Number)
		if !ok {
			return nil, fmt.Errorf("target port must be a number, got %v", goValue(pv))
		}
		p, ok := n.Int()
		if !ok {
			return nil, fmt.Errorf("target port must be an integer, got %v", n)
		}
		t.Port = p
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// requirement returns why the snapshot section req ("collector" or
// "collector.part") cannot be used, or "" when it can.
func requirement(doc map[string]any, req string) string {
	parts := strings.Split(req, ".")
	col, _ := dig(doc, "collectors", parts[0]).(map[string]any)
	if col == nil {
		return fmt.Sprintf("collector %s did not run (no record in the snapshot)", parts[0])
	}
	if st := str(col["status"]); st != "ok" {
		return fmt.Sprintf("collector %s: %s%s", parts[0], st, withErr(col))
	}
	var cur any = doc
	for i, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return fmt.Sprintf("section %s is not an object", strings.Join(parts[:i], "."))
		}
		cur, ok = m[p]
		if !ok || cur == nil {
			return fmt.Sprintf("section %s missing from the snapshot", strings.Join(parts[:i+1], "."))
		}
		if sub, ok := cur.(map[string]any); ok {
			if st, has := sub["status"]; has && st != "ok" {
				return fmt.Sprintf("%s: %v%s", strings.Join(parts[:i+1], "."), st, withErr(sub))
			}
		}
	}
	return ""
}

func withErr(m map[string]any) string {
	if e := str(m["error"]); e != "" {
		return " (" + e + ")"
	}
	return ""
}

func dig(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case interface{ Float64() (float64, error) }:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
