package collectors

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

// insertAfter returns text with extra inserted after the first line
// containing after.
func insertAfter(t *testing.T, text, after, extra string) string {
	t.Helper()
	i := strings.Index(text, after)
	if i < 0 {
		t.Fatalf("no line with %q", after)
	}
	end := i + strings.IndexByte(text[i:], '\n') + 1
	return text[:end] + extra + "\n" + text[end:]
}

// The captured rules with a non-contiguous mask and ::1/0 are all read,
// with their normalised networks; status and files agree.
func TestUFWNetmaskCapture(t *testing.T) {
	v4net := func(canon string, any bool, cover string) *snapshot.UFWNet {
		return &snapshot.UFWNet{Canonical: canon, Any: any, Family: "ipv4", Contiguous: true, Cover: cover}
	}
	anyV4 := v4net("0.0.0.0/0", true, "0.0.0.0/0")
	anyV6 := &snapshot.UFWNet{Canonical: "::/0", Any: true, Family: "ipv6", Contiguous: true, Cover: "::/0"}
	wantFrom := []*snapshot.UFWNet{
		v4net("10.0.0.0/24", false, "10.0.0.0/24"),
		anyV4,
		{Canonical: "192.168.0.2/255.255.0.2", Family: "ipv4", Cover: "192.168.0.0/16", Addr: "192.168.0.2", Mask: "255.255.0.2"},
		v4net("10.0.0.0/24", false, "10.0.0.0/24"),
		{Canonical: "10.0.0.1/255.255.0.255", Family: "ipv4", Cover: "10.0.0.0/16", Addr: "10.0.0.1", Mask: "255.255.0.255"},
		anyV6,
		anyV6, // ::1/0: every IPv6 address, like Anywhere (v6)
	}
	wantFromText := []string{"10.0.0.0/24", "any", "192.168.0.2/255.255.0.2", "10.0.0.0/24", "10.0.0.1/255.255.0.255", "any", "::1/0"}

	v4, bad4, err := parseUFWRulesFileLenient(strings.NewReader(ufwCapUserRules), false)
	if err != nil || len(bad4) > 0 {
		t.Fatalf("user.rules: %v, not understood %+v", err, bad4)
	}
	v6, bad6, err := parseUFWRulesFileLenient(strings.NewReader(ufwCapUser6Rules), true)
	if err != nil || len(bad6) > 0 {
		t.Fatalf("user6.rules: %v, not understood %+v", err, bad6)
	}
	files := append(v4, v6...)
	tests := []struct {
		name  string
		input string
	}{
		{name: "verbose", input: ufwCapStatusVerbose},
		{name: "numbered", input: ufwCapStatusNumbered},
		{name: "plain", input: ufwCapStatusPlain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rules, unparsed, err := parseUFWStatusLenient(strings.NewReader(tc.input))
			if err != nil || len(unparsed) > 0 {
				t.Fatalf("%v, not understood %+v", err, unparsed)
			}
			if len(rules) != len(wantFrom) || len(files) != len(wantFrom) {
				t.Fatalf("status %d rules, files %d, want %d", len(rules), len(files), len(wantFrom))
			}
			for i, r := range rules {
				if r.From != wantFromText[i] || !reflect.DeepEqual(r.FromNet, wantFrom[i]) {
					t.Errorf("rule %d (%q): From %q net %+v, want %q %+v", i, r.Raw, r.From, r.FromNet, wantFromText[i], wantFrom[i])
				}
				want := anyV4
				if r.V6 {
					want = anyV6
				}
				if !reflect.DeepEqual(r.ToNet, want) {
					t.Errorf("rule %d: ToNet %+v", i, r.ToNet)
				}
				f := files[i]
				f.Raw, r.Raw = "", ""
				if !reflect.DeepEqual(f, r) {
					t.Errorf("rule %d:\n file   %+v\n status %+v", i, f, r)
				}
			}
		})
	}
}

