package scanner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is what the checks read as data.mlscan.config: the trusted
// networks, the public ports and the port registry.
type Config struct {
	Networks       Networks         `yaml:"networks" json:"networks"`
	PublicPorts    []string         `yaml:"public_ports" json:"public_ports"`
	UFW            UFWExpect        `yaml:"ufw" json:"ufw"`
	Registry       []RegistryEntry  `yaml:"registry" json:"registry"`
	ForbiddenPorts []ForbiddenPort  `yaml:"forbidden_ports" json:"forbidden_ports"`
	KnownDefaults  []KnownDefault   `yaml:"known_defaults" json:"known_defaults"`
	Containers     ContainersExpect `yaml:"containers" json:"containers"`
	// File is where the configuration came from ("(embedded default)" or a
	// path); Digest is the SHA-256 of the bytes read.
	File   string `yaml:"-" json:"file"`
	Digest string `yaml:"-" json:"digest"`
}

// Networks lists trusted source networks.
type Networks struct {
	Trusted []string `yaml:"trusted" json:"trusted"`
}

// UFWExpect is what the firewall is declared to do beyond the rules.
type UFWExpect struct {
	DefaultOutgoing string `yaml:"default_outgoing" json:"default_outgoing"`
}

// RegistryEntry is one port (or range) of the port registry.
type RegistryEntry struct {
	Port           int      `yaml:"port" json:"port"`
	EndPort        int      `yaml:"end_port,omitempty" json:"end_port"`
	Proto          string   `yaml:"proto" json:"proto"`
	Service        string   `yaml:"service" json:"service"`
	Owners         []string `yaml:"owners" json:"owners"`
	Bind           string   `yaml:"bind" json:"bind"`
	AllowedSources []string `yaml:"allowed_sources" json:"allowed_sources"`
	Category       string   `yaml:"category" json:"category"`
	Notes          string   `yaml:"notes,omitempty" json:"notes,omitempty"`
	// Line is the entry's line in File, for locations in reports.
	Line int `yaml:"-" json:"line"`
}

// ForbiddenPort is a port that must never listen.
type ForbiddenPort struct {
	Port   int    `yaml:"port" json:"port"`
	Proto  string `yaml:"proto" json:"proto"`
	Reason string `yaml:"reason" json:"reason"`
	Line   int    `yaml:"-" json:"line"`
}

// ContainersExpect is what containers must run as and be limited to. A
// container's role comes from its command or name (celery_worker, redis);
// Services overrides by compose service or container name.
type ContainersExpect struct {
	Roles               map[string]ContainerExpect `yaml:"roles" json:"roles"`
	Services            map[string]ContainerExpect `yaml:"services" json:"services"`
	MemoryReserve       ByteSize                   `yaml:"memory_reserve" json:"memory_reserve_bytes"`
	RedisMaxmemoryRatio float64                    `yaml:"redis_maxmemory_ratio" json:"redis_maxmemory_ratio"`
	MaxRestartRetries   int                        `yaml:"max_restart_retries" json:"max_restart_retries"`
}

// ContainerExpect is the user and limits one role or service must have;
// empty fields are not checked (omitempty: the checks merge this over
// their defaults).
type ContainerExpect struct {
	User   string   `yaml:"user,omitempty" json:"user,omitempty"`
	Memory ByteSize `yaml:"memory,omitempty" json:"memory_bytes,omitempty"`
	CPUs   float64  `yaml:"cpus,omitempty" json:"cpus,omitempty"`
}

// ByteSize is a size in bytes written as "2GiB", "512MiB", "2g" (binary
// units, like Docker's --memory) or a plain number.
type ByteSize int64

var sizeRe = regexp.MustCompile(`^(?i)\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(i?b?)\s*$`)

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	m := sizeRe.FindStringSubmatch(n.Value)
	if m == nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %q is not a size like 2GiB, 512MiB or 1073741824", n.Line, n.Value)
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[strings.ToLower(m[2])]
	*b = ByteSize(f * mult)
	return nil
}

// KnownDefault is a well-known default port a registry entry should avoid.
type KnownDefault struct {
	Port  int    `yaml:"port" json:"port"`
	Proto string `yaml:"proto" json:"proto"`
	What  string `yaml:"what" json:"what"`
}

// Allowed values of registry fields.
var (
	bindScopes = []string{"loopback", "host", "wildcard"}
	sourceKind = []string{"public", "trusted", "loopback"}
	categories = []string{"ray", "redis", "flower", "docker", "ssh", "web", "monitoring", "other"}
	protos     = []string{"tcp", "udp"}
)

// DefaultConfigName names the embedded configuration in messages.
const DefaultConfigName = "(embedded default config.yaml)"

