package collectors

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// envAllowed are environment keys whose values are harmless and that rules
// read (FLOWER_AUTH is Flower's OAuth e-mail pattern, not a secret).
// PYTHON* keys are kept too unless they name a secret.
var envAllowed = map[string]bool{
	"PATH": true, "HOME": true, "HOSTNAME": true, "LANG": true, "LC_ALL": true, "TZ": true,
	"TERM": true, "container": true,
	"C_FORCE_ROOT": true, "CELERY_ACCEPT_CONTENT": true, "CELERY_TASK_SERIALIZER": true,
	"CELERY_RESULT_SERIALIZER": true, "CELERY_WORKER_CONCURRENCY": true,
	"RAY_AUTH_MODE": true, "RAY_AUTH_TOKEN_PATH": true, "FLOWER_UNAUTHENTICATED_API": true,
	"FLOWER_AUTH": true, "FLOWER_AUTH_PROVIDER": true, "GF_AUTH_ANONYMOUS_ENABLED": true,
	"REDIS_PORT": true,
}

// envVersionKeys name the release an official image was built from
// (redis sets REDIS_VERSION): the version rules read them when the service
// itself cannot be asked. Their value is kept only when it looks like a
// version ("7.2.11", "v2.54.0", "11.4.0-ubuntu").
var envVersionKeys = map[string]bool{
	"REDIS_VERSION": true, "VALKEY_VERSION": true, "FLOWER_VERSION": true, "CELERY_VERSION": true,
	"RAY_VERSION": true, "GF_VERSION": true, "GRAFANA_VERSION": true,
}

