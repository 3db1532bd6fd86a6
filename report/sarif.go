package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"go.yaml.in/yaml/v3"

	"github.com/mlscan/mlscan/scanner"
)

// SARIF writes SARIF 2.1.0 that GitHub code scanning accepts
// (../shared/ref/sarif-github.md §8): one run per host, categorised
// mlscan/host:<host>/; every check as a rule, sorted by id; one result per
// unwaived failure, located on a repository file (the compose service of a
// container, the registry entry of a port, or else the mlscan config) with
// a fingerprint that depends only on rule, host and subject; unknown and
// error results as tool execution notifications. Waived results are left
// out and counted in the run's properties.
type SARIF struct {
	Options
}

var _ Reporter = (*SARIF)(nil)

const (
	// sarifSchemaURI is the $id of the OASIS schema the tests validate with.
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// InformationURI is mlscan's home page, for SARIF and rule help links.
	InformationURI = "https://github.com/mlscan/mlscan"
	// ConfigAnchor is the repository file host-level findings are anchored
	// on when the embedded default configuration is in use, or when the
	// --config file is not under the source root.
	ConfigAnchor = "mlscan.yaml"

	// GitHub's limits (sarif-github.md §5).
	sarifMaxRuns    = 20
	sarifMaxResults = 25000
	sarifMaxText    = 1024
	sarifMaxName    = 255
	sarifMaxTags    = 10
)

// securitySeverity is GitHub's numeric severity per mlscan severity: the
// middle of each of GitHub's bands (over 9.0 critical, 7.0-8.9 high,
// 4.0-6.9 medium, 0.1-3.9 low). Info has none: any value in (0, 10] would
// make GitHub show it as at least Low, and 0.0 means "no security
// severity" anyway, so an info rule shows as a Note (its level).
var securitySeverity = map[scanner.Severity]string{
	scanner.SeverityCritical: "9.5",
	scanner.SeverityHigh:     "8.0",
	scanner.SeverityMedium:   "5.5",
	scanner.SeverityLow:      "2.0",
}

// sarifLevel maps a severity to a SARIF level: error for critical and
// high, warning for medium, note for low and info.
func sarifLevel(s scanner.Severity) string {
	switch s {
	case scanner.SeverityCritical, scanner.SeverityHigh:
		return "error"
	case scanner.SeverityMedium:
		return "warning"
	}
	return "note"
}

// problemSeverity is the non-security severity GitHub reads from
// properties.problem.severity.
func problemSeverity(s scanner.Severity) string {
	switch s {
	case scanner.SeverityCritical, scanner.SeverityHigh:
		return "error"
	case scanner.SeverityMedium:
		return "warning"
	}
	return "recommendation"
}

// areas names the rule area of each id prefix, used as a rule tag.
var areas = map[string]string{
	"FW":   "firewall",
	"EXP":  "exposure",
	"AUTH": "authentication",
	"CTR":  "containers",
	"RES":  "resources",
	"SSH":  "ssh",
	"REG":  "port-registry",
	"SEC":  "secrets",
}

// ruleArea returns the area of a rule id like MLS-FW-001 ("firewall"); an
// unknown prefix is returned lower-cased.
func ruleArea(id string) string {
	parts := strings.Split(id, "-")
	if len(parts) < 3 {
		return "other"
	}
	p := parts[len(parts)-2]
	if a, ok := areas[p]; ok {
		return a
	}
	return strings.ToLower(p)
}

