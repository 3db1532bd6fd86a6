package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// Fleet writes the summary of many hosts (mlscan eval --fleet): one row
// per host, worst host first, with each rule's worst status on it, then
// each rule with the hosts it fails on. Format is table, json or markdown.
type Fleet struct {
	Options
	Format string
}

var _ Reporter = (*Fleet)(nil)

// fleetFormats are the formats with a fleet summary; the others (sarif,
// prometheus) already hold every host.
var fleetFormats = map[string]bool{"table": true, "json": true, "markdown": true}

// IsFleetFormat says whether a format has a fleet summary.
func IsFleetFormat(name string) bool { return fleetFormats[name] }

// NewFleet returns the fleet summary writer of a format, or the format's
// own reporter (New) when it has no fleet summary.
func NewFleet(name string, opt Options) (Reporter, error) {
	if fleetFormats[name] {
		return &Fleet{Options: opt, Format: name}, nil
	}
	return New(name, opt)
}

// FleetSummary is the JSON fleet summary.
type FleetSummary struct {
	SchemaVersion int `json:"schema_version"`
	// Hosts are sorted worst first: most critical failures, then high,
	// medium, low, info, then errors and unknowns, then by name.
	Hosts []FleetHost `json:"hosts"`
	// Rules are sorted worst first: most hosts failing, then severity, id.
	Rules  []FleetRule      `json:"rules"`
	Totals FleetTotals      `json:"totals"`
	Tool   scanner.ToolInfo `json:"tool"`
}

// FleetTotals counts hosts by their worst status.
type FleetTotals struct {
	Hosts        int `json:"hosts"`
	Failing      int `json:"failing"`
	ErrorUnknown int `json:"error_or_unknown"`
	Clean        int `json:"clean"`
	// Findings counts failures by severity over every host.
	Findings map[scanner.Severity]int `json:"failures_by_severity"`
}

// FleetHost is one host's line of the summary.
type FleetHost struct {
	Host      string          `json:"host"`
	ScannedAt time.Time       `json:"scanned_at"`
	IsRoot    bool            `json:"is_root"`
	Summary   scanner.Summary `json:"summary"`
	// Compliance is pass ÷ (pass + fail) over the rules with a verdict,
	// in percent, as in the Markdown report; nil when no rule has one.
	Compliance *float64 `json:"compliance"`
	// Rules holds each rule's worst status on the host and how many of
	// its subjects fail.
	Rules map[string]FleetCell `json:"rules"`
	// Collectors lists the collectors that did not run fine ("docker:
	// unavailable").
	Collectors []string `json:"collectors_not_ok,omitempty"`
}

// FleetCell is one rule on one host.
type FleetCell struct {
	Status  scanner.Status `json:"status"`
	Failing int            `json:"failing,omitempty"`
	// Subjects are the failing subjects.
	Subjects []string `json:"failing_subjects,omitempty"`
}

// FleetRule is one rule across the fleet: how many hosts have each worst
// status, and which hosts fail it. Severity is the highest severity of its
// failures (a rule may rate each finding), else the rule's own.
type FleetRule struct {
	ID       string                 `json:"id"`
	Title    string                 `json:"title"`
	Severity scanner.Severity       `json:"severity"`
	Hosts    map[scanner.Status]int `json:"hosts_by_status"`
	Failing  []string               `json:"failing_hosts"`

	failed bool
}

