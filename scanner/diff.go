package scanner

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DiffSchemaVersion is the version of the JSON drift format.
const DiffSchemaVersion = 1

// Input kinds of a DiffSide.
const (
	KindSnapshot = "snapshot"
	KindResults  = "results"
)

// Inventory change kinds.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// Diff is what changed between two evaluations of a host: verdicts that
// changed and, when both sides are snapshots, the inventory drift behind
// them.
type Diff struct {
	SchemaVersion int         `json:"schema_version"`
	Old           DiffSide    `json:"old"`
	New           DiffSide    `json:"new"`
	Summary       DiffSummary `json:"summary"`
	// NewlyFailing fail now and did not before (absent, pass, waived,
	// unknown...); Resolved failed before and now pass, do not apply or are
	// gone; StillFailing fail on both sides; Changed are the other status
	// changes of a subject present on both sides (a failure now waived, a
	// pass now unknown). Each list is sorted by severity, rule, subject.
	NewlyFailing []ResultChange `json:"newly_failing"`
	Resolved     []ResultChange `json:"resolved"`
	StillFailing []ResultChange `json:"still_failing"`
	Changed      []ResultChange `json:"changed"`
	// Inventory is the drift between the two snapshots; nil when either
	// side is a result file.
	Inventory *Inventory `json:"inventory,omitempty"`
	// Notes say what limits the comparison: other hosts, other policies,
	// swapped arguments, no snapshots.
	Notes []string `json:"notes,omitempty"`
}

// DiffSide describes one of the two evaluations compared.
type DiffSide struct {
	Host         string    `json:"host"`
	ScannedAt    time.Time `json:"scanned_at"`
	PolicyDigest string    `json:"policy_digest"`
	ConfigDigest string    `json:"config_digest"`
	Summary      Summary   `json:"summary"`
	// Source is the file compared and Kind what it held (KindSnapshot or
	// KindResults); both set by the caller.
	Source string `json:"source,omitempty"`
	Kind   string `json:"kind,omitempty"`
}

// DiffSummary counts the changes. Appeared and Disappeared count the
// subjects present on one side only that never failed (a new listener
// that passes every rule).
type DiffSummary struct {
	NewlyFailing int `json:"newly_failing"`
	Resolved     int `json:"resolved"`
	StillFailing int `json:"still_failing"`
	Changed      int `json:"changed"`
	Appeared     int `json:"appeared"`
	Disappeared  int `json:"disappeared"`
}

// ResultChange is one rule's verdict on one subject on both sides.
type ResultChange struct {
	RuleID   string   `json:"rule_id"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	Subject  string   `json:"subject"`
	// Old and New are the statuses, "" where the subject had no result.
	Old Status `json:"old_status"`
	New Status `json:"new_status"`
	// Message is the newer message (the old one for a subject that is
	// gone); OldMessage the earlier one when it differs.
	Message    string `json:"message"`
	OldMessage string `json:"old_message,omitempty"`
	// Causes are the inventory changes that plausibly explain the change:
	// those of the snapshot sections the rule reads that concern the same
	// port or container, else every change of those sections.
	Causes []InventoryChange `json:"causes,omitempty"`
}

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

type portRange struct{ from, to int }

type resultKey struct{ rule, subject string }

// DiffReports compares the results of two reports of a host (old first). Results
// are matched by rule and subject; where a rule gave several results on
// one subject, the worst counts.
func DiffReports(old, new *Report) *Diff {
	d := &Diff{SchemaVersion: DiffSchemaVersion, Old: sideOf(old), New: sideOf(new)}
	o, n := worstByKey(old), worstByKey(new)
	keys := make([]resultKey, 0, len(o)+len(n))
	for k := range o {
		keys = append(keys, k)
	}
	for k := range n {
		if _, ok := o[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		a, b := o[k], n[k]
		c := ResultChange{RuleID: k.rule, Subject: k.subject}
		cur := b
		if cur == nil {
			cur = a
		}
		c.Title, c.Severity, c.Message = cur.Title, cur.Severity, cur.Message
		if a != nil {
			c.Old = a.Status
			if b != nil && a.Message != b.Message {
				c.OldMessage = a.Message
			}
		}
		if b != nil {
			c.New = b.Status
		}
		switch {
		case c.New == StatusFail && c.Old == StatusFail:
			d.StillFailing = append(d.StillFailing, c)
		case c.New == StatusFail:
			d.NewlyFailing = append(d.NewlyFailing, c)
		case c.Old == StatusFail && (c.New == StatusPass || c.New == StatusNotApplicable || c.New == ""):
			d.Resolved = append(d.Resolved, c)
		case c.Old == "" && c.New != "":
			d.Summary.Appeared++
		case c.New == "" && c.Old != "":
			d.Summary.Disappeared++
		case c.Old != c.New:
			d.Changed = append(d.Changed, c)
		}
	}
	for _, l := range [][]ResultChange{d.NewlyFailing, d.Resolved, d.StillFailing, d.Changed} {
		sortChanges(l)
	}
	d.Summary.NewlyFailing, d.Summary.Resolved = len(d.NewlyFailing), len(d.Resolved)
	d.Summary.StillFailing, d.Summary.Changed = len(d.StillFailing), len(d.Changed)
	if old.Host != new.Host {
		d.Notes = append(d.Notes, fmt.Sprintf("the two sides are different hosts (%s, %s)", old.Host, new.Host))
	}
	if old.PolicyDigest != new.PolicyDigest {
		d.Notes = append(d.Notes, "the policies differ between the two sides: some changes may come from the rules, not the host")
	}
	if old.ConfigDigest != new.ConfigDigest {
		d.Notes = append(d.Notes, "the configuration differs between the two sides: some changes may come from it, not the host")
	}
	if !old.ScannedAt.IsZero() && old.ScannedAt.After(new.ScannedAt) {
		d.Notes = append(d.Notes, fmt.Sprintf("OLD was scanned after NEW (%s > %s): are the arguments swapped?",
			old.ScannedAt.Format(time.RFC3339), new.ScannedAt.Format(time.RFC3339)))
	}
	return d
}

func sideOf(r *Report) DiffSide {
	return DiffSide{Host: r.Host, ScannedAt: r.ScannedAt, PolicyDigest: r.PolicyDigest, ConfigDigest: r.ConfigDigest, Summary: r.Summary}
}

func worstByKey(r *Report) map[resultKey]*Result {
	m := make(map[resultKey]*Result, len(r.Results))
	for i := range r.Results {
		res := &r.Results[i]
		k := resultKey{res.RuleID, res.Subject}
		if prev, ok := m[k]; !ok || statusRank(res.Status) < statusRank(prev.Status) {
			m[k] = res
		}
	}
	return m
}

func sortChanges(cs []ResultChange) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Subject < b.Subject
	})
}

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
