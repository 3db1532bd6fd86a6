package collectors

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

func TestRedactEnv(t *testing.T) {
	const pw = "Zr8xq2LmN4pW7vK1"
	tests := []struct {
		name     string
		kv       string
		want     snapshot.EnvVar
		findings []string // keys of the findings, with their targets after '@'
	}{
		{"allowed value kept", "PATH=/usr/bin:/bin", snapshot.EnvVar{Key: "PATH", Value: "/usr/bin:/bin", Kept: true}, nil},
		{"python setting kept", "PYTHONUNBUFFERED=1", snapshot.EnvVar{Key: "PYTHONUNBUFFERED", Value: "1", Kept: true}, nil},
		{"celery setting kept", "C_FORCE_ROOT=true", snapshot.EnvVar{Key: "C_FORCE_ROOT", Value: "true", Kept: true}, nil},
		{"auth mode is a setting, not a secret", "RAY_AUTH_MODE=token", snapshot.EnvVar{Key: "RAY_AUTH_MODE", Value: "token", Kept: true}, nil},
		{"other value dropped", "APP_NAME=demo", snapshot.EnvVar{Key: "APP_NAME"}, nil},
		{"image release kept", "REDIS_VERSION=7.2.11", snapshot.EnvVar{Key: "REDIS_VERSION", Value: "7.2.11", Kept: true}, nil},
		{"release with a suffix kept", "RAY_VERSION=2.54.0-py310", snapshot.EnvVar{Key: "RAY_VERSION", Value: "2.54.0-py310", Kept: true}, nil},
		{"flower release kept", "FLOWER_VERSION=v2.2.0", snapshot.EnvVar{Key: "FLOWER_VERSION", Value: "v2.2.0", Kept: true}, nil},
		{"a version key holding no version is dropped", "REDIS_VERSION=" + pw, snapshot.EnvVar{Key: "REDIS_VERSION"}, nil},
		{
			"a version key holding a URL is read as one", "RAY_VERSION=https://u:" + pw + "@example.com/ray",
			snapshot.EnvVar{Key: "RAY_VERSION", Secret: true, URL: &snapshot.Endpoint{Scheme: "https", Host: "example.com", Port: 443, Password: true}},
			[]string{"RAY_VERSION (URL password)@https"},
		},
		{"other version keys dropped", "APP_VERSION=1.2.3", snapshot.EnvVar{Key: "APP_VERSION"}, nil},
		{"password", "REDIS_PASSWORD=" + pw, snapshot.EnvVar{Key: "REDIS_PASSWORD", Secret: true}, []string{"REDIS_PASSWORD@redis"}},
		{"empty password is no finding", "REDIS_PASSWORD=", snapshot.EnvVar{Key: "REDIS_PASSWORD"}, nil},
		{"secret key word", "SECRET_KEY=" + pw, snapshot.EnvVar{Key: "SECRET_KEY", Secret: true}, []string{"SECRET_KEY@"}},
		{"token path is kept", "RAY_AUTH_TOKEN_PATH=/run/secrets/ray", snapshot.EnvVar{Key: "RAY_AUTH_TOKEN_PATH", Value: "/run/secrets/ray", Kept: true}, nil},
		{"flower's oauth pattern is kept", `FLOWER_AUTH=.*@example\.com`, snapshot.EnvVar{Key: "FLOWER_AUTH", Value: `.*@example\.com`, Kept: true}, nil},
		{"other token path dropped, not a secret", "APP_TOKEN_PATH=/run/secrets/app", snapshot.EnvVar{Key: "APP_TOKEN_PATH"}, nil},
		{"password file is not a secret", "REDIS_PASSWORD_FILE=/run/secrets/redis", snapshot.EnvVar{Key: "REDIS_PASSWORD_FILE"}, nil},
		{"password file anywhere is not a secret", "DB_PASSWORD_FILE=/etc/app/db.pw", snapshot.EnvVar{Key: "DB_PASSWORD_FILE"}, nil},
		{"grafana's __FILE is not a secret", "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana", snapshot.EnvVar{Key: "GF_SECURITY_ADMIN_PASSWORD__FILE"}, nil},
		{"gluetun's _SECRETFILE is not a secret", "OPENVPN_PASSWORD_SECRETFILE=/run/secrets/openvpn_password", snapshot.EnvVar{Key: "OPENVPN_PASSWORD_SECRETFILE"}, nil},
		{"gluetun's key _SECRETFILE is not a secret", "WIREGUARD_PRIVATE_KEY_SECRETFILE=/gluetun/wg.key", snapshot.EnvVar{Key: "WIREGUARD_PRIVATE_KEY_SECRETFILE"}, nil},
		{"lower-case _file is not a secret", "redis_password_file=/run/secrets/redis", snapshot.EnvVar{Key: "redis_password_file"}, nil},
		{"a value under /run/secrets is a reference", "REDIS_PASSWORD=/run/secrets/redis_password", snapshot.EnvVar{Key: "REDIS_PASSWORD"}, nil},
		{"a /run/secrets value escaping the folder is a secret", "REDIS_PASSWORD=/run/secrets/../" + pw, snapshot.EnvVar{Key: "REDIS_PASSWORD", Secret: true}, []string{"REDIS_PASSWORD@redis"}},
		{"a secret that merely ends in FILE is one", "API_KEY=" + pw + "_FILE", snapshot.EnvVar{Key: "API_KEY", Secret: true}, []string{"API_KEY@"}},
		{"python image gpg key", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", snapshot.EnvVar{Key: "GPG_KEY"}, nil},
		{"keyboard is no key", "KEYBOARD=us", snapshot.EnvVar{Key: "KEYBOARD"}, nil},
		{
			"broker URL keeps the endpoint", "CELERY_BROKER_URL=redis://:" + pw + "@127.0.0.1:6380/0",
			snapshot.EnvVar{Key: "CELERY_BROKER_URL", Secret: true, URL: &snapshot.Endpoint{Scheme: "redis", Host: "127.0.0.1", Port: 6380, Path: "/0", Password: true}},
			[]string{"CELERY_BROKER_URL (URL password)@redis"},
		},
		{
			"broker URL without password", "CELERY_RESULT_BACKEND=redis://redis:6379/1",
			snapshot.EnvVar{Key: "CELERY_RESULT_BACKEND", URL: &snapshot.Endpoint{Scheme: "redis", Host: "redis", Port: 6379, Path: "/1"}}, nil,
		},
		{
			"broker URL with the default port", "CELERY_BROKER_URL=redis://localhost",
			snapshot.EnvVar{Key: "CELERY_BROKER_URL", URL: &snapshot.Endpoint{Scheme: "redis", Host: "localhost", Port: 6379}}, nil,
		},
		{
			"ray address host:port", "RAY_ADDRESS=10.0.0.84:6379",
			snapshot.EnvVar{Key: "RAY_ADDRESS", Value: "10.0.0.84:6379", Kept: true, URL: &snapshot.Endpoint{Host: "10.0.0.84", Port: 6379}}, nil,
		},
		{
			"ray client address", "RAY_ADDRESS=ray://10.0.0.84:10001",
			snapshot.EnvVar{Key: "RAY_ADDRESS", Value: "ray://10.0.0.84:10001", Kept: true, URL: &snapshot.Endpoint{Scheme: "ray", Host: "10.0.0.84", Port: 10001}}, nil,
		},
		{
			"webhook URL drops its path", "SLACK_WEBHOOK=https://hooks.example.com/services/T0/B0/XXXXSECRETXXXX",
			snapshot.EnvVar{Key: "SLACK_WEBHOOK", URL: &snapshot.Endpoint{Scheme: "https", Host: "hooks.example.com", Port: 443}}, nil,
		},
		{
			"URL token parameter", "SERVICE=https://api.example.com/v1?token=" + pw,
			snapshot.EnvVar{Key: "SERVICE", Secret: true, URL: &snapshot.Endpoint{Scheme: "https", Host: "api.example.com", Port: 443}},
			[]string{"SERVICE (URL token)@"},
		},
		{
			"password holding '@' and '/'", "CELERY_BROKER_URL=redis://:a/b@" + pw + "@127.0.0.1:6380/0",
			snapshot.EnvVar{Key: "CELERY_BROKER_URL", Secret: true, URL: &snapshot.Endpoint{Scheme: "redis", Host: "127.0.0.1", Port: 6380, Path: "/0", Password: true}},
			[]string{"CELERY_BROKER_URL (URL password)@redis"},
		},
		{
			"flower basic auth: two passwords", "FLOWER_BASIC_AUTH=admin:" + pw + ",ops:" + pw + "x",
			snapshot.EnvVar{Key: "FLOWER_BASIC_AUTH", Secret: true}, []string{"FLOWER_BASIC_AUTH@flower", "FLOWER_BASIC_AUTH@flower"},
		},
		{
			"a command line in a value", "REDIS_ARGS=--requirepass " + pw + " --maxmemory 1gb",
			snapshot.EnvVar{Key: "REDIS_ARGS", Secret: true}, []string{"REDIS_ARGS (--requirepass)@redis"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars, fs := redactEnv([]string{tt.kv}, newSecretHasher())
			if len(vars) != 1 || !reflect.DeepEqual(vars[0], tt.want) {
				t.Errorf("env\n got %+v (url %+v)\nwant %+v (url %+v)", vars[0], vars[0].URL, tt.want, tt.want.URL)
			}
			var keys []string
			for _, f := range fs {
				keys = append(keys, f.Key+"@"+f.Target)
			}
			if !reflect.DeepEqual(keys, tt.findings) {
				t.Errorf("findings %q, want %q", keys, tt.findings)
			}
			b, _ := json.Marshal(struct {
				V []snapshot.EnvVar
				F []snapshot.SecretFinding
			}{vars, fs})
			if strings.Contains(string(b), pw) || strings.Contains(string(b), "XXXXSECRETXXXX") {
				t.Errorf("secret in %s", b)
			}
		})
	}
}
