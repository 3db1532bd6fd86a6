package collectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// collectDaemon reads where the Docker daemon serves its API: the hosts of
// daemon.json (or the --config-file of a running dockerd) and the -H flags
// of running dockerd processes, and the address of a running
// `podman system service`.
func collectDaemon(env *Env, proc string) snapshot.DockerDaemon {
	d := snapshot.DockerDaemon{Hosts: []snapshot.DaemonHost{}}
	d.Status = snapshot.StatusOK
	d.From = env.Path(daemonJSON) + ", " + filepath.Join(proc, "*/cmdline")
	var fail []string
	cfgFile := env.Path(daemonJSON)
	var tlsFlag, verifyFlag bool
	var flagHosts []string
	running := false
	names, err := readDirNames(proc)
	if err != nil {
		fail = append(fail, fmt.Sprintf("list %s: %v", proc, err))
	}
	for _, n := range names {
		if n == "" || n[0] < '0' || n[0] > '9' {
			continue
		}
		comm, err := readCapped(filepath.Join(proc, n, "comm"), 64)
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		if name != "dockerd" && name != "podman" {
			continue
		}
		b, err := readCapped(filepath.Join(proc, n, "cmdline"), maxCmdline)
		if err != nil {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		from := filepath.Join(proc, n, "cmdline") + " (" + name + ")"
		if name == "podman" {
			if a := podmanServiceAddr(argv); a != "" {
				d.Hosts = append(d.Hosts, daemonHost(a, false, false, from))
			}
			continue
		}
		running = true
		hs, tls, verify, cfg := dockerdFlags(argv)
		for _, h := range hs {
			flagHosts = append(flagHosts, h+"\x00"+from)
		}
		tlsFlag, verifyFlag = tlsFlag || tls, verifyFlag || verify
		if cfg != "" {
			cfgFile = env.Path(cfg)
		}
	}
	var cfg struct {
		Hosts     []string `json:"hosts"`
		TLS       *bool    `json:"tls"`
		TLSVerify *bool    `json:"tlsverify"`
	}
	if b, err := os.ReadFile(cfgFile); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			fail = append(fail, fmt.Sprintf("parse %s: %v", cfgFile, err))
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		if errors.Is(err, fs.ErrPermission) {
			d.Status = snapshot.StatusPermission
		}
		fail = append(fail, err.Error())
	}
	verify := verifyFlag || cfg.TLSVerify != nil && *cfg.TLSVerify
	tls := tlsFlag || verify || cfg.TLS != nil && *cfg.TLS
	for _, fh := range flagHosts {
		h, from, _ := strings.Cut(fh, "\x00")
		d.Hosts = append(d.Hosts, daemonHost(h, tls, verify, from))
	}
	for _, h := range cfg.Hosts {
		d.Hosts = append(d.Hosts, daemonHost(h, tls, verify, cfgFile))
	}
	if running && len(flagHosts) == 0 && len(cfg.Hosts) == 0 {
		d.Hosts = append(d.Hosts, daemonHost("unix:///var/run/docker.sock", tls, verify, "dockerd default"))
	}
	if len(fail) > 0 {
		if d.Status == snapshot.StatusOK {
			d.Status = snapshot.StatusError
		}
		d.Error = strings.Join(fail, "; ")
	}
	return d
}

func daemonHost(addr string, tls, verify bool, from string) snapshot.DaemonHost {
	tcp := strings.HasPrefix(addr, "tcp://") || !strings.Contains(addr, "://") && strings.Contains(addr, ":")
	return snapshot.DaemonHost{Addr: addr, TCP: tcp, TLS: tls && tcp, TLSVerify: verify && tcp, From: from}
}

// dockerdFlags reads -H/--host, --tls, --tlsverify and --config-file from
// a dockerd command line.
func dockerdFlags(argv []string) (hosts []string, tls, verify bool, cfg string) {
	boolVal := func(v string, has bool) bool { return !has || v == "true" || v == "1" }
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		name, val, has := strings.Cut(a, "=")
		next := func() string {
			if has {
				return val
			}
			if i+1 < len(argv) {
				i++
				return argv[i]
			}
			return ""
		}
		switch {
		case name == "-H" || name == "--host":
			hosts = append(hosts, next())
		case strings.HasPrefix(a, "-H") && !strings.HasPrefix(a, "--") && len(a) > 2:
			hosts = append(hosts, strings.TrimPrefix(a[2:], "="))
		case name == "--tls":
			tls = boolVal(val, has)
		case name == "--tlsverify":
			verify = boolVal(val, has)
		case name == "--config-file":
			cfg = next()
		}
	}
	return hosts, tls, verify, cfg
}

// podmanServiceAddr returns the address of `podman [opts] system service
// [opts] [URI]`, or "" for another podman command. Without a URI podman
// serves its default unix socket.
func podmanServiceAddr(argv []string) string {
	sys := slices.Index(argv, "system")
	if sys < 0 || sys+1 >= len(argv) || argv[sys+1] != "service" {
		return ""
	}
	for _, a := range argv[sys+2:] {
		if !strings.HasPrefix(a, "-") && strings.Contains(a, "://") {
			return a
		}
	}
	return "unix:///run/podman/podman.sock"
}
