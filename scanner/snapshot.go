package scanner

import "github.com/mlscan/mlscan/snapshot"

// SupportedSnapshotVersion is the snapshot schema_version this build reads.
//
// Deprecated: use snapshot.SchemaVersion.
const SupportedSnapshotVersion = snapshot.SchemaVersion

// MaxSnapshotBytes caps the size of a snapshot file.
//
// Deprecated: use snapshot.MaxBytes.
const MaxSnapshotBytes = snapshot.MaxBytes

// DecodeSnapshot parses and validates a snapshot document. Errors name the
// file, the line and column, and what is wrong.
//
// Deprecated: use snapshot.Decode, which also returns the typed snapshot.
func DecodeSnapshot(name string, data []byte) (map[string]any, error) {
	_, doc, err := snapshot.Decode(name, data)
	return doc, err
}
