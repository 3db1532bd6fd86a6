package collectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/mlscan/mlscan/snapshot"
)

// Where ufw keeps its state, as paths on the scanned host (Env.Path maps
// them under Env.Root).
const (
	ufwBinary       = "/usr/sbin/ufw"
	ufwConfDir      = "/etc/ufw"
	ufwConfFile     = "/etc/ufw/ufw.conf"
	ufwDefaultsFile = "/etc/default/ufw"
	ufwUserRules    = "/etc/ufw/user.rules"
	ufwUser6Rules   = "/etc/ufw/user6.rules"
	ip6tablesBinary = "/usr/sbin/ip6tables"
	ufwStatusFrom   = "ufw status verbose"
)

// UFW collects the firewall's configuration (ufw.conf, /etc/default/ufw),
// its live state (`ufw status verbose`, root only) and its rules: the live
// ones when UFW is active, else those of user.rules and user6.rules.
// Each part records its own status, so a scan without root still reports
// what it could read.
type UFW struct{}

var _ Collector = (*UFW)(nil)

// Name implements Collector.
func (*UFW) Name() string { return "ufw" }

// Collect implements Collector. UFW not being installed is not an error:
// the section says Installed=false. The error is non-nil (wrapping
// ErrPermission) only when no part could be read for lack of privilege.
func (*UFW) Collect(ctx context.Context, env *Env) (Section, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sec := &snapshot.UFWSection{}
	hasBinary := ufwPathExists(env.Path(ufwBinary))
	sec.Installed = hasBinary || ufwPathExists(env.Path(ufwConfDir))
	if !sec.Installed {
		none := func(from string) snapshot.Source {
			return snapshot.Source{Status: snapshot.StatusUnavailable, Error: "ufw is not installed (no " + ufwBinary + ", no " + ufwConfDir + ")", From: from}
		}
		sec.Conf.Source = none(ufwConfFile)
		sec.Defaults.Source = none(ufwDefaultsFile)
		sec.Live.Source = none(ufwStatusFrom)
		sec.Rules = snapshot.UFWRules{Source: none(ufwUserRules + ", " + ufwUser6Rules), Items: []snapshot.UFWRule{}}
		return sec, nil
	}

	sec.Conf = collectUFWConf(env)
	sec.Defaults = collectUFWDefaults(env)
	var liveRules []snapshot.UFWRule
	var liveUnparsed []snapshot.UFWUnparsedRule
	sec.Live, liveRules, liveUnparsed = collectUFWLive(ctx, env, hasBinary)
	if env.IsRoot && sec.Defaults.Status == snapshot.StatusOK && sec.Defaults.IPv6 && sec.Live.Status != snapshot.StatusUnavailable &&
		(sec.Live.Status != snapshot.StatusOK || sec.Live.Active) {
		sec.Live.V6Chains = checkV6Chains(ctx, env)
	}
	if sec.Live.Status == snapshot.StatusOK && sec.Live.Active {
		sec.Rules = snapshot.UFWRules{Source: snapshot.Source{Status: snapshot.StatusOK, From: ufwStatusFrom}, Items: liveRules, Unparsed: liveUnparsed}
	} else {
		// With IPV6=no ufw never loads user6.rules; when the defaults are
		// unknown, read both.
		withV6 := !(sec.Defaults.Status == snapshot.StatusOK && !sec.Defaults.IPv6)
		sec.Rules = collectUFWRuleFiles(env, withV6)
	}
	sec.AfterRulesDockerBlock = dockerUserBlock(env)

	anyOK, anyPerm := false, false
	for _, s := range []snapshot.Source{sec.Conf.Source, sec.Defaults.Source, sec.Live.Source, sec.Rules.Source} {
		anyOK = anyOK || s.Status == snapshot.StatusOK
		anyPerm = anyPerm || s.Status == snapshot.StatusPermission
	}
	if !anyOK && anyPerm {
		return sec, fmt.Errorf("ufw: nothing readable: %w", ErrPermission)
	}
	return sec, nil
}

// ufwPathExists reports whether p exists; an error other than "does not
// exist" (say EACCES on stat) counts as existing.
func ufwPathExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil || !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR)
}

func collectUFWConf(env *Env) snapshot.UFWConf {
	var c snapshot.UFWConf
	src := readUFWPart(env, ufwConfFile, func(r io.Reader) (err error) {
		c, err = parseUFWConf(r)
		return err
	})
	if src.Status != snapshot.StatusOK {
		c = snapshot.UFWConf{}
	}
	c.Source = src
	return c
}

func collectUFWDefaults(env *Env) snapshot.UFWDefaults {
	var d snapshot.UFWDefaults
	src := readUFWPart(env, ufwDefaultsFile, func(r io.Reader) (err error) {
		d, err = parseUFWDefaults(r)
		return err
	})
	if src.Status != snapshot.StatusOK {
		d = snapshot.UFWDefaults{}
	}
	d.Source = src
	return d
}

