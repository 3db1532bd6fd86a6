# Target constructors: the structured subject of a result ("target"
# beside "subject"), what reports, diff and waivers' tooling join on
# instead of reading the subject string. Kinds and fields (the engine
# checks them, scanner Target.Validate; an invalid target makes the check
# an error):
#   port      {port, proto[, registry]}          subject "6379/tcp"
#   listener  {address, port, proto[, registry]} subject "10.0.0.84:8265"
#   container {container[, port, proto]}         subject "container ray-head ..."
#   registry  {registry[, port, proto]}          subject "registry 6379/tcp ray-gcs"
#   firewall  {[port, proto]}                    UFW as a whole, or one rule
#   service   {service}                          sshd, fail2ban, dockerd, ray
#   host      {}                                 the host as a whole
# Port and listener targets name the registry entry that covers their
# port ("registry": its service), so a report can say which entry a port
# belongs to without knowing any check.
package mlscan.lib.target

import data.mlscan.lib.network

# port is a port and protocol, whatever address listens on it.
port(p, proto) := {"kind": "port", "port": p, "proto": proto, "registry": e.service} if {
	e := network.registry_entry(p, proto)
} else := {"kind": "port", "port": p, "proto": proto}

# listener is one listening socket (address as netip prints it: no
# brackets around an IPv6 address).
listener(l) := listener_at(l.address, l.port, l.proto)

# listener_at is the listener at address, port and proto (a probe's).
listener_at(address, p, proto) := {"kind": "listener", "address": address, "port": p, "proto": proto, "registry": e.service} if {
	e := network.registry_entry(p, proto)
} else := {"kind": "listener", "address": address, "port": p, "proto": proto}

# container is a container, by name.
container(c) := {"kind": "container", "container": c.name}

# container_port is one port of a container.
container_port(c, p, proto) := {"kind": "container", "container": c.name, "port": p, "proto": proto}

# registry is an entry of the port registry; a range entry (end_port)
# names no single port.
registry(e) := {"kind": "registry", "registry": e.service, "port": e.port, "proto": e.proto} if {
	object.get(e, "end_port", 0) in {0, e.port}
} else := {"kind": "registry", "registry": e.service, "proto": e.proto}

# service is a host service that is not a container: "sshd", "fail2ban",
# "dockerd", "ray".
service(name) := {"kind": "service", "service": name}

# firewall is the host firewall (UFW) as a whole: its state, defaults,
# logging, IPv6 handling.
firewall := {"kind": "firewall"}

# firewall_port is the host firewall about one port.
firewall_port(p, proto) := {"kind": "firewall", "port": p, "proto": proto}

# firewall_rule is a UFW rule: about its port when it names exactly one
# port of one protocol, else about the firewall as a whole.
firewall_rule(r) := firewall_port(x.from, r.proto) if {
	count(r.to_ranges) == 1
	x := r.to_ranges[0]
	x.from == x.to
	r.proto in {"tcp", "udp"}
} else := firewall

# host is the host as a whole.
host := {"kind": "host"}

# probe is the listener a probe of the probes collector talked to (TCP).
probe(p) := listener_at(p.address, p.port, "tcp")
