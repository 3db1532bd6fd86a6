package collectors

import (
	"bytes"
	"context"
	"os/exec"
)

// safeEnv is the fixed environment external commands run with.
var safeEnv = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "LANG=C"}

// ExecRunner runs name (an absolute path) with a fixed environment and
// returns its output. The context bounds its run time.
func ExecRunner(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = safeEnv
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}
