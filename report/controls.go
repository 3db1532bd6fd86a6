package report

import (
	"sort"

	"github.com/mlscan/mlscan/scanner"
)

// control is one check with its results and worst status.
type control struct {
	check   scanner.Check
	worst   scanner.Status
	results []*scanner.Result
}

// controlsOf groups the results by check, in check id order; a rule a result
// names that the report's checks lack (a report read back from JSON) is
// listed too.
func controlsOf(r *scanner.Report) []*control {
	byID := map[string]*control{}
	var out []*control
	for _, ch := range r.Checks {
		c := &control{check: ch}
		byID[ch.ID] = c
		out = append(out, c)
	}
	for i := range r.Results {
		res := &r.Results[i]
		c, ok := byID[res.RuleID]
		if !ok {
			c = &control{check: scanner.Check{ID: res.RuleID, Title: res.Title, Severity: res.Severity, Remediation: res.Remediation, References: res.References}}
			byID[res.RuleID] = c
			out = append(out, c)
		}
		c.results = append(c.results, res)
		if c.worst == "" || statusIndex(res.Status) < statusIndex(c.worst) {
			c.worst = res.Status
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].check.ID < out[j].check.ID })
	return out
}

// statusIndex ranks a status as scanner.Statuses does (worst first).
func statusIndex(s scanner.Status) int {
	for i, v := range scanner.Statuses {
		if v == s {
			return i
		}
	}
	return len(scanner.Statuses)
}

// Compliance is pass / (pass + fail) over the controls whose worst result
// is a pass or a fail: a control with any unwaived failure fails, one whose
// results all pass passes, and controls that are waived, unknown, in error
// or not applicable have no verdict and are left out. ok is false when no
// control has a verdict.
func Compliance(r *scanner.Report) (pass, fail int, pct float64, ok bool) {
	for _, c := range controlsOf(r) {
		switch c.worst {
		case scanner.StatusPass:
			pass++
		case scanner.StatusFail:
			fail++
		}
	}
	if pass+fail == 0 {
		return 0, 0, 0, false
	}
	return pass, fail, 100 * float64(pass) / float64(pass+fail), true
}

// statusLabel is a status as the reports print it ("not applicable").
func statusLabel(s scanner.Status) string {
	switch s {
	case scanner.StatusNotApplicable:
		return "not applicable"
	}
	return string(s)
}
