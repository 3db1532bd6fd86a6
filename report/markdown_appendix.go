package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// listenersCheck is the check whose observed evidence lists every socket
// listening on a port beyond loopback (MLS-REG-001 judges each such port):
// the listener appendix shows that list when the check judged the port,
// else the observed evidence of the port's first result. The snapshot's
// sockets are not in the report, so this one fact comes from a check's
// evidence.
const listenersCheck = "MLS-REG-001"

// portKey is a port and protocol of the listener appendix.
type portKey struct {
	port  int
	proto string
}

// portRow is one port of the listener appendix.
type portRow struct {
	portKey
	// registered is the registry entry a result's target names, "" when
	// none does: the policies name the entry of every port that matches
	// one, so then the port is not registered.
	registered string
	observed   []string
	verdicts   []string
}

// appendixListeners writes Appendix A: a row per port and protocol of the
// results about a port (Target kind port), with the registry entry their
// targets name, the listeners observed on it and every verdict on it.
// Results about one listener (kind listener) or with no target are not
// rows.
func (d *mdDoc) appendixListeners() {
	r := d.r
	rows := map[portKey]*portRow{}
	for i := range r.Results {
		res := &r.Results[i]
		t := res.Target
		if t == nil || t.Kind != scanner.TargetPort {
			continue
		}
		k := portKey{t.Port, t.Proto}
		row, ok := rows[k]
		if !ok {
			row = &portRow{portKey: k}
			rows[k] = row
		}
		row.verdicts = append(row.verdicts, res.RuleID+" "+statusLabel(res.Status))
		if row.registered == "" {
			row.registered = t.Registry
		}
		if res.RuleID == listenersCheck {
			if obs := evidenceValues(res.Evidence.Observed); len(obs) > 0 {
				row.observed = obs
			}
		} else if row.observed == nil {
			row.observed = evidenceValues(res.Evidence.Observed)
		}
	}
	d.f("## Appendix A: port registry and observed listeners\n\n")
	if len(rows) == 0 {
		d.f("No result names a port%s.\n\n", mdText(collectorNote(r, "sockets")))
		return
	}
	list := make([]*portRow, 0, len(rows))
	for _, row := range rows {
		list = append(list, row)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].port != list[j].port {
			return list[i].port < list[j].port
		}
		return list[i].proto < list[j].proto
	})
	d.f("Every port a rule judged: the registry entry it matched, the sockets observed on it, and each rule's verdict. Registry entries with no listener and no finding do not appear.\n\n")
	d.f("| Port | Registry entry | Observed listeners | Verdicts |\n| --- | --- | --- | --- |\n")
	for _, row := range list {
		reg := row.registered
		if reg == "" {
			reg = "not registered"
		}
		obs := make([]string, len(row.observed))
		for i, o := range row.observed {
			obs[i] = mdText(oneLine(o))
		}
		observed := strings.Join(obs, "<br>")
		if observed == "" {
			observed = "—"
		}
		d.f("| %d/%s | %s | %s | %s |\n", row.port, mdText(row.proto), mdText(reg), observed, mdText(strings.Join(row.verdicts, ", ")))
	}
	d.f("\n")
}

// collectorNote says how a collector fared, for appendices without data.
func collectorNote(r *scanner.Report, name string) string {
	c, ok := r.Collectors[name]
	if !ok {
		return fmt.Sprintf(" (the %s collector did not run)", name)
	}
	if collectorStatus(c) == snapshot.StatusOK {
		return ""
	}
	s := fmt.Sprintf(" (%s collector: %s", name, c.Status)
	if c.Error != "" && c.Error != string(c.Status) {
		s += ": " + c.Error
	}
	return s + ")"
}

// appendixFirewall writes Appendix B: every result of the firewall rules
// with what each observed.
func (d *mdDoc) appendixFirewall() {
	r := d.r
	d.f("## Appendix B: %s\n\n", areaFirewall.appendix)
	var rows []string
	for i := range r.Results {
		res := &r.Results[i]
		if areaOf(res.RuleID) != areaFirewall {
			continue
		}
		obs := strings.Join(evidenceValues(res.Evidence.Observed), "; ")
		if obs == "" {
			obs = res.Message
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |\n", mdText(res.RuleID), mdText(res.Subject), statusLabel(res.Status), mdText(oneLine(obs))))
	}
	if len(rows) == 0 {
		d.f("No firewall rule was evaluated%s.\n\n", mdText(collectorNote(r, "ufw")))
		return
	}
	d.f("The firewall as the firewall rules saw it%s.\n\n", mdText(collectorNote(r, "ufw")))
	d.f("| Rule | Subject | Status | Observed |\n| --- | --- | --- | --- |\n")
	for _, row := range rows {
		d.b.WriteString(row)
	}
	d.f("\n")
}

// containerRow is one container of the container appendix.
type containerRow struct {
	// key is the container's name (its target's), or the subject of a
	// result without a target.
	key      string
	name     string
	where    string
	counts   map[scanner.Status]int
	failures []string
}

// appendixContainers writes Appendix C: a row per container the
// container rules judged (Target kind container), named by the subject of
// its first result, with where it came from and its verdicts. Results of
// those rules about something else (the host, when there is no container)
// are left out; a result without a target is a row of its own subject.
func (d *mdDoc) appendixContainers() {
	r := d.r
	d.f("## Appendix C: %s\n\n", areaContainers.appendix)
	rows := map[string]*containerRow{}
	for i := range r.Results {
		res := &r.Results[i]
		if areaOf(res.RuleID) != areaContainers {
			continue
		}
		key := "subject\x00" + res.Subject
		if t := res.Target; t != nil {
			if t.Kind != scanner.TargetContainer {
				continue
			}
			key = "container\x00" + t.Container
		}
		row, ok := rows[key]
		if !ok {
			row = &containerRow{key: key, name: res.Subject, counts: map[scanner.Status]int{}}
			rows[key] = row
		}
		row.counts[res.Status]++
		if res.Status == scanner.StatusFail {
			row.failures = append(row.failures, res.RuleID)
		}
		if row.where == "" {
			row.where = d.where(res)
		}
	}
	if len(rows) == 0 {
		d.f("No container was judged%s.\n\n", mdText(collectorNote(r, "docker")))
		return
	}
	list := make([]*containerRow, 0, len(rows))
	for _, row := range rows {
		list = append(list, row)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].name != list[j].name {
			return list[i].name < list[j].name
		}
		return list[i].key < list[j].key
	})
	d.f("Every container the container rules judged, where it came from, and its verdicts.\n\n")
	d.f("| Container | Source | Failing rules | Results |\n| --- | --- | --- | --- |\n")
	for _, row := range list {
		var parts []string
		for _, st := range scanner.Statuses {
			if row.counts[st] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", row.counts[st], statusLabel(st)))
			}
		}
		where := row.where
		if where == "" {
			where = "—"
		}
		fails := strings.Join(row.failures, ", ")
		if fails == "" {
			fails = "none"
		}
		d.f("| %s | %s | %s | %s |\n", mdText(row.name), where, mdText(fails), strings.Join(parts, ", "))
	}
	d.f("\n")
}
