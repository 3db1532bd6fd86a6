package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// The engine, by job:
//   - engine.go: the Engine, Load (parse, compile, plan, prepare) and the
//     prepared queries;
//   - engine_load.go: policy sources, parsing, # METADATA into Check, the
//     policy digest;
//   - engine_plan.go: which checks are fixed (never read the input), the
//     split into concurrent parts, the combined queries;
//   - engine_eval.go: Eval, a check's result document into Results, a
//     snapshot section's requirement.

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
	// trusted are the configuration's trusted networks, for the model.
	trusted []netip.Prefix
}

// errNoChecks is returned when the policy sources hold no check.
var errNoChecks = errors.New("no checks loaded: every policy source is empty or has no package with `# METADATA` custom.id; the embedded policies should always load, so check --policy paths")

// NewStore returns a store holding the data document the policies read
// (dataDocument: the configuration at data.mlscan.config).
func NewStore(config map[string]any) storage.Store {
	// AST values on read: the configuration is not converted again at
	// every evaluation.
	return inmem.NewFromObjectWithOpts(dataDocument(config), inmem.OptReturnASTValuesOnRead(true))
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
		return nil, errNoChecks
	}
	c := ast.NewCompiler().WithStrict(false)
	if !slices.ContainsFunc(srcs, func(s PolicySource) bool { return !s.Verified }) {
		c = c.WithSkipStages(checkOnlyStages...)
	}
	c.Compile(mods)
	if c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", c.Errors)
	}
	e := &Engine{all: map[string][]rego.PreparedEvalQuery{}, checks: checks, compiler: c, store: NewStore(config), modules: mods, config: config, digest: modulesDigest(mods), trusted: trustedNetworks(config)}
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

// Checks returns the loaded checks sorted by id.
func (e *Engine) Checks() []Check { return e.checks }

// lazyQuery is a query prepared on first use.
type lazyQuery struct {
	query string
	once  sync.Once
	pq    rego.PreparedEvalQuery
	err   error
}

// lazy returns the query of q, preparing it on the first call.
func (e *Engine) lazy(ctx context.Context, q *lazyQuery) (rego.PreparedEvalQuery, error) {
	q.once.Do(func() { q.pq, q.err = e.prepare(ctx, q.query) })
	return q.pq, q.err
}

// prepare compiles query against the engine's compiler and store.
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

// keepAST keeps a result term as its AST value (rego.GenerateJSON).
func keepAST(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }
