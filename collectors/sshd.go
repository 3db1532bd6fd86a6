package collectors

import "context"

// SSHDSection is sshd's effective configuration (being written).
type SSHDSection struct{}

// SSHD reads sshd's effective settings (being written).
type SSHD struct{}

// Name implements Collector.
func (*SSHD) Name() string { return "sshd" }

// Collect implements Collector.
func (*SSHD) Collect(ctx context.Context, env *Env) (Section, error) { return nil, ErrUnavailable }
