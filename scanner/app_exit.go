package scanner

import "fmt"

// Threshold is the lowest severity of a failure that makes a run fail
// (--fail-on), as a severity rank; the zero Threshold never fails.
type Threshold int

// ParseThreshold parses critical, high, medium, low or never. info is
// refused: an info failure never fails a run.
func ParseThreshold(s string) (Threshold, error) {
	if s == "never" {
		return 0, nil
	}
	sev, err := ParseSeverity(s)
	if err != nil || sev == SeverityInfo {
		return 0, fmt.Errorf("%q: want critical, high, medium, low or never", s)
	}
	return Threshold(sev.Rank()), nil
}

// Fails reports whether a failure of severity sev is at or above t.
func (t Threshold) Fails(sev Severity) bool {
	return t > 0 && sev != SeverityInfo && sev.Rank() >= int(t)
}

// Outcome is what a run's results say, which the command turns into its
// exit code.
type Outcome int

// The outcomes, from best to worst precedence: Findings wins over Unsure.
const (
	Clean    Outcome = iota // nothing failed at or above the threshold
	Findings                // some result failed at or above the threshold
	Unsure                  // no such failure, but some result is unknown or error
)

// Verdict is the outcome of a set of reports: Findings when a result
// fails at or above t, else Unsure when a result is unknown or error.
func Verdict(reports []*Report, t Threshold) Outcome {
	failed, unsure := false, false
	for _, r := range reports {
		for _, res := range r.Results {
			switch res.Status {
			case StatusFail:
				if t.Fails(res.Severity) {
					failed = true
				}
			case StatusUnknown, StatusError:
				unsure = true
			}
		}
	}
	switch {
	case failed:
		return Findings
	case unsure:
		return Unsure
	}
	return Clean
}

// DiffVerdict is the outcome of a comparison: Findings when a result
// newly fails at or above t, else Clean (a comparison is never Unsure).
func DiffVerdict(d *Diff, t Threshold) Outcome {
	for _, c := range d.NewlyFailing {
		if t.Fails(c.Severity) {
			return Findings
		}
	}
	return Clean
}
