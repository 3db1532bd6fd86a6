# METADATA
# title: UFW installed, enabled and active (logging on)
# description: >-
#   The host's security rests on UFW: it must be installed, active now
#   (`ufw status`), enabled at boot (ENABLED=yes in /etc/ufw/ufw.conf) and
#   logging. Without root only ufw.conf can be read, which is not proof that
#   the firewall is loaded: the result is then unknown.
# custom:
#   id: MLS-FW-001
#   severity: critical
#   requires: [ufw]
#   remediation: "`sudo ufw enable` (sets ENABLED=yes and loads the rules); `sudo ufw logging low`."
#   references: ["https://manpages.ubuntu.com/manpages/noble/man8/ufw.8.html", "CIS Ubuntu Linux 3.5.1.3"]
package mlscan.firewall.ufw_enabled

import data.mlscan.lib.status
import data.mlscan.lib.target

u := input.ufw

deny contains {
	"subject": "ufw",
	"target": target.firewall,
	"message": "UFW is not installed: nothing filters incoming traffic",
	"evidence": {"observed": "no /usr/sbin/ufw and no /etc/ufw", "expected": "ufw installed and active", "source": "ufw collector"},
} if not u.installed

deny contains {
	"subject": "ufw",
	"target": target.firewall,
	"message": "UFW is inactive (`ufw status`: Status: inactive): every listening port is reachable",
	"evidence": {"observed": "Status: inactive", "expected": "Status: active", "source": u.live.from},
} if {
	u.installed
	status.ok(u.live)
	u.live.active == false
}

deny contains {
	"subject": "ufw",
	"target": target.firewall,
	"message": "UFW is active now but ENABLED=no in ufw.conf: it will not be loaded after a reboot",
	"severity": "high",
	"evidence": {"observed": "ENABLED=no", "expected": "ENABLED=yes", "source": u.conf.from},
} if {
	status.ok(u.live)
	u.live.active == true
	status.ok(u.conf)
	u.conf.enabled == false
}

deny contains {
	"subject": "ufw",
	"target": target.firewall,
	"message": "UFW is not enabled (ENABLED=no in ufw.conf)",
	"evidence": {"observed": "ENABLED=no", "expected": "ENABLED=yes", "source": u.conf.from},
} if {
	u.installed
	not status.ok(u.live)
	status.ok(u.conf)
	u.conf.enabled == false
}

deny contains {
	"subject": "ufw logging",
	"target": target.firewall,
	"message": "UFW logging is off: blocked connections leave no trace",
	"severity": "low",
	"evidence": {"observed": "Logging: off", "expected": "Logging: on (low)", "source": u.live.from},
} if {
	status.ok(u.live)
	u.live.active == true
	u.live.logging == "off"
}

unknown contains {
	"subject": "ufw",
	"target": target.firewall,
	"message": sprintf("UFW's live state could not be read (%s); ufw.conf says ENABLED=yes, which does not prove the rules are loaded. Run mlscan as root.", [status.why(u.live)]),
	"evidence": {"observed": "ENABLED=yes (file only)", "expected": "Status: active", "source": u.conf.from},
} if {
	u.installed
	not status.ok(u.live)
	status.ok(u.conf)
	u.conf.enabled == true
}

unknown contains {
	"subject": "ufw",
	"target": target.firewall,
	"message": sprintf("neither `ufw status` (%s) nor ufw.conf (%s) could be read. Run mlscan as root.", [status.why(u.live), status.why(u.conf)]),
	"evidence": {"expected": "Status: active and ENABLED=yes", "source": "ufw collector"},
} if {
	u.installed
	not status.ok(u.live)
	not status.ok(u.conf)
}

pass contains {
	"subject": "ufw",
	"target": target.firewall,
	"message": "UFW is active and enabled at boot",
	"evidence": {"observed": "Status: active, ENABLED=yes", "expected": "Status: active, ENABLED=yes", "source": sprintf("%s, %s", [u.live.from, u.conf.from])},
} if {
	status.ok(u.live)
	u.live.active == true
	u.conf.enabled == true
}

pass contains {
	"subject": "ufw logging",
	"target": target.firewall,
	"message": sprintf("UFW logging is on (%s)", [u.live.loglevel]),
	"evidence": {"observed": sprintf("Logging: on (%s)", [u.live.loglevel]), "source": u.live.from},
} if {
	status.ok(u.live)
	u.live.active == true
	u.live.logging == "on"
}
