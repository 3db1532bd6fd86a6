package mlscan.lib.status_test

import data.mlscan.lib.status

test_ok if {
	status.ok({"status": "ok"})
	not status.ok({"status": "permission"})
	not status.ok({})
	not status.ok({"status": "ok "})
}

test_collected if {
	status.collected("sockets") with input as {"collectors": {"sockets": {"status": "ok"}}}
	not status.collected("sockets") with input as {"collectors": {"sockets": {"status": "failed"}}}
	not status.collected("sockets") with input as {"collectors": {}}
	not status.collected("sockets") with input as {}
}

test_why if {
	status.why({"status": "permission", "error": "needs root"}) == "needs root"
	status.why({"status": "permission", "error": ""}) == "permission"
	status.why({"status": "permission"}) == "permission"
}

test_state if {
	status.state({"status": "failed", "error": "timeout"}) == "failed (timeout)"
	status.state({"status": "skipped"}) == "skipped"
	status.state({}) == "not collected"
	status.collector_state("docker") == "not collected" with input as {"collectors": {}}
	status.collector_state("docker") == "unavailable (no socket)" with input as {"collectors": {"docker": {"status": "unavailable", "error": "no socket"}}}
}
