package scanner

import (
	"fmt"
	"slices"
	"strings"
)

func diffUFW(old, new map[string]any, inv *Inventory) (rules, settings []InventoryChange) {
	rules, settings = []InventoryChange{}, []InventoryChange{}
	for _, f := range ufwSettings {
		a, b := dig(old, f.path...), dig(new, f.path...)
		if a == nil || b == nil {
			continue
		}
		src := f.path[:len(f.path)-1]
		if str(dig(old, append(slices.Clone(src), "status")...)) == "permission" || str(dig(new, append(slices.Clone(src), "status")...)) == "permission" {
			continue
		}
		if x, y := text(a), text(b); x != y {
			settings = append(settings, InventoryChange{Kind: "firewall", Section: "ufw", Change: ChangeChanged, Item: f.name,
				Fields: []FieldChange{{f.name, x, y}}, global: true})
		}
	}
	if str(dig(old, "ufw", "rules", "status")) != "ok" || str(dig(new, "ufw", "rules", "status")) != "ok" {
		inv.Notes = append(inv.Notes, fmt.Sprintf("ufw rules not compared (old: %s, new: %s)",
			orNone(str(dig(old, "ufw", "rules", "status"))), orNone(str(dig(new, "ufw", "rules", "status")))))
		return rules, settings
	}
	if a, b := str(dig(old, "ufw", "rules", "from")), str(dig(new, "ufw", "rules", "from")); a != b {
		inv.Notes = append(inv.Notes, fmt.Sprintf("ufw rules were read from %q then from %q", a, b))
	}
	list := func(doc map[string]any) ([]string, map[string]map[string]any) {
		items, _ := dig(doc, "ufw", "rules", "items").([]any)
		var keys []string
		byKey := map[string]map[string]any{}
		for _, v := range items {
			m, _ := v.(map[string]any)
			if m == nil {
				continue
			}
			k := ufwRuleText(m)
			keys = append(keys, k)
			byKey[k] = m
		}
		return keys, byKey
	}
	ok, om := list(old)
	nk, nm := list(new)
	rem, add := multisetDiff(ok, nk), multisetDiff(nk, ok)
	mk := func(change, k string, m map[string]any) InventoryChange {
		c := InventoryChange{Kind: "ufw_rule", Section: "ufw", Change: change, Item: k, proto: str(m["proto"])}
		rs, _ := m["to_ranges"].([]any)
		for _, r := range rs {
			rm, _ := r.(map[string]any)
			c.ranges = append(c.ranges, portRange{intOf(rm["from"]), intOf(rm["to"])})
		}
		proto := c.proto
		if proto == "" {
			proto = "any"
		}
		if len(c.ranges) == 0 {
			c.Ports = []string{"any/" + proto}
		}
		for _, r := range c.ranges {
			if r.from == r.to {
				c.Ports = append(c.Ports, fmt.Sprintf("%d/%s", r.from, proto))
			} else {
				c.Ports = append(c.Ports, fmt.Sprintf("%d:%d/%s", r.from, r.to, proto))
			}
		}
		return c
	}
	for _, k := range rem {
		rules = append(rules, mk(ChangeRemoved, k, om[k]))
	}
	for _, k := range add {
		rules = append(rules, mk(ChangeAdded, k, nm[k]))
	}
	sortInventory(rules)
	// UFW applies the first matching rule: the same rules in another order
	// are a change too.
	if len(rem) == 0 && len(add) == 0 && !slices.Equal(ok, nk) {
		settings = append(settings, InventoryChange{Kind: "firewall", Section: "ufw", Change: ChangeChanged, Item: "rule order",
			Fields: []FieldChange{{"rule order", strings.Join(ok, ", "), strings.Join(nk, ", ")}}, global: true})
	}
	return rules, settings
}

// ufwSettings are the UFW settings compared, by path in the snapshot.
var ufwSettings = []struct {
	name string
	path []string
}{
	{"installed", []string{"ufw", "installed"}},
	{"enabled at boot (ENABLED)", []string{"ufw", "conf", "enabled"}},
	{"active", []string{"ufw", "live", "active"}},
	{"default incoming", []string{"ufw", "live", "default_incoming"}},
	{"default outgoing", []string{"ufw", "live", "default_outgoing"}},
	{"default routed", []string{"ufw", "live", "default_routed"}},
	{"logging", []string{"ufw", "live", "logging"}},
	{"log level", []string{"ufw", "live", "loglevel"}},
	{"IPv6 (IPV6)", []string{"ufw", "defaults", "ipv6"}},
	{"IPv6 chains", []string{"ufw", "live", "v6_chains"}},
	{"DEFAULT_INPUT_POLICY", []string{"ufw", "defaults", "input_policy"}},
	{"DEFAULT_FORWARD_POLICY", []string{"ufw", "defaults", "forward_policy"}},
}

// ufwRuleText renders a rule the way `ufw status` reads: "allow in
// 6380/tcp from 192.168.1.0/24", "(v6)" for an IPv6 rule.
func ufwRuleText(m map[string]any) string {
	parts := []string{str(m["action"]), str(m["direction"])}
	if to := str(m["to"]); to != "" && to != "any" {
		parts = append(parts, "to "+to)
	}
	proto := str(m["proto"])
	if app := str(m["to_app"]); app != "" {
		parts = append(parts, "app "+app)
	} else if p := str(m["to_ports"]); p != "" && p != "any" {
		if proto != "" && proto != "any" {
			p += "/" + proto
		}
		parts = append(parts, "port "+p)
	} else if proto != "" && proto != "any" {
		parts = append(parts, "proto "+proto)
	}
	from := str(m["from"])
	if from == "" {
		from = "any"
	}
	parts = append(parts, "from "+from)
	if p := str(m["from_ports"]); p != "" && p != "any" {
		parts = append(parts, "port "+p)
	}
	if app := str(m["from_app"]); app != "" {
		parts = append(parts, "app "+app)
	}
	if i := str(m["iface_in"]); i != "" {
		parts = append(parts, "on "+i)
	}
	if i := str(m["iface_out"]); i != "" {
		parts = append(parts, "out on "+i)
	}
	if c := str(m["comment"]); c != "" {
		parts = append(parts, "# "+c)
	}
	s := strings.Join(parts, " ")
	if b, _ := m["v6"].(bool); b {
		s += " (v6)"
	}
	return s
}

// multisetDiff returns the elements of a not in b, counting repeats.
func multisetDiff(a, b []string) []string {
	n := map[string]int{}
	for _, s := range b {
		n[s]++
	}
	var out []string
	for _, s := range a {
		if n[s] > 0 {
			n[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}
