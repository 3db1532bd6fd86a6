package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const (
	// grafanaDashboard is the example dashboard; grafanaProvisioning its
	// provisioning files.
	grafanaDashboard    = "../../examples/grafana/mlscan-dashboard.json"
	grafanaProvisioning = "../../examples/grafana/provisioning"
)

// promqlRefs are the metric and label names a PromQL expression uses.
type promqlRefs struct {
	metrics, labels []string
}

var (
	promqlString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promqlMatchers = regexp.MustCompile(`\{([^}]*)\}`)
	promqlMatcher  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	promqlGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	promqlRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promqlIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promqlNumber   = regexp.MustCompile(`\b\d[\d.]*(?:e[+-]?\d+)?\b`)
)

// promqlKeywords are PromQL's words that are neither metrics nor functions.
var promqlKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "offset": true, "bool": true, "inf": true, "nan": true, "atan2": true,
}

// promqlNames lists the metric and label names of a PromQL expression: a
// small lexer, enough for the dashboard's queries (the syntax itself is
// checked by promtool).
func promqlNames(expr string) promqlRefs {
	var r promqlRefs
	e := promqlString.ReplaceAllString(expr, `""`)
	for _, m := range promqlMatchers.FindAllStringSubmatch(e, -1) {
		for _, l := range promqlMatcher.FindAllStringSubmatch(m[1], -1) {
			r.labels = append(r.labels, l[1])
		}
	}
	e = promqlMatchers.ReplaceAllString(e, " ")
	for _, m := range promqlGrouping.FindAllStringSubmatch(e, -1) {
		for _, l := range strings.Split(m[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				r.labels = append(r.labels, l)
			}
		}
	}
	e = promqlGrouping.ReplaceAllString(e, " ")
	e = promqlRange.ReplaceAllString(e, " ")
	e = promqlNumber.ReplaceAllString(e, " ")
	for _, m := range promqlIdent.FindAllStringSubmatch(e, -1) {
		word := strings.TrimRight(m[0], " \t\n(")
		if m[1] != "" || promqlKeywords[word] {
			continue // a function or an aggregation
		}
		r.metrics = append(r.metrics, word)
	}
	return r
}

func TestPromQLNames(t *testing.T) {
	tests := []struct {
		name, expr      string
		metrics, labels []string
	}{
		{"selector", `mlscan_compliance_ratio{host=~".*"}`, []string{"mlscan_compliance_ratio"}, []string{"host"}},
		{"aggregation", `sum by (severity) (mlscan_findings{host=~".*", severity=~"critical|high"})`, []string{"mlscan_findings"}, []string{"host", "severity", "severity"}},
		{"function and number", `time() - max by (host) (mlscan_scan_timestamp_seconds) > 4.32e+04`, []string{"mlscan_scan_timestamp_seconds"}, []string{"host"}},
		{"binary, range, string with braces", `rate(node_cpu_seconds_total{mode="{a}"}[5m]) and on (instance) up == 1`, []string{"node_cpu_seconds_total", "up"}, []string{"mode", "instance"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := promqlNames(tt.expr)
			if !slices.Equal(got.metrics, tt.metrics) || !slices.Equal(got.labels, tt.labels) {
				t.Errorf("promqlNames(%q) = %v %v, want %v %v", tt.expr, got.metrics, got.labels, tt.metrics, tt.labels)
			}
		})
	}
}

// dashboardQueries walks a dashboard's JSON for its PromQL: every
// target's expr and every query variable's label_values(...) metric, by
// where they are.
func dashboardQueries(v any, where string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			w := where + "." + k
			if s, ok := val.(string); ok {
				switch {
				case k == "expr":
					out[w] = s
				case k == "definition" || (k == "query" && strings.Contains(where, "templating")):
					if m := regexp.MustCompile(`^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`).FindStringSubmatch(s); m != nil {
						out[w] = fmt.Sprintf("group by (%s) (%s)", m[2], m[1])
					}
				}
				continue
			}
			dashboardQueries(val, w, out)
		}
	case []any:
		for i, val := range x {
			dashboardQueries(val, fmt.Sprintf("%s[%d]", where, i), out)
		}
	}
}

// grafanaVars replaces Grafana's variables with values PromQL parses.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1d", "${host}", ".*", "$host", ".*")

