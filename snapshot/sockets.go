package snapshot

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
