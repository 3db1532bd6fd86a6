package scanner_test

import (
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// causesSnapshots are a host before and after some drift: Redis's
// listener moved to 0.0.0.0, new listeners on 7777/tcp and 5353/udp, a
// rule allowing 6380/tcp and one allowing every port from 1.2.3.4, the
// default incoming policy relaxed, flower's image changed and a ray
// container publishing 8265/tcp.
func causesSnapshots() (old, new *snapshot.Snapshot) {
	ok := snapshot.CollectorResult{Status: snapshot.StatusOK}
	src := snapshot.Source{Status: snapshot.StatusOK}
	snap := func(ls []snapshot.Listener, rules []snapshot.UFWRule, incoming string, cs []snapshot.Container) *snapshot.Snapshot {
		return &snapshot.Snapshot{
			SchemaVersion: snapshot.SchemaVersion,
			Collectors:    map[string]snapshot.CollectorResult{"sockets": ok, "ufw": ok, "docker": ok},
			Sockets:       &snapshot.SocketsSection{Owners: src, Listeners: ls},
			UFW: &snapshot.UFWSection{Installed: true, Live: snapshot.UFWLive{Source: src, Active: true, DefaultIncoming: incoming},
				Rules: snapshot.UFWRules{Source: src, Items: rules}},
			Docker: &snapshot.DockerSection{EngineInstalled: true, Containers: cs},
		}
	}
	listener := func(proto, addr string, port int, proc, container string) snapshot.Listener {
		return snapshot.Listener{Proto: proto, Address: addr, Port: port, Process: proc, ContainerName: container}
	}
	rule := func(port int, from string) snapshot.UFWRule {
		r := snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "any", From: from, FromPort: "any"}
		if port > 0 {
			r.Proto, r.ToPorts, r.ToRanges = "tcp", itoa(port), []snapshot.PortRange{{From: port, To: port}}
		}
		return r
	}
	container := func(name, image string, ports ...int) snapshot.Container {
		c := snapshot.Container{Name: name, Image: image}
		for _, p := range ports {
			c.Ports = append(c.Ports, snapshot.PortBinding{HostPort: p, ContainerPort: p, Proto: "tcp"})
		}
		return c
	}
	old = snap(
		[]snapshot.Listener{listener("tcp", "127.0.0.1", 6380, "redis-server", "redis"), listener("tcp", "0.0.0.0", 22, "sshd", "")},
		[]snapshot.UFWRule{rule(22, "10.0.0.0/24")}, "deny",
		[]snapshot.Container{container("redis", "redis:7", 6380), container("flower", "flower:1")})
	new = snap(
		[]snapshot.Listener{listener("tcp", "0.0.0.0", 6380, "redis-server", "redis"), listener("tcp", "0.0.0.0", 22, "sshd", ""),
			listener("tcp", "0.0.0.0", 7777, "nc", ""), listener("udp", "0.0.0.0", 5353, "avahi", "")},
		[]snapshot.UFWRule{rule(22, "10.0.0.0/24"), rule(6380, "any"), rule(0, "1.2.3.4")}, "allow",
		[]snapshot.Container{container("redis", "redis:7", 6380), container("flower", "flower:2"), container("ray", "ray:2", 8265)})
	return old, new
}

