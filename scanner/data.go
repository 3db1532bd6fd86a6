package scanner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// dataDocument returns the document the policies read as data: the
// configuration (Config.Data) at data.mlscan.config. The engine's store
// holds exactly this document and WriteData writes it, so stock
// `opa test POLICIES DATA.json` and `opa eval -d DATA.json` see what mlscan's
// checks see.
func dataDocument(config map[string]any) map[string]any {
	return map[string]any{"mlscan": map[string]any{"config": config}}
}

// WriteData writes the data document of cfg as indented JSON with sorted
// keys (byte-identical for the same configuration).
func WriteData(w io.Writer, cfg *Config) error {
	m, err := cfg.Data()
	if err != nil {
		return fmt.Errorf("data document: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(dataDocument(m)); err != nil {
		return fmt.Errorf("data document: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
