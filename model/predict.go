package model

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// Predictor predicts what a connection from one given host to the
// snapshot's host finds, from the snapshot's ruleset, interfaces and
// sockets: the model's word on what `mlscan probe` observes from there.
// It is read-only after NewPredictor: Predict may run concurrently.
type Predictor struct {
	x *exposer
}

// NewPredictor prepares the snapshot s (the target host's own) with the
// trusted networks once, for many predictions.
func NewPredictor(s *snapshot.Snapshot, trusted []netip.Prefix) *Predictor {
	return &Predictor{x: newExposer(s, trusted, rulesetState(s))}
}

// Predict is NewPredictor(s, trusted).Predict(src, dst, proto, port).
func Predict(s *snapshot.Snapshot, trusted []netip.Prefix, src, dst netip.Addr, proto string, port int) Reach {
	return NewPredictor(s, trusted).Predict(src, dst, proto, port)
}

// Predict is the reachability of dst:port/proto for a new connection from
// src, as Compute decides it (a socket listening where the packet is
// delivered after DNAT, or FORWARD to a container). The packet arrives on
// the interface whose connected network holds src (the longest prefix;
// several interfaces at once must agree), else on every interface other
// hosts' packets arrive on, which must agree too; a packet from one of the
// host's own addresses is the host's own (OUTPUT, then lo). Unknown when
// the snapshot cannot decide, when dst is not one of its host's addresses
// (another host, or an address translation on the way), or when the
// interfaces disagree.
func (pr *Predictor) Predict(src, dst netip.Addr, proto string, port int) Reach {
	x := pr.x
	if x.state.Status != "ok" {
		return Reach{Verdict: Undecided, Reason: x.state.Reason}
	}
	src, dst = src.Unmap().WithZone(""), dst.Unmap().WithZone("")
	switch {
	case !src.IsValid() || !dst.IsValid():
		return Reach{Verdict: Undecided, Reason: fmt.Sprintf("no source or destination address to follow (%v to %v)", src, dst)}
	case family(src) != family(dst):
		return Reach{Verdict: Undecided, Reason: fmt.Sprintf("a connection from %s to %s mixes address families", src, dst)}
	case !x.isLocal(dst):
		return Reach{Verdict: Undecided, Reason: fmt.Sprintf("%s is not an address of %s's interfaces (%s): the snapshot is another host's, or an address translation (a NAT router, a load balancer) lies between, which the model does not see",
			dst, x.s.Host.Hostname, strings.Join(x.addresses(), ", "))}
	}
	fam := family(dst)
	if x.isLocal(src) {
		p := Packet{Family: fam, Proto: proto, Src: src, Dst: dst, SPort: 40000, DPort: port, InIface: "lo", Local: true}
		return x.outcome(p, x.rs.Decide(p))
	}
	ifaces := x.arrivalOf(src)
	if len(ifaces) == 0 {
		return Reach{Verdict: Undecided, Reason: fmt.Sprintf("no interface of %s that packets from %s could arrive on", x.s.Host.Hostname, src)}
	}
	var rs []Reach
	for _, ifc := range ifaces {
		p := Packet{Family: fam, Proto: proto, Src: src, Dst: dst, SPort: 40000, DPort: port, InIface: ifc}
		rs = append(rs, x.outcome(p, x.rs.Decide(p)))
	}
	return agree(rs)
}

// arrivalOf are the interfaces a packet from src arrives on: those whose
// connected network holds src with the longest prefix (loopback aside),
// else every interface other hosts' packets arrive on.
func (x *exposer) arrivalOf(src netip.Addr) []string {
	best := -1
	var out []string
	for _, ifc := range x.s.Host.Interfaces {
		if ifc.Name == "lo" {
			continue
		}
		for _, a := range ifc.Addresses {
			p, err := netip.ParsePrefix(a)
			if err != nil {
				continue
			}
			p = netip.PrefixFrom(p.Addr().WithZone(""), p.Bits()).Masked()
			if !p.Contains(src) || p.Bits() < best {
				continue
			}
			if p.Bits() > best {
				best, out = p.Bits(), nil
			}
			if len(out) == 0 || out[len(out)-1] != ifc.Name {
				out = append(out, ifc.Name)
			}
		}
	}
	if len(out) == 0 {
		return x.arrive
	}
	return out
}

// addresses are the host's own addresses, as they appear in the
// snapshot's interfaces (loopback aside).
func (x *exposer) addresses() []string {
	var out []string
	for _, fam := range []string{"ipv4", "ipv6"} {
		for _, a := range x.local[fam] {
			out = append(out, a.String())
		}
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// agree is the one verdict of several arrival interfaces: theirs when
// they agree (the first of them), unknown (the first unknown, or both
// sides named) when not.
func agree(rs []Reach) Reach {
	for _, r := range rs {
		if r.Verdict == Undecided {
			return r
		}
	}
	for _, r := range rs[1:] {
		if r.Verdict != rs[0].Verdict {
			return Reach{Verdict: Undecided, Reason: fmt.Sprintf("it depends on the interface the packets arrive on: from %s %s (%s), from %s %s (%s)",
				rs[0].From, rs[0].Verdict, rs[0].Reason, r.From, r.Verdict, r.Reason)}
		}
	}
	return rs[0]
}
