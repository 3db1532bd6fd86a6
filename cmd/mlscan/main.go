// Command mlscan checks a Linux host running a distributed ML stack (Ray,
// Celery, Redis, Flower, monitoring) in Docker with host networking
// against the guarantees of its networking document.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, documented in the README.
const (
	exitOK       = 0 // nothing failed at or above --fail-on
	exitFindings = 1 // some rule failed at or above --fail-on
	exitUsage    = 2 // usage or runtime error
	exitUnknown  = 3 // no failures, but some rule is unknown or error
)

// exitError carries an exit code out of a command; only main exits.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newRootCmd(stdout, stderr)
	cmd.SetArgs(args)
	cmd.SetIn(stdin)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "mlscan:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "mlscan:", err)
	return exitUsage
}
