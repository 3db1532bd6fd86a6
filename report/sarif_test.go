package report

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
)

// decodeSARIF renders reports as SARIF, checks them against the schema
// and GitHub's rules, and decodes them.
func decodeSARIF(t *testing.T, opt Options, reports ...*scanner.Report) *sarif.Report {
	t.Helper()
	out := render(t, "sarif", opt, reports...)
	checkSARIF(t, out)
	var doc sarif.Report
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

func fingerprints(run *sarif.Run) []string {
	var fps []string
	for _, r := range run.Results {
		fps = append(fps, r.PartialFingerprints["primaryLocationLineHash"].(string))
	}
	return fps
}

// TestSARIFDocumentedHost checks the run of the documented host against the
// contract of sarif-github.md §8.
func TestSARIFDocumentedHost(t *testing.T) {
	rep := docReport(t)
	doc := decodeSARIF(t, Options{}, rep)
	if doc.Version != "2.1.0" || doc.Schema != sarifSchemaURI || len(doc.Runs) != 1 {
		t.Fatalf("version %q schema %q runs %d", doc.Version, doc.Schema, len(doc.Runs))
	}
	run := doc.Runs[0]
	d := run.Tool.Driver
	if d.Name != "mlscan" || *d.Version != testVersion || *d.SemanticVersion != testVersion || *d.InformationURI != InformationURI {
		t.Errorf("driver %s %v %v %v", d.Name, *d.Version, d.SemanticVersion, d.InformationURI)
	}
	if got, want := *run.AutomationDetails.ID, "mlscan/host:"+rep.Host+"/"; got != want {
		t.Errorf("category %q, want %q", got, want)
	}

	// Every check is a rule, in id order, before any result refers to it.
	ids := map[string]int{}
	for i, r := range d.Rules {
		ids[r.ID] = i
		if i > 0 && d.Rules[i-1].ID >= r.ID {
			t.Errorf("rules not sorted: %s before %s", d.Rules[i-1].ID, r.ID)
		}
	}
	for _, ch := range rep.Checks {
		if _, ok := ids[ch.ID]; !ok {
			t.Errorf("check %s is not a rule", ch.ID)
		}
	}

	// One result per unwaived failure, in report order.
	var fails []scanner.Result
	for _, r := range rep.Results {
		if r.Status == scanner.StatusFail {
			fails = append(fails, r)
		}
	}
	if len(run.Results) != len(fails) {
		t.Fatalf("%d results, %d failures", len(run.Results), len(fails))
	}
	for i, res := range run.Results {
		f := fails[i]
		if want := rep.Host + ": " + f.Subject + ": "; !strings.HasPrefix(*res.Message.Text, want) {
			t.Errorf("message %q does not start with %q", *res.Message.Text, want)
		}
		if id := *res.RuleID; id != f.RuleID && id != f.RuleID+"/"+string(f.Severity) {
			t.Errorf("result of %s has rule %s", f.RuleID, id)
		}
		rule := d.Rules[*res.RuleIndex]
		if want := securitySeverity[f.Severity]; rule.Properties["security-severity"] != nil && rule.Properties["security-severity"] != want {
			t.Errorf("%s (%s): rule security-severity %v, want %s", f.RuleID, f.Severity, rule.Properties["security-severity"], want)
		}
		if got := *res.Level; got != sarifLevel(f.Severity) {
			t.Errorf("%s (%s): level %s", f.RuleID, f.Severity, got)
		}
		fp := res.PartialFingerprints["primaryLocationLineHash"].(string)
		if !strings.HasPrefix(fp, Fingerprint(f.RuleID, rep.Host, f.Subject)+":") {
			t.Errorf("%s %s: fingerprint %s is not sha256(rule|host|subject)", f.RuleID, f.Subject, fp)
		}
	}
	if len(run.Invocations) != 1 || run.Invocations[0].ExecutionSuccessful == nil {
		t.Fatal("no invocation")
	}
	collectorFailed := false
	for _, c := range rep.Collectors {
		collectorFailed = collectorFailed || c.Status == "error"
	}
	if *run.Invocations[0].ExecutionSuccessful == collectorFailed && rep.Summary.ByStatus[scanner.StatusError] == 0 {
		t.Errorf("executionSuccessful %v with collector failure %v", *run.Invocations[0].ExecutionSuccessful, collectorFailed)
	}
}

// TestSARIFRuleMetadata checks each rule carries what GitHub shows.
func TestSARIFRuleMetadata(t *testing.T) {
	rep := docReport(t)
	doc := decodeSARIF(t, Options{}, rep)
	checks := map[string]scanner.Check{}
	for _, ch := range rep.Checks {
		checks[ch.ID] = ch
	}
	for _, r := range doc.Runs[0].Tool.Driver.Rules {
		base, sev, variant := strings.Cut(r.ID, "/")
		ch := checks[base]
		if !variant {
			sev = string(ch.Severity)
		}
		if *r.ShortDescription.Text != ch.Title {
			t.Errorf("%s: short description %q, title %q", r.ID, *r.ShortDescription.Text, ch.Title)
		}
		if r.Help == nil || r.Help.Markdown == nil || !strings.Contains(*r.Help.Markdown, "**Remediation:**") && ch.Remediation != "" {
			t.Errorf("%s: help.markdown without the remediation", r.ID)
		}
		if r.HelpURI == nil || !strings.HasPrefix(*r.HelpURI, InformationURI) {
			t.Errorf("%s: helpUri %v", r.ID, r.HelpURI)
		}
		if r.DefaultConfiguration.Level != sarifLevel(scanner.Severity(sev)) {
			t.Errorf("%s: default level %s for %s", r.ID, r.DefaultConfiguration.Level, sev)
		}
		tags, _ := r.Properties["tags"].([]any)
		if len(tags) < 2 || tags[0] != "security" || tags[1] != areaOf(base).tag {
			t.Errorf("%s: tags %v", r.ID, tags)
		}
		ss, has := r.Properties["security-severity"]
		if want, ok := securitySeverity[scanner.Severity(sev)]; ok != has || has && ss != want {
			t.Errorf("%s (%s): security-severity %v", r.ID, sev, ss)
		}
		if r.Properties["precision"] == nil {
			t.Errorf("%s: no precision", r.ID)
		}
	}
}

// TestSARIFEdgeCases checks waivers, locations, notifications and hostile
// strings on the edge report.
func TestSARIFEdgeCases(t *testing.T) {
	rep := edgeReport(t)
	doc := decodeSARIF(t, Options{SourceRoot: infraRoot}, rep)
	run := doc.Runs[0]

	for _, res := range run.Results {
		for _, r := range rep.Results {
			if r.Status == scanner.StatusWaived && strings.HasPrefix(*res.Message.Text, rep.Host+": "+r.Subject+": ") && strings.HasPrefix(*res.RuleID, r.RuleID) {
				t.Errorf("waived %s %s is a result", r.RuleID, r.Subject)
			}
		}
	}
	p := run.Properties
	if p["waived"] != float64(rep.Summary.ByStatus[scanner.StatusWaived]) || p["waived"] == float64(0) || p["waiversExpired"] != float64(1) || p["waiversStale"] != float64(1) {
		t.Errorf("run properties %v", p)
	}

	byMsg := func(prefix string) *sarif.Result {
		for _, r := range run.Results {
			if strings.HasPrefix(*r.Message.Text, prefix) {
				return r
			}
		}
		t.Fatalf("no result starting %q", prefix)
		return nil
	}
	loc := func(r *sarif.Result) (string, int) {
		pl := r.Locations[0].PhysicalLocation
		return *pl.ArtifactLocation.URI, *pl.Region.StartLine
	}
	if uri, line := loc(byMsg(rep.Host + ": ray-head: ")); uri != "deploy/compose.yml" || line != 5 {
		t.Errorf("ray-head at %s:%d, want its service line deploy/compose.yml:5", uri, line)
	}
	if uri, line := loc(byMsg(rep.Host + ": " + hostileName + ": ")); uri != "deploy/compose.yml" || line != 24 {
		t.Errorf("hostile container at %s:%d, want the given line 24", uri, line)
	}
	adhoc := byMsg(rep.Host + ": adhoc: ")
	if uri, line := loc(adhoc); uri != ConfigAnchor || line != 1 || !strings.Contains(*adhoc.Message.Text, "Anchored on the mlscan config") {
		t.Errorf("container outside the source root at %s:%d: %s", uri, line, *adhoc.Message.Text)
	}
	for _, r := range run.Results {
		if strings.ContainsFunc(*r.Message.Text, func(c rune) bool { return isControl(c) || isFormat(c) }) {
			t.Errorf("control character in %q", *r.Message.Text)
		}
	}

	inv := run.Invocations[0]
	if *inv.ExecutionSuccessful {
		t.Error("executionSuccessful with a failed collector")
	}
	var levels []string
	for _, n := range inv.ToolExecutionNotifications {
		levels = append(levels, n.Level+" "+strings.SplitN(*n.Message.Text, ":", 2)[0])
		if strings.ContainsFunc(*n.Message.Text, func(c rune) bool { return isControl(c) || isFormat(c) }) {
			t.Errorf("control character in %q", *n.Message.Text)
		}
	}
	sort.Strings(levels)
	want := []string{"error MLS-RES-001 error", "error " + rep.Host, "warning MLS-CTR-001 unknown"}
	if strings.Join(levels, "; ") != strings.Join(want, "; ") {
		t.Errorf("notifications %q, want %q", levels, want)
	}
}

// TestSARIFCleanRunHasEmptyResults: a host without failures still has a
// results array (GitHub closes the category's alerts with it).
func TestSARIFCleanRunHasEmptyResults(t *testing.T) {
	rep := docReport(t)
	for i := range rep.Results {
		if rep.Results[i].Status == scanner.StatusFail {
			rep.Results[i].Status = scanner.StatusPass
		}
	}
	out := render(t, "sarif", Options{}, rep)
	checkSARIF(t, out)
	if !strings.Contains(string(out), `"results": []`) {
		t.Error("no empty results array")
	}
}

// TestSARIFFingerprintsStable: the same host scanned again after its
// containers were recreated (new container ids and PIDs in the evidence,
// a later scan time) keeps every fingerprint; a changed subject changes
// that result's fingerprint only.
func TestSARIFFingerprintsStable(t *testing.T) {
	a, b := edgeReport(t), edgeReport(t)
	id := regexp.MustCompile(`[0-9a-f]{12,64}`)
	pid := regexp.MustCompile(`pid \d+`)
	recreate := func(s string) string {
		return pid.ReplaceAllString(id.ReplaceAllString(s, "9d8c7b6a5f4e"), "pid 4242")
	}
	for i := range b.Results {
		ev := &b.Results[i].Evidence
		switch o := ev.Observed.(type) {
		case string:
			ev.Observed = recreate(o)
		case []any:
			for k, v := range o {
				if s, ok := v.(string); ok {
					o[k] = recreate(s)
				}
			}
		}
		b.Results[i].Message = recreate(b.Results[i].Message)
	}
	b.ScannedAt = b.ScannedAt.Add(90 * 24 * 3600e9)
	opt := Options{SourceRoot: infraRoot}
	fa, fb := fingerprints(decodeSARIF(t, opt, a).Runs[0]), fingerprints(decodeSARIF(t, opt, b).Runs[0])
	if strings.Join(fa, " ") != strings.Join(fb, " ") {
		t.Fatalf("fingerprints moved after recreating containers:\n%v\n%v", fa, fb)
	}

	c := edgeReport(t)
	changed := -1
	for i, r := range c.Results {
		if r.Status == scanner.StatusFail && r.Subject == "ray-head" {
			c.Results[i].Subject = "ray-head-2"
			changed = i
		}
	}
	if changed < 0 {
		t.Fatal("no ray-head failure")
	}
	fc := fingerprints(decodeSARIF(t, opt, c).Runs[0])
	diff := 0
	for i := range fa {
		if fa[i] != fc[i] {
			diff++
		}
	}
	if diff != 1 {
		t.Errorf("%d fingerprints changed with one subject, want 1", diff)
	}
}

// TestSARIFDuplicateFindingsGetDistinctFingerprints: two failures of one
// rule on one subject are told apart by the ":n" suffix.
func TestSARIFDuplicateFindingsGetDistinctFingerprints(t *testing.T) {
	rep := edgeReport(t)
	for _, r := range rep.Results {
		if r.Status == scanner.StatusFail {
			dup := r
			dup.Message += " (second finding)"
			rep.Results = append(rep.Results, dup)
			break
		}
	}
	scanner.SortResults(rep.Results)
	fps := fingerprints(decodeSARIF(t, Options{SourceRoot: infraRoot}, rep).Runs[0])
	seen := map[string]bool{}
	for _, fp := range fps {
		if seen[fp] {
			t.Errorf("fingerprint %s twice", fp)
		}
		seen[fp] = true
	}
}

// TestSARIFSeveralHosts: one run per host with its own category; a host
// given twice, or more hosts than GitHub's 20 runs, is an error.
func TestSARIFSeveralHosts(t *testing.T) {
	a, b := docReport(t), docReport(t)
	b.Host = "server80"
	doc := decodeSARIF(t, Options{}, a, b)
	if len(doc.Runs) != 2 || *doc.Runs[1].AutomationDetails.ID != "mlscan/host:server80/" {
		t.Fatalf("runs %d", len(doc.Runs))
	}
	r, _ := New("sarif", Options{})
	if err := r.Write(&strings.Builder{}, []*scanner.Report{a, docReport(t)}); err == nil || !strings.Contains(err.Error(), "share the category") {
		t.Errorf("same host twice: %v", err)
	}
	many := make([]*scanner.Report, 21)
	for i := range many {
		many[i] = &scanner.Report{Host: "h" + strings.Repeat("x", i)}
	}
	if err := r.Write(&strings.Builder{}, many); err == nil || !strings.Contains(err.Error(), "at most 20") {
		t.Errorf("21 hosts: %v", err)
	}
}

// TestSARIFMinimalReport: a report with no checks, results or times (as
// read back from JSON) still gives a valid log.
func TestSARIFMinimalReport(t *testing.T) {
	rep := &scanner.Report{Host: "h", Tool: scanner.ToolInfo{Name: "mlscan", Version: "dev"}, Results: []scanner.Result{
		{RuleID: "SITE-001", Title: "Site rule", Severity: scanner.SeverityLow, Status: scanner.StatusFail, Subject: "x", Message: "m"},
	}}
	doc := decodeSARIF(t, Options{}, rep)
	d := doc.Runs[0].Tool.Driver
	// SARIF2005 wants a version that starts with a number: "dev" is a
	// pre-release of 0.0.0.
	if d.Version != nil || d.SemanticVersion == nil || *d.SemanticVersion != "0.0.0-dev" {
		t.Errorf("version %v, semanticVersion %v for version dev, want none and 0.0.0-dev", d.Version, d.SemanticVersion)
	}
	if len(d.Rules) != 1 || d.Rules[0].ID != "SITE-001" || *d.Rules[0].HelpURI != InformationURI+"#checks" {
		t.Errorf("rules %+v", d.Rules)
	}
}

func TestEscapeURIPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"deploy/compose.yml", "deploy/compose.yml"},
		{"deploy/my compose.yml", "deploy/my%20compose.yml"},
		{"a:b/c#d?e%f", "a%3Ab/c%23d%3Fe%25f"},
		{"ünï/cöde.yml", "%C3%BCn%C3%AF/c%C3%B6de.yml"},
	} {
		got := escapeURIPath(tc.in)
		if got != tc.want {
			t.Errorf("escapeURIPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if msg := lintURI(got); msg != "" {
			t.Errorf("%q: %s", got, msg)
		}
	}
}

