package collectors

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlscan/mlscan/internal/netspec"
	"github.com/mlscan/mlscan/snapshot"
)

// addUFWSeeds seeds f with every file under testdata/ufw.
func addUFWSeeds(f *testing.F, add func(b []byte)) {
	err := filepath.WalkDir(ufwTestdata, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		add(b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
}

// checkFuzzedUnparsed checks the lines not understood: in order, placed
// between rules, each with its reason and a bounded Raw.
func checkFuzzedUnparsed(t *testing.T, unparsed []snapshot.UFWUnparsedRule, nRules int) {
	t.Helper()
	if len(unparsed) > maxUFWUnparsed {
		t.Fatalf("%d lines not understood kept", len(unparsed))
	}
	for i, u := range unparsed {
		if u.Reason == "" || u.Line < 1 || u.Before < 0 || u.Before > nRules || i > 0 && (u.Before < unparsed[i-1].Before || u.Line <= unparsed[i-1].Line) {
			t.Fatalf("unparsed %d: %+v", i, u)
		}
		if len(u.Raw) > maxUFWUnparsedRaw+3 || u.ToRanges == nil || !u.PortsKnown && len(u.ToRanges) > 0 {
			t.Fatalf("unparsed %d: raw of %d bytes or ranges %v", i, len(u.Raw), u.ToRanges)
		}
	}
}

// checkFuzzedRules checks what any successfully parsed rule must satisfy.
func checkFuzzedRules(t *testing.T, rules []snapshot.UFWRule) {
	t.Helper()
	if rules == nil {
		t.Fatal("nil rules without an error")
	}
	for i, r := range rules {
		switch r.Action {
		case "allow", "deny", "reject", "limit":
		default:
			t.Fatalf("rule %d: action %q", i, r.Action)
		}
		switch r.Direction {
		case "in", "out", "fwd":
		default:
			t.Fatalf("rule %d: direction %q", i, r.Direction)
		}
		switch r.Log {
		case "", "log", "log-all":
		default:
			t.Fatalf("rule %d: log %q", i, r.Log)
		}
		if r.Proto == "" || r.To == "" || r.From == "" || r.ToPorts == "" || r.FromPort == "" || r.Raw == "" {
			t.Fatalf("rule %d: empty field: %+v", i, r)
		}
		if r.ToRanges == nil || r.FromRanges == nil {
			t.Fatalf("rule %d: nil ranges", i)
		}
		for _, pr := range append(append([]snapshot.PortRange{}, r.ToRanges...), r.FromRanges...) {
			if pr.From < 1 || pr.To > 65535 || pr.From > pr.To {
				t.Fatalf("rule %d: range %+v", i, pr)
			}
		}
		if (r.ToPorts == "any") != (len(r.ToRanges) == 0) && r.ToApp == "" {
			t.Fatalf("rule %d: ports %q vs ranges %v", i, r.ToPorts, r.ToRanges)
		}
		for _, n := range []*snapshot.UFWNet{r.ToNet, r.FromNet} {
			if n == nil || n.Family != map[bool]string{false: "ipv4", true: "ipv6"}[r.V6] || n.Cover == "" {
				t.Fatalf("rule %d: net %+v of a v6=%v rule", i, n, r.V6)
			}
			back, err := netspec.Parse(n.Canonical)
			if err != nil || back.IsAny() != n.Any || back.Contiguous() != n.Contiguous {
				t.Fatalf("rule %d: canonical %q does not parse back (%v)", i, n.Canonical, err)
			}
		}
	}
}

func FuzzParseUFWStatus(f *testing.F) {
	addUFWSeeds(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, in []byte) {
		live, rules, unparsed, err := parseUFWStatusLenient(bytes.NewReader(in))
		if err != nil {
			return
		}
		checkFuzzedRules(t, rules)
		checkFuzzedUnparsed(t, unparsed, len(rules))
		if !live.Active && len(rules)+len(unparsed) > 0 {
			t.Fatal("rules while inactive")
		}
		_, strict, serr := parseUFWStatus(bytes.NewReader(in))
		if (serr == nil) != (len(unparsed) == 0) {
			t.Fatalf("strict parse error %v with %d lines not understood (%+v)", serr, len(unparsed), strict)
		}
	})
}

func FuzzParseUFWRulesFile(f *testing.F) {
	addUFWSeeds(f, func(b []byte) {
		f.Add(b, false)
		f.Add(b, true)
	})
	f.Fuzz(func(t *testing.T, in []byte, v6 bool) {
		rules, unparsed, err := parseUFWRulesFileLenient(bytes.NewReader(in), v6)
		if err != nil {
			return
		}
		checkFuzzedRules(t, rules)
		checkFuzzedUnparsed(t, unparsed, len(rules))
		if _, serr := parseUFWRulesFile(bytes.NewReader(in), v6); (serr == nil) != (len(unparsed) == 0) {
			t.Fatalf("strict parse error %v with %d lines not understood", serr, len(unparsed))
		}
		for i, r := range rules {
			if v6 && !r.V6 {
				t.Fatalf("rule %d of user6.rules not v6", i)
			}
		}
	})
}