// A row that cannot be read costs only itself: every other rule is read,
// and the row is kept with what could be read of it.
func TestParseUFWStatusLenient(t *testing.T) {
	const after = "22/tcp                     ALLOW IN    10.0.0.0/24"
	tests := []struct {
		name  string
		row   string
		want  snapshot.UFWUnparsedRule
		error string // of the strict parser
	}{
		{
			name: "bad From prefix", row: "8080/tcp                   ALLOW IN    10.0.0.0/33",
			want: snapshot.UFWUnparsedRule{Reason: `From "10.0.0.0/33": not an address, port or application: "10.0.0.0/33"`, Line: 9, Before: 1,
				Action: "allow", Direction: "in", Family: "ipv4", Proto: "tcp", PortsKnown: true, ToRanges: ports(8080, 8080)},
			error: "line 9: From",
		},
		{
			name: "no action", row: "what is this",
			want:  snapshot.UFWUnparsedRule{Reason: "no action (ALLOW, DENY, REJECT or LIMIT)", Line: 9, Before: 1, Family: "ipv4", ToRanges: ports()},
			error: "line 9: no action",
		},
		{
			name: "v6 row with a bad port: every port of IPv6", row: "99999/tcp (v6)             DENY IN     Anywhere (v6)",
			want: snapshot.UFWUnparsedRule{Reason: `To "99999/tcp (v6)": bad port "99999"`, Line: 9, Before: 1,
				Action: "deny", Direction: "in", Family: "ipv6", ToRanges: ports()},
			error: "line 9: To",
		},
		{
			name: "colon but no (v6): family unknown", row: "1:2:3/tcp                  REJECT IN   Anywhere",
			want: snapshot.UFWUnparsedRule{Reason: `To "1:2:3/tcp": bad port "2:3"`, Line: 9, Before: 1,
				Action: "reject", Direction: "in", ToRanges: ports()},
			error: "line 9: To",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := insertAfter(t, ufwCapStatusVerbose, after, tc.row)
			live, rules, unparsed, err := parseUFWStatusLenient(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			if !live.Active || live.DefaultIncoming != "deny" || len(rules) != 7 {
				t.Fatalf("live %+v, %d rules, want the 7 others", live, len(rules))
			}
			tc.want.Raw = tc.row
			if len(unparsed) != 1 || !reflect.DeepEqual(unparsed[0], tc.want) {
				t.Fatalf("unparsed:\n got %+v\nwant %+v", unparsed, tc.want)
			}
			_, _, err = parseUFWStatus(strings.NewReader(in))
			if err == nil || !strings.Contains(err.Error(), tc.error) {
				t.Errorf("strict parser: %v, want %q", err, tc.error)
			}
		})
	}
}

