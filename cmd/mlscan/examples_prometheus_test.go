package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

const (
	// alertRules are the example alerting rules.
	alertRules = "../../examples/prometheus/mlscan-alerts.yml"
	// promBefore is the textfile of the documented host (real output of
	// the prometheus reporter on the real snapshot); promAfter the same
	// host with faults (a failed collector, critical failures, an unknown
	// and an error result).
	promBefore = "../../testdata/golden/documented-host.prom"
	promAfter  = "../../testdata/golden/documented-host-edge.prom"
	// promScanPeriod is mlscan.timer's period, in minutes.
	promScanPeriod = 360
	// promTextfileError is node_exporter's own series for its textfile
	// directory (1 when some file could not be read).
	promTextfileError = `node_textfile_scrape_error{instance="server-84:9100",job="node"}`
)

// promMissingAlerts fire when mlscan's metrics are missing.
var promMissingAlerts = []string{"MLScanTextfileError", "MLScanMetricsAbsent"}

// requirePromtool returns promtool's path (Debian package prometheus), or
// skips the test, unless MLSCAN_E2E=1 makes it mandatory.
func requirePromtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		msg := "promtool not found: apt-get install prometheus (or .ci/run)"
		if os.Getenv("MLSCAN_E2E") == "1" {
			t.Fatal(msg + "; MLSCAN_E2E=1 makes this test mandatory")
		}
		t.Skip(msg)
	}
	return p
}

// promSeries is one sample of a textfile: its labels and value.
type promSeries struct {
	name   string
	labels map[string]string
	value  float64
}

// selector is the series in PromQL notation, labels sorted.
func (s promSeries) selector() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.labels)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, s.labels[k]))
	}
	return s.name + "{" + strings.Join(parts, ",") + "}"
}

// readTextfile parses a Prometheus textfile into its series by selector.
func readTextfile(t *testing.T, path string) map[string]promSeries {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]promSeries{}
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			s := promSeries{name: name, labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.GetGauge() != nil:
				s.value = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				s.value = m.GetCounter().GetValue()
			case m.GetUntyped() != nil:
				s.value = m.GetUntyped().GetValue()
			default:
				t.Fatalf("%s: %s: not a gauge, counter or untyped sample", path, name)
			}
			out[s.selector()] = s
		}
	}
	return out
}

// promAlert is an alert promtool should see firing.
type promAlert struct {
	Labels      map[string]string `yaml:"exp_labels"`
	Annotations map[string]string `yaml:"exp_annotations"`
}