// Summarize builds the fleet summary of the reports.
func (f *Fleet) Summarize(reports []*scanner.Report) *FleetSummary {
	s := &FleetSummary{SchemaVersion: 1, Totals: FleetTotals{Hosts: len(reports), Findings: map[scanner.Severity]int{}}}
	for _, sv := range scanner.Severities {
		s.Totals.Findings[sv] = 0
	}
	rules := map[string]*FleetRule{}
	worst := make([][]int, len(reports))
	for i, r := range reports {
		if i == 0 {
			s.Tool = r.Tool
		}
		h := FleetHost{Host: r.Host, ScannedAt: r.ScannedAt, IsRoot: r.IsRoot, Summary: r.Summary, Rules: map[string]FleetCell{}}
		if _, _, pct, ok := Compliance(r); ok {
			h.Compliance = &pct
		}
		for _, name := range sortedKeys(r.Collectors) {
			if c := r.Collectors[name]; collectorStatus(c) != snapshot.StatusOK {
				h.Collectors = append(h.Collectors, name+": "+string(c.Status))
			}
		}
		for _, c := range controlsOf(r) {
			cell := FleetCell{Status: c.worst}
			for _, res := range c.results {
				if res.Status == scanner.StatusFail {
					cell.Failing++
					cell.Subjects = append(cell.Subjects, res.Subject)
				}
			}
			if cell.Status == "" {
				continue
			}
			h.Rules[c.check.ID] = cell
			fr := rules[c.check.ID]
			if fr == nil {
				fr = &FleetRule{ID: c.check.ID, Title: c.check.Title, Severity: c.check.Severity, Hosts: map[scanner.Status]int{}, Failing: []string{}}
				rules[c.check.ID] = fr
			}
			fr.Hosts[cell.Status]++
			if cell.Status == scanner.StatusFail {
				fr.Failing = append(fr.Failing, r.Host)
				if !fr.failed {
					fr.Severity, fr.failed = "", true
				}
				for _, res := range c.results {
					if res.Status == scanner.StatusFail && res.Severity.Rank() > fr.Severity.Rank() {
						fr.Severity = res.Severity
					}
				}
			}
		}
		for _, sv := range scanner.Severities {
			s.Totals.Findings[sv] += r.Summary.BySeverity[sv]
		}
		switch {
		case r.Summary.ByStatus[scanner.StatusFail] > 0:
			s.Totals.Failing++
		case r.Summary.ByStatus[scanner.StatusError]+r.Summary.ByStatus[scanner.StatusUnknown] > 0:
			s.Totals.ErrorUnknown++
		default:
			s.Totals.Clean++
		}
		s.Hosts = append(s.Hosts, h)
		worst[i] = hostBadness(r)
	}
	idx := make([]int, len(reports))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := worst[idx[a]], worst[idx[b]]
		for k := range x {
			if x[k] != y[k] {
				return x[k] > y[k]
			}
		}
		return reports[idx[a]].Host < reports[idx[b]].Host
	})
	sorted := make([]FleetHost, len(idx))
	for i, j := range idx {
		sorted[i] = s.Hosts[j]
	}
	s.Hosts = sorted
	if s.Hosts == nil {
		s.Hosts = []FleetHost{}
	}
	for _, fr := range rules {
		sort.Strings(fr.Failing)
		s.Rules = append(s.Rules, *fr)
	}
	sort.Slice(s.Rules, func(i, j int) bool {
		a, b := s.Rules[i], s.Rules[j]
		if len(a.Failing) != len(b.Failing) {
			return len(a.Failing) > len(b.Failing)
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		return a.ID < b.ID
	})
	if s.Rules == nil {
		s.Rules = []FleetRule{}
	}
	return s
}

// hostBadness orders hosts: failures by severity, highest first, then
// errors and unknowns.
func hostBadness(r *scanner.Report) []int {
	var out []int
	for _, sv := range scanner.Severities {
		out = append(out, r.Summary.BySeverity[sv])
	}
	return append(out, r.Summary.ByStatus[scanner.StatusError], r.Summary.ByStatus[scanner.StatusUnknown])
}

// Write implements Reporter.
func (f *Fleet) Write(w io.Writer, reports []*scanner.Report) error {
	s := f.Summarize(reports)
	switch f.Format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(s)
	case "markdown":
		_, err := io.WriteString(w, fleetMarkdown(s))
		return err
	case "table":
		return f.table(w, s)
	}
	return fmt.Errorf("no fleet summary in format %q", f.Format)
}

// ruleColumns splits the rules, in id order, into those with a status
// other than pass or not applicable on some host (the columns of the
// hosts × rules tables) and those that pass everywhere.
func (s *FleetSummary) ruleColumns() (shown, clean []string) {
	for _, r := range s.Rules {
		if r.Hosts[scanner.StatusPass]+r.Hosts[scanner.StatusNotApplicable] == s.Totals.Hosts {
			clean = append(clean, r.ID)
		} else {
			shown = append(shown, r.ID)
		}
	}
	sort.Strings(shown)
	sort.Strings(clean)
	return shown, clean
}

func shortIDs(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = shortID(id)
	}
	return strings.Join(out, ", ")
}

// shortID drops the common "MLS-" prefix for narrow columns.
func shortID(id string) string { return strings.TrimPrefix(id, "MLS-") }

// cellText renders a rule's worst status on a host.
func cellText(c FleetCell, ok bool) string {
	if !ok {
		return "-"
	}
	switch c.Status {
	case scanner.StatusFail:
		return fmt.Sprintf("FAIL %d", c.Failing)
	case scanner.StatusError:
		return "ERROR"
	case scanner.StatusNotApplicable:
		return "n/a"
	}
	return string(c.Status)
}

func complianceText(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f %%", *p)
}

func failText(s scanner.Summary) string {
	return fmt.Sprintf("%d (%d/%d/%d/%d/%d)", s.ByStatus[scanner.StatusFail], s.BySeverity[scanner.SeverityCritical], s.BySeverity[scanner.SeverityHigh],
		s.BySeverity[scanner.SeverityMedium], s.BySeverity[scanner.SeverityLow], s.BySeverity[scanner.SeverityInfo])
}

