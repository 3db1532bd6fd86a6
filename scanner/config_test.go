package scanner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/policies"
	"github.com/mlscan/mlscan/scanner"
)

// TestConfigErrors: every problem of a --config file is reported as
// file:line: problem, the line being that of the bad key or value, in the
// file's words (keys, lists, numbers), never a Go type name.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		want    []string // the messages after "file:", in order
	}{
		{
			name:    "unknown top-level key suggests the nearest",
			content: "netwroks:\n  trusted: [10.0.0.0/24]\n",
			want:    []string{"1: unknown key `netwroks` (did you mean `networks`?)"},
		},
		{
			name:    "unknown key, case and a missing letter",
			content: "networks:\n  trusted: [10.0.0.0/24]\nRegistry: []\npublic_port: []\n",
			want: []string{
				"3: unknown key `Registry` (did you mean `registry`?)",
				"4: unknown key `public_port` (did you mean `public_ports`?)",
			},
		},
		{
			name:    "unknown nested key names where",
			content: "networks:\n  trustd: [10.0.0.0/24]\n",
			want:    []string{"2: unknown key `trustd` in `networks` (did you mean `trusted`?)"},
		},
		{
			name:    "unknown key in a registry entry",
			content: "registry:\n  - port: 22\n    proto: tcp\n    service: ssh\n    owner: [sshd]\n    bind: wildcard\n    allowed_sources: [trusted]\n    category: ssh\n",
			want:    []string{"5: unknown key `owner` in `registry` (did you mean `owners`?)"},
		},
		{
			name:    "unknown key in a role",
			content: "containers:\n  roles:\n    redis:\n      memroy: 2GiB\n",
			want:    []string{"4: unknown key `memroy` in `containers.roles.redis` (did you mean `memory`?)"},
		},
		{
			name:    "no key is close: the valid ones are listed",
			content: "containers:\n  foo: 1\n",
			want:    []string{"2: unknown key `foo` in `containers` (valid keys: roles, services, memory_reserve, redis_maxmemory_ratio, max_restart_retries)"},
		},
		{
			name:    "a short typo",
			content: "registry:\n  - {port: 22, proto: tcp, service: ssh, ownr: [sshd], bind: wildcard, allowed_sources: [trusted], category: ssh}\n",
			want:    []string{"2: unknown key `ownr` in `registry` (did you mean `owners`?)"},
		},
		{
			name:    "an aliased entry is checked once, where it is defined",
			content: "registry:\n  - &e {port: 22, proto: tcp, service: ssh, owner: [sshd], bind: wildcard, allowed_sources: [trusted], category: ssh}\n  - *e\n",
			want:    []string{"2: unknown key `owner` in `registry` (did you mean `owners`?)"},
		},
		{
			name:    "nested aliases (each list 9 times the previous) are walked once each",
			content: "networks:\n  trusted: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\npublic_ports: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nknown_defaults: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nforbidden_ports: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nregistry: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
			want: []string{
				"3: an entry of `public_ports` must be a string, got a list",
				"4: an entry of `known_defaults` must be a mapping of keys (port, proto, what), got a list",
				"5: an entry of `forbidden_ports` must be a mapping of keys (port, proto, reason), got a list",
				"6: an entry of `registry` must be a mapping of keys (port, end_port, proto, service, owners, bind, allowed_sources, category, notes), got a list",
			},
		},
		{
			name:    "invalid CIDR on line 2",
			content: "networks:\n  trusted: [10.0.0.0/33]\n",
			want:    []string{"2: networks.trusted: \"10.0.0.0/33\" is not a CIDR like 10.0.0.0/24"},
		},
		{
			name:    "invalid CIDR, second list item",
			content: "networks:\n  trusted:\n    - 10.0.0.0/24\n    - 10.0.1.0/33\n",
			want:    []string{"4: networks.trusted: \"10.0.1.0/33\" is not a CIDR like 10.0.0.0/24"},
		},
		{
			name:    "public port",
			content: "public_ports:\n  - 80/tcp\n  - 443/sctp\n",
			want:    []string{"3: public_ports: \"443/sctp\" is not a port like 443/tcp"},
		},
		{
			name:    "ufw default",
			content: "ufw:\n  default_outgoing: maybe\n",
			want:    []string{"2: ufw.default_outgoing: \"maybe\" is not allow, deny or reject"},
		},
		{
			name:    "registry values on their lines, missing fields on the entry's, sorted by line",
			content: "registry:\n  - port: 22\n    proto: tcp\n    service: ssh\n    bind: everywhere\n    allowed_sources: [trusted, anywhere]\n",
			want: []string{
				"2: registry entry 22: category \"\" is not one of ray, redis, flower, docker, ssh, web, monitoring, other",
				"5: registry entry 22: bind \"everywhere\" is not one of loopback, host, wildcard",
				"6: registry entry 22: allowed source \"anywhere\" is not one of public, trusted, loopback",
			},
		},
		{
			name:    "role name on its key, limits on their values",
			content: "containers:\n  roles:\n    nginx: {user: \"1000\"}\n    redis:\n      cpus: 2000\n  redis_maxmemory_ratio: 3\n",
			want: []string{
				"3: containers.roles: \"nginx\" is not a role (celery_worker, redis)",
				"5: containers.roles.redis.cpus 2000 must be in (0, 1024]",
				"6: containers.redis_maxmemory_ratio 3 must be in (0, 1]",
			},
		},
		{
			name:    "service user",
			content: "containers:\n  services:\n    web:\n      user: \"Root User\"\n",
			want:    []string{"4: containers.services.web.user \"Root User\" is not a uid or name (optionally :group)"},
		},
		{
			name:    "a list where a mapping is expected",
			content: "networks: [10.0.0.0/24]\n",
			want:    []string{"1: `networks` must be a mapping of keys (trusted), got a list"},
		},
		{
			name:    "a scalar where a list is expected",
			content: "registry: none\npublic_ports: 80/tcp\n",
			want:    []string{"1: `registry` must be a list, got the string `none`", "2: `public_ports` must be a list, got the string `80/tcp`"},
		},
		{
			name:    "not a number",
			content: "registry:\n  - port: ssh\n",
			want:    []string{"2: `registry.port` must be a whole number, got the string `ssh`"},
		},
		{
			name:    "a quoted number is a string",
			content: "containers:\n  max_restart_retries: \"5\"\n",
			want:    []string{"2: `containers.max_restart_retries` must be a whole number, got the string `5`"},
		},
		{
			name:    "a number is not called a string",
			content: "containers:\n  max_restart_retries: 1.5\n",
			want:    []string{"2: `containers.max_restart_retries` must be a whole number, got `1.5`"},
		},
		{
			name:    "the suggestion skips a key the entry already sets",
			content: "registry:\n  - {port: 22, prot: tcp}\n",
			want:    []string{"2: unknown key `prot` in `registry` (did you mean `proto`?)"},
		},
		{
			name:    "a number too large for the field",
			content: "containers:\n  max_restart_retries: 9223372036854775808\n",
			want:    []string{"2: `9223372...` is out of range or not of the right kind"},
		},
		{
			name:    "bad size",
			content: "containers:\n  roles:\n    redis: {memory: lots}\n",
			want:    []string{"3: \"lots\" is not a size like 2GiB, 512MiB or 1073741824"},
		},
		{
			name:    "not a mapping",
			content: "- networks\n",
			want:    []string{"1: config must be a mapping of keys (networks, public_ports, registry, ...)"},
		},
		{
			name:    "yaml syntax",
			content: "networks:\n  trusted: [10.0.0.0/24\n",
			want:    []string{"2: did not find expected ',' or ']' (the list opened on this line is not closed)"},
		},
		{
			name:    "yaml indentation in a list",
			content: "networks:\n  trusted: [10.0.0.0/24]\nregistry:\n  - port: 22\n  proto: tcp\n",
			want:    []string{"4: did not find expected '-' indicator (a line of the list starting here is not indented like its entries)"},
		},
		{
			name:    "yaml mapping value in a scalar",
			content: "networks:\n  trusted: a: b\n",
			want:    []string{"2: mapping values are not allowed in this context"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "mlscan.yaml")
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := scanner.LoadConfig(policies.DefaultConfig, p)
			if err == nil {
				t.Fatal("no error")
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = p + ":" + w
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
			}
			if strings.Contains(err.Error(), "scanner.") || strings.Contains(err.Error(), "[]") {
				t.Errorf("error names a Go type: %v", err)
			}
		})
	}
}

// TestConfigValid: the keys of every section are accepted, and what
// `mlscan config` prints is a valid --config file.
func TestConfigValid(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mlscan.yaml")
	content := "networks:\n  trusted: [192.168.1.0/24]\nufw: {default_outgoing: deny}\ncontainers:\n  memory_reserve: 512MiB\n  roles:\n    redis: {memory: 1GiB, cpus: 0.5}\n  services:\n    web: {user: \"1000:1000\"}\nregistry: &r\n  - {port: 22, proto: tcp, service: ssh, owners: [sshd], bind: wildcard, allowed_sources: [trusted], category: ssh}\n"
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := scanner.LoadConfig(policies.DefaultConfig, p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Containers.MemoryReserve != 512<<20 || cfg.Registry[0].Line != 11 || cfg.Containers.RedisMaxmemoryRatio != 0.75 {
		t.Fatalf("unexpected config %+v", cfg)
	}
}
