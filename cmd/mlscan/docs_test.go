package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// rulesDoc is the rule catalogue shipped in the repository, generated from
// the embedded checks' METADATA and the default configuration.
const rulesDoc = "../../docs/rules.md"

// docCheck is what the catalogue shows of one check (`mlscan policies --json`).
type docCheck struct {
	ID, Title, Severity, Description, Remediation, Package, File string
	References, Requires                                         []string
}

// docConfig is what the catalogue shows of the default configuration
// (`mlscan config --data`, at data.mlscan.config).
type docConfig struct {
	Networks struct {
		Trusted []string `json:"trusted"`
	} `json:"networks"`
	PublicPorts []string `json:"public_ports"`
	UFW         struct {
		DefaultOutgoing string `json:"default_outgoing"`
	} `json:"ufw"`
	Registry []struct {
		Port           int      `json:"port"`
		EndPort        int      `json:"end_port"`
		Proto          string   `json:"proto"`
		Service        string   `json:"service"`
		Owners         []string `json:"owners"`
		Bind           string   `json:"bind"`
		AllowedSources []string `json:"allowed_sources"`
		Category       string   `json:"category"`
		Notes          string   `json:"notes"`
	} `json:"registry"`
	ForbiddenPorts []struct {
		Port   int    `json:"port"`
		Proto  string `json:"proto"`
		Reason string `json:"reason"`
	} `json:"forbidden_ports"`
	KnownDefaults []struct {
		Port  int    `json:"port"`
		Proto string `json:"proto"`
		What  string `json:"what"`
	} `json:"known_defaults"`
}

// docAreas names the rule areas by ID prefix, in catalogue order.
var docAreas = []struct{ prefix, name string }{
	{"MLS-FW", "Firewall (UFW configuration)"},
	{"MLS-EXP", "Exposure (listening sockets, firewall and Docker)"},
	{"MLS-AUTH", "Authentication"},
	{"MLS-CTR", "Containers"},
	{"MLS-RES", "Resources"},
	{"MLS-SSH", "SSH"},
	{"MLS-REG", "Port registry"},
	{"MLS-SEC", "Secrets"},
}

// docStatuses explains the result model, in report order.
var docStatuses = []struct{ status, meaning string }{
	{"fail", "The evidence was collected and shows the guarantee broken. The result says what was observed, what was expected and where the evidence came from."},
	{"error", "The check itself could not be evaluated (a Rego runtime error or a malformed result). Never a pass."},
	{"unknown", "The evidence could not be collected: a collector failed, permission was denied, a daemon was unreachable or a snapshot section is missing. Missing data never evaluates as pass; the result says why and how to get the data (for example, run as root)."},
	{"waived", "A fail matched by a current waiver (owner, reason, expiry). Still shown, and it fails again when the waiver expires."},
	{"pass", "The evidence was collected and the guarantee holds."},
	{"not_applicable", "The subject does not exist on this host, by positive evidence (for example, no Flower container and nothing listening on 5555), stated with that evidence."},
}

// loadDocInputs reads the checks' metadata and the default configuration
// through the CLI, as a user would.
func loadDocInputs(t *testing.T) ([]docCheck, docConfig) {
	t.Helper()
	out, stderr, code := runCLI(t, "policies", "--json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var checks []docCheck
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatalf("policies --json: %v", err)
	}
	out, stderr, code = runCLI(t, "config", "--data")
	if code != 0 {
		t.Fatal(stderr)
	}
	var data struct {
		Mlscan struct {
			Config docConfig `json:"config"`
		} `json:"mlscan"`
	}
	if err := json.Unmarshal([]byte(out), &data); err != nil {
		t.Fatalf("config --data: %v", err)
	}
	return checks, data.Mlscan.Config
}

// docCell makes s safe inside a Markdown table cell.
func docCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// docAnchor is the explicit anchor of a rule: its id in lower case.
func docAnchor(id string) string { return strings.ToLower(id) }

// docArea is the area name of a rule id, or its prefix when unlisted.
func docArea(id string) (int, string) {
	for i, a := range docAreas {
		if strings.HasPrefix(id, a.prefix+"-") {
			return i, a.name
		}
	}
	prefix := id
	if i := strings.LastIndex(id, "-"); i > 0 {
		prefix = id[:i]
	}
	return len(docAreas), prefix
}

// docReference renders one reference: URLs and catalogue anchors as links,
// anything else (CVE ids, CIS control ids, man pages) as text.
func docReference(r string) string {
	switch {
	case strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "http://"):
		return "<" + r + ">"
	case strings.HasPrefix(r, "docs/rules.md#"):
		a := strings.TrimPrefix(r, "docs/rules.md#")
		title, ok := docSections[a]
		if !ok {
			title = strings.ToUpper(a)
		}
		return fmt.Sprintf("[%s](#%s)", title, a)
	}
	return r
}

