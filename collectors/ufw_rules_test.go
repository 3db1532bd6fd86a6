package collectors

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// splitGrepSample splits the grep -A2 sample into its user.rules and
// user6.rules parts, dropping grep's "--" separators.
func splitGrepSample(b []byte) (v4, v6 []byte) {
	b = stripGrepSeparators(b)
	i := bytes.Index(b, []byte("### tuple ### allow any 53 ::/0"))
	return b[:i], b[i:]
}

func TestParseUFWRulesFile(t *testing.T) {
	for _, tc := range ufwRulesCases {
		t.Run(tc.name, func(t *testing.T) {
			in := ufwSample(t, tc.file)
			if tc.prep != nil {
				in = tc.prep(in)
			}
			rules, err := parseUFWRulesFile(bytes.NewReader(in), tc.v6)
			if err != nil {
				t.Fatal(err)
			}
			if rules == nil || len(rules) != tc.count {
				t.Fatalf("got %d rules (nil=%v), want %d", len(rules), rules == nil, tc.count)
			}
			for i, r := range rules {
				if r.V6 != tc.v6 {
					t.Errorf("rule %d: V6=%v", i, r.V6)
				}
				if !strings.HasPrefix(r.Raw, "### tuple ### ") {
					t.Errorf("rule %d: Raw %q", i, r.Raw)
				}
			}
			checkRaw(t, in, rules)
			checkRules(t, rules, tc.checks)
		})
	}
}

func TestParseUFWRulesFileForms(t *testing.T) {
	tests := []struct {
		name string
		line string
		want snapshot.UFWRule
	}{
		{"old 6-field form is incoming", "### tuple ### deny tcp 22 0.0.0.0/0 any 0.0.0.0/0",
			snapshot.UFWRule{Action: "deny", Direction: "in", Proto: "tcp", To: "any", ToPorts: "22", From: "any", FromPort: "any", ToRanges: ports(22, 22), FromRanges: ports()}},
		{"old 8-field app form", "### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 Apache%20Full -",
			snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "80", From: "any", FromPort: "any", ToRanges: ports(80, 80), FromRanges: ports(), ToApp: "Apache Full"}},
		{"source app", "### tuple ### allow udp any 0.0.0.0/0 53 0.0.0.0/0 - Bind9 in",
			snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "udp", To: "any", ToPorts: "any", From: "any", FromPort: "53", ToRanges: ports(), FromRanges: ports(53, 53), FromApp: "Bind9"}},
		{"route, log, both interfaces", "### tuple ### route:reject_log tcp 443 10.0.0.2 any 0.0.0.0/0 in_eth0!out_br-1 comment=6869",
			snapshot.UFWRule{Action: "reject", Direction: "fwd", Proto: "tcp", To: "10.0.0.2", ToPorts: "443", From: "any", FromPort: "any", ToRanges: ports(443, 443), FromRanges: ports(), IfaceIn: "eth0", IfaceOut: "br-1", Log: "log", Comment: "hi"}},
		{"interface with underscore", "### tuple ### allow any any 0.0.0.0/0 any 0.0.0.0/0 in_my_if",
			snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "any", To: "any", ToPorts: "any", From: "any", FromPort: "any", ToRanges: ports(), FromRanges: ports(), IfaceIn: "my_if"}},
		{"odd-length comment hex", "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=6869a",
			snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "22", From: "any", FromPort: "any", ToRanges: ports(22, 22), FromRanges: ports(), Comment: "hi"}},
		{"invalid UTF-8 comment", "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=ff41",
			snapshot.UFWRule{Action: "allow", Direction: "in", Proto: "tcp", To: "any", ToPorts: "22", From: "any", FromPort: "any", ToRanges: ports(22, 22), FromRanges: ports(), Comment: "\uFFFDA"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := parseUFWRulesFile(strings.NewReader(tc.line+"\n"), false)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Raw = tc.line
			if len(rules) != 1 || !reflect.DeepEqual(withoutNets(t, rules[0], tc.want), tc.want) {
				t.Fatalf("\n got %+v\nwant %+v", rules, tc.want)
			}
		})
	}
}

func TestParseUFWRulesFileErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"too few fields", "*filter\n### tuple ### allow tcp 22 0.0.0.0/0 any\n", []string{"line 2", "fields"}},
		{"too many fields", "### tuple ### a b c d e f g h i j k\n", []string{"line 1", "fields"}},
		{"unknown action", "### tuple ### permit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n", []string{"line 1", "permit"}},
		{"unknown route prefix", "### tuple ### routed:allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n", []string{"line 1", "routed:allow"}},
		{"unknown log type", "### tuple ### allow_loud tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n", []string{"line 1", "loud"}},
		{"bad protocol", "### tuple ### allow TCP! 22 0.0.0.0/0 any 0.0.0.0/0 in\n", []string{"line 1", "protocol"}},
		{"bad port", "### tuple ### allow tcp 0 0.0.0.0/0 any 0.0.0.0/0 in\n", []string{"line 1", "port"}},
		{"bad address", "### tuple ### allow tcp 22 10.0.0.300 any 0.0.0.0/0 in\n", []string{"line 1", "10.0.0.300"}},
		{"bad direction", "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 sideways\n", []string{"line 1", "sideways"}},
		{"empty interface", "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_\n", []string{"line 1", "direction"}},
		{"half a pair", "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_a!eth1\n", []string{"line 1", "direction"}},
		{"bad comment hex", "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=zz\n", []string{"line 1", "hex"}},
		{"not a rules file", "*filter\nhello there\n", []string{"line 2", "hello there"}},
		{"too large", strings.Repeat("#", maxUFWInput+1), []string{"larger than 8 MiB"}},
		{"huge bad tuple", "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 " + strings.Repeat("x", 1<<20) + "\n", []string{"line 1", "xxx..."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := parseUFWRulesFile(strings.NewReader(tc.input), false)
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

func BenchmarkParseUFWRulesFile1000(b *testing.B) {
	var tuples []string
	for line := range strings.SplitSeq(string(ufwSample(b, "mlscan-capture-user.rules.txt")), "\n") {
		if strings.HasPrefix(line, "### tuple ###") {
			tuples = append(tuples, line)
		}
	}
	var sb strings.Builder
	sb.WriteString("*filter\n:ufw-user-input - [0:0]\n### RULES ###\n")
	for i := range 1000 {
		f := strings.Fields(tuples[i%len(tuples)])
		if f[5] != "any" { // dport
			f[5] = fmt.Sprint(1000 + i)
		}
		fmt.Fprintf(&sb, "\n%s\n-A ufw-user-input -p tcp --dport %d -j ACCEPT\n", strings.Join(f, " "), 1000+i)
	}
	sb.WriteString("\n### END RULES ###\nCOMMIT\n")
	input := []byte(sb.String())
	if rules, err := parseUFWRulesFile(bytes.NewReader(input), false); err != nil || len(rules) != 1000 {
		b.Fatalf("%d rules, %v", len(rules), err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		if _, err := parseUFWRulesFile(bytes.NewReader(input), false); err != nil {
			b.Fatal(err)
		}
	}
}
