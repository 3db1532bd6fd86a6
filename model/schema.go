package model

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"

	"github.com/mlscan/mlscan/snapshot"
)

// InputSchemaID is the $id of the JSON Schema of the policies' input.
const InputSchemaID = "https://github.com/mlscan/mlscan/input.schema.json"

// input is what the policies read: the snapshot and the model's facts.
type input struct {
	snapshot.Snapshot
	// Model is computed by mlscan from the snapshot at evaluation time
	// (never read from a snapshot file): reachability of every listener
	// and published port from each zone, through the kernel's rules.
	Model Facts `json:"model"`
}

// InputSchema returns the JSON Schema of the policies' input: the
// snapshot's own fields and `model`, generated from the Go types.
func InputSchema() ([]byte, error) {
	r := &jsonschema.Reflector{ExpandedStruct: true}
	s := r.Reflect(&input{})
	s.ID = InputSchemaID
	s.Title = "mlscan policy input"
	s.Description = fmt.Sprintf("What the policies read as `input`: a snapshot (schema_version %d) and `model`, the facts mlscan computes from it when it evaluates (model version %d).", snapshot.SchemaVersion, FactsVersion)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