// A tuple or line that cannot be read costs only itself.
func TestParseUFWRulesFileLenient(t *testing.T) {
	tests := []struct {
		name string
		line string
		v6   bool // user6.rules
		want snapshot.UFWUnparsedRule
	}{
		{
			name: "bad source address", line: "### tuple ### allow tcp 8080 0.0.0.0/0 any 10.0.0.300 in",
			want: snapshot.UFWUnparsedRule{Reason: `bad address "10.0.0.300"`, Line: 21, Before: 1,
				Action: "allow", Direction: "in", Family: "ipv4", Proto: "tcp", PortsKnown: true, ToRanges: ports(8080, 8080)},
		},
		{
			name: "unknown action, route", line: "### tuple ### route:permit tcp 443 0.0.0.0/0 any 0.0.0.0/0 in",
			want: snapshot.UFWUnparsedRule{Reason: `unknown action "route:permit"`, Line: 21, Before: 1,
				Direction: "fwd", Family: "ipv4", Proto: "tcp", PortsKnown: true, ToRanges: ports(443, 443)},
		},
		{
			name: "bad port in user6.rules", line: "### tuple ### deny tcp 0 ::/0 any ::/0 in", v6: true,
			want: snapshot.UFWUnparsedRule{Reason: `bad port "0"`, Line: 21, Before: 1,
				Action: "deny", Direction: "in", Family: "ipv6", Proto: "tcp", ToRanges: ports()},
		},
		{
			name: "not iptables-restore input", line: "hello there",
			want: snapshot.UFWUnparsedRule{Reason: "not an iptables-restore line", Line: 21, Before: 1, Family: "ipv4", ToRanges: ports()},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file, after, n := ufwCapUserRules, "### tuple ### allow tcp 22 0.0.0.0/0 any 10.0.0.0/24 in", 5
			if tc.v6 {
				file, after, n = ufwCapUser6Rules, "### tuple ### allow tcp 80 ::/0 any ::/0 in", 2
			}
			in := insertAfter(t, file, after, tc.line)
			rules, unparsed, err := parseUFWRulesFileLenient(strings.NewReader(in), tc.v6)
			if err != nil {
				t.Fatal(err)
			}
			if len(rules) != n || rules[n-1].FromNet.Any != tc.v6 {
				t.Fatalf("got %d rules, want the %d others in order: %+v", len(rules), n, rules)
			}
			tc.want.Raw = tc.line
			if len(unparsed) != 1 || !reflect.DeepEqual(unparsed[0], tc.want) {
				t.Fatalf("unparsed:\n got %+v\nwant %+v", unparsed, tc.want)
			}
			if _, err := parseUFWRulesFile(strings.NewReader(in), tc.v6); err == nil || !strings.Contains(err.Error(), "line 21") {
				t.Errorf("strict parser: %v", err)
			}
		})
	}
}

// Input that is mostly not understood is not ufw's: the whole input is an
// error, not thousands of kept lines.
func TestUFWLenientLimits(t *testing.T) {
	head := "Status: active\n\nTo                         Action      From\n--                         ------      ----\n"
	many := strings.Repeat("what is this\n", maxUFWUnparsed+1)
	if _, _, _, err := parseUFWStatusLenient(strings.NewReader(head + many)); err == nil || !strings.Contains(err.Error(), "not ufw status output") {
		t.Errorf("status: %v", err)
	}
	if _, _, err := parseUFWRulesFileLenient(strings.NewReader(many), false); err == nil || !strings.Contains(err.Error(), "not a ufw rules file") {
		t.Errorf("rules file: %v", err)
	}
	long := "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 " + strings.Repeat("x", 1<<20)
	_, unparsed, err := parseUFWRulesFileLenient(strings.NewReader(long+"\n"), false)
	if err != nil || len(unparsed) != 1 || len(unparsed[0].Raw) != maxUFWUnparsedRaw+3 {
		t.Errorf("long line: %v, %d kept", err, len(unparsed))
	}
}

// TestUFWNetsAsKernelApplies: the normalised source of each captured rule
// is the source the kernel applies (iptables -S, ip6tables -S): masks as
// written, ::1/0 as every IPv6 source (no -s at all).
func TestUFWNetsAsKernelApplies(t *testing.T) {
	for _, tc := range []struct {
		name, rules, kernel string
		v6                  bool
	}{
		{"ipv4", ufwCapUserRules, ufwCapIptablesS, false},
		{"ipv6", ufwCapUser6Rules, ufwCapIP6tablesS, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := parseUFWRulesFile(strings.NewReader(tc.rules), tc.v6)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, r := range rules {
				if r.FromNet == nil {
					t.Fatalf("rule %q: no FromNet", r.Raw)
				}
				src := "any"
				if !r.FromNet.Any {
					src = r.FromNet.Canonical
				}
				got = append(got, src)
			}
			for _, l := range strings.Split(tc.kernel, "\n") {
				if !strings.HasPrefix(l, "-A ") {
					continue
				}
				src := "any"
				if f := strings.Fields(l); slices.Contains(f, "-s") {
					src = f[slices.Index(f, "-s")+1]
				}
				want = append(want, src)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("sources %q, the kernel applies %q", got, want)
			}
		})
	}
}
