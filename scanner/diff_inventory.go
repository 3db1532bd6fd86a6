package scanner

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Inventory change kinds.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// Inventory is the drift between two snapshots.
type Inventory struct {
	Listeners []InventoryChange `json:"listeners"`
	UFWRules  []InventoryChange `json:"ufw_rules"`
	// Firewall holds UFW's state and settings (active, default policies,
	// logging, IPv6, rule order).
	Firewall   []InventoryChange `json:"firewall"`
	Containers []InventoryChange `json:"containers"`
	// Notes name the sections that could not be compared and why.
	Notes []string `json:"notes,omitempty"`
}

// Len is the number of changes.
func (inv *Inventory) Len() int {
	if inv == nil {
		return 0
	}
	return len(inv.Listeners) + len(inv.UFWRules) + len(inv.Firewall) + len(inv.Containers)
}

// All returns every change: listeners, UFW rules, firewall, containers.
func (inv *Inventory) All() []InventoryChange {
	if inv == nil {
		return nil
	}
	return slices.Concat(inv.Listeners, inv.UFWRules, inv.Firewall, inv.Containers)
}

// InventoryChange is one listener, UFW rule, firewall setting or container
// added, removed or changed.
type InventoryChange struct {
	// Kind is listener, ufw_rule, firewall or container; Section the
	// snapshot section it comes from (sockets, ufw, docker).
	Kind    string `json:"kind"`
	Section string `json:"section"`
	// Change is added, removed or changed.
	Change string `json:"change"`
	// Item names the thing: "tcp 0.0.0.0:7777 (python3)", "allow in
	// 6380/tcp from 192.168.1.0/24", "default incoming", "redis".
	Item string `json:"item"`
	// Fields are what changed in a changed item.
	Fields []FieldChange `json:"fields,omitempty"`
	// Ports are the ports the item concerns ("6380/tcp"; "any/tcp" for a
	// UFW rule on every port).
	Ports []string `json:"ports,omitempty"`

	ranges []portRange // ports as ranges, for matching
	proto  string      // tcp, udp or any
	names  []string    // container names it concerns
	global bool        // concerns the whole section (a setting)
}

