package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// verifyFix says how to get the data an unknown result lacked, or what to
// do about a rule that failed to evaluate.
func verifyFix(r *scanner.Report, res *scanner.Result) string {
	if res.Status == scanner.StatusError {
		if ch, ok := checkOf(r, res.RuleID); ok && ch.File != "" && !strings.HasPrefix(ch.File, "policies/") {
			return fmt.Sprintf("fix the Rego of %s (%s): test it with `opa test`, then scan again.", res.RuleID, sanitize(ch.File))
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
		case collectorStatus(c) == snapshot.StatusSkipped:
			fixes = append(fixes, fmt.Sprintf("do not skip the %s collector (--collectors, --skip-collectors)", name))
		case collectorStatus(c) == snapshot.StatusPermission:
			fixes = append(fixes, fmt.Sprintf("run as root so the %s collector can read its sources (`sudo mlscan scan`)", name))
		case collectorStatus(c) == snapshot.StatusUnavailable && name == "docker":
			fixes = append(fixes, "make the Docker Engine API reachable (is the daemon running? set DOCKER_HOST or --docker-host)")
		case collectorStatus(c) == snapshot.StatusUnavailable:
			fixes = append(fixes, fmt.Sprintf("install or start what the %s collector reads", name))
		case collectorStatus(c) == snapshot.StatusError:
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