// versionValue matches a release number with an optional suffix.
var versionValue = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+){1,3}([-+._][0-9A-Za-z.]{1,32})?$`)

// endpointKeys hold a service address, parsed even without a scheme
// (RAY_ADDRESS=10.0.0.84:6379); their URL path is kept.
var endpointKeys = map[string]bool{
	"CELERY_BROKER_URL": true, "CELERY_RESULT_BACKEND": true, "BROKER_URL": true,
	"RESULT_BACKEND": true, "RAY_ADDRESS": true, "REDIS_URL": true,
}

// pathSchemes are URL schemes whose path is a database or vhost, not a
// credential (a webhook URL's path can be one).
var pathSchemes = map[string]bool{
	"redis": true, "rediss": true, "amqp": true, "amqps": true, "ray": true, "sentinel": true,
	"postgres": true, "postgresql": true, "mysql": true, "mongodb": true, "memcached": true,
}

// redactEnv reduces a container's environment to keys, harmless values and
// endpoints, and describes the secrets it holds.
func redactEnv(env []string, h *secretHasher) ([]snapshot.EnvVar, []snapshot.SecretFinding) {
	vars := make([]snapshot.EnvVar, 0, len(env))
	var fs []snapshot.SecretFinding
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		ev := snapshot.EnvVar{Key: k}
		var secrets []secretValue
		switch {
		case envAllowed[k] && redactURL(v) == v && (!namesSecretFile(k) || v == "" || isFileReference(k, v)):
			ev.Value, ev.Kept = v, true
		case envVersionKeys[k] && versionValue.MatchString(v):
			ev.Value, ev.Kept = v, true
		case isSecretEnvKey(k) && (isSecretReference(v) || isFileReference(k, v)):
			// REDIS_PASSWORD=/run/secrets/redis, DB_PASSWORD_FILE=/etc/db:
			// the file's path, which is what MLS-SEC-002 recommends; the
			// value is dropped. DB_PASSWORD_FILE=hunter2 is a secret.
		case isSecretEnvKey(k):
			if strings.Contains(v, "://") {
				ev.URL = endpointOf(v, endpointKeys[k])
				r := redactURL(v)
				if r != v {
					secrets = urlSecrets(v, r, k)
				}
				if _, pws := redactUserinfo(r); len(pws) > 0 {
					for _, p := range pws {
						secrets = append(secrets, secretValue{key: k + " (URL password)", target: firstScheme(v), value: p})
					}
				}
				if len(secrets) > 0 {
					break
				}
			}
			if v != "" {
				t, human := describeKey(k, false)
				secrets = (secretValue{key: k, target: t, human: human, value: v}).expand()
			}
		case strings.HasPrefix(k, "PYTHON") && redactURL(v) == v:
			ev.Value, ev.Kept = v, true
		case strings.Contains(v, "://") || endpointKeys[k]:
			ev.URL = endpointOf(v, endpointKeys[k])
			r := redactURL(v)
			if r != v {
				secrets = urlSecrets(v, r, k)
			}
			if _, pws := redactUserinfo(r); len(pws) > 0 {
				for _, p := range pws {
					secrets = append(secrets, secretValue{key: k + " (URL password)", target: firstScheme(v), value: p})
				}
			}
			if k == "RAY_ADDRESS" && !strings.ContainsAny(v, "@?#") {
				ev.Value, ev.Kept = v, true // "auto", "10.0.0.84:6379"
			}
		default:
			// A value holding a command line ("--requirepass pw").
			if words := strings.Fields(v); len(words) > 1 {
				_, ss := redactArgvSecrets(words)
				for _, s := range ss {
					s.key = k + " (" + s.key + ")"
					secrets = append(secrets, s)
				}
			}
		}
		for _, s := range secrets {
			fs = append(fs, h.finding("env", s.key, s.target, s.human, s.value))
		}
		ev.Secret = len(secrets) > 0
		vars = append(vars, ev)
	}
	return vars, fs
}

// endpointOf parses a URL ("redis://:pw@127.0.0.1:6380/0") or host:port
// into its scheme, host, port and (for broker and database URLs, or when
// keepPath) path. The password is never kept, only its presence.
func endpointOf(v string, keepPath bool) *snapshot.Endpoint {
	e := &snapshot.Endpoint{}
	rest := v
	if i := strings.Index(v, "://"); i >= 0 {
		e.Scheme = strings.ToLower(v[:i])
		rest = v[i+3:]
	}
	// The last '@' ends the userinfo, even when a password holds '/' or '@'.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		user := rest[:at]
		if _, p, ok := strings.Cut(user, ":"); ok && p != "" {
			e.Password = true
		}
		rest = rest[at+1:]
	}
	hostport := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		hostport = rest[:i]
		if rest[i] == '/' && (keepPath || pathSchemes[e.Scheme]) {
			p := rest[i:]
			if j := strings.IndexAny(p, "?#"); j >= 0 {
				p = p[:j]
			}
			e.Path = p
		}
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		if j := strings.IndexByte(hostport, ']'); j >= 0 {
			host = hostport[1:j]
			port = strings.TrimPrefix(hostport[j+1:], ":")
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 && strings.Count(hostport, ":") == 1 {
		host, port = hostport[:i], hostport[i+1:]
	}
	e.Host = host
	if n, err := strconv.Atoi(port); err == nil {
		e.Port = n
	} else if port == "" {
		e.Port = defaultPort(e.Scheme)
	}
	return e
}

// defaultPort is the port a client uses for scheme when the URL has none.
func defaultPort(scheme string) int {
	switch scheme {
	case "redis", "rediss":
		return 6379
	case "amqp":
		return 5672
	case "amqps":
		return 5671
	case "http":
		return 80
	case "https":
		return 443
	case "ray":
		return 10001
	}
	return 0
}

// redactUserinfo redacts URL passwords that redactURL leaves: redactURL
// ends the userinfo at the first '/', so a password holding one (base64
// passwords often do: "redis://:ab/cd@host") passes through. Here the
// userinfo runs to the last '@' of the URL, over-redacting rather than
// leaking. Passwords already "<redacted>" are left alone.
func redactUserinfo(s string) (string, []string) {
	if !strings.Contains(s, "://") {
		return s, nil
	}
	var pws []string
	var b strings.Builder
	i := 0
	for {
		k := strings.Index(s[i:], "://")
		if k < 0 {
			break
		}
		start := i + k + 3
		end := start + urlWordEnd(s[start:])
		seg := s[start:end]
		if at := strings.LastIndexByte(seg, '@'); at >= 0 {
			if c := strings.IndexByte(seg[:at], ':'); c >= 0 && c+1 < at && seg[c+1:at] != redacted {
				p := seg[c+1 : at]
				if dec, err := url.PathUnescape(p); err == nil {
					p = dec
				}
				pws = append(pws, p)
				b.WriteString(s[i : start+c+1])
				b.WriteString(redacted)
				b.WriteString(seg[at:])
				i = end
				continue
			}
		}
		b.WriteString(s[i:end])
		i = end
	}
	b.WriteString(s[i:])
	return b.String(), pws
}
