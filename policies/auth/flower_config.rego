# METADATA
# title: Flower hardened configuration and version
# description: >-
#   FLOWER_UNAUTHENTICATED_API=true opens the task-running API without
#   authentication. Flower before 1.2.0 lets an OAuth user bypass the email
#   check (CVE-2022-30034); before 2.2.0 its control endpoints accept
#   cross-site requests (CVE-2022-51020, info). An `--auth` email pattern
#   must be anchored and its dots escaped, or other domains match (info).
#   mlscan reads the Flower containers' environment, command line and
#   image tag.
# custom:
#   id: MLS-AUTH-008
#   severity: high
#   remediation: "Unset FLOWER_UNAUTHENTICATED_API, upgrade Flower to >= 2.2.0, and anchor the --auth pattern (`^[a-z.]+@example\\.com$`)"
#   references: ["CVE-2022-30034", "https://github.com/advisories/GHSA-q4qm-xhf9-4p8f", "CVE-2022-51020", "https://osv.dev/vulnerability/CVE-2022-51020", "https://flower.readthedocs.io/en/latest/auth.html", "https://flower.readthedocs.io/en/latest/api.html"]
package mlscan.auth.flower_config

import data.mlscan.lib.services as svc
import data.mlscan.lib.target

flowers := svc.of_kind("flower")

source := "container environment and command line (docker collector)"

unauth_api(c) if lower(svc.env_value(c, "FLOWER_UNAUTHENTICATED_API")) in {"true", "1", "yes"}

auth_pattern(c) := svc.flag_value(c, "--auth")

auth_pattern(c) := svc.env_value(c, "FLOWER_AUTH")

sloppy(p) := "not anchored with ^...$" if {
	not regex.match(`^\^.*\$$`, p)
} else := "has unescaped dots" if {
	regex.match(`(^|[^\\])\.[^*+?]`, p)
}

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s sets FLOWER_UNAUTHENTICATED_API=%s: Flower's API (run tasks, shut workers down) answers without authentication", [svc.container_subject(c), svc.env_value(c, "FLOWER_UNAUTHENTICATED_API")]),
		"evidence": {"observed": sprintf("FLOWER_UNAUTHENTICATED_API=%s", [svc.env_value(c, "FLOWER_UNAUTHENTICATED_API")]), "expected": "unset", "source": source},
	},
	c,
) if {
	some c in flowers
	unauth_api(c)
}

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s runs Flower %s: OAuth authentication bypass (CVE-2022-30034, fixed in 1.2.0)", [svc.container_subject(c), v]),
		"evidence": {"observed": v, "expected": ">= 2.2.0", "source": sprintf("image tag %s", [svc.image(c)])},
	},
	c,
) if {
	some c in flowers
	v := svc.tag_version(c)
	svc.older(v, "1.2.0")
}

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s runs Flower %s: cross-site request forgery on control endpoints (CVE-2022-51020, fixed in 2.2.0)", [svc.container_subject(c), v]),
		"severity": "info",
		"evidence": {"observed": v, "expected": ">= 2.2.0", "source": sprintf("image tag %s", [svc.image(c)])},
	},
	c,
) if {
	some c in flowers
	v := svc.tag_version(c)
	svc.at_least(v, "1.2.0")
	svc.older(v, "2.2.0")
}

deny contains svc.with_location(
	{
		"subject": svc.container_subject(c),
		"target": target.container(c),
		"message": sprintf("%s's --auth pattern %q %s: addresses of other domains may match", [svc.container_subject(c), p, why]),
		"severity": "info",
		"evidence": {"observed": p, "expected": "an anchored pattern with escaped dots", "source": source},
	},
	c,
) if {
	some c in flowers
	some p in {auth_pattern(c)}
	why := sloppy(p)
}

pass contains {
	"subject": svc.container_subject(c),
	"target": target.container(c),
	"message": sprintf("%s runs Flower %s without FLOWER_UNAUTHENTICATED_API", [svc.container_subject(c), v]),
	"evidence": {"observed": v, "expected": ">= 2.2.0, FLOWER_UNAUTHENTICATED_API unset", "source": source},
} if {
	some c in flowers
	not unauth_api(c)
	v := svc.tag_version(c)
	svc.at_least(v, "1.2.0")
}

unknown contains {
	"subject": svc.container_subject(c),
	"target": target.container(c),
	"message": sprintf("the Flower version of %s is unknown: the image tag %q carries none", [svc.container_subject(c), svc.image(c)]),
	"evidence": {"expected": ">= 2.2.0", "source": "image tag"},
} if {
	some c in flowers
	not svc.tag_version(c)
}

not_applicable contains r if {
	count(flowers) == 0
	some r in svc.absent("flower")
}

unknown contains {
	"subject": "host",
	"target": target.host,
	"message": sprintf("Flower's configuration could not be read: %s", [reason]),
	"evidence": {"expected": ">= 2.2.0, FLOWER_UNAUTHENTICATED_API unset", "source": "docker collector"},
} if {
	count(flowers) == 0
	count(svc.absent("flower")) == 0
}

reason := sprintf("the containers could not be listed (docker %s)", [svc.docker_why]) if {
	not svc.docker_ok
} else := "Flower does not run in a container, so its environment and version are not read"

# A container whose inspect call failed is unknown, not judged.
unknown contains e if some e in svc.uninspected
