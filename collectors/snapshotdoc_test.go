package collectors

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// testSnapshot is a snapshot of host h whose collector is ok, for tests
// that fill in and judge its one section.
func testSnapshot(collector string) *snapshot.Snapshot {
	return &snapshot.Snapshot{SchemaVersion: snapshot.SchemaVersion, Tool: snapshot.Tool{Name: "mlscan", Version: "test"}, Host: snapshot.Host{Hostname: "h", Addresses: []string{}},
		Collectors: map[string]snapshot.CollectorResult{collector: {Status: snapshot.StatusOK}}}
}

// snapshotDoc is snap as mlscan eval reads it: marshalled, decoded and
// validated against the snapshot's schema.
func snapshotDoc(t *testing.T, snap *snapshot.Snapshot) map[string]any {
	t.Helper()
	js, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	_, doc, err := snapshot.Decode("snapshot.json", js)
	if err != nil {
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
	return snapshot.Validate(doc)
}
