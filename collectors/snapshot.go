// Package collectors gathers a host's security-relevant facts into one
// versioned JSON Snapshot. The snapshot is the contract between collection
// and evaluation: the scanner package never imports this one, it reads the
// snapshot's JSON.
package collectors

import "time"

// SchemaVersion is the version of the snapshot format this build writes.
// It changes only when a field changes meaning or is removed.
const SchemaVersion = 1

// Collector status values recorded per collector in a Snapshot.
const (
	StatusOK          = "ok"          // the section was collected
	StatusError       = "error"       // the collector ran and failed
	StatusUnavailable = "unavailable" // the source does not exist here (not installed, no daemon)
	StatusSkipped     = "skipped"     // the user asked not to run it
	StatusPermission  = "permission"  // the source exists but needs more privilege (run as root)
)

// Snapshot is everything mlscan learnt about one host in one collection.
type Snapshot struct {
	SchemaVersion int                        `json:"schema_version" jsonschema:"const=1"`
	Tool          Tool                       `json:"tool"`
	Host          Host                       `json:"host"`
	CollectedAt   time.Time                  `json:"collected_at"`
	IsRoot        bool                       `json:"is_root"`
	UID           int                        `json:"uid"`
	Collectors    map[string]CollectorResult `json:"collectors"`
	Sockets       *SocketsSection            `json:"sockets,omitempty"`
	UFW           *UFWSection                `json:"ufw,omitempty"`
	Docker        *DockerSection             `json:"docker,omitempty"`
	Probes        *ProbesSection             `json:"probes,omitempty"`
	SSHD          *SSHDSection               `json:"sshd,omitempty"`
	Fail2ban      *Fail2banSection           `json:"fail2ban,omitempty"`
}

// Tool names the program that wrote a snapshot or report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Host identifies the scanned machine.
type Host struct {
	Hostname string `json:"hostname"`
	// Addresses are the host's non-loopback interface addresses, sorted.
	Addresses []string `json:"addresses"`
	// BindV6Only is net.ipv6.bindv6only; when false a "::" listener also
	// accepts IPv4. Nil when it could not be read.
	BindV6Only *bool `json:"bindv6only,omitempty"`
}

