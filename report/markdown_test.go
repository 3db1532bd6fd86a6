package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/mlscan/mlscan/scanner"
)

// mdTable is one GitHub-flavoured Markdown table of a document.
type mdTable struct {
	line int        // 1-based line of the header row
	rows [][]string // header, then body rows (the delimiter row left out)
}

// splitRow splits a table row into cells as GFM does: on pipes that are
// not backslash-escaped, dropping the optional leading and trailing pipe.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	var cells []string
	var cur strings.Builder
	esc := false
	for _, r := range line {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\':
			cur.WriteRune(r)
			esc = true
		case r == '|':
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	cells = append(cells, cur.String())
	if strings.HasPrefix(line, "|") {
		cells = cells[1:]
	}
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		cells = cells[:len(cells)-1]
	}
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// isDelimiterRow reports whether cells form a GFM delimiter row (---, :--:).
func isDelimiterRow(cells []string) bool {
	if len(cells) == 0 {
		return false
	}
	for _, c := range cells {
		c = strings.Trim(c, ":")
		if len(c) < 1 || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return true
}

// parseTables finds every table (a header row followed by a delimiter row
// with as many cells) and its body rows, up to the first line that is not
// a row.
func parseTables(doc string) []mdTable {
	lines := strings.Split(doc, "\n")
	var out []mdTable
	for i := 0; i+1 < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "|") {
			continue
		}
		head, delim := splitRow(lines[i]), splitRow(lines[i+1])
		if !isDelimiterRow(delim) || len(delim) != len(head) {
			continue
		}
		t := mdTable{line: i + 1, rows: [][]string{head}}
		j := i + 2
		for ; j < len(lines) && strings.HasPrefix(lines[j], "|"); j++ {
			t.rows = append(t.rows, splitRow(lines[j]))
		}
		out = append(out, t)
		i = j - 1
	}
	return out
}

// checkMarkdown fails the test when a table row has more or fewer cells
// than its header, when a line starting with a pipe belongs to no table,
// or when raw HTML from the host (a <script tag), control characters or
// bidi/zero-width characters appear in the document.
func checkMarkdown(tb testing.TB, data []byte) {
	tb.Helper()
	doc := string(data)
	tables := parseTables(doc)
	inTable := map[int]bool{}
	for _, t := range tables {
		// The header, the delimiter row, then the body rows.
		for k := 0; k <= len(t.rows); k++ {
			inTable[t.line+k] = true
		}
		for k, row := range t.rows[1:] {
			if len(row) != len(t.rows[0]) {
				tb.Errorf("table at line %d: row %d has %d cells, the header %d: %q", t.line, k+1, len(row), len(t.rows[0]), row)
			}
		}
	}
	for i, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, "|") && !inTable[i+1] {
			tb.Errorf("line %d looks like a table row outside any table: %q", i+1, l)
		}
	}
	lower := strings.ToLower(doc)
	for _, bad := range []string{"<script", "<img", "<iframe", "javascript:", "onerror="} {
		if strings.Contains(lower, bad) {
			tb.Errorf("raw %q in the Markdown", bad)
		}
	}
	for i, r := range doc {
		if (isControl(r) && r != '\n') || unicode.Is(unicode.Cf, r) {
			tb.Errorf("control or format character %U at byte %d", r, i)
			break
		}
	}
}

func TestMDTextEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text 1.2", "plain text 1.2"},
		{"a|b<script>", `a\|b&lt;script&gt;`},
		{"`x` *y* _z_ [l](u) ~s~ #1 !i", "\\`x\\` \\*y\\* \\_z\\_ \\[l\\](u) \\~s\\~ \\#1 \\!i"},
		{`back\slash`, `back\\slash`},
		{"&amp; &lt;", "&amp;amp; &amp;lt;"},
		{"two\nlines\r\tx", "two lines  x"},
		{"\x1b[31mred\x1b[0m\x07", `\[31mred\[0m`},
		{"\u202etxt\u200b.exe", "txt.exe"},
	} {
		if got := mdText(tc.in); got != tc.want {
			t.Errorf("mdText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMDTrustedKeepsPlainCodeSpans(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Run `ufw enable` then `ufw status`", "Run `ufw enable` then `ufw status`"},
		{"Use `a|b` here", "Use \\`a\\|b\\` here"},
		{"odd ` tick", "odd \\` tick"},
		{"`<script>`", "\\`&lt;script&gt;\\`"},
		{"bind *all* `127.0.0.1`", "bind \\*all\\* `127.0.0.1`"},
	} {
		if got := mdTrusted(tc.in); got != tc.want {
			t.Errorf("mdTrusted(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMarkdownHostileNames renders a report whose container name, message,
// evidence, waiver and collector error carry table-breaking and HTML
// characters and terminal escapes: every table keeps its shape, no raw
// HTML or control character gets through, and the name is still readable.
func TestMarkdownHostileNames(t *testing.T) {
	rep := edgeReport(t)
	out := render(t, "markdown", Options{SourceRoot: infraRoot}, rep)
	checkMarkdown(t, out)
	if !bytes.Contains(out, []byte(`a\|b&lt;script&gt;alert(1)&lt;/script&gt;`)) {
		t.Error("the hostile container name is not shown escaped")
	}
	if len(parseTables(string(out))) < 8 {
		t.Errorf("only %d tables parsed", len(parseTables(string(out))))
	}
}

// TestParseTablesCountsCells checks the table checker itself catches a
// row broken by an unescaped pipe.
func TestParseTablesCountsCells(t *testing.T) {
	doc := "| A | B |\n| --- | --- |\n| x \\| y | z |\n| a|b | c |\n"
	tables := parseTables(doc)
	if len(tables) != 1 || len(tables[0].rows) != 3 {
		t.Fatalf("tables %v", tables)
	}
	if n := len(tables[0].rows[1]); n != 2 {
		t.Errorf("escaped pipe: %d cells, want 2", n)
	}
	if n := len(tables[0].rows[2]); n != 3 {
		t.Errorf("raw pipe: %d cells, want 3", n)
	}
	ft := &fakeTB{}
	checkMarkdown(ft, []byte(doc+"\n<script>x</script>\n"))
	if len(ft.errs) < 2 {
		t.Errorf("checkMarkdown found %v, want the broken row and the script", ft.errs)
	}
}

// fakeTB records errors, to test the test helpers.
type fakeTB struct {
	testing.TB
	errs []string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Errorf(format string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(format, a...)) }

// TestMarkdownSections checks the documented host's document has every
// section the quarterly review reads, one control row per check, and the
// compliance figure computed as documented.
func TestMarkdownSections(t *testing.T) {
	rep := docReport(t)
	out := string(render(t, "markdown", Options{}, rep))
	for _, want := range []string{
		"# mlscan compliance report: ", "| Scanned at | ", "| mlscan version | " + testVersion, "| Policy digest | `sha256:",
		"| Configuration digest | `sha256:", "| Ran as root | ", "## Summary", "**Compliance: ", "pass ÷ (pass + fail)",
		"## Failures (", "## Accepted risks (", "## Could not verify (", "## Controls (", "## Appendix A", "## Appendix B", "## Appendix C",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	var controls *mdTable
	for _, tb := range parseTables(out) {
		if strings.Join(tb.rows[0], ",") == "Rule,Control,Severity,Status,Results" {
			controls = &tb
		}
	}
	if controls == nil {
		t.Fatal("no controls table")
	}
	if got := len(controls.rows) - 1; got != len(rep.Checks) {
		t.Errorf("%d control rows, %d checks", got, len(rep.Checks))
	}
	pass, fail, pct, ok := Compliance(rep)
	if ok && !strings.Contains(out, fmt.Sprintf("**Compliance: %.1f %%** (%d of %d controls", pct, pass, pass+fail)) {
		t.Errorf("compliance %.1f%% (%d/%d) not in the document", pct, pass, pass+fail)
	}
}

// TestCompliance checks the figure on a hand-made set of results: a
// control with any failure fails, waived/unknown/error/not-applicable
// controls are left out.
func TestCompliance(t *testing.T) {
	r := func(id string, st scanner.Status) scanner.Result {
		return scanner.Result{RuleID: id, Status: st, Subject: "s"}
	}
	rep := &scanner.Report{Results: []scanner.Result{
		r("A", scanner.StatusPass), r("A", scanner.StatusPass),
		r("B", scanner.StatusPass), r("B", scanner.StatusFail),
		r("C", scanner.StatusUnknown), r("C", scanner.StatusPass),
		r("D", scanner.StatusWaived),
		r("E", scanner.StatusNotApplicable),
		r("F", scanner.StatusPass), r("F", scanner.StatusNotApplicable),
		r("G", scanner.StatusFail), r("G", scanner.StatusError),
	}}
	pass, fail, pct, ok := Compliance(rep)
	if !ok || pass != 2 || fail != 2 || pct != 50 {
		t.Errorf("got pass %d fail %d pct %v ok %v, want 2, 2, 50, true", pass, fail, pct, ok)
	}
	if _, _, _, ok := Compliance(&scanner.Report{}); ok {
		t.Error("an empty report has a compliance figure")
	}
}

// TestMarkdownWaivers checks accepted risks show owner, reason, expiry and
// ticket, and expired and stale waivers are listed, escaped.
func TestMarkdownWaivers(t *testing.T) {
	rep := edgeReport(t)
	out := string(render(t, "markdown", Options{SourceRoot: infraRoot}, rep))
	waived := rep.Summary.ByStatus[scanner.StatusWaived]
	if waived == 0 {
		t.Fatal("no waived result")
	}
	for _, want := range []string{
		fmt.Sprintf("## Accepted risks (%d)", waived), "| MLS-REG-002 | 6380/tcp | high | infra-team | Documented: Redis broker binds 0.0.0.0:6380",
		"| 2027-02-28 | networking-architecture.md §Monitoring Network Security | ../examples/waivers-documented-host.yaml:",
		"### Expired waivers (1)", "| MLS-REG-003 | registry \\* | (any) | infra-team |", "| 2026-10-31 | 3 |",
		"### Stale waivers (1)", "| MLS-CTR-002 | cadvisor | (any) | monitoring | cAdvisor \\| needs &lt;privileges&gt; \\[31mred", "| 2027-02-28 |",
		"## Could not verify (2)", "deploy/compose.yml line 5 (compose service ray-head)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

// TestMarkdownSeveralHosts: one document per host, separated by a rule,
// each with its own header, all tables well formed.
func TestMarkdownSeveralHosts(t *testing.T) {
	a, b := docReport(t), edgeReport(t)
	b.Host = "server-80 | <b>"
	out := render(t, "markdown", Options{SourceRoot: infraRoot}, a, b)
	checkMarkdown(t, out)
	doc := string(out)
	if n := strings.Count(doc, "\n# mlscan compliance report: ") + 1; !strings.HasPrefix(doc, "# mlscan compliance report: ") || n != 2 {
		t.Errorf("%d host headers", n)
	}
	if !strings.Contains(doc, "# mlscan compliance report: server-80 \\| &lt;b&gt;\n") {
		t.Error("second host's header missing or unescaped")
	}
}
