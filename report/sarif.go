package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
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
	driver.Version, driver.SemanticVersion = sarifVersions(sanitize(r.Tool.Version))
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
		if collectorStatus(c) == snapshot.StatusOK {
			continue
		}
		level := "warning"
		switch collectorStatus(c) {
		case snapshot.StatusError:
			level, ok = "error", false
		case snapshot.StatusSkipped:
			level = "note"
		}
		msg := fmt.Sprintf("%s: collector %s: %s", host, name, c.Status)
		if c.Error != "" {
			msg += ": " + sanitize(c.Error)
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
			msg := fmt.Sprintf("%s %s: %s: %s: %s.", res.RuleID, string(res.Status), host, sanitize(res.Subject), strings.TrimSuffix(sanitize(res.Message), "."))
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
	subject := sanitize(res.Subject)
	msg := fmt.Sprintf("%s: %s: %s", host, subject, sanitize(res.Message))
	if ev := sanitize(evidenceLine(res.Evidence)); ev != "" {
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