// TestExampleGrafanaDashboard checks that the dashboard is valid JSON with
// unique panel ids inside Grafana's 24-column grid, that every query uses
// only metric names and labels mlscan writes (parsed from real textfile
// output: the golden .prom files) and parses as PromQL (promtool, when
// installed), and that the provisioning files point at it.
func TestExampleGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile(grafanaDashboard)
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", grafanaDashboard, err)
	}
	var shape struct {
		UID    string `json:"uid"`
		Panels []struct {
			ID      int    `json:"id"`
			Title   string `json:"title"`
			GridPos struct {
				X, Y, W, H int
			} `json:"gridPos"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &shape); err != nil {
		t.Fatal(err)
	}
	if shape.UID == "" || len(shape.Panels) == 0 {
		t.Fatalf("dashboard without uid or panels")
	}
	ids := map[int]bool{}
	for _, p := range shape.Panels {
		if ids[p.ID] {
			t.Errorf("panel %q: id %d used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if g := p.GridPos; g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q: no query", p.Title)
		}
	}

	// What mlscan writes: metric names and their labels.
	labels := map[string]map[string]bool{}
	for _, f := range []string{promBefore, promAfter} {
		for _, s := range readTextfile(t, f) {
			if labels[s.name] == nil {
				labels[s.name] = map[string]bool{}
			}
			for l := range s.labels {
				labels[s.name][l] = true
			}
		}
	}

	queries := map[string]string{}
	dashboardQueries(dash, "dashboard", queries)
	if len(queries) < len(shape.Panels)+1 {
		t.Errorf("%d queries found, want at least one per panel and the host variable's", len(queries))
	}
	for _, where := range slices.Sorted(maps.Keys(queries)) {
		expr := grafanaVars.Replace(queries[where])
		refs := promqlNames(expr)
		if len(refs.metrics) == 0 {
			t.Errorf("%s: %q queries no metric", where, queries[where])
		}
		for _, m := range refs.metrics {
			if labels[m] == nil {
				t.Errorf("%s: %q queries %s, which mlscan does not write", where, queries[where], m)
			}
		}
		for _, l := range refs.labels {
			found := false
			for _, m := range refs.metrics {
				found = found || labels[m][l]
			}
			if !found {
				t.Errorf("%s: %q uses label %s, which none of its metrics %v has", where, queries[where], l, refs.metrics)
			}
		}
	}

	// The syntax, by promtool: the queries as recording rules.
	if p, err := exec.LookPath("promtool"); err == nil {
		var rules []map[string]string
		for i, where := range slices.Sorted(maps.Keys(queries)) {
			rules = append(rules, map[string]string{"record": fmt.Sprintf("dashboard:query%d", i), "expr": grafanaVars.Replace(queries[where])})
		}
		y, err := yaml.Marshal(map[string]any{"groups": []map[string]any{{"name": "dashboard", "rules": rules}}})
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "dashboard-queries.yml")
		if err := os.WriteFile(f, y, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(p, "check", "rules", f).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules on the dashboard's queries: %v\n%s", err, out)
		}
	} else if os.Getenv("MLSCAN_E2E") == "1" {
		t.Error("promtool not found (apt-get install prometheus); MLSCAN_E2E=1 makes the PromQL syntax check mandatory")
	} else {
		t.Log("promtool not found (apt-get install prometheus): the queries' PromQL syntax is not checked")
	}

	// Provisioning: a file provider, and a Prometheus data source whose
	// uid is the dashboard's default.
	var provider struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name, Type string
			Options    struct{ Path string } `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, filepath.Join(grafanaProvisioning, "dashboards", "mlscan.yml"), &provider)
	if provider.APIVersion != 1 || len(provider.Providers) != 1 || provider.Providers[0].Type != "file" || provider.Providers[0].Options.Path == "" {
		t.Errorf("dashboard provider: %+v, want one file provider with a path", provider)
	}
	var sources struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, UID, Type, URL string
		} `yaml:"datasources"`
	}
	readYAML(t, filepath.Join(grafanaProvisioning, "datasources", "prometheus.yml"), &sources)
	var current string
	for _, v := range dash["templating"].(map[string]any)["list"].([]any) {
		if v := v.(map[string]any); v["type"] == "datasource" {
			current, _ = v["current"].(map[string]any)["value"].(string)
		}
	}
	if sources.APIVersion != 1 || len(sources.Datasources) != 1 || sources.Datasources[0].Type != "prometheus" || sources.Datasources[0].UID != current {
		t.Errorf("data sources: %+v, want one prometheus source with uid %q (the dashboard's default)", sources, current)
	}
}