// sarifVersions gives the driver's version and semanticVersion for
// mlscan's version v. SARIF2005 (the Multitool) wants a version that
// starts with a number: a Go module version loses its "v" ("v1.4.0" →
// "1.4.0"). A version that is not numeric (MAJOR.MINOR...: a bare commit,
// even one that starts with a digit, or "dev" when nothing is known) is
// left out of version and given as the pre-release of 0.0.0 in
// semanticVersion ("dev" → "0.0.0-dev"), which sorts before every
// release.
func sarifVersions(v string) (version, semantic *string) {
	v = strings.TrimSpace(v)
	if v == "" {
		v = "dev"
	}
	if t := strings.TrimPrefix(v, "v"); numericVersionRE.MatchString(t) {
		if semverRE.MatchString(t) {
			return strPtr(t), strPtr(t)
		}
		return strPtr(t), nil
	}
	pre := strings.Trim(nonSemverRE.ReplaceAllString(v, "-"), "-")
	if pre == "" {
		pre = "dev"
	}
	return nil, strPtr("0.0.0-" + pre)
}

// numericVersionRE matches a version that starts MAJOR.MINOR.
var numericVersionRE = regexp.MustCompile(`^\d+\.\d+`)

// nonSemverRE matches what may not stand in a semver pre-release.
var nonSemverRE = regexp.MustCompile(`[^0-9A-Za-z-]+`)

