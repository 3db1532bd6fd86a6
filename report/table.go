package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// Table writes a terminal table grouped by status, worst first, with the
// evidence under each failure and a one-line summary.
type Table struct {
	Options
}

var _ Reporter = (*Table)(nil)

// Write implements Reporter.
func (t *Table) Write(w io.Writer, reports []*scanner.Report) error {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := t.one(w, r); err != nil {
			return err
		}
	}
	return nil
}

func (t *Table) one(w io.Writer, r *scanner.Report) error {
	root := "not root"
	if r.IsRoot {
		root = "root"
	}
	fmt.Fprintf(w, "mlscan %s · host %s · %s · %s\n", r.Tool.Version, sanitize(r.Host), r.ScannedAt.Format("2006-01-02 15:04:05Z07:00"), root)
	for _, name := range sortedKeys(r.Collectors) {
		if c := r.Collectors[name]; collectorStatus(c) != snapshot.StatusOK {
			fmt.Fprintln(w, CollectorSentence(name, c))
		}
	}
	tw := table.NewWriter()
	tw.SetOutputMirror(w)
	tw.SetStyle(table.StyleLight)
	tw.Style().Options.SeparateRows = false
	tw.Style().Color = table.ColorOptions{}
	tw.AppendHeader(table.Row{"Status", "Severity", "Rule", "Subject", "Finding"})
	msgWidth := 70
	if t.Width > 0 {
		// Leave room for the other columns (about 60 characters).
		msgWidth = max(30, t.Width-62)
	}
	tw.SetColumnConfigs([]table.ColumnConfig{
		{Number: 4, WidthMax: 28},
		{Number: 5, WidthMax: msgWidth},
	})
	n := 0
	for _, st := range scanner.Statuses {
		if t.Quiet && (st == scanner.StatusPass || st == scanner.StatusNotApplicable || st == scanner.StatusWaived) {
			continue
		}
		rows := 0
		for _, res := range r.Results {
			if res.Status != st {
				continue
			}
			if rows == 0 && n > 0 {
				tw.AppendSeparator()
			}
			rows++
			n++
			msg := sanitize(res.Message)
			if st == scanner.StatusFail || st == scanner.StatusUnknown {
				if ev := evidenceLine(res.Evidence); ev != "" {
					msg += "\n" + ev
				}
			}
			tw.AppendRow(table.Row{t.status(res.Status), t.severity(res), res.RuleID, wrap(sanitize(res.Subject), 28), wrap(msg, msgWidth)})
		}
	}
	if n > 0 {
		tw.Render()
	}
	s := r.Summary
	fmt.Fprintf(w, "%d results: %d fail (%d critical, %d high, %d medium, %d low, %d info), %d unknown, %d error, %d waived, %d pass, %d not applicable\n",
		s.Total, s.ByStatus[scanner.StatusFail], s.BySeverity[scanner.SeverityCritical], s.BySeverity[scanner.SeverityHigh],
		s.BySeverity[scanner.SeverityMedium], s.BySeverity[scanner.SeverityLow], s.BySeverity[scanner.SeverityInfo],
		s.ByStatus[scanner.StatusUnknown], s.ByStatus[scanner.StatusError], s.ByStatus[scanner.StatusWaived],
		s.ByStatus[scanner.StatusPass], s.ByStatus[scanner.StatusNotApplicable])
	for _, ws := range r.Waivers {
		switch ws.State {
		case scanner.WaiverExpired:
			fmt.Fprintf(w, "Waiver %s:%d (%s %s) expired on %s: its failures stand.\n", ws.File, ws.Line, ws.RuleID, sanitize(ws.Subject), ws.Expires)
		case scanner.WaiverStale:
			fmt.Fprintf(w, "Waiver %s:%d (%s %s) matched nothing: remove it if the risk is gone.\n", ws.File, ws.Line, ws.RuleID, sanitize(ws.Subject))
		}
	}
	if !r.IsRoot && s.ByStatus[scanner.StatusUnknown] > 0 {
		fmt.Fprintln(w, "Some rules could not be verified without root: run `sudo mlscan scan`.")
	}
	return nil
}