// readYAML decodes a YAML file into v.
func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestExampleGrafanaCollectorHealth evaluates the "Collector health"
// panel's query with promtool over series where a collector's status label
// changes between scans: the panel must keep one row per host and
// collector (its legend), and show not ok while a failed status is within
// Prometheus' lookback.
func TestExampleGrafanaCollectorHealth(t *testing.T) {
	promtool := requirePromtool(t)
	b, err := os.ReadFile(grafanaDashboard)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr   string `json:"expr"`
				Legend string `json:"legendFormat"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	var expr string
	for _, p := range dash.Panels {
		if p.Title == "Collector health" && len(p.Targets) == 1 {
			expr = grafanaVars.Replace(p.Targets[0].Expr)
			if p.Targets[0].Legend != "{{host}} {{collector}}" {
				t.Errorf("legend %q, want one row per host and collector", p.Targets[0].Legend)
			}
		}
	}
	if expr == "" {
		t.Fatal("no Collector health panel with one query")
	}
	series := func(collector, status string) string {
		return fmt.Sprintf(`mlscan_collector_up{collector=%q,host="server-84",instance="server-84:9100",job="node",status=%q}`, collector, status)
	}
	row := func(collector string) string { return fmt.Sprintf(`{collector=%q, host="server-84"}`, collector) }
	type sample struct {
		Labels string  `yaml:"labels"`
		Value  float64 `yaml:"value"`
	}
	type exprTest struct {
		Expr     string   `yaml:"expr"`
		EvalTime string   `yaml:"eval_time"`
		Samples  []sample `yaml:"exp_samples"`
	}
	var tests []map[string]any
	for _, tc := range []struct {
		name   string
		series []map[string]string
		at     string
		want   []sample
	}{
		{
			name:   "steady ok",
			series: []map[string]string{{"series": series("docker", "ok"), "values": "1+0x120"}},
			at:     "90m", want: []sample{{row("docker"), 1}},
		},
		{
			name:   "ok, then error: the scan after the change",
			series: []map[string]string{{"series": series("docker", "ok"), "values": "1+0x59"}, {"series": series("docker", "error"), "values": "_x60 0+0x60"}},
			at:     "62m", want: []sample{{row("docker"), 0}},
		},
		{
			name:   "ok, then error: later",
			series: []map[string]string{{"series": series("docker", "ok"), "values": "1+0x59"}, {"series": series("docker", "error"), "values": "_x60 0+0x60"}},
			at:     "90m", want: []sample{{row("docker"), 0}},
		},
		{
			name:   "unavailable, then ok: the scan after the change",
			series: []map[string]string{{"series": series("docker", "unavailable"), "values": "0+0x59"}, {"series": series("docker", "ok"), "values": "_x60 1+0x60"}},
			at:     "62m", want: []sample{{row("docker"), 0}},
		},
		{
			name:   "unavailable, then ok: later",
			series: []map[string]string{{"series": series("docker", "unavailable"), "values": "0+0x59"}, {"series": series("docker", "ok"), "values": "_x60 1+0x60"}},
			at:     "70m", want: []sample{{row("docker"), 1}},
		},
		{
			name:   "two collectors",
			series: []map[string]string{{"series": series("docker", "ok"), "values": "1+0x120"}, {"series": series("ufw", "permission"), "values": "0+0x120"}},
			at:     "90m", want: []sample{{row("docker"), 1}, {row("ufw"), 0}},
		},
	} {
		tests = append(tests, map[string]any{
			"name":             tc.name,
			"interval":         "1m",
			"input_series":     tc.series,
			"promql_expr_test": []exprTest{{Expr: expr, EvalTime: tc.at, Samples: tc.want}},
		})
	}
	y, err := yaml.Marshal(map[string]any{"tests": tests})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "collector-health.test.yml")
	if err := os.WriteFile(f, y, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "test", "rules", f).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}
