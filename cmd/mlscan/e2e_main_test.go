package main

import (
	"os"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
)

// TestMain removes the Podman storage the end-to-end tests share (one
// image import per test process) once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	testbed.ShutdownPodman()
	os.Exit(code)
}
