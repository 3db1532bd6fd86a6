package collectors

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mlscan/mlscan/scanner"
)

// testSnapshot is a snapshot of host h whose collector is ok, for tests
// that fill in and judge its one section.
func testSnapshot(collector string) *Snapshot {
	return &Snapshot{SchemaVersion: SchemaVersion, Tool: Tool{Name: "mlscan", Version: "test"}, Host: Host{Hostname: "h", Addresses: []string{}},
		Collectors: map[string]CollectorResult{collector: {Status: StatusOK}}}
}

// snapshotDoc is snap as mlscan eval reads it: marshalled, decoded and
// validated against the snapshot's schema.
func snapshotDoc(t *testing.T, snap *Snapshot) map[string]any {
	t.Helper()
	js, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := scanner.DecodeSnapshot("snapshot.json", js)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// fitsSchema says whether v, marshalled, fits the snapshot's schema (no
// null where the schema wants an array).
func fitsSchema(t *testing.T, v any) error {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return Validate(doc)
}
