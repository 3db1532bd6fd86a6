package model_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/snapshot"
)

// applyFast loads configuration c into the server's kernel as ufw would
// leave it, with one iptables-restore --noflush per family.
func (b *kernelBed) applyFast(ctx context.Context, c config) error {
	if err := testbed.NSRestore(ctx, b.h.NS, "iptables-restore", c.restore("ipv4")); err != nil {
		return err
	}
	return testbed.NSRestore(ctx, b.h.NS, "ip6tables-restore", c.restore("ipv6"))
}

// applyCLI loads c again through the real ufw command (reset, ufw-docker's
// block appended to after.rules as its README says, default policy,
// rules, enable) and fails the test unless the kernel then holds exactly
// what applyFast loaded: the proof that the generated forms are ufw's.
func (b *kernelBed) applyCLI(t *testing.T, ctx context.Context, c config) {
	t.Helper()
	want := b.ufwChains(t, ctx)
	// dockerd's own DOCKER-USER first: ufw's stop cannot delete
	// ufw-user-forward while ufw-docker's block jumps to it.
	plain := "*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -j RETURN\nCOMMIT\n"
	if err := testbed.NSRestore(ctx, b.h.NS, "iptables-restore", []byte(plain)); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(b.lastReset.Truncate(time.Second).Add(time.Second)); d > 0 {
		time.Sleep(d) // ufw reset names its backups by the second
	}
	t0 := time.Now()
	b.h.UFW(t, "--force", "reset")
	b.lastReset = time.Now()
	tReset := time.Since(t0)
	if c.ufwDocker {
		after := filepath.Join("/etc/netns", b.h.NS, "ufw", "after.rules")
		f, err := os.OpenFile(after, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteString("\n" + ufwDockerRules)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	b.h.UFW(t, "default", c.policy, "incoming")
	for _, r := range c.rules {
		b.h.UFW(t, r.cli()...)
	}
	t0 = time.Now()
	b.h.UFW(t, "--force", "enable")
	t.Logf("seed %d through ufw: reset %s, enable %s", c.seed, tReset.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	if got := b.ufwChains(t, ctx); got != want {
		t.Fatalf("seed %d: ufw's own rules differ from the generated ones\nconfiguration:\n%s\nufw (kernel):\n%s\ngenerated (kernel):\n%s",
			c.seed, c.describe(), got, want)
	}
}

// cliChains are the chains a configuration sets, per family's save.
var cliChains = map[string][]string{
	"iptables-save": {"INPUT", "ufw-user-input", "ufw-user-forward", "ufw-reject-input", "ufw-track-input",
		"ufw-skip-to-policy-input", "DOCKER-USER", "ufw-docker-logging-deny"},
	"ip6tables-save": {"INPUT", "ufw6-user-input", "ufw6-user-forward", "ufw6-reject-input", "ufw6-track-input",
		"ufw6-skip-to-policy-input"},
}

// ufwChains is the kernel's filter-table policy of INPUT and the rules of
// the chains a configuration sets, as iptables-save prints them (the
// kernel's own normal form), both families.
func (b *kernelBed) ufwChains(t *testing.T, ctx context.Context) string {
	t.Helper()
	var out strings.Builder
	for _, save := range []string{"iptables-save", "ip6tables-save"} {
		text, errOut, err := testbed.NSCommand(ctx, b.h.NS, nil, save, "-t", "filter")
		if err != nil {
			t.Fatalf("%s: %v: %s", save, err, errOut)
		}
		for _, l := range strings.Split(string(text), "\n") {
			f := strings.Fields(l)
			switch {
			case len(f) >= 2 && f[0] == ":INPUT":
				fmt.Fprintf(&out, "%s :INPUT %s\n", save, f[1])
			case len(f) >= 2 && f[0] == "-A" && slices.Contains(cliChains[save], f[1]) && f[1] != "INPUT":
				fmt.Fprintf(&out, "%s %s\n", save, l)
			}
		}
	}
	return out.String()
}

// ipAddrJSON is the part of `ip -j addr` the test reads.
type ipAddrJSON struct {
	IfName   string   `json:"ifname"`
	Flags    []string `json:"flags"`
	AddrInfo []struct {
		Local     string `json:"local"`
		PrefixLen int    `json:"prefixlen"`
	} `json:"addr_info"`
}

// parseIPAddr turns `ip -j addr` into the snapshot's interfaces: those
// that are up, each with its addresses as sorted prefixes, by name.
func parseIPAddr(b []byte) ([]snapshot.Interface, error) {
	var raw []ipAddrJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	ifs := []snapshot.Interface{}
	for _, r := range raw {
		if !slices.Contains(r.Flags, "UP") {
			continue
		}
		in := snapshot.Interface{Name: r.IfName, Addresses: []string{}}
		for _, a := range r.AddrInfo {
			addr, err := netip.ParseAddr(a.Local)
			if err != nil {
				return nil, fmt.Errorf("%s: address %q: %w", r.IfName, a.Local, err)
			}
			in.Addresses = append(in.Addresses, netip.PrefixFrom(addr, a.PrefixLen).String())
		}
		slices.Sort(in.Addresses)
		ifs = append(ifs, in)
	}
	slices.SortFunc(ifs, func(a, b snapshot.Interface) int { return strings.Compare(a.Name, b.Name) })
	return ifs, nil
}
