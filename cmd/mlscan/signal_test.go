package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlscan/mlscan/internal/testbed"
)

// TestInterruptWritesNothing: SIGINT during a scan stops it promptly
// (here the Docker API accepts and never answers, and the collector's
// timeout is a minute) and leaves no report, not even a temporary file.
func TestInterruptWritesNothing(t *testing.T) {
	bin := testbed.BuildMLScan(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "hung.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn // accept and never answer
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	out := filepath.Join(dir, "report.json")
	cmd := exec.Command(bin, "scan", "--collectors", "docker", "--docker-host", "unix://"+sock, "--timeout", "60s", "-f", "json="+out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Logf("mlscan after SIGINT: %v", err)
	case <-time.After(20 * time.Second):
		if err := cmd.Process.Kill(); err != nil {
			t.Log(err)
		}
		t.Fatal("mlscan did not stop within 20 s of SIGINT")
	}
	t.Logf("stopped %s after SIGINT", time.Since(start).Round(time.Millisecond))
	if code := cmd.ProcessState.ExitCode(); code != exitUsage || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "hung.sock" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
