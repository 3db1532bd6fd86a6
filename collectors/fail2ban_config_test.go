package collectors

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// TestFail2banConfigSemantics checks the reader's precedence, includes and
// interpolation on the real jail.conf of fail2ban 1.0.2 plus Debian's
// defaults plus each case's files, and, where fail2ban is installed, that
// fail2ban itself (`fail2ban-client -d` on the same files) resolves the
// same ports.
func TestFail2banConfigSemantics(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // under /etc/fail2ban
		jail    string
		filter  string
		ports   string // as written, comma-joined
		wantErr string // the jail's error
	}{
		{name: "stock sshd jail", jail: "sshd", filter: "sshd", ports: "ssh"},
		{name: "known/ is the value before the override",
			files: map[string]string{"jail.local": "[sshd]\nport = %(known/port)s,2222\n"}, jail: "sshd", filter: "sshd", ports: "ssh,2222"},
		{name: "section/option reads another jail",
			files: map[string]string{"jail.local": "[guard]\nenabled = true\nfilter = sshd\nport = %(sshd/port)s\nlogpath = /dev/null\n"}, jail: "guard", filter: "sshd", ports: "ssh"},
		{name: "jail.d/*.local wins over jail.local and jail.d/*.conf",
			files: map[string]string{"jail.local": "[sshd]\nport = 2200\n", "jail.d/a.conf": "[sshd]\nport = 2201\n", "jail.d/a.local": "[sshd]\nport = 2202\n"}, jail: "sshd", filter: "sshd", ports: "2202"},
		{name: "jail.local wins over jail.d/*.conf",
			files: map[string]string{"jail.local": "[sshd]\nport = 2203\n", "jail.d/z.conf": "[sshd]\nport = 2204\n"}, jail: "sshd", filter: "sshd", ports: "2203"},
		{name: "[INCLUDES] after is read after the file",
			files: map[string]string{"jail.local": "[INCLUDES]\nafter = extra.conf\n[sshd]\nport = 2205\n", "extra.conf": "[sshd]\nport = 2206\n"}, jail: "sshd", filter: "sshd", ports: "2206"},
		{name: "[INCLUDES] before is read before the file",
			files: map[string]string{"jail.local": "[INCLUDES]\nbefore = extra.conf\n[sshd]\nport = 2207\n", "extra.conf": "[sshd]\nport = 2208\n"}, jail: "sshd", filter: "sshd", ports: "2207"},
		{name: "[DEFAULT] port reaches a jail without its own",
			files: map[string]string{"jail.local": "[DEFAULT]\nport = 2209\n[guard]\nenabled = true\nfilter = sshd\nlogpath = /dev/null\n"}, jail: "guard", filter: "sshd", ports: "2209"},
		{name: "the jail name is the default filter, with the mode",
			files: map[string]string{"jail.local": "[sshd-ddos]\nenabled = true\nport = ssh\nlogpath = /dev/null\nmode = ddos\nfilter = sshd[mode=%(mode)s]\n"}, jail: "sshd-ddos", filter: "sshd", ports: "ssh"},
		{name: "an explicit action's port option",
			files: map[string]string{"jail.local": "[sshd]\naction = iptables-multiport[name=SSH, port=\"ssh,2210\", protocol=tcp]\n"}, jail: "sshd", filter: "sshd", ports: "ssh,2210"},
		// The second action has no port option: it bans its own default
		// (iptables.conf [Init] port = ssh), not the jail's 2211.
		{name: "a continuation line adds an action",
			files: map[string]string{"jail.local": "[sshd]\nport = 2211\naction = iptables-multiport[port=\"2212\"]\n         iptables\n"}, jail: "sshd", filter: "sshd", ports: "2212,ssh"},
		{name: "an inline ; comment",
			files: map[string]string{"jail.local": "[sshd]\nport = 2213 ; was 22\n"}, jail: "sshd", filter: "sshd", ports: "2213"},
		{name: "a missing reference makes the jail unknown",
			files: map[string]string{"jail.local": "[sshd]\nport = %(nosuch)s\n"}, jail: "sshd", wantErr: "port: nosuch: not set"},
		{name: "values naming each other many times stop at a bound",
			files: map[string]string{"jail.local": "[DEFAULT]\na = %(b)s%(b)s%(b)s%(b)s%(b)s%(b)s%(b)s%(b)s%(b)s%(b)s\nb = %(c)s%(c)s%(c)s%(c)s%(c)s%(c)s%(c)s%(c)s%(c)s%(c)s\nc = %(d)s%(d)s%(d)s%(d)s%(d)s%(d)s%(d)s%(d)s%(d)s%(d)s\nd = %(e)s%(e)s%(e)s%(e)s%(e)s%(e)s%(e)s%(e)s%(e)s%(e)s\ne = %(f)s%(f)s%(f)s%(f)s%(f)s%(f)s%(f)s%(f)s%(f)s%(f)s\nf = %(g)s%(g)s%(g)s%(g)s%(g)s%(g)s%(g)s%(g)s%(g)s%(g)s\ng = 1\n[sshd]\nport = %(a)s\n"},
			jail:  "sshd", wantErr: "more than 10000 interpolations"},
		{name: "a jail with no section",
			jail: "ghost", wantErr: "no [ghost] section"},
	}
	services := parseServices([]byte(readTestdata(t, "fail2ban/etc-services")))
	_, f2bErr := exec.LookPath("fail2ban-client")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := f2bRoot(t, f2bStock(nil))
			for name, body := range tc.files {
				p := filepath.Join(root, "etc/fail2ban", name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := readFail2banConfig(&Env{Root: root}, "/etc/fail2ban/jail")
			if err != nil {
				t.Fatal(err)
			}
			j := cfg.jail(tc.jail, services)
			if tc.wantErr != "" {
				if j.Status != snapshot.StatusError || !strings.Contains(j.Error, tc.wantErr) {
					t.Fatalf("jail %+v, want error %q", j, tc.wantErr)
				}
				return
			}
			if j.Status != snapshot.StatusOK || j.Filter != tc.filter || strings.Join(j.Ports, ",") != tc.ports {
				t.Errorf("jail %+v, want filter %q ports %q", j, tc.filter, tc.ports)
			}
			if f2bErr != nil || tc.jail == "ghost" {
				return
			}
			// fail2ban's own reading of the same files, on this machine's
			// configuration (its filters and actions).
			dir := filepath.Join(t.TempDir(), "fail2ban")
			if out, err := exec.Command("cp", "-a", "/etc/fail2ban", dir).CombinedOutput(); err != nil {
				t.Skipf("no copy of /etc/fail2ban: %v %s", err, out)
			}
			for name, body := range tc.files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, _ := exec.Command("fail2ban-client", "-c", dir, "-d").Output()
			var dports []string
			for _, line := range strings.Split(string(out), "\n") {
				if m := f2bDumpPortRE.FindStringSubmatch(line); m != nil && m[1] == tc.jail {
					dports = append(dports, m[3])
				}
			}
			if len(dports) == 0 && !strings.Contains(string(out), "'add', '"+tc.jail+"'") {
				t.Skipf("fail2ban -d does not run jail %s on this machine's files", tc.jail)
			}
			// -d lists each action's port; the reader merges them in order.
			if got := strings.Join(dports, ","); got != tc.ports {
				t.Errorf("fail2ban -d ports %q, reader %q", got, tc.ports)
			}
		})
	}
}

