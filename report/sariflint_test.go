package report

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sarifSchemaFile is the OASIS SARIF 2.1.0 schema (errata01); see
// testdata/sarif/README.md for its origin.
const sarifSchemaFile = "../testdata/sarif/sarif-schema-2.1.0.json"

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// sarifSchema compiles the OASIS schema once, with format assertions on.
func sarifSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(sarifSchemaFile)
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(sarifSchemaURI, doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile(sarifSchemaURI)
	})
	if schemaErr != nil {
		tb.Fatal(schemaErr)
	}
	return schema
}

// checkSARIF fails the test unless data is valid against the OASIS schema
// and passes lintSARIF (GitHub's own rules).
func checkSARIF(tb testing.TB, data []byte) {
	tb.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("SARIF is not JSON: %v", err)
	}
	if err := sarifSchema(tb).Validate(inst); err != nil {
		tb.Errorf("SARIF is not valid against the SARIF 2.1.0 schema: %v", err)
	}
	for _, p := range lintSARIF(data) {
		tb.Errorf("GitHub lint: %s", p)
	}
}

// Schema-agnostic views of a SARIF log, for the lint.
type (
	lintLog struct {
		Version string     `json:"version"`
		Schema  string     `json:"$schema"`
		Runs    []*lintRun `json:"runs"`
	}
	lintRun struct {
		Tool struct {
			Driver struct {
				Name            string      `json:"name"`
				FullName        string      `json:"fullName"`
				Version         string      `json:"version"`
				SemanticVersion string      `json:"semanticVersion"`
				GUID            string      `json:"guid"`
				Rules           []*lintRule `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		AutomationDetails *struct {
			ID string `json:"id"`
		} `json:"automationDetails"`
		Results     *[]*lintResult `json:"results"`
		Invocations []struct {
			ExecutionSuccessful        *bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Level   string       `json:"level"`
				Message *lintMessage `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		OriginalURIBaseIDs map[string]any `json:"originalUriBaseIds"`
	}
	lintRule struct {
		ID               string       `json:"id"`
		Name             string       `json:"name"`
		ShortDescription *lintMessage `json:"shortDescription"`
		FullDescription  *lintMessage `json:"fullDescription"`
		Help             *struct {
			Text     string `json:"text"`
			Markdown string `json:"markdown"`
		} `json:"help"`
		DefaultConfiguration *struct {
			Level string `json:"level"`
		} `json:"defaultConfiguration"`
		Properties map[string]any `json:"properties"`
	}
	lintMessage struct {
		Text string `json:"text"`
	}
	lintResult struct {
		RuleID              string         `json:"ruleId"`
		RuleIndex           *int64         `json:"ruleIndex"`
		Level               string         `json:"level"`
		Kind                string         `json:"kind"`
		Message             *lintMessage   `json:"message"`
		Locations           []lintLocation `json:"locations"`
		PartialFingerprints map[string]any `json:"partialFingerprints"`
		Suppressions        []any          `json:"suppressions"`
	}
	lintLocation struct {
		PhysicalLocation *struct {
			ArtifactLocation *struct {
				URI       *string `json:"uri"`
				URIBaseID string  `json:"uriBaseId"`
			} `json:"artifactLocation"`
			Region *struct {
				StartLine *int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
	}
)

var fingerprintRE = regexp.MustCompile(`^[0-9a-f]{16}:[1-9][0-9]*$`)

// lintSARIF checks what GitHub code scanning enforces beyond the schema
// (sarif-github.md §1 and §8) and returns every problem found: runs of
// unique tool and category, a results array in every run, at most 5,000
// results, unique rule ids with short and full descriptions (≤ 1024
// characters), help text, names ≤ 255, ≤ 10 unique string tags, a numeric
// security-severity in (0, 10]; results with a rule id and a ruleIndex
// that point at the same rule, a level, a message, exactly one location
// whose URI is relative, non-empty and survives RFC 3986 escaping, a
// startLine ≥ 1, a primaryLocationLineHash fingerprint, no kind other
// than fail and no suppressions; and a gzip size under 10 MB.
func lintSARIF(data []byte) []string {
	var p []string
	bad := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }
	var log lintLog
	if err := json.Unmarshal(data, &log); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	if log.Version != "2.1.0" {
		bad("version %q, want 2.1.0", log.Version)
	}
	if log.Schema == "" {
		bad("$schema missing")
	}
	if log.Runs == nil {
		bad("runs missing")
	}
	if len(log.Runs) > 20 {
		bad("%d runs, GitHub accepts 20", len(log.Runs))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(data); err != nil {
		bad("gzip: %v", err)
	}
	if err := zw.Close(); err != nil {
		bad("gzip: %v", err)
	}
	if gz.Len() >= 10<<20 {
		bad("gzip size %d bytes, GitHub accepts under 10 MB", gz.Len())
	}
	runKeys := map[string]bool{}
	for ri, run := range log.Runs {
		at := fmt.Sprintf("runs[%d]", ri)
		d := run.Tool.Driver
		if d.Name == "" || d.Name == "CodeQL" {
			bad("%s: tool.driver.name %q", at, d.Name)
		}
		cat := ""
		if run.AutomationDetails != nil {
			cat = run.AutomationDetails.ID
			if !strings.Contains(cat, "/") || strings.HasPrefix(cat, "/") {
				bad("%s: automationDetails.id %q has no category (want category/)", at, cat)
			}
		}
		key := strings.Join([]string{d.Name, d.FullName, d.Version, d.SemanticVersion, d.GUID, cat}, "\x00")
		if runKeys[key] {
			bad("%s: another run has the same tool and category %q", at, cat)
		}
		runKeys[key] = true
		if len(run.OriginalURIBaseIDs) > 0 {
			bad("%s: originalUriBaseIds is not supported by GitHub", at)
		}
		if len(run.Invocations) == 0 || run.Invocations[0].ExecutionSuccessful == nil {
			bad("%s: invocations[0].executionSuccessful missing", at)
		}
		for _, inv := range run.Invocations {
			for ni, n := range inv.ToolExecutionNotifications {
				if n.Message == nil || strings.TrimSpace(n.Message.Text) == "" {
					bad("%s: notification %d has no message", at, ni)
				}
			}
		}

		ruleIdx := map[string]int{}
		for i, r := range d.Rules {
			rat := fmt.Sprintf("%s: rule %q", at, r.ID)
			if r.ID == "" {
				bad("%s: rule %d has no id", at, i)
			}
			if _, dup := ruleIdx[r.ID]; dup {
				bad("%s: duplicate rule id", rat)
			}
			ruleIdx[r.ID] = i
			if len([]rune(r.Name)) > 255 {
				bad("%s: name longer than 255", rat)
			}
			for _, m := range []struct {
				what string
				msg  *lintMessage
			}{{"shortDescription", r.ShortDescription}, {"fullDescription", r.FullDescription}} {
				switch {
				case m.msg == nil || strings.TrimSpace(m.msg.Text) == "":
					bad("%s: %s.text missing", rat, m.what)
				case len([]rune(m.msg.Text)) > 1024:
					bad("%s: %s.text longer than 1024", rat, m.what)
				}
			}
			if r.Help == nil || strings.TrimSpace(r.Help.Text) == "" {
				bad("%s: help.text missing", rat)
			}
			if r.DefaultConfiguration != nil && !oneOfStr(r.DefaultConfiguration.Level, "note", "warning", "error") {
				bad("%s: defaultConfiguration.level %q", rat, r.DefaultConfiguration.Level)
			}
			if tags, ok := r.Properties["tags"]; ok {
				list, ok := tags.([]any)
				if !ok {
					bad("%s: tags is not an array", rat)
				}
				if len(list) > 10 {
					bad("%s: %d tags, GitHub shows 10", rat, len(list))
				}
				seen := map[string]bool{}
				for _, t := range list {
					s, ok := t.(string)
					if !ok || s == "" {
						bad("%s: tag %v is not a non-empty string", rat, t)
					}
					if seen[s] {
						bad("%s: duplicate tag %q", rat, s)
					}
					seen[s] = true
				}
			}
			if v, ok := r.Properties["security-severity"]; ok {
				s, isStr := v.(string)
				f, err := strconv.ParseFloat(s, 64)
				if !isStr || err != nil || f <= 0 || f > 10 {
					bad("%s: security-severity %v is not a number string in (0, 10]", rat, v)
				}
			}
		}

		if run.Results == nil {
			bad("%s: results array missing (GitHub rejects the run)", at)
			continue
		}
		results := *run.Results
		if len(results) > 5000 {
			bad("%s: %d results, GitHub shows only 5000", at, len(results))
		}
		for i, res := range results {
			rat := fmt.Sprintf("%s: results[%d] (%s)", at, i, res.RuleID)
			idx, ok := ruleIdx[res.RuleID]
			if res.RuleID == "" || !ok {
				bad("%s: ruleId names no rule of the run", rat)
			}
			if res.RuleIndex != nil && (*res.RuleIndex < 0 || *res.RuleIndex >= int64(len(d.Rules)) || *res.RuleIndex != int64(idx)) {
				bad("%s: ruleIndex %d does not point at rule %s", rat, *res.RuleIndex, res.RuleID)
			}
			if !oneOfStr(res.Level, "note", "warning", "error") {
				bad("%s: level %q", rat, res.Level)
			}
			if res.Kind != "" && res.Kind != "fail" {
				bad("%s: kind %q (GitHub turns every result into an alert)", rat, res.Kind)
			}
			if len(res.Suppressions) > 0 {
				bad("%s: suppressions are ignored by GitHub (the alert stays open)", rat)
			}
			if res.Message == nil || strings.TrimSpace(res.Message.Text) == "" {
				bad("%s: message.text missing", rat)
			}
			if len(res.Locations) != 1 {
				bad("%s: %d locations, want exactly 1", rat, len(res.Locations))
			}
			for _, l := range res.Locations {
				pl := l.PhysicalLocation
				if pl == nil || pl.ArtifactLocation == nil || pl.ArtifactLocation.URI == nil {
					bad("%s: location without physicalLocation.artifactLocation.uri", rat)
					continue
				}
				if pl.ArtifactLocation.URIBaseID != "" {
					bad("%s: uriBaseId is not supported by GitHub", rat)
				}
				if msg := lintURI(*pl.ArtifactLocation.URI); msg != "" {
					bad("%s: uri %q: %s", rat, *pl.ArtifactLocation.URI, msg)
				}
				if pl.Region == nil || pl.Region.StartLine == nil || *pl.Region.StartLine < 1 {
					bad("%s: region.startLine missing or < 1", rat)
				}
			}
			fp, _ := res.PartialFingerprints["primaryLocationLineHash"].(string)
			if !fingerprintRE.MatchString(fp) {
				bad("%s: partialFingerprints.primaryLocationLineHash %q", rat, fp)
			}
		}
	}
	return p
}

// lintURI returns why a result URI would not do for GitHub, or "": it must
// be a non-empty relative reference (no scheme, host or leading slash)
// that parses, has no "..", and equals its own RFC 3986 re-escaping.
func lintURI(uri string) string {
	if uri == "" {
		return "empty"
	}
	u, err := url.Parse(uri)
	if err != nil {
		return err.Error()
	}
	switch {
	case u.Scheme != "":
		return "has a scheme"
	case u.Host != "" || strings.HasPrefix(uri, "/"):
		return "not relative to the repository root"
	case u.RawQuery != "" || u.Fragment != "":
		return "has a query or fragment"
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return "has an empty, . or .. segment"
		}
	}
	if again := escapeURIPath(u.Path); again != uri {
		return fmt.Sprintf("does not round-trip RFC 3986 escaping (re-escaped %q)", again)
	}
	for _, r := range uri {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"<>\^`+"`{|}", r) {
			return fmt.Sprintf("holds %q, which must be percent-encoded", r)
		}
	}
	return ""
}

func oneOfStr(s string, list ...string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

// TestLintCatchesGitHubRejections feeds the lint SARIF logs GitHub rejects
// or mangles, so a lint that passes everything cannot hide behind the
// golden tests.
func TestLintCatchesGitHubRejections(t *testing.T) {
	good := `{"version":"2.1.0","$schema":"x","runs":[{"tool":{"driver":{"name":"mlscan","rules":[{"id":"R1","shortDescription":{"text":"s"},"fullDescription":{"text":"f"},"help":{"text":"h"},"properties":{"tags":["security"],"security-severity":"8.0"}}]}},"automationDetails":{"id":"mlscan/host:a/"},"invocations":[{"executionSuccessful":true}],"results":[{"ruleId":"R1","ruleIndex":0,"level":"error","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"deploy/compose.yml"},"region":{"startLine":3}}}],"partialFingerprints":{"primaryLocationLineHash":"0123456789abcdef:1"}}]}]}`
	if p := lintSARIF([]byte(good)); len(p) > 0 {
		t.Fatalf("good log flagged: %v", p)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"no results", `,"results":[{"ruleId"`, `,"x":[{"ruleId"`, "results array missing"},
		{"empty message", `"message":{"text":"m"}`, `"message":{"text":" "}`, "message.text missing"},
		{"no location", `"locations":[{"physicalLocation":{"artifactLocation":{"uri":"deploy/compose.yml"},"region":{"startLine":3}}}]`, `"locations":[]`, "0 locations"},
		{"absolute uri", `"uri":"deploy/compose.yml"`, `"uri":"/srv/deploy/compose.yml"`, "not relative"},
		{"scheme", `"uri":"deploy/compose.yml"`, `"uri":"docker://x/compose.yml"`, "has a scheme"},
		{"space", `"uri":"deploy/compose.yml"`, `"uri":"deploy/my compose.yml"`, "round-trip"},
		{"no start line", `"region":{"startLine":3}`, `"region":{"startColumn":3}`, "startLine"},
		{"line 0", `"startLine":3`, `"startLine":0`, "startLine"},
		{"severity not a number", `"security-severity":"8.0"`, `"security-severity":"high"`, "security-severity"},
		{"severity as number", `"security-severity":"8.0"`, `"security-severity":8.0`, "security-severity"},
		{"severity zero", `"security-severity":"8.0"`, `"security-severity":"0.0"`, "security-severity"},
		{"too many tags", `"tags":["security"]`, `"tags":["a","b","c","d","e","f","g","h","i","j","k"]`, "11 tags"},
		{"duplicate tags", `"tags":["security"]`, `"tags":["security","security"]`, "duplicate tag"},
		{"duplicate rule", `"properties":{"tags":["security"],"security-severity":"8.0"}}]`, `"properties":{}},{"id":"R1","shortDescription":{"text":"s"},"fullDescription":{"text":"f"},"help":{"text":"h"}}]`, "duplicate rule id"},
		{"index out of range", `"ruleIndex":0`, `"ruleIndex":7`, "ruleIndex 7"},
		{"unknown rule", `"ruleId":"R1","ruleIndex":0`, `"ruleId":"R2"`, "names no rule"},
		{"no fingerprint", `"partialFingerprints":{"primaryLocationLineHash":"0123456789abcdef:1"}`, `"partialFingerprints":{}`, "primaryLocationLineHash"},
		{"no short description", `"shortDescription":{"text":"s"},`, ``, "shortDescription"},
		{"pass result", `"level":"error",`, `"level":"error","kind":"pass",`, "kind"},
		{"no category", `"mlscan/host:a/"`, `"host a"`, "no category"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("case does not apply: %q", tc.from)
			}
			p := lintSARIF([]byte(strings.Replace(good, tc.from, tc.to, 1)))
			if !strings.Contains(strings.Join(p, "\n"), tc.want) {
				t.Errorf("lint %v, want a problem with %q", p, tc.want)
			}
		})
	}
	two := strings.Replace(good, `"runs":[{`, `"runs":[{"tool":{"driver":{"name":"mlscan","rules":[]}},"automationDetails":{"id":"mlscan/host:a/"},"invocations":[{"executionSuccessful":true}],"results":[]},{`, 1)
	if p := lintSARIF([]byte(two)); !strings.Contains(strings.Join(p, "\n"), "same tool and category") {
		t.Errorf("two runs of one category not flagged: %v", p)
	}
}

// TestSchemaCatchesGoSarifPitfalls checks the schema gate rejects what a
// careless go-sarif v2 caller produces (sarif-github.md §6.3).
func TestSchemaCatchesGoSarifPitfalls(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"null shortDescription", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"m","rules":[{"id":"R","shortDescription":null}]}},"results":[]}]}`},
		{"null rules", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"m","rules":null}},"results":[]}]}`},
		{"empty message", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"m"}},"results":[{"message":{}}]}]}`},
		{"level high", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"m"}},"results":[{"level":"high","message":{"text":"x"}}]}]}`},
		{"null executionSuccessful", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"m"}},"invocations":[{"executionSuccessful":null}],"results":[]}]}`},
		{"int fingerprint", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"m"}},"results":[{"message":{"text":"x"},"partialFingerprints":{"primaryLocationLineHash":1}}]}]}`},
		{"region without line", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"m"}},"results":[{"message":{"text":"x"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startColumn":1}}}]}]}]}`},
		{"bad time", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"m"}},"invocations":[{"executionSuccessful":true,"startTimeUtc":"yesterday"}],"results":[]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if sarifSchema(t).Validate(inst) == nil {
				t.Error("schema accepted it")
			}
		})
	}
}
