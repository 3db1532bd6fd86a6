package scanner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// diffUFW compares two ufw sections: the settings, then the rules as a
// multiset, then their order. Rules read from a source that failed on
// either side are not compared, and a note in inv says so.
func diffUFW(old, new *snapshot.UFWSection, inv *Inventory) (rules, settings []InventoryChange) {
	rules, settings = []InventoryChange{}, []InventoryChange{}
	var skipped []string // settings whose source was not collected on a side
	for _, f := range ufwSettings {
		if f.src != nil && (f.src(old).Status != snapshot.StatusOK || f.src(new).Status != snapshot.StatusOK) {
			skipped = append(skipped, fmt.Sprintf("%s (old: %s, new: %s)", f.name, orNone(string(f.src(old).Status)), orNone(string(f.src(new).Status))))
			continue
		}
		a, b := f.value(old), f.value(new)
		if a == "" || b == "" {
			continue
		}
		if a != b {
			settings = append(settings, InventoryChange{Kind: "firewall", Section: "ufw", Change: ChangeChanged, Item: f.name,
				Fields: []FieldChange{{f.name, a, b}}, global: true})
		}
	}
	if len(skipped) > 0 {
		inv.Notes = append(inv.Notes, "ufw settings not compared: "+strings.Join(skipped, ", "))
	}
	if old.Rules.Status != snapshot.StatusOK || new.Rules.Status != snapshot.StatusOK {
		inv.Notes = append(inv.Notes, fmt.Sprintf("ufw rules not compared (old: %s, new: %s)",
			orNone(string(old.Rules.Status)), orNone(string(new.Rules.Status))))
		return rules, settings
	}
	if a, b := old.Rules.From, new.Rules.From; a != b {
		inv.Notes = append(inv.Notes, fmt.Sprintf("ufw rules were read from %q then from %q", a, b))
	}
	list := func(u *snapshot.UFWSection) ([]string, map[string]*snapshot.UFWRule) {
		keys := make([]string, 0, len(u.Rules.Items))
		byKey := make(map[string]*snapshot.UFWRule, len(u.Rules.Items))
		for i := range u.Rules.Items {
			k := ufwRuleText(&u.Rules.Items[i])
			keys = append(keys, k)
			byKey[k] = &u.Rules.Items[i]
		}
		return keys, byKey
	}
	ok, om := list(old)
	nk, nm := list(new)
	rem, add := multisetDiff(ok, nk), multisetDiff(nk, ok)
	for _, k := range rem {
		rules = append(rules, ufwRuleChange(ChangeRemoved, k, om[k]))
	}
	for _, k := range add {
		rules = append(rules, ufwRuleChange(ChangeAdded, k, nm[k]))
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

// ufwRuleChange is the change of one rule, text k: its destination ports.
func ufwRuleChange(change, k string, r *snapshot.UFWRule) InventoryChange {
	c := InventoryChange{Kind: "ufw_rule", Section: "ufw", Change: change, Item: k, proto: r.Proto}
	for _, pr := range r.ToRanges {
		c.ranges = append(c.ranges, portRange{pr.From, pr.To})
	}
	proto := c.proto
	if proto == "" {
		proto = "any"
	}
	if len(c.ranges) == 0 {
		c.Ports = []string{"any/" + proto}
	}
	for _, pr := range c.ranges {
		if pr.from == pr.to {
			c.Ports = append(c.Ports, fmt.Sprintf("%d/%s", pr.from, proto))
		} else {
			c.Ports = append(c.Ports, fmt.Sprintf("%d:%d/%s", pr.from, pr.to, proto))
		}
	}
	return c
}

// ufwSetting is one UFW setting compared: value renders it, "" when the
// snapshot does not hold it (an optional field left empty); src is the
// source it is read from, nil for the section itself. A setting whose
// source needed root on either side is not compared.
type ufwSetting struct {
	name  string
	src   func(*snapshot.UFWSection) *snapshot.Source
	value func(*snapshot.UFWSection) string
}

func ufwConf(u *snapshot.UFWSection) *snapshot.Source     { return &u.Conf.Source }
func ufwLive(u *snapshot.UFWSection) *snapshot.Source     { return &u.Live.Source }
func ufwDefaults(u *snapshot.UFWSection) *snapshot.Source { return &u.Defaults.Source }

// ufwSettings are the UFW settings compared, in this order.
var ufwSettings = []ufwSetting{
	{"installed", nil, func(u *snapshot.UFWSection) string { return strconv.FormatBool(u.Installed) }},
	{"enabled at boot (ENABLED)", ufwConf, func(u *snapshot.UFWSection) string { return strconv.FormatBool(u.Conf.Enabled) }},
	{"active", ufwLive, func(u *snapshot.UFWSection) string { return strconv.FormatBool(u.Live.Active) }},
	{"default incoming", ufwLive, func(u *snapshot.UFWSection) string { return u.Live.DefaultIncoming }},
	{"default outgoing", ufwLive, func(u *snapshot.UFWSection) string { return u.Live.DefaultOutgoing }},
	{"default routed", ufwLive, func(u *snapshot.UFWSection) string { return u.Live.DefaultRouted }},
	{"logging", ufwLive, func(u *snapshot.UFWSection) string { return u.Live.Logging }},
	{"log level", ufwLive, func(u *snapshot.UFWSection) string { return u.Live.LogLevel }},
	{"IPv6 (IPV6)", ufwDefaults, func(u *snapshot.UFWSection) string { return strconv.FormatBool(u.Defaults.IPv6) }},
	{"IPv6 chains", ufwLive, func(u *snapshot.UFWSection) string {
		if u.Live.V6Chains == nil {
			return ""
		}
		return strconv.FormatBool(*u.Live.V6Chains)
	}},
	{"DEFAULT_INPUT_POLICY", ufwDefaults, func(u *snapshot.UFWSection) string { return u.Defaults.InputPolicy }},
	{"DEFAULT_FORWARD_POLICY", ufwDefaults, func(u *snapshot.UFWSection) string { return u.Defaults.ForwardPolicy }},
}

// ufwRuleText renders a rule the way `ufw status` reads: "allow in
// 6380/tcp from 192.168.1.0/24", "(v6)" for an IPv6 rule.
func ufwRuleText(r *snapshot.UFWRule) string {
	parts := []string{r.Action, r.Direction}
	if r.To != "" && r.To != "any" {
		parts = append(parts, "to "+r.To)
	}
	if r.ToApp != "" {
		parts = append(parts, "app "+r.ToApp)
	} else if p := r.ToPorts; p != "" && p != "any" {
		if r.Proto != "" && r.Proto != "any" {
			p += "/" + r.Proto
		}
		parts = append(parts, "port "+p)
	} else if r.Proto != "" && r.Proto != "any" {
		parts = append(parts, "proto "+r.Proto)
	}
	from := r.From
	if from == "" {
		from = "any"
	}
	parts = append(parts, "from "+from)
	if p := r.FromPort; p != "" && p != "any" {
		parts = append(parts, "port "+p)
	}
	if r.FromApp != "" {
		parts = append(parts, "app "+r.FromApp)
	}
	if r.IfaceIn != "" {
		parts = append(parts, "on "+r.IfaceIn)
	}
	if r.IfaceOut != "" {
		parts = append(parts, "out on "+r.IfaceOut)
	}
	if r.Comment != "" {
		parts = append(parts, "# "+r.Comment)
	}
	s := strings.Join(parts, " ")
	if r.V6 {
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
