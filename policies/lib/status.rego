# The one way to say "the data is missing". Every collector, snapshot
# section and item that can fail records a status; its facts are usable
# only when that status is "ok". Anything else (another status, no status,
# no record at all) is missing data, which a check turns into unknown,
# never into pass, saying why with why(x) or state(x). Positive evidence
# that something does not exist (no engine, no sshd) is data, not missing
# data: checks report it as not applicable.
package mlscan.lib.status

# ok(x) holds when x (a collector's record, a snapshot section, an item
# such as a file or a jail) was collected: its status is "ok". An
# undefined x is not ok.
ok(x) if x.status == "ok"

# collected(name) holds when collector name ran and recorded status ok.
collected(name) if ok(input.collectors[name])

# why(x) is what went wrong with x, for a message: its error, else its
# status ("permission").
why(x) := x.error if {
	is_string(x.error)
	x.error != ""
} else := x.status

# state(x) is x's status with its error ("permission (open
# /etc/ufw/user.rules: permission denied)"), its status alone when it
# recorded no error, or "not collected" when there is no status.
state(x) := sprintf("%s (%s)", [x.status, x.error]) if {
	is_string(x.error)
	x.error != ""
} else := x.status if {
	x.status
} else := "not collected"

# collector_state(name) is state() of collector name's record.
collector_state(name) := state(object.get(input, ["collectors", name], {}))
