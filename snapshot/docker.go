package snapshot

// DockerSection is the container inventory read through the Docker Engine
// API (dockerd or Podman's compatible service), with the daemon's own
// listening configuration. Secrets never reach it: environment values are
// dropped unless harmless, command lines are redacted, and each secret is
// described by a SecretFinding.
type DockerSection struct {
	// EngineInstalled is false only on positive evidence that no engine
	// exists: no socket at the default paths and no dockerd or podman
	// binary. Rules are then not applicable.
	EngineInstalled bool `json:"engine_installed"`
	// Engine is how the API was reached and what answered.
	Engine DockerEngine `json:"engine"`
	// Daemon is the daemon's listening configuration (daemon.json and the
	// running dockerd's flags), for the Docker-API-on-TCP rule.
	Daemon DockerDaemon `json:"daemon"`
	// Containers lists every container, running or not, sorted by name.
	Containers []Container `json:"containers"`
	// Files are secret-bearing host files the containers reference
	// (compose files, their .env, bind-mounted secrets and configs).
	Files []FileMode `json:"files"`
}

// DockerEngine describes the API endpoint and the engine behind it.
type DockerEngine struct {
	Source
	// Host is the API address used ("unix:///var/run/docker.sock").
	Host string `json:"host"`
	// HostFrom says where Host came from: "flag", "DOCKER_HOST" or "default".
	HostFrom      string `json:"host_from" jsonschema:"enum=flag,enum=DOCKER_HOST,enum=default"`
	APIVersion    string `json:"api_version,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
	// Product is the engine's name ("Docker Engine", "Podman Engine"):
	// from the Server header of /_ping on a unix socket, else /version's
	// platform name ("Docker Engine - Community").
	Product string `json:"product,omitempty"`
	// MemTotal is the host's memory in bytes (<proc>/meminfo), for the
	// over-commit check; 0 when unknown.
	MemTotal int64 `json:"mem_total,omitempty"`
	// Evidence states what was looked at when the engine is missing or
	// unreachable ("no socket at /var/run/docker.sock; no dockerd, podman").
	Evidence string `json:"evidence,omitempty"`
}

// DockerDaemon is where the Docker daemon listens, from its configuration
// file and the command line of a running dockerd.
type DockerDaemon struct {
	Source
	Hosts []DaemonHost `json:"hosts"`
}

// DaemonHost is one address the daemon serves its API on.
type DaemonHost struct {
	// Addr is as configured: "unix:///var/run/docker.sock",
	// "tcp://0.0.0.0:2375", "fd://".
	Addr string `json:"addr"`
	// TCP is true for tcp:// addresses (and bare host:port).
	TCP bool `json:"tcp"`
	// TLSVerify is true when the daemon requires client certificates
	// (--tlsverify / "tlsverify": true); TLS when it serves TLS at all.
	TLSVerify bool `json:"tls_verify"`
	TLS       bool `json:"tls"`
	// From is the file or process the address came from.
	From string `json:"from"`
}

// Container is one container's security-relevant configuration.
type Container struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Image string `json:"image"`
	// ImageID is the image's content id (sha256:...).
	ImageID string `json:"image_id"`
	// State is created, running, paused, restarting, removing, exited or dead.
	State   string `json:"state"`
	Running bool   `json:"running"`
	// Compose holds the docker compose labels, when set.
	Compose *ComposeInfo `json:"compose,omitempty"`
	// Inspect is present only when the container's inspect call failed
	// or its answer could not be read: its status (error, permission)
	// and why. The container is then known by its list entry alone (id,
	// name, image, state, compose labels); every other field is empty,
	// not a fact, and its checks are unknown.
	Inspect *Source `json:"inspect,omitempty"`
	// User is Config.User ("" = the image's user); ImageUser the image's
	// USER, read when the container sets none.
	User      string `json:"user"`
	ImageUser string `json:"image_user"`
	// Process is the container's main process as the kernel sees it.
	Process ContainerProcess `json:"process"`
	Limits  ContainerLimits  `json:"limits"`

	Privileged      bool     `json:"privileged"`
	CapAdd          []string `json:"cap_add"`
	CapDrop         []string `json:"cap_drop"`
	SecurityOpt     []string `json:"security_opt"`
	AppArmorProfile string   `json:"apparmor_profile"`
	ReadonlyRootfs  bool     `json:"readonly_rootfs"`
	NetworkMode     string   `json:"network_mode"`
	PidMode         string   `json:"pid_mode"`
	IpcMode         string   `json:"ipc_mode"`
	UTSMode         string   `json:"uts_mode"`
	UsernsMode      string   `json:"userns_mode"`
	// RestartPolicy is the policy name ("", no, always, unless-stopped,
	// on-failure) and its retry limit.
	RestartPolicy RestartPolicy `json:"restart_policy"`
	// Healthcheck is true when a healthcheck is defined and not disabled.
	Healthcheck bool    `json:"healthcheck"`
	Mounts      []Mount `json:"mounts"`
	// Ports are the published ports of a running container
	// (NetworkSettings.Ports); PortBindings the requested ones
	// (HostConfig.PortBindings), which host networking ignores.
	Ports        []PortBinding `json:"ports"`
	PortBindings []PortBinding `json:"port_bindings"`
	// Env lists the environment's keys; values only for harmless keys and
	// URLs reduced to scheme, host, port and path.
	Env []EnvVar `json:"env"`
	// Entrypoint and Cmd are redacted (secret values are "<redacted>");
	// Command is the two joined.
	Entrypoint []string `json:"entrypoint"`
	Cmd        []string `json:"cmd"`
	Command    string   `json:"command"`
	// Secrets describes each secret found in the command line or the
	// environment without revealing it.
	Secrets []SecretFinding `json:"secrets"`
	// Redis holds the settings given on a redis-server command line.
	Redis *RedisArgs `json:"redis,omitempty"`
}

// ComposeInfo is what docker compose labels a container with.
type ComposeInfo struct {
	Project string `json:"project"`
	Service string `json:"service"`
	// ConfigFiles are the compose files, absolute paths as compose wrote
	// them in com.docker.compose.project.config_files.
	ConfigFiles []string `json:"config_files"`
	WorkingDir  string   `json:"working_dir"`
}

// ContainerProcess is the main process of a running container, read from
// <proc>/<pid>/status: the ids it really runs with, after any privilege
// drop by its entrypoint. Ids are as seen from the host (user namespaces
// shift them).
type ContainerProcess struct {
	// Status is ok, unavailable (the container is not running) or error.
	Status Status `json:"status" jsonschema:"enum=ok,enum=error,enum=unavailable,enum=permission"`
	Error  string `json:"error,omitempty"`
	PID    int    `json:"pid,omitempty"`
	// UID and GID are the effective ids; nil when unknown.
	UID *int `json:"uid,omitempty"`
	GID *int `json:"gid,omitempty"`
}

// ContainerLimits are the HostConfig resource limits. PidsLimit is nil when
// the engine reports null (no limit set), which differs from 0.
type ContainerLimits struct {
	// Memory and MemorySwap are bytes; 0 = unlimited, MemorySwap -1 =
	// unlimited swap.
	Memory     int64 `json:"memory"`
	MemorySwap int64 `json:"memory_swap"`
	// NanoCPUs is in 1e-9 CPUs; CPUQuota/CPUPeriod in microseconds.
	NanoCPUs  int64 `json:"nano_cpus"`
	CPUQuota  int64 `json:"cpu_quota"`
	CPUPeriod int64 `json:"cpu_period"`
	CPUShares int64 `json:"cpu_shares"`
	// CPUs is the effective CPU limit: NanoCPUs/1e9, else
	// CPUQuota/CPUPeriod (period 100ms when 0); 0 = unlimited.
	CPUs      float64 `json:"cpus"`
	PidsLimit *int64  `json:"pids_limit" jsonschema:"nullable"`
}

// RestartPolicy is HostConfig.RestartPolicy.
type RestartPolicy struct {
	Name              string `json:"name"`
	MaximumRetryCount int    `json:"maximum_retry_count"`
}

// Mount is one mount of a container.
type Mount struct {
	// Type is bind, volume, tmpfs, npipe or cluster.
	Type        string `json:"type"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	RW          bool   `json:"rw"`
	Propagation string `json:"propagation,omitempty"`
}

