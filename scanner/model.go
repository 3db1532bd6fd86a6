// Package scanner evaluates a snapshot against Rego checks and produces the
// results of the mlscan result model: pass, fail, unknown, error,
// not_applicable and waived, each with evidence.
package scanner

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

// Status is the verdict of one rule on one subject.
type Status string

// The statuses of the result model (rules.md).
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusUnknown       Status = "unknown"
	StatusError         Status = "error"
	StatusNotApplicable Status = "not_applicable"
	StatusWaived        Status = "waived"
)

// Statuses lists every status in report order (worst first).
var Statuses = []Status{StatusFail, StatusError, StatusUnknown, StatusWaived, StatusPass, StatusNotApplicable}

// Severity ranks how bad a failure is.
type Severity string

// The severities, highest first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	SeverityInfo     Severity = "info"
)

// Severities lists every severity, highest first.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

// Rank orders severities: critical is 5, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 5
	case SeverityHigh:
		return 4
	case SeverityMedium:
		return 3
	case SeverityLow:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// ParseSeverity checks s is a known severity.
func ParseSeverity(s string) (Severity, error) {
	v := Severity(strings.ToLower(s))
	if v.Rank() == 0 {
		return "", fmt.Errorf("unknown severity %q (valid: critical, high, medium, low, info)", s)
	}
	return v, nil
}

// Check is one rule as its Rego package declares it in # METADATA.
type Check struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Description string   `json:"description,omitempty"`
	Remediation string   `json:"remediation,omitempty"`
	References  []string `json:"references,omitempty"`
	// Requires names the snapshot sections (collector or collector.part)
	// the check needs; when one is missing or failed the check is unknown.
	Requires []string `json:"requires,omitempty"`
	// Package is the Rego package path, File the module it came from.
	Package string `json:"package"`
	File    string `json:"file"`
}

// Evidence is what a result rests on.
type Evidence struct {
	Observed any    `json:"observed,omitempty"`
	Expected any    `json:"expected,omitempty"`
	Source   string `json:"source,omitempty"`
}

// Location points at the file and line a finding is fixed in.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	// What names the thing at that place (a compose service, a registry entry).
	What string `json:"what,omitempty"`
}

// Result is the verdict of one rule on one subject.
type Result struct {
	RuleID      string    `json:"rule_id"`
	Title       string    `json:"title"`
	Severity    Severity  `json:"severity"`
	Status      Status    `json:"status"`
	Subject     string    `json:"subject"`
	Message     string    `json:"message"`
	Evidence    Evidence  `json:"evidence"`
	Remediation string    `json:"remediation,omitempty"`
	References  []string  `json:"references,omitempty"`
	Location    *Location `json:"location,omitempty"`
	// Target is what the result is about, as structure: Subject is its
	// text for people and waivers; Target is what programs join on (the
	// causes of a drift, the Markdown port appendix, grouping). Nil when
	// the check did not say (a site policy written before targets).
	Target *Target `json:"target,omitempty"`
	// Waiver is the accepted risk that turned a fail into waived.
	Waiver *Waiver `json:"waiver,omitempty"`
}

// TargetKind says what kind of thing a result is about.
type TargetKind string

// The target kinds a check may give.
const (
	// TargetPort is a port and protocol, whatever address listens on it.
	TargetPort TargetKind = "port"
	// TargetListener is one listening socket: address, port and protocol.
	TargetListener TargetKind = "listener"
	// TargetContainer is one container (Container), maybe about one of
	// its ports (Port, Proto).
	TargetContainer TargetKind = "container"
	// TargetRegistry is one entry of the port registry (Registry, Port,
	// Proto).
	TargetRegistry TargetKind = "registry"
	// TargetFirewall is the host firewall, maybe about one port.
	TargetFirewall TargetKind = "firewall"
	// TargetService is a host service that is not a container (sshd,
	// fail2ban, the Docker daemon), in Service.
	TargetService TargetKind = "service"
	// TargetHost is the host as a whole.
	TargetHost TargetKind = "host"
)

// TargetKinds lists every target kind.
var TargetKinds = []TargetKind{TargetPort, TargetListener, TargetContainer, TargetRegistry, TargetFirewall, TargetService, TargetHost}

// Target is the structured subject of a result. Only the fields that
// apply to its Kind are set.
type Target struct {
	Kind TargetKind `json:"kind"`
	// Address is a listener's IP address (TargetListener).
	Address string `json:"address,omitempty"`
	// Port and Proto ("tcp" or "udp") name a port.
	Port  int    `json:"port,omitempty"`
	Proto string `json:"proto,omitempty"`
	// Container is a container's name.
	Container string `json:"container,omitempty"`
	// Registry is the service name of a port registry entry.
	Registry string `json:"registry,omitempty"`
	// Service names a host service (sshd, fail2ban, dockerd).
	Service string `json:"service,omitempty"`
}

// Validate checks the kind is known and the port and protocol are
// possible.
func (t *Target) Validate() error {
	if !slices.Contains(TargetKinds, t.Kind) {
		return fmt.Errorf("target kind %q is not one of %v", t.Kind, TargetKinds)
	}
	if t.Port < 0 || t.Port > 65535 {
		return fmt.Errorf("target port %d is out of range 0-65535", t.Port)
	}
	if t.Proto != "" && t.Proto != "tcp" && t.Proto != "udp" {
		return fmt.Errorf("target proto %q is not tcp or udp", t.Proto)
	}
	if (t.Kind == TargetPort || t.Kind == TargetListener) && (t.Port == 0 || t.Proto == "") {
		return fmt.Errorf("a %s target needs port and proto", t.Kind)
	}
	if t.Kind == TargetListener && t.Address == "" {
		return fmt.Errorf("a listener target needs an address")
	}
	if t.Kind == TargetContainer && t.Container == "" {
		return fmt.Errorf("a container target needs a container name")
	}
	if t.Kind == TargetRegistry && t.Registry == "" {
		return fmt.Errorf("a registry target needs the entry's service name")
	}
	return nil
}

