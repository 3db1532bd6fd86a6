package snapshot

import "time"

// Probe states: what a TCP connection attempt found.
const (
	ProbeOpen     = "open"     // connected
	ProbeClosed   = "closed"   // refused (RST or ICMP port unreachable)
	ProbeFiltered = "filtered" // no answer before the timeout, or host/network unreachable
	ProbeError    = "error"    // anything else (the probe could not run)
)

// ProbesSection holds what the services answered to read-only probes sent
// over loopback and the host's own addresses, and, in a snapshot made by
// `mlscan probe`, which ports another host could reach.
type ProbesSection struct {
	// Listeners says whether the listening sockets could be read to choose
	// what to probe; when not, every pinned registry port is probed on every
	// address and nothing is known to be absent.
	Listeners Source `json:"listeners"`
	// Addresses are the addresses probes may go to: loopback and the
	// host's own.
	Addresses []string       `json:"addresses"`
	Redis     []RedisProbe   `json:"redis"`
	Flower    []FlowerProbe  `json:"flower"`
	Ray       []RayProbe     `json:"ray"`
	Grafana   []GrafanaProbe `json:"grafana"`
	// TCP are plain connections to the other registered listeners.
	TCP []ProbeTarget `json:"tcp"`
	// Absent are pinned registry ports nothing listens on: positive
	// evidence that the service does not run on this host.
	Absent []AbsentPort `json:"absent"`
	// Vantage is the source address of a `mlscan probe` run, empty in a
	// local scan; Reachability is what that run found.
	Vantage      string         `json:"vantage,omitempty"`
	Reachability []Reachability `json:"reachability,omitempty"`
}

// ProbeTarget is one address and port a probe connected to, and what was
// exchanged.
type ProbeTarget struct {
	Address string `json:"address"`
	Port    int    `json:"port"`
	// Service is the registry service the port belongs to.
	Service string `json:"service"`
	State   string `json:"state" jsonschema:"enum=open,enum=closed,enum=filtered,enum=error"`
	Error   string `json:"error,omitempty"`
	// Exchanges are the requests sent and the first bytes of each answer,
	// with secrets redacted.
	Exchanges  []ProbeExchange `json:"exchanges"`
	DurationMS float64         `json:"duration_ms"`
}

// ProbeExchange is one request and the start of its answer.
type ProbeExchange struct {
	Sent     string `json:"sent"`
	Received string `json:"received"`
	Error    string `json:"error,omitempty"`
}

// RedisProbe is a Redis server's answer to PING without credentials.
type RedisProbe struct {
	ProbeTarget
	// Reply is the first line of the answer (redacted, at most 256 bytes).
	Reply string `json:"reply"`
	// Kind classifies it: noauth (-NOAUTH: a password is required), pong
	// (+PONG: no authentication), denied (-DENIED: protected mode, no
	// password set), other, or none (no answer).
	Kind string `json:"kind" jsonschema:"enum=noauth,enum=pong,enum=denied,enum=other,enum=none"`
	// Version is redis_version from INFO server, asked only when PING
	// needed no password.
	Version string `json:"version,omitempty"`
}

// FlowerProbe is Flower's answer to unauthenticated GETs.
type FlowerProbe struct {
	ProbeTarget
	// RootStatus and APIStatus are the HTTP status of GET / and GET
	// /api/workers (0: no HTTP answer).
	RootStatus int `json:"root_status"`
	APIStatus  int `json:"api_status"`
}

// RayProbe is the Ray dashboard's answer to unauthenticated GETs.
type RayProbe struct {
	ProbeTarget
	// AuthMode is what GET /api/authentication_mode says: token, disabled,
	// absent (404: Ray before 2.52 has no token authentication) or unknown.
	AuthMode   string `json:"auth_mode" jsonschema:"enum=token,enum=disabled,enum=absent,enum=unknown"`
	ModeStatus int    `json:"mode_status"`
	// VersionStatus is the HTTP status of GET /api/version without a
	// token: 200 means the control plane answers anyone.
	VersionStatus int    `json:"version_status"`
	RayVersion    string `json:"ray_version,omitempty"`
}

// GrafanaProbe is Grafana's answer to an anonymous GET /api/org.
type GrafanaProbe struct {
	ProbeTarget
	AnonStatus int `json:"anon_status"`
}

// AbsentPort is a registry port with no listening socket.
type AbsentPort struct {
	Port     int    `json:"port"`
	Proto    string `json:"proto"`
	Service  string `json:"service"`
	Kind     string `json:"kind"`
	Evidence string `json:"evidence"`
}

// Reachability is one port of a target as a `mlscan probe` run from
// another host found it.
type Reachability struct {
	VantageAddr string  `json:"vantage_addr"`
	Target      string  `json:"target"`
	Port        int     `json:"port"`
	Proto       string  `json:"proto"`
	State       string  `json:"state" jsonschema:"enum=open,enum=closed,enum=filtered,enum=error"`
	Error       string  `json:"error,omitempty"`
	DurationMS  float64 `json:"duration_ms"`
	// Predicted is what the packet-path model said of this connection,
	// from the target's own snapshot (`mlscan probe --host-snapshot`);
	// absent without one.
	Predicted *Prediction `json:"predicted,omitempty"`
}

// Prediction is the model's verdict for one probed port from the
// probe's vantage, computed from the target host's snapshot.
type Prediction struct {
	// Verdict is reachable, unreachable or unknown.
	Verdict string `json:"verdict" jsonschema:"enum=reachable,enum=unreachable,enum=unknown"`
	// Reason is the path that decided, as a sentence, or why the model
	// could not decide.
	Reason string `json:"reason"`
	// Rules are the deciding rules as the kernel holds them.
	Rules []string `json:"rules,omitempty"`
	// HostSnapshot names the target's snapshot the prediction comes from,
	// and CollectedAt is when that snapshot was collected.
	HostSnapshot string    `json:"host_snapshot"`
	CollectedAt  time.Time `json:"collected_at"`
}
