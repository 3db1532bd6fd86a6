package scanner

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
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
	switch c.Kind {
	case "ufw_rule":
		kind = "UFW rule"
	case "firewall":
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

// DiffSnapshots compares two snapshots (old first): listeners, UFW rules
// and settings, containers. A section that is missing or was not collected
// on either side is not compared, and a note says so; a nil snapshot is
// one that could not be read, and nothing of it is compared.
func DiffSnapshots(old, new *snapshot.Snapshot) *Inventory {
	inv := &Inventory{Listeners: []InventoryChange{}, UFWRules: []InventoryChange{}, Firewall: []InventoryChange{}, Containers: []InventoryChange{}}
	if inv.comparable(old, new, "sockets", func(s *snapshot.Snapshot) bool { return s.Sockets != nil }) {
		inv.Listeners = diffListeners(old.Sockets, new.Sockets)
	}
	if inv.comparable(old, new, "ufw", func(s *snapshot.Snapshot) bool { return s.UFW != nil }) {
		inv.UFWRules, inv.Firewall = diffUFW(old.UFW, new.UFW, inv)
	}
	if inv.comparable(old, new, "docker", func(s *snapshot.Snapshot) bool { return s.Docker != nil }) {
		inv.Containers = diffContainers(old.Docker, new.Docker)
	}
	return inv
}

// DiffInventory compares two decoded snapshot documents (the form Rego
// reads) as DiffSnapshots does. A document that does not read as a
// snapshot is compared as an unreadable side. Callers holding the typed
// snapshots (snapshot.Decode returns both) call DiffSnapshots.
func DiffInventory(old, new map[string]any) *Inventory {
	return DiffSnapshots(typedSnapshot(old), typedSnapshot(new))
}

// typedSnapshot reads a decoded document as a snapshot; nil when it does
// not fit the types.
func typedSnapshot(doc map[string]any) *snapshot.Snapshot {
	if doc == nil {
		return nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil
	}
	var s snapshot.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return nil
	}
	return &s
}

// comparable says whether section was collected on both sides, noting
// why not. present says whether a snapshot holds the section.
func (inv *Inventory) comparable(old, new *snapshot.Snapshot, section string, present func(*snapshot.Snapshot) bool) bool {
	why := func(s *snapshot.Snapshot) string {
		if s == nil {
			return "unreadable"
		}
		col, ok := s.Collectors[section]
		switch {
		case !ok:
			return "not run"
		case col.Status == "":
			return "no status"
		case col.Status != snapshot.StatusOK:
			return string(col.Status)
		case !present(s):
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

func sortInventory(cs []InventoryChange) {
	order := map[string]int{ChangeAdded: 0, ChangeChanged: 1, ChangeRemoved: 2}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Change != cs[j].Change {
			return order[cs[i].Change] < order[cs[j].Change]
		}
		return cs[i].Item < cs[j].Item
	})
}

func clip(s string) string {
	const n = 120
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