// Waiver is one accepted risk from a --waivers file.
type Waiver struct {
	RuleID  string `json:"rule_id" yaml:"rule_id"`
	Subject string `json:"subject" yaml:"subject"` // glob pattern
	Host    string `json:"host,omitempty" yaml:"host,omitempty"`
	Reason  string `json:"reason" yaml:"reason"`
	Owner   string `json:"owner" yaml:"owner"`
	Created string `json:"created" yaml:"created"` // YYYY-MM-DD
	Expires string `json:"expires" yaml:"expires"` // YYYY-MM-DD
	Ticket  string `json:"ticket,omitempty" yaml:"ticket,omitempty"`
	// File and Line locate the entry in its waivers file.
	File string `json:"file" yaml:"-"`
	Line int    `json:"line" yaml:"-"`
}

// WaiverState says what became of a waiver in one evaluation.
type WaiverState struct {
	Waiver
	// State is "applied" (matched failures), "expired" (past its expiry:
	// the failures it matched stand) or "stale" (matched nothing).
	State   string `json:"state"`
	Matched int    `json:"matched"`
}

// Summary counts results by status and failures by severity.
type Summary struct {
	Total      int              `json:"total"`
	ByStatus   map[Status]int   `json:"by_status"`
	BySeverity map[Severity]int `json:"failures_by_severity"`
}

// CollectorHealth is how a collector fared: the snapshot's record,
// copied into the report.
type CollectorHealth = snapshot.CollectorResult

// ToolInfo names the program that produced a report: the snapshot's Tool.
type ToolInfo = snapshot.Tool

// Report is the outcome of evaluating one snapshot.
type Report struct {
	SchemaVersion int      `json:"schema_version"`
	Tool          ToolInfo `json:"tool"`
	Host          string   `json:"host"`
	// ScannedAt is when the snapshot was collected: a report depends only
	// on its snapshot, so the same snapshot gives the same report.
	ScannedAt time.Time `json:"scanned_at"`
	IsRoot    bool      `json:"is_root"`
	// Addresses are the host's non-loopback addresses from the snapshot.
	Addresses []string `json:"addresses"`
	// PolicyDigest identifies the policy set (sha256 over the Rego sources);
	// ConfigFile and ConfigDigest the configuration.
	PolicyDigest string                     `json:"policy_digest"`
	ConfigFile   string                     `json:"config_file"`
	ConfigDigest string                     `json:"config_digest"`
	Collectors   map[string]CollectorHealth `json:"collectors"`
	// Checks are the rules evaluated, sorted by id (for reports that list
	// every control and SARIF rule metadata). Shared with the engine: do
	// not modify in place.
	Checks  []Check  `json:"-"`
	Summary Summary  `json:"summary"`
	Results []Result `json:"results"`
	// Waivers reports every waiver given and what it did.
	Waivers []WaiverState `json:"waivers,omitempty"`
}

// ReportSchemaVersion is the version of the JSON report format.
const ReportSchemaVersion = 1

// Summarize counts the results.
func Summarize(rs []Result) Summary {
	s := Summary{ByStatus: map[Status]int{}, BySeverity: map[Severity]int{}}
	for _, st := range Statuses {
		s.ByStatus[st] = 0
	}
	for _, sv := range Severities {
		s.BySeverity[sv] = 0
	}
	for _, r := range rs {
		s.Total++
		s.ByStatus[r.Status]++
		if r.Status == StatusFail {
			s.BySeverity[r.Severity]++
		}
	}
	return s
}

func statusRank(s Status) int {
	for i, v := range Statuses {
		if v == s {
			return i
		}
	}
	return len(Statuses)
}

// SortResults orders results by rule id, then subject, then status, so
// the same snapshot always yields the same order.
func SortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if a.Status != b.Status {
			return statusRank(a.Status) < statusRank(b.Status)
		}
		return a.Message < b.Message
	})
}

// Compact keeps what a fleet summary and the exit code read, and drops
// the rest of a report's results: every result that is not a pass or not
// applicable stays, and of the passes and not-applicable results one per
// rule and status (so each rule's worst status is unchanged); the kept
// results lose their message, evidence, remediation, references and
// location. The summary and the waiver states are kept as they are, so
// call it after ApplyWaivers. A fleet of 1,000 hosts holds its reports
// until every host is evaluated: compacted, they take a small fraction of
// the memory.
func (r *Report) Compact() {
	type key struct {
		rule   string
		status Status
	}
	seen := map[key]bool{}
	keep := make([]bool, len(r.Results))
	n := 0
	for i, res := range r.Results {
		k := key{res.RuleID, res.Status}
		routine := res.Status == StatusPass || res.Status == StatusNotApplicable
		keep[i] = !routine || !seen[k]
		seen[k] = true
		if keep[i] {
			n++
		}
	}
	out := make([]Result, 0, n)
	for i, res := range r.Results {
		if keep[i] {
			out = append(out, Result{RuleID: res.RuleID, Title: res.Title, Severity: res.Severity, Status: res.Status, Subject: res.Subject, Waiver: res.Waiver})
		}
	}
	r.Results = out
}
