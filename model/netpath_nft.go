package model

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// nftChain is a native nftables base chain of type filter the model
// interprets: rules of simple matches (ports, protocol, addresses,
// interface names, conntrack state) and verdicts (accept, drop, reject),
// counters, logs and limits.
type nftChain struct {
	table, name string // "inet filter", "input"
	policy      string // accept or drop
	rules       []*nftRule
}

type nftRule struct {
	pos     int
	text    string
	conds   []cond
	verdict string // accept, drop, reject, return, continue, or unknown
	why     string // for verdict unknown, or a rule that cannot be read
}

// compileNFTChain interprets chain c of native table t, or returns nil
// when any part of it is beyond the model.
func compileNFTChain(t *snapshot.NFTTable, c snapshot.NFTChain) *nftChain {
	if c.Type != "filter" || len(t.RuleExprs) != t.Rules {
		return nil
	}
	nc := &nftChain{table: t.Family + " " + t.Name, name: c.Name, policy: c.Policy}
	switch nc.policy {
	case "":
		nc.policy = "accept"
	case "accept", "drop":
	default:
		return nil
	}
	for _, re := range t.RuleExprs {
		if re.Chain != c.Name {
			continue
		}
		nc.rules = append(nc.rules, compileNFTRule(t.Family, re, len(nc.rules)+1))
	}
	return nc
}

// compileNFTRule reads one rule's expressions.
func compileNFTRule(family string, re snapshot.NFTRule, pos int) *nftRule {
	r := &nftRule{pos: pos, verdict: "continue"}
	var exprs []map[string]json.RawMessage
	if re.ExprOmitted || json.Unmarshal(re.Expr, &exprs) != nil {
		r.verdict, r.why, r.text = "unknown", "its expressions are not in the snapshot", "(expressions omitted)"
		return r
	}
	var words []string
	for _, e := range exprs {
		if len(e) != 1 {
			r.verdict, r.why = "unknown", "an expression with several keys"
			break
		}
		var key string
		var val json.RawMessage
		for k, v := range e {
			key, val = k, v
		}
		switch key {
		case "match":
			c, text, why := nftMatch(family, val)
			words = append(words, text)
			if why != "" {
				r.conds = append(r.conds, always(unk, why))
			} else {
				r.conds = append(r.conds, c)
			}
			continue
		case "counter":
			words = append(words, "counter")
			continue
		case "log":
			words = append(words, "log")
			continue
		case "limit":
			var l struct {
				Inv bool `json:"inv"`
			}
			if json.Unmarshal(val, &l) != nil {
				r.conds = append(r.conds, always(unk, "limit not modelled"))
			} else {
				// The first packet is within any burst.
				r.conds = append(r.conds, always(triOf(!l.Inv), ""))
			}
			words = append(words, "limit")
			continue
		case "accept", "drop", "reject", "return", "continue":
			r.verdict = key
			words = append(words, key)
		default:
			r.verdict, r.why = "unknown", "statement "+key+" not modelled"
			words = append(words, key)
		}
		break
	}
	r.text = strings.Join(words, " ")
	if re.Comment != "" {
		r.text += " comment " + strconv.Quote(re.Comment)
	}
	return r
}