var semverRE = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// Write implements Reporter. Two reports of one host, or more than 20
// hosts, are an error: GitHub rejects such a file whole.
func (s *SARIF) Write(w io.Writer, reports []*scanner.Report) error {
	if len(reports) > sarifMaxRuns {
		return fmt.Errorf("sarif: %d hosts, but GitHub accepts at most %d runs in one file: write one SARIF file per host", len(reports), sarifMaxRuns)
	}
	doc := &sarif.Report{Version: string(sarif.Version210), Schema: sarifSchemaURI, Runs: []*sarif.Run{}}
	loc := newLocator(s.SourceRoot)
	seen := map[string]bool{}
	for _, r := range reports {
		run, err := s.run(r, loc)
		if err != nil {
			return err
		}
		id := *run.AutomationDetails.ID
		if seen[id] {
			return fmt.Errorf("sarif: two reports of host %q: GitHub rejects runs that share the category %s", r.Host, id)
		}
		seen[id] = true
		doc.Runs = append(doc.Runs, run)
	}
	// Like the JSON report, no HTML escaping: "<redacted>" stays readable.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// hostName is the report's host with control characters removed, or
// "unknown-host" when the snapshot named none.
func hostName(r *scanner.Report) string {
	if h := strings.TrimSpace(clean(r.Host)); h != "" {
		return h
	}
	return "unknown-host"
}

// SARIFCategory is the automationDetails.id of a host's run: GitHub keeps
// one analysis per category, so each host needs its own.
func SARIFCategory(host string) string { return "mlscan/host:" + host + "/" }

func (s *SARIF) run(r *scanner.Report, loc *locator) (*sarif.Run, error) {
	host := hostName(r)
	rules := newRuleSet(r)
	driver := &sarif.ToolComponent{
		Name:           "mlscan",
		InformationURI: strPtr(InformationURI),
		Rules:          rules.rules,
	}
	driver.Version, driver.SemanticVersion = sarifVersions(clean(r.Tool.Version))
	run := &sarif.Run{
		Tool:              sarif.Tool{Driver: driver},
		Results:           []*sarif.Result{},
		AutomationDetails: &sarif.RunAutomationDetails{ID: strPtr(SARIFCategory(host))},
	}

	inv := &sarif.Invocation{Machine: strPtr(host)}
	if !r.ScannedAt.IsZero() {
		t := r.ScannedAt.UTC()
		inv.StartTimeUTC = &t
	}
	ok := true
	for _, name := range sortedKeys(r.Collectors) {
		c := r.Collectors[name]
		if c.Status == "ok" {
			continue
		}
		level := "warning"
		switch c.Status {
		case "error":
			level, ok = "error", false
		case "skipped":
			level = "note"
		}
		msg := fmt.Sprintf("%s: collector %s: %s", host, name, c.Status)
		if c.Error != "" {
			msg += ": " + clean(c.Error)
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, &sarif.Notification{
			Level:   level,
			Message: &sarif.Message{Text: strPtr(msg)},
		})
	}

	waived := 0
	seenFP := map[string]int{}
	for i := range r.Results {
		res := &r.Results[i]
		switch res.Status {
		case scanner.StatusWaived:
			waived++
		case scanner.StatusUnknown, scanner.StatusError:
			level := "warning"
			if res.Status == scanner.StatusError {
				level, ok = "error", false
			}
			msg := fmt.Sprintf("%s %s: %s: %s: %s.", res.RuleID, string(res.Status), host, clean(res.Subject), strings.TrimSuffix(clean(res.Message), "."))
			if fix := verifyFix(r, res); fix != "" {
				msg += " Fix: " + fix
			}
			n := &sarif.Notification{Level: level, Message: &sarif.Message{Text: strPtr(msg)}}
			if idx, found := rules.index[res.RuleID]; found {
				n.AssociatedRule = &sarif.ReportingDescriptorReference{Id: strPtr(res.RuleID), Index: uintPtr(idx)}
			}
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
		case scanner.StatusFail:
			run.Results = append(run.Results, s.result(r, res, host, rules, loc, seenFP))
		}
	}
	if len(run.Results) > sarifMaxResults {
		return nil, fmt.Errorf("sarif: host %s has %d failures, more than the %d results GitHub accepts in a run", host, len(run.Results), sarifMaxResults)
	}
	inv.ExecutionSuccessful = &ok
	run.Invocations = []*sarif.Invocation{inv}

	states := map[string]int{}
	for _, w := range r.Waivers {
		states[w.State]++
	}
	summary := map[string]int{}
	for _, st := range scanner.Statuses {
		summary[string(st)] = r.Summary.ByStatus[st]
	}
	run.Properties = sarif.Properties{
		"host":            host,
		"isRoot":          r.IsRoot,
		"policyDigest":    r.PolicyDigest,
		"configDigest":    r.ConfigDigest,
		"results":         summary,
		"waived":          waived,
		"waiversApplied":  states[scanner.WaiverApplied],
		"waiversExpired":  states[scanner.WaiverExpired],
		"waiversStale":    states[scanner.WaiverStale],
		"addresses":       sanitizeAll(r.Addresses),
		"unknownOrErrors": r.Summary.ByStatus[scanner.StatusUnknown] + r.Summary.ByStatus[scanner.StatusError],
	}
	return run, nil
}

// result turns one failure into a SARIF result.
func (s *SARIF) result(r *scanner.Report, res *scanner.Result, host string, rules *ruleSet, loc *locator, seenFP map[string]int) *sarif.Result {
	id := rules.idFor(res)
	fl := loc.locate(r, res)
	subject := clean(res.Subject)
	msg := fmt.Sprintf("%s: %s: %s", host, subject, clean(res.Message))
	if ev := clean(evidenceLine(res.Evidence)); ev != "" {
		msg += " (" + ev + ")"
	}
	msg += locationNote(fl)
	fp := Fingerprint(res.RuleID, host, res.Subject)
	seenFP[fp]++
	fp += ":" + strconv.Itoa(seenFP[fp])

	out := &sarif.Result{
		RuleID:  strPtr(id),
		Level:   strPtr(sarifLevel(res.Severity)),
		Message: sarif.Message{Text: strPtr(msg)},
		Locations: []*sarif.Location{{
			PhysicalLocation: &sarif.PhysicalLocation{
				ArtifactLocation: &sarif.ArtifactLocation{URI: strPtr(escapeURIPath(fl.Path))},
				Region:           &sarif.Region{StartLine: intPtr(fl.Line)},
			},
		}},
		PartialFingerprints: map[string]interface{}{"primaryLocationLineHash": fp},
	}
	if idx, ok := rules.index[id]; ok {
		out.RuleIndex = uintPtr(idx)
	}
	out.Properties = sarif.Properties{
		"host":     host,
		"subject":  subject,
		"severity": string(res.Severity),
	}
	return out
}

// locationNote tells the reader of a SARIF message where the fix goes,
// and says so when the location is only an anchor on the mlscan config.
func locationNote(fl fileLoc) string {
	switch {
	case fl.Anchored && fl.Unmapped != "":
		return fmt.Sprintf(". Anchored on the mlscan config: %s is not in the repository (outside --source-root)", fl.Unmapped)
	case fl.Anchored && fl.What != "":
		return fmt.Sprintf(". Anchored on the mlscan config at its %s (the embedded default configuration is in use)", fl.What)
	case fl.Anchored:
		return ". Anchored on the mlscan config: this finding has no file of its own in the repository"
	case fl.What != "":
		return fmt.Sprintf(". Fix it at %s", fl.What)
	}
	return ""
}

// Fingerprint is the stable identity of a finding: the first 16 hex digits
// of sha256("rule|host|subject"). It never includes container ids, PIDs,
// ports that move or timestamps, so an alert keeps its identity across
// scans of an unchanged host. SARIF appends ":n" (n-th finding of that
// identity in the run, usually 1) as GitHub's primaryLocationLineHash does.
func Fingerprint(ruleID, host, subject string) string {
	sum := sha256.Sum256([]byte(ruleID + "|" + host + "|" + subject))
	return hex.EncodeToString(sum[:8])
}

// ruleSet is the run's rules, sorted by id, with their indexes.
type ruleSet struct {
	rules  []*sarif.ReportingDescriptor
	index  map[string]int
	checks map[string]scanner.Check
}

// newRuleSet builds a rule per check (the report's checks, plus any rule a
// result names that they lack, as for a report read back from JSON) and a
// rule per severity variant a failure needs: GitHub's security severity is
// per rule, so a failure whose severity differs from its check's (MLS-EXP-001
// is critical for Redis, medium for a metrics port) gets the rule
// "<id>/<severity>", a SARIF hierarchical sub-rule of the check.
func newRuleSet(r *scanner.Report) *ruleSet {
	rs := &ruleSet{index: map[string]int{}, checks: map[string]scanner.Check{}}
	for _, ch := range r.Checks {
		rs.checks[ch.ID] = ch
	}
	for _, res := range r.Results {
		if _, ok := rs.checks[res.RuleID]; !ok {
			rs.checks[res.RuleID] = scanner.Check{ID: res.RuleID, Title: res.Title, Severity: res.Severity, Remediation: res.Remediation, References: res.References}
		}
	}
	type entry struct {
		id  string
		ch  scanner.Check
		sev scanner.Severity
	}
	var all []entry
	for id, ch := range rs.checks {
		all = append(all, entry{id, ch, ch.Severity})
	}
	variants := map[string]bool{}
	for _, res := range r.Results {
		if res.Status != scanner.StatusFail {
			continue
		}
		if id := rs.idFor(&res); id != res.RuleID && !variants[id] {
			variants[id] = true
			all = append(all, entry{id, rs.checks[res.RuleID], res.Severity})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	rs.rules = make([]*sarif.ReportingDescriptor, 0, len(all))
	for i, e := range all {
		rs.index[e.id] = i
		rs.rules = append(rs.rules, sarifRule(e.id, e.ch, e.sev))
	}
	return rs
}

// idFor returns the SARIF rule id of a result: its check's id, or the
// severity variant when the result's severity differs from the check's.
func (rs *ruleSet) idFor(res *scanner.Result) string {
	ch, ok := rs.checks[res.RuleID]
	if !ok || res.Severity == "" || res.Severity == ch.Severity {
		return res.RuleID
	}
	return res.RuleID + "/" + string(res.Severity)
}

// sarifRule describes a check (at severity sev) as a SARIF rule.
func sarifRule(id string, ch scanner.Check, sev scanner.Severity) *sarif.ReportingDescriptor {
	title := oneLine(ch.Title)
	if title == "" {
		title = ch.ID
	}
	desc := oneLine(ch.Description)
	if desc == "" {
		desc = title + "."
	}
	if id != ch.ID {
		desc = fmt.Sprintf("%s This is %s's rule for the findings it rates %s (the check's default is %s).", desc, ch.ID, sev, ch.Severity)
	}
	name := ruleName(title)
	if id != ch.ID {
		name += capitalize(string(sev))
	}

	var text, md strings.Builder
	fmt.Fprintf(&text, "%s\n\n%s\n\nSeverity: %s.", title, desc, sev)
	fmt.Fprintf(&md, "**%s** (severity %s)\n\n%s\n\n", mdText(title), sev, mdTrusted(desc))
	if ch.Remediation != "" {
		fmt.Fprintf(&text, "\n\nRemediation: %s", oneLine(ch.Remediation))
		fmt.Fprintf(&md, "**Remediation:** %s\n\n", mdTrusted(oneLine(ch.Remediation)))
	}
	if len(ch.References) > 0 {
		text.WriteString("\n\nReferences:")
		md.WriteString("**References:**\n\n")
		for _, ref := range ch.References {
			fmt.Fprintf(&text, "\n- %s", oneLine(ref))
			fmt.Fprintf(&md, "- %s\n", mdReference(ref))
		}
		md.WriteString("\n")
	}
	fmt.Fprintf(&md, "Rule `%s` of mlscan; waive an accepted finding by this id in a `--waivers` file.", ch.ID)

	props := sarif.Properties{
		"tags":             ruleTags(ch),
		"precision":        "high",
		"problem.severity": problemSeverity(sev),
	}
	if v, ok := securitySeverity[sev]; ok {
		props["security-severity"] = v
	}
	return &sarif.ReportingDescriptor{
		ID:                   id,
		Name:                 strPtr(name),
		ShortDescription:     &sarif.MultiformatMessageString{Text: strPtr(truncate(title, sarifMaxText))},
		FullDescription:      &sarif.MultiformatMessageString{Text: strPtr(truncate(desc, sarifMaxText))},
		DefaultConfiguration: &sarif.ReportingConfiguration{Level: sarifLevel(sev)},
		HelpURI:              strPtr(helpURI(ch)),
		Help:                 &sarif.MultiformatMessageString{Text: strPtr(text.String()), Markdown: strPtr(md.String())},
		Properties:           props,
	}
}

// helpURI links an embedded check to its Rego source, any other to the
// README's checks table.
func helpURI(ch scanner.Check) string {
	if strings.HasPrefix(ch.File, "policies/") && strings.HasSuffix(ch.File, ".rego") && !strings.Contains(ch.File, "..") {
		return InformationURI + "/blob/main/" + escapeURIPath(ch.File)
	}
	return InformationURI + "#checks"
}

// ruleTags are a rule's tags: security, its area, and cis / cve when its
// references cite a CIS Benchmark or a CVE. At most 10, unique.
func ruleTags(ch scanner.Check) []string {
	tags := []string{"security", ruleArea(ch.ID)}
	var cis, cve bool
	for _, ref := range ch.References {
		u := strings.ToUpper(ref)
		cis = cis || strings.HasPrefix(u, "CIS")
		cve = cve || strings.Contains(u, "CVE-")
	}
	if cis {
		tags = append(tags, "cis")
	}
	if cve {
		tags = append(tags, "cve")
	}
	if len(tags) > sarifMaxTags {
		tags = tags[:sarifMaxTags]
	}
	return tags
}

// ruleName makes an identifier-like rule name from a title:
// "No privileged containers" → "NoPrivilegedContainers".
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(capitalize(w))
	}
	if b.Len() == 0 {
		return "Rule"
	}
	return truncate(b.String(), sarifMaxName)
}

func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// clean is sanitize (control characters and terminal escapes out) that
// also drops invisible formatting characters (bidi overrides, zero-width
// spaces), which could make a name read differently in GitHub's pages.
func clean(s string) string { return sanitize(s) }

// oneLine cleans s and folds runs of white space into one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(clean(s)), " ")
}

