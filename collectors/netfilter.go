package collectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// The commands the netfilter collector runs, as paths on the scanned host.
const (
	iptablesSaveBinary  = "/usr/sbin/iptables-save"
	ip6tablesSaveBinary = "/usr/sbin/ip6tables-save"
	nftBinary           = "/usr/sbin/nft"
)

// Netfilter collects the kernel's packet-filtering ruleset of both
// families as iptables-save and ip6tables-save print it (whichever backend
// they use), and `nft -j list ruleset` for the native nftables tables that
// iptables does not show. It needs root; each command records its own
// status, and no outcome fails the scan. Nothing reads the section yet:
// it is the evidence the packet-path model will use.
type Netfilter struct{}

var _ Collector = (*Netfilter)(nil)

// Name implements Collector.
func (*Netfilter) Name() string { return "netfilter" }

// Collect implements Collector. The error wraps ErrPermission without
// root and ErrUnavailable when none of the commands is installed.
func (*Netfilter) Collect(ctx context.Context, env *Env) (Section, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sec := &snapshot.NetfilterSection{
		IPv4: collectIPTablesSave(ctx, env, iptablesSaveBinary),
		IPv6: collectIPTablesSave(ctx, env, ip6tablesSaveBinary),
	}
	sec.NFTables = collectNFT(ctx, env, map[string]bool{
		"ip":  sec.IPv4.Status == snapshot.StatusOK && strings.HasSuffix(sec.IPv4.From, "(nf_tables)"),
		"ip6": sec.IPv6.Status == snapshot.StatusOK && strings.HasSuffix(sec.IPv6.From, "(nf_tables)"),
	})
	count := map[snapshot.Status]int{}
	for _, s := range []snapshot.Source{sec.IPv4.Source, sec.IPv6.Source, sec.NFTables.Source} {
		count[s.Status]++
	}
	switch {
	case count[snapshot.StatusOK] > 0:
		return sec, nil
	case count[snapshot.StatusPermission] > 0:
		return sec, fmt.Errorf("netfilter: %w", ErrPermission)
	case count[snapshot.StatusUnavailable] == 3:
		return sec, fmt.Errorf("netfilter: no iptables-save, ip6tables-save or nft: %w", ErrUnavailable)
	}
	return sec, errors.New("netfilter: no ruleset could be read (see the section's sources)")
}

// runRulesetCommand runs a command that needs root and returns its output,
// or the source saying why there is none.
func runRulesetCommand(ctx context.Context, env *Env, from, bin string, args ...string) ([]byte, snapshot.Source) {
	src := snapshot.Source{From: from}
	switch {
	case !ufwPathExists(env.Path(bin)):
		src.Status, src.Error = snapshot.StatusUnavailable, bin+": not found"
		return nil, src
	case !env.IsRoot:
		src.Status, src.Error = snapshot.StatusPermission, from+" needs root: run mlscan as root"
		return nil, src
	}
	stdout, stderr, err := env.Command(ctx, bin, args...)
	if err != nil {
		msg := ufwFirstLine(stderr)
		if msg == "" {
			msg = err.Error()
		}
		src.Status, src.Error = snapshot.StatusError, from+": "+msg
		switch {
		case ctx.Err() != nil:
			src.Error = fmt.Sprintf("%s: %v", from, ctx.Err())
		case strings.Contains(msg, "Permission denied") || strings.Contains(msg, "must be root") || strings.Contains(msg, "Operation not permitted"):
			src.Status = snapshot.StatusPermission
		}
		return nil, src
	}
	src.Status = snapshot.StatusOK
	return stdout, src
}

// collectIPTablesSave runs iptables-save or ip6tables-save and parses it.
// From names the backend the header gives: "iptables-save (nf_tables)".
func collectIPTablesSave(ctx context.Context, env *Env, bin string) snapshot.NetfilterFamily {
	name := bin[strings.LastIndexByte(bin, '/')+1:]
	fam := snapshot.NetfilterFamily{Tables: []snapshot.NetfilterTable{}}
	out, src := runRulesetCommand(ctx, env, name, bin)
	fam.Source = src
	if src.Status != snapshot.StatusOK {
		return fam
	}
	saved, err := parseIPTablesSave(bytes.NewReader(out))
	if err != nil {
		fam.Status, fam.Error = snapshot.StatusError, fmt.Sprintf("parse %s: %v", name, err)
		return fam
	}
	fam.Tables, fam.Notes = saved.Tables, saved.Notes
	if saved.Backend != "" {
		fam.From = name + " (" + saved.Backend + ")"
	}
	return fam
}

// collectNFT runs `nft -j list ruleset` and summarises it.
func collectNFT(ctx context.Context, env *Env, nftFamilies map[string]bool) snapshot.NFTRuleset {
	rs := snapshot.NFTRuleset{Tables: []snapshot.NFTTable{}}
	out, src := runRulesetCommand(ctx, env, "nft -j list ruleset", nftBinary, "-j", "list", "ruleset")
	rs.Source = src
	if src.Status != snapshot.StatusOK {
		return rs
	}
	tables, err := parseNFTRuleset(bytes.NewReader(out), nftFamilies)
	if err != nil {
		rs.Status, rs.Error = snapshot.StatusError, err.Error()
		return rs
	}
	if tables != nil {
		rs.Tables = tables
	}
	return rs
}
