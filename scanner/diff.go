package scanner

import (
	"fmt"
	"sort"
	"time"
)

// DiffSchemaVersion is the version of the JSON drift format.
const DiffSchemaVersion = 1

// Input kinds of a DiffSide.
const (
	KindSnapshot = "snapshot"
	KindResults  = "results"
)

// Diff is what changed between two evaluations of a host: verdicts that
// changed and, when both sides are snapshots, the inventory drift behind
// them.
type Diff struct {
	SchemaVersion int         `json:"schema_version"`
	Old           DiffSide    `json:"old"`
	New           DiffSide    `json:"new"`
	Summary       DiffSummary `json:"summary"`
	// NewlyFailing fail now and did not before (absent, pass, waived,
	// unknown...); Resolved failed before and now pass, do not apply or are
	// gone; StillFailing fail on both sides; Changed are the other status
	// changes of a subject present on both sides (a failure now waived, a
	// pass now unknown). Each list is sorted by severity, rule, subject.
	NewlyFailing []ResultChange `json:"newly_failing"`
	Resolved     []ResultChange `json:"resolved"`
	StillFailing []ResultChange `json:"still_failing"`
	Changed      []ResultChange `json:"changed"`
	// Inventory is the drift between the two snapshots; nil when either
	// side is a result file.
	Inventory *Inventory `json:"inventory,omitempty"`
	// Notes say what limits the comparison: other hosts, other policies,
	// swapped arguments, no snapshots.
	Notes []string `json:"notes,omitempty"`
}

// DiffSide describes one of the two evaluations compared.
type DiffSide struct {
	Host         string    `json:"host"`
	ScannedAt    time.Time `json:"scanned_at"`
	PolicyDigest string    `json:"policy_digest"`
	ConfigDigest string    `json:"config_digest"`
	Summary      Summary   `json:"summary"`
	// Source is the file compared and Kind what it held (KindSnapshot or
	// KindResults); both set by the caller.
	Source string `json:"source,omitempty"`
	Kind   string `json:"kind,omitempty"`
}

// DiffSummary counts the changes. Appeared and Disappeared count the
// subjects present on one side only that never failed (a new listener
// that passes every rule).
type DiffSummary struct {
	NewlyFailing int `json:"newly_failing"`
	Resolved     int `json:"resolved"`
	StillFailing int `json:"still_failing"`
	Changed      int `json:"changed"`
	Appeared     int `json:"appeared"`
	Disappeared  int `json:"disappeared"`
}

