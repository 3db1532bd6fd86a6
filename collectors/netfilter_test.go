package collectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

func readNetfilterCapture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(netfilterCaptureDir, name))
	if err != nil {
		t.Fatalf("%v (capture it: MLSCAN_UPDATE_TESTDATA=1 go test ./collectors -run TestNetfilterCapture)", err)
	}
	return b
}

func parseNetfilterCapture(t *testing.T, name string) savedRuleset {
	t.Helper()
	s, err := parseIPTablesSave(bytes.NewReader(readNetfilterCapture(t, name)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// findRule returns the first rule of table:chain whose text contains sub.
func findRule(t *testing.T, s savedRuleset, table, chain, sub string) snapshot.NetfilterRule {
	t.Helper()
	for _, tb := range s.Tables {
		for _, r := range tb.Rules {
			if tb.Name == table && r.Chain == chain && strings.Contains(r.Text, sub) {
				return r
			}
		}
	}
	t.Fatalf("no rule in %s:%s containing %q", table, chain, sub)
	return snapshot.NetfilterRule{}
}

// On the real captures: the backend, the tables, rule counts per chain and
// chain policies, and no rule left not understood.
func TestParseIPTablesSaveCaptures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   string
		tables []string
		// rules per table:chain, policies per table:chain
		rules    map[string]int
		policies map[string]string
		chains   int // in filter
	}{
		{
			name: "ufw v4", file: "ufw-iptables-save.txt", tables: []string{"filter"}, chains: 35,
			rules:    map[string]int{"filter:INPUT": 6, "filter:FORWARD": 6, "filter:ufw-user-input": 3, "filter:ufw-before-input": 13, "filter:ufw-not-local": 5},
			policies: map[string]string{"filter:INPUT": "DROP", "filter:FORWARD": "DROP", "filter:OUTPUT": "ACCEPT", "filter:ufw-user-input": ""},
		},
		{
			name: "ufw v6", file: "ufw-ip6tables-save.txt", tables: []string{"filter"}, chains: 34,
			rules:    map[string]int{"filter:INPUT": 6, "filter:ufw6-user-input": 2, "filter:ufw6-before-input": 34},
			policies: map[string]string{"filter:INPUT": "DROP", "filter:FORWARD": "DROP", "filter:OUTPUT": "ACCEPT"},
		},
		{
			name: "dockerd v4", file: "dockerd-iptables-save.txt", tables: []string{"filter", "nat"}, chains: 39,
			rules: map[string]int{"filter:FORWARD": 12, "filter:DOCKER": 1, "filter:DOCKER-USER": 1, "filter:DOCKER-ISOLATION-STAGE-1": 2,
				"nat:PREROUTING": 1, "nat:OUTPUT": 1, "nat:POSTROUTING": 2, "nat:DOCKER": 2},
			policies: map[string]string{"filter:FORWARD": "DROP", "filter:DOCKER": "", "filter:DOCKER-USER": "", "nat:PREROUTING": "ACCEPT", "nat:DOCKER": ""},
		},
		{
			name: "dockerd v6", file: "dockerd-ip6tables-save.txt", tables: []string{"filter"}, chains: 34,
			rules: map[string]int{"filter:ufw6-user-input": 2},
		},
		{
			name: "extended v4", file: "extended-iptables-save.txt", tables: []string{"filter", "nat"}, chains: 39,
			rules: map[string]int{"filter:ufw-user-input": 8, "filter:ufw-user-limit": 2, "filter:ufw-user-limit-accept": 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := parseNetfilterCapture(t, tc.file)
			if s.Backend != "nf_tables" || len(s.Notes) > 0 {
				t.Errorf("backend %q, notes %q; want nf_tables, none", s.Backend, s.Notes)
			}
			var tables []string
			count := map[string]int{}
			policy := map[string]string{}
			for _, tb := range s.Tables {
				tables = append(tables, tb.Name)
				if tb.Name == "filter" && len(tb.Chains) != tc.chains {
					t.Errorf("filter has %d chains, want %d", len(tb.Chains), tc.chains)
				}
				for _, c := range tb.Chains {
					policy[tb.Name+":"+c.Name] = c.Policy
				}
				for _, r := range tb.Rules {
					count[tb.Name+":"+r.Chain]++
					if r.Unparsed != "" {
						t.Errorf("not understood: %s: %s", r.Text, r.Unparsed)
					}
					if r.Table != tb.Name {
						t.Errorf("rule %q: table %q, want %q", r.Text, r.Table, tb.Name)
					}
				}
			}
			if !reflect.DeepEqual(tables, tc.tables) {
				t.Errorf("tables %v, want %v", tables, tc.tables)
			}
			for k, want := range tc.rules {
				if count[k] != want {
					t.Errorf("%s: %d rules, want %d", k, count[k], want)
				}
			}
			for k, want := range tc.policies {
				if got, ok := policy[k]; !ok || got != want {
					t.Errorf("%s: policy %q (declared %v), want %q", k, got, ok, want)
				}
			}
		})
	}
}

// The rules the packet-path model will need, parsed into their parts.
func TestParseIPTablesSaveRules(t *testing.T) {
	docker := parseNetfilterCapture(t, "dockerd-iptables-save.txt")
	ext := parseNetfilterCapture(t, "extended-iptables-save.txt")
	ufw6 := parseNetfilterCapture(t, "ufw-ip6tables-save.txt")
	for _, tc := range []struct {
		name string
		got  snapshot.NetfilterRule
		want snapshot.NetfilterRule
	}{
		{
			name: "dockerd's DNAT",
			got:  findRule(t, docker, "nat", "DOCKER", "DNAT"),
			want: snapshot.NetfilterRule{Table: "nat", Chain: "DOCKER", Text: "! -i docker0 -p tcp -m tcp --dport 8888 -j DNAT --to-destination 172.17.0.2:8080",
				Protocol: "tcp", InIface: "docker0", DPorts: []snapshot.PortRange{{From: 8888, To: 8888}},
				Matches: []snapshot.NetfilterMatch{{Module: "tcp", Options: []string{"--dport", "8888"}}},
				Jump:    "DNAT", TargetOptions: []string{"--to-destination", "172.17.0.2:8080"}, Negated: []string{"in_interface"}},
		},
		{
			name: "dockerd's DOCKER accept",
			got:  findRule(t, docker, "filter", "DOCKER", "ACCEPT"),
			want: snapshot.NetfilterRule{Table: "filter", Chain: "DOCKER", Text: "-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8080 -j ACCEPT",
				Protocol: "tcp", Destination: "172.17.0.2/32", InIface: "docker0", OutIface: "docker0", DPorts: []snapshot.PortRange{{From: 8080, To: 8080}},
				Matches: []snapshot.NetfilterMatch{{Module: "tcp", Options: []string{"--dport", "8080"}}}, Jump: "ACCEPT", Negated: []string{"in_interface"}},
		},
		{
			name: "DOCKER-USER returns",
			got:  findRule(t, docker, "filter", "DOCKER-USER", ""),
			want: snapshot.NetfilterRule{Table: "filter", Chain: "DOCKER-USER", Text: "-j RETURN", Jump: "RETURN"},
		},
		{
			name: "nat PREROUTING to DOCKER by addrtype",
			got:  findRule(t, docker, "nat", "PREROUTING", ""),
			want: snapshot.NetfilterRule{Table: "nat", Chain: "PREROUTING", Text: "-m addrtype --dst-type LOCAL -j DOCKER",
				Matches: []snapshot.NetfilterMatch{{Module: "addrtype", Options: []string{"--dst-type", "LOCAL"}}}, Jump: "DOCKER"},
		},
		{
			name: "nat OUTPUT negated destination",
			got:  findRule(t, docker, "nat", "OUTPUT", ""),
			want: snapshot.NetfilterRule{Table: "nat", Chain: "OUTPUT", Text: "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER", Destination: "127.0.0.0/8",
				Matches: []snapshot.NetfilterMatch{{Module: "addrtype", Options: []string{"--dst-type", "LOCAL"}}}, Jump: "DOCKER", Negated: []string{"destination"}},
		},
		{
			name: "multiport",
			got:  findRule(t, ext, "filter", "ufw-user-input", "multiport"),
			want: snapshot.NetfilterRule{Table: "filter", Chain: "ufw-user-input", Text: "-p tcp -m multiport --dports 5555,6000:6010 -j ACCEPT", Protocol: "tcp",
				DPorts:  []snapshot.PortRange{{From: 5555, To: 5555}, {From: 6000, To: 6010}},
				Matches: []snapshot.NetfilterMatch{{Module: "multiport", Options: []string{"--dports", "5555,6000:6010"}}}, Jump: "ACCEPT"},
		},
		{
			name: "ufw's app rule comment, quoted with escapes",
			got:  findRule(t, ext, "filter", "ufw-user-input", "comment"),
			want: snapshot.NetfilterRule{Table: "filter", Chain: "ufw-user-input", Text: `-s 10.0.0.0/24 -p tcp -m tcp --dport 22 -m comment --comment "\'dapp_OpenSSH\'" -j ACCEPT`,
				Protocol: "tcp", Source: "10.0.0.0/24", DPorts: []snapshot.PortRange{{From: 22, To: 22}},
				Matches: []snapshot.NetfilterMatch{{Module: "tcp", Options: []string{"--dport", "22"}}, {Module: "comment", Options: []string{"--comment", "'dapp_OpenSSH'"}}},
				Jump:    "ACCEPT", Comment: "'dapp_OpenSSH'"},
		},
		{
			name: "ufw limit: recent without a target",
			got:  findRule(t, ext, "filter", "ufw-user-input", "--set"),
			want: snapshot.NetfilterRule{Table: "filter", Chain: "ufw-user-input", Text: "-p tcp -m tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource",
				Protocol: "tcp", DPorts: []snapshot.PortRange{{From: 2222, To: 2222}},
				Matches: []snapshot.NetfilterMatch{{Module: "tcp", Options: []string{"--dport", "2222"}}, {Module: "conntrack", Options: []string{"--ctstate", "NEW"}},
					{Module: "recent", Options: []string{"--set", "--name", "DEFAULT", "--mask", "255.255.255.255", "--rsource"}}}},
		},
		{
			name: "ufw's log limit with a quoted log prefix",
			got:  findRule(t, ext, "filter", "ufw-user-limit", "LOG"),
			want: snapshot.NetfilterRule{Table: "filter", Chain: "ufw-user-limit", Text: `-m limit --limit 3/min -j LOG --log-prefix "[UFW LIMIT BLOCK] "`,
				Matches: []snapshot.NetfilterMatch{{Module: "limit", Options: []string{"--limit", "3/min"}}}, Jump: "LOG", TargetOptions: []string{"--log-prefix", "[UFW LIMIT BLOCK] "}},
		},
		{
			name: "ufw6 icmpv6 rule",
			got:  findRule(t, ufw6, "filter", "ufw6-before-input", "ipv6-icmp"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want.Text == "" {
				if tc.got.Protocol != "ipv6-icmp" || tc.got.Unparsed != "" {
					t.Errorf("got %+v", tc.got)
				}
				return
			}
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", tc.got, tc.want)
			}
		})
	}
}