// docHeading is a section heading with its explicit anchor.
func docHeading(level, anchor string) string {
	return fmt.Sprintf("<a id=%q></a>\n\n%s %s\n\n", anchor, level, docSections[anchor])
}

// docSections titles the catalogue's sections by anchor.
var docSections = map[string]string{
	"result-model":    "Result model",
	"configuration":   "Configuration the checks read",
	"port-registry":   "Port registry",
	"forbidden-ports": "Ports that must never listen",
	"known-defaults":  "Well-known default ports",
	"references":      "References",
	"checks":          "Checks",
}

// renderRulesDoc builds docs/rules.md.
func renderRulesDoc(checks []docCheck, cfg docConfig) string {
	checks = slices.Clone(checks)
	slices.SortStableFunc(checks, func(a, b docCheck) int {
		ia, na := docArea(a.ID)
		ib, nb := docArea(b.ID)
		if ia != ib {
			return ia - ib
		}
		if c := strings.Compare(na, nb); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})

	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# mlscan rule catalogue\n\n")
	w("<!-- generated from the embedded checks' METADATA and policies/config.yaml by `MLSCAN_UPDATE_TESTDATA=1 go test ./cmd/mlscan -run TestDocsRules`; do not edit by hand -->\n\n")
	w("Every check mlscan ships, with what it needs and how to fix what it finds. ")
	w("Rule IDs are stable: waivers, GitHub code scanning and audit reports cite them, ")
	w("and an ID is never reused for a different check. Each rule below has an anchor equal to ")
	w("its ID in lower case (`docs/rules.md#mls-exp-001`); the SARIF rule help (shown by GitHub code ")
	w("scanning) and the Markdown report cite the same references.\n\n")
	w("- [Result model](#result-model)\n")
	w("- [Configuration the checks read](#configuration)\n")
	w("- [Port registry](#port-registry)\n")
	w("- [References](#references)\n")
	w("- [Checks](#checks) (%d)\n\n", len(checks))

	w("%s", docHeading("##", "result-model"))
	w("Each check yields one result per subject it judges (a port, a firewall rule, a container, the host) ")
	w("with one of these statuses, listed in report order:\n\n")
	w("| Status | Meaning |\n|---|---|\n")
	for _, s := range docStatuses {
		w("| `%s` | %s |\n", s.status, s.meaning)
	}
	w("\nSeverities, highest first: `critical`, `high`, `medium`, `low`, `info`. ")
	w("A result may carry a severity other than its check's (an `info` sub-finding, for example). ")
	w("Every result carries the rule ID, title, severity, status, subject, message, evidence ")
	w("(observed, expected, source), remediation and references. Secrets never appear in any output: ")
	w("only their presence, length and strength class.\n\n")

	w("%s", docHeading("##", "configuration"))
	w("The defaults below are embedded (`policies/config.yaml`); `mlscan config` prints the effective ")
	w("configuration and `--config FILE` overrides it.\n\n")
	w("- Trusted networks (may reach private services; loopback is always trusted): %s\n", docCodeList(cfg.Networks.Trusted))
	w("- Public ports (may be reachable from anywhere): %s\n", docCodeList(cfg.PublicPorts))
	w("- Declared UFW outgoing default: `%s`\n\n", cfg.UFW.DefaultOutgoing)

	w("%s", docHeading("##", "port-registry"))
	w("What may listen, who may own it, how widely it may bind (`loopback`, `host` or `wildcard`) ")
	w("and who may reach it (`public`, `trusted`, `loopback`). The category decides the severity ")
	w("of an exposure.\n\n")
	w("| Port | Proto | Service | Owners | Bind | Allowed sources | Category |\n|---|---|---|---|---|---|---|\n")
	for _, e := range cfg.Registry {
		port := fmt.Sprint(e.Port)
		if e.EndPort != 0 {
			port = fmt.Sprintf("%d-%d", e.Port, e.EndPort)
		}
		service := e.Service
		if e.Notes != "" {
			service += " (" + e.Notes + ")"
		}
		w("| %s | %s | %s | %s | %s | %s | %s |\n", port, e.Proto, docCell(service), docCell(strings.Join(e.Owners, ", ")),
			e.Bind, strings.Join(e.AllowedSources, ", "), e.Category)
	}
	w("\n%s", docHeading("###", "forbidden-ports"))
	w("| Port | Proto | Reason |\n|---|---|---|\n")
	for _, f := range cfg.ForbiddenPorts {
		w("| %d | %s | %s |\n", f.Port, f.Proto, docCell(f.Reason))
	}
	w("\n%s", docHeading("###", "known-defaults"))
	w("A registry entry on one of these ports collides with a stock install of another product ")
	w("([MLS-REG-003](#mls-reg-003)).\n\n")
	w("| Port | Proto | Default of |\n|---|---|---|\n")
	for _, k := range cfg.KnownDefaults {
		w("| %d | %s | %s |\n", k.Port, k.Proto, docCell(k.What))
	}

	w("\n%s", docHeading("##", "references"))
	w("URLs point at the vendor's or upstream project's documentation or at the advisory of a CVE. ")
	w("\"CIS Docker Benchmark v1.6.0 N.M\" names a control of that benchmark (<https://www.cisecurity.org/benchmark/docker>); ")
	w("its public implementation with the same numbering is docker-bench-security ")
	w("(<https://github.com/docker/docker-bench-security/tree/master/tests>). Numbering shifts between ")
	w("editions: check the edition you claim compliance with.\n\n")

	w("%s", docHeading("##", "checks"))
	w("| ID | Severity | Check |\n|---|---|---|\n")
	for _, c := range checks {
		w("| [%s](#%s) | %s | %s |\n", c.ID, docAnchor(c.ID), c.Severity, docCell(c.Title))
	}
	area := ""
	for _, c := range checks {
		if _, name := docArea(c.ID); name != area {
			area = name
			w("\n### %s\n", area)
		}
		w("\n<a id=\"%s\"></a>\n\n#### %s %s\n\n", docAnchor(c.ID), c.ID, c.Title)
		needs := strings.Join(c.Requires, ", ")
		if needs == "" {
			needs = "none declared (the check reads what it finds)"
		}
		w("- Severity: %s\n- Needs (snapshot sections): %s\n- Policy: `%s` (`%s`)\n\n", c.Severity, needs, c.Package, docPolicyFile(c.File))
		if c.Description != "" {
			w("%s\n\n", strings.TrimSpace(c.Description))
		}
		if c.Remediation != "" {
			w("Remediation: %s\n\n", strings.TrimSpace(c.Remediation))
		}
		if len(c.References) > 0 {
			w("References:\n\n")
			for _, r := range c.References {
				w("- %s\n", docReference(r))
			}
		}
	}
	return b.String()
}

