package mlscan.containers.host_network_test

import data.mlscan.containers.host_network as check
import data.mlscan.lib.docker_fixtures as d

test_registered_service_passes if {
	# redis is an owner of 6380 in the default registry.
	p := d.by_subject(check.pass, "container redis-celery (compose service redis)") with input as d.doc
	contains(p.message, "declared in the registry as redis")
}

test_unregistered_host_container_fails if {
	"container web (compose service web)" in d.subjects(check.deny) with input as d.doc
}

test_bridge_containers_not_judged if {
	c := d.mod(d.web, {"network_mode": "bridge"})
	count(check.deny) == 0 with input as d.host([c])
	some n in check.not_applicable with input as d.host([c])
	contains(n.message, "no host-network containers")
}
