package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/mlscan/mlscan/scanner"
)

// DiffWriter writes the drift between two evaluations of a host.
type DiffWriter interface {
	WriteDiff(w io.Writer, d *scanner.Diff) error
}

var diffFormats = map[string]func(Options) DiffWriter{
	"table":    func(o Options) DiffWriter { return &DiffTable{Options: o} },
	"json":     func(Options) DiffWriter { return &DiffJSON{} },
	"markdown": func(Options) DiffWriter { return &DiffMarkdown{} },
}

// DiffFormats lists the format names NewDiff accepts, sorted.
func DiffFormats() []string {
	var n []string
	for k := range diffFormats {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// NewDiff returns the drift writer for a format name; an unknown name is
// an error that lists the valid ones.
func NewDiff(name string, opt Options) (DiffWriter, error) {
	f, ok := diffFormats[name]
	if !ok {
		return nil, fmt.Errorf("unknown diff format %q (valid: %s)", name, strings.Join(DiffFormats(), ", "))
	}
	return f(opt), nil
}

// DiffJSON writes the drift as one JSON object (scanner.Diff).
type DiffJSON struct{}

var _ DiffWriter = (*DiffJSON)(nil)

// WriteDiff implements DiffWriter.
func (*DiffJSON) WriteDiff(w io.Writer, d *scanner.Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// DiffMarkdown writes the drift as a Markdown document, the same body as
// the "Changes since the last review" section of the Markdown report.
type DiffMarkdown struct{}

var _ DiffWriter = (*DiffMarkdown)(nil)

// WriteDiff implements DiffWriter.
func (*DiffMarkdown) WriteDiff(w io.Writer, d *scanner.Diff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# mlscan drift: %s\n\n", mdText(orUnknown(d.New.Host)))
	writeDiffBody(&b, d, "##")
	_, err := io.WriteString(w, b.String())
	return err
}

// DiffTable writes the drift for a terminal: the counts, one table per
// kind of change with the inventory changes behind each, the inventory
// drift and the notes.
type DiffTable struct {
	Options
}

var _ DiffWriter = (*DiffTable)(nil)

// WriteDiff implements DiffWriter.
func (t *DiffTable) WriteDiff(w io.Writer, d *scanner.Diff) error {
	fmt.Fprintf(w, "mlscan diff · host %s · %s → %s\n", sanitize(orUnknown(d.New.Host)), tableTime(d.Old), tableTime(d.New))
	s := d.Summary
	fmt.Fprintf(w, "%d newly failing, %d resolved, %d still failing, %d other status changes", s.NewlyFailing, s.Resolved, s.StillFailing, s.Changed)
	if d.Inventory != nil {
		fmt.Fprintf(w, "; %d inventory changes", d.Inventory.Len())
	}
	fmt.Fprintln(w)
	for _, n := range d.Notes {
		fmt.Fprintf(w, "Note: %s.\n", sanitize(n))
	}
	width := 70
	if t.Width > 0 {
		width = max(30, t.Width-60)
	}
	for _, sec := range []struct {
		title  string
		cs     []scanner.ResultChange
		causes bool
	}{
		{"Newly failing", d.NewlyFailing, true},
		{"Resolved", d.Resolved, true},
		{"Other status changes", d.Changed, true},
		{"Still failing", d.StillFailing, false},
	} {
		if len(sec.cs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", sec.title, len(sec.cs))
		tw := table.NewWriter()
		tw.SetOutputMirror(w)
		tw.SetStyle(table.StyleLight)
		tw.Style().Color = table.ColorOptions{}
		tw.AppendHeader(table.Row{"Severity", "Rule", "Subject", "Was → now", "Finding"})
		tw.SetColumnConfigs([]table.ColumnConfig{{Number: 3, WidthMax: 28}, {Number: 5, WidthMax: width}})
		for _, c := range sec.cs {
			msg := sanitize(c.Message)
			if sec.causes && d.Inventory != nil {
				if len(c.Causes) == 0 {
					msg += "\nbehind it: no inventory change found"
				}
				for _, x := range c.Causes {
					msg += "\nbehind it: " + sanitize(x.String())
				}
			}
			tw.AppendRow(table.Row{string(c.Severity), c.RuleID, wrap(sanitize(c.Subject), 28),
				statusOrAbsent(c.Old) + " → " + statusOrAbsent(c.New), wrap(msg, width)})
		}
		tw.Render()
	}
	if d.Inventory == nil {
		fmt.Fprintln(w, "\nInventory drift not compared: it needs two snapshots, and at least one side is a result file.")
		return nil
	}
	fmt.Fprintf(w, "\nInventory drift (%d)\n", d.Inventory.Len())
	sign := map[string]string{scanner.ChangeAdded: "+", scanner.ChangeRemoved: "-", scanner.ChangeChanged: "~"}
	for _, c := range d.Inventory.All() {
		fmt.Fprintf(w, "  %s %s\n", sign[c.Change], sanitize(c.String()))
	}
	if d.Inventory.Len() == 0 {
		fmt.Fprintln(w, "  no listener, UFW rule, UFW setting or container changed")
	}
	for _, n := range d.Inventory.Notes {
		fmt.Fprintf(w, "  (%s)\n", sanitize(n))
	}
	return nil
}

func tableTime(s scanner.DiffSide) string {
	if s.ScannedAt.IsZero() {
		return "unknown time"
	}
	return s.ScannedAt.UTC().Format("2006-01-02 15:04:05Z07:00")
}
