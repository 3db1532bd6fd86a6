package scanner

import (
	"os"
	"testing"

	"github.com/mlscan/mlscan/policies"
)

// The fuzz targets' seed corpora run in every `go test`; run one for real
// with `go test -run=^$ -fuzz=FuzzConfig -fuzztime=60s ./scanner`. The
// snapshot decoder's target is snapshot.FuzzDecode.

func FuzzConfig(f *testing.F) {
	f.Add(policies.DefaultConfig)
	f.Add([]byte("networks:\n  trusted: [10.0.0.0/24]\nregistry:\n  - port: 22\n    proto: tcp\n"))
	f.Add([]byte("registry: {a: 1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := &Config{}
		if err := decodeConfig("f.yaml", b, cfg); err != nil {
			return
		}
		if _, err := cfg.Data(); err != nil {
			t.Fatalf("valid config does not convert: %v", err)
		}
	})
}

func FuzzWaivers(f *testing.F) {
	if b, err := os.ReadFile("../examples/waivers-documented-host.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("waivers:\n  - rule_id: MLS-FW-001\n    subject: '*'\n"))
	f.Add([]byte("waivers: 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ws, err := ParseWaivers("f.yaml", b)
		if err != nil {
			return
		}
		for _, w := range ws {
			if w.Expires == "" || w.Owner == "" {
				t.Fatalf("accepted a waiver without expiry or owner: %+v", w)
			}
		}
	})
}
