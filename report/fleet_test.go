package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
)

// fleetReports are three hosts: the documented host, the same with two
// faults (server-80) and the edge report (server-82: waivers, unknown,
// error, container failures).
func fleetReports(tb testing.TB) []*scanner.Report {
	tb.Helper()
	faulted := evalSnapshot(tb, faultedSnapshot)
	faulted.Host = "server-80"
	edge := edgeReport(tb)
	edge.Host = "server-82"
	return []*scanner.Report{docReport(tb), faulted, edge}
}

// TestFleetGolden renders the fleet summary in each of its formats.
func TestFleetGolden(t *testing.T) {
	ext := map[string]string{"table": "txt", "json": "json", "markdown": "md"}
	for format := range fleetFormats {
		t.Run(format, func(t *testing.T) {
			got := render(t, format, Options{}, fleetReports(t)...)
			r, err := NewFleet(format, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := r.Write(&buf, fleetReports(t)); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(got, buf.Bytes()) {
				t.Fatal("the fleet summary is the per-host report")
			}
			if format == "markdown" {
				checkMarkdown(t, buf.Bytes())
			}
			checkGolden(t, "fleet."+ext[format], buf.Bytes())
		})
	}
	// Formats without a summary are their own reporter.
	if r, err := NewFleet("sarif", Options{}); err != nil {
		t.Fatal(err)
	} else if _, ok := r.(*SARIF); !ok {
		t.Errorf("sarif: got %T", r)
	}
	if _, err := NewFleet("xml", Options{}); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestFleetOrder: worst host first (critical failures first), rules with
// most failing hosts first, totals add up.
func TestFleetOrder(t *testing.T) {
	s := (&Fleet{}).Summarize(fleetReports(t))
	var hosts []string
	for _, h := range s.Hosts {
		hosts = append(hosts, h.Host)
	}
	if got := strings.Join(hosts, " "); got != "server-82 server-80 server-84" {
		t.Errorf("host order %s", got)
	}
	if s.Totals.Hosts != 3 || s.Totals.Failing != 3 || s.Totals.Clean != 0 {
		t.Errorf("totals %+v", s.Totals)
	}
	if r := s.Rules[0]; len(r.Failing) != 3 {
		t.Errorf("first rule %s fails on %v", r.ID, r.Failing)
	}
	for i := 1; i < len(s.Rules); i++ {
		if len(s.Rules[i].Failing) > len(s.Rules[i-1].Failing) {
			t.Errorf("rule %s (%d hosts) after %s (%d)", s.Rules[i].ID, len(s.Rules[i].Failing), s.Rules[i-1].ID, len(s.Rules[i-1].Failing))
		}
	}
	c := s.Hosts[1].Rules["MLS-EXP-001"]
	if c.Status != scanner.StatusFail || c.Failing != 1 || c.Subjects[0] != "6380/tcp" {
		t.Errorf("server-80 EXP-001: %+v", c)
	}
	b, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(b), `"failing_hosts":["server-80"]`) {
		t.Errorf("json: %v %s", err, b)
	}
}