// Rules the parser cannot read are kept with their text and a reason;
// comments that look like secrets are redacted in the text too.
func TestParseSaveRuleEdges(t *testing.T) {
	for _, tc := range []struct {
		name, text, unparsed, comment, outText string
	}{
		{name: "unknown option", text: "-p tcp --frob 1 -j ACCEPT", unparsed: `"--frob" is not understood`},
		{name: "port by name", text: "-p tcp -m tcp --dport ssh -j ACCEPT", unparsed: `--dport ssh: not a port or range: "ssh"`},
		{name: "unterminated quote", text: `-m comment --comment "abc -j ACCEPT`, unparsed: "unterminated quote at column 22"},
		{name: "multiport --ports", text: "-p tcp -m multiport --ports 80 -j ACCEPT", unparsed: "multiport --ports (source or destination) is not parsed into ports"},
		{name: "dangling !", text: "-p tcp !", unparsed: `"!" before ""`},
		{name: "goto with words", text: "-g X --foo", unparsed: "words after -g X"},
		// The app-rule comment form, with a secret written in it.
		{name: "secret comment", text: `-p tcp -m comment --comment "REDIS_PASSWORD=hunter2 db" -j ACCEPT`,
			comment: "REDIS_PASSWORD=<redacted> db", outText: `-p tcp -m comment --comment "REDIS_PASSWORD=<redacted> db" -j ACCEPT`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := parseSaveRule("filter", "INPUT", tc.text)
			if r.Unparsed != tc.unparsed || r.Comment != tc.comment {
				t.Errorf("unparsed %q comment %q, want %q %q", r.Unparsed, r.Comment, tc.unparsed, tc.comment)
			}
			want := tc.text
			if tc.outText != "" {
				want = tc.outText
			}
			if r.Text != want {
				t.Errorf("text %q, want %q", r.Text, want)
			}
		})
	}
}

func TestParseIPTablesSaveErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"rule outside a table", "-A INPUT -j ACCEPT\n", "line 1: \"-A INPUT -j ACCEPT\" outside a table"},
		{"no commit", "*filter\n:INPUT ACCEPT [0:0]\n", "table \"filter\" has no COMMIT"},
		{"nested table", "*filter\n*nat\n", "line 2: table \"nat\" starts before table \"filter\" is committed"},
		{"garbage", "*filter\nhello\nCOMMIT\n", "line 2: not an iptables-save line: \"hello\""},
		{"bad chain", "*filter\n:INPUT\nCOMMIT\n", "line 2: bad chain line \":INPUT\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseIPTablesSave(strings.NewReader(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseNFTRuleset(t *testing.T) {
	both := map[string]bool{"ip": true, "ip6": true}
	for _, tc := range []struct {
		name, file string
		want       []string // family name iptables rules
	}{
		{"ufw", "ufw-nft-list-ruleset.json", []string{"ip filter true 68", "ip6 filter true 107"}},
		{"dockerd", "dockerd-nft-list-ruleset.json", []string{"ip filter true 80", "ip6 filter true 107", "ip nat true 6"}},
		{"extended", "extended-nft-list-ruleset.json", []string{"ip filter true 85", "ip6 filter true 111", "ip nat true 6", "inet filter false 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tables, err := parseNFTRuleset(bytes.NewReader(readNetfilterCapture(t, tc.file)), both)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tb := range tables {
				got = append(got, fmt.Sprintf("%s %s %v %d", tb.Family, tb.Name, tb.IPTables, tb.Rules))
				if tb.IPTables && tb.RuleExprs != nil {
					t.Errorf("%s %s: iptables table keeps rule expressions", tb.Family, tb.Name)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tables %q, want %q", got, tc.want)
			}
		})
	}
	tables, err := parseNFTRuleset(bytes.NewReader(readNetfilterCapture(t, "extended-nft-list-ruleset.json")), both)
	if err != nil {
		t.Fatal(err)
	}
	native := tables[len(tables)-1]
	prio := 0
	wantChains := []snapshot.NFTChain{{Name: "input", Type: "filter", Hook: "input", Priority: &prio, Policy: "accept"}}
	if !reflect.DeepEqual(native.Chains, wantChains) || len(native.RuleExprs) != 1 {
		t.Fatalf("native table %+v", native)
	}
	r := native.RuleExprs[0]
	const wantExpr = `[{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":2375}},{"counter":null},{"drop":null}]`
	if r.Chain != "input" || r.Comment != "no docker api" || string(r.Expr) != wantExpr {
		t.Errorf("native rule %s %q %s, want expr %s", r.Chain, r.Comment, r.Expr, wantExpr)
	}
	// With iptables on the legacy backend, ip filter is a native table.
	legacy, err := parseNFTRuleset(bytes.NewReader(readNetfilterCapture(t, "ufw-nft-list-ruleset.json")), map[string]bool{"ip6": true})
	if err != nil || legacy[0].IPTables || len(legacy[0].RuleExprs) != 68 || legacy[1].RuleExprs != nil {
		t.Errorf("legacy ip: %v %+v", err, legacy[0].Chains)
	}
	for _, bad := range []string{"", "{}", `{"nftables": [{"rule": 5}]}`} {
		if _, err := parseNFTRuleset(strings.NewReader(bad), both); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// fakeRulesetRoot is a host root with the three commands installed.
func fakeRulesetRoot(t *testing.T, bins ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, b := range bins {
		p := filepath.Join(root, b)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

type exitErr struct{}

func (exitErr) Error() string { return "exit status 4" }
func (exitErr) ExitCode() int { return 4 }

// The collector on the captured outputs, and each way it can have none;
// it never fails the scan.
func TestNetfilterCollect(t *testing.T) {
	all := []string{iptablesSaveBinary, ip6tablesSaveBinary, nftBinary}
	captured := func(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
		switch name {
		case iptablesSaveBinary:
			return readNetfilterCapture(t, "dockerd-iptables-save.txt"), nil, nil
		case ip6tablesSaveBinary:
			return readNetfilterCapture(t, "dockerd-ip6tables-save.txt"), nil, nil
		case nftBinary:
			return readNetfilterCapture(t, "dockerd-nft-list-ruleset.json"), nil, nil
		}
		return nil, nil, exec.ErrNotFound
	}
	// What the commands print as a user without CAP_NET_ADMIN.
	denied := func(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
		if name == nftBinary {
			return nil, readNetfilterCapture(t, "nft-nonroot.stderr.txt"), exitErr{}
		}
		return nil, readNetfilterCapture(t, "iptables-save-nonroot.stderr.txt"), exitErr{}
	}
	broken := func(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
		return []byte("*filter\n"), nil, nil
	}
	// A namespace with no rules of a family: ip6tables-save prints
	// nothing at all (seen on the testbed's dockerd host); nft an empty
	// ruleset.
	empty := func(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
		if name == nftBinary {
			return []byte(`{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]}`), nil, nil
		}
		return nil, nil, nil
	}
	for _, tc := range []struct {
		name    string
		bins    []string
		root    bool
		run     Runner
		wantErr error
		want    [3]snapshot.Status
		from    [3]string
	}{
		{"captured", all, true, captured, nil, [3]snapshot.Status{"ok", "ok", "ok"},
			[3]string{"iptables-save (nf_tables)", "ip6tables-save (nf_tables)", "nft -j list ruleset"}},
		{"not root", all, false, captured, ErrPermission, [3]snapshot.Status{"permission", "permission", "permission"},
			[3]string{"iptables-save", "ip6tables-save", "nft -j list ruleset"}},
		{"no nft", all[:2], true, captured, nil, [3]snapshot.Status{"ok", "ok", "unavailable"},
			[3]string{"iptables-save (nf_tables)", "ip6tables-save (nf_tables)", "nft -j list ruleset"}},
		{"nothing installed", nil, true, captured, ErrUnavailable, [3]snapshot.Status{"unavailable", "unavailable", "unavailable"},
			[3]string{"iptables-save", "ip6tables-save", "nft -j list ruleset"}},
		{"denied by the kernel", all, true, denied, ErrPermission, [3]snapshot.Status{"permission", "permission", "permission"},
			[3]string{"iptables-save", "ip6tables-save", "nft -j list ruleset"}},
		{"no rules at all", all, true, empty, nil, [3]snapshot.Status{"ok", "ok", "ok"},
			[3]string{"iptables-save", "ip6tables-save", "nft -j list ruleset"}},
		{"unreadable output", all, true, broken, nil, [3]snapshot.Status{"error", "error", "error"},
			[3]string{"iptables-save", "ip6tables-save", "nft -j list ruleset"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := &Env{Root: fakeRulesetRoot(t, tc.bins...), IsRoot: tc.root, Run: tc.run}
			s, err := (&Netfilter{}).Collect(context.Background(), env)
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) || tc.wantErr == nil && tc.name != "unreadable output" && err != nil {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			sec := s.(*snapshot.NetfilterSection)
			snap := testSnapshot("netfilter")
			snap.Netfilter = sec
			snapshotDoc(t, snap) // fits the schema (no null for an array)
			for i, src := range []snapshot.Source{sec.IPv4.Source, sec.IPv6.Source, sec.NFTables.Source} {
				if src.Status != tc.want[i] || src.From != tc.from[i] {
					t.Errorf("source %d: %+v, want %s from %q", i, src, tc.want[i], tc.from[i])
				}
				if src.Status != snapshot.StatusOK && src.Error == "" {
					t.Errorf("source %d: %s without an error", i, src.Status)
				}
			}
			if tc.name == "captured" && (len(sec.IPv4.Tables) != 2 || len(sec.NFTables.Tables) != 3 || !sec.NFTables.Tables[2].IPTables) {
				t.Errorf("section %+v", sec)
			}
		})
	}
}

// FuzzParseIPTablesSave: any input gives rules or an error, never a
// panic, and every "-A" line of a parsed input is kept as a rule.
func FuzzParseIPTablesSave(f *testing.F) {
	for _, name := range []string{"ufw-iptables-save.txt", "ufw-ip6tables-save.txt", "dockerd-iptables-save.txt", "dockerd-ip6tables-save.txt", "extended-iptables-save.txt"} {
		f.Add(readNetfilterCapture(f, name))
	}
	f.Add([]byte("*filter\n-A X -m comment --comment \"a\\\"b\" ! -s 1.2.3.4 -j DNAT --to 1\nCOMMIT\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseIPTablesSave(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := 0
		for _, tb := range s.Tables {
			n += len(tb.Rules)
		}
		want := 0
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "-A ") {
				want++
			}
		}
		if n != want {
			t.Fatalf("%d rules from %d -A lines", n, want)
		}
	})
}

// BenchmarkParseIPTablesSave parses the dockerd capture.
func BenchmarkParseIPTablesSave(b *testing.B) {
	in := readNetfilterCapture(b, "dockerd-iptables-save.txt")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseIPTablesSave(bytes.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}

// A command that hangs ends with the collector's deadline; the sources say
// so and the section is still returned.
func TestNetfilterCollectTimeout(t *testing.T) {
	hang := func(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
		<-ctx.Done()
		return nil, nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	env := &Env{Root: fakeRulesetRoot(t, iptablesSaveBinary, ip6tablesSaveBinary, nftBinary), IsRoot: true, Run: hang}
	s, err := (&Netfilter{}).Collect(ctx, env)
	if err == nil || s == nil {
		t.Fatalf("err %v, section %v", err, s)
	}
	sec := s.(*snapshot.NetfilterSection)
	if sec.IPv4.Status != snapshot.StatusError || sec.IPv4.Error != "iptables-save: context deadline exceeded" {
		t.Errorf("ipv4 %+v", sec.IPv4.Source)
	}
}
