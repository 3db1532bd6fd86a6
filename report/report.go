// Package report writes scan results in the formats users read: a
// terminal table, JSON, and (later) Markdown and SARIF. One file per
// format, all behind the Reporter interface, picked by name with New.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/mlscan/mlscan/scanner"
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

// sanitize makes an attacker-controllable string (container names, labels,
// commands) safe to print: control characters, which could drive a
// terminal, become U+FFFD, tabs and newlines a space, and invisible format
// characters (bidi overrides, zero-width) are dropped.
func sanitize(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return isControl(r) || isFormat(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(' ')
		case isControl(r):
			b.WriteRune('\uFFFD')
		case isFormat(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isFormat reports invisible format characters (bidi controls, zero-width).
func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

func sortStrings(s []string) { sort.Strings(s) }
