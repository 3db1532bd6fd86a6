package snapshot

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestSchemaGolden pins the JSON Schema (`mlscan schema` prints it): a
// change to the types that changes it is a change of the contract.
func TestSchemaGolden(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	const golden = "../testdata/snapshot.schema.json"
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Schema() differs from %s: the snapshot types changed; review, then regenerate it with `MLSCAN_UPDATE_TESTDATA=1 go test ./cmd/mlscan -run Schema`", golden)
	}
}

// TestDecodeDocumentedHost: the typed snapshot and the document are the
// same file, and the typed one marshals back to what the document holds.
func TestDecodeDocumentedHost(t *testing.T) {
	b, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		t.Fatal(err)
	}
	snap, doc, err := Decode("documented-host.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if snap.SchemaVersion != SchemaVersion || snap.Host.Hostname != doc["host"].(map[string]any)["hostname"] {
		t.Fatalf("typed snapshot %+v does not match the document", snap.Host)
	}
	if _, ok := doc["schema_version"].(json.Number); !ok {
		t.Fatalf("schema_version is %T, want json.Number", doc["schema_version"])
	}
	for name, c := range snap.Collectors {
		if string(c.Status) != doc["collectors"].(map[string]any)[name].(map[string]any)["status"] {
			t.Errorf("collector %s: typed status %q differs from the document", name, c.Status)
		}
	}
	again, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Decode("again.json", again); err != nil {
		t.Fatalf("the typed snapshot marshals to an invalid one: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := `"tool": {"name": "mlscan", "version": "x"}, "host": {"hostname": "h", "addresses": []}, "collected_at": "2026-01-01T00:00:00Z", "is_root": false, "uid": 0, "collectors": {}`
	for _, tc := range []struct {
		name, content, want string
	}{
		{"syntax", "{\n  \"schema_version\": 1,\n  \"collectors\": {,\n}", "bad.json:3:19: invalid JSON: invalid character ','"},
		{"truncated", "{\n  \"schema_version\": 1,\n", "bad.json:3:1: invalid JSON: unexpected end of input"},
		{"empty", "", "bad.json:1:1: invalid JSON: unexpected end of input"},
		{"array", "[1, 2]", "bad.json:1:2: want a JSON object, got array"},
		{"trailing data", "{\"schema_version\": 1, \"collectors\": {}} {}", "bad.json:1:41: unexpected data after the snapshot object"},
		{"null", "null", "bad.json: snapshot is null, want an object"},
		{"not a snapshot", "{\"hello\": 1}", "bad.json: not an mlscan snapshot: schema_version missing (make one with `mlscan collect -o FILE`)"},
		{"future version", "{\"schema_version\": 9, \"collectors\": {}}", "bad.json: snapshot schema_version 9 is not supported (this mlscan reads 1 to 2)"},
		{"fractional version", "{\"schema_version\": 1.5, \"collectors\": {}}", "schema_version 1.5 is not supported"},
		{"no collectors", "{\"schema_version\": 1}", "bad.json: snapshot has no \"collectors\" object"},
		{"wrong type", strings.Replace("{\"schema_version\": 1, "+valid+"}", `"is_root": false`, `"is_root": "yes"`, 1), "bad.json: does not match the snapshot schema: at /is_root"},
		{"unknown status", strings.Replace("{\"schema_version\": 1, "+valid+"}", `"collectors": {}`, `"collectors": {"ufw": {"status": "fine", "duration_ms": 1}}`, 1), "bad.json: does not match the snapshot schema: at /collectors/ufw/status"},
		{"not a time", strings.Replace("{\"schema_version\": 1, "+valid+"}", `2026-01-01T00:00:00Z`, `AKIA-secret-hunter2`, 1), "bad.json: collected_at is not an RFC 3339 time"},
		{"uid too large", strings.Replace("{\"schema_version\": 1, "+valid+"}", `"uid": 0`, `"uid": 1e30`, 1), "bad.json:1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap, doc, err := Decode("bad.json", []byte(tc.content))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if snap != nil || doc != nil {
				t.Fatalf("a snapshot with the error %v", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error quotes the document's value: %v", err)
			}
		})
	}
	if _, _, err := Decode("big.json", make([]byte, MaxBytes+1)); err == nil || err.Error() != "big.json: snapshot larger than 64 MiB" {
		t.Fatalf("oversized: %v", err)
	}
	if _, _, err := Decode("ok.json", []byte("{\"schema_version\": 1, "+valid+"}")); err != nil {
		t.Fatalf("minimal snapshot: %v", err)
	}
}

// FuzzDecode: Decode either fails or returns both forms of the snapshot.
func FuzzDecode(f *testing.F) {
	if b, err := os.ReadFile("../testdata/snapshots/documented-host.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"schema_version": 1, "collectors": {}}`))
	f.Add([]byte(`{"schema_version": 1.5}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		snap, doc, err := Decode("f.json", b)
		if err == nil && (snap == nil || doc == nil) {
			t.Fatal("no snapshot without an error")
		}
	})
}

// BenchmarkDecode: what each step of Decode costs on the documented host
// (the typed decode is a second pass over the bytes).
func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile("../testdata/snapshots/documented-host.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("document", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeDoc("d.json", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	doc, _ := decodeDoc("d.json", data)
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			if err := Validate(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("typed", func(b *testing.B) {
		for b.Loop() {
			var s Snapshot
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Decode", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := Decode("d.json", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
