package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

// fleetListeners and fleetContainers are the size of each generated host.
const (
	fleetHosts      = 1000
	fleetListeners  = 20
	fleetContainers = 12
)

// BenchmarkFleetEval1000 evaluates 1,000 generated snapshots as one fleet
// (mlscan eval --fleet -f json DIR, in-process): each is the documented
// host's captured snapshot varied per host, with 20 listeners and, when
// the snapshot schema has containers, 12 containers. It reports hosts/s.
// MLSCAN_BENCH_FLEET_DIR=DIR writes the snapshots there and keeps them
// (to time the built binary, e.g. with /usr/bin/time -v).
func BenchmarkFleetEval1000(b *testing.B) {
	dir := os.Getenv("MLSCAN_BENCH_FLEET_DIR")
	if dir == "" {
		dir = b.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	containers := writeFleetSnapshots(b, dir, fleetHosts)
	b.Logf("%d snapshots in %s: %d listeners and %d containers each", fleetHosts, dir, fleetListeners, containers)
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		var errb bytes.Buffer
		if code := run(context.Background(), []string{"eval", "--fleet", "-f", "json", dir}, strings.NewReader(""), io.Discard, &errb); code != exitFindings {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
		n++
	}
	b.ReportMetric(float64(n*fleetHosts)/time.Since(start).Seconds(), "hosts/s")
}

// writeFleetSnapshots writes n variations of the documented host to dir
// (host-0000.json...) and returns the number of containers per host (0
// when the snapshot schema has no docker.containers yet). Every file is
// checked against the schema.
func writeFleetSnapshots(tb testing.TB, dir string, n int) int {
	tb.Helper()
	base, err := os.ReadFile(docSnapshot)
	if err != nil {
		tb.Fatal(err)
	}
	section, container := schemaDocker(tb)
	for i := range n {
		doc := decodeJSON(tb, base)
		name := fmt.Sprintf("host-%04d", i)
		host := doc["host"].(map[string]any)
		ip := fmt.Sprintf("10.1.%d.%d", i/250, i%250+1)
		host["hostname"], host["addresses"] = name, []any{ip}
		sock := doc["sockets"].(map[string]any)
		ls := sock["listeners"].([]any)
		proto := ls[2].(map[string]any) // flower on 0.0.0.0:5555
		for j := len(ls); j < fleetListeners; j++ {
			l := cloneMap(tb, proto)
			// Every tenth host has an unregistered wildcard listener; the
			// others listen on loopback.
			port := 7000 + j
			l["address"], l["wildcard"], l["loopback"] = "127.0.0.1", false, true
			if i%10 == 0 && j == fleetListeners-1 {
				l["address"], l["wildcard"], l["loopback"] = "0.0.0.0", true, false
			}
			l["port"], l["inode"], l["pid"] = port, 100000+j, 6000+j
			l["process"], l["command"] = fmt.Sprintf("worker-%d", j), fmt.Sprintf("python3 -m worker --port %d", port)
			ls = append(ls, l)
		}
		sock["listeners"] = ls
		// Every seventh host opens Redis to a foreign network.
		if i%7 == 0 {
			rules := doc["ufw"].(map[string]any)["rules"].(map[string]any)
			items := rules["items"].([]any)
			r := cloneMap(tb, items[0].(map[string]any))
			r["to_ports"], r["from"], r["to_ranges"] = "6380", "192.168.1.0/24", []any{map[string]any{"from": 6380, "to": 6380}}
			rules["items"] = append(items, r)
		}
		if container != nil {
			var cs []any
			for j := range fleetContainers {
				c := cloneMap(tb, container)
				c["name"], c["id"] = fmt.Sprintf("svc-%02d", j), fmt.Sprintf("%064x", i*100+j)
				c["image"], c["state"], c["running"], c["network_mode"] = "registry.example/ml:1", "running", true, "host"
				cs = append(cs, c)
			}
			d := cloneMap(tb, section)
			d["containers"] = cs
			if _, ok := d["engine_installed"]; ok {
				d["engine_installed"] = true
			}
			if e, ok := d["engine"].(map[string]any); ok {
				e["status"] = "ok"
			}
			doc["docker"] = d
			doc["collectors"].(map[string]any)["docker"] = map[string]any{"status": "ok", "duration_ms": 20}
		}
		b, err := json.Marshal(doc)
		if err != nil {
			tb.Fatal(err)
		}
		if i == 0 {
			if err := snapshot.Validate(decodeJSON(tb, b)); err != nil {
				tb.Fatalf("generated snapshot: %v", err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	if container == nil {
		return 0
	}
	return fleetContainers
}

func decodeJSON(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func cloneMap(tb testing.TB, m map[string]any) map[string]any {
	tb.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return decodeJSON(tb, b)
}

// schemaDocker returns a minimal docker section and container that the
// snapshot schema accepts (every required field at its zero value), or
// nils when the schema's docker section has no containers.
func schemaDocker(tb testing.TB) (section, container map[string]any) {
	tb.Helper()
	b, err := snapshot.Schema()
	if err != nil {
		tb.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		tb.Fatal(err)
	}
	defs, _ := s["$defs"].(map[string]any)
	docker, _ := defs["DockerSection"].(map[string]any)
	props, _ := docker["properties"].(map[string]any)
	list, _ := props["containers"].(map[string]any)
	if list == nil {
		return nil, nil
	}
	section, _ = zeroOf(defs, docker).(map[string]any)
	container, _ = zeroOf(defs, list["items"]).(map[string]any)
	return section, container
}

// zeroOf builds the smallest value a JSON Schema accepts: required
// properties at their zero, the first enum value, the first alternative.
func zeroOf(defs map[string]any, schema any) any {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		return zeroOf(defs, defs[strings.TrimPrefix(ref, "#/$defs/")])
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	if c, ok := s["const"]; ok {
		return c
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			return zeroOf(defs, alts[0])
		}
	}
	t := s["type"]
	if ts, ok := t.([]any); ok && len(ts) > 0 {
		t = ts[0]
	}
	switch t {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			k, _ := r.(string)
			out[k] = zeroOf(defs, props[k])
		}
		return out
	case "array":
		return []any{}
	case "string":
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	}
	return nil
}
