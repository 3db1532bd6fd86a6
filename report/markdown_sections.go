package report

import (
	"fmt"
	"strings"

	"github.com/mlscan/mlscan/scanner"
)

// failures writes every unwaived failure by severity, worst first, the
// same finding on several addresses of one port as one entry.
func (d *mdDoc) failures() {
	r := d.r
	n := r.Summary.ByStatus[scanner.StatusFail]
	d.f("## Failures (%d)\n\n", n)
	if n == 0 {
		d.f("No unwaived failure.\n\n")
		return
	}
	num := 0
	for _, sv := range scanner.Severities {
		var list []*scanner.Result
		for i := range r.Results {
			if res := &r.Results[i]; res.Status == scanner.StatusFail && res.Severity == sv {
				list = append(list, res)
			}
		}
		if len(list) == 0 {
			continue
		}
		d.f("### %s (%d)\n\n", capitalize(string(sv)), len(list))
		for _, g := range groupByAddress(list) {
			num++
			res := g.results[0]
			if len(g.results) == 1 {
				d.f("#### %d. %s: %s\n\n", num, res.RuleID, mdText(res.Subject))
			} else {
				d.f("#### %d. %s: port %d on %s\n\n", num, res.RuleID, g.port, mdText(strings.Join(g.addrs, ", ")))
			}
			d.f("*%s*\n\n", mdText(res.Title))
			d.f("- **Finding:** %s\n", mdText(g.finding()))
			d.evidence(g.evidence())
			if where := d.where(res); where != "" {
				d.f("- **Location:** %s\n", g.likewise(where))
			}
			if res.Remediation != "" {
				d.f("- **Remediation:** %s\n", mdTrusted(g.likewise(res.Remediation)))
			}
			if len(res.References) > 0 {
				d.f("- **References:** %s\n", mdReferences(res.References))
			}
			d.f("\n")
		}
	}
}

// evidence writes the observed and expected values and their source.
func (d *mdDoc) evidence(e scanner.Evidence) {
	for _, kv := range []struct {
		label string
		v     any
	}{{"Observed", e.Observed}, {"Expected", e.Expected}} {
		vals := evidenceValues(kv.v)
		switch len(vals) {
		case 0:
		case 1:
			d.f("- **%s:** %s\n", kv.label, mdText(vals[0]))
		default:
			d.f("- **%s:**\n", kv.label)
			for _, v := range vals {
				d.f("  - %s\n", mdText(v))
			}
		}
	}
	if e.Source != "" {
		d.f("- **Evidence from:** %s\n", mdText(e.Source))
	}
}

// where shows a result's own location: the repository path and line when
// it maps to one, else the file as the host named it.
func (d *mdDoc) where(res *scanner.Result) string {
	l := res.Location
	if l == nil || l.File == "" {
		return ""
	}
	fl := d.loc.locate(d.r, res)
	var s string
	switch {
	case l.File == scanner.DefaultConfigName:
		s = "the embedded default configuration"
		if l.Line > 0 {
			s += fmt.Sprintf(", line %d", l.Line)
		}
	case fl.Mapped:
		s = fmt.Sprintf("%s line %d", fl.Path, fl.Line)
	default:
		s = l.File
		if l.Line > 0 {
			s += fmt.Sprintf(" line %d", l.Line)
		}
	}
	if l.What != "" {
		s += " (" + l.What + ")"
	}
	return mdText(s)
}