// PortBinding is one container port published on the host.
type PortBinding struct {
	// HostIP "" means every address, like 0.0.0.0 and ::.
	HostIP   string `json:"host_ip"`
	HostPort int    `json:"host_port"`
	// ContainerPort and Proto are the container side ("80", "tcp").
	ContainerPort int    `json:"container_port"`
	Proto         string `json:"proto"`
}

// EnvVar is one environment variable with its value only when harmless.
type EnvVar struct {
	Key string `json:"key"`
	// Value is kept for allow-listed keys only.
	Value string `json:"value,omitempty"`
	// Kept says Value is the real value; otherwise it was dropped.
	Kept bool `json:"kept"`
	// Secret marks a value reported as a SecretFinding.
	Secret bool `json:"secret,omitempty"`
	// URL is the value's endpoint when it is a URL or host:port.
	URL *Endpoint `json:"url,omitempty"`
}

// Endpoint is a URL reduced to what locates a service.
type Endpoint struct {
	Scheme string `json:"scheme,omitempty"`
	Host   string `json:"host"`
	Port   int    `json:"port,omitempty"`
	// Path is kept for broker and database URLs only (a Redis db "/0").
	Path string `json:"path,omitempty"`
	// Password is true when the URL carries a password (never its value).
	Password bool `json:"password"`
}

