# Reachability helpers for the checks on `mlscan probe` results
# (MLS-EXP-006, MLS-EXP-007): the results, the vantage they came from,
# the registry entry of each probed port and what lets the vantage reach
# it.
package mlscan.lib.reachability

import data.mlscan.lib.network
import data.mlscan.lib.target

# results are the connection attempts of `mlscan probe`; none in a local
# scan.
results := object.get(input, ["probes", "reachability"], [])

# vantage_str says where a probe ran from and whether that is trusted.
vantage_str(v) := sprintf("%s (trusted: loopback)", [v]) if {
	network.is_loopback(v)
} else := sprintf("%s (trusted: inside %s)", [v, network.trusted_str]) if {
	network.within_trusted(v)
} else := sprintf("%s (untrusted: outside %s)", [v, network.trusted_str])

# entry is the registry entry of a probed port.
entry(r) := network.registry_entry(r.port, r.proto)

service(r) := entry(r).service if {
	entry(r)
} else := "unregistered"

# subject names a probed port ("6380/tcp").
subject(r) := network.port_str(r.port, r.proto)

# allowed_by(r) names what lets the vantage reach the port, if anything.
allowed_by(r) := "public port" if {
	network.is_public(r.port, r.proto)
} else := "registry: public" if {
	"public" in entry(r).allowed_sources
} else := sprintf("registry: trusted (%s)", [network.trusted_str]) if {
	"trusted" in entry(r).allowed_sources
	network.within_trusted(r.vantage_addr)
} else := "registry: loopback" if {
	"loopback" in entry(r).allowed_sources
	network.is_loopback(r.vantage_addr)
}

# local_scan is the not-applicable result of a snapshot without probe
# results.
local_scan := {
	"subject": "host",
	"target": target.host,
	"message": "this snapshot holds no reachability: it comes from a local scan; run `mlscan probe TARGET` from another host (a LAN peer, a host outside) to observe it",
	"evidence": {"observed": "no probes.reachability", "expected": "mlscan probe results", "source": "snapshot"},
}
