package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/mlscan/mlscan/model"
	"github.com/mlscan/mlscan/snapshot"
)

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

// InputOf prepares a decoded snapshot (snapshot.Decode returns both forms)
// for evaluation: the document, with the model's facts of the typed
// snapshot as input.model, computed here with the configuration's trusted
// networks (any "model" in the file is replaced).
func (e *Engine) InputOf(snap *snapshot.Snapshot, doc map[string]any) (*Input, error) {
	facts, err := factsDoc(model.Compute(snap, e.trusted))
	if err != nil {
		return nil, err
	}
	doc["model"] = facts
	return NewInput(doc)
}

// InputOfDoc is InputOf for a snapshot document alone (tests, tools that
// patch a document): the typed snapshot is read from it.
func (e *Engine) InputOfDoc(doc map[string]any) (*Input, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("snapshot document: %w", err)
	}
	var snap snapshot.Snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("snapshot document: %w", err)
	}
	return e.InputOf(&snap, doc)
}

// factsDoc converts the facts to the document form (numbers as
// json.Number, like the snapshot's).
func factsDoc(f *model.Facts) (any, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("model facts: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("model facts: %w", err)
	}
	return v, nil
}

// trustedNetworks reads networks.trusted of the configuration data
// (validated when the configuration was loaded).
func trustedNetworks(config map[string]any) []netip.Prefix {
	var out []netip.Prefix
	nets, _ := config["networks"].(map[string]any)
	list, _ := nets["trusted"].([]any)
	for _, n := range list {
		if p, err := netip.ParsePrefix(fmt.Sprint(n)); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
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
			h := CollectorHealth{Status: snapshot.Status(str(m["status"])), Error: str(m["error"])}
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

// evalCheck turns check ch's result document (value; nil to evaluate the
// check on its own query lq) into its results: unknown when sections it
// requires are missing, an error result when it fails or its document is
// malformed, an explicit pass when it reports nothing.
func (e *Engine) evalCheck(ctx context.Context, ch Check, lq *lazyQuery, in *Input, missing []string, value any) []Result {
	base := Result{RuleID: ch.ID, Title: ch.Title, Severity: ch.Severity, Remediation: ch.Remediation, References: ch.References}
	if len(missing) > 0 {
		r := base
		r.Status, r.Subject, r.Target = StatusUnknown, "host", &Target{Kind: TargetHost}
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
	var badTargets []string // the first few malformed targets
	nBad := 0
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
			var te *targetError
			if errors.As(err, &te) {
				if len(badTargets) < 3 {
					badTargets = append(badTargets, kind.key+" entry: "+te.Error())
				}
				nBad++
			} else if err != nil {
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
	if nBad > 0 {
		more := ""
		if nBad > len(badTargets) {
			more = fmt.Sprintf(" (and %d more)", nBad-len(badTargets))
		}
		r := errorResult(base, fmt.Errorf("%d result(s) kept without their malformed target: %s%s", nBad, strings.Join(badTargets, "; "), more))
		r.Subject = "host (targets)"
		out = append(out, r)
	}
	if len(out) == 0 {
		r := base
		r.Status, r.Subject, r.Target = StatusPass, "host", &Target{Kind: TargetHost}
		r.Message = "no violation found"
		r.Evidence = Evidence{Source: "snapshot sections " + strings.Join(ch.Requires, ", ")}
		out = append(out, r)
	}
	return out
}

// errorResult is base as an error result saying why the check failed.
func errorResult(base Result, err error) Result {
	r := base
	r.Status, r.Subject, r.Target = StatusError, "host", &Target{Kind: TargetHost}
	r.Message = "rule failed to evaluate: " + err.Error()
	r.Evidence = Evidence{Source: "rego"}
	return r
}

// entriesOf lists the entries of result set key of doc (a set or an
// array), none when key is absent.
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

// keyTerm is key k as a term, shared for the keys evalCheck reads.
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

// fromEntry decodes one result entry (subject, message, severity,
// target, evidence, location) over base with status st.
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
	var terr error
	if tv := field(m, "target"); tv != nil {
		if r.Target, terr = targetOf(tv); terr != nil {
			terr = &targetError{subject: r.Subject, err: terr}
		}
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
	return r, terr
}

// targetError is a result whose target is malformed: the result itself is
// whole and is kept (without a target); the check reports the problem as
// one error beside its results. A target built from what a container's
// owner controls (a name, a port) may be odd: it must cost no verdict.
type targetError struct {
	subject string
	err     error
}

func (e *targetError) Error() string { return fmt.Sprintf("the target of %q: %v", e.subject, e.err) }

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
		return fmt.Sprintf("collector %s did not run (no record in the snapshot: an older mlscan wrote it, or --collectors left it out; rescan with this mlscan)", parts[0])
	}
	if st := snapshot.Status(str(col["status"])); st != snapshot.StatusOK {
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
			if st, has := sub["status"]; has && st != string(snapshot.StatusOK) {
				return fmt.Sprintf("%s: %v%s", strings.Join(parts[:i+1], "."), st, withErr(sub))
			}
		}
	}
	return ""
}

// withErr is " (error)" when m records an error, else "".
func withErr(m map[string]any) string {
	if e := str(m["error"]); e != "" {
		return " (" + e + ")"
	}
	return ""
}

// dig is the value at keys in nested objects, nil when a key is
// missing or a value on the way is not an object (also used by diff.go).
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

// str is v when it is a string, else "".
func str(v any) string {
	s, _ := v.(string)
	return s
}

// toFloat is v (float64, int or json.Number) as a float64.
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
