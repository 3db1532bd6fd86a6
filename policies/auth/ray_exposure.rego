# METADATA
# title: Ray client and GCS not reachable unauthenticated from outside
# description: >-
#   The Ray client server (10001) runs whatever a client sends, and the GCS
#   (6379) is the cluster's control store. Neither may be reachable from
#   outside the trusted networks unless Ray's token authentication is on.
#   mlscan follows a connection from outside to each of their listeners
#   through the kernel's netfilter rules (as MLS-EXP-001 does) and reads
#   the authentication mode from the dashboard probe or the Ray
#   containers' RAY_AUTH_MODE.
# custom:
#   id: MLS-AUTH-003
#   severity: high
#   requires: [sockets, netfilter]
#   remediation: "Scope UFW to the cluster (`sudo ufw allow from 10.0.0.0/24 to any port 10001 proto tcp`, same for 6379) and enable Ray token authentication (`RAY_AUTH_MODE=token`, Ray >= 2.52)"
#   references: ["https://docs.ray.io/en/latest/ray-security/index.html", "CVE-2023-48022", "https://nvd.nist.gov/vuln/detail/CVE-2023-48022", "https://docs.ray.io/en/latest/ray-core/configure.html#ports-configurations"]
package mlscan.auth.ray_exposure

import data.mlscan.lib.model
import data.mlscan.lib.network
import data.mlscan.lib.services as svc
import data.mlscan.lib.target

# entries are the registry's Ray client and GCS ports.
entries contains e if {
	some e in data.mlscan.config.registry
	e.category == "ray"
	svc.pinned(e)
	some w in ["client", "gcs"]
	contains(e.service, w)
}

token_on if {
	some p in object.get(svc.probes, "ray", [])
	p.auth_mode == "token"
}

token_on if {
	some c in svc.of_kind("ray")
	svc.env_value(c, "RAY_AUTH_MODE") == "token"
}

token_str := "on" if token_on

else := "off (no dashboard probe or container reports RAY_AUTH_MODE=token)"

# outside(e) is the reach from outside of each non-loopback listener on
# e's port (input.model).
outside(e) := [[l, model.listener(i).outside] |
	some i, l in svc.listeners
	l.port == e.port
	l.proto == e.proto
	not l.loopback
]

exposed(e) := [sprintf("%s: %s", [network.listener_str(l), model.reach_str(r)]) |
	some [l, r] in outside(e)
	r.verdict == "reachable"
]

# doubtful(e): listeners whose reach the model could not decide.
doubtful(e) := [sprintf("%s: %s", [network.listener_str(l), model.reach_str(r)]) |
	some [l, r] in outside(e)
	not r.verdict in {"reachable", "unreachable"}
]

listeners_of(e) := [network.listener_str(l) | some l in svc.listeners; l.port == e.port; l.proto == e.proto]

subject(e) := network.port_str(e.port, e.proto)

deny contains {
	"subject": subject(e),
	"target": target.port(e.port, e.proto),
	"message": sprintf("%s %s is reachable from outside %s and Ray token authentication is %s", [e.service, subject(e), network.trusted_str, token_str]),
	"evidence": {"observed": exposed(e), "expected": sprintf("reachable only from %s, or token authentication on", [network.trusted_str]), "source": sprintf("/proc/net, %s, probes", [model.ruleset_source])},
} if {
	some e in entries
	count(exposed(e)) > 0
	not token_on
}

pass contains {
	"subject": subject(e),
	"target": target.port(e.port, e.proto),
	"message": sprintf("%s %s is reachable from outside %s, but Ray token authentication is on", [e.service, subject(e), network.trusted_str]),
	"evidence": {"observed": exposed(e), "expected": sprintf("reachable only from %s, or token authentication on", [network.trusted_str]), "source": sprintf("/proc/net, %s, probes", [model.ruleset_source])},
} if {
	some e in entries
	count(exposed(e)) > 0
	token_on
}

unknown contains {
	"subject": subject(e),
	"target": target.port(e.port, e.proto),
	"message": sprintf("%s %s: cannot tell whether it is reachable from outside %s, and Ray token authentication is %s", [e.service, subject(e), network.trusted_str, token_str]),
	"evidence": {"observed": doubtful(e), "expected": sprintf("reachable only from %s, or token authentication on", [network.trusted_str]), "source": sprintf("/proc/net, %s, probes", [model.ruleset_source])},
} if {
	some e in entries
	count(exposed(e)) == 0
	count(doubtful(e)) > 0
	not token_on
}

pass contains {
	"subject": subject(e),
	"target": target.port(e.port, e.proto),
	"message": sprintf("%s %s: whether it is reachable from outside %s cannot be told, but Ray token authentication is on", [e.service, subject(e), network.trusted_str]),
	"evidence": {"observed": doubtful(e), "expected": sprintf("reachable only from %s, or token authentication on", [network.trusted_str]), "source": sprintf("/proc/net, %s, probes", [model.ruleset_source])},
} if {
	some e in entries
	count(exposed(e)) == 0
	count(doubtful(e)) > 0
	token_on
}

pass contains {
	"subject": subject(e),
	"target": target.port(e.port, e.proto),
	"message": sprintf("%s %s is not reachable from outside %s", [e.service, subject(e), network.trusted_str]),
	"evidence": {"observed": listeners_of(e), "expected": sprintf("reachable only from %s", [network.trusted_str]), "source": sprintf("/proc/net, %s", [model.ruleset_source])},
} if {
	some e in entries
	count(listeners_of(e)) > 0
	count(exposed(e)) == 0
	count(doubtful(e)) == 0
}

not_applicable contains {
	"subject": subject(e),
	"target": target.port(e.port, e.proto),
	"message": sprintf("nothing listens on %s (%s)", [subject(e), e.service]),
	"evidence": {"observed": "no listening socket", "expected": e.service, "source": "/proc/net"},
} if {
	some e in entries
	count(listeners_of(e)) == 0
}

# A container whose inspect call failed is unknown, not judged.
unknown contains e if some e in svc.uninspected
