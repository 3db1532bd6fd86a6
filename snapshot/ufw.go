package snapshot

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
