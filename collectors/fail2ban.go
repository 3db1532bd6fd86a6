package collectors

import "context"

// Fail2banSection is fail2ban's state (being written).
type Fail2banSection struct{}

// Fail2ban reads fail2ban's state (being written).
type Fail2ban struct{}

// Name implements Collector.
func (*Fail2ban) Name() string { return "fail2ban" }

// Collect implements Collector.
func (*Fail2ban) Collect(ctx context.Context, env *Env) (Section, error) { return nil, ErrUnavailable }
