package report

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/mlscan/mlscan/scanner"
)

// securitySeverity is GitHub's numeric severity per mlscan severity: the
// middle of each of GitHub's bands (over 9.0 critical, 7.0-8.9 high,
// 4.0-6.9 medium, 0.1-3.9 low). Info has none: any value in (0, 10] would
// make GitHub show it as at least Low, and 0.0 means "no security
// severity" anyway, so an info rule shows as a Note (its level).
var securitySeverity = map[scanner.Severity]string{
	scanner.SeverityCritical: "9.5",
	scanner.SeverityHigh:     "8.0",
	scanner.SeverityMedium:   "5.5",
	scanner.SeverityLow:      "2.0",
}

// sarifLevel maps a severity to a SARIF level: error for critical and
// high, warning for medium, note for low and info.
func sarifLevel(s scanner.Severity) string {
	switch s {
	case scanner.SeverityCritical, scanner.SeverityHigh:
		return "error"
	case scanner.SeverityMedium:
		return "warning"
	}
	return "note"
}

// problemSeverity is the non-security severity GitHub reads from
// properties.problem.severity.
func problemSeverity(s scanner.Severity) string {
	switch s {
	case scanner.SeverityCritical, scanner.SeverityHigh:
		return "error"
	case scanner.SeverityMedium:
		return "warning"
	}
	return "recommendation"
}

// ruleSet is the run's rules, sorted by id, with their indexes.
type ruleSet struct {
	rules  []*sarif.ReportingDescriptor
	index  map[string]int
	checks map[string]scanner.Check
}

// newRuleSet builds a rule per check (the report's checks, plus any rule a
// result names that they lack, as for a report read back from JSON) and a
// rule per severity variant a failure needs: GitHub's security severity is
// per rule, so a failure whose severity differs from its check's (MLS-EXP-001
// is critical for Redis, medium for a metrics port) gets the rule
// "<id>/<severity>", a SARIF hierarchical sub-rule of the check.
func newRuleSet(r *scanner.Report) *ruleSet {
	rs := &ruleSet{index: map[string]int{}, checks: map[string]scanner.Check{}}
	for _, ch := range r.Checks {
		rs.checks[ch.ID] = ch
	}
	for _, res := range r.Results {
		if _, ok := rs.checks[res.RuleID]; !ok {
			rs.checks[res.RuleID] = scanner.Check{ID: res.RuleID, Title: res.Title, Severity: res.Severity, Remediation: res.Remediation, References: res.References}
		}
	}
	type entry struct {
		id  string
		ch  scanner.Check
		sev scanner.Severity
	}
	var all []entry
	for id, ch := range rs.checks {
		all = append(all, entry{id, ch, ch.Severity})
	}
	variants := map[string]bool{}
	for _, res := range r.Results {
		if res.Status != scanner.StatusFail {
			continue
		}
		if id := rs.idFor(&res); id != res.RuleID && !variants[id] {
			variants[id] = true
			all = append(all, entry{id, rs.checks[res.RuleID], res.Severity})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	rs.rules = make([]*sarif.ReportingDescriptor, 0, len(all))
	for i, e := range all {
		rs.index[e.id] = i
		rs.rules = append(rs.rules, sarifRule(e.id, e.ch, e.sev))
	}
	return rs
}

// idFor returns the SARIF rule id of a result: its check's id, or the
// severity variant when the result's severity differs from the check's.
func (rs *ruleSet) idFor(res *scanner.Result) string {
	ch, ok := rs.checks[res.RuleID]
	if !ok || res.Severity == "" || res.Severity == ch.Severity {
		return res.RuleID
	}
	return res.RuleID + "/" + string(res.Severity)
}

// sarifRule describes a check (at severity sev) as a SARIF rule.
func sarifRule(id string, ch scanner.Check, sev scanner.Severity) *sarif.ReportingDescriptor {
	title := oneLine(ch.Title)
	if title == "" {
		title = ch.ID
	}
	desc := oneLine(ch.Description)
	if desc == "" {
		desc = title + "."
	}
	if id != ch.ID {
		desc = fmt.Sprintf("%s This is %s's rule for the findings it rates %s (the check's default is %s).", desc, ch.ID, sev, ch.Severity)
	}
	name := ruleName(title)
	if id != ch.ID {
		name += capitalize(string(sev))
	}

	var text, md strings.Builder
	fmt.Fprintf(&text, "%s\n\n%s\n\nSeverity: %s.", title, desc, sev)
	fmt.Fprintf(&md, "**%s** (severity %s)\n\n%s\n\n", mdText(title), sev, mdTrusted(desc))
	if ch.Remediation != "" {
		fmt.Fprintf(&text, "\n\nRemediation: %s", oneLine(ch.Remediation))
		fmt.Fprintf(&md, "**Remediation:** %s\n\n", mdTrusted(oneLine(ch.Remediation)))
	}
	if len(ch.References) > 0 {
		text.WriteString("\n\nReferences:")
		md.WriteString("**References:**\n\n")
		for _, ref := range ch.References {
			fmt.Fprintf(&text, "\n- %s", oneLine(ref))
			fmt.Fprintf(&md, "- %s\n", mdReference(ref))
		}
		md.WriteString("\n")
	}
	fmt.Fprintf(&md, "Rule `%s` of mlscan; waive an accepted finding by this id in a `--waivers` file.", ch.ID)

	props := sarif.Properties{
		"tags":             ruleTags(ch),
		"precision":        "high",
		"problem.severity": problemSeverity(sev),
	}
	if v, ok := securitySeverity[sev]; ok {
		props["security-severity"] = v
	}
	return &sarif.ReportingDescriptor{
		ID:                   id,
		Name:                 strPtr(name),
		ShortDescription:     &sarif.MultiformatMessageString{Text: strPtr(truncate(title, sarifMaxText))},
		FullDescription:      &sarif.MultiformatMessageString{Text: strPtr(truncate(desc, sarifMaxText))},
		DefaultConfiguration: &sarif.ReportingConfiguration{Level: sarifLevel(sev)},
		HelpURI:              strPtr(helpURI(ch)),
		Help:                 &sarif.MultiformatMessageString{Text: strPtr(text.String()), Markdown: strPtr(md.String())},
		Properties:           props,
	}
}

// helpURI links an embedded check to its Rego source, any other to the
// README's checks table.
func helpURI(ch scanner.Check) string {
	if strings.HasPrefix(ch.File, "policies/") && strings.HasSuffix(ch.File, ".rego") && !strings.Contains(ch.File, "..") {
		return InformationURI + "/blob/main/" + escapeURIPath(ch.File)
	}
	return InformationURI + "#checks"
}

// ruleTags are a rule's tags: security, its area, and cis / cve when its
// references cite a CIS Benchmark or a CVE. At most 10, unique.
func ruleTags(ch scanner.Check) []string {
	tags := []string{"security", areaOf(ch.ID).tag}
	var cis, cve bool
	for _, ref := range ch.References {
		u := strings.ToUpper(ref)
		cis = cis || strings.HasPrefix(u, "CIS")
		cve = cve || strings.Contains(u, "CVE-")
	}
	if cis {
		tags = append(tags, "cis")
	}
	if cve {
		tags = append(tags, "cve")
	}
	if len(tags) > sarifMaxTags {
		tags = tags[:sarifMaxTags]
	}
	return tags
}

// ruleName makes an identifier-like rule name from a title:
// "No privileged containers" → "NoPrivilegedContainers".
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(capitalize(w))
	}
	if b.Len() == 0 {
		return "Rule"
	}
	return truncate(b.String(), sarifMaxName)
}
