package collectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// Where fail2ban lives on the scanned host.
const (
	f2bClient    = "/usr/bin/fail2ban-client"
	f2bConfigDir = "/etc/fail2ban"
	f2bServer    = "fail2ban-server" // the server's process name (comm)
)

// Fail2ban reads fail2ban's state with fail2ban-client.
type Fail2ban struct {
	// Client is the fail2ban-client program (default /usr/bin/fail2ban-client).
	Client string
	// Socket, when set, is the server's socket (`fail2ban-client -s
	// SOCKET`); empty means the client's configured default
	// (/var/run/fail2ban/fail2ban.sock).
	Socket string
	// ConfigDir is the configuration the jails are read from (default
	// /etc/fail2ban), under the Env's root.
	ConfigDir string
}

var _ Collector = (*Fail2ban)(nil)

// Name implements Collector.
func (*Fail2ban) Name() string { return "fail2ban" }

// Collect implements Collector. fail2ban not installed, or installed but
// not running, is data (Running false), not an error: the SSH jail rule
// fails on it. Without root the client cannot reach the server's socket
// (ErrPermission). When the server runs, each jail's filter and banned
// ports are read from the configuration in Go (about 1.5 ms, where
// `fail2ban-client -d` takes 0.4 s), and the state of the jails that may
// protect SSH is asked alongside.
func (f *Fail2ban) Collect(ctx context.Context, env *Env) (Section, error) {
	client := f.Client
	if client == "" {
		client = f2bClient
	}
	sec := &snapshot.Fail2banSection{Jails: []string{}}
	from := client + " status"
	if f.Socket != "" {
		from = client + " -s " + f.Socket + " status"
	}
	sec.Client.From = from
	proc := env.ProcRoot
	if proc == "" {
		proc = "/proc"
	}
	sec.ServerPID = findProcess(proc, f2bServer)

	_, cerr := os.Stat(env.Path(client))
	sec.Installed = cerr == nil
	if !sec.Installed {
		_, derr := os.Stat(env.Path(f2bConfigDir))
		if errors.Is(derr, fs.ErrNotExist) {
			sec.Client.Status = snapshot.StatusOK
			sec.Evidence = fmt.Sprintf("fail2ban is not installed: no %s, no %s", client, f2bConfigDir)
			if sec.ServerPID != 0 {
				sec.Evidence += fmt.Sprintf(", yet a %s process runs (pid %d)", f2bServer, sec.ServerPID)
			}
			return sec, nil
		}
		sec.Client.Status, sec.Client.Error = snapshot.StatusUnavailable, fmt.Sprintf("no %s to ask the server (%s exists)", client, f2bConfigDir)
		return sec, fmt.Errorf("%w: %s", ErrUnavailable, sec.Client.Error)
	}
	if env.Root != "" && env.Root != "/" {
		sec.Client.Status, sec.Client.Error = snapshot.StatusSkipped, "not run: the files are read under --root "+env.Root
		return sec, fmt.Errorf("%w: %s", ErrUnavailable, sec.Client.Error)
	}

	// fail2ban-client is a Python program that takes a few hundred
	// milliseconds to start. The jail configuration is read first (a few
	// milliseconds) so that the states of the enabled jails that may
	// protect SSH, and of sshd, are asked at the same time as the jail
	// list; an answer is used only if the list has the jail.
	jc := f.readConfig(env)
	asked := map[string]*f2bAnswer{}
	for _, name := range jc.speculate() {
		asked[name] = f.ask(ctx, env, client, name)
	}
	out, errOut, err := env.Command(ctx, client, f.args("status")...)
	for _, a := range asked {
		<-a.done
	}
	if err != nil {
		msg := f2bMessage(out, errOut)
		switch {
		case strings.Contains(msg, "Permission denied to socket") || strings.Contains(msg, "you must be root"):
			sec.Client.Status, sec.Client.Error = snapshot.StatusPermission, "fail2ban-client needs root to reach the server's socket: "+msg
			if sec.ServerPID != 0 {
				sec.Evidence = fmt.Sprintf("a %s process runs (pid %d); its jails need root to list", f2bServer, sec.ServerPID)
			}
			return sec, fmt.Errorf("%w: %s", ErrPermission, msg)
		case strings.Contains(msg, "Failed to access socket path") || strings.Contains(msg, "Is fail2ban running?"):
			sec.Client.Status = snapshot.StatusOK
			sec.Evidence = "fail2ban is not running: " + msg
			if sec.ServerPID != 0 {
				sec.Evidence += fmt.Sprintf(" (a %s process runs, pid %d, but not on this socket)", f2bServer, sec.ServerPID)
			}
			return sec, nil
		}
		sec.Client.Status, sec.Client.Error = snapshot.StatusError, fmt.Sprintf("%v: %s", err, msg)
		return sec, fmt.Errorf("%s: %v: %s", from, err, msg)
	}
	st, err := parseFail2banStatus(string(out))
	if err != nil {
		sec.Client.Status, sec.Client.Error = snapshot.StatusError, err.Error()
		return sec, fmt.Errorf("%s: %w", from, err)
	}
	sec.Client.Status, sec.Running, sec.Jails = snapshot.StatusOK, true, st
	sec.Config = &jc.source
	sec.JailConfig = make([]snapshot.Fail2banJailConfig, 0, len(sec.Jails))
	answers := make([]*f2bAnswer, len(sec.Jails))
	late := 0
	for i, name := range sec.Jails {
		j := jc.jail(name)
		answers[i] = asked[name]
		if answers[i] == nil && j.Status == snapshot.StatusOK && f2bSSHCandidate(j) && len(asked)+late <= f2bMaxStates {
			answers[i] = f.ask(ctx, env, client, name) // running, though not enabled in the files read
			late++
		}
		sec.JailConfig = append(sec.JailConfig, j)
	}
	for i, a := range answers {
		if a == nil {
			continue
		}
		<-a.done
		j := &sec.JailConfig[i]
		j.State = f.jailState(client, j.Name, a.out, a.errOut, a.err)
		if j.Name == "sshd" {
			sec.SSHD = j.State
		}
	}
	return sec, nil
}

