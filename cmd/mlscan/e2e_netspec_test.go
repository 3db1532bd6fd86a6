package main

import (
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/scanner"
)

// TestE2EUFWNetworkSemantics proves against the kernel the two UFW
// verdicts this round changed, with real connects:
//   - an allow from a non-contiguous netmask (10.0.0.0/255.0.255.0, kept
//     by ufw as written and applied by iptables as addr&mask) admits
//     10.7.0.5, outside the trusted 10.0.0.0/24: MLS-EXP-001 must fail;
//   - a deny to one of the host's addresses does not close a listener on
//     every address: the port stays reachable on the other address, so
//     MLS-EXP-001 must fail.
func TestE2EUFWNetworkSemantics(t *testing.T) {
	testbed.Require(t, e2eTools...)
	bin := testbed.BuildMLScan(t)
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	h.ApplyDocumentedUFW(t)
	h.StartHTTPD(t, "0.0.0.0:8001", "masked", "")
	h.StartHTTPD(t, "0.0.0.0:8002", "one-address", "")

	// An untrusted source on the LAN (10.7.0.5 matches 10.*.0.*) and a
	// second address of the server.
	h.Peer.MustExec(t, "ip", "addr", "add", "10.7.0.5/32", "dev", "eth0")
	h.MustExec(t, "ip", "route", "add", "10.7.0.5/32", "dev", "eth0")
	h.MustExec(t, "ip", "addr", "add", "10.0.0.85/24", "dev", "eth0")

	h.UFW(t, "allow", "from", "10.0.0.0/255.0.255.0", "to", "any", "port", "8001", "proto", "tcp")
	h.UFW(t, "insert", "1", "deny", "proto", "tcp", "to", "10.0.0.84", "port", "8002")
	h.UFW(t, "allow", "8002/tcp")

	connects := func(src, dst, port string) bool {
		_, _, c := h.Peer.Exec(t, "nc", "-z", "-w", "1", "-s", src, dst, port)
		return c == 0
	}
	// What the kernel does.
	if !connects("10.7.0.5", h.IP, "8001") {
		t.Fatal("10.7.0.5 cannot reach 8001: the masked allow does not admit it; the test's premise is wrong")
	}
	if connects("10.0.0.80", h.IP, "8002") {
		t.Error("8002 on 10.0.0.84 is reachable despite the deny to that address")
	}
	if !connects("10.0.0.80", "10.0.0.85", "8002") {
		t.Fatal("8002 on 10.0.0.85 is not reachable: the test's premise is wrong")
	}

	// What mlscan says: neither port is judged unreachable.
	rep, _ := e2eScan(t, h, []string{bin}, "--collectors", "sockets,ufw,netfilter")
	for _, port := range []string{"8001/tcp", "8002/tcp"} {
		got := e2eFind(rep, "MLS-EXP-001", port)
		if len(got) != 1 || got[0].Status != scanner.StatusFail {
			t.Errorf("MLS-EXP-001 %s: want one failure (the kernel admits an untrusted source), got %+v", port, got)
		}
	}
	if t.Failed() {
		e2eLogResults(t, rep)
	}
}