func (f *Fleet) table(w io.Writer, s *FleetSummary) error {
	t := s.Totals
	fmt.Fprintf(w, "mlscan fleet · %d hosts: %d failing, %d with unknowns or errors, %d clean · failures %d critical, %d high, %d medium, %d low, %d info\n",
		t.Hosts, t.Failing, t.ErrorUnknown, t.Clean, t.Findings[scanner.SeverityCritical], t.Findings[scanner.SeverityHigh],
		t.Findings[scanner.SeverityMedium], t.Findings[scanner.SeverityLow], t.Findings[scanner.SeverityInfo])
	ids, clean := s.ruleColumns()
	tw := table.NewWriter()
	tw.SetOutputMirror(w)
	tw.SetStyle(table.StyleLight)
	tw.Style().Color = table.ColorOptions{}
	head := table.Row{"Host", "Compliance", "Fail (c/h/m/l/i)", "Unknown"}
	for _, id := range ids {
		head = append(head, shortID(id))
	}
	tw.AppendHeader(head)
	tw.SetColumnConfigs([]table.ColumnConfig{{Number: 1, WidthMax: 24}})
	for _, h := range s.Hosts {
		row := table.Row{sanitize(h.Host), complianceText(h.Compliance), failText(h.Summary), h.Summary.ByStatus[scanner.StatusUnknown]}
		for _, id := range ids {
			c, ok := h.Rules[id]
			row = append(row, cellText(c, ok))
		}
		tw.AppendRow(row)
	}
	tw.Render()
	if len(clean) > 0 {
		fmt.Fprintf(w, "Pass (or do not apply) on every host, not shown: %s\n", shortIDs(clean))
	}
	for _, r := range s.Rules {
		if len(r.Failing) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%s) fails on %d of %d hosts: %s\n", r.ID, r.Severity, len(r.Failing), t.Hosts, sanitize(hostList(r.Failing, 10)))
	}
	return nil
}

// hostList joins host names, at most n of them.
func hostList(hosts []string, n int) string {
	if len(hosts) <= n {
		return strings.Join(hosts, ", ")
	}
	return strings.Join(hosts[:n], ", ") + fmt.Sprintf(" and %d more", len(hosts)-n)
}

func fleetMarkdown(s *FleetSummary) string {
	var b strings.Builder
	f := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	t := s.Totals
	f("# mlscan fleet summary\n\n")
	f("| Item | Value |\n| --- | --- |\n")
	f("| Hosts | %d |\n| Failing | %d |\n| With unknowns or errors (no failure) | %d |\n| Clean | %d |\n", t.Hosts, t.Failing, t.ErrorUnknown, t.Clean)
	f("| Failures by severity | %d critical, %d high, %d medium, %d low, %d info |\n", t.Findings[scanner.SeverityCritical], t.Findings[scanner.SeverityHigh],
		t.Findings[scanner.SeverityMedium], t.Findings[scanner.SeverityLow], t.Findings[scanner.SeverityInfo])
	if s.Tool.Version != "" {
		f("| mlscan version | %s |\n", mdText(s.Tool.Version))
	}
	f("\n## Hosts × rules\n\nWorst host first. A cell is the rule's worst status on the host (FAIL n: n failing subjects; - : not evaluated).")
	ids, clean := s.ruleColumns()
	if len(clean) > 0 {
		f(" Rules that pass (or do not apply) on every host are not shown: %s.", mdText(shortIDs(clean)))
	}
	f("\n\n")
	f("| Host | Scanned at | Compliance | Fail (c/h/m/l/i) | Unknown |")
	for _, id := range ids {
		f(" %s |", mdText(shortID(id)))
	}
	f(" Not collected |\n|%s\n", strings.Repeat(" --- |", 6+len(ids)))
	for _, h := range s.Hosts {
		at := "unknown"
		if !h.ScannedAt.IsZero() {
			at = h.ScannedAt.UTC().Format("2006-01-02 15:04Z")
		}
		f("| %s | %s | %s | %s | %d |", mdText(h.Host), at, complianceText(h.Compliance), failText(h.Summary), h.Summary.ByStatus[scanner.StatusUnknown])
		for _, id := range ids {
			c, ok := h.Rules[id]
			txt := cellText(c, ok)
			if ok && c.Status == scanner.StatusFail {
				txt = "**" + txt + "**"
			}
			f(" %s |", txt)
		}
		f(" %s |\n", mdText(strings.Join(h.Collectors, "; ")))
	}
	f("\n## Rules\n\nMost hosts failing first.\n\n| Rule | Severity | Title | Hosts failing | Error | Unknown | Waived | Pass | Not applicable |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range s.Rules {
		f("| %s | %s | %s | %d | %d | %d | %d | %d | %d |\n", mdText(r.ID), r.Severity, mdText(r.Title), len(r.Failing), r.Hosts[scanner.StatusError],
			r.Hosts[scanner.StatusUnknown], r.Hosts[scanner.StatusWaived], r.Hosts[scanner.StatusPass], r.Hosts[scanner.StatusNotApplicable])
	}
	f("\n## Failing hosts by rule\n\n")
	listed := false
	for _, r := range s.Rules {
		if len(r.Failing) == 0 {
			continue
		}
		listed = true
		f("### %s %s (%s)\n\n", mdText(r.ID), mdText(r.Title), r.Severity)
		for _, h := range s.Hosts {
			c, ok := h.Rules[r.ID]
			if !ok || c.Status != scanner.StatusFail {
				continue
			}
			subj := make([]string, len(c.Subjects))
			for i, x := range c.Subjects {
				subj[i] = mdText(x)
			}
			f("- %s: %s\n", mdText(h.Host), strings.Join(subj, ", "))
		}
		f("\n")
	}
	if !listed {
		f("No rule fails on any host.\n")
	}
	return b.String()
}