// TestDiffCausesFromTargets: a result change is linked to the inventory
// changes its target concerns (port and protocol, container; old or new
// target), within the sections its rule reads; without a target, or when
// the target concerns no change, to every change of those sections. No
// message or subject is read.
func TestDiffCausesFromTargets(t *testing.T) {
	inv := scanner.DiffSnapshots(causesSnapshots())
	checks := []scanner.Check{
		{ID: "MLS-EXP-001", Requires: []string{"sockets", "ufw.rules"}},
		{ID: "MLS-FW-002", Requires: []string{"ufw"}},
		{ID: "MLS-CTR-001", Requires: []string{"docker"}},
		{ID: "MLS-OWN-001", Requires: []string{"sockets", "docker"}},
		{ID: "MLS-CFG-001"}, // reads configuration only
	}
	port := func(p int, proto string) *scanner.Target {
		return &scanner.Target{Kind: scanner.TargetPort, Port: p, Proto: proto}
	}
	const (
		l6380  = "listener changed: tcp 0.0.0.0:6380 (redis-server) (address: 127.0.0.1 → 0.0.0.0)"
		l7777  = "listener added: tcp 0.0.0.0:7777 (nc)"
		l5353  = "listener added: udp 0.0.0.0:5353 (avahi)"
		rAll   = "UFW rule added: allow in from 1.2.3.4"
		r6380  = "UFW rule added: allow in port 6380/tcp from any"
		fwIn   = "UFW setting changed: default incoming (default incoming: deny → allow)"
		ray    = "container added: ray (ray:2)"
		flower = "container changed: flower (image: flower:1 → flower:2)"
	)
	for _, tc := range []struct {
		name   string
		rule   string
		target *scanner.Target
		msg    string
		want   []string
	}{
		{"port target: its listener and the rules covering it", "MLS-EXP-001", port(6380, "tcp"), "", []string{l6380, rAll, r6380}},
		{"udp port target: not the tcp changes", "MLS-EXP-001", port(5353, "udp"), "", []string{l5353, rAll}},
		{"port without protocol: either protocol", "MLS-EXP-001", &scanner.Target{Kind: scanner.TargetFirewall, Port: 5353}, "", []string{l5353, rAll}},
		{"container target: the listeners it owns", "MLS-OWN-001", &scanner.Target{Kind: scanner.TargetContainer, Container: "redis"}, "", []string{l6380}},
		{"container target: the container", "MLS-CTR-001", &scanner.Target{Kind: scanner.TargetContainer, Container: "ray", Port: 8265, Proto: "tcp"}, "", []string{ray}},
		{"registry target: the changes of its port", "MLS-OWN-001", &scanner.Target{Kind: scanner.TargetRegistry, Registry: "ray-dashboard", Port: 8265, Proto: "tcp"}, "", []string{ray}},
		{"firewall target: every change of the sections read", "MLS-FW-002", &scanner.Target{Kind: scanner.TargetFirewall}, "", []string{rAll, r6380, fwIn}},
		{"target concerning no change: every change of the sections read", "MLS-CTR-001", port(9999, "tcp"), "", []string{ray, flower}},
		{"no target: every change of the sections read, the message unread", "MLS-EXP-001", nil, "6380/tcp open to redis", []string{l7777, l5353, l6380, rAll, r6380, fwIn}},
		{"unknown rule: what its target concerns, in any section", "MLS-SITE-001", port(8265, "tcp"), "", []string{rAll, ray}},
		{"unknown rule without target: nothing", "MLS-SITE-001", nil, "6380/tcp", nil},
		{"rule reading no section: nothing", "MLS-CFG-001", port(6380, "tcp"), "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &scanner.Diff{NewlyFailing: []scanner.ResultChange{{RuleID: tc.rule, Subject: "s", New: scanner.StatusFail, Message: tc.msg, Target: tc.target}}}
			d.Explain(inv, checks)
			if got, want := causeLines(d.NewlyFailing[0].Causes), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("causes:\n%s\nwant\n%s", got, want)
			}
		})
	}

	// A target that changed between the sides: the changes of both.
	at := func(p int) []scanner.Result {
		return []scanner.Result{{RuleID: "MLS-EXP-001", Subject: "web", Status: scanner.StatusFail, Severity: scanner.SeverityHigh, Target: port(p, "tcp")}}
	}
	d := scanner.DiffReports(&scanner.Report{Host: "h", Results: at(6380)}, &scanner.Report{Host: "h", Results: []scanner.Result{{RuleID: "MLS-EXP-001", Subject: "web", Status: scanner.StatusUnknown, Severity: scanner.SeverityHigh, Target: port(7777, "tcp")}}})
	d.Explain(inv, checks)
	if len(d.Changed) != 1 || d.Changed[0].Target.Port != 7777 {
		t.Fatalf("changed: %+v", d.Changed)
	}
	if got, want := causeLines(d.Changed[0].Causes), strings.Join([]string{l7777, l6380, rAll, r6380}, "\n"); got != want {
		t.Errorf("moved target causes:\n%s\nwant\n%s", got, want)
	}
}

func causeLines(cs []scanner.InventoryChange) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.String())
	}
	return strings.Join(s, "\n")
}

// TestDiffUndecidedIsNotResolved: a failure whose rule errs (or is unknown
// for the whole host) on the new side is a change to that status, never
// "resolved".
func TestDiffUndecidedIsNotResolved(t *testing.T) {
	fail := scanner.Result{RuleID: "MLS-CTR-001", Title: "t", Severity: scanner.SeverityCritical, Status: scanner.StatusFail, Subject: "container cadvisor", Message: "privileged"}
	errd := scanner.Result{RuleID: "MLS-CTR-001", Title: "t", Severity: scanner.SeverityCritical, Status: scanner.StatusError, Subject: "host", Message: "rule failed to evaluate", Target: &scanner.Target{Kind: scanner.TargetHost}}
	unk := scanner.Result{RuleID: "MLS-CTR-001", Title: "t", Severity: scanner.SeverityCritical, Status: scanner.StatusUnknown, Subject: "host", Message: "could not be verified: collector docker: unavailable", Target: &scanner.Target{Kind: scanner.TargetHost}}
	for _, tc := range []struct {
		name string
		now  scanner.Result
		want scanner.Status
	}{
		{"the rule errs", errd, scanner.StatusError},
		{"the rule is unknown for the host", unk, scanner.StatusUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := scanner.DiffReports(&scanner.Report{Host: "h", Results: []scanner.Result{fail}}, &scanner.Report{Host: "h", Results: []scanner.Result{tc.now}})
			if len(d.Resolved) != 0 {
				t.Errorf("resolved: %+v", d.Resolved)
			}
			var got []scanner.Status
			for _, c := range d.Changed {
				if c.Subject == "container cadvisor" {
					got = append(got, c.New)
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("changes of container cadvisor: %v, want one to %s", got, tc.want)
			}
		})
	}
	// Passing on the new side is resolved, as before.
	pass := fail
	pass.Status = scanner.StatusPass
	if d := scanner.DiffReports(&scanner.Report{Results: []scanner.Result{fail}}, &scanner.Report{Results: []scanner.Result{pass}}); len(d.Resolved) != 1 {
		t.Errorf("a pass is not resolved: %+v", d)
	}
}
