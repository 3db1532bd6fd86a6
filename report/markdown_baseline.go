package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/mlscan/mlscan/scanner"
)

// writeBaselineSection writes the "Changes since the last review" section
// of the Markdown report (--baseline): what newly fails, what was resolved,
// what still fails, other status changes, and the inventory drift behind
// them. A nil diff writes nothing.
func writeBaselineSection(w io.Writer, d *scanner.Diff) error {
	if d == nil {
		return nil
	}
	var b strings.Builder
	b.WriteString("## Changes since the last review\n\n")
	writeDiffBody(&b, d, "###")
	_, err := io.WriteString(w, b.String())
	return err
}

// baselineFor returns the changes of report r since the --baseline
// evaluation of the same host, or nil.
func (o Options) baselineFor(r *scanner.Report) *scanner.Diff {
	if o.Baseline == nil {
		return nil
	}
	return o.Baseline[r.Host]
}

// writeDiffBody renders a diff in Markdown with headings at level h
// ("##", "###"): the comparison, the counts, one table per kind of change
// and the inventory drift.
func writeDiffBody(b *strings.Builder, d *scanner.Diff, h string) {
	f := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	f("Compared with the evaluation of %s at %s%s with that of %s at %s%s.\n\n",
		mdText(orUnknown(d.Old.Host)), diffTime(d.Old), diffSource(d.Old), mdText(orUnknown(d.New.Host)), diffTime(d.New), diffSource(d.New))
	for _, n := range d.Notes {
		f("> **Note:** %s.\n\n", mdText(n))
	}
	s := d.Summary
	f("| Change | Results |\n| --- | --- |\n")
	f("| Newly failing | %d |\n| Resolved | %d |\n| Still failing | %d |\n| Other status changes | %d |\n", s.NewlyFailing, s.Resolved, s.StillFailing, s.Changed)
	f("| New subjects without failure | %d |\n| Subjects gone without failure | %d |\n", s.Appeared, s.Disappeared)
	if d.Inventory != nil {
		f("| Inventory changes | %d |\n", d.Inventory.Len())
	}
	f("\n")

	f("%s Newly failing\n\n", h)
	changeTable(b, d.NewlyFailing, true, d.Inventory != nil)
	f("%s Resolved\n\n", h)
	changeTable(b, d.Resolved, true, d.Inventory != nil)
	f("%s Other status changes\n\n", h)
	changeTable(b, d.Changed, true, d.Inventory != nil)
	f("%s Still failing\n\n", h)
	changeTable(b, d.StillFailing, false, false)

	f("%s Inventory drift\n\n", h)
	if d.Inventory == nil {
		f("Not compared: inventory drift needs two snapshots, and at least one side is a result file.\n\n")
		return
	}
	inv := d.Inventory
	if inv.Len() == 0 {
		f("No listener, UFW rule, UFW setting or container changed.\n\n")
	} else {
		f("| Change | Kind | Item | Details |\n| --- | --- | --- | --- |\n")
		for _, c := range inv.All() {
			f("| %s | %s | %s | %s |\n", c.Change, inventoryKind(c.Kind), mdText(c.Item), mdText(fieldsText(c.Fields)))
		}
		f("\n")
	}
	for _, n := range inv.Notes {
		f("- %s\n", mdText(n))
	}
	if len(inv.Notes) > 0 {
		f("\n")
	}
}

// changeTable writes one table of result changes, or "None.".
func changeTable(b *strings.Builder, cs []scanner.ResultChange, statuses, causes bool) {
	if len(cs) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	b.WriteString("| Severity | Rule | Subject |")
	if statuses {
		b.WriteString(" Was | Now |")
	}
	b.WriteString(" Finding |")
	if causes {
		b.WriteString(" Behind it |")
	}
	b.WriteString("\n|" + strings.Repeat(" --- |", 4+2*b2i(statuses)+b2i(causes)) + "\n")
	for _, c := range cs {
		fmt.Fprintf(b, "| %s | %s | %s |", c.Severity, mdText(c.RuleID), mdText(c.Subject))
		if statuses {
			fmt.Fprintf(b, " %s | %s |", statusOrAbsent(c.Old), statusOrAbsent(c.New))
		}
		fmt.Fprintf(b, " %s |", mdText(c.Message))
		if causes {
			var cs []string
			for _, x := range c.Causes {
				cs = append(cs, mdText(x.String()))
			}
			if len(cs) == 0 {
				cs = []string{"no inventory change found"}
			}
			fmt.Fprintf(b, " %s |", strings.Join(cs, "<br>"))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

func statusOrAbsent(s scanner.Status) string {
	if s == "" {
		return "(no result)"
	}
	return string(s)
}

func inventoryKind(k string) string {
	switch k {
	case "ufw_rule":
		return "UFW rule"
	case "firewall":
		return "UFW setting"
	}
	return k
}

func fieldsText(fs []scanner.FieldChange) string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s: %s → %s", f.Field, orNoneText(f.Old), orNoneText(f.New)))
	}
	return strings.Join(out, "; ")
}

func orNoneText(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown host)"
	}
	return s
}

func diffTime(s scanner.DiffSide) string {
	if s.ScannedAt.IsZero() {
		return "an unknown time"
	}
	return s.ScannedAt.UTC().Format("2006-01-02 15:04:05 UTC")
}

func diffSource(s scanner.DiffSide) string {
	if s.Source == "" {
		return ""
	}
	kind := "result file"
	if s.Kind == scanner.KindSnapshot {
		kind = "snapshot"
	}
	return fmt.Sprintf(" (%s %s)", kind, mdText(s.Source))
}
