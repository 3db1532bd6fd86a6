package collectors

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// ufwStatusCases covers every `ufw status` sample in testdata/ufw.
var ufwStatusCases = []struct {
	name     string
	file     string
	live     snapshot.UFWLive
	count    int
	counts   map[string]int // rules per direction
	v6       int            // rules with V6
	checks   []ruleCheck
	noChecks bool
}{
	{
		name: "inactive", file: "jc-generic-ufw-status-inactive.txt",
		live: snapshot.UFWLive{Active: false}, count: 0,
	},
	{
		name: "inactive captured", file: "mlscan-capture-ufw-status-verbose-inactive.txt",
		live: snapshot.UFWLive{Active: false}, count: 0,
	},
	{
		name: "verbose no rules, deny incoming", file: "ufw-status-verbose-norules-deny.txt",
		live:  snapshot.UFWLive{Active: true, Logging: "on", LogLevel: "low", DefaultIncoming: "deny", DefaultOutgoing: "allow", DefaultRouted: "disabled"},
		count: 0,
	},
	{
		name: "verbose no rules, allow incoming", file: "ufw-status-verbose-norules-allow-incoming.txt",
		live:  snapshot.UFWLive{Active: true, Logging: "on", LogLevel: "low", DefaultIncoming: "allow", DefaultOutgoing: "allow", DefaultRouted: "disabled"},
		count: 0,
	},
	{
		name: "verbose apps, v6, overflowing columns", file: "ufw-status-verbose-apps-v6-longcols.txt",
		live:  snapshot.UFWLive{Active: true, Logging: "on", LogLevel: "low", DefaultIncoming: "deny", DefaultOutgoing: "allow", DefaultRouted: "disabled"},
		count: 29, counts: map[string]int{"in": 29}, v6: 19,
		checks: []ruleCheck{
			{1, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "any", ToPorts: "137,138", From: "any", FromPort: "any",
				ToRanges: ports(137, 137, 138, 138), FromRanges: ports(), ToApp: "Samba"}},
			{3, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "any", ToPorts: "any", From: "any", FromPort: "137,138",
				ToRanges: ports(), FromRanges: ports(137, 137, 138, 138), FromApp: "Samba"}},
			{15, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "any", ToPorts: "137,138", From: "any", FromPort: "53",
				ToRanges: ports(137, 137, 138, 138), FromRanges: ports(53, 53), V6: true, ToApp: "Samba", FromApp: "Bind9"}},
			{17, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "any", ToPorts: "137,138", From: "any", FromPort: "13",
				ToRanges: ports(137, 137, 138, 138), FromRanges: ports(13, 13), V6: true, ToApp: "Samba"}},
			// "2001:db8::/32 137,138/udp (Samba) ALLOW IN    Anywhere (v6)": the To column overflows.
			{20, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "2001:db8::/32", ToPorts: "137,138", From: "any", FromPort: "any",
				ToRanges: ports(137, 137, 138, 138), FromRanges: ports(), V6: true, ToApp: "Samba"}},
			{23, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "any", From: "2001:db8::/32", FromPort: "139,445",
				ToRanges: ports(), FromRanges: ports(139, 139, 445, 445), V6: true, FromApp: "Samba"}},
			{28, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "2001:db8::/32", ToPorts: "80", From: "2001:db8::/32", FromPort: "88",
				ToRanges: ports(80, 80), FromRanges: ports(88, 88), V6: true, ToApp: "Apache"}},
		},
	},
	{
		name: "plain with route rules", file: "ufw-status-route-fwd.txt",
		live: snapshot.UFWLive{Active: true}, count: 17, counts: map[string]int{"fwd": 17}, v6: 6,
		checks: []ruleCheck{
			{4, snapshot.UFWRule{Action: "deny", Direction: "fwd", Proto: "tcp", To: "192.168.0.1", ToPorts: "25", From: "10.0.0.0/8", FromPort: "any",
				ToRanges: ports(25, 25), FromRanges: ports()}},
			{10, snapshot.UFWRule{Action: "limit", Direction: "fwd", Proto: "tcp", To: "any", ToPorts: "13", From: "any", FromPort: "any",
				ToRanges: ports(13, 13), FromRanges: ports()}},
			{16, snapshot.UFWRule{Action: "deny", Direction: "fwd", Proto: "any", To: "2001:db8:3:4:5:6:7:8", ToPorts: "any", From: "2001:db8::/32", FromPort: "26",
				ToRanges: ports(), FromRanges: ports(26, 26), V6: true}},
		},
	},
	{
		name: "plain, incoming without IN, limit and v6", file: "ufw-status-plain-limit-v6.txt",
		live: snapshot.UFWLive{Active: true}, count: 15, counts: map[string]int{"in": 15}, v6: 4,
		checks: []ruleCheck{
			{0, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "53", From: "any", FromPort: "any",
				ToRanges: ports(53, 53), FromRanges: ports()}},
			{5, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "any", From: "10.0.0.0/8", FromPort: "any",
				ToRanges: ports(), FromRanges: ports()}},
			{9, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "1.2.3.4", ToPorts: "5469", From: "1.2.3.5", FromPort: "5469",
				ToRanges: ports(5469, 5469), FromRanges: ports(5469, 5469)}},
			{10, snapshot.UFWRule{Action: "limit", Direction: "in", Proto: "tcp", To: "any", ToPorts: "13", From: "any", FromPort: "any",
				ToRanges: ports(13, 13), FromRanges: ports()}},
			{14, snapshot.UFWRule{Action: "deny", Direction: "in", Proto: "tcp", To: "any", ToPorts: "80", From: "any", FromPort: "any",
				ToRanges: ports(80, 80), FromRanges: ports(), V6: true}},
		},
	},
	{
		name: "numbered", file: "ufw-status-numbered.txt",
		live: snapshot.UFWLive{Active: true}, count: 8, counts: map[string]int{"in": 8}, v6: 4,
		checks: []ruleCheck{
			{0, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "1", From: "any", FromPort: "any",
				ToRanges: ports(1, 1), FromRanges: ports()}},
			{7, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "4", From: "any", FromPort: "any",
				ToRanges: ports(4, 4), FromRanges: ports(), V6: true}},
		},
	},
	{
		name: "jc verbose: lists, ranges, on eth0, esp, ah, ipv6", file: "jc-ubuntu1804-ufw-status-verbose.txt",
		live:  snapshot.UFWLive{Active: true, Logging: "on", LogLevel: "low", DefaultIncoming: "deny", DefaultOutgoing: "allow", DefaultRouted: "disabled"},
		count: 15, counts: map[string]int{"in": 15}, v6: 5,
		checks: []ruleCheck{
			{2, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "80", From: "any", FromPort: "any",
				ToRanges: ports(80, 80), FromRanges: ports(), IfaceIn: "eth0", Comment: "test"}},
			{3, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "ipv6", To: "10.0.0.1", ToPorts: "any", From: "10.4.0.0/16", FromPort: "any",
				ToRanges: ports(), FromRanges: ports()}},
			{6, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "ah", To: "10.0.0.1", ToPorts: "any", From: "any", FromPort: "any",
				ToRanges: ports(), FromRanges: ports()}},
			{8, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "100:200,300:400", From: "any", FromPort: "any",
				ToRanges: ports(100, 200, 300, 400), FromRanges: ports()}},
			{12, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "80", From: "any", FromPort: "any",
				ToRanges: ports(80, 80), FromRanges: ports(), V6: true, IfaceIn: "eth0", Comment: "test"}},
		},
	},
	{
		name: "jc numbered", file: "jc-ubuntu1804-ufw-status-numbered.txt",
		live: snapshot.UFWLive{Active: true}, count: 15, counts: map[string]int{"in": 15}, v6: 5,
		checks: []ruleCheck{
			{5, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "esp", To: "10.0.0.1", ToPorts: "any", From: "10.4.0.0/16", FromPort: "any",
				ToRanges: ports(), FromRanges: ports()}},
			// "[15] 1,2,100:200,300:400/udp (v6) ALLOW IN ...": overflowing To.
			{14, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "any", ToPorts: "1,2,100:200,300:400", From: "any", FromPort: "any",
				ToRanges: ports(1, 1, 2, 2, 100, 200, 300, 400), FromRanges: ports(), V6: true}},
		},
	},
	{
		name: "jc synthetic edge cases", file: "jc-generic-ufw-status-verbose-edgecases.txt",
		live:  snapshot.UFWLive{Active: true, Logging: "on", LogLevel: "low", DefaultIncoming: "deny", DefaultOutgoing: "allow", DefaultRouted: "deny"},
		count: 15, counts: map[string]int{"in": 11, "out": 2, "fwd": 2}, v6: 7,
		checks: []ruleCheck{
			{1, snapshot.UFWRule{Action: "allow", Direction: "out", Proto: "tcp", To: "any", ToPorts: "22", From: "any", FromPort: "any",
				ToRanges: ports(22, 22), FromRanges: ports(), V6: true}},
			{2, snapshot.UFWRule{Action: "deny", Direction: "in", Proto: "tcp", To: "any", ToPorts: "443", From: "192.168.0.1", FromPort: "any",
				ToRanges: ports(443, 443), FromRanges: ports(), Comment: "nice comment"}},
			{5, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "any", ToPorts: "22", From: "192.168.0.0/24", FromPort: "8080:8081",
				ToRanges: ports(22, 22), FromRanges: ports(8080, 8081), IfaceIn: "en0"}},
			// "#commenting" without a space; a route rule's From interface is its incoming one.
			{6, snapshot.UFWRule{Action: "allow", Direction: "fwd", Proto: "tcp", To: "any", ToPorts: "22", From: "2405:204:7449:49fc:f09a:6f4a:bc93:1955/64", FromPort: "any",
				ToRanges: ports(22, 22), FromRanges: ports(), V6: true, IfaceIn: "en1", Comment: "commenting this rule"}},
			{8, snapshot.UFWRule{Action: "reject", Direction: "in", Proto: "any", To: "any", ToPorts: "8080", From: "any", FromPort: "any",
				ToRanges: ports(8080, 8080), FromRanges: ports(), V6: true}},
			{9, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "any", From: "any", FromPort: "any",
				ToRanges: ports(), FromRanges: ports(), ToApp: "Apache Full", Comment: "a comment"}},
			{11, snapshot.UFWRule{Action: "deny", Direction: "in", Proto: "any", To: "any", ToPorts: "any", From: "any", FromPort: "any",
				ToRanges: ports(), FromRanges: ports(), V6: true, ToApp: "OpenSSH"}},
			// "10.10.10.10 8080 on enp34s0 ALLOW       127.0.0.1 8000"
			{12, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "10.10.10.10", ToPorts: "8080", From: "127.0.0.1", FromPort: "8000",
				ToRanges: ports(8080, 8080), FromRanges: ports(8000, 8000), IfaceIn: "enp34s0"}},
			// "Anywhere (v6)              LIMIT      2405:...:1955    # this is a comment"
			{14, snapshot.UFWRule{Action: "limit", Direction: "in", Proto: "any", To: "any", ToPorts: "any", From: "2405:204:7449:49fc:f09a:6f4a:bc93:1955", FromPort: "any",
				ToRanges: ports(), FromRanges: ports(), V6: true, Comment: "this is a comment"}},
		},
	},
	{
		name: "captured verbose", file: "mlscan-capture-ufw-status-verbose.txt",
		live:  snapshot.UFWLive{Active: true, Logging: "on", LogLevel: "low", DefaultIncoming: "deny", DefaultOutgoing: "allow", DefaultRouted: "disabled"},
		count: 39, counts: map[string]int{"in": 28, "out": 6, "fwd": 5}, v6: 17,
		checks: []ruleCheck{
			{0, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "22", From: "10.0.0.0/24", FromPort: "any",
				ToRanges: ports(22, 22), FromRanges: ports(), Comment: "ssh from lan"}},
			{2, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "8265", From: "10.0.0.0/24", FromPort: "any",
				ToRanges: ports(8265, 8265), FromRanges: ports(), IfaceIn: "veth0"}},
			{4, snapshot.UFWRule{Action: "reject", Direction: "in", Proto: "tcp", To: "any", ToPorts: "2375:2376", From: "any", FromPort: "any",
				ToRanges: ports(2375, 2376), FromRanges: ports()}},
			{6, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "10002:19999", From: "any", FromPort: "any",
				ToRanges: ports(10002, 19999), FromRanges: ports(), Log: "log"}},
			{7, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "10.0.0.84", ToPorts: "6379", From: "10.0.0.0/24", FromPort: "any",
				ToRanges: ports(6379, 6379), FromRanges: ports(), Log: "log-all"}},
			{9, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "80,443", From: "10.0.0.0/24", FromPort: "any",
				ToRanges: ports(80, 80, 443, 443), FromRanges: ports(), ToApp: "WWW Full"}},
			{10, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "esp", To: "any", ToPorts: "any", From: "10.0.0.0/24", FromPort: "any",
				ToRanges: ports(), FromRanges: ports()}},
			{11, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "any", From: "any", FromPort: "any",
				ToRanges: ports(), FromRanges: ports()}},
			{12, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "5555", From: "any", FromPort: "any",
				ToRanges: ports(5555, 5555), FromRanges: ports(), Comment: "flower # with hash"}},
			{13, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "3002", From: "any", FromPort: "any",
				ToRanges: ports(3002, 3002), FromRanges: ports(), Comment: "grafana café"}},
			{14, snapshot.UFWRule{Action: "deny", Direction: "in", Proto: "tcp", To: "any", ToPorts: "9090", From: "10.0.0.5", FromPort: "1234",
				ToRanges: ports(9090, 9090), FromRanges: ports(1234, 1234)}},
			// "9100/tcp  ALLOW IN  2001:db8::/32": v6 only by its address.
			{21, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "9100", From: "2001:db8::/32", FromPort: "any",
				ToRanges: ports(9100, 9100), FromRanges: ports(), V6: true}},
			{27, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "22", From: "any", FromPort: "any",
				ToRanges: ports(22, 22), FromRanges: ports(), V6: true, IfaceIn: "eth0", ToApp: "OpenSSH"}},
			{29, snapshot.UFWRule{Action: "allow", Direction: "out", Proto: "udp", To: "8.8.8.8", ToPorts: "53", From: "any", FromPort: "any",
				ToRanges: ports(53, 53), FromRanges: ports(), IfaceOut: "eth1"}},
			{32, snapshot.UFWRule{Action: "deny", Direction: "out", Proto: "any", To: "any", ToPorts: "23", From: "any", FromPort: "any",
				ToRanges: ports(23, 23), FromRanges: ports(), V6: true, IfaceOut: "eth1", Log: "log"}},
			{34, snapshot.UFWRule{Action: "allow", Direction: "fwd", Proto: "tcp", To: "10.0.0.2", ToPorts: "80", From: "any", FromPort: "any",
				ToRanges: ports(80, 80), FromRanges: ports(), IfaceIn: "eth0", IfaceOut: "eth1"}},
			{36, snapshot.UFWRule{Action: "allow", Direction: "fwd", Proto: "tcp", To: "any", ToPorts: "80,443", From: "10.0.0.0/24", FromPort: "any",
				ToRanges: ports(80, 80, 443, 443), FromRanges: ports(), IfaceIn: "eth0", IfaceOut: "eth1", ToApp: "WWW Full"}},
			{38, snapshot.UFWRule{Action: "allow", Direction: "fwd", Proto: "any", To: "any", ToPorts: "any", From: "any", FromPort: "any",
				ToRanges: ports(), FromRanges: ports(), V6: true, IfaceIn: "eth0", IfaceOut: "eth1"}},
		},
	},
	{
		name: "captured plain: apps by name", file: "mlscan-capture-ufw-status.txt",
		live: snapshot.UFWLive{Active: true}, count: 39, counts: map[string]int{"in": 28, "out": 6, "fwd": 5}, v6: 17,
		checks: []ruleCheck{
			{8, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "any", From: "any", FromPort: "any",
				ToRanges: ports(), FromRanges: ports(), ToApp: "OpenSSH"}},
			{27, snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "any", From: "any", FromPort: "any",
				ToRanges: ports(), FromRanges: ports(), V6: true, IfaceIn: "eth0", ToApp: "OpenSSH"}},
			{36, snapshot.UFWRule{Action: "allow", Direction: "fwd", Proto: "any", To: "any", ToPorts: "any", From: "10.0.0.0/24", FromPort: "any",
				ToRanges: ports(), FromRanges: ports(), IfaceIn: "eth0", IfaceOut: "eth1", ToApp: "WWW Full"}},
		},
	},
	{
		name: "captured numbered: (log, out) attributes", file: "mlscan-capture-ufw-status-numbered.txt",
		live: snapshot.UFWLive{Active: true}, count: 39, counts: map[string]int{"in": 28, "out": 6, "fwd": 5}, v6: 17,
		checks: []ruleCheck{
			{8, snapshot.UFWRule{Action: "deny", Direction: "out", Proto: "tcp", To: "any", ToPorts: "25", From: "any", FromPort: "any",
				ToRanges: ports(25, 25), FromRanges: ports()}},
			{21, snapshot.UFWRule{Action: "deny", Direction: "out", Proto: "any", To: "any", ToPorts: "23", From: "any", FromPort: "any",
				ToRanges: ports(23, 23), FromRanges: ports(), IfaceOut: "eth1", Log: "log"}},
			{38, snapshot.UFWRule{Action: "allow", Direction: "out", Proto: "udp", To: "2001:db8::53", ToPorts: "53", From: "any", FromPort: "any",
				ToRanges: ports(53, 53), FromRanges: ports(), V6: true, Log: "log-all"}},
		},
	},
}