// LoadConfig parses the embedded defaults, then overlays the user's file
// (when path is not empty): keys the file sets replace the defaults.
func LoadConfig(defaults []byte, path string) (*Config, error) {
	cfg := &Config{}
	if err := decodeConfig(DefaultConfigName, defaults, cfg); err != nil {
		return nil, err
	}
	cfg.File, cfg.Digest = DefaultConfigName, digest(defaults)
	if path == "" {
		return cfg, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if err := decodeConfig(path, b, cfg); err != nil {
		return nil, err
	}
	cfg.File, cfg.Digest = path, digest(b)
	return cfg, nil
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// decodeConfig decodes YAML onto cfg, rejecting unknown keys, and
// validates every value, naming the file and line of a bad one.
func decodeConfig(name string, b []byte, cfg *Config) error {
	if len(b) > 4<<20 {
		return fmt.Errorf("%s: config larger than 4 MiB", name)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return yamlError(name, err)
	}
	if len(root.Content) == 0 {
		return nil // an empty file changes nothing
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: config must be a mapping of keys (networks, public_ports, registry, ...)", name, doc.Line)
	}
	if errs := checkShape(name, doc, reflect.TypeFor[Config]()); len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return yamlError(name, err)
	}
	// Lines of entries, for validation messages and report locations.
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i].Value, doc.Content[i+1]
		switch key {
		case "registry":
			for j, n := range val.Content {
				if j < len(cfg.Registry) {
					cfg.Registry[j].Line = n.Line
				}
			}
		case "forbidden_ports":
			for j, n := range val.Content {
				if j < len(cfg.ForbiddenPorts) {
					cfg.ForbiddenPorts[j].Line = n.Line
				}
			}
		}
	}
	return validateConfig(name, doc, cfg)
}

func validateConfig(name string, doc *yaml.Node, cfg *Config) error {
	// at is the line of the value at path; key the line of its key.
	at := func(path ...any) int { return lineAt(doc, false, path...) }
	key := func(path ...any) int { return lineAt(doc, true, path...) }
	type problem struct {
		line int
		msg  string
	}
	var errs []problem
	bad := func(line int, format string, a ...any) {
		errs = append(errs, problem{line, fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, a...))})
	}
	for i, n := range cfg.Networks.Trusted {
		if _, err := netip.ParsePrefix(n); err != nil {
			bad(at("networks", "trusted", i), "networks.trusted: %q is not a CIDR like 10.0.0.0/24", n)
		}
	}
	for i, p := range cfg.PublicPorts {
		if _, _, err := ParsePortProto(p); err != nil {
			bad(at("public_ports", i), "public_ports: %v", err)
		}
	}
	if o := cfg.UFW.DefaultOutgoing; o != "" && !oneOf(o, []string{"allow", "deny", "reject"}) {
		bad(at("ufw", "default_outgoing"), "ufw.default_outgoing: %q is not allow, deny or reject", o)
	}
	for j, e := range cfg.Registry {
		line := func(field string) int { return at("registry", j, field) }
		if e.Port < 1 || e.Port > 65535 {
			bad(line("port"), "registry entry: port %d is not between 1 and 65535", e.Port)
		}
		if e.EndPort != 0 && (e.EndPort < e.Port || e.EndPort > 65535) {
			bad(line("end_port"), "registry entry %d: end_port %d must be between port and 65535", e.Port, e.EndPort)
		}
		if !oneOf(e.Proto, protos) {
			bad(line("proto"), "registry entry %d: proto %q is not one of %s", e.Port, e.Proto, strings.Join(protos, ", "))
		}
		if e.Service == "" {
			bad(line("service"), "registry entry %d: service is required", e.Port)
		}
		if !oneOf(e.Bind, bindScopes) {
			bad(line("bind"), "registry entry %d: bind %q is not one of %s", e.Port, e.Bind, strings.Join(bindScopes, ", "))
		}
		if len(e.AllowedSources) == 0 {
			bad(line("allowed_sources"), "registry entry %d: allowed_sources is required (%s)", e.Port, strings.Join(sourceKind, ", "))
		}
		for i, s := range e.AllowedSources {
			if !oneOf(s, sourceKind) {
				bad(at("registry", j, "allowed_sources", i), "registry entry %d: allowed source %q is not one of %s", e.Port, s, strings.Join(sourceKind, ", "))
			}
		}
		if !oneOf(e.Category, categories) {
			bad(line("category"), "registry entry %d: category %q is not one of %s", e.Port, e.Category, strings.Join(categories, ", "))
		}
	}
	ce := cfg.Containers
	for _, role := range slices.Sorted(maps.Keys(ce.Roles)) {
		if role != "celery_worker" && role != "redis" {
			bad(key("containers", "roles", role), "containers.roles: %q is not a role (celery_worker, redis)", role)
		}
		validateExpect(bad, func(f string) int { return at("containers", "roles", role, f) }, "containers.roles."+role, ce.Roles[role])
	}
	for _, svc := range slices.Sorted(maps.Keys(ce.Services)) {
		validateExpect(bad, func(f string) int { return at("containers", "services", svc, f) }, "containers.services."+svc, ce.Services[svc])
	}
	if ce.MemoryReserve < 0 {
		bad(at("containers", "memory_reserve"), "containers.memory_reserve must not be negative")
	}
	if ce.RedisMaxmemoryRatio <= 0 || ce.RedisMaxmemoryRatio > 1 {
		bad(at("containers", "redis_maxmemory_ratio"), "containers.redis_maxmemory_ratio %g must be in (0, 1]", ce.RedisMaxmemoryRatio)
	}
	if ce.MaxRestartRetries < 0 {
		bad(at("containers", "max_restart_retries"), "containers.max_restart_retries must not be negative")
	}
	for _, f := range cfg.ForbiddenPorts {
		if f.Port < 1 || f.Port > 65535 || !oneOf(f.Proto, protos) {
			bad(f.Line, "forbidden_ports: want port 1-65535 and proto tcp or udp, got %d/%s", f.Port, f.Proto)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b problem) int { return a.line - b.line })
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.msg
	}
	return errors.New(strings.Join(msgs, "\n"))
}

