package scanner

import (
	"slices"
	"strings"
)

// portRange is an inclusive range of ports an inventory change concerns.
type portRange struct{ from, to int }

// Explain records the inventory drift in the diff and links every newly
// failing, resolved and changed result to the changes behind it. checks
// (the rules' metadata) restrict the links to the snapshot sections each
// rule reads; a rule not among them may be linked to any section, but
// only by its target.
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
			// UFW's rules are what it loads into the kernel's ruleset:
			// a check that reads the ruleset is explained by them too.
			if sec == "netfilter" {
				m["ufw"] = true
			}
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

// causesOf picks the changes behind c: those of the sections its rule
// reads that concern its target on either side (the target's port and
// protocol, or its container); when none does, or c has no target, every
// change of those sections. Nothing is read from subjects or messages.
func causesOf(c *ResultChange, all []InventoryChange, reads map[string]map[string]bool) []InventoryChange {
	sections, known := reads[c.RuleID]
	if known && len(sections) == 0 {
		return nil // the rule reads no snapshot section (configuration only)
	}
	var specific, rest []InventoryChange
	for _, x := range all {
		if known && !sections[x.Section] {
			continue
		}
		if x.concerns(c.Target) || x.concerns(c.oldTarget) {
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

// concerns reports whether the change is about t: it covers t's port
// and protocol, or names t's container. A registry entry is configuration,
// not inventory: a registry target concerns the changes of its port.
func (x InventoryChange) concerns(t *Target) bool {
	if t == nil {
		return false
	}
	if t.Port > 0 && x.coversPort(t.Port, t.Proto) {
		return true
	}
	return t.Container != "" && slices.Contains(x.names, t.Container)
}

// coversPort reports whether the change concerns port on proto ("" for
// either protocol). A setting concerns no port in particular; a UFW rule
// without port ranges concerns every port.
func (x InventoryChange) coversPort(port int, proto string) bool {
	if x.global || (proto != "" && x.proto != "any" && x.proto != "" && x.proto != proto) {
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