// truncate cuts s to at most n characters (runes), ending in "…" when cut.
func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// escapeURIPath percent-encodes each segment of a slash-separated
// relative path so it is a valid URI reference GitHub accepts: spaces and
// other reserved characters are escaped, and so is ':' (a colon in the first
// segment would read as a scheme).
func escapeURIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/")
}

func strPtr(s string) *string { return &s }
func intPtr(n int) *int       { return &n }
func uintPtr(n int) *uint     { u := uint(n); return &u }

func sanitizeAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, clean(s))
	}
	return out
}

// verifyFix says how to get the data an unknown result lacked, or what to
// do about a rule that failed to evaluate.
func verifyFix(r *scanner.Report, res *scanner.Result) string {
	if res.Status == scanner.StatusError {
		if ch, ok := checkOf(r, res.RuleID); ok && ch.File != "" && !strings.HasPrefix(ch.File, "policies/") {
			return fmt.Sprintf("fix the Rego of %s (%s): test it with `opa test`, then scan again.", res.RuleID, clean(ch.File))
		}
		return fmt.Sprintf("this is a bug in %s: report it with the snapshot (`mlscan collect -o snapshot.json`).", res.RuleID)
	}
	var fixes []string
	ch, _ := checkOf(r, res.RuleID)
	for _, req := range ch.Requires {
		name, _, _ := strings.Cut(req, ".")
		c, ok := r.Collectors[name]
		switch {
		case !ok:
			fixes = append(fixes, fmt.Sprintf("run the %s collector (it did not run)", name))
		case c.Status == "skipped":
			fixes = append(fixes, fmt.Sprintf("do not skip the %s collector (--collectors, --skip-collectors)", name))
		case c.Status == "permission":
			fixes = append(fixes, fmt.Sprintf("run as root so the %s collector can read its sources (`sudo mlscan scan`)", name))
		case c.Status == "unavailable" && name == "docker":
			fixes = append(fixes, "make the Docker Engine API reachable (is the daemon running? set DOCKER_HOST or --docker-host)")
		case c.Status == "unavailable":
			fixes = append(fixes, fmt.Sprintf("install or start what the %s collector reads", name))
		case c.Status == "error":
			fixes = append(fixes, fmt.Sprintf("fix the %s collector's error shown above and scan again", name))
		}
	}
	if len(fixes) == 0 {
		msg := strings.ToLower(res.Message)
		switch {
		case !r.IsRoot || strings.Contains(msg, "permission"):
			fixes = append(fixes, "run as root (`sudo mlscan scan`): the data needs root to read")
		default:
			fixes = append(fixes, "collect the missing data named in the reason and scan again")
		}
	}
	return strings.Join(fixes, "; ") + "."
}