var userRe = regexp.MustCompile(`^[a-z_0-9][a-z0-9_.-]*(:[a-z_0-9][a-z0-9_.-]*)?$`)

func validateExpect(bad func(int, string, ...any), line func(field string) int, where string, x ContainerExpect) {
	if x.User != "" && !userRe.MatchString(x.User) {
		bad(line("user"), "%s.user %q is not a uid or name (optionally :group)", where, x.User)
	}
	if x.Memory < 0 {
		bad(line("memory"), "%s.memory must be positive", where)
	}
	if x.CPUs < 0 || x.CPUs > 1024 {
		bad(line("cpus"), "%s.cpus %g must be in (0, 1024]", where, x.CPUs)
	}
}

// ParsePortProto parses "80/tcp" (proto defaults to tcp).
func ParsePortProto(s string) (int, string, error) {
	p, proto, ok := strings.Cut(s, "/")
	if !ok {
		proto = "tcp"
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || !oneOf(proto, protos) {
		return 0, "", fmt.Errorf("%q is not a port like 443/tcp", s)
	}
	return n, proto, nil
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

// Data returns the configuration as the JSON-like document Rego reads.
func (c *Config) Data() (map[string]any, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

var (
	yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	// goType is the decoder's "cannot unmarshal !!int `x` into int" (a Go
	// type name users cannot act on).
	goType = regexp.MustCompile("cannot unmarshal !!(\\w+)(?: (`.*`))? into \\S+$")
)

// unclosed are the YAML parser's errors that point (0-based) at the start
// of the collection they are about, with what they mean.
var unclosed = map[string]string{
	"did not find expected ',' or ']'":    "the list opened on this line is not closed",
	"did not find expected ',' or '}'":    "the mapping opened on this line is not closed",
	"did not find expected '-' indicator": "a line of the list starting here is not indented like its entries",
	"did not find expected key":           "a line of the mapping starting here is not indented like its keys",
}

// yamlError rewrites the YAML decoder's "line N: problem" messages as
// "file:N: problem", one per line.
func yamlError(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]string, 0, len(msgs))
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m] {
			continue // an alias used many times fails the same way
		}
		seen[m] = true
		m = goType.ReplaceAllStringFunc(m, func(x string) string {
			g := goType.FindStringSubmatch(x)
			switch {
			case g[2] != "":
				return g[2] + " is out of range or not of the right kind"
			case g[1] == "seq":
				return "a list is not allowed here"
			case g[1] == "map":
				return "a mapping is not allowed here"
			}
			return "a value of the wrong kind"
		})
		if g := yamlLine.FindStringSubmatch(strings.TrimSpace(m)); g != nil {
			line, msg := g[1], g[2]
			// The parser's errors about an unclosed or misindented
			// collection carry the 0-based line where it starts.
			if hint, ok := unclosed[msg]; ok {
				n, _ := strconv.Atoi(line)
				line, msg = strconv.Itoa(n+1), msg+" ("+hint+")"
			}
			out = append(out, fmt.Sprintf("%s:%s: %s", name, line, msg))
		} else {
			out = append(out, fmt.Sprintf("%s: %s", name, strings.TrimPrefix(m, "yaml: ")))
		}
	}
	return errors.New(strings.Join(out, "\n"))
}
