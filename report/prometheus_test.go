package report

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
)

// The prometheus format's golden files are testdata/golden/<case>.prom,
// written and checked by TestGolden.

// promtool returns the path of promtool (Debian package prometheus); it
// skips the test without it, unless MLSCAN_E2E=1 makes it mandatory.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("MLSCAN_E2E") == "1" {
			t.Fatal("promtool not found (apt-get install prometheus); MLSCAN_E2E=1 makes this test mandatory")
		}
		t.Skip("promtool not found: apt-get install prometheus")
	}
	return p
}

// TestPrometheusPromtool checks the metrics of every golden case, and of
// two hosts in one file, with `promtool check metrics` (which lints names,
// help texts and units too).
func TestPrometheusPromtool(t *testing.T) {
	tool := promtool(t)
	other := docReport(t)
	other.Host = "server-81"
	for _, tc := range []struct {
		name    string
		reports []*scanner.Report
	}{
		{"documented-host", []*scanner.Report{docReport(t)}},
		{"documented-host-edge", []*scanner.Report{edgeReport(t)}},
		{"two hosts", []*scanner.Report{docReport(t), other}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, "prometheus", Options{}, tc.reports...)
			cmd := exec.Command(tool, "check", "metrics")
			cmd.Stdin = bytes.NewReader(out)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("promtool check metrics: %v\n%s\n--- metrics:\n%s", err, msg, out)
			}
		})
	}
}

// TestPrometheusContent checks the series a Grafana board reads.
func TestPrometheusContent(t *testing.T) {
	rep := edgeReport(t)
	out := string(render(t, "prometheus", Options{}, rep))
	sum := rep.Summary
	for _, want := range []string{
		fmt.Sprintf(`mlscan_findings{host="server-84",severity="critical"} %d`, sum.BySeverity[scanner.SeverityCritical]),
		fmt.Sprintf(`mlscan_results{host="server-84",status="unknown"} %d`, sum.ByStatus[scanner.StatusUnknown]),
		fmt.Sprintf(`mlscan_results{host="server-84",status="error"} %d`, sum.ByStatus[scanner.StatusError]),
		`mlscan_rule_status{host="server-84",rule="MLS-CTR-002",severity="critical",status="fail"} 1`,
		`mlscan_rule_status{host="server-84",rule="MLS-CTR-002",severity="critical",status="pass"} 0`,
		`mlscan_rule_status{host="server-84",rule="MLS-FW-001",severity="critical",status="pass"} 1`,
		`mlscan_collector_up{collector="docker",host="server-84",status="error"} 0`,
		`mlscan_collector_up{collector="ufw",host="server-84",status="ok"} 1`,
		fmt.Sprintf(`mlscan_collector_duration_seconds{collector="sockets",host="server-84"} %.4f`, rep.Collectors["sockets"].DurationMS/1000)[:len(`mlscan_collector_duration_seconds{collector="sockets",host="server-84"} 0.0`)],
		fmt.Sprintf(`mlscan_scan_timestamp_seconds{host="server-84"} %g`, float64(rep.ScannedAt.UnixMilli())/1000),
		`mlscan_waivers{host="server-84",state="expired"} 1`,
		`mlscan_waivers{host="server-84",state="stale"} 1`,
		`mlscan_scan_as_root{host="server-84"} 1`,
		`mlscan_compliance_ratio{host="server-84"} `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	// No timestamps: the textfile collector rejects them.
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "#") && len(strings.Fields(l[strings.LastIndexByte(l, '}')+1:])) != 1 {
			t.Errorf("sample with a timestamp or no value: %s", l)
		}
	}
	if _, err := New("prometheus", Options{}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (&Prometheus{}).Write(&buf, []*scanner.Report{docReport(t), docReport(t)}); err == nil || !strings.Contains(err.Error(), "two reports of host") {
		t.Errorf("two reports of one host: %v", err)
	}
}