func TestLocatorRepoPath(t *testing.T) {
	root, err := filepath.Abs(infraRoot)
	if err != nil {
		t.Fatal(err)
	}
	l := newLocator(infraRoot)
	for _, tc := range []struct {
		name, file, want string
		ok               bool
	}{
		{"under root", filepath.Join(root, "deploy", "compose.yml"), "deploy/compose.yml", true},
		{"unclean under root", root + "/deploy/../deploy/./compose.yml", "deploy/compose.yml", true},
		{"outside root", "/opt/other/compose.yml", "", false},
		{"sibling with root as prefix", root + "-old/compose.yml", "", false},
		{"the root itself", root, "", false},
		{"relative", "deploy/compose.yml", "deploy/compose.yml", true},
		{"relative escaping", "../secrets/compose.yml", "", false},
		{"embedded default", scanner.DefaultConfigName, "", false},
		{"control character", "deploy/\x1b[2Jcompose.yml", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel, _, ok := l.repoPath(tc.file)
			if ok != tc.ok || rel != tc.want {
				t.Errorf("repoPath(%q) = %q, %v; want %q, %v", tc.file, rel, ok, tc.want, tc.ok)
			}
		})
	}
	if _, _, ok := newLocator("").repoPath(filepath.Join(root, "deploy", "compose.yml")); ok {
		t.Error("absolute path mapped without a source root")
	}
}