// CollectorSentence says in one sentence how a collector fared: its state
// once, the collector's own reason, then what its rules became and how to
// fix that. Every host-controlled byte of the reason is sanitised.
func CollectorSentence(name string, c scanner.CollectorHealth) string {
	reason := collectorReason(collectorStatus(c), sanitize(c.Error))
	var state, fix string
	switch collectorStatus(c) {
	case snapshot.StatusOK:
		return fmt.Sprintf("collector %s: ok.", name)
	case snapshot.StatusError:
		state, fix = "failed", "fix the cause and scan again"
	case snapshot.StatusUnavailable:
		state, fix = "is unavailable", fmt.Sprintf("install or start what it reads, or skip it with --skip-collectors %s if this host has none", name)
	case snapshot.StatusPermission:
		state, fix = "lacks permission", "run as root (`sudo mlscan scan`)"
	case snapshot.StatusSkipped:
		state, fix = "was skipped", "run it (check --collectors and --skip-collectors) to verify them"
	default:
		state, fix = "is in state "+sanitize(string(c.Status)), "evaluate it with the mlscan version that collected the snapshot"
	}
	if reason == "" {
		return fmt.Sprintf("collector %s %s; the rules that need it are unknown: %s.", name, state, fix)
	}
	return fmt.Sprintf("collector %s %s: %s; the rules that need it are unknown: %s.", name, state, reason, fix)
}

// collectorReason is a collector's error without the words that repeat
// its status: collectors wrap a sentinel error ("unavailable", "permission
// denied (run mlscan as root)") whose text the status already says.
func collectorReason(status snapshot.Status, reason string) string {
	r := strings.TrimSpace(reason)
	var words []string
	switch status {
	case snapshot.StatusUnavailable:
		words = []string{"unavailable"}
	case snapshot.StatusPermission:
		words = []string{"permission denied (run mlscan as root)", "permission"}
	case snapshot.StatusError:
		words = []string{"error"}
	}
	for _, w := range words {
		if rest, ok := strings.CutPrefix(r, w+": "); ok {
			r = rest
		}
		if rest, ok := strings.CutSuffix(r, ": "+w); ok {
			r = rest
		}
		if r == w {
			r = ""
		}
	}
	return strings.TrimRight(r, ". ")
}

func evidenceLine(e scanner.Evidence) string {
	var parts []string
	if e.Observed != nil {
		parts = append(parts, "observed: "+sanitize(short(e.Observed)))
	}
	if e.Expected != nil {
		parts = append(parts, "expected: "+sanitize(short(e.Expected)))
	}
	return strings.Join(parts, "; ")
}

func short(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var s []string
		for _, e := range x {
			s = append(s, short(e))
		}
		return strings.Join(s, ", ")
	}
	return fmt.Sprint(v)
}

func (t *Table) status(s scanner.Status) string {
	str := strings.ToUpper(string(s))
	if !t.Color {
		return str
	}
	switch s {
	case scanner.StatusFail, scanner.StatusError:
		return text.Colors{text.FgRed, text.Bold}.Sprint(str)
	case scanner.StatusUnknown:
		return text.FgYellow.Sprint(str)
	case scanner.StatusPass:
		return text.FgGreen.Sprint(str)
	}
	return text.Faint.Sprint(str)
}

func (t *Table) severity(r scanner.Result) string {
	s := string(r.Severity)
	if !t.Color || r.Status != scanner.StatusFail {
		return s
	}
	switch r.Severity {
	case scanner.SeverityCritical:
		return text.Colors{text.BgRed, text.FgWhite, text.Bold}.Sprint(s)
	case scanner.SeverityHigh:
		return text.FgRed.Sprint(s)
	case scanner.SeverityMedium:
		return text.FgYellow.Sprint(s)
	}
	return s
}

// wrap breaks each line of s at word boundaries to at most width columns
// (go-pretty's soft wrapping joins lines, so paragraphs are wrapped here).
func wrap(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.ReplaceAll(text.WrapSoft(l, width), " \n", "\n"), " ")
	}
	return strings.Join(lines, "\n")
}