// f2bAnswer is the answer to one `status JAIL`, ready when done is closed.
type f2bAnswer struct {
	out, errOut []byte
	err         error
	done        chan struct{}
}

// ask runs `status JAIL` in the background.
func (f *Fail2ban) ask(ctx context.Context, env *Env, client, jail string) *f2bAnswer {
	a := &f2bAnswer{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.out, a.errOut, a.err = env.Command(ctx, client, f.args("status", jail)...)
	}()
	return a
}

// jailState is a jail's state from the answer to `status JAIL`; a failed
// answer is recorded in the jail's status.
func (f *Fail2ban) jailState(client, name string, out, errOut []byte, err error) *snapshot.Fail2banJail {
	jail := &snapshot.Fail2banJail{Name: name, Files: []string{}, BannedIPs: []string{}}
	jail.From = client + " " + strings.Join(f.args("status", name), " ")
	if err != nil {
		jail.Status, jail.Error = snapshot.StatusError, fmt.Sprintf("%v: %s", err, f2bMessage(out, errOut))
		return jail
	}
	parsed, perr := parseFail2banJail(string(out))
	if perr != nil {
		jail.Status, jail.Error = snapshot.StatusError, perr.Error()
		return jail
	}
	parsed.Source = snapshot.Source{Status: snapshot.StatusOK, From: jail.From}
	return parsed
}

// f2bMaxStates bounds the `status JAIL` questions asked besides sshd's:
// each starts a Python client.
const f2bMaxStates = 4

// f2bJails is the jail configuration as read, with the host's service
// names.
type f2bJails struct {
	cfg      *f2bConfig
	err      error
	source   snapshot.Source
	services map[string]int
}

