package collectors

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/mlscan/mlscan/snapshot"
)

// maxNFTRuleExpr bounds the JSON of one native rule's expressions kept in
// the snapshot; a larger rule keeps its chain and comment only.
const maxNFTRuleExpr = 4096

// iptablesTableNames are the tables iptables-nft creates in families ip
// and ip6.
var iptablesTableNames = map[string]bool{"raw": true, "mangle": true, "nat": true, "filter": true, "security": true}

// parseNFTRuleset reads `nft -j list ruleset` (libnftables-json(5)):
// every table with its chains and rule count, and the rules of the native
// tables (those iptables does not show). nftFamilies names the families
// (ip, ip6) whose iptables uses the nf_tables backend: only there are
// raw/mangle/nat/filter/security iptables' own tables.
func parseNFTRuleset(r io.Reader, nftFamilies map[string]bool) ([]snapshot.NFTTable, error) {
	var doc struct {
		NFTables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("nft JSON: %w", err)
	}
	if doc.NFTables == nil {
		return nil, fmt.Errorf("nft JSON: no \"nftables\" array")
	}
	tables := []snapshot.NFTTable{}
	index := map[[2]string]int{}
	find := func(family, name string) *snapshot.NFTTable {
		k := [2]string{family, name}
		i, ok := index[k]
		if !ok {
			i = len(tables)
			index[k] = i
			tables = append(tables, snapshot.NFTTable{Family: family, Name: name, Chains: []snapshot.NFTChain{},
				IPTables: (family == "ip" || family == "ip6") && nftFamilies[family] && iptablesTableNames[name]})
		}
		return &tables[i]
	}
	for n, obj := range doc.NFTables {
		for kind, raw := range obj {
			var o struct {
				Family  string          `json:"family"`
				Table   string          `json:"table"`
				Name    string          `json:"name"`
				Chain   string          `json:"chain"`
				Type    string          `json:"type"`
				Hook    string          `json:"hook"`
				Prio    *int            `json:"prio"`
				Policy  string          `json:"policy"`
				Comment string          `json:"comment"`
				Expr    json.RawMessage `json:"expr"`
			}
			switch kind {
			case "table", "chain", "rule":
				if err := json.Unmarshal(raw, &o); err != nil {
					return nil, fmt.Errorf("nft JSON: object %d (%s): %w", n, kind, err)
				}
			default: // metainfo, set, map, flowtable, element, ...
				continue
			}
			switch kind {
			case "table":
				find(o.Family, o.Name)
			case "chain":
				t := find(o.Family, o.Table)
				t.Chains = append(t.Chains, snapshot.NFTChain{Name: o.Name, Type: o.Type, Hook: o.Hook, Priority: o.Prio, Policy: o.Policy})
			case "rule":
				t := find(o.Family, o.Table)
				t.Rules++
				if t.IPTables {
					continue
				}
				rule := snapshot.NFTRule{Chain: o.Chain, Comment: redactWords(o.Comment)}
				if e := nftExprWithoutCounters(o.Expr); len(e) <= maxNFTRuleExpr {
					rule.Expr = e
				} else {
					rule.ExprOmitted = true
				}
				t.RuleExprs = append(t.RuleExprs, rule)
			}
		}
	}
	return tables, nil
}

// nftExprWithoutCounters returns the expression array with each counter's
// values dropped ({"counter": null}), so that a snapshot does not change
// with traffic. Anything not an array is returned as it is.
func nftExprWithoutCounters(expr json.RawMessage) json.RawMessage {
	var stmts []map[string]json.RawMessage
	if err := json.Unmarshal(expr, &stmts); err != nil {
		return expr
	}
	for _, s := range stmts {
		if _, ok := s["counter"]; ok {
			s["counter"] = json.RawMessage("null")
		}
	}
	b, err := json.Marshal(stmts)
	if err != nil {
		return expr
	}
	return b
}
