// Package report writes scan results in the formats users read: a
// terminal table (table.go), JSON (json.go), the Markdown review document
// (markdown*.go), SARIF for code scanning (sarif*.go) and Prometheus
// metrics (prometheus.go), all behind the Reporter interface and picked by
// name with New; plus the fleet summary (fleet.go) and the diff of two
// evaluations (diff.go). What several formats share has its own file: the
// rule areas (areas.go), controls and compliance (controls.go), the
// repository locator (locate.go), how to verify an unknown (verify.go) and
// text sanitising (text.go).
package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// Reporter writes one or more reports to w.
type Reporter interface {
	Write(w io.Writer, reports []*scanner.Report) error
}

// Options are the presentation choices shared by the formats.
type Options struct {
	// Color turns on ANSI colours (only for a terminal without NO_COLOR).
	Color bool
	// Quiet shows failures (and unknown/error) only, where a format supports it.
	Quiet bool
	// Width is the terminal width; 0 means no limit.
	Width int
	// SourceRoot is the directory on the scanned host that holds the
	// infrastructure repository (--source-root). SARIF and Markdown turn
	// absolute file locations under it (compose files named by the
	// container labels, a --config file) into repo-relative paths, and
	// read those files to find a compose service's line. Empty: only
	// relative paths are used as they are; the rest is anchored on the
	// mlscan config.
	SourceRoot string
	// Baseline holds each host's changes since an earlier evaluation
	// (--baseline), keyed by host name: the Markdown report adds a
	// "Changes since the last review" section for the hosts it holds.
	Baseline map[string]*scanner.Diff
}

var formats = map[string]func(Options) Reporter{
	"table":      func(o Options) Reporter { return &Table{Options: o} },
	"json":       func(o Options) Reporter { return &JSON{} },
	"markdown":   func(o Options) Reporter { return &Markdown{Options: o} },
	"sarif":      func(o Options) Reporter { return &SARIF{Options: o} },
	"prometheus": func(Options) Reporter { return &Prometheus{} },
}

// Formats lists the format names New accepts, sorted.
func Formats() []string {
	var n []string
	for k := range formats {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// New returns the reporter for a format name; an unknown name is an error
// that lists the valid ones.
func New(name string, opt Options) (Reporter, error) {
	f, ok := formats[name]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (valid: %s)", name, strings.Join(Formats(), ", "))
	}
	return f(opt), nil
}

// hostName is the report's host with control characters removed, or
// "unknown-host" when the snapshot named none.
func hostName(r *scanner.Report) string {
	if h := strings.TrimSpace(sanitize(r.Host)); h != "" {
		return h
	}
	return "unknown-host"
}

// collectorStatus is how a collector fared, as a snapshot status (the
// conversion holds whether the report's copy is a string or already one).
func collectorStatus(c scanner.CollectorHealth) snapshot.Status {
	return snapshot.Status(c.Status)
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
