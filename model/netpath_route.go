package model

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/mlscan/mlscan/snapshot"
)

// hostNet is what the model knows of the host's network: the interfaces
// that are up, their addresses (local), the subnet broadcasts and the
// connected routes.
type hostNet struct {
	up     map[string]bool
	addrs  map[string][]netip.Addr
	local  map[netip.Addr]bool
	bcast  map[netip.Addr]bool
	ambig  map[netip.Addr]bool // IPv4 network numbers: broadcast on older kernels
	loNets []netip.Prefix      // prefixes on lo: wholly local
	routes []route             // longest prefix first
}

type route struct {
	pfx   netip.Prefix
	iface string
}

// The classes of a destination address.
const (
	classUnicast = iota
	classLocal
	classBroadcast
	classMulticast
	classAmbiguous
)

// newHostNet indexes the interfaces; it returns why they cannot serve.
func newHostNet(ifs []snapshot.Interface) (hostNet, string) {
	n := hostNet{up: map[string]bool{}, addrs: map[string][]netip.Addr{}, local: map[netip.Addr]bool{},
		bcast: map[netip.Addr]bool{}, ambig: map[netip.Addr]bool{}}
	if len(ifs) == 0 {
		return n, "the snapshot has no network interfaces (host.interfaces): the model needs the host's addresses and routes"
	}
	var why string
	for _, in := range ifs {
		n.up[in.Name] = true
		for _, s := range in.Addresses {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				if why == "" {
					why = fmt.Sprintf("interface %s: address %q is not a prefix", in.Name, s)
				}
				continue
			}
			a := p.Addr().WithZone("")
			p = netip.PrefixFrom(a, p.Bits())
			n.addrs[in.Name] = append(n.addrs[in.Name], a)
			n.local[a] = true
			if in.Name == "lo" {
				n.loNets = append(n.loNets, p.Masked())
			} else if p.Bits() < a.BitLen() {
				n.routes = append(n.routes, route{p.Masked(), in.Name})
			}
			if a.Is4() && p.Bits() < 31 {
				n.bcast[subnetBroadcast(p)] = true
				n.ambig[p.Masked().Addr()] = true
			}
		}
	}
	sort.SliceStable(n.routes, func(i, j int) bool {
		if n.routes[i].pfx.Bits() != n.routes[j].pfx.Bits() {
			return n.routes[i].pfx.Bits() > n.routes[j].pfx.Bits()
		}
		return n.routes[i].iface < n.routes[j].iface
	})
	return n, why
}

// subnetBroadcast is the last address of p (its broadcast for IPv4).
func subnetBroadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := 32 - p.Bits()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= uint32(1)<<host - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

var (
	limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})
	zeroNet          = netip.MustParsePrefix("0.0.0.0/8")
)

// isLocal reports whether a is one of the host's addresses (the
// loopback ranges included).
func (n *hostNet) isLocal(a netip.Addr) bool {
	if a.IsLoopback() || n.local[a] {
		return true
	}
	for _, p := range n.loNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrClass classifies a as the kernel's local routing table would.
func (n *hostNet) addrClass(a netip.Addr) int {
	if a.IsMulticast() {
		return classMulticast
	}
	if a.Is4() {
		if a == limitedBroadcast || zeroNet.Contains(a) || n.bcast[a] {
			return classBroadcast
		}
		if n.local[a] {
			return classLocal
		}
		if n.ambig[a] || a == netip.AddrFrom4([4]byte{127, 0, 0, 0}) {
			return classAmbiguous
		}
	}
	if n.isLocal(a) {
		return classLocal
	}
	return classUnicast
}

// route is the interface of the longest connected route to a.
func (n *hostNet) route(a netip.Addr) (string, string) {
	for i, r := range n.routes {
		if !r.pfx.Contains(a) {
			continue
		}
		for _, o := range n.routes[i+1:] {
			if o.pfx.Bits() == r.pfx.Bits() && o.iface != r.iface && o.pfx.Contains(a) {
				return "", fmt.Sprintf("two connected routes to %v (%s on %s and %s): the kernel's choice depends on their metrics", a, r.pfx, r.iface, o.iface)
			}
		}
		return r.iface, ""
	}
	return "", fmt.Sprintf("no route to %v: the snapshot has the connected routes only", a)
}
