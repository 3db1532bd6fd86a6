package snapshot

import "encoding/json"

// NetfilterSection is the kernel's packet-filtering ruleset as the kernel
// holds it: what iptables-save and ip6tables-save print for each family,
// and the native nftables tables that iptables does not show. It is
// evidence for the packet-path model; no check reads it yet. Absent in
// snapshots written before it existed.
type NetfilterSection struct {
	IPv4 NetfilterFamily `json:"ipv4"`
	IPv6 NetfilterFamily `json:"ipv6"`
	// NFTables is `nft -j list ruleset` (libnftables-json(5)), summarised.
	NFTables NFTRuleset `json:"nftables"`
}

// NetfilterFamily is one family's iptables ruleset. From says which
// command and backend printed it: "iptables-save (nf_tables)" or
// "iptables-save (legacy)" (ip6tables-save for IPv6).
type NetfilterFamily struct {
	Source
	// Tables are in the order the command printed them (raw, mangle, nat,
	// filter, security, as far as they exist).
	Tables []NetfilterTable `json:"tables"`
	// Notes are the command's own warnings, verbatim (legacy tables present
	// beside nf_tables ones, a table iptables cannot show).
	Notes []string `json:"notes,omitempty"`
}

// NetfilterTable is one table with its chains and its rules in order.
type NetfilterTable struct {
	Name   string           `json:"name"`
	Chains []NetfilterChain `json:"chains"`
	// Rules are every rule of the table in the order printed, which within
	// a chain is the order the kernel tries them.
	Rules []NetfilterRule `json:"rules"`
}

// NetfilterChain is a chain; its packet and byte counters are dropped.
type NetfilterChain struct {
	Name string `json:"name"`
	// Policy is ACCEPT or DROP for a built-in chain, "" for a user chain.
	Policy string `json:"policy"`
}

// NetfilterRule is one rule: its raw text and the parts the collector
// could parse. A rule not understood keeps its text and says why in
// Unparsed; the parsed parts are then incomplete.
type NetfilterRule struct {
	Table string `json:"table"`
	Chain string `json:"chain"`
	// Text is the rule as iptables-save prints it after "-A CHAIN "
	// (a comment that looks like a secret is redacted).
	Text string `json:"text"`
	// Protocol is the -p value ("tcp", "udp", "icmp", ...), "" for any.
	Protocol    string `json:"protocol,omitempty"`
	Source      string `json:"source,omitempty"`
	Destination string `json:"destination,omitempty"`
	InIface     string `json:"in_interface,omitempty"`
	OutIface    string `json:"out_interface,omitempty"`
	// DPorts and SPorts are the destination and source ports of the tcp,
	// udp and multiport matches as inclusive ranges; empty means any.
	DPorts []PortRange `json:"dports,omitempty"`
	SPorts []PortRange `json:"sports,omitempty"`
	// Matches are the -m modules in order with their options as printed.
	Matches []NetfilterMatch `json:"matches,omitempty"`
	// Jump is the -j target, or the -g chain when Goto; "" when none.
	Jump string `json:"jump,omitempty"`
	Goto bool   `json:"goto,omitempty"`
	// TargetOptions are the words after the target, as printed
	// (["--to-destination", "172.17.0.2:8080"]).
	TargetOptions []string `json:"target_options,omitempty"`
	// Comment is the comment match's text (redacted where it looks like
	// a secret).
	Comment string `json:"comment,omitempty"`
	// Negated names the parsed parts written with "!": protocol, source,
	// destination, in_interface, out_interface, dports, sports, fragment.
	Negated []string `json:"negated,omitempty"`
	// Unparsed says why the rule was not fully understood; "" when it was.
	Unparsed string `json:"unparsed,omitempty"`
}

// NetfilterMatch is one -m module and its options.
type NetfilterMatch struct {
	Module string `json:"module"`
	// Options are the words after "-m MODULE" up to the next match or
	// target, "!" included.
	Options []string `json:"options,omitempty"`
}

// NFTRuleset summarises `nft -j list ruleset`: every table with its
// chains and rule count, and the rules of the tables iptables does not
// show.
type NFTRuleset struct {
	Source
	Tables []NFTTable `json:"tables"`
}

// NFTTable is one nftables table.
type NFTTable struct {
	// Family is ip, ip6, inet, arp, bridge or netdev.
	Family string `json:"family"`
	Name   string `json:"name"`
	// IPTables is true for the tables iptables-nft manages (families ip
	// and ip6, named raw, mangle, nat, filter or security): those are in
	// the iptables section already. The others are native nftables.
	IPTables bool       `json:"iptables"`
	Chains   []NFTChain `json:"chains"`
	Rules    int        `json:"rules"`
	// RuleExprs are a native table's rules in order; absent for
	// iptables tables.
	RuleExprs []NFTRule `json:"rule_exprs,omitempty"`
}

// NFTChain is one chain of an nftables table; a base chain has a hook.
type NFTChain struct {
	Name     string `json:"name"`
	Type     string `json:"type,omitempty"`
	Hook     string `json:"hook,omitempty"`
	Priority *int   `json:"priority,omitempty"`
	Policy   string `json:"policy,omitempty"`
}

// NFTRule is one rule of a native nftables table.
type NFTRule struct {
	Chain   string `json:"chain"`
	Comment string `json:"comment,omitempty"`
	// Expr is the rule's "expr" array as nft prints it, with counters'
	// values dropped; absent when larger than 4 KiB (ExprOmitted).
	Expr        json.RawMessage `json:"expr,omitempty"`
	ExprOmitted bool            `json:"expr_omitted,omitempty"`
}
