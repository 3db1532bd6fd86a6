package report

import (
	"strconv"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/scanner"
)

// appendixRows renders one appendix of r and returns its table's rows
// (not the header), or its one sentence when it has no table.
func appendixRows(r *scanner.Report, write func(*mdDoc)) []string {
	var b strings.Builder
	write(&mdDoc{b: &b, r: r, loc: newLocator("")})
	var rows []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| Port |") && !strings.HasPrefix(l, "| Container |") && !strings.HasPrefix(l, "| ---") {
			rows = append(rows, l)
		}
	}
	if rows == nil {
		for _, l := range strings.Split(b.String(), "\n") {
			if l != "" && !strings.HasPrefix(l, "## ") {
				rows = append(rows, l)
			}
		}
	}
	return rows
}

// portResult is a result about port/proto with the given registry entry.
func portResult(rule string, st scanner.Status, port int, proto, registry string, observed any) scanner.Result {
	return scanner.Result{
		RuleID: rule, Status: st, Subject: strconv.Itoa(port) + "/" + proto,
		Evidence: scanner.Evidence{Observed: observed},
		Target:   &scanner.Target{Kind: scanner.TargetPort, Port: port, Proto: proto, Registry: registry},
	}
}

func TestAppendixListeners(t *testing.T) {
	tests := []struct {
		name    string
		results []scanner.Result
		want    []string
	}{
		{
			name: "a row per port target: the entry its targets name, the listeners MLS-REG-001 observed, every verdict",
			results: []scanner.Result{
				portResult("MLS-EXP-001", scanner.StatusPass, 22, "tcp", "ssh", []any{"0.0.0.0:22 (sshd, pid 1): no rule admits it"}),
				portResult("MLS-REG-001", scanner.StatusPass, 22, "tcp", "ssh", []any{"0.0.0.0:22 (sshd, pid 1)", ":::22 (sshd, pid 1)"}),
				portResult("MLS-REG-002", scanner.StatusFail, 22, "tcp", "ssh", "0.0.0.0:22 (sshd, pid 1)"),
			},
			want: []string{"| 22/tcp | ssh | 0.0.0.0:22 (sshd, pid 1)<br>:::22 (sshd, pid 1) | MLS-EXP-001 pass, MLS-REG-001 pass, MLS-REG-002 fail |"},
		},
		{
			name: "without MLS-REG-001 the first result's observed listeners",
			results: []scanner.Result{
				portResult("MLS-AUTH-003", scanner.StatusPass, 6379, "tcp", "ray-gcs", []any{"0.0.0.0:6379 (gcs_server, pid 2)"}),
				portResult("MLS-EXP-002", scanner.StatusWaived, 6379, "tcp", "ray-gcs", "something else"),
			},
			want: []string{"| 6379/tcp | ray-gcs | 0.0.0.0:6379 (gcs\\_server, pid 2) | MLS-AUTH-003 pass, MLS-EXP-002 waived |"},
		},
		{
			name: "a loopback port the registry lists shows its entry",
			results: []scanner.Result{
				portResult("MLS-REG-002", scanner.StatusPass, 8080, "tcp", "cadvisor", "127.0.0.1:8080 (cadvisor, pid 3)"),
			},
			want: []string{"| 8080/tcp | cadvisor | 127.0.0.1:8080 (cadvisor, pid 3) | MLS-REG-002 pass |"},
		},
		{
			name: "a port whose targets name no entry is not registered",
			results: []scanner.Result{
				portResult("MLS-REG-001", scanner.StatusFail, 5000, "tcp", "", []any{"0.0.0.0:5000 (python3, pid 4)"}),
			},
			want: []string{"| 5000/tcp | not registered | 0.0.0.0:5000 (python3, pid 4) | MLS-REG-001 fail |"},
		},
		{
			name: "rows by port, then protocol; no observed value is a dash",
			results: []scanner.Result{
				portResult("MLS-REG-002", scanner.StatusPass, 53, "udp", "dns", nil),
				portResult("MLS-REG-002", scanner.StatusPass, 53, "tcp", "dns", nil),
				portResult("MLS-REG-002", scanner.StatusPass, 22, "tcp", "ssh", nil),
			},
			want: []string{
				"| 22/tcp | ssh | — | MLS-REG-002 pass |",
				"| 53/tcp | dns | — | MLS-REG-002 pass |",
				"| 53/udp | dns | — | MLS-REG-002 pass |",
			},
		},
		{
			name: "listener, registry and container targets and results without a target are not rows",
			results: []scanner.Result{
				{RuleID: "MLS-AUTH-001", Status: scanner.StatusFail, Subject: "10.0.0.84:8265",
					Target: &scanner.Target{Kind: scanner.TargetListener, Address: "10.0.0.84", Port: 8265, Proto: "tcp", Registry: "ray-dashboard"}},
				{RuleID: "MLS-REG-003", Status: scanner.StatusFail, Subject: "registry 8080/tcp cadvisor",
					Target: &scanner.Target{Kind: scanner.TargetRegistry, Registry: "cadvisor", Port: 8080, Proto: "tcp"}},
				{RuleID: "MLS-CTR-001", Status: scanner.StatusPass, Subject: "container a",
					Target: &scanner.Target{Kind: scanner.TargetContainer, Container: "a", Port: 80, Proto: "tcp"}},
				{RuleID: "ACME-NET-001", Status: scanner.StatusFail, Subject: "8265/tcp"},
			},
			want: []string{"No result names a port (the sockets collector did not run)."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendixRows(&scanner.Report{Results: tt.results}, (*mdDoc).appendixListeners)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestAppendixContainers(t *testing.T) {
	ctr := func(rule string, st scanner.Status, subject, container string) scanner.Result {
		return scanner.Result{RuleID: rule, Status: st, Subject: subject,
			Target: &scanner.Target{Kind: scanner.TargetContainer, Container: container}}
	}
	tests := []struct {
		name    string
		results []scanner.Result
		want    []string
	}{
		{
			name: "a row per container target, named by its first result's subject, sorted",
			results: []scanner.Result{
				ctr("MLS-CTR-001", scanner.StatusPass, "container redis (compose service redis)", "redis"),
				ctr("MLS-CTR-002", scanner.StatusFail, "container redis (compose service redis)", "redis"),
				ctr("MLS-CTR-001", scanner.StatusPass, "container grafana (compose service grafana)", "grafana"),
			},
			want: []string{
				"| container grafana (compose service grafana) | — | none | 1 pass |",
				"| container redis (compose service redis) | — | MLS-CTR-002 | 1 fail, 1 pass |",
			},
		},
		{
			name: "one container under two subjects is one row",
			results: []scanner.Result{
				ctr("MLS-CTR-001", scanner.StatusPass, "container traefik", "traefik"),
				ctr("MLS-CTR-009", scanner.StatusFail, "container traefik port 80/tcp", "traefik"),
			},
			want: []string{"| container traefik | — | MLS-CTR-009 | 1 fail, 1 pass |"},
		},
		{
			name: "a result without a target is a row of its own subject",
			results: []scanner.Result{
				ctr("MLS-CTR-001", scanner.StatusPass, "container a", "a"),
				{RuleID: "MLS-CTR-900", Status: scanner.StatusFail, Subject: "container a"},
			},
			want: []string{
				"| container a | — | none | 1 pass |",
				"| container a | — | MLS-CTR-900 | 1 fail |",
			},
		},
		{
			name: "the host and other areas' containers are left out",
			results: []scanner.Result{
				{RuleID: "MLS-CTR-001", Status: scanner.StatusNotApplicable, Subject: "host", Target: &scanner.Target{Kind: scanner.TargetHost}},
				ctr("MLS-SEC-001", scanner.StatusFail, "container a", "a"),
			},
			want: []string{"No container was judged (the docker collector did not run)."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendixRows(&scanner.Report{Results: tt.results}, (*mdDoc).appendixContainers)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
