package collectors

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

type fakeCollector struct {
	name string
	fn   func(ctx context.Context) (Section, error)
}

func (f *fakeCollector) Name() string { return f.name }
func (f *fakeCollector) Collect(ctx context.Context, _ *Env) (Section, error) {
	return f.fn(ctx)
}

// TestCollectIsolatesFailures: a collector that panics, one that hangs
// ignoring its context, one that fails and one that returns something not
// a section never stop the others, and each records what happened.
func TestCollectIsolatesFailures(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	cs := []Collector{
		&fakeCollector{"panics", func(context.Context) (Section, error) { panic("boom") }},
		&fakeCollector{"hangs", func(context.Context) (Section, error) { <-block; return nil, nil }},
		&fakeCollector{"denied", func(context.Context) (Section, error) { return nil, ErrPermission }},
		&fakeCollector{"absent", func(context.Context) (Section, error) { return nil, ErrUnavailable }},
		&fakeCollector{"fails", func(context.Context) (Section, error) { return nil, errors.New("bad") }},
		&fakeCollector{"sockets", func(context.Context) (Section, error) {
			return &snapshot.SocketsSection{Owners: snapshot.Source{Status: snapshot.StatusOK}, Listeners: []snapshot.Listener{{Proto: "tcp", Family: "ipv4", Address: "0.0.0.0", Port: 22, Wildcard: true}}}, nil
		}},
		// A section that does not fit the schema (a null where a list
		// must be) costs that collector only: it is left out, the
		// snapshot still fits, and the others stay.
		&fakeCollector{"netfilter", func(context.Context) (Section, error) {
			return &snapshot.NetfilterSection{}, nil
		}},
		&fakeCollector{"skipped", func(context.Context) (Section, error) { t.Error("skipped collector ran"); return nil, nil }},
		&fakeCollector{"stray", func(context.Context) (Section, error) { return &snapshot.Host{}, nil }},
	}
	start := time.Now()
	snap, err := Collect(context.Background(), cs, Options{Timeout: 200 * time.Millisecond, Skip: []string{"skipped"}, Env: Env{ProcRoot: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a hung collector held the run for %s", d)
	}
	want := map[string]snapshot.Status{"panics": snapshot.StatusError, "hangs": snapshot.StatusError, "denied": snapshot.StatusPermission, "absent": snapshot.StatusUnavailable, "fails": snapshot.StatusError, "sockets": snapshot.StatusOK, "skipped": snapshot.StatusSkipped, "stray": snapshot.StatusError, "netfilter": snapshot.StatusError}
	for name, st := range want {
		if got := snap.Collectors[name].Status; got != st {
			t.Errorf("%s: status %s, want %s (%s)", name, got, st, snap.Collectors[name].Error)
		}
	}
	if !strings.Contains(snap.Collectors["panics"].Error, "panicked: boom") || !strings.Contains(snap.Collectors["hangs"].Error, "timed out") ||
		snap.Collectors["stray"].Error != "collector returned *snapshot.Host, not a snapshot section" {
		t.Errorf("errors: %+v", snap.Collectors)
	}
	if snap.Sockets == nil || len(snap.Sockets.Listeners) != 1 {
		t.Errorf("the healthy collector's section is missing")
	}
	if snap.Netfilter != nil || !strings.Contains(snap.Collectors["netfilter"].Error, "its section did not fit the snapshot schema and was left out (does not match the snapshot schema: at /netfilter") {
		t.Errorf("the misfit section: %+v, %q", snap.Netfilter, snap.Collectors["netfilter"].Error)
	}
	if err := validate(snap); err != nil {
		t.Errorf("the snapshot does not fit its schema: %v", err)
	}
}

func TestCollectRejectsUnknownNames(t *testing.T) {
	_, err := Collect(context.Background(), All(), Options{Only: []string{"sokets"}})
	if err == nil || !strings.Contains(err.Error(), `unknown collector "sokets" (valid: sockets, ufw`) {
		t.Fatalf("got %v", err)
	}
}