func TestFail2banConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{name: "no configuration at all", wantErr: "no /etc/fail2ban/jail.conf"},
		{name: "an option before any section", files: map[string]string{"jail.conf": "port = 22\n"}, wantErr: "jail.conf: line 1: an option before any [section]"},
		// The line's value is never repeated: it may be an API key.
		{name: "a line without =", files: map[string]string{"jail.conf": "[sshd]\n# comment\ncftoken S3CR3T-VALUE\n"}, wantErr: "jail.conf: line 3: neither [section] nor key = value"},
		{name: "a FIFO in jail.d", files: map[string]string{"jail.conf": "[sshd]\n", "jail.d/x.local": "fifo"}, wantErr: "jail.d/x.local: not a regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, body := range tc.files {
				p := filepath.Join(root, "etc/fail2ban", name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				var err error
				if body == "fifo" {
					err = syscall.Mkfifo(p, 0o644)
				} else {
					err = os.WriteFile(p, []byte(body), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			_, err := readFail2banConfig(&Env{Root: root}, "/etc/fail2ban/jail")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "S3CR3T") {
				t.Errorf("the error repeats a value: %v", err)
			}
		})
	}
}

func TestF2BPortRange(t *testing.T) {
	services := map[string]int{"ssh": 22, "http": 80}
	tests := []struct {
		name string
		word string
		want snapshot.PortRange
		ok   bool
	}{
		{name: "number", word: "2222", want: snapshot.PortRange{From: 2222, To: 2222}, ok: true},
		{name: "service", word: "ssh", want: snapshot.PortRange{From: 22, To: 22}, ok: true},
		{name: "iptables range", word: "0:65535", want: snapshot.PortRange{From: 0, To: 65535}, ok: true},
		{name: "nftables range", word: "1000-2000", want: snapshot.PortRange{From: 1000, To: 2000}, ok: true},
		{name: "unknown name", word: "anyport", ok: false},
		{name: "reversed range", word: "30:20", ok: false},
		{name: "out of range", word: "70000", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := f2bPortRange(tc.word, services)
			if ok != tc.ok || ok && got != tc.want {
				t.Errorf("got %v %v, want %v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParseF2BIni(f *testing.F) {
	for _, name := range []string{"jail-0.8.14.conf", "jail-1.1.0.conf", "jail-debian-0.8.13-1.conf"} {
		f.Add(readTestdata(f, "fail2ban/upstream/jail.conf/"+name))
	}
	f.Fuzz(func(t *testing.T, s string) {
		ini, err := parseF2BIni([]byte(s))
		if err != nil {
			return
		}
		cfg := &f2bConfig{defaults: map[string]string{}, sections: map[string]map[string]string{}, known: map[string]map[string]string{}}
		cfg.merge(ini)
		cfg.merge(ini)
		for _, name := range ini.order {
			j := cfg.jail(name, map[string]int{"ssh": 22})
			if j.Status == snapshot.StatusOK && len(j.Ports) < len(j.PortRanges) {
				t.Errorf("jail %s: %d ports but %d ranges", name, len(j.Ports), len(j.PortRanges))
			}
		}
	})
}

// BenchmarkFail2banJailConfig reads Debian 12's stock jail configuration
// and resolves the sshd jail, as one collection does.
func BenchmarkFail2banJailConfig(b *testing.B) {
	root := b.TempDir()
	for dst, src := range f2bStock(nil) {
		p := filepath.Join(root, "etc/fail2ban", dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(readTestdata(b, "fail2ban/"+src)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	services := parseServices([]byte(readTestdata(b, "fail2ban/etc-services")))
	env := &Env{Root: root}
	for b.Loop() {
		cfg, err := readFail2banConfig(env, "/etc/fail2ban/jail")
		if err != nil {
			b.Fatal(err)
		}
		if j := cfg.jail("sshd", services); j.Status != snapshot.StatusOK || j.Ports[0] != "ssh" {
			b.Fatalf("%+v", j)
		}
	}
}

func TestSplitF2BActions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "one", in: "iptables-multiport", want: []string{"iptables-multiport"}},
		{name: "options with spaces and quotes", in: `iptables[name=SSH, port="ssh, 2222", protocol=tcp]`, want: []string{`iptables[name=SSH, port="ssh, 2222", protocol=tcp]`}},
		{name: "two lines", in: "iptables[port=ssh]\n   sendmail-whois[name=SSH, dest=root]", want: []string{"iptables[port=ssh]", "sendmail-whois[name=SSH, dest=root]"}},
		{name: "space before options", in: "iptables [port=ssh] route", want: []string{"iptables[port=ssh]", "route"}},
		{name: "a bracket inside quotes", in: `act[p="a]b"] next`, want: []string{`act[p="a]b"]`, "next"}},
		{name: "empty", in: "  \n ", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := splitF2BActions(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFail2banJailActions checks that only the actions that ban give a
// jail ports, on fail2ban 1.0.2's own action.d: a jail whose actions only
// send mail or do nothing bans nothing, and one whose action file was not
// read is unknown (fail2ban itself skips such a jail: the one running is
// not the one read).
func TestFail2banJailActions(t *testing.T) {
	tests := []struct {
		name    string
		local   string            // jail.local
		files   map[string]string // more files under /etc/fail2ban ("fifo": a FIFO)
		jail    string
		ports   string // as written, comma-joined
		all     bool
		wantErr string
	}{
		{name: "mail only bans nothing", local: "[sshd]\naction = sendmail-whois[name=sshd, dest=root]\n", jail: "sshd"},
		{name: "dummy bans nothing", local: "[ssh-multi]\nenabled = true\nfilter = sshd\nlogpath = /dev/null\naction = dummy\n", jail: "ssh-multi"},
		{name: "no action bans nothing", local: "[sshd]\naction =\n", jail: "sshd"},
		{name: "a reporting action's port option bans nothing", local: "[sshd]\naction = xarf-login-attack[service=sshd, port=ssh]\n", jail: "sshd"},
		{name: "stock ban and mail", local: "[sshd]\naction = %(action_mw)s\n", jail: "sshd", ports: "ssh"},
		{name: "missing action file", local: "[ssh-custom]\nenabled = true\nfilter = sshd\nlogpath = /dev/null\naction = my-secret-action[token=S3CR3T]\n",
			jail: "ssh-custom", wantErr: "action my-secret-action not read: no my-secret-action.conf or my-secret-action.local"},
		{name: "missing action beside a ban action", local: "[sshd]\naction = %(action_)s\n         my-secret-action[token=S3CR3T]\n",
			jail: "sshd", wantErr: "action my-secret-action not read"},
		{name: "unreadable action file", local: "[sshd]\naction = blocker\n", files: map[string]string{"action.d/blocker.conf": "fifo"},
			jail: "sshd", wantErr: "action blocker not read: /etc/fail2ban/action.d/blocker.conf: not a regular file"},
		{name: "an action name that is not a file name", local: "[sshd]\naction = ../../S3CR3T/x\n", jail: "sshd", wantErr: "its name is not a file name of action.d"},
		{name: "a Python action", local: "[sshd]\naction = custom.py[key=S3CR3T]\n", jail: "sshd", wantErr: "action custom.py not read: a Python action"},
		{name: "unknown action alone", local: "[sshd]\naction = notify-chat[token=S3CR3T]\n", files: map[string]string{"action.d/notify-chat.conf": "[Definition]\nactionban = curl -s https://chat.example/hook\n"},
			jail: "sshd", wantErr: "action notify-chat states no port and is not a known ban action"},
		{name: "unknown action beside a ban action", local: "[sshd]\naction = %(action_)s\n         notify-chat\n", files: map[string]string{"action.d/notify-chat.conf": "[Definition]\nactionban = curl -s https://chat.example/hook\n"},
			jail: "sshd", ports: "ssh"},
		{name: "a site action with its own port", local: "[sshd]\naction = my-ban\n", files: map[string]string{"action.d/my-ban.conf": "[Definition]\nactionban = nft add element inet f <ip>\n[Init]\nport = 2222\n"},
			jail: "sshd", ports: "2222"},
		{name: "allports action", local: "[sshd]\naction = %(action_)s\nbanaction = iptables-allports\n", jail: "sshd", all: true},
		{name: "ufw bans every port, whatever the port option", local: "[sshd]\nbanaction = ufw\n", jail: "sshd", all: true},
		{name: "ufw with an application", local: "[sshd]\naction = ufw[application=\"OpenSSH\"]\n", jail: "sshd", wantErr: "action ufw bans only the ports of application OpenSSH"},
		{name: "hosts.deny", local: "[sshd]\naction = hostsdeny[daemon_list=sshd]\n", jail: "sshd", wantErr: "action hostsdeny bans through /etc/hosts.deny"},
		{name: "pf without a port", local: "[sshd]\naction = pf\n", jail: "sshd", wantErr: "action pf states no port"},
	}
	services := parseServices([]byte(readTestdata(t, "fail2ban/etc-services")))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := f2bRoot(t, f2bStock(nil))
			files := map[string]string{"jail.local": tc.local}
			for k, v := range tc.files {
				files[k] = v
			}
			for name, body := range files {
				p := filepath.Join(root, "etc/fail2ban", name)
				var err error
				if body == "fifo" {
					err = syscall.Mkfifo(p, 0o644)
				} else {
					err = os.WriteFile(p, []byte(body), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := readFail2banConfig(&Env{Root: root}, "/etc/fail2ban/jail")
			if err != nil {
				t.Fatal(err)
			}
			j := cfg.jail(tc.jail, services)
			if strings.Contains(j.Error, "S3CR3T") {
				t.Errorf("the error repeats an option's value: %s", j.Error)
			}
			if tc.wantErr != "" {
				if j.Status != snapshot.StatusError || !strings.Contains(j.Error, tc.wantErr) || j.AllPorts || len(j.Ports) > 0 {
					t.Fatalf("jail %+v, want error %q", j, tc.wantErr)
				}
				return
			}
			if j.Status != snapshot.StatusOK || strings.Join(j.Ports, ",") != tc.ports || j.AllPorts != tc.all {
				t.Errorf("jail %+v, want ports %q all %v", j, tc.ports, tc.all)
			}
		})
	}
}
