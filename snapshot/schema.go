package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/invopop/jsonschema"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SchemaID is the $id of the snapshot's JSON Schema.
const SchemaID = "https://github.com/mlscan/mlscan/snapshot.schema.json"

// Schema returns the JSON Schema of the Snapshot, generated from the Go
// types so the two cannot drift apart.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{ExpandedStruct: true}
	s := r.Reflect(&Snapshot{})
	s.ID = SchemaID
	s.Title = "mlscan snapshot"
	s.Description = fmt.Sprintf("Facts mlscan collected from one host (schema_version %d). Policies read it as `input`.", SchemaVersion)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var (
	schemaOnce sync.Once
	schema     *sjs.Schema
	schemaErr  error
)

// Validate checks a decoded snapshot document (numbers as json.Number)
// against the schema; the error names the JSON path of each problem.
func Validate(doc any) error {
	schemaOnce.Do(func() {
		var b []byte
		b, schemaErr = Schema()
		if schemaErr != nil {
			return
		}
		var sd any
		sd, schemaErr = sjs.UnmarshalJSON(bytes.NewReader(b))
		if schemaErr != nil {
			return
		}
		c := sjs.NewCompiler()
		if schemaErr = c.AddResource(SchemaID, sd); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile(SchemaID)
	})
	if schemaErr != nil {
		return fmt.Errorf("snapshot schema: %w", schemaErr)
	}
	err := schema.Validate(doc)
	if err == nil {
		return nil
	}
	ve, ok := err.(*sjs.ValidationError)
	if !ok {
		return err
	}
	var msgs []string
	collect(ve, &msgs)
	if len(msgs) > 5 {
		msgs = append(msgs[:5], fmt.Sprintf("and %d more", len(msgs)-5))
	}
	return fmt.Errorf("does not match the snapshot schema: %s", strings.Join(msgs, "; "))
}

var printer = message.NewPrinter(language.English)

func collect(ve *sjs.ValidationError, out *[]string) {
	if len(ve.Causes) == 0 {
		loc := "/" + strings.Join(ve.InstanceLocation, "/")
		*out = append(*out, fmt.Sprintf("at %s: %s", loc, ve.ErrorKind.LocalizedString(printer)))
		return
	}
	for _, c := range ve.Causes {
		collect(c, out)
	}
}
