package collectors

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/snapshot"
)

// ufwNetns is a network namespace of the test's own with its own /etc/ufw
// (testbed-notes: `ip netns exec` bind-mounts /etc/netns/NAME/ufw over
// /etc/ufw), so ufw loads its rules into that namespace only.
type ufwNetns struct {
	name string
	etc  string // /etc/netns/NAME
}

func newUFWNetns(t *testing.T) *ufwNetns {
	t.Helper()
	n := &ufwNetns{name: fmt.Sprintf("mlsufw%d", os.Getpid())}
	n.etc = filepath.Join("/etc/netns", n.name)
	if out, err := exec.Command("ip", "netns", "add", n.name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "del", n.name).Run()
		_ = os.RemoveAll(n.etc)
	})
	if out, err := exec.Command("mkdir", "-p", n.etc).CombinedOutput(); err != nil {
		t.Fatalf("mkdir: %v: %s", err, out)
	}
	if out, err := exec.Command("cp", "-a", "/etc/ufw", filepath.Join(n.etc, "ufw")).CombinedOutput(); err != nil {
		t.Fatalf("copy /etc/ufw: %v: %s", err, out)
	}
	return n
}

// run runs a command inside the namespace.
func (n *ufwNetns) run(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	return ExecRunner(ctx, "ip", append([]string{"netns", "exec", n.name, name}, args...)...)
}

func (n *ufwNetns) must(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := n.run(context.Background(), args[0], args[1:]...)
	if err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// On a real ufw with the address forms of ufw's own test suite (a
// non-contiguous dotted mask, ::1/0) the collector reads every rule, with
// the networks the kernel applies, and nothing is left unparsed.
func TestUFWCollectRealNetmasks(t *testing.T) {
	testbed.Require(t, "ip", "ufw", "iptables", "ip6tables")
	n := newUFWNetns(t)
	n.must(t, "ufw", "--force", "enable")
	for _, rule := range [][]string{
		{"allow", "from", "10.0.0.0/24", "to", "any", "port", "22", "proto", "tcp"},
		{"allow", "from", "192.168.0.2/255.255.0.2"},
		{"allow", "from", "::1/0"},
		{"deny", "from", "10.0.0.1/255.255.0.255", "to", "any", "port", "8080", "proto", "tcp"},
	} {
		n.must(t, append([]string{"ufw"}, rule...)...)
	}
	// The kernel applies the mask as written and ::1/0 as every source.
	if s := n.must(t, "iptables", "-S", "ufw-user-input"); !strings.Contains(s, "-s 192.168.0.2/255.255.0.2 -j ACCEPT") {
		t.Fatalf("iptables -S:\n%s", s)
	}
	if s := n.must(t, "ip6tables", "-S", "ufw6-user-input"); !strings.Contains(s, "-A ufw6-user-input -j ACCEPT") {
		t.Fatalf("ip6tables -S:\n%s", s)
	}

	// The namespace's files as the host root's /etc, its commands inside it.
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc", "default"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(n.etc, "ufw"), filepath.Join(root, "etc", "ufw")); err != nil {
		t.Fatal(err)
	}
	if err := copyFile("/etc/default/ufw", filepath.Join(root, "etc", "default", "ufw"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "usr", "sbin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/usr/sbin/ufw", filepath.Join(root, "usr", "sbin", "ufw")); err != nil {
		t.Fatal(err)
	}
	for _, active := range []bool{true, false} {
		t.Run(fmt.Sprintf("active=%v", active), func(t *testing.T) {
			if !active {
				n.must(t, "ufw", "disable") // rules come from user.rules and user6.rules
			}
			sec, err := (&UFW{}).Collect(context.Background(), &Env{Root: root, IsRoot: true, Run: n.run})
			if err != nil {
				t.Fatal(err)
			}
			s := sec.(*snapshot.UFWSection)
			wantFrom := ufwStatusFrom
			if !active {
				wantFrom = ufwUserRules + ", " + ufwUser6Rules
			}
			if s.Rules.From != wantFrom {
				t.Errorf("rules from %q, want %q", s.Rules.From, wantFrom)
			}
			if s.Rules.Status != snapshot.StatusOK || len(s.Rules.Unparsed) > 0 || len(s.Rules.Items) != 4 {
				t.Fatalf("rules %+v: %d items, not understood %+v", s.Rules.Source, len(s.Rules.Items), s.Rules.Unparsed)
			}
			got := map[string]snapshot.UFWNet{}
			for _, r := range s.Rules.Items {
				got[r.From] = *r.FromNet
			}
			want := map[string]snapshot.UFWNet{
				"10.0.0.0/24":             {Canonical: "10.0.0.0/24", Family: "ipv4", Contiguous: true, Cover: "10.0.0.0/24"},
				"192.168.0.2/255.255.0.2": {Canonical: "192.168.0.2/255.255.0.2", Family: "ipv4", Cover: "192.168.0.0/16", Addr: "192.168.0.2", Mask: "255.255.0.2"},
				"10.0.0.1/255.255.0.255":  {Canonical: "10.0.0.1/255.255.0.255", Family: "ipv4", Cover: "10.0.0.0/16", Addr: "10.0.0.1", Mask: "255.255.0.255"},
				"::1/0":                   {Canonical: "::/0", Any: true, Family: "ipv6", Contiguous: true, Cover: "::/0"},
			}
			for from, w := range want {
				if got[from] != w {
					t.Errorf("from %s: got %+v, want %+v", from, got[from], w)
				}
			}
		})
	}
}
