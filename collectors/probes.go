package collectors

import "context"

// ProbesSection holds the results of read-only probes (being written).
type ProbesSection struct{}

// Probes asks the services themselves (being written).
type Probes struct{}

// Name implements Collector.
func (*Probes) Name() string { return "probes" }

// Collect implements Collector.
func (*Probes) Collect(ctx context.Context, env *Env) (Section, error) { return nil, ErrUnavailable }
