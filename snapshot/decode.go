package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxBytes caps the size of a snapshot file.
const MaxBytes = 64 << 20

// Decode reads one snapshot file: it checks the size, parses the JSON
// (numbers kept as json.Number), checks schema_version and the schema, and
// returns the typed snapshot with the document policies read as `input`.
// Errors name the file, the line and column when there is one, and what is
// wrong.
func Decode(name string, data []byte) (*Snapshot, map[string]any, error) {
	doc, err := decodeDoc(name, data)
	if err != nil {
		return nil, nil, err
	}
	if err := Validate(doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	var snap Snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return nil, nil, typedError(name, data, err)
	}
	return &snap, doc, nil
}

// decodeDoc parses data into the untyped document and checks what makes
// it an mlscan snapshot of a version this build reads.
func decodeDoc(name string, data []byte) (map[string]any, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%s: snapshot larger than %d MiB", name, MaxBytes>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonPosError(name, data, err)
	}
	if dec.More() {
		off := dec.InputOffset()
		l, c := lineCol(data, off)
		return nil, fmt.Errorf("%s:%d:%d: unexpected data after the snapshot object", name, l, c)
	}
	if doc == nil {
		return nil, fmt.Errorf("%s: snapshot is null, want an object", name)
	}
	v, ok := doc["schema_version"].(json.Number)
	if !ok {
		return nil, fmt.Errorf("%s: not an mlscan snapshot: schema_version missing (make one with `mlscan collect -o FILE`)", name)
	}
	if n, err := v.Int64(); err != nil || n < MinSchemaVersion || n > SchemaVersion {
		return nil, fmt.Errorf("%s: snapshot schema_version %s is not supported (this mlscan reads %d to %d)", name, v, MinSchemaVersion, SchemaVersion)
	}
	if _, ok := doc["collectors"].(map[string]any); !ok {
		return nil, fmt.Errorf("%s: snapshot has no \"collectors\" object", name)
	}
	return doc, nil
}

func jsonPosError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		l, c := lineCol(data, se.Offset)
		return fmt.Errorf("%s:%d:%d: invalid JSON: %s", name, l, c, se.Error())
	case errors.As(err, &te):
		l, c := lineCol(data, te.Offset)
		return fmt.Errorf("%s:%d:%d: want a JSON object, got %s", name, l, c, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		l, c := lineCol(data, int64(len(data)))
		return fmt.Errorf("%s:%d:%d: invalid JSON: unexpected end of input", name, l, c)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// typedError names where a document that fits the schema still does not
// fit the Go types (a number too large for its field, a collected_at that
// is not a time).
func typedError(name string, data []byte, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		l, c := lineCol(data, te.Offset)
		return fmt.Errorf("%s:%d:%d: %s: %s does not fit %s", name, l, c, te.Field, te.Value, te.Type)
	}
	// A time that does not parse: time.ParseError quotes the value, which
	// may be anything the file holds (a secret pasted there): name the
	// field, never the value.
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: collected_at is not an RFC 3339 time", name)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
