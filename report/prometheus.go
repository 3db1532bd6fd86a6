package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// Prometheus writes the reports as metrics in the text exposition format
// that node_exporter's textfile collector reads (write them to
// <textfile dir>/mlscan.prom: --format prometheus=FILE replaces the file
// atomically). Every series carries the host label; there are no
// timestamps, which the textfile collector rejects.
type Prometheus struct{}

var _ Reporter = (*Prometheus)(nil)

// promMetrics are the metrics of one write.
type promMetrics struct {
	info, rootScan, timestamp, collectDur                  *prometheus.GaugeVec
	ruleStatus, ruleResults, results, findings, compliance *prometheus.GaugeVec
	collectorUp, collectorDur, waivers                     *prometheus.GaugeVec
}

func newPromMetrics(reg *prometheus.Registry) *promMetrics {
	g := func(name, help string, labels ...string) *prometheus.GaugeVec {
		v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "mlscan", Name: name, Help: help}, append([]string{"host"}, labels...))
		reg.MustRegister(v)
		return v
	}
	return &promMetrics{
		info:         g("info", "mlscan version, policy and configuration digests of the last scan (always 1).", "version", "policy_digest", "config_digest"),
		rootScan:     g("scan_as_root", "1 when the last scan ran as root (full coverage), else 0.", nil...),
		timestamp:    g("scan_timestamp_seconds", "When the snapshot of the last scan was collected (Unix time).", nil...),
		collectDur:   g("collect_duration_seconds", "Duration of the longest collector of the last scan (collectors run concurrently).", nil...),
		ruleStatus:   g("rule_status", "Each rule's worst status on the host: 1 for that status, 0 for the others.", "rule", "severity", "status"),
		ruleResults:  g("rule_results", "Results of each rule by status (one result per subject).", "rule", "status"),
		results:      g("results", "Results by status; status=\"unknown\" counts what could not be verified.", "status"),
		findings:     g("findings", "Unwaived failures by severity.", "severity"),
		compliance:   g("compliance_ratio", "Rules that pass over rules with a verdict (pass or fail), as in the Markdown report.", nil...),
		collectorUp:  g("collector_up", "1 when the collector ran fine, else 0; status is ok, error, unavailable, skipped or permission.", "collector", "status"),
		collectorDur: g("collector_duration_seconds", "How long each collector ran.", "collector"),
		waivers:      g("waivers", "Waivers by state: applied, expired (failures stand) or stale (matched nothing).", "state"),
	}
}

// Write implements Reporter.
func (*Prometheus) Write(w io.Writer, reports []*scanner.Report) error {
	reg := prometheus.NewPedanticRegistry()
	m := newPromMetrics(reg)
	seen := map[string]bool{}
	for _, r := range reports {
		host := sanitize(r.Host)
		if seen[host] {
			return fmt.Errorf("prometheus: two reports of host %q; metrics hold one scan per host", host)
		}
		seen[host] = true
		m.add(host, r)
	}
	mfs, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("prometheus: %w", err)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return err
		}
	}
	return nil
}

// seconds turns milliseconds into seconds rounded to the microsecond, so
// 13.477 ms reads 0.013477, not 0.013477000000000001.
func seconds(ms float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(ms/1000, 'f', 6, 64), 64)
	return f
}

func (m *promMetrics) add(host string, r *scanner.Report) {
	m.info.WithLabelValues(host, r.Tool.Version, r.PolicyDigest, r.ConfigDigest).Set(1)
	m.rootScan.WithLabelValues(host).Set(float64(b2i(r.IsRoot)))
	if !r.ScannedAt.IsZero() {
		m.timestamp.WithLabelValues(host).Set(float64(r.ScannedAt.UnixMilli()) / 1000)
	}
	longest := 0.0
	for name, c := range r.Collectors {
		m.collectorUp.WithLabelValues(host, name, string(c.Status)).Set(float64(b2i(collectorStatus(c) == snapshot.StatusOK)))
		sec := seconds(c.DurationMS)
		m.collectorDur.WithLabelValues(host, name).Set(sec)
		longest = max(longest, sec)
	}
	m.collectDur.WithLabelValues(host).Set(longest)
	for _, c := range controlsOf(r) {
		if c.worst == "" {
			continue
		}
		for _, st := range scanner.Statuses {
			m.ruleStatus.WithLabelValues(host, c.check.ID, string(c.check.Severity), string(st)).Set(float64(b2i(st == c.worst)))
		}
		n := map[scanner.Status]int{}
		for _, res := range c.results {
			n[res.Status]++
		}
		for st, k := range n {
			m.ruleResults.WithLabelValues(host, c.check.ID, string(st)).Set(float64(k))
		}
	}
	for _, st := range scanner.Statuses {
		m.results.WithLabelValues(host, string(st)).Set(float64(r.Summary.ByStatus[st]))
	}
	for _, sv := range scanner.Severities {
		m.findings.WithLabelValues(host, string(sv)).Set(float64(r.Summary.BySeverity[sv]))
	}
	if pass, fail, _, ok := Compliance(r); ok {
		m.compliance.WithLabelValues(host).Set(float64(pass) / float64(pass+fail))
	}
	if len(r.Waivers) > 0 {
		n := map[string]int{scanner.WaiverApplied: 0, scanner.WaiverExpired: 0, scanner.WaiverStale: 0}
		for _, w := range r.Waivers {
			n[w.State]++
		}
		for st, k := range n {
			m.waivers.WithLabelValues(host, st).Set(float64(k))
		}
	}
}
