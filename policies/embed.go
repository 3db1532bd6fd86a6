// Package policies embeds mlscan's Rego checks and default configuration.
//
// Every check is one Rego package with a `# METADATA` block (title,
// description and custom: id, severity, requires, remediation, references)
// and a sibling _test.rego. A check reports through sets of objects with
// subject, target, message and evidence: deny (fail), unknown,
// not_applicable and pass. The target is the subject as structure (built
// with lib/target); shared helpers live in lib/ only, and missing data is
// judged with lib/status. See the README's "Writing your own policies".
package policies

import "embed"

// FS holds the checks (*.rego), their tests and lib/ helpers.
//
//go:embed lib firewall exposure registry containers resources secrets auth ssh
var FS embed.FS

// DefaultConfig is the configuration the checks read when no --config is
// given: the guarantees of the networking document.
//
//go:embed config.yaml
var DefaultConfig []byte
