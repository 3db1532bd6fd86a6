package collectors

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/internal/testbed"
	"github.com/mlscan/mlscan/snapshot"
)

func TestParseFail2banStatusCaptured(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"status.txt", []string{"sshd"}},
		{"status-two-jails.txt", []string{"recidive", "sshd"}},
		{"status-no-sshd.txt", []string{"recidive"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := parseFail2banStatus(readTestdata(t, "fail2ban/"+tc.file))
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "Sorry but the jail 'sshd' does not exist\n", "Status\n|- Number of jail:\t2\n`- Jail list:\tsshd\n"} {
		if _, err := parseFail2banStatus(bad); err == nil {
			t.Errorf("parseFail2banStatus(%q): no error", bad)
		}
	}
}

func TestParseFail2banJailCaptured(t *testing.T) {
	j, err := parseFail2banJail(readTestdata(t, "fail2ban/status-sshd-banned.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot.Fail2banJail{Name: "sshd", CurrentlyFailed: 1, TotalFailed: 6, CurrentlyBanned: 1, TotalBanned: 1,
		Files: []string{"/tmp/cap/f2b/auth.log"}, BannedIPs: []string{"192.0.2.10"}}
	if j.Name != want.Name || j.CurrentlyFailed != 1 || j.TotalFailed != 6 || j.CurrentlyBanned != 1 || j.TotalBanned != 1 ||
		!slices.Equal(j.Files, want.Files) || !slices.Equal(j.BannedIPs, want.BannedIPs) {
		t.Errorf("got %+v, want %+v", *j, want)
	}
	j, err = parseFail2banJail(readTestdata(t, "fail2ban/status-sshd.txt"))
	if err != nil || len(j.BannedIPs) != 0 || j.TotalBanned != 0 {
		t.Errorf("got %+v, %v", j, err)
	}
	if _, err := parseFail2banJail(readTestdata(t, "fail2ban/status-sshd-missing.stdout.txt")); err == nil {
		t.Error("a missing jail's message parsed as a jail")
	}
}

// f2bRunner replays captured fail2ban-client outputs by command line.
func f2bRunner(t *testing.T, status, statusSSHD string) Runner {
	return func(_ context.Context, name string, args ...string) ([]byte, []byte, error) {
		key := strings.Join(args, " ")
		file := map[string]string{"status": status, "status sshd": statusSSHD}[strings.TrimPrefix(key, "-s /run/f2b.sock ")]
		if file == "" {
			t.Errorf("unexpected command %s %s", name, key)
			return nil, nil, errors.New("unexpected")
		}
		if strings.HasSuffix(file, ".stderr.txt") {
			return nil, []byte(readTestdata(t, "fail2ban/"+file)), errors.New("exit status 255")
		}
		return []byte(readTestdata(t, "fail2ban/"+file)), nil, nil
	}
}

func TestFail2banCollect(t *testing.T) {
	dir := t.TempDir()
	client := filepath.Join(dir, "fail2ban-client")
	if err := os.WriteFile(client, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	proc := t.TempDir() // no fail2ban-server process
	tests := []struct {
		name        string
		status      string
		sshd        string
		wantErr     error
		wantRunning bool
		wantJails   []string
		wantSSHD    bool
		wantInMsg   string
	}{
		{name: "running with sshd jail", status: "status.txt", sshd: "status-sshd-banned.txt", wantRunning: true, wantJails: []string{"sshd"}, wantSSHD: true},
		// The collector asks for the sshd jail alongside the jail list:
		// without the jail, or without a server, that answer is an error
		// (the client's own output for each case) and is not used.
		{name: "running without sshd jail", status: "status-no-sshd.txt", sshd: "status-sshd-missing.stderr.txt", wantRunning: true, wantJails: []string{"recidive"}},
		{name: "not running", status: "status-not-running.stderr.txt", sshd: "status-not-running.stderr.txt", wantInMsg: "Is fail2ban running?"},
		{name: "not root", status: "status-nonroot.stderr.txt", sshd: "status-nonroot.stderr.txt", wantErr: ErrPermission, wantInMsg: "root"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Fail2ban{Client: client, Socket: "/run/f2b.sock", ConfigDir: filepath.Join(f2bRoot(t, f2bStock(nil)), "etc/fail2ban")}
			sec, err := c.Collect(context.Background(), &Env{ProcRoot: proc, Run: f2bRunner(t, tc.status, tc.sshd)})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			s := sec.(*snapshot.Fail2banSection)
			if s.Running != tc.wantRunning || len(tc.wantJails) > 0 && !slices.Equal(s.Jails, tc.wantJails) {
				t.Errorf("running %v jails %v", s.Running, s.Jails)
			}
			if (s.SSHD != nil) != tc.wantSSHD {
				t.Errorf("sshd jail %+v", s.SSHD)
			}
			if tc.wantSSHD && (s.SSHD.Status != snapshot.StatusOK || s.SSHD.TotalFailed != 6 || s.SSHD.From != client+" -s /run/f2b.sock status sshd") {
				t.Errorf("sshd jail %+v", *s.SSHD)
			}
			if msg := s.Evidence + s.Client.Error; !strings.Contains(msg, tc.wantInMsg) {
				t.Errorf("evidence %q error %q, want %q", s.Evidence, s.Client.Error, tc.wantInMsg)
			}
			if strings.Contains(s.Evidence+s.Client.Error, "2026-") {
				t.Errorf("the client's log prefix is kept: %q", s.Evidence+s.Client.Error)
			}
		})
	}
}

func TestFail2banNotInstalled(t *testing.T) {
	sec, err := (&Fail2ban{}).Collect(context.Background(), &Env{Root: t.TempDir(), ProcRoot: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	s := sec.(*snapshot.Fail2banSection)
	if s.Installed || s.Running || s.Client.Status != snapshot.StatusOK || !strings.Contains(s.Evidence, "not installed") {
		t.Errorf("%+v", s)
	}
}

// TestFail2banReal asks a real fail2ban server in a test namespace, then
// the same after it stopped.
func TestFail2banReal(t *testing.T) {
	testbed.Require(t, "ip", "unshare", "fail2ban-client", "iptables")
	h := testbed.NewHost(t, "f2b", "10.0.0.84/24")
	sock := h.StartFail2ban(t)
	c := &Fail2ban{Socket: sock}
	env := &Env{IsRoot: true}
	sec, err := c.Collect(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	s := sec.(*snapshot.Fail2banSection)
	if !s.Installed || !s.Running || !slices.Equal(s.Jails, []string{"sshd"}) || s.SSHD == nil || s.SSHD.Status != snapshot.StatusOK {
		t.Fatalf("running server: %+v (sshd %+v)", s, s.SSHD)
	}
	if len(s.SSHD.Files) != 1 || !strings.HasSuffix(s.SSHD.Files[0], "auth.log") {
		t.Errorf("sshd jail files %v", s.SSHD.Files)
	}
	if s.ServerPID == 0 {
		t.Error("no fail2ban-server process found in /proc")
	}

	h.StopFail2ban(t)
	sec, err = c.Collect(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	s = sec.(*snapshot.Fail2banSection)
	if s.Running || s.Client.Status != snapshot.StatusOK || !strings.Contains(s.Evidence, "not running") {
		t.Errorf("stopped server: %+v", s)
	}
}
