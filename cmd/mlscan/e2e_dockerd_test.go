package main

import (
	"strings"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/scanner"
)

// TestE2EDockerdPublishedPort: on a real Docker Engine behind UFW's
// documented rules (deny incoming, SSH from the LAN), a container started
// with -p 8888:8080 on the default bridge. The kernel decides first: an
// outside host connects or not (dockerd's DNAT and DOCKER chain, never
// UFW's INPUT). Then mlscan must say what the kernel does: MLS-EXP-001
// fails 8888/tcp naming the DNAT path (the model follows the kernel's
// rules), passes the plain listener on 8899 that UFW drops, and MLS-EXP-004
// fails the wildcard publication with the same path.
func TestE2EDockerdPublishedPort(t *testing.T) {
	testbed.Require(t, "ip", "ufw", "iptables", "dockerd", "docker", "nsenter", "busybox", "nc")
	bin := testbed.BuildMLScan(t)
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	out := testbed.NewOutside(t, h)
	for _, args := range [][]string{
		{"ufw", "default", "deny", "incoming"},
		{"ufw", "default", "allow", "outgoing"},
		{"ufw", "allow", "from", "10.0.0.0/24", "to", "any", "port", "22", "proto", "tcp"},
		{"ufw", "--force", "enable"},
	} {
		h.MustExec(t, args...)
	}
	d := h.StartDockerd(t)
	d.Run(t, "notebook", "-p", "8888:8080", "--user", "65534:65534", "--memory", "64m", "--pids-limit", "64",
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		testbed.PodmanImage, "httpd", "-f", "-p", "8080", "-h", "/srv/www")
	h.WaitListen(t, 8888)

	// What the kernel does, from outside the trusted networks.
	_, _, code := out.Exec(t, "nc", "-z", "-w", "2", testbed.ServerOutsideIP, "8888")
	reachable := code == 0
	t.Logf("from %s, %s:8888 is reachable: %v (dockerd's DNAT bypasses UFW's INPUT chain)", out.Name, testbed.ServerOutsideIP, reachable)
	// The same host's UFW still drops a plain listener from outside: the
	// firewall works, only the engine's path goes around it.
	h.Start(t, "busybox", "httpd", "-f", "-p", "8899", "-h", t.TempDir())
	h.WaitListen(t, 8899)
	if _, _, code := out.Exec(t, "nc", "-z", "-w", "1", testbed.ServerOutsideIP, "8899"); code == 0 {
		t.Errorf("a plain listener on 8899 is reachable from outside: UFW does not work in this namespace")
	}

	rep, code := e2eScan(t, h, []string{bin}, "--docker-host", d.Addr, "--no-probes")
	if code == exitUsage {
		t.Fatalf("mlscan scan: exit %d", code)
	}
	var exp001, exp004 []scanner.Result
	plain := map[scanner.Status]int{}
	for _, r := range rep.Results {
		switch {
		case r.RuleID == "MLS-EXP-001" && r.Subject == "8888/tcp":
			exp001 = append(exp001, r)
		case r.RuleID == "MLS-EXP-001" && r.Subject == "8899/tcp":
			plain[r.Status]++
			t.Logf("MLS-EXP-001 8899/tcp: %s: %s", r.Status, r.Message)
		case r.RuleID == "MLS-EXP-004" && strings.Contains(r.Subject, "notebook"):
			exp004 = append(exp004, r)
		}
	}
	if !reachable {
		t.Fatalf("the kernel no longer connects from outside to the published port: the testbed changed, nothing to compare")
	}
	if len(exp001) != 1 {
		t.Fatalf("MLS-EXP-001 8888/tcp: %d results, want 1: %+v", len(exp001), exp001)
	}
	r := exp001[0]
	t.Logf("MLS-EXP-001 8888/tcp: %s: %s", r.Status, r.Message)
	if r.Status != scanner.StatusFail {
		t.Errorf("MLS-EXP-001 8888/tcp is %s (%s), but the kernel connects from outside", r.Status, r.Message)
	}
	for _, want := range []string{"DNAT to 172.17.0.2:8080 by DOCKER in nat PREROUTING", "in FORWARD", "UFW's INPUT chain is not traversed"} {
		if !strings.Contains(r.Message, want) {
			t.Errorf("MLS-EXP-001 8888/tcp message does not name the path (%q): %s", want, r.Message)
		}
	}
	if plain[scanner.StatusPass] != 1 || len(plain) != 1 {
		t.Errorf("MLS-EXP-001 8899/tcp (a plain listener UFW drops): %v, want one pass", plain)
	}
	if len(exp004) != 1 || exp004[0].Status != scanner.StatusFail {
		t.Fatalf("MLS-EXP-004 notebook: %+v, want one failure", exp004)
	}
	t.Logf("MLS-EXP-004: %s", exp004[0].Message)
	if !strings.Contains(exp004[0].Message, "DNAT to 172.17.0.2:8080") {
		t.Errorf("MLS-EXP-004 notebook does not name the DNAT path: %s", exp004[0].Message)
	}
}
