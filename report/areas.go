package report

import "strings"

// area is one area of the rule catalogue: the checks whose ids share a
// prefix (MLS-FW-001 is in FW). It is the one place the formats learn
// about areas: SARIF tags each rule with its area's tag, and the Markdown
// report fills an area's appendix with that area's results.
type area struct {
	// prefix is the area's part of a rule id: FW in MLS-FW-001.
	prefix string
	// tag names the area in lower case, as SARIF rule tags do.
	tag string
	// appendix is the title of the Markdown appendix that lists the area's
	// results, or "" when the area has none.
	appendix string
}

// The rule areas, in the order of the rule catalogue.
var (
	areaFirewall   = area{prefix: "FW", tag: "firewall", appendix: "firewall (UFW)"}
	areaExposure   = area{prefix: "EXP", tag: "exposure"}
	areaAuth       = area{prefix: "AUTH", tag: "authentication"}
	areaContainers = area{prefix: "CTR", tag: "containers", appendix: "containers"}
	areaResources  = area{prefix: "RES", tag: "resources"}
	areaSSH        = area{prefix: "SSH", tag: "ssh"}
	areaRegistry   = area{prefix: "REG", tag: "port-registry"}
	areaSecrets    = area{prefix: "SEC", tag: "secrets"}
)

// ruleAreas lists every known area.
var ruleAreas = []area{areaFirewall, areaExposure, areaAuth, areaContainers, areaResources, areaSSH, areaRegistry, areaSecrets}

// areaOf returns the area of a rule id like MLS-FW-001. A prefix no area
// has (a site policy's MLS-ACME-001) is an area of its own, tagged with the
// prefix in lower case; an id without one (not PREFIX-AREA-NUMBER) is in
// the area "other".
func areaOf(id string) area {
	parts := strings.Split(id, "-")
	if len(parts) < 3 {
		return area{tag: "other"}
	}
	p := parts[len(parts)-2]
	for _, a := range ruleAreas {
		if a.prefix == p {
			return a
		}
	}
	return area{prefix: p, tag: strings.ToLower(p)}
}