// promValue formats a sample value the way Prometheus' templates print
// $value.
func promValue(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// expectedAlerts computes, from the textfiles alone, the alerts of
// mlscan-alerts.yml that fire after the faulted scan: at newFailures time
// (one scan period after the change) or later.
func expectedAlerts(before, after map[string]promSeries, newFailures, stale bool) map[string][]promAlert {
	want := map[string][]promAlert{}
	with := func(s promSeries, extra ...string) map[string]string {
		l := maps.Clone(s.labels)
		for i := 0; i < len(extra); i += 2 {
			l[extra[i]] = extra[i+1]
		}
		return l
	}
	for _, key := range slices.Sorted(maps.Keys(after)) {
		s := after[key]
		l := s.labels
		switch s.name {
		case "mlscan_findings":
			if l["severity"] == "critical" && s.value > 0 {
				want["MLScanCriticalFailure"] = append(want["MLScanCriticalFailure"], promAlert{with(s), map[string]string{
					"summary":     fmt.Sprintf("mlscan: %s has %s critical failure(s)", l["host"], promValue(s.value)),
					"description": fmt.Sprintf("Run `mlscan scan` on %s (or read /var/lib/mlscan/last.json) for the findings and their fixes.", l["host"]),
				}})
			}
		case "mlscan_rule_status":
			if prev, ok := before[key]; newFailures && ok && l["status"] == "fail" && s.value == 1 && prev.value == 0 {
				want["MLScanNewFailure"] = append(want["MLScanNewFailure"], promAlert{with(s, "rule_severity", l["severity"], "severity", "warning"), map[string]string{
					"summary":     fmt.Sprintf("mlscan: %s newly fails on %s", l["rule"], l["host"]),
					"description": fmt.Sprintf("%s (%s) failed in the last scan of %s and not in the one before: mlscan diff of the two snapshots in /var/lib/mlscan/snapshots shows what changed.", l["rule"], l["severity"], l["host"]),
				}})
			}
		case "mlscan_collector_up":
			if l["status"] != "skipped" && s.value == 0 {
				want["MLScanCollectorFailed"] = append(want["MLScanCollectorFailed"], promAlert{with(s, "severity", "warning"), map[string]string{
					"summary":     fmt.Sprintf("mlscan: collector %s on %s: %s", l["collector"], l["host"], l["status"]),
					"description": fmt.Sprintf("The rules that need what the %s collector reads are unknown on %s, not passed.", l["collector"], l["host"]),
				}})
			}
		case "mlscan_results":
			if (l["status"] == "unknown" || l["status"] == "error") && s.value > 0 {
				want["MLScanRulesUnknown"] = append(want["MLScanRulesUnknown"], promAlert{with(s, "severity", "warning"), map[string]string{
					"summary":     fmt.Sprintf("mlscan: %s result(s) %s on %s", promValue(s.value), l["status"], l["host"]),
					"description": fmt.Sprintf("A scan that could not look is not a clean scan: the table report of %s names the rules and why.", l["host"]),
				}})
			}
		case "mlscan_scan_timestamp_seconds":
			if stale {
				want["MLScanStale"] = append(want["MLScanStale"], promAlert{with(s, "severity", "warning"), map[string]string{
					"summary":     fmt.Sprintf("mlscan: no scan of %s for more than 12 hours", l["host"]),
					"description": fmt.Sprintf("Check systemctl status mlscan.timer mlscan.service on %s.", l["host"]),
				}})
			}
		}
	}
	return want
}

// TestExampleAlertRules runs promtool test rules on the example alerting
// rules with input series taken from real textfile output: the documented
// host for one scan period, then the faulted host, then no scan at all.
// The expected alerts are computed from the textfiles in Go, not from the
// rules. Only the scan timestamp is moved onto promtool's clock (the
// scans at 0 and 6 h).
func TestExampleAlertRules(t *testing.T) {
	promtool := requirePromtool(t)
	rules, err := filepath.Abs(alertRules)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}

	before := readTextfile(t, promBefore)
	after := readTextfile(t, promAfter)
	const total = 3.5 * promScanPeriod // minutes of samples
	var series []map[string]string
	keys := maps.Clone(before)
	maps.Copy(keys, after)
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		b, inB := before[key]
		a, inA := after[key]
		if b.name == "mlscan_scan_timestamp_seconds" || a.name == "mlscan_scan_timestamp_seconds" {
			b.value, a.value = 0, promScanPeriod*60
		}
		// One sample a minute: the documented host's values for one scan
		// period, then the faulted host's (a series a scan lacks is _).
		values := fmt.Sprintf("_x%d", promScanPeriod-1)
		if inB {
			values = fmt.Sprintf("%s+0x%d", promValue(b.value), promScanPeriod-1)
		}
		if inA {
			values += fmt.Sprintf(" %s+0x%d", promValue(a.value), int(total)-promScanPeriod)
		} else {
			values += fmt.Sprintf(" _x%d", int(total)-promScanPeriod)
		}
		series = append(series, map[string]string{"series": key, "values": values})
	}
	// node_exporter read its textfile directory without error throughout.
	series = append(series, map[string]string{"series": promTextfileError, "values": fmt.Sprintf("0+0x%d", int(total))})

	type alertTest struct {
		EvalTime  string      `yaml:"eval_time"`
		Alertname string      `yaml:"alertname"`
		Alerts    []promAlert `yaml:"exp_alerts"`
	}
	names := []string{"MLScanCriticalFailure", "MLScanNewFailure", "MLScanCollectorFailed", "MLScanRulesUnknown", "MLScanStale"}
	steps := []struct {
		at                 string
		faulted, new, gone bool
	}{
		{"5h", false, false, false},  // the documented host: nothing fires
		{"6h10m", true, true, false}, // the faulted scan: every kind but stale
		{"12h30m", true, false, false},
		{"18h30m", true, false, true}, // more than 12 h since the last scan
	}
	var tests []alertTest
	fired := map[string]bool{}
	for _, st := range steps {
		want := map[string][]promAlert{}
		if st.faulted {
			want = expectedAlerts(before, after, st.new, st.gone)
		}
		for _, n := range names {
			tests = append(tests, alertTest{EvalTime: st.at, Alertname: n, Alerts: want[n]})
			if len(want[n]) > 0 {
				fired[n] = true
			}
		}
	}
	for _, n := range names {
		if !fired[n] {
			t.Errorf("no step expects %s to fire: the textfiles do not exercise it", n)
		}
	}
	// While mlscan's metrics are there, the missing-metrics alerts are silent.
	for _, st := range steps {
		for _, n := range promMissingAlerts {
			tests = append(tests, alertTest{EvalTime: st.at, Alertname: n})
		}
	}

	// The metrics go missing: the documented host's textfile is read for
	// one hour, then node_exporter cannot read it any more (as when mlscan
	// wrote it 0600 and node_exporter runs as prometheus): every mlscan
	// series ends, node_textfile_scrape_error turns 1.
	const readable = 60 // minutes
	var gone []map[string]string
	for _, key := range slices.Sorted(maps.Keys(before)) {
		v := before[key].value
		if before[key].name == "mlscan_scan_timestamp_seconds" {
			v = 0
		}
		gone = append(gone, map[string]string{"series": key, "values": fmt.Sprintf("%s+0x%d", promValue(v), readable-1)})
	}
	gone = append(gone, map[string]string{"series": promTextfileError, "values": fmt.Sprintf("0+0x%d 1+0x%d", readable-1, 14*60)})
	textfileError := promAlert{
		Labels: map[string]string{"instance": "server-84:9100", "job": "node", "severity": "warning"},
		Annotations: map[string]string{
			"summary":     "node_exporter on server-84:9100 cannot read its textfile directory",
			"description": "mlscan's metrics (and with them every other mlscan alert) may be missing on server-84:9100: journalctl -u prometheus-node-exporter names the file; mlscan.prom must be readable by node_exporter's user (ls -l /var/lib/prometheus/node-exporter/).",
		},
	}
	absent := promAlert{
		Labels: map[string]string{"severity": "warning"},
		Annotations: map[string]string{
			"summary":     "mlscan: no mlscan metrics for 7 hours",
			"description": "Prometheus has no mlscan_scan_timestamp_seconds: check systemctl status mlscan.timer mlscan.service, that mlscan writes --format prometheus=FILE into node_exporter's --collector.textfile.directory, and that node_exporter can read it.",
		},
	}
	var missing []alertTest
	for _, st := range []struct {
		at            string
		error, absent bool
	}{
		{"30m", false, false},
		{"1h10m", false, false}, // the error is pending for 15 minutes
		{"1h30m", true, false},
		{"7h30m", true, false}, // absent since 1h05m, pending for 7 hours
		{"8h30m", true, true},
		// The last timestamp was at 0: MLScanStale cannot see a host whose
		// series are gone, which is why the two alerts above exist.
		{"13h", true, true},
	} {
		want := map[string][]promAlert{}
		if st.error {
			want["MLScanTextfileError"] = []promAlert{textfileError}
		}
		if st.absent {
			want["MLScanMetricsAbsent"] = []promAlert{absent}
		}
		for _, n := range append(slices.Clone(names), promMissingAlerts...) {
			missing = append(missing, alertTest{EvalTime: st.at, Alertname: n, Alerts: want[n]})
		}
	}
	// No mlscan metrics ever (mlscan never ran, or wrote elsewhere) and no
	// textfile error: only MLScanMetricsAbsent, after one timer period.
	never := []map[string]string{{"series": promTextfileError, "values": fmt.Sprintf("0+0x%d", 10*60)}}
	var neverTests []alertTest
	for _, st := range []struct {
		at     string
		absent bool
	}{{"6h50m", false}, {"7h10m", true}} {
		for _, n := range append(slices.Clone(names), promMissingAlerts...) {
			var want []promAlert
			if st.absent && n == "MLScanMetricsAbsent" {
				want = []promAlert{absent}
			}
			neverTests = append(neverTests, alertTest{EvalTime: st.at, Alertname: n, Alerts: want})
		}
	}

	doc := map[string]any{
		"rule_files":          []string{rules},
		"evaluation_interval": "1m",
		"tests": []map[string]any{
			{"name": "documented host, then faulted, then stale", "interval": "1m", "input_series": series, "alert_rule_test": tests},
			{"name": "textfile unreadable", "interval": "1m", "input_series": gone, "alert_rule_test": missing},
			{"name": "no mlscan metrics ever", "interval": "1m", "input_series": never, "alert_rule_test": neverTests},
		},
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mlscan-alerts.test.yml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "test", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	names = append(names, promMissingAlerts...)
	sort.Strings(names)
	t.Logf("promtool test rules: %d series, alerts %s checked at %d times; metrics missing: %d checks", len(series), strings.Join(names, ", "), len(steps), len(missing)+len(neverTests))
}
