// Package collectors gathers a host's security-relevant facts into one
// versioned JSON snapshot (package snapshot, the contract between
// collection and evaluation): the scanner package never imports this one,
// it reads the snapshot.
package collectors

import "github.com/mlscan/mlscan/snapshot"

// Snapshot is snapshot.Snapshot.
//
// Deprecated: use snapshot.Snapshot.
type Snapshot = snapshot.Snapshot

// Tool is snapshot.Tool.
//
// Deprecated: use snapshot.Tool.
type Tool = snapshot.Tool

// Validate checks a decoded snapshot document against the snapshot's
// schema.
//
// Deprecated: use snapshot.Decode, which validates, or snapshot.Validate.
func Validate(doc any) error { return snapshot.Validate(doc) }

// JSONSchema returns the JSON Schema of the snapshot.
//
// Deprecated: use snapshot.Schema.
func JSONSchema() ([]byte, error) { return snapshot.Schema() }