func TestParseUFWStatus(t *testing.T) {
	for _, tc := range ufwStatusCases {
		t.Run(tc.name, func(t *testing.T) {
			in := ufwSample(t, tc.file)
			live, rules, err := parseUFWStatus(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(live, tc.live) {
				t.Errorf("live:\n got %+v\nwant %+v", live, tc.live)
			}
			if rules == nil || len(rules) != tc.count {
				t.Fatalf("got %d rules (nil=%v), want %d", len(rules), rules == nil, tc.count)
			}
			counts, v6 := map[string]int{}, 0
			for _, r := range rules {
				counts[r.Direction]++
				if r.V6 {
					v6++
				}
			}
			if tc.count > 0 && !reflect.DeepEqual(counts, tc.counts) {
				t.Errorf("directions: got %v, want %v", counts, tc.counts)
			}
			if v6 != tc.v6 {
				t.Errorf("v6 rules: got %d, want %d", v6, tc.v6)
			}
			checkRaw(t, in, rules)
			checkRules(t, rules, tc.checks)
		})
	}
}

// The numbered status lists rules in file order (user.rules then
// user6.rules): parsing the captured files must give the same rules.
func TestUFWStatusMatchesRulesFiles(t *testing.T) {
	_, status, err := parseUFWStatus(bytes.NewReader(ufwSample(t, "mlscan-capture-ufw-status-numbered.txt")))
	if err != nil {
		t.Fatal(err)
	}
	v4, err := parseUFWRulesFile(bytes.NewReader(ufwSample(t, "mlscan-capture-user.rules.txt")), false)
	if err != nil {
		t.Fatal(err)
	}
	v6, err := parseUFWRulesFile(bytes.NewReader(ufwSample(t, "mlscan-capture-user6.rules.txt")), true)
	if err != nil {
		t.Fatal(err)
	}
	files := append(v4, v6...)
	if len(files) != len(status) {
		t.Fatalf("files have %d rules, status %d", len(files), len(status))
	}
	for i := range files {
		f, s := files[i], status[i]
		f.Raw, s.Raw = "", ""
		if s.ToApp != "" || s.FromApp != "" {
			// Status shows an application by name only: no ports, no proto.
			f.Proto, f.ToPorts, f.FromPort, f.ToRanges, f.FromRanges = s.Proto, s.ToPorts, s.FromPort, s.ToRanges, s.FromRanges
		}
		if !reflect.DeepEqual(f, s) {
			t.Errorf("rule %d:\n file   %+v\n status %+v", i+1, f, s)
		}
	}
}

func TestParseUFWStatusErrors(t *testing.T) {
	const head = "Status: active\n\nTo                         Action      From\n--                         ------      ----\n"
	tests := []struct {
		name  string
		input string
		want  []string // substrings of the error
	}{
		{"empty", "", []string{"no \"Status:\" line"}},
		{"not ufw", "hello world\n", []string{"line 1", "Status:"}},
		{"unknown status", "Status: sleepy\n", []string{"line 1", "sleepy"}},
		{"garbage row", head + "22/tcp                     ALLOW IN    Anywhere\nthis is not a rule\n", []string{"line 6", "this is not a rule"}},
		{"bad port", head + "99999/tcp                  ALLOW IN    Anywhere\n", []string{"line 5", "99999"}},
		{"reversed range", head + "200:100/tcp                ALLOW IN    Anywhere\n", []string{"line 5", "200:100"}},
		{"bad address", head + "10.0.0.300 22/tcp          ALLOW IN    Anywhere\n", []string{"line 5"}},
		{"protocols disagree", head + "1.2.3.4 53/udp             ALLOW IN    1.2.3.5 53/tcp\n", []string{"line 5", "disagree"}},
		{"no From", head + "22/tcp                     ALLOW IN\n", []string{"line 5", "From"}},
		{"comment only", head + "22/tcp                     ALLOW IN    # hi\n", []string{"line 5"}},
		{"unbalanced", head + "22/tcp (Samba               ALLOW IN    Anywhere\n", []string{"line 5"}},
		{"text after Anywhere", head + "Anywhere 22                ALLOW IN    Anywhere\n", []string{"line 5", "Anywhere"}},
		{"bad number", head + "[ x] 22/tcp                ALLOW IN    Anywhere\n", []string{"line 5", "number"}},
		{"junk before table", "Status: active\nsomething odd\n", []string{"line 2", "something odd"}},
		{"bad defaults", "Status: active\nDefault: deny (sideways)\n", []string{"line 2", "sideways"}},
		{"rules while inactive", "Status: inactive\n\nTo Action From\n-- ------ ----\n22 ALLOW IN Anywhere\n", []string{"inactive"}},
		{"too large", strings.Repeat("x", maxUFWInput+1), []string{"larger than 8 MiB"}},
		{"huge garbage row", head + strings.Repeat("x", 1<<20) + "\n", []string{"line 5", "xxx..."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rules, err := parseUFWStatus(strings.NewReader(tc.input))
			if err == nil {
				t.Fatalf("no error; rules %+v", rules)
			}
			if len(err.Error()) > 500 {
				t.Errorf("error of %d bytes: bad lines must be clipped", len(err.Error()))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseUFWStatusHeader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  snapshot.UFWLive
		count int
	}{
		{"logging off, other policies", "Status: active\nLogging: off\nDefault: reject (incoming), deny (outgoing), allow (routed)\nNew profiles: skip\n",
			snapshot.UFWLive{Active: true, Logging: "off", DefaultIncoming: "reject", DefaultOutgoing: "deny", DefaultRouted: "allow"}, 0},
		{"unknown header lines are skipped", "Status: active\nLogging: on (full)\nSome Future Field: x\n",
			snapshot.UFWLive{Active: true, Logging: "on", LogLevel: "full"}, 0},
		{"CRLF line ends", strings.ReplaceAll(string(ufwSample(t, "jc-ubuntu1804-ufw-status-verbose.txt")), "\n", "\r\n"),
			snapshot.UFWLive{Active: true, Logging: "on", LogLevel: "low", DefaultIncoming: "deny", DefaultOutgoing: "allow", DefaultRouted: "disabled"}, 15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live, rules, err := parseUFWStatus(strings.NewReader(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(live, tc.want) || len(rules) != tc.count {
				t.Fatalf("got %+v and %d rules, want %+v and %d", live, len(rules), tc.want, tc.count)
			}
			for _, r := range rules {
				if strings.ContainsAny(r.Raw, "\r\n") {
					t.Errorf("Raw %q keeps the line end", r.Raw)
				}
			}
		})
	}
}

// An action word in an overflowing To field must not be taken for the
// action when the real one sits at ufw's column.
func TestParseUFWStatusActionColumn(t *testing.T) {
	in := "Status: active\n\nTo                         Action      From\n--                         ------      ----\n" +
		"My LIMIT app               ALLOW IN    Anywhere\n"
	_, rules, err := parseUFWStatus(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].Action != "allow" || rules[0].ToApp != "My LIMIT app" {
		t.Fatalf("got %+v", rules)
	}
}

func BenchmarkParseUFWStatus1000(b *testing.B) {
	rows := ufwBenchRows(b, 1000)
	input := []byte("Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\nNew profiles: skip\n\n" +
		"To                         Action      From\n--                         ------      ----\n" + strings.Join(rows, "\n") + "\n")
	if _, rules, err := parseUFWStatus(bytes.NewReader(input)); err != nil || len(rules) != 1000 {
		b.Fatalf("%d rules, %v", len(rules), err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		if _, _, err := parseUFWStatus(bytes.NewReader(input)); err != nil {
			b.Fatal(err)
		}
	}
}
