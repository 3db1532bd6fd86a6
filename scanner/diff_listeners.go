package scanner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// listenerFields are the listener fields compared, in this order; pid and
// inode change at every restart and are left out. owner marks the fields
// read from the owning process, compared only when both sides could read
// owners.
var listenerFields = []struct {
	name  string
	owner bool
	get   func(*snapshot.Listener) string
}{
	{"process", true, func(l *snapshot.Listener) string { return l.Process }},
	{"command", true, func(l *snapshot.Listener) string { return l.Command }},
	{"container_name", true, func(l *snapshot.Listener) string { return l.ContainerName }},
	{"compose_service", true, func(l *snapshot.Listener) string { return l.ComposeService }},
	{"uid", false, func(l *snapshot.Listener) string { return strconv.Itoa(l.UID) }},
	{"dual_stack", false, func(l *snapshot.Listener) string { return strconv.FormatBool(l.DualStack) }},
}

// diffListeners compares the listeners of two sockets sections, keyed by
// protocol, address and port.
func diffListeners(old, new *snapshot.SocketsSection) []InventoryChange {
	owners := old.Owners.Status == snapshot.StatusOK && new.Owners.Status == snapshot.StatusOK
	index := func(s *snapshot.SocketsSection) map[string]*snapshot.Listener {
		out := make(map[string]*snapshot.Listener, len(s.Listeners))
		for i := range s.Listeners {
			out[listenerAddr(&s.Listeners[i])] = &s.Listeners[i]
		}
		return out
	}
	o, n := index(old), index(new)
	var out []InventoryChange
	var added, removed []*snapshot.Listener
	for k, a := range o {
		b, ok := n[k]
		if !ok {
			removed = append(removed, a)
			continue
		}
		var fs []FieldChange
		for _, f := range listenerFields {
			if f.owner && !owners {
				continue
			}
			if x, y := f.get(a), f.get(b); x != y {
				fs = append(fs, FieldChange{f.name, x, y})
			}
		}
		if len(fs) > 0 {
			c := listenerChange(ChangeChanged, b)
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
	samePort := func(x, y *snapshot.Listener) bool { return x.Proto == y.Proto && x.Port == y.Port }
	for i := 0; i < len(removed); i++ {
		r := removed[i]
		var match []int
		for j, a := range added {
			if samePort(a, r) {
				match = append(match, j)
			}
		}
		same := 0
		for _, x := range removed {
			if samePort(x, r) {
				same++
			}
		}
		if len(match) != 1 || same != 1 {
			continue
		}
		a := added[match[0]]
		c := listenerChange(ChangeChanged, a)
		c.Fields = []FieldChange{{"address", r.Address, a.Address}}
		if owners && r.Process != a.Process {
			c.Fields = append(c.Fields, FieldChange{"process", r.Process, a.Process})
		}
		out = append(out, c)
		added = slices.Delete(added, match[0], match[0]+1)
		removed = slices.Delete(removed, i, i+1)
		i--
	}
	for _, l := range removed {
		out = append(out, listenerChange(ChangeRemoved, l))
	}
	for _, l := range added {
		out = append(out, listenerChange(ChangeAdded, l))
	}
	sortInventory(out)
	return out
}

// listenerChange is the change of one listener: its port, and the
// container owning it.
func listenerChange(change string, l *snapshot.Listener) InventoryChange {
	item := listenerAddr(l)
	if l.Process != "" {
		item += " (" + l.Process + ")"
	}
	c := InventoryChange{Kind: "listener", Section: "sockets", Change: change, Item: item,
		Ports: []string{fmt.Sprintf("%d/%s", l.Port, l.Proto)}, ranges: []portRange{{l.Port, l.Port}}, proto: l.Proto}
	if l.ContainerName != "" {
		c.names = []string{l.ContainerName}
	}
	return c
}

// listenerAddr renders proto, address and port: "tcp 0.0.0.0:22",
// "tcp [::]:80".
func listenerAddr(l *snapshot.Listener) string {
	addr := l.Address
	if strings.Contains(addr, ":") {
		addr = "[" + addr + "]"
	}
	return fmt.Sprintf("%s %s:%d", l.Proto, addr, l.Port)
}
