package scanner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Waiver states.
const (
	WaiverApplied = "applied"
	WaiverExpired = "expired"
	WaiverStale   = "stale"
)

const dateLayout = "2006-01-02"

// LoadWaivers reads a waivers file:
//
//	waivers:
//	  - rule_id: MLS-EXP-002
//	    subject: "8265/tcp"        # glob: * matches any run of characters
//	    host: "server84*"          # optional glob
//	    reason: ...
//	    owner: ...
//	    created: 2026-01-02
//	    expires: 2027-01-02        # required
//	    ticket: https://...        # optional
//
// Errors name the file, the line and what is wrong.
func LoadWaivers(path string) ([]Waiver, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read waivers: %w", err)
	}
	defer f.Close()
	// One byte past the cap is enough for ParseWaivers to refuse it.
	b, err := io.ReadAll(io.LimitReader(f, maxWaiversBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read waivers: %w", err)
	}
	return ParseWaivers(path, b)
}

// maxWaiversBytes caps the size of a waivers file.
const maxWaiversBytes = 4 << 20

// ParseWaivers parses and validates the waivers document b from file name.
func ParseWaivers(name string, b []byte) ([]Waiver, error) {
	if len(b) > maxWaiversBytes {
		return nil, fmt.Errorf("%s: waivers file larger than 4 MiB", name)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, yamlError(name, err)
	}
	var doc struct {
		Waivers []Waiver `yaml:"waivers"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	// Entry lines, for messages and reports.
	if len(root.Content) > 0 {
		top := root.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == "waivers" {
				for j, n := range top.Content[i+1].Content {
					if j < len(doc.Waivers) {
						doc.Waivers[j].Line = n.Line
					}
				}
			}
		}
	}
	var errs []string
	for i := range doc.Waivers {
		w := &doc.Waivers[i]
		w.File = name
		bad := func(format string, a ...any) {
			errs = append(errs, fmt.Sprintf("%s:%d: waiver %d: %s", name, w.Line, i+1, fmt.Sprintf(format, a...)))
		}
		if !idPattern.MatchString(w.RuleID) {
			bad("rule_id %q is not a rule id like MLS-EXP-002", w.RuleID)
		}
		if strings.TrimSpace(w.Subject) == "" {
			bad("subject is required (a glob; \"*\" for every subject)")
		}
		if strings.TrimSpace(w.Reason) == "" {
			bad("reason is required")
		}
		if strings.TrimSpace(w.Owner) == "" {
			bad("owner is required")
		}
		created, err1 := time.Parse(dateLayout, w.Created)
		if err1 != nil {
			bad("created %q is not a date like 2026-01-02", w.Created)
		}
		expires, err2 := time.Parse(dateLayout, w.Expires)
		if err2 != nil {
			bad("expires %q is not a date like 2027-01-02 (an expiry is required)", w.Expires)
		}
		if err1 == nil && err2 == nil && expires.Before(created) {
			bad("expires %s is before created %s", w.Expires, w.Created)
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return doc.Waivers, nil
}

// glob matches s against a pattern where * matches any run of characters.
func glob(pattern, s string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	var re strings.Builder
	re.WriteString("^")
	for i, part := range strings.Split(pattern, "*") {
		if i > 0 {
			re.WriteString(".*")
		}
		re.WriteString(regexp.QuoteMeta(part))
	}
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), s)
	return ok
}

// ApplyWaivers turns the failures matched by a current waiver into waived
// results, records every waiver's state (applied, expired, stale) in the
// report, and recounts the summary. Expiry is judged at the report's scan
// time, so the same snapshot and waivers always give the same report.
func ApplyWaivers(rep *Report, ws []Waiver) {
	if len(ws) == 0 {
		return
	}
	day := rep.ScannedAt.UTC().Format(dateLayout)
	states := make([]WaiverState, len(ws))
	for i, w := range ws {
		states[i] = WaiverState{Waiver: w, State: WaiverStale}
		if w.Expires < day {
			states[i].State = WaiverExpired
		}
	}
	for ri := range rep.Results {
		r := &rep.Results[ri]
		if r.Status != StatusFail {
			continue
		}
		for i, w := range ws {
			if w.RuleID != r.RuleID || !glob(w.Subject, r.Subject) || !glob(w.Host, rep.Host) {
				continue
			}
			states[i].Matched++
			if states[i].State == WaiverExpired {
				r.Message += fmt.Sprintf(" (waiver %s:%d expired on %s)", w.File, w.Line, w.Expires)
				continue
			}
			states[i].State = WaiverApplied
			r.Status = StatusWaived
			wc := w
			r.Waiver = &wc
			break
		}
	}
	sort.SliceStable(states, func(i, j int) bool { return states[i].Line < states[j].Line })
	rep.Waivers = states
	rep.Summary = Summarize(rep.Results)
}
