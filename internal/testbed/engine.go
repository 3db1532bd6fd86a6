package testbed

import (
	"testing"
)

// EngineKind names a container engine the testbed runs: Podman's Docker
// API or a real dockerd.
type EngineKind string

// The engines: Podman (4.3, network backend CNI) serving the Docker Engine
// API, and Debian's docker.io (dockerd 20.10). They differ where users'
// hosts do: dockerd's published ports are DNAT-ed in nat PREROUTING and
// accepted in FORWARD by the DOCKER chain (past UFW); Podman's CNI rules
// DNAT them too but leave new forwarded connections to UFW's routed
// policy.
const (
	EnginePodman  EngineKind = "podman"
	EngineDockerd EngineKind = "dockerd"
)

// Engines are the engines the testbed runs, in a fixed order.
var Engines = []EngineKind{EnginePodman, EngineDockerd}

// Engine is what Server84 needs from a container engine: run, remove and
// name containers, tag the testbed's image, the API address mlscan is
// given, and the containers' states and logs when something goes wrong.
// Podman and Dockerd implement it.
type Engine interface {
	// Kind is the engine's name.
	Kind() EngineKind
	// DockerHost is the engine's API as DOCKER_HOST and --docker-host take
	// it (unix:///path/to.sock).
	DockerHost() string
	// Run starts a detached container named name; args are the options,
	// image and command of `run` (ContainerSpec.args renders them).
	Run(t testing.TB, name string, args ...string) string
	// Remove removes containers at once (SIGKILL).
	Remove(t testing.TB, names ...string)
	// Tag gives PodmanImage other names.
	Tag(t testing.TB, names ...string)
	// PS lists the engine's containers of this host with their status,
	// one a line; Logs is a container's output. Both for diagnostics.
	PS() (string, error)
	Logs(name string) (string, error)
}

var (
	_ Engine = (*Podman)(nil)
	_ Engine = (*Dockerd)(nil)
)

// Server84EngineTools are the programs each engine needs besides
// Server84Tools.
var Server84EngineTools = map[EngineKind][]string{
	EnginePodman:  {"podman", "runc"},
	EngineDockerd: {"dockerd", "docker"},
}

// startEngine starts the engine of kind on h.
func startEngine(t testing.TB, h *Host, kind EngineKind) Engine {
	t.Helper()
	switch kind {
	case EnginePodman:
		return h.StartPodman(t)
	case EngineDockerd:
		return h.StartDockerd(t)
	}
	t.Fatalf("unknown container engine %q (want %s or %s)", kind, EnginePodman, EngineDockerd)
	return nil
}
