# SSH helpers: sshd's effective settings, where each came from, and the
# note a result carries when they were derived from the files.
package mlscan.lib.ssh

import data.mlscan.lib.status
import data.mlscan.lib.target

sshd := object.get(input, "sshd", {})

effective := object.get(sshd, "effective", {})

# value is a setting's lower-case effective value, undefined when unknown.
value(k) := lower(effective[k])

# from_files: the settings were derived from sshd_config and its Includes,
# not printed by sshd -T.
from_files if sshd.source == "files"

derived_note := sprintf(" (derived from %s and its Includes, first value wins: %s)", [sshd.from, object.get(sshd, ["test", "error"], "sshd -T was not run")]) if from_files

else := ""

# origin_str says where a setting came from.
origin_str(k) := sprintf(" (%s:%d)", [o.file, o.line]) if {
	o := sshd.origins[k]
} else := " (no file sets it: OpenSSH's default)" if {
	k in object.get(sshd, "defaulted", [])
} else := ""

# location points at the file and line that set k.
location(k) := {"file": o.file, "line": o.line, "what": sprintf("sshd_config %s", [k])} if o := sshd.origins[k]

with_location(entry, k) := object.union(entry, {"location": location(k)}) if location(k)

else := entry

source := sprintf("%s%s", [sshd.from, files_part])

files_part := sprintf(" (files: %s)", [concat(", ", [f.from | some f in object.get(sshd, "files", [])])]) if from_files

else := ""

# conditional(k, v) are the Match blocks that set k to v. A setting inside
# a Match block is never host-wide, whatever its value.
conditional(k, v) := [c | some c in object.get(sshd, "conditional", []); c.keyword == k; lower(c.value) == v]

# unparsed are the sshd_config lines mlscan did not understand (or
# Includes it could not read), each with the keywords it could set.
unparsed := object.get(sshd, "unparsed", [])

# could_set(u, k): line u could set keyword k ("*": any keyword).
could_set(u, k) if k in u.affects

could_set(u, _) if "*" in u.affects

# unknown_why(k) names the first global line not understood that could
# set k, for the message of a setting whose value is unknown.
unknown_why(k) := sprintf(": %s:%d %q could set it (%s)", [u.file, u.line, u.text, u.reason]) if {
	us := [u | some u in unparsed; u.match == ""; could_set(u, k)]
	u := us[0]
} else := ""

# scoped_unknown(k) are the lines not understood inside Match blocks that
# could set k for the connections the block matches: what those
# connections get is unknown, whatever the global value.
scoped_unknown(k) := [u | some u in unparsed; u.match != ""; could_set(u, k)]

# scoped_unknown_entry is the unknown result for such a line.
scoped_unknown_entry(u, k, want) := {
	"subject": sprintf("sshd Match %s", [u.match]),
	"target": target.service("sshd"),
	"message": sprintf("sshd's %s for connections matching %q is unknown: %s:%d %q could set it (%s)", [k, u.match, u.file, u.line, u.text, u.reason]),
	"evidence": {"observed": sprintf("%s:%d %s", [u.file, u.line, u.text]), "expected": sprintf("%s %s in every Match block", [k, want]), "source": u.file},
	"location": {"file": u.file, "line": u.line, "what": "sshd_config line not understood"},
}

# conditional_entry is the failure of a Match block that sets k to a
# value the check refuses.
conditional_entry(c, msg) := {
	"subject": sprintf("sshd Match %s", [c.match]),
	"target": target.service("sshd"),
	"message": sprintf("%s for connections matching %q (%s:%d)", [msg, c.match, c.file, c.line]),
	"evidence": {"observed": sprintf("Match %s / %s %s", [c.match, c.keyword, c.value]), "expected": sprintf("no Match block setting %s %s", [c.keyword, c.value]), "source": c.file},
	"location": {"file": c.file, "line": c.line, "what": "sshd_config Match block"},
}

# absent holds on positive evidence that no SSH server runs here: no sshd
# binary, no sshd_config, and the sockets collector saw nothing listening
# on 22/tcp. Without that evidence (the sockets collector did not run, or
# something listens on 22) the checks stay unknown.
absent if {
	sshd.installed == false
	count(object.get(sshd, "files", [])) == 0
	status.collected("sockets")
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
	"target": target.service("sshd"),
	"message": sprintf("no SSH server: sshd is not installed (no binary, no %s) and nothing listens on 22/tcp", [sshd.from]),
	"evidence": {"observed": "no sshd binary, no sshd_config, no listener on 22/tcp", "expected": "an sshd to harden, or none", "source": "sshd and sockets collectors"},
}