// SecretFinding describes a secret without revealing it.
type SecretFinding struct {
	// Location is env, cmd (Entrypoint and Cmd) or args (Path and Args
	// when they differ from the two).
	Location string `json:"location" jsonschema:"enum=env,enum=cmd,enum=args"`
	// Key names where the secret sits: an environment key, a flag
	// ("--requirepass"), "KEY (URL password)" or "URL password".
	Key string `json:"key"`
	// Target is what the secret unlocks when known: redis, flower,
	// grafana, ray, or a URL scheme. Two findings with the same hash and
	// target are one credential used by a server and its clients.
	Target string `json:"target,omitempty"`
	// Human is true for passwords people type (basic auth, admin
	// passwords), which have a lower length bar than machine secrets.
	Human  bool `json:"human"`
	Length int  `json:"length"`
	// Classes counts the character classes used (lower, upper, digit,
	// other).
	Classes int `json:"classes"`
	// Strength is weak, medium or strong, as the collectors package's
	// secretStrength rates it.
	Strength   string `json:"strength" jsonschema:"enum=weak,enum=medium,enum=strong"`
	Denylisted bool   `json:"denylisted"`
	// Hash is a keyed hash (HMAC-SHA256, random key per snapshot, first
	// 16 hex digits): equal secrets in one snapshot share it, and it
	// cannot be checked against guesses after the scan.
	Hash string `json:"hash"`
}

// RedisArgs are the settings of a redis-server command line (secrets
// excluded).
type RedisArgs struct {
	// ConfigFile is the configuration file argument, if any: settings it
	// holds are not read.
	ConfigFile string `json:"config_file,omitempty"`
	Port       int    `json:"port,omitempty"`
	Bind       string `json:"bind,omitempty"`
	// Maxmemory is as written ("2gb"); MaxmemoryBytes in bytes with
	// Redis's units (1gb = 1024³, 1g = 10⁹), nil when not given.
	Maxmemory       string `json:"maxmemory,omitempty"`
	MaxmemoryBytes  *int64 `json:"maxmemory_bytes,omitempty"`
	MaxmemoryPolicy string `json:"maxmemory_policy,omitempty"`
	// Requirepass says a password is given on the command line.
	Requirepass bool `json:"requirepass"`
}

// FileMode is the mode and owner of a host file.
type FileMode struct {
	Source
	Path string `json:"path"`
	// Why says what references the file ("compose file of project ml").
	Why string `json:"why"`
	// Kind is compose (a container's compose file), env (the .env of a
	// compose project), mount (bind-mounted at a secret-bearing path) or
	// host (a secret file at a well-known host path: ~/.ray/auth_token).
	Kind string `json:"kind,omitempty" jsonschema:"enum=compose,enum=env,enum=mount,enum=host"`
	// Mode is the permission bits in octal ("0644").
	Mode string `json:"mode,omitempty"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
	// WorldReadable is mode & 0o004.
	WorldReadable bool `json:"world_readable"`
	// Content is what reading a compose file found; compose files only
	// (.env files and mounted secrets hold secrets by design).
	Content *FileContent `json:"content,omitempty"`
}

// FileContent says whether a compose file writes secret values out.
type FileContent struct {
	Source
	// LiteralSecrets are where the file writes a secret value out instead
	// of referencing a variable (${REDIS_PASSWORD}): "line 9:
	// --requirepass", "line 14: REDIS_PASSWORD", "line 20: URL password".
	// Never the values. Empty when it holds none (status ok).
	LiteralSecrets []string `json:"literal_secrets"`
}