func TestLocatorKeyLine(t *testing.T) {
	l := newLocator(infraRoot)
	compose := filepath.Join(infraRoot, "deploy", "compose.yml")
	for _, tc := range []struct {
		what string
		want int
	}{
		{"compose service ray-head", 5},
		{"service flower", 24},
		{"compose service redis", 11},
		{"compose service missing", 4}, // the services: key
		{"something else", 0},
	} {
		if got := l.keyLine(compose, locationKeys(tc.what)); got != tc.want {
			t.Errorf("%q: line %d, want %d", tc.what, got, tc.want)
		}
	}
	if got := l.keyLine(filepath.Join(infraRoot, "nope.yml"), []string{"services", "x"}); got != 0 {
		t.Errorf("missing file: line %d", got)
	}
}

// TestSARIFConfigFileLocations evaluates the documented host with a real
// --config file of the infrastructure repository: registry findings sit on
// their entry's line of that file, and without a source root they are
// anchored on the default anchor with a message that says why.
func TestSARIFConfigFileLocations(t *testing.T) {
	cfgPath, err := filepath.Abs(filepath.Join(infraRoot, "mlscan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	data, err := cfg.Data()
	if err != nil {
		t.Fatal(err)
	}
	e, err := scanner.Load(context.Background(), []scanner.PolicySource{{Name: "policies", FS: policies.FS, Verified: true}}, data)
	if err != nil {
		t.Fatal(err)
	}
	rep := evalWith(t, e, docSnapshot)
	lines := map[string]int{}
	for _, entry := range cfg.Registry {
		lines[entry.Service] = entry.Line
	}
	src, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}

	run := decodeSARIF(t, Options{SourceRoot: infraRoot}, rep).Runs[0]
	n := 0
	// Port findings point at the registry; container findings at their
	// compose files (other tests), host findings have no file.
	registryRule := regexp.MustCompile(`^MLS-(EXP-00[123]|REG-00[123])`)
	for _, res := range run.Results {
		if !registryRule.MatchString(*res.RuleID) {
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		if *pl.ArtifactLocation.URI != "mlscan.yaml" {
			t.Errorf("%s at %s", *res.RuleID, *pl.ArtifactLocation.URI)
		}
		msg := *res.Message.Text
		m := regexp.MustCompile(`Fix it at registry entry (\S+)$`).FindStringSubmatch(msg)
		if *res.RuleID != "MLS-REG-002" {
			continue
		}
		n++
		if m == nil || strings.Contains(msg, "Anchored") {
			t.Errorf("message %q does not name the registry entry", msg)
			continue
		}
		line := *pl.Region.StartLine
		if line != lines[m[1]] || line == 0 {
			t.Errorf("%s entry %s at line %d, want %d", *res.RuleID, m[1], line, lines[m[1]])
		}
		if got := strings.Split(string(src), "\n")[line-1]; !strings.Contains(got, "- port:") {
			t.Errorf("line %d of the config is %q, not a registry entry", line, got)
		}
	}
	if n == 0 {
		t.Fatal("no MLS-REG-002 failure")
	}

	for _, res := range decodeSARIF(t, Options{}, rep).Runs[0].Results {
		if !registryRule.MatchString(*res.RuleID) {
			continue
		}
		if msg := *res.Message.Text; !strings.Contains(msg, "Anchored on the mlscan config: "+cfgPath+" is not in the repository") {
			t.Errorf("without a source root: %q", msg)
		}
	}
}
