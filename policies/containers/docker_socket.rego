# METADATA
# title: Docker socket not mounted
# description: >-
#   Whoever can reach the Docker (or containerd, Podman, CRI-O) API socket
#   controls the host as root. A container must not mount it, nor the
#   directory holding it (/var/run, /run). A read-only mount does not help:
#   connecting to a socket needs no write access to the file. Traefik's
#   Docker provider is the usual exception: give it a read-only socket proxy
#   instead.
# custom:
#   id: MLS-CTR-003
#   severity: critical
#   requires: [docker]
#   remediation: "Remove the socket mount; for Traefik use a docker-socket-proxy limited to GET /containers, or the file provider"
#   references: ["CIS Docker Benchmark v1.6.0 5.32", "https://docs.docker.com/engine/security/#docker-daemon-attack-surface"]
package mlscan.containers.docker_socket

import data.mlscan.lib.docker
import data.mlscan.lib.target

sockets := {"docker.sock", "containerd.sock", "podman.sock", "crio.sock", "dockershim.sock", "cri-dockerd.sock"}

socket_dirs := {"/var/run", "/run", "/var/run/docker", "/run/docker", "/run/containerd", "/var/run/containerd", "/run/podman"}

exposes(m) if docker.base(m.source) in sockets

exposes(m) if docker.base(m.destination) in sockets

exposes(m) if trim_suffix(m.source, "/") in socket_dirs

bad(c) := [sprintf("%s -> %s (%s)", [m.source, m.destination, rw(m)]) | some m in c.mounts; exposes(m)]

rw(m) := "rw" if {
	m.rw
} else := "ro"

deny contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": bad(c), "expected": "no engine socket or its directory mounted", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(bad(c)) > 0
	msg := sprintf("%s mounts the container engine's API socket%s: it controls the host as root", [docker.subject(c), docker.state_note(c)])
}

pass contains {"subject": docker.subject(c), "target": target.container(c), "message": msg, "evidence": {"observed": [m.source | some m in c.mounts], "expected": "no engine socket or its directory mounted", "source": docker.source}, "location": docker.where(c)} if {
	some c in docker.containers
	count(bad(c)) == 0
	msg := sprintf("%s mounts no engine socket", [docker.subject(c)])
}

# An uninspected container is unknown.
unknown contains e if some e in docker.unknowns

not_applicable contains e if some e in docker.none("containers", docker.containers)
