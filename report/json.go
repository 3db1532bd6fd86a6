package report

import (
	"encoding/json"
	"io"

	"github.com/mlscan/mlscan/scanner"
)

// JSON writes the stable JSON report: one object for one host, an array
// for several.
type JSON struct{}

var _ Reporter = (*JSON)(nil)

// Write implements Reporter.
func (*JSON) Write(w io.Writer, reports []*scanner.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if len(reports) == 1 {
		return enc.Encode(reports[0])
	}
	return enc.Encode(reports)
}
