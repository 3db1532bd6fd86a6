package scanner

import (
	"regexp"
	"strconv"
	"strings"
)

type portRange struct{ from, to int }

// Explain records the inventory drift in the diff and links every newly
// failing, resolved and changed result to the changes behind it. checks
// (the rules' metadata) restrict the links to the snapshot sections each
// rule reads; a rule not among them may be linked to any section.
func (d *Diff) Explain(inv *Inventory, checks []Check) {
	d.Inventory = inv
	if inv == nil {
		return
	}
	reads := map[string]map[string]bool{}
	for _, ch := range checks {
		m := map[string]bool{}
		for _, r := range ch.Requires {
			sec, _, _ := strings.Cut(r, ".")
			m[sec] = true
		}
		reads[ch.ID] = m
	}
	all := inv.All()
	for _, list := range [][]ResultChange{d.NewlyFailing, d.Resolved, d.Changed} {
		for i := range list {
			list[i].Causes = causesOf(&list[i], all, reads)
		}
	}
}

var portRE = regexp.MustCompile(`\b(\d{1,5})/(tcp|udp)\b`)

// causesOf picks the changes behind c: those of the sections its rule
// reads that name one of its ports or containers; when none does, every
// change of those sections.
func causesOf(c *ResultChange, all []InventoryChange, reads map[string]map[string]bool) []InventoryChange {
	sections, known := reads[c.RuleID]
	if known && len(sections) == 0 {
		return nil // the rule reads no snapshot section (configuration only)
	}
	text := c.Subject + "\n" + c.Message + "\n" + c.OldMessage
	type port struct {
		n     int
		proto string
	}
	var ports []port
	for _, m := range portRE.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		ports = append(ports, port{n, m[2]})
	}
	var specific, rest []InventoryChange
	for _, x := range all {
		if known && !sections[x.Section] {
			continue
		}
		hit := false
		for _, p := range ports {
			if x.coversPort(p.n, p.proto) {
				hit = true
			}
		}
		for _, name := range x.names {
			if containsWord(text, name) {
				hit = true
			}
		}
		if hit {
			specific = append(specific, x)
		} else if known {
			rest = append(rest, x)
		}
	}
	if len(specific) > 0 {
		return specific
	}
	return rest
}

func (x InventoryChange) coversPort(port int, proto string) bool {
	if x.global || (x.proto != "any" && x.proto != "" && x.proto != proto) {
		return false
	}
	if x.Kind == "ufw_rule" && len(x.ranges) == 0 {
		return true // a rule on every port
	}
	for _, r := range x.ranges {
		if port >= r.from && port <= r.to {
			return true
		}
	}
	return false
}

// containsWord reports whether name occurs in text between non-word
// characters.
func containsWord(text, name string) bool {
	if name == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		s, e := i+j, i+j+len(name)
		if (s == 0 || !isWordByte(text[s-1])) && (e == len(text) || !isWordByte(text[e])) {
			return true
		}
		i = s + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