// nftMatch compiles one "match" expression.
func nftMatch(family string, raw json.RawMessage) (cond, string, string) {
	var m struct {
		Op    string          `json:"op"`
		Left  json.RawMessage `json:"left"`
		Right json.RawMessage `json:"right"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil, quoteJSON(raw), "match not modelled"
	}
	var left struct {
		Payload *struct {
			Protocol string `json:"protocol"`
			Field    string `json:"field"`
		} `json:"payload"`
		Meta *struct {
			Key string `json:"key"`
		} `json:"meta"`
		CT *struct {
			Key string `json:"key"`
		} `json:"ct"`
	}
	text := quoteJSON(m.Left) + " " + m.Op + " " + quoteJSON(m.Right)
	if json.Unmarshal(m.Left, &left) != nil {
		return nil, text, "match " + text + " not modelled"
	}
	op := m.Op
	if op == "" {
		op = "=="
	}
	if op != "==" && op != "!=" && op != "in" {
		return nil, text, "match operator " + op + " not modelled"
	}
	neg := op == "!="
	vals, ok := nftValues(m.Right)
	if !ok {
		return nil, text, "match value " + quoteJSON(m.Right) + " not modelled"
	}
	notModelled := "match " + text + " not modelled"
	switch {
	case left.Payload != nil && (left.Payload.Protocol == "tcp" || left.Payload.Protocol == "udp" || left.Payload.Protocol == "th") &&
		(left.Payload.Field == "dport" || left.Payload.Field == "sport"):
		proto, dst := left.Payload.Protocol, left.Payload.Field == "dport"
		text = proto + " " + left.Payload.Field + " " + nftOpText(op) + valuesText(vals)
		ranges, ok := nftPortRanges(vals)
		if !ok {
			return nil, text, notModelled
		}
		return func(w *walk) (tri, string) {
			if proto != "th" && w.proto != proto {
				return no, "" // the payload's protocol is a dependency
			}
			p := w.sport
			if dst {
				p = w.dport
			}
			return triOf(inPorts(ranges, p) != neg), ""
		}, text, ""
	case left.Payload != nil && (left.Payload.Protocol == "ip" || left.Payload.Protocol == "ip6") &&
		(left.Payload.Field == "saddr" || left.Payload.Field == "daddr"):
		v4, src := left.Payload.Protocol == "ip", left.Payload.Field == "saddr"
		text = left.Payload.Protocol + " " + left.Payload.Field + " " + nftOpText(op) + valuesText(vals)
		var ams []addrMask
		for _, v := range vals {
			am, ok := parseAddrMask(v, v4)
			if !ok {
				return nil, text, notModelled
			}
			ams = append(ams, am)
		}
		return func(w *walk) (tri, string) {
			if w.v4 != v4 {
				return no, ""
			}
			a := w.dst
			if src {
				a = w.src
			}
			in := false
			for i := range ams {
				in = in || ams[i].contains(a)
			}
			return triOf(in != neg), ""
		}, text, ""
	case left.Meta != nil && (left.Meta.Key == "l4proto" || left.Meta.Key == "nfproto"):
		text = "meta " + left.Meta.Key + " " + nftOpText(op) + valuesText(vals)
		key := left.Meta.Key
		return func(w *walk) (tri, string) {
			got := w.proto
			alt := map[string]string{"tcp": "6", "udp": "17"}[got]
			if key == "nfproto" {
				got, alt = "ipv6", "10"
				if w.v4 {
					got, alt = "ipv4", "2"
				}
			}
			in := false
			for _, v := range vals {
				in = in || v == got || v == alt
			}
			return triOf(in != neg), ""
		}, text, ""
	case left.Meta != nil && (left.Meta.Key == "iifname" || left.Meta.Key == "oifname"):
		text = left.Meta.Key + " " + nftOpText(op) + valuesText(vals)
		out := left.Meta.Key == "oifname"
		return func(w *walk) (tri, string) {
			name := w.in
			if out {
				name = w.out
			}
			in := false
			for _, v := range vals {
				base, wild := strings.CutSuffix(v, "*")
				in = in || name == v || wild && strings.HasPrefix(name, base)
			}
			return triOf(in != neg), ""
		}, text, ""
	case left.CT != nil && left.CT.Key == "state":
		text = "ct state " + nftOpText(op) + valuesText(vals)
		bits := 0
		for _, v := range vals {
			switch v {
			case "invalid":
				bits |= stInvalid
			case "new":
				bits |= stNew
			case "established":
				bits |= stEstablished
			case "related":
				bits |= stRelated
			case "untracked":
				bits |= stUntracked
			default:
				return nil, text, notModelled
			}
		}
		return func(w *walk) (tri, string) { return triOf((bits&w.stateBit(false) != 0) != neg), "" }, text, ""
	}
	return nil, text, notModelled
}

func nftOpText(op string) string {
	if op == "==" || op == "in" {
		return ""
	}
	return op + " "
}

func valuesText(vals []string) string {
	if len(vals) == 1 {
		return vals[0]
	}
	return "{ " + strings.Join(vals, ", ") + " }"
}

// nftValues reads a match's right side: a number, a string, a list or
// set of them, ranges ("a-b") and prefixes ("a/len").
func nftValues(raw json.RawMessage) ([]string, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return []string{n.String()}, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, true
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var out []string
		for _, e := range list {
			v, ok := nftValues(e)
			if !ok {
				return nil, false
			}
			out = append(out, v...)
		}
		return out, len(out) > 0
	}
	var obj struct {
		Set    []json.RawMessage `json:"set"`
		Range  []json.RawMessage `json:"range"`
		Prefix *struct {
			Addr string `json:"addr"`
			Len  int    `json:"len"`
		} `json:"prefix"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil, false
	}
	switch {
	case obj.Set != nil:
		return nftValues(mustJSON(obj.Set))
	case len(obj.Range) == 2:
		a, ok1 := nftValues(obj.Range[0])
		b, ok2 := nftValues(obj.Range[1])
		if !ok1 || !ok2 || len(a) != 1 || len(b) != 1 {
			return nil, false
		}
		return []string{a[0] + "-" + b[0]}, true
	case obj.Prefix != nil:
		return []string{obj.Prefix.Addr + "/" + strconv.Itoa(obj.Prefix.Len)}, true
	}
	return nil, false
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// nftPortRanges reads ports and "a-b" ranges.
func nftPortRanges(vals []string) ([]snapshot.PortRange, bool) {
	var out []snapshot.PortRange
	for _, v := range vals {
		ranges, err := parsePorts(strings.Replace(v, "-", ":", 1))
		if err != nil || strings.HasPrefix(v, "-") || strings.HasSuffix(v, "-") {
			return nil, false
		}
		out = append(out, ranges...)
	}
	return out, true
}

// runNFT walks an interpreted native chain.
func (w *walk) runNFT(st *stage) outcome {
	nc := st.nft
	step := func(pos int, text, action string) {
		w.d.Path = append(w.d.Path, Step{Family: "nft", Table: nc.table, Chain: nc.name, Rule: pos, Text: text, Action: action})
	}
	for _, r := range nc.rules {
		res, why := yes, ""
		for _, c := range r.conds {
			v, y := c(w)
			if v == no {
				res = no
				break
			}
			if v == unk && res == yes {
				res, why = unk, y
			}
		}
		if res == no || res == yes && r.verdict == "continue" {
			continue
		}
		if res == unk && r.verdict == "continue" {
			continue
		}
		if res == unk || r.verdict == "unknown" {
			if why == "" {
				why = r.why
			}
			step(r.pos, r.text, "unknown")
			w.unknown(fmt.Sprintf("%s: native nftables chain %s %s rule %d: %s", why, nc.table, nc.name, r.pos, r.text))
			return outUnknown
		}
		switch r.verdict {
		case "accept":
			step(r.pos, r.text, "accept")
			return outNext
		case "drop":
			step(r.pos, r.text, "drop")
			return outDrop
		case "reject":
			step(r.pos, r.text, "reject")
			return outReject
		}
		break // return: the policy
	}
	if nc.policy == "drop" {
		step(0, "policy drop", "drop")
		return outDrop
	}
	return outNext
}

// quoteJSON renders an expression for a message with every string that
// is not a plain word, address or port (a payload's literal, a set's
// element that could be a secret) replaced by "…": the collector redacts
// only comments.
func quoteJSON(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "(expression not readable)"
	}
	b, err := json.Marshal(plainStrings(v))
	if err != nil {
		return "(expression not readable)"
	}
	return string(b)
}

func plainStrings(v any) any {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			return "…"
		}
		for _, c := range x {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._:/-@", c)) {
				return "…"
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = plainStrings(x[i])
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = plainStrings(e)
		}
		return x
	}
	return v
}
