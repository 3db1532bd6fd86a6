package collectors

import "context"

// Sockets collects listening sockets (being written).
type Sockets struct{}

// Name implements Collector.
func (*Sockets) Name() string { return "sockets" }

// Collect implements Collector.
func (*Sockets) Collect(ctx context.Context, env *Env) (Section, error) { return nil, ErrUnavailable }
