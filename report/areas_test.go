package report

import "testing"

func TestAreaOf(t *testing.T) {
	tests := []struct {
		name, id, tag, appendix string
	}{
		{name: "firewall has an appendix", id: "MLS-FW-001", tag: "firewall", appendix: "firewall (UFW)"},
		{name: "containers have an appendix", id: "MLS-CTR-011", tag: "containers", appendix: "containers"},
		{name: "registry", id: "MLS-REG-001", tag: "port-registry"},
		{name: "the area is the part before the number", id: "ORG-MLS-AUTH-009", tag: "authentication"},
		{name: "a site policy's own area", id: "ACME-NET-001", tag: "net"},
		{name: "an id without an area", id: "custom", tag: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := areaOf(tt.id)
			if a.tag != tt.tag || a.appendix != tt.appendix {
				t.Errorf("areaOf(%q) = %+v, want tag %q appendix %q", tt.id, a, tt.tag, tt.appendix)
			}
		})
	}
}

// TestRuleAreasCoverTheChecks fails when an embedded check's id has a
// prefix no area knows: add the area to ruleAreas.
func TestRuleAreasCoverTheChecks(t *testing.T) {
	known := map[string]bool{}
	for _, a := range ruleAreas {
		if known[a.prefix] || known[a.tag] {
			t.Errorf("area %+v repeats a prefix or tag", a)
		}
		known[a.prefix], known[a.tag] = true, true
	}
	for _, ch := range docReport(t).Checks {
		if a := areaOf(ch.ID); !known[a.prefix] {
			t.Errorf("%s: prefix %q is in no rule area", ch.ID, a.prefix)
		}
	}
}
