package collectors

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// addUFWSeeds seeds f with every file of testdata/ufw.
func addUFWSeeds(f *testing.F, add func(b []byte)) {
	entries, err := os.ReadDir(ufwTestdata)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(ufwTestdata, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// checkFuzzedRules checks what any successfully parsed rule must satisfy.
func checkFuzzedRules(t *testing.T, rules []UFWRule) {
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
		for _, pr := range append(append([]PortRange{}, r.ToRanges...), r.FromRanges...) {
			if pr.From < 1 || pr.To > 65535 || pr.From > pr.To {
				t.Fatalf("rule %d: range %+v", i, pr)
			}
		}
		if (r.ToPorts == "any") != (len(r.ToRanges) == 0) && r.ToApp == "" {
			t.Fatalf("rule %d: ports %q vs ranges %v", i, r.ToPorts, r.ToRanges)
		}
	}
}

func FuzzParseUFWStatus(f *testing.F) {
	addUFWSeeds(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, in []byte) {
		live, rules, err := ParseUFWStatus(bytes.NewReader(in))
		if err != nil {
			return
		}
		checkFuzzedRules(t, rules)
		if !live.Active && len(rules) > 0 {
			t.Fatal("rules while inactive")
		}
	})
}

func FuzzParseUFWRulesFile(f *testing.F) {
	addUFWSeeds(f, func(b []byte) {
		f.Add(b, false)
		f.Add(b, true)
	})
	f.Fuzz(func(t *testing.T, in []byte, v6 bool) {
		rules, err := ParseUFWRulesFile(bytes.NewReader(in), v6)
		if err != nil {
			return
		}
		checkFuzzedRules(t, rules)
		for i, r := range rules {
			if v6 && !r.V6 {
				t.Fatalf("rule %d of user6.rules not v6", i)
			}
		}
	})
}