// collectUFWLive runs `ufw status verbose` when it can. Rows it cannot
// read are returned apart; the other rules are still used.
func collectUFWLive(ctx context.Context, env *Env, hasBinary bool) (snapshot.UFWLive, []snapshot.UFWRule, []snapshot.UFWUnparsedRule) {
	live := snapshot.UFWLive{Source: snapshot.Source{From: ufwStatusFrom}}
	switch {
	case !hasBinary:
		live.Status, live.Error = snapshot.StatusUnavailable, ufwBinary+": not found"
		return live, nil, nil
	case !env.IsRoot:
		live.Status, live.Error = snapshot.StatusPermission, "`ufw status` needs root: run mlscan as root"
		return live, nil, nil
	}
	stdout, stderr, err := env.Command(ctx, ufwBinary, "status", "verbose")
	if err != nil {
		msg := ufwFirstLine(stderr)
		switch {
		case ctx.Err() != nil:
			live.Status, live.Error = snapshot.StatusError, fmt.Sprintf("%s: %v", ufwStatusFrom, ctx.Err())
		case strings.Contains(msg, "You need to be root"):
			live.Status, live.Error = snapshot.StatusPermission, fmt.Sprintf("%s: %s: run mlscan as root", ufwStatusFrom, msg)
		default:
			if msg == "" {
				msg = err.Error()
			}
			live.Status, live.Error = snapshot.StatusError, fmt.Sprintf("%s: %s", ufwStatusFrom, msg)
		}
		return live, nil, nil
	}
	parsed, rules, unparsed, err := parseUFWStatusLenient(bytes.NewReader(stdout))
	if err != nil {
		live.Status, live.Error = snapshot.StatusError, fmt.Sprintf("parse %s: %v", ufwStatusFrom, err)
		return live, nil, nil
	}
	for i := range unparsed {
		unparsed[i].From = ufwStatusFrom
	}
	parsed.Source = snapshot.Source{Status: snapshot.StatusOK, From: ufwStatusFrom}
	return parsed, rules, unparsed
}

// checkV6Chains reports whether ip6tables has ufw's chains: true when
// `ip6tables -S ufw6-user-input` succeeds, false when it runs and fails,
// nil when it cannot run at all (not installed).
func checkV6Chains(ctx context.Context, env *Env) *bool {
	_, _, err := env.Command(ctx, ip6tablesBinary, "-S", "ufw6-user-input")
	var exit interface{ ExitCode() int }
	switch {
	case err == nil:
		v := true
		return &v
	case ctx.Err() != nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		v := false
		return &v
	}
	return nil
}

// collectUFWRuleFiles reads user.rules and, with v6, user6.rules, in that
// order. If either cannot be read the list is empty and the status says why;
// lines not understood are kept apart and the other rules still used.
func collectUFWRuleFiles(env *Env, v6 bool) snapshot.UFWRules {
	type file struct {
		path string
		v6   bool
	}
	files := []file{{ufwUserRules, false}}
	from := ufwUserRules
	if v6 {
		files = append(files, file{ufwUser6Rules, true})
		from += ", " + ufwUser6Rules
	}
	out := snapshot.UFWRules{Source: snapshot.Source{From: from}, Items: []snapshot.UFWRule{}}
	var items []snapshot.UFWRule
	var unparsed []snapshot.UFWUnparsedRule
	for _, f := range files {
		src := readUFWPart(env, f.path, func(r io.Reader) error {
			got, bad, err := parseUFWRulesFileLenient(r, f.v6)
			for _, u := range bad {
				u.From, u.Before = f.path, u.Before+len(items)
				unparsed = append(unparsed, u)
			}
			items = append(items, got...)
			return err
		})
		if src.Status != snapshot.StatusOK {
			out.Status, out.Error = src.Status, src.Error
			return out
		}
	}
	out.Status = snapshot.StatusOK
	out.Items = append(out.Items, items...)
	out.Unparsed = unparsed
	return out
}

// readUFWPart opens path under the environment's root and parses it,
// turning what went wrong into a Source status.
func readUFWPart(env *Env, path string, parse func(io.Reader) error) snapshot.Source {
	src := snapshot.Source{From: path}
	f, err := os.Open(env.Path(path))
	if err == nil {
		defer f.Close()
		err = parse(f)
		if err != nil && !ufwIsPathError(err) {
			src.Status, src.Error = snapshot.StatusError, fmt.Sprintf("parse %s: %v", path, err)
			return src
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // drop the root-prefixed path
	}
	switch {
	case err == nil:
		src.Status = snapshot.StatusOK
	case errors.Is(err, fs.ErrNotExist):
		src.Status, src.Error = snapshot.StatusUnavailable, path+": not found"
	case errors.Is(err, fs.ErrPermission):
		src.Status, src.Error = snapshot.StatusPermission, "read "+path+": permission denied: run mlscan as root"
	default:
		src.Status, src.Error = snapshot.StatusError, fmt.Sprintf("read %s: %v", path, err)
	}
	return src
}

func ufwIsPathError(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe)
}

// ufwFirstLine returns the first non-empty line of b, trimmed.
func ufwFirstLine(b []byte) string {
	for line := range strings.SplitSeq(string(b), "\n") {
		if s := strings.TrimSpace(line); s != "" {
			return s
		}
	}
	return ""
}