// checkOf finds a check of the report by id.
func checkOf(r *scanner.Report, id string) (scanner.Check, bool) {
	i := sort.Search(len(r.Checks), func(i int) bool { return r.Checks[i].ID >= id })
	if i < len(r.Checks) && r.Checks[i].ID == id {
		return r.Checks[i], true
	}
	for _, ch := range r.Checks { // not sorted
		if ch.ID == id {
			return ch, true
		}
	}
	return scanner.Check{}, false
}

// fileLoc is where a finding is fixed, as a repository path.
type fileLoc struct {
	// Path is relative to the repository root, slash-separated, unescaped.
	Path string
	Line int
	// What names the thing at that place (a compose service, a registry entry).
	What string
	// Anchored is set when the finding has no file of its own and sits on
	// the mlscan config.
	Anchored bool
	// Mapped is set when Path came from the result's own location.
	Mapped bool
	// Unmapped is the result's own file when it is not in the repository
	// (outside the source root), for the message.
	Unmapped string
}

// locator maps result locations to repository paths and finds the line of
// a compose service or config key, parsing each file once.
type locator struct {
	root  string
	files map[string]*yaml.Node
}

func newLocator(sourceRoot string) *locator {
	l := &locator{files: map[string]*yaml.Node{}}
	if sourceRoot != "" {
		if abs, err := filepath.Abs(sourceRoot); err == nil {
			l.root = abs
		}
	}
	return l
}

