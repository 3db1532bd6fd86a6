package scanner_test

import (
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// TestDiffInventoryFailClosed: a section that cannot be compared is
// noted, never reported as "no change".
func TestDiffInventoryFailClosed(t *testing.T) {
	ok := snapshot.CollectorResult{Status: snapshot.StatusOK}
	full := func() *snapshot.Snapshot {
		return &snapshot.Snapshot{
			Collectors: map[string]snapshot.CollectorResult{"sockets": ok, "ufw": ok, "docker": ok},
			Sockets:    &snapshot.SocketsSection{},
			UFW: &snapshot.UFWSection{
				Conf:     snapshot.UFWConf{Source: snapshot.Source{Status: snapshot.StatusOK}},
				Defaults: snapshot.UFWDefaults{Source: snapshot.Source{Status: snapshot.StatusOK}},
				Live:     snapshot.UFWLive{Source: snapshot.Source{Status: snapshot.StatusOK}},
				Rules:    snapshot.UFWRules{Source: snapshot.Source{Status: snapshot.StatusOK}},
			},
			Docker: &snapshot.DockerSection{},
		}
	}
	for _, tc := range []struct {
		name     string
		old, new func() *snapshot.Snapshot
		want     string
	}{
		{"all collected", full, full, ""},
		{"unreadable side", func() *snapshot.Snapshot { return nil }, full,
			"sockets not compared (old: unreadable, new: ok); ufw not compared (old: unreadable, new: ok); docker not compared (old: unreadable, new: ok)"},
		{"collector failed, not run, without status", full, func() *snapshot.Snapshot {
			s := full()
			s.Collectors["sockets"] = snapshot.CollectorResult{Status: snapshot.StatusPermission}
			delete(s.Collectors, "ufw")
			s.Collectors["docker"] = snapshot.CollectorResult{}
			return s
		}, "sockets not compared (old: ok, new: permission); ufw not compared (old: ok, new: not run); docker not compared (old: ok, new: no status)"},
		{"section missing", func() *snapshot.Snapshot { s := full(); s.Docker = nil; return s }, full,
			"docker not compared (old: no section, new: ok)"},
		{"rules unreadable", full, func() *snapshot.Snapshot {
			s := full()
			s.UFW.Rules.Status = snapshot.StatusPermission
			return s
		}, "ufw rules not compared (old: ok, new: permission)"},
		{"live settings failed", full, func() *snapshot.Snapshot {
			s := full()
			s.UFW.Live.Status = snapshot.StatusError
			return s
		}, "ufw settings not compared: active (old: ok, new: error), default incoming (old: ok, new: error), default outgoing (old: ok, new: error), default routed (old: ok, new: error), logging (old: ok, new: error), log level (old: ok, new: error), IPv6 chains (old: ok, new: error)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := scanner.DiffSnapshots(tc.old(), tc.new())
			if got := strings.Join(inv.Notes, "; "); got != tc.want {
				t.Errorf("notes: %s\nwant   %s", got, tc.want)
			}
			if inv.Len() != 0 {
				t.Errorf("changes: %v", inv.All())
			}
		})
	}
	// A document that does not read as a snapshot is an unreadable side.
	bad := map[string]any{"collectors": map[string]any{"sockets": map[string]any{"status": "ok"}}, "sockets": map[string]any{"listeners": "not a list"}}
	if got := strings.Join(scanner.DiffInventory(bad, bad).Notes, "; "); !strings.Contains(got, "sockets not compared (old: unreadable, new: unreadable)") {
		t.Errorf("notes: %s", got)
	}
}