// ResultChange is one rule's verdict on one subject on both sides.
type ResultChange struct {
	RuleID   string   `json:"rule_id"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	Subject  string   `json:"subject"`
	// Old and New are the statuses, "" where the subject had no result.
	Old Status `json:"old_status"`
	New Status `json:"new_status"`
	// Message is the newer message (the old one for a subject that is
	// gone); OldMessage the earlier one when it differs.
	Message    string `json:"message"`
	OldMessage string `json:"old_message,omitempty"`
	// Target is the newer result's structured subject (the old one's for
	// a subject that is gone); nil when the check gave none.
	Target *Target `json:"target,omitempty"`
	// Causes are the inventory changes that plausibly explain the change:
	// those of the snapshot sections the rule reads that concern the
	// target's port or container on either side, else every change of
	// those sections.
	Causes []InventoryChange `json:"causes,omitempty"`

	oldTarget *Target // the older result's target, when it differs
}

type resultKey struct{ rule, subject string }

// DiffReports compares the results of two reports of a host (old first). Results
// are matched by rule and subject; where a rule gave several results on
// one subject, the worst counts.
func DiffReports(old, new *Report) *Diff {
	d := &Diff{SchemaVersion: DiffSchemaVersion, Old: sideOf(old), New: sideOf(new)}
	o, n := worstByKey(old), worstByKey(new)
	undecided := undecidedRules(new)
	keys := make([]resultKey, 0, len(o)+len(n))
	for k := range o {
		keys = append(keys, k)
	}
	for k := range n {
		if _, ok := o[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		a, b := o[k], n[k]
		c := ResultChange{RuleID: k.rule, Subject: k.subject}
		cur := b
		if cur == nil {
			cur = a
		}
		c.Title, c.Severity, c.Message, c.Target = cur.Title, cur.Severity, cur.Message, cur.Target
		if a != nil {
			c.Old = a.Status
			if b != nil && a.Message != b.Message {
				c.OldMessage = a.Message
			}
			if b != nil && !sameTarget(a.Target, b.Target) {
				c.oldTarget = a.Target
			}
		}
		if b != nil {
			c.New = b.Status
		}
		// A failure whose rule could not decide on the new side (an error,
		// or unknown for the whole host) has not been resolved: the rule
		// did not look.
		if u := undecided[k.rule]; b == nil && a != nil && a.Status == StatusFail && u != nil {
			c.New, c.Message = u.Status, u.Message
		}
		switch {
		case c.New == StatusFail && c.Old == StatusFail:
			d.StillFailing = append(d.StillFailing, c)
		case c.New == StatusFail:
			d.NewlyFailing = append(d.NewlyFailing, c)
		case c.Old == StatusFail && (c.New == StatusPass || c.New == StatusNotApplicable || c.New == ""):
			d.Resolved = append(d.Resolved, c)
		case c.Old == "" && c.New != "":
			d.Summary.Appeared++
		case c.New == "" && c.Old != "":
			d.Summary.Disappeared++
		case c.Old != c.New:
			d.Changed = append(d.Changed, c)
		}
	}
	for _, l := range [][]ResultChange{d.NewlyFailing, d.Resolved, d.StillFailing, d.Changed} {
		sortChanges(l)
	}
	d.Summary.NewlyFailing, d.Summary.Resolved = len(d.NewlyFailing), len(d.Resolved)
	d.Summary.StillFailing, d.Summary.Changed = len(d.StillFailing), len(d.Changed)
	if old.Host != new.Host {
		d.Notes = append(d.Notes, fmt.Sprintf("the two sides are different hosts (%s, %s)", old.Host, new.Host))
	}
	if old.PolicyDigest != new.PolicyDigest {
		d.Notes = append(d.Notes, "the policies differ between the two sides: some changes may come from the rules, not the host")
	}
	if old.ConfigDigest != new.ConfigDigest {
		d.Notes = append(d.Notes, "the configuration differs between the two sides: some changes may come from it, not the host")
	}
	if !old.ScannedAt.IsZero() && old.ScannedAt.After(new.ScannedAt) {
		d.Notes = append(d.Notes, fmt.Sprintf("OLD was scanned after NEW (%s > %s): are the arguments swapped?",
			old.ScannedAt.Format(time.RFC3339), new.ScannedAt.Format(time.RFC3339)))
	}
	return d
}

// undecidedRules maps each rule of r that could not decide as a whole (an
// error result, or unknown about the host) to that result.
func undecidedRules(r *Report) map[string]*Result {
	m := map[string]*Result{}
	for i := range r.Results {
		res := &r.Results[i]
		whole := res.Status == StatusError || res.Status == StatusUnknown && res.Target != nil && res.Target.Kind == TargetHost
		if whole && m[res.RuleID] == nil {
			m[res.RuleID] = res
		}
	}
	return m
}

func sameTarget(a, b *Target) bool {
	return a == b || a != nil && b != nil && *a == *b
}

func sideOf(r *Report) DiffSide {
	return DiffSide{Host: r.Host, ScannedAt: r.ScannedAt, PolicyDigest: r.PolicyDigest, ConfigDigest: r.ConfigDigest, Summary: r.Summary}
}

func worstByKey(r *Report) map[resultKey]*Result {
	m := make(map[resultKey]*Result, len(r.Results))
	for i := range r.Results {
		res := &r.Results[i]
		k := resultKey{res.RuleID, res.Subject}
		if prev, ok := m[k]; !ok || statusRank(res.Status) < statusRank(prev.Status) {
			m[k] = res
		}
	}
	return m
}

func sortChanges(cs []ResultChange) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Subject < b.Subject
	})
}