// locate returns the repository location of a result: its own location
// when it maps to a repository file, else the mlscan config (anchored).
func (l *locator) locate(r *scanner.Report, res *scanner.Result) fileLoc {
	if loc := res.Location; loc != nil && loc.File != "" {
		what := oneLine(loc.What)
		if loc.File == scanner.DefaultConfigName {
			return fileLoc{Path: ConfigAnchor, Line: max(loc.Line, 1), What: what, Anchored: true}
		}
		if rel, abs, ok := l.repoPath(loc.File); ok {
			line := loc.Line
			if line < 1 {
				line = l.keyLine(abs, locationKeys(loc.What))
			}
			return fileLoc{Path: rel, Line: max(line, 1), What: what, Mapped: true}
		}
	}
	fl := fileLoc{Path: ConfigAnchor, Line: 1, Anchored: true}
	if res.Location != nil {
		fl.Unmapped = oneLine(res.Location.File)
	}
	if rel, _, ok := l.repoPath(r.ConfigFile); ok && r.ConfigFile != scanner.DefaultConfigName {
		fl.Path = rel
	}
	return fl
}

// repoPath maps a file to a repository-relative path (and the path to read
// it at): absolute paths under the source root, or clean relative paths.
func (l *locator) repoPath(file string) (rel, abs string, ok bool) {
	if file == "" || strings.HasPrefix(file, "(") || strings.ContainsFunc(file, isControl) {
		return "", "", false
	}
	if filepath.IsAbs(file) {
		if l.root == "" {
			return "", "", false
		}
		r, err := filepath.Rel(l.root, filepath.Clean(file))
		if err != nil || r == "." || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", "", false
		}
		return filepath.ToSlash(r), filepath.Clean(file), true
	}
	r := path.Clean(filepath.ToSlash(file))
	if r == "." || r == ".." || strings.HasPrefix(r, "../") || strings.HasPrefix(r, "/") {
		return "", "", false
	}
	abs = filepath.FromSlash(r)
	if l.root != "" {
		abs = filepath.Join(l.root, abs)
	}
	return r, abs, true
}

