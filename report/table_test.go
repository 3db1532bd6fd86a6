package report

import (
	"testing"

	"github.com/mlscan/mlscan/scanner"
)

// TestCollectorSentence checks that each collector state reads as one
// sentence: the state once, the collector's reason, then the fix.
func TestCollectorSentence(t *testing.T) {
	tests := []struct {
		name, collector string
		c               scanner.CollectorHealth
		want            string
	}{
		{
			name: "ok", collector: "ufw",
			c:    scanner.CollectorHealth{Status: "ok"},
			want: "collector ufw: ok.",
		},
		{
			name: "unavailable docker, sentinel word not repeated", collector: "docker",
			c:    scanner.CollectorHealth{Status: "unavailable", Error: "unavailable: no socket at /run/docker.sock; but /usr/sbin/dockerd exists: the daemon is not running"},
			want: "collector docker is unavailable: no socket at /run/docker.sock; but /usr/sbin/dockerd exists: the daemon is not running; the rules that need it are unknown: install or start what it reads, or skip it with --skip-collectors docker if this host has none.",
		},
		{
			name: "unavailable, sentinel at the end", collector: "fail2ban",
			c:    scanner.CollectorHealth{Status: "unavailable", Error: "fail2ban-client not installed: unavailable"},
			want: "collector fail2ban is unavailable: fail2ban-client not installed; the rules that need it are unknown: install or start what it reads, or skip it with --skip-collectors fail2ban if this host has none.",
		},
		{
			name: "permission", collector: "ufw",
			c:    scanner.CollectorHealth{Status: "permission", Error: "ufw: nothing readable: permission denied (run mlscan as root)"},
			want: "collector ufw lacks permission: ufw: nothing readable; the rules that need it are unknown: run as root (`sudo mlscan scan`).",
		},
		{
			name: "permission, reason only the sentinel", collector: "sockets",
			c:    scanner.CollectorHealth{Status: "permission", Error: "permission denied (run mlscan as root)"},
			want: "collector sockets lacks permission; the rules that need it are unknown: run as root (`sudo mlscan scan`).",
		},
		{
			name: "skipped", collector: "probes",
			c:    scanner.CollectorHealth{Status: "skipped", Error: "not selected (--collectors/--skip-collectors)"},
			want: "collector probes was skipped: not selected (--collectors/--skip-collectors); the rules that need it are unknown: run it (check --collectors and --skip-collectors) to verify them.",
		},
		{
			name: "error with a trailing period", collector: "sshd",
			c:    scanner.CollectorHealth{Status: "error", Error: "timed out after 10s: context deadline exceeded."},
			want: "collector sshd failed: timed out after 10s: context deadline exceeded; the rules that need it are unknown: fix the cause and scan again.",
		},
		{
			name: "hostile reason is sanitised", collector: "docker",
			c:    scanner.CollectorHealth{Status: "error", Error: "inspect a\x1b[31mb\nc\u202e"},
			want: "collector docker failed: inspect a\uFFFD[31mb c; the rules that need it are unknown: fix the cause and scan again.",
		},
		{
			name: "a state this version does not know", collector: "x",
			c:    scanner.CollectorHealth{Status: "new\x07", Error: "why"},
			want: "collector x is in state new\uFFFD: why; the rules that need it are unknown: evaluate it with the mlscan version that collected the snapshot.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CollectorSentence(tt.collector, tt.c); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
