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
)

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
	doc := map[string]any{
		"rule_files":          []string{rules},
		"evaluation_interval": "1m",
		"tests": []map[string]any{{
			"interval":        "1m",
			"input_series":    series,
			"alert_rule_test": tests,
		}},
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
	sort.Strings(names)
	t.Logf("promtool test rules: %d series, alerts %s checked at %d times", len(series), strings.Join(names, ", "), len(steps))
}