// locationKeys turns a location's What into the YAML key path to look up:
// "compose service NAME" or "service NAME" → services.NAME; "registry" or
// "registry entry NAME" → registry.
func locationKeys(what string) []string {
	w := strings.TrimSpace(what)
	for _, p := range []string{"compose service ", "service "} {
		if name, ok := strings.CutPrefix(w, p); ok && name != "" {
			return []string{"services", name}
		}
	}
	if w == "registry" || strings.HasPrefix(w, "registry entry") {
		return []string{"registry"}
	}
	return nil
}

// keyLine returns the line of the mapping key path keys in the YAML file,
// or 0 when the file or key is not there. Files over 4 MiB are ignored.
func (l *locator) keyLine(file string, keys []string) int {
	if len(keys) == 0 {
		return 0
	}
	doc, seen := l.files[file]
	if !seen {
		if st, err := os.Stat(file); err == nil && st.Mode().IsRegular() && st.Size() <= 4<<20 {
			if b, err := os.ReadFile(file); err == nil {
				var n yaml.Node
				if yaml.Unmarshal(b, &n) == nil && len(n.Content) > 0 {
					doc = n.Content[0]
				}
			}
		}
		l.files[file] = doc
	}
	node, line := doc, 0
	for _, k := range keys {
		if node == nil || node.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == k {
				line, next = node.Content[i].Line, node.Content[i+1]
				break
			}
		}
		if next == nil {
			return line
		}
		node = next
	}
	return line
}
