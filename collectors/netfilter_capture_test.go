package collectors

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/snapshot"
)

// netfilterCaptureDir holds the rulesets captured on the testbed.
const netfilterCaptureDir = "../testdata/netfilter"

// netfilterCaptures are the commands captured, by file name suffix.
var netfilterCaptures = []struct {
	suffix string
	args   []string
}{
	{"iptables-save.txt", []string{"iptables-save"}},
	{"ip6tables-save.txt", []string{"ip6tables-save"}},
	{"nft-list-ruleset.json", []string{"nft", "-j", "list", "ruleset"}},
}

// TestNetfilterCapture captures the kernel's rulesets of a testbed host
// running UFW as documented ("ufw-" files), then with dockerd and one
// container published with -p 8888:8080 ("dockerd-" files), then with
// more ufw rule forms and a native nftables table ("extended-" files). With
// MLSCAN_UPDATE_TESTDATA=1 it rewrites testdata/netfilter/; otherwise it
// checks that the live rulesets parse completely and have the captured
// chains, so a change of ufw, dockerd or iptables shows here first.
func TestNetfilterCapture(t *testing.T) {
	testbed.Require(t, "ip", "ufw", "iptables", "ip6tables", "iptables-save", "ip6tables-save", "nft", "dockerd", "docker", "nsenter", "busybox")
	h := testbed.NewHost(t, "server-84", "10.0.0.84/24")
	h.ApplyDocumentedUFW(t)
	capture(t, h, "ufw-")
	d := h.StartDockerd(t)
	d.Run(t, "notebook", "-p", "8888:8080", "--user", "65534:65534", "--memory", "64m",
		testbed.PodmanImage, "httpd", "-f", "-p", "8080", "-h", "/srv/www")
	h.WaitListen(t, 8888)
	capture(t, h, "dockerd-")
	collectLive(t, h)
	// Then the rule forms the documented host lacks: limit (recent),
	// a port list (multiport), an app rule (the comment match: ufw puts
	// no user comment into the kernel's rules), and a native nftables table as Debian's /etc/nftables.conf
	// writes one (iptables does not show it, nft does).
	for _, rule := range [][]string{
		{"limit", "2222/tcp"},
		{"allow", "5555,6000:6010/tcp", "comment", "flower and workers"},
		{"allow", "from", "10.0.0.0/24", "to", "any", "app", "OpenSSH"},
	} {
		h.UFW(t, rule...)
	}
	h.MustExec(t, "nft", "add table inet filter; add chain inet filter input { type filter hook input priority 0; policy accept; }; add rule inet filter input tcp dport 2375 counter drop comment \"no docker api\"")
	capture(t, h, "extended-")
}

// capture saves (or checks) the host's rulesets under prefix.
func capture(t *testing.T, h *testbed.Host, prefix string) {
	t.Helper()
	update := os.Getenv("MLSCAN_UPDATE_TESTDATA") == "1"
	for _, c := range netfilterCaptures {
		out := h.MustExec(t, c.args...)
		path := filepath.Join(netfilterCaptureDir, prefix+c.suffix)
		if update {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if !strings.HasSuffix(c.suffix, "save.txt") {
			continue
		}
		live, err := parseIPTablesSave(strings.NewReader(out))
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(c.args, " "), err)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (capture it with MLSCAN_UPDATE_TESTDATA=1)", err)
		}
		saved, err := parseIPTablesSave(bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := chainNames(live), chainNames(saved); got != want {
			t.Errorf("%s: chains\n%s\nwant (%s)\n%s", strings.Join(c.args, " "), got, path, want)
		}
		for _, tb := range live.Tables {
			for _, r := range tb.Rules {
				if r.Unparsed != "" {
					t.Errorf("%s: rule not understood: %s (%s)", strings.Join(c.args, " "), r.Text, r.Unparsed)
				}
			}
		}
	}
}

// chainNames lists table:chain policy, one a line.
func chainNames(s savedRuleset) string {
	var b strings.Builder
	for _, tb := range s.Tables {
		for _, c := range tb.Chains {
			b.WriteString(tb.Name + ":" + c.Name + " " + c.Policy + "\n")
		}
	}
	return b.String()
}

// collectLive runs the collector itself in the host's namespace (dockerd
// and its container running): both families from the nf_tables backend,
// dockerd's DNAT among the rules, and nft's tables all iptables' own.
func collectLive(t *testing.T, h *testbed.Host) {
	t.Helper()
	run := func(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
		return ExecRunner(ctx, "ip", append([]string{"netns", "exec", h.NS, name}, args...)...)
	}
	sec, err := (&Netfilter{}).Collect(context.Background(), &Env{Root: "/", IsRoot: true, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	nf := sec.(*snapshot.NetfilterSection)
	if nf.IPv4.From != "iptables-save (nf_tables)" || nf.IPv6.From != "ip6tables-save (nf_tables)" || nf.NFTables.Status != snapshot.StatusOK {
		t.Fatalf("sources %+v %+v %+v", nf.IPv4.Source, nf.IPv6.Source, nf.NFTables.Source)
	}
	dnat := false
	for _, tb := range nf.IPv4.Tables {
		for _, r := range tb.Rules {
			dnat = dnat || r.Table == "nat" && r.Jump == "DNAT" && len(r.DPorts) == 1 && r.DPorts[0].From == 8888
		}
	}
	if !dnat {
		t.Error("no DNAT of 8888/tcp in nat")
	}
	for _, tb := range nf.NFTables.Tables {
		if !tb.IPTables {
			t.Errorf("nft table %s %s is not iptables': %+v", tb.Family, tb.Name, tb)
		}
	}
}
