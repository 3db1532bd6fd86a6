package collectors

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// The fail2ban corpus: `status` texts of fail2ban 0.8 to 1.1 taken from its
// own test suite, real captures of this machine's fail2ban 1.0.2, and the
// jail.conf files of seven releases plus Debian's (testdata/fail2ban,
// provenance in upstream/SOURCES.md and README.md). Every input is checked
// for the facts read from it, not only for "no error".

func TestFail2banStatusCorpus(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []string
		wantErr string
	}{
		{name: "0.8.14 one jail (two tabs before the list)", file: "upstream/status/0.8.14-status-one.txt", want: []string{"TestJail1"}},
		{name: "0.8.14 two jails", file: "upstream/status/0.8.14-status-two.txt", want: []string{"TestJail1", "TestJail2"}},
		{name: "0.9.7 one jail", file: "upstream/status/0.9.7-status-one.txt", want: []string{"TestJail1"}},
		{name: "0.9.7 two jails", file: "upstream/status/0.9.7-status-two.txt", want: []string{"TestJail1", "TestJail2"}},
		// The 0.10-1.0 beautifier test feeds a made-up response whose count
		// (0) contradicts its list: read fail-closed as an error.
		{name: "1.0.2 beautifier test, count 0 with two jails", file: "upstream/status/1.0.2-status.txt", want: []string{"ssh", "exim4"}, wantErr: "Number of jail \"0\" but 2 jails listed"},
		{name: "1.1.0 Number of jails", file: "upstream/status/1.1.0-status.txt", want: []string{"ssh", "exim4"}},
		{name: "1.1.0 status --all", file: "upstream/status/1.1.0-status-all.txt", want: []string{"ssh", "exim4"}},
		{name: "1.0.2 real, sshd", file: "status.txt", want: []string{"sshd"}},
		{name: "1.0.2 real, recidive and sshd", file: "status-two-jails.txt", want: []string{"recidive", "sshd"}},
		{name: "1.0.2 real, recidive only", file: "status-no-sshd.txt", want: []string{"recidive"}},
		{name: "1.0.2 real, ssh-iptables", file: "jails/ssh-iptables.status.txt", want: []string{"ssh-iptables"}},
		{name: "1.0.2 real, Debian's old ssh", file: "jails/debian-ssh.status.txt", want: []string{"ssh"}},
		{name: "1.0.2 real, site jail on 22", file: "jails/site-port22.status.txt", want: []string{"bastion-guard"}},
		{name: "1.0.2 real, sshd on 2222", file: "jails/sshd-port2222.status.txt", want: []string{"sshd"}},
		{name: "1.0.2 real, three jails", file: "jails/three-jails.status.txt", want: []string{"recidive", "ssh-aggressive", "sshd"}},
		{name: "a jail's status is not the jail list", file: "status-sshd.txt", wantErr: "not `fail2ban-client status` output"},
		{name: "the client's error", file: "status-sshd-missing.stdout.txt", wantErr: "not `fail2ban-client status` output"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFail2banStatus(readTestdata(t, "fail2ban/"+tc.file))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !slices.Equal(got, tc.want) {
				t.Errorf("jails %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFail2banJailStatusCorpus(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    snapshot.Fail2banJail
		wantErr string
	}{
		{name: "0.8.14 IP list under Currently banned", file: "upstream/status/0.8.14-status-jail.txt", want: snapshot.Fail2banJail{Name: "TestJail1"}},
		{name: "0.9.7", file: "upstream/status/0.9.7-status-jail.txt", want: snapshot.Fail2banJail{Name: "TestJail1"}},
		{name: "0.9.7 cymru lists", file: "upstream/status/0.9.7-status-jail-cymru.txt", want: snapshot.Fail2banJail{Name: "TestJail1"}},
		{name: "1.0.2 three bans", file: "upstream/status/1.0.2-status-ssh.txt", want: snapshot.Fail2banJail{Name: "ssh", CurrentlyBanned: 3, TotalBanned: 3,
			Files: []string{"/var/log/auth.log"}, BannedIPs: []string{"192.168.0.1", "10.2.2.1", "2001:db8::1"}}},
		{name: "1.1.0 three bans", file: "upstream/status/1.1.0-status-ssh.txt", want: snapshot.Fail2banJail{Name: "ssh", CurrentlyBanned: 3, TotalBanned: 3,
			Files: []string{"/var/log/auth.log"}, BannedIPs: []string{"192.168.0.1", "10.2.2.1", "2001:db8::1"}}},
		{name: "1.0.2 real, one ban", file: "status-sshd-banned.txt", want: snapshot.Fail2banJail{Name: "sshd", CurrentlyFailed: 1, TotalFailed: 6, CurrentlyBanned: 1, TotalBanned: 1,
			Files: []string{"/tmp/cap/f2b/auth.log"}, BannedIPs: []string{"192.0.2.10"}}},
		{name: "1.0.2 real, ssh-iptables", file: "jails/ssh-iptables.status-ssh-iptables.txt", want: snapshot.Fail2banJail{Name: "ssh-iptables", Files: []string{"/run/f2bcap-ssh-iptables/auth.log"}}},
		{name: "1.0.2 real, ssh", file: "jails/debian-ssh.status-ssh.txt", want: snapshot.Fail2banJail{Name: "ssh", Files: []string{"/run/f2bcap-debian-ssh/auth.log"}}},
		{name: "1.0.2 real, bastion-guard", file: "jails/site-port22.status-bastion-guard.txt", want: snapshot.Fail2banJail{Name: "bastion-guard", Files: []string{"/run/f2bcap-site-port22/auth.log"}}},
		{name: "1.0.2 real, ssh-aggressive", file: "jails/three-jails.status-ssh-aggressive.txt", want: snapshot.Fail2banJail{Name: "ssh-aggressive", Files: []string{"/run/f2bcap-three-jails/auth.log"}}},
		{name: "1.0.2 real, recidive", file: "jails/three-jails.status-recidive.txt", want: snapshot.Fail2banJail{Name: "recidive", Files: []string{"/run/f2bcap-three-jails/auth.log"}}},
		{name: "1.0.2 real, sshd beside others", file: "jails/three-jails.status-sshd.txt", want: snapshot.Fail2banJail{Name: "sshd", Files: []string{"/run/f2bcap-three-jails/auth.log"}}},
		{name: "1.0.2 real, sshd on 2222", file: "jails/sshd-port2222.status-sshd.txt", want: snapshot.Fail2banJail{Name: "sshd", Files: []string{"/run/f2bcap-sshd-port2222/auth.log"}}},
		{name: "the jail list is not a jail", file: "status.txt", wantErr: "not `fail2ban-client status JAIL` output"},
		{name: "the 1.1 status --all is not a jail", file: "upstream/status/1.1.0-status-all.txt", wantErr: "not `fail2ban-client status JAIL` output"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := parseFail2banJail(readTestdata(t, "fail2ban/"+tc.file))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if w.Files == nil {
				w.Files = []string{}
			}
			if w.BannedIPs == nil {
				w.BannedIPs = []string{}
			}
			if j.Name != w.Name || j.CurrentlyFailed != w.CurrentlyFailed || j.TotalFailed != w.TotalFailed ||
				j.CurrentlyBanned != w.CurrentlyBanned || j.TotalBanned != w.TotalBanned ||
				!slices.Equal(j.Files, w.Files) || !slices.Equal(j.BannedIPs, w.BannedIPs) {
				t.Errorf("got %+v\nwant %+v", *j, w)
			}
		})
	}
}

// errExit255 is how fail2ban-client exits on an error.
var errExit255 = errors.New("exit status 255")

// f2bJailFact is what a jail.conf says one jail protects.
type f2bJailFact struct {
	name, filter, ports string
	allPorts            bool
}

// f2bRoot builds a host root whose /etc/fail2ban holds the given files
// (path under /etc/fail2ban → testdata file) and whose /etc/services is
// netbase's.
func f2bRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for dst, src := range files {
		p := filepath.Join(root, "etc/fail2ban", dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(readTestdata(t, "fail2ban/"+src)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc/services"), []byte(readTestdata(t, "fail2ban/etc-services")), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// f2bStock is fail2ban 1.0.2 as Debian 12 installs it (its jail.conf,
// defaults-debian.conf and action.d, identical upstream and in Debian's
// package), plus more files.
func f2bStock(more map[string]string) map[string]string {
	files := f2bActionFiles(map[string]string{
		"jail.conf":                   "upstream/jail.conf/jail-1.0.2.conf",
		"jail.d/defaults-debian.conf": "upstream/jail.conf/defaults-debian-1.0.2-2.conf",
	})
	for k, v := range more {
		files[k] = v
	}
	return files
}

// f2bActionFiles adds fail2ban 1.0.2's action.d to files.
func f2bActionFiles(files map[string]string) map[string]string {
	names, err := filepath.Glob("../testdata/fail2ban/upstream/action.d-1.0.2/*.conf")
	if err != nil || len(names) == 0 {
		panic(fmt.Sprintf("no action.d in testdata: %v", err))
	}
	for _, n := range names {
		files["action.d/"+filepath.Base(n)] = "upstream/action.d-1.0.2/" + filepath.Base(n)
	}
	return files
}

// f2bHostsDeny is the error of a jail banning through hosts.deny.
const f2bHostsDeny = "action hostsdeny bans through /etc/hosts.deny"

// TestFail2banJailConfCorpus reads each release's jail.conf with fail2ban
// 1.0.2's action.d (an action without a port option bans its file's
// default, so older releases' jails read as 1.0.2 runs them).
func TestFail2banJailConfCorpus(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		debian  string // jail.d/defaults-debian.conf, when the release shipped one
		jails   int
		enabled []string
		ssh     []f2bJailFact     // the jails with an sshd filter or banning port 22, in file order
		unknown map[string]string // jail → its error: what its actions ban is not known
	}{
		{name: "0.8.4", file: "jail-0.8.4.conf", jails: 15, ssh: []f2bJailFact{{"ssh-iptables", "sshd", "ssh", false}, {"ssh-ipfw", "sshd", "ssh", false}},
			unknown: map[string]string{"ssh-tcpwrapper": f2bHostsDeny, "apache-tcpwrapper": f2bHostsDeny, "postfix-tcpwrapper": f2bHostsDeny}},
		{name: "0.8.14", file: "jail-0.8.14.conf", jails: 69, ssh: []f2bJailFact{{"ssh-iptables", "sshd", "ssh", false}, {"ssh-ddos", "sshd-ddos", "ssh", false}, {"dropbear", "dropbear", "ssh", false}, {"ssh-route", "sshd", "", true}, {"ssh-iptables-ipset4", "sshd", "ssh", false}, {"ssh-iptables-ipset6", "sshd", "ssh", false}, {"ssh-bsd-ipfw", "sshd", "ssh", false}, {"ssh-ipfw", "sshd", "ssh", false}, {"osx-ssh-ipfw", "sshd", "ssh", false}, {"ssh-apf", "sshd", "", true}, {"osx-ssh-afctl", "sshd", "", true}, {"selinux-ssh", "selinux-ssh", "ssh", false}, {"ssh-blocklist", "sshd", "ssh", false}, {"openwebmail", "openwebmail", "ssh", false}},
			unknown: map[string]string{"ssh-tcpwrapper": f2bHostsDeny, "apache-tcpwrapper": f2bHostsDeny, "postfix-tcpwrapper": f2bHostsDeny, "ssh-pf": "action pf states no port"}},
		{name: "Debian 0.8.6-3wheezy3", file: "jail-debian-0.8.6-3wheezy3.conf", jails: 19, enabled: []string{"ssh"}, ssh: []f2bJailFact{{"ssh", "sshd", "ssh", false}, {"dropbear", "sshd", "ssh", false}, {"ssh-ddos", "sshd-ddos", "ssh", false}}},
		{name: "Debian 0.8.13-1", file: "jail-debian-0.8.13-1.conf", jails: 38, enabled: []string{"ssh"}, ssh: []f2bJailFact{{"ssh", "sshd", "ssh", false}, {"dropbear", "dropbear", "ssh", false}, {"ssh-ddos", "sshd-ddos", "ssh", false}, {"ssh-route", "sshd", "", true}, {"ssh-iptables-ipset4", "sshd", "ssh", false}, {"ssh-iptables-ipset6", "sshd", "ssh", false}, {"ssh-blocklist", "sshd", "ssh", false}}},
		{name: "0.9.7", file: "jail-0.9.7.conf", jails: 79, ssh: []f2bJailFact{{"sshd", "sshd", "ssh", false}, {"sshd-ddos", "sshd-ddos", "ssh", false}, {"dropbear", "dropbear", "ssh", false}, {"selinux-ssh", "selinux-ssh", "ssh", false}}},
		{name: "0.10.6 with Debian's 0.10.2-2 defaults", file: "jail-0.10.6.conf", debian: "defaults-debian-0.10.2-2.conf", jails: 87, enabled: []string{"sshd"}, ssh: []f2bJailFact{{"sshd", "sshd", "ssh", false}, {"dropbear", "dropbear", "ssh", false}, {"selinux-ssh", "selinux-ssh", "ssh", false}}},
		{name: "0.11.2", file: "jail-0.11.2.conf", jails: 87, ssh: []f2bJailFact{{"sshd", "sshd", "ssh", false}, {"dropbear", "dropbear", "ssh", false}, {"selinux-ssh", "selinux-ssh", "ssh", false}}},
		{name: "1.0.2 with Debian's 1.0.2-2 defaults", file: "jail-1.0.2.conf", debian: "defaults-debian-1.0.2-2.conf", jails: 91, enabled: []string{"sshd"}, ssh: []f2bJailFact{{"sshd", "sshd", "ssh", false}, {"dropbear", "dropbear", "ssh", false}, {"selinux-ssh", "selinux-ssh", "ssh", false}}},
		{name: "1.1.0", file: "jail-1.1.0.conf", jails: 94, ssh: []f2bJailFact{{"sshd", "sshd", "ssh", false}, {"dropbear", "dropbear", "ssh", false}, {"selinux-ssh", "selinux-ssh", "ssh", false}, {"routeros-auth", "routeros-auth", "ssh,http,https", false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := f2bActionFiles(map[string]string{"jail.conf": "upstream/jail.conf/" + tc.file})
			if tc.debian != "" {
				files["jail.d/defaults-debian.conf"] = "upstream/jail.conf/" + tc.debian
			}
			root := f2bRoot(t, files)
			env := &Env{Root: root}
			cfg, err := readFail2banConfig(env, "/etc/fail2ban/jail")
			if err != nil {
				t.Fatal(err)
			}
			services := parseServices([]byte(readTestdata(t, "fail2ban/etc-services")))
			var names, enabled []string
			var ssh []f2bJailFact
			for _, name := range sortedSections(cfg) {
				if name == "INCLUDES" {
					continue
				}
				names = append(names, name)
				if v, _ := cfg.get(name, "enabled"); v == "true" {
					enabled = append(enabled, name)
				}
			}
			for _, name := range names {
				j := cfg.jail(name, services)
				if want, ok := tc.unknown[name]; ok != (j.Status != snapshot.StatusOK) || ok && !strings.Contains(j.Error, want) {
					t.Errorf("jail %s: status %s %q, want error %q", name, j.Status, j.Error, want)
				}
				if f2bSSHCandidate(j) || j.Filter == "sshd" {
					ssh = append(ssh, f2bJailFact{name, j.Filter, strings.Join(j.Ports, ","), j.AllPorts})
				}
			}
			if len(names) != tc.jails || !slices.Equal(enabled, tc.enabled) {
				t.Errorf("%d jails, enabled %q; want %d, %q", len(names), enabled, tc.jails, tc.enabled)
			}
			slices.SortFunc(ssh, func(a, b f2bJailFact) int { return strings.Compare(a.name, b.name) })
			want := slices.Clone(tc.ssh)
			slices.SortFunc(want, func(a, b f2bJailFact) int { return strings.Compare(a.name, b.name) })
			if !slices.Equal(ssh, want) {
				t.Errorf("SSH jails\n%v\nwant\n%v", ssh, want)
			}
		})
	}
}

// TestFail2banJailsCaptured reads the configurations behind the captures
// of jails/ (this machine's Debian 1.0.2-2 files plus each capture's
// jail.local) and checks each running jail's ports against what fail2ban
// itself resolved for the same files (`fail2ban-client -d`, the port of
// each action, saved in *.d-ports.txt).
func TestFail2banJailsCaptured(t *testing.T) {
	tests := []struct {
		name    string
		filters map[string]string // running jail → filter
		ranges  map[string][]snapshot.PortRange
		all     []string // jails whose action bans every port
		states  []string // jails whose state the collector asks
		// disabled: the files read say enabled = false (changed after the
		// server started): the state is asked once the list names the jail.
		disabled bool
	}{
		{name: "ssh-iptables", filters: map[string]string{"ssh-iptables": "sshd"}, ranges: map[string][]snapshot.PortRange{"ssh-iptables": {{From: 22, To: 22}}}, states: []string{"ssh-iptables"}},
		{name: "debian-ssh", filters: map[string]string{"ssh": "sshd"}, ranges: map[string][]snapshot.PortRange{"ssh": {{From: 22, To: 22}}}, states: []string{"ssh"}},
		{name: "site-port22", filters: map[string]string{"bastion-guard": "dropbear"}, ranges: map[string][]snapshot.PortRange{"bastion-guard": {{From: 22, To: 22}}}, states: []string{"bastion-guard"}},
		{name: "sshd-port2222", filters: map[string]string{"sshd": "sshd"}, ranges: map[string][]snapshot.PortRange{"sshd": {{From: 2222, To: 2222}}}, states: []string{"sshd"}},
		{name: "three-jails", filters: map[string]string{"recidive": "recidive", "ssh-aggressive": "sshd", "sshd": "sshd"},
			ranges: map[string][]snapshot.PortRange{"recidive": {}, "ssh-aggressive": {{From: 22, To: 22}, {From: 2222, To: 2222}}, "sshd": {{From: 22, To: 22}}},
			all:    []string{"recidive"}, states: []string{"ssh-aggressive", "sshd"}},
		{name: "ssh-iptables", disabled: true, filters: map[string]string{"ssh-iptables": "sshd"}, ranges: map[string][]snapshot.PortRange{"ssh-iptables": {{From: 22, To: 22}}}, states: []string{"ssh-iptables"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s disabled %v", tc.name, tc.disabled), func(t *testing.T) {
			root := f2bRoot(t, f2bStock(map[string]string{"jail.local": "jails/" + tc.name + ".jail.local"}))
			if tc.disabled {
				local := filepath.Join(root, "etc/fail2ban/jail.local")
				b, _ := os.ReadFile(local)
				if err := os.WriteFile(local, []byte(strings.ReplaceAll(string(b), "enabled  = true", "enabled  = false")), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			var asked []string
			client := filepath.Join(t.TempDir(), "fail2ban-client")
			if err := os.WriteFile(client, nil, 0o755); err != nil {
				t.Fatal(err)
			}
			// The runner may run on the collector's goroutine: it reports a
			// missing capture as the command's error, not with t.Fatal.
			run := func(_ context.Context, _ string, args ...string) ([]byte, []byte, error) {
				file := tc.name + ".status.txt"
				mu.Lock()
				asked = append(asked, strings.Join(args, " "))
				mu.Unlock()
				if len(args) > 1 {
					if _, ok := tc.filters[args[1]]; !ok {
						return nil, []byte(readTestdata(t, "fail2ban/status-sshd-missing.stderr.txt")), errExit255
					}
					file = tc.name + ".status-" + args[1] + ".txt"
				}
				b, err := os.ReadFile(filepath.Join("../testdata/fail2ban/jails", file))
				return b, nil, err
			}
			c := &Fail2ban{Client: client, ConfigDir: filepath.Join(root, "etc/fail2ban")}
			sec, err := c.Collect(context.Background(), &Env{ProcRoot: t.TempDir(), Run: run})
			if err != nil {
				t.Fatal(err)
			}
			s := sec.(*snapshot.Fail2banSection)
			// fail2ban's own resolution of the same files.
			dports := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(readTestdata(t, "fail2ban/jails/"+tc.name+".d-ports.txt")), "\n") {
				f := strings.Fields(line)
				dports[f[0]] = f[2]
			}
			if s.Config == nil || s.Config.Status != snapshot.StatusOK || len(s.JailConfig) != len(tc.filters) {
				t.Fatalf("config %+v, jails %+v", s.Config, s.JailConfig)
			}
			var states []string
			for _, j := range s.JailConfig {
				if j.Status != snapshot.StatusOK || j.Filter != tc.filters[j.Name] || !slices.Equal(j.PortRanges, tc.ranges[j.Name]) || j.AllPorts != slices.Contains(tc.all, j.Name) {
					t.Errorf("jail %+v, want filter %q ranges %v", j, tc.filters[j.Name], tc.ranges[j.Name])
				}
				if !j.AllPorts && strings.Join(j.Ports, ",") != dports[j.Name] {
					t.Errorf("jail %s ports %q, fail2ban -d says %q", j.Name, j.Ports, dports[j.Name])
				}
				if j.State != nil {
					states = append(states, j.Name)
					if j.State.Status != snapshot.StatusOK || j.State.Name != j.Name || len(j.State.Files) != 1 {
						t.Errorf("jail %s state %+v", j.Name, *j.State)
					}
				}
			}
			if !slices.Equal(states, tc.states) {
				t.Errorf("states of %q, want %q", states, tc.states)
			}
			// Each state asked once, sshd's always (before the list is known).
			slices.Sort(asked)
			want := []string{"status"}
			for _, j := range append(slices.Clone(tc.states), "sshd") {
				if !slices.Contains(want, "status "+j) {
					want = append(want, "status "+j)
				}
			}
			slices.Sort(want)
			if !slices.Equal(asked, want) {
				t.Errorf("asked %q, want %q", asked, want)
			}
			// The section fits the snapshot's schema (no null for a list).
			snap := &snapshot.Snapshot{SchemaVersion: snapshot.SchemaVersion, Host: snapshot.Host{Addresses: []string{}}, Collectors: map[string]snapshot.CollectorResult{}}
			apply(snap, sec)
			if err := fitsSchema(t, snap); err != nil {
				t.Error(err)
			}
		})
	}
}
