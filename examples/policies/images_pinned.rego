# METADATA
# title: Container images are pinned to a version
# description: >-
#   A site policy (an example of `--policy DIR`): every container runs an
#   image pinned to a version tag or a digest, never `latest` or no tag, so
#   a redeploy cannot silently change what runs and the compose file says
#   which version was reviewed.
# custom:
#   id: SITE-001
#   severity: low
#   requires: [docker]
#   remediation: "Pin the image in the compose file to a version (`redis:7.2.4-alpine`) or a digest (`redis@sha256:...`); tag locally built images with a version instead of `latest`"
#   references: ["https://docs.docker.com/reference/cli/docker/image/tag/"]
package site.images_pinned

import data.mlscan.lib.docker
import data.mlscan.lib.target

# tag is the image reference's tag: what follows the last ":" after the
# last "/" (a registry's ":5000" is not a tag); "" when there is none.
tag(image) := t if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	t := substring(last, indexof(last, ":") + 1, -1)
} else := ""

pinned(image) if contains(image, "@sha256:")

pinned(image) if {
	not contains(image, "@")
	not tag(image) in {"", "latest"}
}

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": c.image, "expected": "a version tag or a digest", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	not pinned(c.image)
	msg := sprintf("%s runs %s, which is not pinned to a version", [docker.subject(c), c.image])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": c.image, "expected": "a version tag or a digest", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	pinned(c.image)
	msg := sprintf("%s runs %s", [docker.subject(c), c.image])
}

not_applicable contains e if some e in docker.none("containers", docker.containers)