// readConfig reads the jail configuration (jail.conf, jail.d/*.conf,
// jail.local, jail.d/*.local) and /etc/services.
func (f *Fail2ban) readConfig(env *Env) *f2bJails {
	dir := f.ConfigDir
	if dir == "" {
		dir = f2bConfigDir
	}
	base := filepath.Join(dir, "jail")
	jc := &f2bJails{source: snapshot.Source{From: fmt.Sprintf("%s.conf, %s.d/*.conf, %s.local, %s.d/*.local", base, base, base, base)}}
	jc.cfg, jc.err = readFail2banConfig(env, base)
	switch {
	case jc.err == nil:
		jc.source.Status = snapshot.StatusOK
	case errors.Is(jc.err, ErrPermission):
		jc.source.Status, jc.source.Error = snapshot.StatusPermission, jc.err.Error()
	default:
		jc.source.Status, jc.source.Error = snapshot.StatusError, jc.err.Error()
	}
	if b, err := readCapped(env.Path(f2bServicesFile), f2bMaxFileBytes); err == nil {
		jc.services = parseServices(b)
	}
	return jc
}

// jail is what the named jail protects; an error when the configuration
// was not read completely (a file left out could change it).
func (jc *f2bJails) jail(name string) snapshot.Fail2banJailConfig {
	if jc.err != nil {
		return snapshot.Fail2banJailConfig{Source: snapshot.Source{Status: jc.source.Status, Error: "the jail configuration was not read completely: " + jc.source.Error},
			Name: name, Ports: []string{}, PortRanges: []snapshot.PortRange{}}
	}
	return jc.cfg.jail(name, jc.services)
}

// speculate names the jails whose state is worth asking before the jail
// list is known: sshd, and the enabled jails that may protect SSH.
func (jc *f2bJails) speculate() []string {
	names := []string{"sshd"}
	if jc.err != nil {
		return names
	}
	for _, name := range sortedSections(jc.cfg) {
		if len(names) > f2bMaxStates || name == "sshd" {
			continue
		}
		if v, err := jc.cfg.get(name, "enabled"); err != nil || !f2bTrue(v) {
			continue
		}
		if j := jc.jail(name); j.Status == snapshot.StatusOK && f2bSSHCandidate(j) {
			names = append(names, name)
		}
	}
	return names
}

// sortedSections are the configuration's section names in order.
func sortedSections(c *f2bConfig) []string {
	names := make([]string, 0, len(c.sections))
	for n := range c.sections {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// f2bTrue is a boolean option's truth as Python's ConfigParser reads it.
func f2bTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "yes", "true", "on":
		return true
	}
	return false
}

// f2bSSHFilters are the filters of fail2ban's distribution that read
// sshd's log.
var f2bSSHFilters = []string{"sshd", "sshd-ddos", "sshd-aggressive"}

// f2bSSHCandidate reports whether a jail may protect SSH on the standard
// port: the policy decides against sshd's actual ports; this only picks
// the jails whose state is worth asking.
func f2bSSHCandidate(jc snapshot.Fail2banJailConfig) bool {
	if slices.Contains(f2bSSHFilters, jc.Filter) {
		return true
	}
	for _, r := range jc.PortRanges {
		if r.From == 22 && r.To == 22 {
			return true
		}
	}
	return false
}

// args puts -s SOCKET before the command when a socket is set.
func (f *Fail2ban) args(cmd ...string) []string {
	if f.Socket == "" {
		return cmd
	}
	return append([]string{"-s", f.Socket}, cmd...)
}

// f2bMessage is the client's message without its log prefix
// ("2026-11-28 19:33:49,468 fail2ban [14310]: ERROR   ").
func f2bMessage(out, errOut []byte) string {
	var msgs []string
	for _, b := range [][]byte{errOut, out} {
		for _, line := range strings.Split(string(bytes.TrimSpace(b)), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.Contains(line, "WARNING") {
				continue
			}
			for _, lvl := range []string{"ERROR", "CRITICAL", "NOTICE", "INFO"} {
				if i := strings.Index(line, "]: "+lvl); i >= 0 {
					line = strings.TrimSpace(line[i+3+len(lvl):])
					break
				}
			}
			msgs = append(msgs, line)
		}
	}
	if len(msgs) == 0 {
		return "no message"
	}
	return strings.Join(msgs, "; ")
}

