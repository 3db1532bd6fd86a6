// Package snapshot is the contract between collection and evaluation: the
// types of the versioned JSON snapshot mlscan writes for one host, its
// SchemaVersion, the Status values of collectors and sources, the JSON
// Schema generated from the types, and Decode, which validates a snapshot
// file and returns both the typed Snapshot and the document Rego reads.
// The collectors package writes it and the scanner package reads it; they
// never import each other. This package imports nothing of mlscan.
package snapshot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SchemaVersion is the version of the snapshot format this build writes.
// It changes when a field changes meaning or is removed, or when what
// the checks need is added: 2 adds host.interfaces and the netfilter
// section, without which the reachability checks are unknown.
const SchemaVersion = 2

// MinSchemaVersion is the oldest snapshot format this build still
// evaluates (its missing sections make the checks that need them unknown).
const MinSchemaVersion = 1

// Status is how a collector, or one source of a section, fared.
type Status string

// Collector and source status values recorded in a Snapshot.
const (
	StatusOK          Status = "ok"          // the section was collected
	StatusError       Status = "error"       // the collector ran and failed
	StatusUnavailable Status = "unavailable" // the source does not exist here (not installed, no daemon)
	StatusSkipped     Status = "skipped"     // the user asked not to run it
	StatusPermission  Status = "permission"  // the source exists but needs more privilege (run as root)
)

// Snapshot is everything mlscan learnt about one host in one collection.
type Snapshot struct {
	SchemaVersion int                        `json:"schema_version" jsonschema:"enum=1,enum=2"`
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
	Netfilter     *NetfilterSection          `json:"netfilter,omitempty"`
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
	// Interfaces are the network interfaces that are up, sorted by name,
	// each with every address it holds (loopback and link-local
	// included) as a prefix: the routes and the local addresses the
	// packet-path model needs. Absent in snapshots written before schema 2.
	Interfaces []Interface `json:"interfaces,omitempty"`
}

// Interface is one network interface and its addresses.
type Interface struct {
	Name string `json:"name"`
	// Addresses are CIDR prefixes with the host's address ("10.0.0.84/24",
	// "fe80::1/64"), sorted.
	Addresses []string `json:"addresses"`
}

// CollectorResult records how one collector fared.
type CollectorResult struct {
	Status     Status  `json:"status" jsonschema:"enum=ok,enum=error,enum=unavailable,enum=skipped,enum=permission"`
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// Source is the provenance and outcome of one part of a section that may be
// collected, or fail, on its own (a file, a command).
type Source struct {
	Status Status `json:"status" jsonschema:"enum=ok,enum=error,enum=unavailable,enum=skipped,enum=permission"`
	Error  string `json:"error,omitempty"`
	// From is the file or command the data came from.
	From string `json:"from,omitempty"`
}

// PortRange is an inclusive range of ports.
type PortRange struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// ParsePortRanges reads a port list as iptables and ufw write it: "22",
// "1000:2000", "80,443,1000:2000" (":1024" and "1024:" run from 0 and to
// 65535).
func ParsePortRanges(s string) ([]PortRange, error) {
	var out []PortRange
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		if !isRange {
			hi = lo
		}
		if lo == "" && isRange {
			lo = "0"
		}
		if hi == "" && isRange {
			hi = "65535"
		}
		from, err1 := strconv.Atoi(lo)
		to, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || from < 0 || to > 65535 || from > to {
			return nil, fmt.Errorf("not a port or range: %q", part)
		}
		out = append(out, PortRange{From: from, To: to})
	}
	return out, nil
}
