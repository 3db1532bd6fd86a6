package collectors

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/snapshot"
)

// f2bDumpPortRE is the port parameter of an action in `fail2ban-client -d`:
// ['multi-set', 'JAIL', 'action', 'ACT', [..., ['port', 'ssh'], ...]].
var f2bDumpPortRE = regexp.MustCompile(`^\['multi-set', '([^']+)', 'action', '([^']+)', .*\['port', '([^']*)'\]`)

// TestFail2banJailsReal runs a real fail2ban server in a test namespace for
// each jail.local of testdata/fail2ban/jails (on a copy of this machine's
// /etc/fail2ban) and checks that the collector finds the running jails,
// reads each one's filter, and bans the ports fail2ban itself resolved from
// the same files (`fail2ban-client -d`).
func TestFail2banJailsReal(t *testing.T) {
	testbed.Require(t, "ip", "unshare", "fail2ban-client", "iptables")
	h := testbed.NewHost(t, "f2bj", "10.0.0.84/24")
	tests := []struct {
		name    string
		filters map[string]string
		states  []string
	}{
		{name: "ssh-iptables", filters: map[string]string{"ssh-iptables": "sshd"}, states: []string{"ssh-iptables"}},
		{name: "site-port22", filters: map[string]string{"bastion-guard": "dropbear"}, states: []string{"bastion-guard"}},
		{name: "three-jails", filters: map[string]string{"recidive": "recidive", "ssh-aggressive": "sshd", "sshd": "sshd"}, states: []string{"ssh-aggressive", "sshd"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := fmt.Sprintf("/run/mlscan-f2bj-%s-%d", h.NS, i)
			if err := os.MkdirAll(run, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.RemoveAll(run) })
			conf := filepath.Join(run, "conf")
			if out, err := exec.Command("cp", "-a", "/etc/fail2ban", conf).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v: %s", err, out)
			}
			log := filepath.Join(run, "auth.log")
			if err := os.WriteFile(log, nil, 0o640); err != nil {
				t.Fatal(err)
			}
			local := strings.ReplaceAll(readTestdata(t, "fail2ban/jails/"+tc.name+".jail.local"), "/run/f2bcap-"+tc.name+"/auth.log", log)
			sock := filepath.Join(run, "f.sock")
			def := fmt.Sprintf("[Definition]\nsocket = %s\npidfile = %s\nlogtarget = %s\ndbfile = :memory:\n", sock, filepath.Join(run, "f.pid"), filepath.Join(run, "f.log"))
			if err := os.WriteFile(filepath.Join(conf, "jail.local"), []byte(local), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(conf, "fail2ban.local"), []byte(def), 0o644); err != nil {
				t.Fatal(err)
			}
			if out := h.MustExec(t, "fail2ban-client", "-c", conf, "start"); !strings.Contains(out, "Server ready") {
				t.Fatalf("fail2ban-client start: %q", out)
			}
			t.Cleanup(func() { h.Exec(t, "fail2ban-client", "-s", sock, "stop") })

			sec, err := (&Fail2ban{Socket: sock, ConfigDir: conf}).Collect(context.Background(), &Env{IsRoot: true})
			if err != nil {
				t.Fatal(err)
			}
			s := sec.(*snapshot.Fail2banSection)
			want := make([]string, 0, len(tc.filters))
			for name := range tc.filters {
				want = append(want, name)
			}
			slices.Sort(want)
			if !s.Running || !slices.Equal(s.Jails, want) || s.Config == nil || s.Config.Status != snapshot.StatusOK {
				t.Fatalf("running %v jails %q config %+v", s.Running, s.Jails, s.Config)
			}
			dump := map[string]string{}
			for _, line := range strings.Split(h.MustExec(t, "fail2ban-client", "-c", conf, "-d"), "\n") {
				if m := f2bDumpPortRE.FindStringSubmatch(line); m != nil {
					dump[m[1]] = m[3]
					if f2bAllPortsAction(m[2]) {
						dump[m[1]] = "(all)"
					}
				}
			}
			var states []string
			for _, j := range s.JailConfig {
				ports := strings.Join(j.Ports, ",")
				if j.AllPorts {
					ports = "(all)"
				}
				if j.Status != snapshot.StatusOK || j.Filter != tc.filters[j.Name] || ports != dump[j.Name] {
					t.Errorf("jail %s: filter %q ports %q (%s); want filter %q, fail2ban -d ports %q", j.Name, j.Filter, ports, j.Error, tc.filters[j.Name], dump[j.Name])
				}
				if j.State != nil {
					states = append(states, j.Name)
					if j.State.Status != snapshot.StatusOK || !slices.Equal(j.State.Files, []string{log}) {
						t.Errorf("jail %s state %+v", j.Name, *j.State)
					}
				}
			}
			if !slices.Equal(states, tc.states) {
				t.Errorf("states of %q, want %q", states, tc.states)
			}
		})
	}
}