// f2bTree parses fail2ban-client's tree output ("|- Key:\tvalue") into
// lower-case keys and trimmed values; the first line is the title.
func f2bTree(out string) (title string, kv map[string]string) {
	kv = map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if i == 0 {
			title = strings.TrimSpace(line)
			continue
		}
		s := strings.TrimLeft(line, "|`- \t")
		k, v, ok := strings.Cut(s, ":")
		if !ok {
			continue
		}
		kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return title, kv
}

// parseFail2banStatus parses `fail2ban-client status` and returns the jail
// list (empty when the server runs no jail). It reads every release from
// 0.8 (`Number of jail`, a tab more before the list) to 1.1 (`Number of
// jails`, and `status --all` with each jail's subtree after the list).
func parseFail2banStatus(out string) ([]string, error) {
	title, kv := f2bTree(out)
	if title != "Status" {
		return nil, fmt.Errorf("not `fail2ban-client status` output: first line %q", f2bClip(title, 60))
	}
	list, ok := kv["jail list"]
	if !ok {
		return nil, errors.New("`fail2ban-client status`: no Jail list line")
	}
	jails := append([]string{}, strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })...)
	count, ok := kv["number of jail"]
	if !ok {
		count, ok = kv["number of jails"]
	}
	if !ok {
		return jails, errors.New("`fail2ban-client status`: no Number of jail line")
	}
	if n, err := strconv.Atoi(count); err != nil || n != len(jails) {
		return jails, fmt.Errorf("`fail2ban-client status`: Number of jail %q but %d jails listed", f2bClip(count, 20), len(jails))
	}
	return jails, nil
}

// parseFail2banJail parses `fail2ban-client status JAIL` of fail2ban 0.8
// (`IP list`) to 1.1 (`Banned IP list`). The four counters must be there.
func parseFail2banJail(out string) (*snapshot.Fail2banJail, error) {
	title, kv := f2bTree(out)
	name, ok := strings.CutPrefix(title, "Status for the jail:")
	if !ok {
		return nil, fmt.Errorf("not `fail2ban-client status JAIL` output: first line %q", f2bClip(title, 60))
	}
	j := &snapshot.Fail2banJail{Name: strings.TrimSpace(name), Files: []string{}, BannedIPs: []string{}}
	for _, c := range []struct {
		key string
		n   *int
	}{{"currently failed", &j.CurrentlyFailed}, {"total failed", &j.TotalFailed}, {"currently banned", &j.CurrentlyBanned}, {"total banned", &j.TotalBanned}} {
		n, err := strconv.Atoi(kv[c.key])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("`fail2ban-client status %s`: %s is %q, not a count", f2bClip(j.Name, 40), c.key, f2bClip(kv[c.key], 20))
		}
		*c.n = n
	}
	if v := kv["file list"]; v != "" {
		j.Files = strings.Fields(v)
	}
	j.JournalMatches = kv["journal matches"]
	ips, ok := kv["banned ip list"]
	if !ok {
		ips = kv["ip list"]
	}
	if ips != "" {
		j.BannedIPs = strings.Fields(ips)
	}
	return j, nil
}

// f2bClip shortens s to n bytes for messages.
func f2bClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// findProcess returns the lowest pid whose comm is name, 0 when none.
func findProcess(proc, name string) int {
	names, err := readDirNames(proc)
	if err != nil {
		return 0
	}
	best := 0
	for _, n := range names {
		pid, ok := parsePID(n)
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(proc, n, "comm"))
		if err != nil || strings.TrimSpace(string(b)) != name {
			continue
		}
		if best == 0 || pid < best {
			best = pid
		}
	}
	return best
}
