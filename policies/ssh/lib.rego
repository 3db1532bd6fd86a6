# SSH helpers: sshd's effective settings, where each came from, and the
# note a result carries when they were derived from the files.
package mlscan.ssh.lib

sshd := object.get(input, "sshd", {})

effective := object.get(sshd, "effective", {})

# value is a setting's lower-case effective value, undefined when unknown.
value(k) := lower(effective[k])

# from_files: the settings were derived from sshd_config and its Includes,
# not printed by sshd -T.
from_files if sshd.source == "files"

derived_note := sprintf(" (derived from %s and its Includes, first value wins: %s)", [sshd.from, object.get(sshd, ["test", "error"], "sshd -T was not run")]) if from_files else := ""

# origin_str says where a setting came from.
origin_str(k) := sprintf(" (%s:%d)", [o.file, o.line]) if {
	o := sshd.origins[k]
} else := " (no file sets it: OpenSSH's default)" if {
	k in object.get(sshd, "defaulted", [])
} else := ""

# location points at the file and line that set k.
location(k) := {"file": o.file, "line": o.line, "what": sprintf("sshd_config %s", [k])} if o := sshd.origins[k]

with_location(entry, k) := object.union(entry, {"location": location(k)}) if location(k) else := entry

source := sprintf("%s%s", [sshd.from, files_part])

files_part := sprintf(" (files: %s)", [concat(", ", [f.from | some f in object.get(sshd, "files", [])])]) if from_files else := ""

# conditional(k, v) are the Match blocks that set k to v.
conditional(k, v) := [c | some c in object.get(sshd, "conditional", []); c.keyword == k; lower(c.value) == v]

# absent holds on positive evidence that no SSH server runs here: no sshd
# binary, no sshd_config, and the sockets collector saw nothing listening
# on 22/tcp. Without that evidence (the sockets collector did not run, or
# something listens on 22) the checks stay unknown.
absent if {
	sshd.installed == false
	count(object.get(sshd, "files", [])) == 0
	object.get(input, ["collectors", "sockets", "status"], "") == "ok"
	not ssh_port_listening
}

ssh_port_listening if {
	some l in object.get(input, ["sockets", "listeners"], [])
	l.port == 22
	l.proto == "tcp"
}

# none is the not-applicable result of an SSH check on a host without sshd.
none := {
	"subject": "sshd",
	"message": sprintf("no SSH server: sshd is not installed (no binary, no %s) and nothing listens on 22/tcp", [sshd.from]),
	"evidence": {"observed": "no sshd binary, no sshd_config, no listener on 22/tcp", "expected": "an sshd to harden, or none", "source": "sshd and sockets collectors"},
}
