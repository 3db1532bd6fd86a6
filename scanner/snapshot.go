package scanner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// SupportedSnapshotVersion is the snapshot schema_version this build reads.
const SupportedSnapshotVersion = 1

// MaxSnapshotBytes caps the size of a snapshot file.
const MaxSnapshotBytes = 64 << 20

// DecodeSnapshot parses a snapshot document. Errors name the file, the
// line and column, and what is wrong.
func DecodeSnapshot(name string, data []byte) (map[string]any, error) {
	if len(data) > MaxSnapshotBytes {
		return nil, fmt.Errorf("%s: snapshot larger than %d MiB", name, MaxSnapshotBytes>>20)
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
	if n, err := v.Int64(); err != nil || n != SupportedSnapshotVersion {
		return nil, fmt.Errorf("%s: snapshot schema_version %s is not supported (this mlscan reads %d)", name, v, SupportedSnapshotVersion)
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
	case errors.Is(err, errUnexpectedEOF(err)):
		l, c := lineCol(data, int64(len(data)))
		return fmt.Errorf("%s:%d:%d: invalid JSON: unexpected end of input", name, l, c)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func errUnexpectedEOF(err error) error {
	if err != nil && (err.Error() == "unexpected EOF" || err.Error() == "EOF") {
		return err
	}
	return errors.New("-")
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
