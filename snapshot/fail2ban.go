package snapshot

// Fail2banSection is fail2ban's state as its server reports it through
// `fail2ban-client status` (root only: the client talks to a root-owned
// unix socket), and what each running jail protects as the jail
// configuration says (the server's answers name jails, not their filters
// or ports).
type Fail2banSection struct {
	// Installed is true when fail2ban-client exists.
	Installed bool `json:"installed"`
	// Running is true when the server answered. False with Client.Status
	// ok is positive evidence: the client found no server socket, or
	// fail2ban is not installed.
	Running bool `json:"running"`
	// Client is the outcome of `fail2ban-client status`.
	Client Source `json:"client"`
	// Jails are the jails the server runs, as listed.
	Jails []string `json:"jails"`
	// SSHD is the state of the jail named sshd, when it runs (also in
	// JailConfig; kept for readers of earlier snapshots).
	SSHD *Fail2banJail `json:"sshd,omitempty"`
	// Config is the outcome of reading the jail configuration
	// (jail.conf, jail.d/*.conf, jail.local, jail.d/*.local): what each
	// jail protects is written there, not in the server's answers.
	Config *Source `json:"config,omitempty"`
	// JailConfig is, for each running jail in Jails order, its filter and
	// banned ports (absent when fail2ban does not run).
	JailConfig []Fail2banJailConfig `json:"jail_config,omitempty"`
	// ServerPID is a fail2ban-server process seen in /proc (0: none seen).
	ServerPID int `json:"server_pid,omitempty"`
	// Evidence states what was looked at when fail2ban is not running or
	// not installed.
	Evidence string `json:"evidence,omitempty"`
}

// Fail2banJail is one jail as `fail2ban-client status JAIL` prints it.
type Fail2banJail struct {
	Source
	Name            string `json:"name"`
	CurrentlyFailed int    `json:"currently_failed"`
	TotalFailed     int    `json:"total_failed"`
	CurrentlyBanned int    `json:"currently_banned"`
	TotalBanned     int    `json:"total_banned"`
	// Files are the log files the jail watches (File list); JournalMatches
	// the systemd journal filter of a systemd backend.
	Files          []string `json:"files"`
	JournalMatches string   `json:"journal_matches,omitempty"`
	BannedIPs      []string `json:"banned_ips"`
}

// Fail2banJailConfig is what a running jail's configuration says it
// protects: the filter that reads the log, and the ports its actions ban.
type Fail2banJailConfig struct {
	// Status is ok when the jail's filter and ports were read; otherwise
	// Error says why (no section for the jail, a value that does not
	// interpolate, an action whose action.d file was not read, or whose
	// bans are not known while no other action of the jail bans) and the
	// jail's protection is unknown.
	Source
	Name string `json:"name"`
	// Filter is the filter's name without options ("sshd" for
	// `sshd[mode=aggressive]`); empty when the jail sets none.
	Filter string `json:"filter"`
	// FilterSpec is the filter value as configured, interpolated.
	FilterSpec string `json:"filter_spec,omitempty"`
	// Ports are the port specifications the jail's ban actions ban, as
	// written (`ssh`, `22`, `0:65535`, `http,https` split into words):
	// each action's port= option, else its action.d file's [Init] port.
	// Actions that only send mail or report the address add none: a jail
	// with no ports and not AllPorts bans nothing.
	Ports []string `json:"ports"`
	// PortRanges are Ports resolved to TCP port numbers (names through
	// the host's /etc/services).
	PortRanges []PortRange `json:"port_ranges"`
	// Unresolved are the port words that are neither a number, a range nor
	// a service name of /etc/services.
	Unresolved []string `json:"unresolved_ports,omitempty"`
	// AllPorts is true when an action bans the address on every port
	// (`*-allports`, `route`, type = allports, and the actions that take
	// no port: `ufw` without an application, `apf`, `shorewall`, ...).
	AllPorts bool `json:"all_ports,omitempty"`
	// State is the jail's `fail2ban-client status JAIL`, asked for the
	// jails that may protect SSH.
	State *Fail2banJail `json:"state,omitempty"`
}
