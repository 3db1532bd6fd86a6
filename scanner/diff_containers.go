package scanner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// containerIgnored are container fields that change at every recreation
// without changing what runs.
var containerIgnored = map[string]bool{"id": true}

// diffContainers compares the containers of two docker sections, keyed
// by name: every field of snapshot.Container but the ignored ones (and
// the main process's pid).
func diffContainers(old, new *snapshot.DockerSection) []InventoryChange {
	index := func(d *snapshot.DockerSection) map[string]*snapshot.Container {
		out := make(map[string]*snapshot.Container, len(d.Containers))
		for i := range d.Containers {
			out[d.Containers[i].Name] = &d.Containers[i]
		}
		return out
	}
	o, n := index(old), index(new)
	var out []InventoryChange
	for name, a := range o {
		b, ok := n[name]
		if !ok {
			out = append(out, containerChange(ChangeRemoved, a))
			continue
		}
		x, y := containerFields(a), containerFields(b)
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		var fs []FieldChange
		for _, k := range keys {
			if xs, ys := x[k], y[k]; xs != ys {
				fs = append(fs, FieldChange{k, clip(xs), clip(ys)})
			}
		}
		if len(fs) > 0 {
			c := containerChange(ChangeChanged, b)
			c.Fields = fs
			out = append(out, c)
		}
	}
	for name, b := range n {
		if _, ok := o[name]; !ok {
			out = append(out, containerChange(ChangeAdded, b))
		}
	}
	sortInventory(out)
	return out
}

// containerChange is the change of one container: its published host
// ports, and its name.
func containerChange(change string, ct *snapshot.Container) InventoryChange {
	c := InventoryChange{Kind: "container", Section: "docker", Change: change, Item: ct.Name, names: []string{ct.Name}, proto: "any"}
	if ct.Image != "" && change != ChangeChanged {
		c.Item += " (" + ct.Image + ")"
	}
	for _, p := range ct.Ports {
		if p.HostPort > 0 {
			c.ranges = append(c.ranges, portRange{p.HostPort, p.HostPort})
			c.Ports = append(c.Ports, fmt.Sprintf("%d/%s", p.HostPort, p.Proto))
		}
	}
	return c
}

// containerFields renders the compared fields of a container by JSON
// name, as the snapshot file spells them: strings as they are, numbers
// and booleans as JSON, structures and lists as compact JSON with sorted
// keys; a field the file omits (omitempty and empty) or null is absent.
// The main process's pid, which changes at every restart, is left out.
func containerFields(ct *snapshot.Container) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(ct).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || containerIgnored[name] {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		if fv.IsZero() && slices.Contains(strings.Split(opts, ","), "omitempty") {
			continue
		}
		var s string
		switch fv.Kind() {
		case reflect.String:
			s = fv.String()
		case reflect.Bool:
			s = strconv.FormatBool(fv.Bool())
		default:
			s = canonicalJSON(fv.Interface(), name == "process")
		}
		if s != "" {
			out[name] = s
		}
	}
	return out
}

// canonicalJSON renders v as compact JSON with object keys sorted, ""
// for null; withoutPID drops a top-level "pid".
func canonicalJSON(v any, withoutPID bool) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return string(b)
	}
	if m, ok := generic.(map[string]any); ok && withoutPID {
		delete(m, "pid")
	}
	if generic == nil {
		return ""
	}
	if b, err = json.Marshal(generic); err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
