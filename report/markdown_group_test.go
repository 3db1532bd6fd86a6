package report

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
)

// dashboardFail is the MLS-AUTH-001 failure of a Ray dashboard at subj, as
// the policy words it, with the target the policy gives: a listener for
// an address:port subject, a port for PORT/tcp, else a container.
func dashboardFail(subj string) scanner.Result {
	res := scanner.Result{
		RuleID: "MLS-AUTH-001", Title: "Ray dashboard and Jobs API require authentication",
		Severity: scanner.SeverityHigh, Status: scanner.StatusFail, Subject: subj,
		Message: "the Ray dashboard at " + subj + " lets anyone run jobs",
		Evidence: scanner.Evidence{
			Observed: "GET /api/version → 200", Expected: "401 or 403",
			Source: "probe: GET http://" + subj + "/api/version without a token",
		},
	}
	if ap, err := netip.ParseAddrPort(subj); err == nil {
		res.Target = &scanner.Target{Kind: scanner.TargetListener, Address: ap.Addr().String(), Port: int(ap.Port()), Proto: "tcp", Registry: "ray-dashboard"}
	} else if port, ok := strings.CutSuffix(subj, "/tcp"); ok {
		n, _ := strconv.Atoi(port)
		res.Target = &scanner.Target{Kind: scanner.TargetPort, Port: n, Proto: "tcp", Registry: "ray-dashboard"}
	} else {
		res.Target = &scanner.Target{Kind: scanner.TargetContainer, Container: subj}
	}
	return res
}

func TestGroupByAddress(t *testing.T) {
	other := dashboardFail("10.0.0.84:8265")
	other.Message = "the Ray dashboard at 10.0.0.84:8265 answers without a token"
	tests := []struct {
		name    string
		results []scanner.Result
		want    []string // subjects of each group, space-separated
	}{
		{
			name:    "one finding on four addresses of one port",
			results: []scanner.Result{dashboardFail("10.0.0.84:8265"), dashboardFail("127.0.0.1:8265"), dashboardFail("192.0.2.84:8265"), dashboardFail("[::1]:8265")},
			want:    []string{"10.0.0.84:8265 127.0.0.1:8265 192.0.2.84:8265 [::1]:8265"},
		},
		{
			name:    "a different finding text stays apart",
			results: []scanner.Result{other, dashboardFail("127.0.0.1:8265"), dashboardFail("[::1]:8265")},
			want:    []string{"10.0.0.84:8265", "127.0.0.1:8265 [::1]:8265"},
		},
		{
			name:    "another port is another service",
			results: []scanner.Result{dashboardFail("127.0.0.1:8265"), dashboardFail("127.0.0.1:8266")},
			want:    []string{"127.0.0.1:8265", "127.0.0.1:8266"},
		},
		{
			name: "another severity or status stays apart",
			results: func() []scanner.Result {
				a, b := dashboardFail("10.0.0.84:8265"), dashboardFail("127.0.0.1:8265")
				b.Severity = scanner.SeverityLow
				c := dashboardFail("192.0.2.84:8265")
				c.Status = scanner.StatusUnknown
				return []scanner.Result{a, b, c}
			}(),
			want: []string{"10.0.0.84:8265", "127.0.0.1:8265", "192.0.2.84:8265"},
		},
		{
			name: "port and container targets are never grouped",
			results: func() []scanner.Result {
				a, b := dashboardFail("8265/tcp"), dashboardFail("8265/tcp")
				c, d := dashboardFail("container a|b"), dashboardFail("container a|b")
				return []scanner.Result{a, b, c, d}
			}(),
			want: []string{"8265/tcp", "8265/tcp", "container a|b", "container a|b"},
		},
		{
			name: "a result without a target is never grouped, whatever its subject reads",
			results: func() []scanner.Result {
				a, b := dashboardFail("10.0.0.84:8265"), dashboardFail("127.0.0.1:8265")
				a.Target, b.Target = nil, nil
				return []scanner.Result{a, b}
			}(),
			want: []string{"10.0.0.84:8265", "127.0.0.1:8265"},
		},
		{
			name: "the same port over another protocol stays apart",
			results: func() []scanner.Result {
				a, b := dashboardFail("10.0.0.84:8265"), dashboardFail("127.0.0.1:8265")
				b.Target.Proto = "udp"
				return []scanner.Result{a, b}
			}(),
			want: []string{"10.0.0.84:8265", "127.0.0.1:8265"},
		},
		{
			name: "another registry entry stays apart",
			results: func() []scanner.Result {
				a, b := dashboardFail("10.0.0.84:8265"), dashboardFail("127.0.0.1:8265")
				b.Target.Registry = ""
				return []scanner.Result{a, b}
			}(),
			want: []string{"10.0.0.84:8265", "127.0.0.1:8265"},
		},
		{
			name: "a longer address or port in the text is not the subject",
			results: func() []scanner.Result {
				a, b := dashboardFail("10.0.0.8:80"), dashboardFail("10.0.0.9:80")
				a.Message += " and 10.0.0.8:8080"
				b.Message += " and 10.0.0.9:8080"
				return []scanner.Result{a, b}
			}(),
			want: []string{"10.0.0.8:80", "10.0.0.9:80"},
		},
		{
			name: "first-seen order of the groups",
			results: []scanner.Result{dashboardFail("10.0.0.84:8265"), dashboardFail("10.0.0.84:9000"),
				dashboardFail("127.0.0.1:8265"), dashboardFail("127.0.0.1:9000")},
			want: []string{"10.0.0.84:8265 127.0.0.1:8265", "10.0.0.84:9000 127.0.0.1:9000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list []*scanner.Result
			for i := range tt.results {
				list = append(list, &tt.results[i])
			}
			var got []string
			for _, g := range groupByAddress(list) {
				var subj []string
				for _, r := range g.results {
					subj = append(subj, r.Subject)
				}
				got = append(got, strings.Join(subj, " "))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("groups\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestMarkdownGroupsAddresses renders one entry for the dashboard's four
// addresses, naming each, while SARIF keeps one result per subject.
func TestMarkdownGroupsAddresses(t *testing.T) {
	r := &scanner.Report{Host: "server-84", Tool: scanner.ToolInfo{Name: "mlscan", Version: "1.0.0"}}
	for _, s := range []string{"10.0.0.84:8265", "127.0.0.1:8265", "192.0.2.84:8265", "[::1]:8265"} {
		r.Results = append(r.Results, dashboardFail(s))
	}
	r.Summary = scanner.Summarize(r.Results)
	var md bytes.Buffer
	if err := (&Markdown{}).Write(&md, []*scanner.Report{r}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#### 1. MLS-AUTH-001: port 8265 on 10.0.0.84, 127.0.0.1, 192.0.2.84, ::1\n",
		"- **Finding:** the Ray dashboard at 10.0.0.84:8265, 127.0.0.1:8265, 192.0.2.84:8265 and \\[::1\\]:8265 lets anyone run jobs\n",
		"- **Evidence from:** probe: GET http://10.0.0.84:8265/api/version without a token (likewise for 127.0.0.1:8265, 192.0.2.84:8265, \\[::1\\]:8265)\n",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(md.String(), "#### 2.") {
		t.Errorf("more than one entry:\n%s", md.String())
	}
	var sarif bytes.Buffer
	if err := (&SARIF{}).Write(&sarif, []*scanner.Report{r}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(sarif.String(), `"ruleId": "MLS-AUTH-001"`); n != 4 {
		t.Errorf("SARIF has %d MLS-AUTH-001 results, want one per subject (4)", n)
	}
}
