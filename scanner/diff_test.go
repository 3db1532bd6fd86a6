package scanner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

func res(rule, subject string, st scanner.Status, sev scanner.Severity, msg string) scanner.Result {
	return scanner.Result{RuleID: rule, Subject: subject, Status: st, Severity: sev, Message: msg}
}

func TestDiffReportsCategories(t *testing.T) {
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	old := &scanner.Report{Host: "h", ScannedAt: at, Results: []scanner.Result{
		res("MLS-A-001", "22/tcp", scanner.StatusPass, scanner.SeverityHigh, "ok"),
		res("MLS-A-001", "6380/tcp", scanner.StatusFail, scanner.SeverityHigh, "open"),
		res("MLS-A-001", "8265/tcp", scanner.StatusFail, scanner.SeverityHigh, "open"),
		res("MLS-B-001", "ufw", scanner.StatusPass, scanner.SeverityCritical, "active"),
		res("MLS-C-001", "x", scanner.StatusFail, scanner.SeverityLow, "bad"),
		res("MLS-C-001", "gone", scanner.StatusFail, scanner.SeverityLow, "bad"),
		res("MLS-C-001", "waived", scanner.StatusFail, scanner.SeverityLow, "bad"),
		res("MLS-D-001", "was-waived", scanner.StatusWaived, scanner.SeverityMedium, "bad"),
		res("MLS-D-001", "quiet", scanner.StatusPass, scanner.SeverityMedium, "ok"),
		// Two results on one subject: the worst counts.
		res("MLS-E-001", "dup", scanner.StatusPass, scanner.SeverityLow, "ok"),
		res("MLS-E-001", "dup", scanner.StatusFail, scanner.SeverityLow, "bad"),
	}}
	new := &scanner.Report{Host: "h", ScannedAt: at.Add(time.Hour), Results: []scanner.Result{
		res("MLS-A-001", "22/tcp", scanner.StatusFail, scanner.SeverityHigh, "now open"),
		res("MLS-A-001", "6380/tcp", scanner.StatusPass, scanner.SeverityHigh, "closed"),
		res("MLS-A-001", "8265/tcp", scanner.StatusFail, scanner.SeverityHigh, "open"),
		res("MLS-A-001", "7777/tcp", scanner.StatusFail, scanner.SeverityHigh, "new"),
		res("MLS-B-001", "ufw", scanner.StatusUnknown, scanner.SeverityCritical, "not root"),
		res("MLS-C-001", "x", scanner.StatusFail, scanner.SeverityLow, "bad"),
		res("MLS-C-001", "waived", scanner.StatusWaived, scanner.SeverityLow, "bad"),
		res("MLS-D-001", "was-waived", scanner.StatusFail, scanner.SeverityMedium, "bad (waiver expired)"),
		res("MLS-D-001", "new-pass", scanner.StatusPass, scanner.SeverityMedium, "ok"),
		res("MLS-E-001", "dup", scanner.StatusFail, scanner.SeverityLow, "bad"),
	}}
	old.Summary, new.Summary = scanner.Summarize(old.Results), scanner.Summarize(new.Results)
	d := scanner.DiffReports(old, new)
	keys := func(cs []scanner.ResultChange) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.RuleID+" "+c.Subject+" "+string(c.Old)+">"+string(c.New))
		}
		return strings.Join(s, ", ")
	}
	for _, tc := range []struct {
		name string
		got  []scanner.ResultChange
		want string
	}{
		{"newly failing", d.NewlyFailing, "MLS-A-001 22/tcp pass>fail, MLS-A-001 7777/tcp >fail, MLS-D-001 was-waived waived>fail"},
		{"resolved", d.Resolved, "MLS-A-001 6380/tcp fail>pass, MLS-C-001 gone fail>"},
		{"still failing", d.StillFailing, "MLS-A-001 8265/tcp fail>fail, MLS-C-001 x fail>fail, MLS-E-001 dup fail>fail"},
		{"changed", d.Changed, "MLS-B-001 ufw pass>unknown, MLS-C-001 waived fail>waived"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := keys(tc.got); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if d.Summary.Appeared != 1 || d.Summary.Disappeared != 1 {
		t.Errorf("appeared %d disappeared %d, want 1 and 1", d.Summary.Appeared, d.Summary.Disappeared)
	}
	if c := d.NewlyFailing[0]; c.OldMessage != "ok" || c.Message != "now open" {
		t.Errorf("messages: %+v", c)
	}
	if len(d.Notes) != 0 {
		t.Errorf("notes: %v", d.Notes)
	}
	// Swapped arguments and another host are noted.
	if n := strings.Join(scanner.DiffReports(new, &scanner.Report{Host: "other", ScannedAt: at}).Notes, "; "); !strings.Contains(n, "different hosts") || !strings.Contains(n, "swapped") {
		t.Errorf("notes: %s", n)
	}
}

// documented returns a fresh decoded copy of the documented host's snapshot.
func documented(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		t.Fatal(err)
	}
	_, doc, err := snapshot.Decode("documented-host.json", b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// plantFaults turns the documented host into the same host after two
// faults: `ufw allow from 192.168.1.0/24 to any port 6380 proto tcp`
// (Redis opened to a network outside the trusted one) and an unregistered
// listener on 0.0.0.0:7777.
func plantFaults(t testing.TB, doc map[string]any) {
	t.Helper()
	rules := doc["ufw"].(map[string]any)["rules"].(map[string]any)
	items := rules["items"].([]any)
	r := clone(t, items[0]).(map[string]any) // the SSH rule, from 10.0.0.0/24
	r["to_ports"], r["from"] = "6380", "192.168.1.0/24"
	r["to_ranges"] = []any{map[string]any{"from": json.Number("6380"), "to": json.Number("6380")}}
	r["raw"] = "6380/tcp                   ALLOW IN    192.168.1.0/24"
	r["from_net"] = map[string]any{"canonical": "192.168.1.0/24", "any": false, "family": "ipv4", "contiguous": true, "cover": "192.168.1.0/24"}
	rules["items"] = append(items[:1:1], append([]any{r}, items[1:]...)...)
	// The kernel holds it too, where ufw puts it: after the SSH rule in
	// ufw-user-input, as the collector parses iptables-save's line.
	for _, tv := range doc["netfilter"].(map[string]any)["ipv4"].(map[string]any)["tables"].([]any) {
		tbl := tv.(map[string]any)
		if tbl["name"] != "filter" {
			continue
		}
		krules := tbl["rules"].([]any)
		for i, kv := range krules {
			k := kv.(map[string]any)
			if k["chain"] != "ufw-user-input" || k["source"] != "10.0.0.0/24" {
				continue
			}
			n := clone(t, k).(map[string]any)
			n["text"] = "-s 192.168.1.0/24 -p tcp -m tcp --dport 6380 -j ACCEPT"
			n["source"] = "192.168.1.0/24"
			n["dports"] = []any{map[string]any{"from": json.Number("6380"), "to": json.Number("6380")}}
			n["matches"] = []any{map[string]any{"module": "tcp", "options": []any{"--dport", "6380"}}}
			tbl["rules"] = append(krules[:i+1:i+1], append([]any{n}, krules[i+1:]...)...)
			break
		}
	}
	sock := doc["sockets"].(map[string]any)
	ls := sock["listeners"].([]any)
	l := clone(t, ls[2]).(map[string]any) // flower on 0.0.0.0:5555
	l["port"], l["inode"], l["pid"] = json.Number("7777"), json.Number("99999"), json.Number("5000")
	l["process"], l["command"] = "python3", "python3 -m http.server 7777"
	// A host process, not flower's container.
	delete(l, "container_id")
	delete(l, "container_name")
	delete(l, "compose_service")
	sock["listeners"] = append(ls, l)
}

func clone(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func eval(t testing.TB, e *scanner.Engine, doc map[string]any) *scanner.Report {
	t.Helper()
	in, err := e.InputOfDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Eval(context.Background(), in, scanner.EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDiffPlantedFaults: the documented host against itself after two
// planted faults gives exactly the two newly failing rules, each with the
// inventory change behind it.
func TestDiffPlantedFaults(t *testing.T) {
	e := loadDefault(t)
	old, new := documented(t), documented(t)
	plantFaults(t, new)
	d := scanner.DiffReports(eval(t, e, old), eval(t, e, new))
	d.Explain(scanner.DiffInventory(old, new), e.Checks())

	want := map[string]string{
		"MLS-EXP-001 6380/tcp": "UFW rule added: allow in port 6380/tcp from 192.168.1.0/24",
		"MLS-REG-001 7777/tcp": "listener added: tcp 0.0.0.0:7777 (python3)",
	}
	if len(d.NewlyFailing) != len(want) {
		t.Errorf("%d newly failing, want %d: %+v", len(d.NewlyFailing), len(want), d.NewlyFailing)
	}
	for _, c := range d.NewlyFailing {
		cause, ok := want[c.RuleID+" "+c.Subject]
		if !ok {
			t.Errorf("unexpected newly failing %s %s: %s", c.RuleID, c.Subject, c.Message)
			continue
		}
		if len(c.Causes) != 1 || c.Causes[0].String() != cause {
			t.Errorf("%s %s: causes %v, want [%s]", c.RuleID, c.Subject, c.Causes, cause)
		}
	}
	// The diff works per (rule, subject): a rule failing twice on one
	// subject (two listeners of one port) is one still-failing entry.
	oldFailing := map[string]bool{}
	for _, r := range eval(t, e, old).Results {
		if r.Status == scanner.StatusFail {
			oldFailing[r.RuleID+" "+r.Subject] = true
		}
	}
	if len(d.Resolved) != 0 || len(d.Changed) != 0 || d.Summary.StillFailing != len(oldFailing) {
		t.Errorf("resolved %v, changed %v, still failing %d", d.Resolved, d.Changed, d.Summary.StillFailing)
	}
	inv := d.Inventory
	if len(inv.Listeners) != 1 || len(inv.UFWRules) != 1 || len(inv.Firewall) != 0 || len(inv.Containers) != 0 {
		t.Errorf("inventory: %+v", inv)
	}
	// Every section was collected on both sides: nothing left uncompared.
	if len(inv.Notes) != 0 {
		t.Errorf("notes: %v", inv.Notes)
	}
}

func TestDiffInventory(t *testing.T) {
	listener := func(addr string, port int, proc string) map[string]any {
		return map[string]any{"proto": "tcp", "address": addr, "port": json.Number(itoa(port)), "process": proc, "command": proc, "pid": json.Number("1"), "inode": json.Number("1")}
	}
	rule := func(port, from string, v6 bool) map[string]any {
		return map[string]any{"action": "allow", "direction": "in", "proto": "tcp", "to": "any", "to_ports": port, "from": from,
			"from_ports": "any", "v6": v6, "to_ranges": []any{map[string]any{"from": json.Number(port), "to": json.Number(port)}}}
	}
	container := func(name, image string, pid int) map[string]any {
		return map[string]any{"id": name + itoa(pid), "name": name, "image": image, "process": map[string]any{"status": "ok", "pid": json.Number(itoa(pid))},
			"ports": []any{map[string]any{"host_ip": "", "host_port": json.Number("6380"), "container_port": json.Number("6379"), "proto": "tcp"}}}
	}
	snap := func(ls []any, rules []any, incoming string, cs []any) map[string]any {
		ok := map[string]any{"status": "ok"}
		return map[string]any{
			"collectors": map[string]any{"sockets": ok, "ufw": ok, "docker": ok},
			"sockets":    map[string]any{"owners": ok, "listeners": ls},
			"ufw": map[string]any{"installed": true, "live": map[string]any{"status": "ok", "active": true, "default_incoming": incoming},
				"rules": map[string]any{"status": "ok", "from": "ufw status verbose", "items": rules}},
			"docker": map[string]any{"containers": cs},
		}
	}
	old := snap(
		[]any{listener("127.0.0.1", 6380, "redis-server"), listener("0.0.0.0", 22, "sshd"), listener("0.0.0.0", 8265, "dashboard")},
		[]any{rule("22", "10.0.0.0/24", false), rule("80", "any", false), rule("443", "any", false)},
		"deny",
		[]any{container("redis", "redis:7", 10), container("flower", "flower:2", 11), container("old", "x:1", 12)})
	new := snap(
		[]any{listener("0.0.0.0", 6380, "redis-server"), listener("0.0.0.0", 22, "sshd"), listener("0.0.0.0", 8265, "python3"), listener("0.0.0.0", 7777, "nc")},
		[]any{rule("22", "10.0.0.0/24", false), rule("443", "any", false), rule("80", "any", false), rule("6380", "any", true)},
		"allow",
		[]any{container("redis", "redis:8", 20), container("flower", "flower:2", 21), container("ray", "ray:2", 22)})
	inv := scanner.DiffInventory(old, new)
	got := func(cs []scanner.InventoryChange) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.String())
		}
		return strings.Join(s, "\n")
	}
	for _, tc := range []struct {
		name string
		got  []scanner.InventoryChange
		want string
	}{
		{"listeners", inv.Listeners, "listener added: tcp 0.0.0.0:7777 (nc)\n" +
			"listener changed: tcp 0.0.0.0:6380 (redis-server) (address: 127.0.0.1 → 0.0.0.0)\n" +
			"listener changed: tcp 0.0.0.0:8265 (python3) (process: dashboard → python3; command: dashboard → python3)"},
		{"ufw rules", inv.UFWRules, "UFW rule added: allow in port 6380/tcp from any (v6)"},
		{"firewall", inv.Firewall, "UFW setting changed: default incoming (default incoming: deny → allow)"},
		{"containers", inv.Containers, "container added: ray (ray:2)\n" +
			"container changed: redis (image: redis:7 → redis:8)\n" +
			"container removed: old (x:1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g := got(tc.got); g != tc.want {
				t.Errorf("got\n%s\nwant\n%s", g, tc.want)
			}
		})
	}
	// Same rules in another order: UFW's first match may differ.
	reordered := snap(nil, []any{rule("80", "any", false), rule("22", "10.0.0.0/24", false)}, "deny", nil)
	inOrder := snap(nil, []any{rule("22", "10.0.0.0/24", false), rule("80", "any", false)}, "deny", nil)
	if inv := scanner.DiffInventory(inOrder, reordered); len(inv.Firewall) != 1 || inv.Firewall[0].Item != "rule order" || len(inv.UFWRules) != 0 {
		t.Errorf("reorder: %+v", inv)
	}
	// Owners unreadable on one side (not root): owners are not compared.
	noOwners := snap([]any{listener("0.0.0.0", 22, "")}, nil, "deny", nil)
	noOwners["sockets"].(map[string]any)["owners"] = map[string]any{"status": "permission"}
	if inv := scanner.DiffInventory(snap([]any{listener("0.0.0.0", 22, "sshd")}, nil, "deny", nil), noOwners); len(inv.Listeners) != 0 {
		t.Errorf("owners compared without root: %v", inv.Listeners)
	}

	// Links: a port-specific cause wins over the section's other changes.
	d := &scanner.Diff{NewlyFailing: []scanner.ResultChange{
		{RuleID: "MLS-EXP-001", Subject: "6380/tcp", New: scanner.StatusFail, Target: &scanner.Target{Kind: scanner.TargetPort, Port: 6380, Proto: "tcp"}},
		{RuleID: "MLS-FW-002", Subject: "default incoming policy", New: scanner.StatusFail, Target: &scanner.Target{Kind: scanner.TargetFirewall}},
		{RuleID: "MLS-CTR-001", Subject: "container ray", New: scanner.StatusFail, Target: &scanner.Target{Kind: scanner.TargetContainer, Container: "ray"}},
		{RuleID: "MLS-REG-003", Subject: "registry", New: scanner.StatusFail, Target: &scanner.Target{Kind: scanner.TargetHost}},
	}}
	d.Explain(inv, []scanner.Check{
		{ID: "MLS-EXP-001", Requires: []string{"sockets", "ufw.rules"}},
		{ID: "MLS-FW-002", Requires: []string{"ufw"}},
		{ID: "MLS-CTR-001", Requires: []string{"docker"}},
		{ID: "MLS-REG-003"},
	})
	for i, want := range []string{
		"listener changed: tcp 0.0.0.0:6380 (redis-server) (address: 127.0.0.1 → 0.0.0.0)\nUFW rule added: allow in port 6380/tcp from any (v6)",
		"UFW rule added: allow in port 6380/tcp from any (v6)\nUFW setting changed: default incoming (default incoming: deny → allow)",
		"container added: ray (ray:2)",
		"",
	} {
		if g := got(d.NewlyFailing[i].Causes); g != want {
			t.Errorf("%s causes:\n%s\nwant\n%s", d.NewlyFailing[i].RuleID, g, want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// faultedSnapshot is the documented host after plantFaults, kept as a file
// for the report and CLI tests and the README's example.
const faultedSnapshot = "../testdata/snapshots/documented-host-two-faults.json"

// TestFaultedSnapshotFile keeps testdata/snapshots/documented-host-two-faults.json
// equal to plantFaults applied to the captured documented host
// (MLSCAN_UPDATE_TESTDATA=1 rewrites it).
func TestFaultedSnapshotFile(t *testing.T) {
	doc := documented(t)
	plantFaults(t, doc)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("MLSCAN_UPDATE_TESTDATA") == "1" {
		if err := os.WriteFile(faultedSnapshot, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(faultedSnapshot)
	if err != nil || !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("%s is out of date (%v): rerun with MLSCAN_UPDATE_TESTDATA=1", faultedSnapshot, err)
	}
}