// CollectorResult records how one collector fared.
type CollectorResult struct {
	Status     string  `json:"status" jsonschema:"enum=ok,enum=error,enum=unavailable,enum=skipped,enum=permission"`
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// Source is the provenance and outcome of one part of a section that may be
// collected, or fail, on its own (a file, a command).
type Source struct {
	Status string `json:"status" jsonschema:"enum=ok,enum=error,enum=unavailable,enum=skipped,enum=permission"`
	Error  string `json:"error,omitempty"`
	// From is the file or command the data came from.
	From string `json:"from,omitempty"`
}

// SocketsSection lists the host's listening TCP sockets and bound UDP sockets.
type SocketsSection struct {
	// Owners says whether sockets could be mapped to processes
	// (status permission when not root).
	Owners    Source     `json:"owners"`
	Listeners []Listener `json:"listeners"`
	// EphemeralPorts is the range the kernel picks local ports of
	// outgoing connections from (net.ipv4.ip_local_port_range, IPv6
	// too): a service pinned to a port inside it can find the port taken.
	// Absent when it could not be read.
	EphemeralPorts *PortRange `json:"ephemeral_ports,omitempty"`
	// ReservedPorts are the ports the kernel never hands out as ephemeral
	// (net.ipv4.ip_local_reserved_ports).
	ReservedPorts []PortRange `json:"reserved_ports,omitempty"`
	// DualStackFrom says how the listeners' dual_stack was settled: each
	// socket's IPV6_V6ONLY over sock_diag (live), else net.ipv6.bindv6only.
	DualStackFrom string `json:"dual_stack_from,omitempty"`
}

// Listener is one listening TCP socket or bound UDP socket.
type Listener struct {
	Proto    string `json:"proto" jsonschema:"enum=tcp,enum=udp"`
	Family   string `json:"family" jsonschema:"enum=ipv4,enum=ipv6"`
	Address  string `json:"address"`
	Port     int    `json:"port"`
	Wildcard bool   `json:"wildcard"`
	Loopback bool   `json:"loopback"`
	// DualStack is true for a "::" listener that also accepts IPv4: its
	// IPV6_V6ONLY is off (sock_diag), else net.ipv6.bindv6only=0 or unknown
	// (see SocketsSection.DualStackFrom).
	DualStack bool   `json:"dual_stack"`
	UID       int    `json:"uid"`
	Inode     uint64 `json:"inode"`
	// The owner, filled when the owning process could be read (root).
	PID         int    `json:"pid,omitempty"`
	Process     string `json:"process,omitempty"`
	Command     string `json:"command,omitempty"` // secrets redacted
	ContainerID string `json:"container_id,omitempty"`
	// ContainerName and ComposeService name the container owning the
	// socket, linked from the docker section after collection.
	ContainerName  string `json:"container_name,omitempty"`
	ComposeService string `json:"compose_service,omitempty"`
}

// UFWSection holds the firewall's configuration and live state.
type UFWSection struct {
	// Installed is true when the ufw binary or /etc/ufw exists.
	Installed bool        `json:"installed"`
	Conf      UFWConf     `json:"conf"`
	Defaults  UFWDefaults `json:"defaults"`
	Live      UFWLive     `json:"live"`
	// Rules is the ordered rule list used to compute admission: the live
	// rules when UFW is active and `ufw status` could run, else the rules
	// files (user.rules then user6.rules).
	Rules UFWRules `json:"rules"`
	// AfterRulesDockerBlock is true when /etc/ufw/after.rules holds a
	// DOCKER-USER block (ufw-docker) that filters Docker's published ports,
	// false when it holds none, nil when it could not be read (root only).
	AfterRulesDockerBlock *bool `json:"after_rules_docker_block,omitempty"`
}

// UFWConf is /etc/ufw/ufw.conf.
type UFWConf struct {
	Source
	Enabled  bool   `json:"enabled"`
	LogLevel string `json:"loglevel,omitempty"`
}

// UFWDefaults is /etc/default/ufw.
type UFWDefaults struct {
	Source
	IPv6              bool   `json:"ipv6"`
	InputPolicy       string `json:"input_policy,omitempty"`
	OutputPolicy      string `json:"output_policy,omitempty"`
	ForwardPolicy     string `json:"forward_policy,omitempty"`
	ApplicationPolicy string `json:"application_policy,omitempty"`
	ManageBuiltins    bool   `json:"manage_builtins"`
}

// UFWLive is the state `ufw status verbose` reports (root only).
type UFWLive struct {
	Source
	Active   bool   `json:"active"`
	Logging  string `json:"logging,omitempty"`  // on or off
	LogLevel string `json:"loglevel,omitempty"` // low, medium, ...
	// Default policies as printed: allow, deny, reject; routed may be disabled.
	DefaultIncoming string `json:"default_incoming,omitempty"`
	DefaultOutgoing string `json:"default_outgoing,omitempty"`
	DefaultRouted   string `json:"default_routed,omitempty"`
	// V6Chains is false when UFW runs with IPV6=yes but the ufw6 chains
	// are absent; nil when not checked.
	V6Chains *bool `json:"v6_chains,omitempty"`
}

// UFWRules is the ordered list of user rules with where it came from.
type UFWRules struct {
	Source
	Items []UFWRule `json:"items"`
	// Unparsed are the rule lines the parser did not understand, kept
	// verbatim: each makes unknown only the verdicts it could change,
	// every other rule is still judged. Absent when there are none.
	Unparsed []UFWUnparsedRule `json:"unparsed,omitempty"`
}

// UFWUnparsedRule is a rule line that could not be read, with what could
// still be read of it so that policies can tell which verdicts it can
// change. A partial fact is empty (or PortsKnown false) when unknown.
type UFWUnparsedRule struct {
	// Raw is the line (clipped when very long) and Reason why it was not
	// understood.
	Raw    string `json:"raw"`
	Reason string `json:"reason"`
	// From is the output or file and Line its line number there.
	From string `json:"from"`
	Line int    `json:"line"`
	// Before is the index in Items of the first rule after this line
	// (len(Items) when none): its place in UFW's first-match order.
	Before int `json:"before"`
	// Action is allow, deny, reject or limit when it could be read.
	Action string `json:"action,omitempty"`
	// Direction is in, out or fwd when it could be read.
	Direction string `json:"direction,omitempty"`
	// Family is ipv4 or ipv6 when known, empty when the rule may be either.
	Family string `json:"family,omitempty"`
	// Proto is the protocol when it could be read.
	Proto string `json:"proto,omitempty"`
	// PortsKnown is true when ToRanges are the rule's destination ports
	// (empty: every port).
	PortsKnown bool        `json:"ports_known"`
	ToRanges   []PortRange `json:"to_ranges"`
}

// UFWNet is a rule's source or destination as a network (see
// internal/netspec): what checks compare instead of address strings, so
// that ::1/0 is every IPv6 address as much as "Anywhere (v6)" is.
type UFWNet struct {
	// Canonical is the normalised form: "any", a CIDR with host bits
	// cleared ("10.0.0.0/24", "::/0" for ::1/0), or address/mask for a
	// non-contiguous mask ("10.0.0.1/255.255.0.255").
	Canonical string `json:"canonical"`
	// Any is true when the set is every address of the rule's family.
	Any bool `json:"any"`
	// Family is ipv4 or ipv6.
	Family string `json:"family" jsonschema:"enum=ipv4,enum=ipv6"`
	// Contiguous is false for a non-contiguous mask, which iptables
	// applies as addr&mask: the set is then not a CIDR.
	Contiguous bool `json:"contiguous"`
	// Cover is the smallest CIDR holding every address of the set: the
	// set itself when contiguous, an over-approximation otherwise (a set
	// is inside a CIDR exactly when its Cover is).
	Cover string `json:"cover"`
	// Addr and Mask are the masked address and the mask of a
	// non-contiguous set.
	Addr string `json:"addr,omitempty"`
	Mask string `json:"mask,omitempty"`
}

// UFWRule is one ufw rule as structured data.
type UFWRule struct {
	// Action is allow, deny, reject or limit.
	Action string `json:"action" jsonschema:"enum=allow,enum=deny,enum=reject,enum=limit"`
	// Direction is in, out or fwd (route rules).
	Direction string `json:"direction" jsonschema:"enum=in,enum=out,enum=fwd"`
	// Proto is any, tcp, udp, or another IP protocol name.
	Proto string `json:"proto"`
	// To and From are "any" or an address, CIDR or address/mask, as ufw
	// wrote them; ToNet and FromNet are the same as networks.
	To       string `json:"to"`
	ToPorts  string `json:"to_ports"` // "any", "22", "80,443", "100:200"
	From     string `json:"from"`
	FromPort string `json:"from_ports"`
	// ToRanges and FromRanges are the ports as inclusive ranges; empty
	// means any port.
	ToRanges   []PortRange `json:"to_ranges"`
	FromRanges []PortRange `json:"from_ranges"`
	V6         bool        `json:"v6"`
	IfaceIn    string      `json:"iface_in,omitempty"`
	IfaceOut   string      `json:"iface_out,omitempty"`
	ToApp      string      `json:"to_app,omitempty"`
	FromApp    string      `json:"from_app,omitempty"`
	Log        string      `json:"log,omitempty"` // log or log-all
	Comment    string      `json:"comment,omitempty"`
	// Raw is the line the rule was parsed from.
	Raw string `json:"raw"`
	// ToNet and FromNet are To and From normalised. Absent in snapshots
	// written before they existed: policies then derive them from To and
	// From.
	ToNet   *UFWNet `json:"to_net,omitempty"`
	FromNet *UFWNet `json:"from_net,omitempty"`
}

// PortRange is an inclusive range of ports.
type PortRange struct {
	From int `json:"from"`
	To   int `json:"to"`
}