// waivers writes the accepted risks (waived failures with their waiver)
// and the expired and stale waivers.
func (d *mdDoc) waivers() {
	r := d.r
	var waived []*scanner.Result
	for i := range r.Results {
		if r.Results[i].Status == scanner.StatusWaived {
			waived = append(waived, &r.Results[i])
		}
	}
	d.f("## Accepted risks (%d)\n\n", len(waived))
	if len(waived) == 0 && len(r.Waivers) == 0 {
		d.f("No waivers were given (`--waivers FILE`): no failure is accepted as a risk.\n\n")
		return
	}
	if len(waived) == 0 {
		d.f("No failure is waived.\n\n")
	} else {
		d.f("Failures accepted as risks by a current waiver. They are not counted as failures, and each must be reviewed by its expiry date.\n\n")
		d.f("| Rule | Subject | Severity | Owner | Reason | Expires | Ticket | Waiver |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, res := range waived {
			w := res.Waiver
			if w == nil {
				w = &scanner.Waiver{}
			}
			d.f("| %s | %s | %s | %s | %s | %s | %s | %s |\n", mdText(res.RuleID), mdText(res.Subject), res.Severity,
				mdText(w.Owner), mdText(w.Reason), mdText(w.Expires), mdLink(w.Ticket), mdText(waiverWhere(*w)))
		}
		d.f("\n")
	}
	var expired, stale []scanner.WaiverState
	for _, ws := range r.Waivers {
		switch ws.State {
		case scanner.WaiverExpired:
			expired = append(expired, ws)
		case scanner.WaiverStale:
			stale = append(stale, ws)
		}
	}
	if len(expired) > 0 {
		d.f("### Expired waivers (%d)\n\n", len(expired))
		d.f("These waivers are past their expiry date and no longer apply: the failures they match are reported as failures above. Renew them after review, or fix the findings.\n\n")
		d.f("| Rule | Subject pattern | Host pattern | Owner | Reason | Expired | Failures matched | Waiver |\n| --- | --- | --- | --- | --- | --- | ---: | --- |\n")
		for _, ws := range expired {
			d.f("| %s | %s | %s | %s | %s | %s | %d | %s |\n", mdText(ws.RuleID), mdText(ws.Subject), mdText(orAny(ws.Host)),
				mdText(ws.Owner), mdText(ws.Reason), mdText(ws.Expires), ws.Matched, mdText(waiverWhere(ws.Waiver)))
		}
		d.f("\n")
	}
	if len(stale) > 0 {
		d.f("### Stale waivers (%d)\n\n", len(stale))
		d.f("These waivers match no failure on this host: the risk they accept is gone, or their rule or subject pattern is wrong. Remove or correct them.\n\n")
		d.f("| Rule | Subject pattern | Host pattern | Owner | Reason | Expires | Waiver |\n| --- | --- | --- | --- | --- | --- | --- |\n")
		for _, ws := range stale {
			d.f("| %s | %s | %s | %s | %s | %s | %s |\n", mdText(ws.RuleID), mdText(ws.Subject), mdText(orAny(ws.Host)),
				mdText(ws.Owner), mdText(ws.Reason), mdText(ws.Expires), mdText(waiverWhere(ws.Waiver)))
		}
		d.f("\n")
	}
}

// orAny shows an empty pattern as "(any)".
func orAny(s string) string {
	if s == "" {
		return "(any)"
	}
	return s
}

// waiverWhere is a waiver's file:line, or "" when it has no file.
func waiverWhere(w scanner.Waiver) string {
	if w.File == "" {
		return ""
	}
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d", w.File, w.Line)
	}
	return w.File
}

// couldNotVerify writes the unknown and error results with how to get a
// verdict.
func (d *mdDoc) couldNotVerify() {
	r := d.r
	var list []*scanner.Result
	for i := range r.Results {
		if st := r.Results[i].Status; st == scanner.StatusUnknown || st == scanner.StatusError {
			list = append(list, &r.Results[i])
		}
	}
	d.f("## Could not verify (%d)\n\n", len(list))
	if len(list) == 0 {
		d.f("Every rule reached a verdict.\n\n")
		return
	}
	d.f("These rules have no verdict: missing data is never counted as a pass. The fix says how to get the data.\n\n")
	d.f("| Rule | Subject | Status | Reason | Fix |\n| --- | --- | --- | --- | --- |\n")
	for _, res := range list {
		d.f("| %s | %s | %s | %s | %s |\n", mdText(res.RuleID), mdText(res.Subject), res.Status, mdText(res.Message), mdTrusted(verifyFix(r, res)))
	}
	d.f("\n")
}

// controls writes one row per check with its worst result.
func (d *mdDoc) controls() {
	cs := controlsOf(d.r)
	d.f("## Controls (%d)\n\n", len(cs))
	d.f("Every rule evaluated, with its worst result.\n\n")
	d.f("| Rule | Control | Severity | Status | Results |\n| --- | --- | --- | --- | --- |\n")
	for _, c := range cs {
		counts := map[scanner.Status]int{}
		for _, res := range c.results {
			counts[res.Status]++
		}
		var parts []string
		for _, st := range scanner.Statuses {
			if counts[st] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[st], statusLabel(st)))
			}
		}
		worst := statusLabel(c.worst)
		if c.worst == "" {
			worst = "no result"
		}
		if c.worst == scanner.StatusFail || c.worst == scanner.StatusError {
			worst = "**" + worst + "**"
		}
		d.f("| %s | %s | %s | %s | %s |\n", mdText(c.check.ID), mdText(c.check.Title), c.check.Severity, worst, strings.Join(parts, ", "))
	}
	d.f("\n")
}