// FieldChange is one field of a changed item, rendered as text.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// String renders the change on one line: "listener added: tcp
// 0.0.0.0:7777 (python3)", "container changed: redis (image: a → b)".
func (c InventoryChange) String() string {
	kind := strings.ReplaceAll(c.Kind, "_", " ")
	if c.Kind == "ufw_rule" {
		kind = "UFW rule"
	} else if c.Kind == "firewall" {
		kind = "UFW setting"
	}
	s := fmt.Sprintf("%s %s: %s", kind, c.Change, c.Item)
	if len(c.Fields) > 0 {
		var fs []string
		for _, f := range c.Fields {
			fs = append(fs, fmt.Sprintf("%s: %s → %s", f.Field, orNone(f.Old), orNone(f.New)))
		}
		s += " (" + strings.Join(fs, "; ") + ")"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// DiffInventory compares two decoded snapshot documents: listeners,
// UFW rules and settings, containers. A section that is missing or was not
// collected on either side is not compared, and a note says so.
func DiffInventory(old, new map[string]any) *Inventory {
	inv := &Inventory{Listeners: []InventoryChange{}, UFWRules: []InventoryChange{}, Firewall: []InventoryChange{}, Containers: []InventoryChange{}}
	if inv.comparable(old, new, "sockets") {
		inv.Listeners = diffListeners(old, new)
	}
	if inv.comparable(old, new, "ufw") {
		inv.UFWRules, inv.Firewall = diffUFW(old, new, inv)
	}
	if inv.comparable(old, new, "docker") {
		inv.Containers = diffContainers(old, new)
	}
	return inv
}

// comparable says whether section was collected on both sides, noting
// why not.
func (inv *Inventory) comparable(old, new map[string]any, section string) bool {
	why := func(doc map[string]any) string {
		col, _ := dig(doc, "collectors", section).(map[string]any)
		if col == nil {
			return "not run"
		}
		if st := str(col["status"]); st != "ok" {
			return st
		}
		if _, ok := doc[section].(map[string]any); !ok {
			return "no section"
		}
		return ""
	}
	o, n := why(old), why(new)
	if o == "" && n == "" {
		return true
	}
	inv.Notes = append(inv.Notes, fmt.Sprintf("%s not compared (old: %s, new: %s)", section, orOK(o), orOK(n)))
	return false
}

func orOK(s string) string {
	if s == "" {
		return "ok"
	}
	return s
}

// listenerFields are the listener fields compared; pid and inode change
// at every restart and are left out.
var listenerFields = []string{"process", "command", "container_name", "compose_service", "uid", "dual_stack"}

var ownerFields = map[string]bool{"process": true, "command": true, "container_name": true, "compose_service": true}

func diffListeners(old, new map[string]any) []InventoryChange {
	// Owners (process, command) are compared only when both sides could
	// read them.
	owners := str(dig(old, "sockets", "owners", "status")) == "ok" && str(dig(new, "sockets", "owners", "status")) == "ok"
	type entry struct {
		key, proto string
		port       int
		m          map[string]any
	}
	index := func(doc map[string]any) map[string]entry {
		out := map[string]entry{}
		ls, _ := dig(doc, "sockets", "listeners").([]any)
		for _, v := range ls {
			m, _ := v.(map[string]any)
			if m == nil {
				continue
			}
			port := intOf(m["port"])
			e := entry{key: listenerAddr(m), proto: str(m["proto"]), port: port, m: m}
			out[e.key] = e
		}
		return out
	}
	o, n := index(old), index(new)
	mk := func(change string, e entry) InventoryChange {
		item := e.key
		if p := str(e.m["process"]); p != "" {
			item += " (" + p + ")"
		}
		c := InventoryChange{Kind: "listener", Section: "sockets", Change: change, Item: item,
			Ports: []string{fmt.Sprintf("%d/%s", e.port, e.proto)}, ranges: []portRange{{e.port, e.port}}, proto: e.proto}
		if cn := str(e.m["container_name"]); cn != "" {
			c.names = []string{cn}
		}
		return c
	}
	var out []InventoryChange
	var added, removed []entry
	for k, a := range o {
		b, ok := n[k]
		if !ok {
			removed = append(removed, a)
			continue
		}
		var fs []FieldChange
		for _, f := range listenerFields {
			if ownerFields[f] && !owners {
				continue
			}
			if x, y := text(a.m[f]), text(b.m[f]); x != y {
				fs = append(fs, FieldChange{f, x, y})
			}
		}
		if len(fs) > 0 {
			c := mk(ChangeChanged, b)
			c.Fields = fs
			out = append(out, c)
		}
	}
	for k, b := range n {
		if _, ok := o[k]; !ok {
			added = append(added, b)
		}
	}
	// A listener that moved to another address on the same port is one
	// change, not a removal and an addition.
	for i := 0; i < len(removed); i++ {
		r := removed[i]
		var match []int
		for j, a := range added {
			if a.proto == r.proto && a.port == r.port {
				match = append(match, j)
			}
		}
		same := 0
		for _, x := range removed {
			if x.proto == r.proto && x.port == r.port {
				same++
			}
		}
		if len(match) != 1 || same != 1 {
			continue
		}
		a := added[match[0]]
		c := mk(ChangeChanged, a)
		c.Fields = []FieldChange{{"address", str(r.m["address"]), str(a.m["address"])}}
		if owners && str(r.m["process"]) != str(a.m["process"]) {
			c.Fields = append(c.Fields, FieldChange{"process", str(r.m["process"]), str(a.m["process"])})
		}
		out = append(out, c)
		added = slices.Delete(added, match[0], match[0]+1)
		removed = slices.Delete(removed, i, i+1)
		i--
	}
	for _, e := range removed {
		out = append(out, mk(ChangeRemoved, e))
	}
	for _, e := range added {
		out = append(out, mk(ChangeAdded, e))
	}
	sortInventory(out)
	return out
}

// listenerAddr renders proto, address and port: "tcp 0.0.0.0:22",
// "tcp [::]:80".
func listenerAddr(m map[string]any) string {
	addr := str(m["address"])
	if strings.Contains(addr, ":") {
		addr = "[" + addr + "]"
	}
	return fmt.Sprintf("%s %s:%d", str(m["proto"]), addr, intOf(m["port"]))
}

// containerIgnored are container fields that change at every recreation
// without changing what runs.
var containerIgnored = map[string]bool{"id": true}

func diffContainers(old, new map[string]any) []InventoryChange {
	index := func(doc map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		cs, _ := dig(doc, "docker", "containers").([]any)
		for _, v := range cs {
			if m, ok := v.(map[string]any); ok {
				out[str(m["name"])] = m
			}
		}
		return out
	}
	o, n := index(old), index(new)
	mk := func(change, name string, m map[string]any) InventoryChange {
		c := InventoryChange{Kind: "container", Section: "docker", Change: change, Item: name, names: []string{name}, proto: "any"}
		if img := str(m["image"]); img != "" && change != ChangeChanged {
			c.Item += " (" + img + ")"
		}
		ps, _ := m["ports"].([]any)
		for _, p := range ps {
			pm, _ := p.(map[string]any)
			if hp := intOf(pm["host_port"]); hp > 0 {
				c.ranges = append(c.ranges, portRange{hp, hp})
				c.Ports = append(c.Ports, fmt.Sprintf("%d/%s", hp, str(pm["proto"])))
			}
		}
		return c
	}
	var out []InventoryChange
	for name, a := range o {
		b, ok := n[name]
		if !ok {
			out = append(out, mk(ChangeRemoved, name, a))
			continue
		}
		keys := map[string]bool{}
		for k := range a {
			keys[k] = true
		}
		for k := range b {
			keys[k] = true
		}
		var fs []FieldChange
		for _, k := range sortedKeys(keys) {
			if containerIgnored[k] {
				continue
			}
			x, y := a[k], b[k]
			if k == "process" {
				x, y = withoutPID(x), withoutPID(y)
			}
			if xs, ys := text(x), text(y); xs != ys {
				fs = append(fs, FieldChange{k, clip(xs), clip(ys)})
			}
		}
		if len(fs) > 0 {
			c := mk(ChangeChanged, name, b)
			c.Fields = fs
			out = append(out, c)
		}
	}
	for name, b := range n {
		if _, ok := o[name]; !ok {
			out = append(out, mk(ChangeAdded, name, b))
		}
	}
	sortInventory(out)
	return out
}

func withoutPID(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	c := make(map[string]any, len(m))
	for k, x := range m {
		if k != "pid" {
			c[k] = x
		}
	}
	return c
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortInventory(cs []InventoryChange) {
	order := map[string]int{ChangeAdded: 0, ChangeChanged: 1, ChangeRemoved: 2}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Change != cs[j].Change {
			return order[cs[i].Change] < order[cs[j].Change]
		}
		return cs[i].Item < cs[j].Item
	})
}

// text renders a snapshot value for comparison and display: strings as
// they are, anything else as compact JSON.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func clip(s string) string {
	const n = 120
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func intOf(v any) int {
	f, _ := toFloat(v)
	return int(f)
}