// docCodeList renders values as inline code, comma-separated.
func docCodeList(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = "`" + v + "`"
	}
	return strings.Join(out, ", ")
}

// docPolicyFile is a check's module path relative to the repository.
func docPolicyFile(f string) string {
	f = filepath.ToSlash(f)
	if i := strings.Index(f, "policies/"); i >= 0 {
		return f[i:]
	}
	return "policies/" + strings.TrimPrefix(f, "/")
}

// TestDocsRules keeps docs/rules.md equal to the checks' metadata and the
// default configuration.
func TestDocsRules(t *testing.T) {
	checks, cfg := loadDocInputs(t)
	want := renderRulesDoc(checks, cfg)
	got, err := os.ReadFile(rulesDoc)
	if err == nil && string(got) == want {
		return
	}
	if os.Getenv("MLSCAN_UPDATE_TESTDATA") == "1" {
		if err := os.MkdirAll(filepath.Dir(rulesDoc), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(rulesDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatalf("read %s: %v; generate it with MLSCAN_UPDATE_TESTDATA=1", rulesDoc, err)
	}
	t.Fatalf("%s is out of date; rerun with MLSCAN_UPDATE_TESTDATA=1", rulesDoc)
}

// TestDocsRulesAnchors checks every rule has its anchor and that every link
// inside the catalogue lands on an anchor it defines.
func TestDocsRulesAnchors(t *testing.T) {
	checks, cfg := loadDocInputs(t)
	doc := renderRulesDoc(checks, cfg)
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`<a id="([^"]+)"></a>`).FindAllStringSubmatch(doc, -1) {
		if ids[m[1]] {
			t.Errorf("anchor %q defined twice", m[1])
		}
		ids[m[1]] = true
	}
	for _, c := range checks {
		if !ids[docAnchor(c.ID)] {
			t.Errorf("%s has no anchor", c.ID)
		}
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(doc, -1) {
		if !ids[m[1]] {
			t.Errorf("link to #%s, which the catalogue does not define", m[1])
		}
	}
}

// unfollowable matches a reference that names a document users do not
// have: a Markdown file other than a docs/rules.md anchor, or the research
// notes the checks were written from.
var unfollowable = regexp.MustCompile(`(?i)domain-notes|networking-architecture|(^|[^/])rules\.md|\.md\b`)

// TestReferencesFollowable checks every reference a user sees (SARIF rule
// help, Markdown report, this catalogue) is a URL, an anchor of the shipped
// catalogue, or plain text that names no file the user lacks (CVE ids, CIS
// control ids, man pages).
func TestReferencesFollowable(t *testing.T) {
	checks, cfg := loadDocInputs(t)
	doc := renderRulesDoc(checks, cfg)
	for _, c := range checks {
		for _, r := range c.References {
			if a, ok := strings.CutPrefix(r, "docs/rules.md#"); ok {
				if !strings.Contains(doc, `<a id="`+a+`"></a>`) {
					t.Errorf("%s: %q: docs/rules.md has no such anchor", c.ID, r)
				}
				continue
			}
			if strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "http://") {
				continue
			}
			if unfollowable.MatchString(r) {
				t.Errorf("%s: %q names a document users do not have", c.ID, r)
			}
		}
	}
}
