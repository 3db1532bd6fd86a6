package collectors

import (
	"strings"
	"testing"
)

func TestRedactCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   string
		secret string // must not appear in the output; "" for none
	}{
		{
			name:   "the documented Redis",
			args:   strings.Fields("redis-server --port 6380 --requirepass S3cretPassw0rd --maxmemory 2gb --maxmemory-policy allkeys-lru"),
			want:   "redis-server --port 6380 --requirepass <redacted> --maxmemory 2gb --maxmemory-policy allkeys-lru",
			secret: "S3cretPassw0rd",
		},
		{
			name:   "Redis options are case-insensitive",
			args:   []string{"/usr/bin/redis-server", "--REQUIREPASS", "S3cretPassw0rd", "--masterauth=Upstr3am"},
			want:   "/usr/bin/redis-server --REQUIREPASS <redacted> --masterauth=<redacted>",
			secret: "S3cretPassw0rd",
		},
		{
			name:   "Flower's basic auth",
			args:   []string{"celery", "--broker=redis://:S3cretPassw0rd@redis:6380/0", "flower", "--port=5555", "--basic_auth=admin:pw"},
			want:   "celery --broker=redis://:<redacted>@redis:6380/0 flower --port=5555 --basic_auth=<redacted>",
			secret: "S3cretPassw0rd",
		},
		{
			name: "a secret's file is no secret",
			args: []string{"app", "--password-file", "/run/secrets/db", "--api-key-file=/etc/app/key", "REDIS_PASSWORD_FILE=/run/secrets/redis", "VPN_PASSWORD_SECRETFILE=/run/secrets/vpn"},
			want: "app --password-file /run/secrets/db --api-key-file=/etc/app/key REDIS_PASSWORD_FILE=/run/secrets/redis VPN_PASSWORD_SECRETFILE=/run/secrets/vpn",
		},
		{
			name:   "a secret where its file's path belongs is redacted",
			args:   []string{"app", "--db-password-file", "hunter2", "--password-file=hunter2", "DB_PASSWORD_FILE=hunter2", "API_TOKEN_PATH=ghp_abc789"},
			want:   "app --db-password-file <redacted> --password-file=<redacted> DB_PASSWORD_FILE=<redacted> API_TOKEN_PATH=<redacted>",
			secret: "hunter2",
		},
		{
			name:   "a file flag's value with a URL scheme or white space is no path",
			args:   []string{"sh", "-c", "app --token-file https://x/ghp_abc789 --password-file 'a b'", "VPN_PASSWORD_SECRETFILE=/x y"},
			want:   "sh -c app --token-file <redacted> --password-file <redacted> b' VPN_PASSWORD_SECRETFILE=<redacted>",
			secret: "ghp_abc789",
		},
		{
			name: "relative and home paths are references",
			args: []string{"app", "--password-file", "./secrets/db", "--token-file=../tok", "API_KEY_FILE=~/.app/key", "DB_PASSWORD_FILE=/run/secrets/../db"},
			want: "app --password-file ./secrets/db --token-file=../tok API_KEY_FILE=~/.app/key DB_PASSWORD_FILE=/run/secrets/../db",
		},
		{
			name:   "a flag that takes the secret itself is redacted even when it looks like a path",
			args:   []string{"redis-server", "--requirepass", "/run/secrets/redis"},
			want:   "redis-server --requirepass <redacted>",
			secret: "/run/secrets/redis",
		},
		{
			name:   "Flower's basic auth: the password",
			args:   []string{"celery", "flower", "--basic-auth", "admin:fl0werpw"},
			want:   "celery flower --basic-auth <redacted>",
			secret: "fl0werpw",
		},
		{
			name:   "redis-cli -a, and -p is a port",
			args:   []string{"redis-cli", "-h", "127.0.0.1", "-p", "6380", "-a", "S3cretPassw0rd", "ping"},
			want:   "redis-cli -h 127.0.0.1 -p 6380 -a <redacted> ping",
			secret: "S3cretPassw0rd",
		},
		{
			name: "-a of another program is left alone",
			args: []string{"dnsmasq", "-a", "127.0.0.1", "-p", "53"},
			want: "dnsmasq -a 127.0.0.1 -p 53",
		},
		{
			name:   "redis-cli --pass",
			args:   []string{"redis-cli", "--pass", "S3cretPassw0rd"},
			want:   "redis-cli --pass <redacted>",
			secret: "S3cretPassw0rd",
		},
		{
			name:   "flags with values in both forms",
			args:   []string{"app", "--password", "hunter2", "--passwd=hunter3", "--token", "tok-123", "--secret=s-456", "--api-key", "ak-789", "-token=go-style"},
			want:   "app --password <redacted> --passwd=<redacted> --token <redacted> --secret=<redacted> --api-key <redacted> -token=<redacted>",
			secret: "hunter",
		},
		{
			name:   "a secret-looking flag name",
			args:   []string{"app", "--db-password", "hunter2", "--auth-token=abc123", "--client_secret", "cs-1"},
			want:   "app --db-password <redacted> --auth-token=<redacted> --client_secret <redacted>",
			secret: "hunter2",
		},
		{
			name: "a secret-looking boolean flag before another flag",
			args: []string{"app", "--no-password", "--port", "80"},
			want: "app --no-password --port 80",
		},
		{
			name:   "KEY=VALUE arguments",
			args:   []string{"env", "REDIS_PASSWORD=hunter2", "GITHUB_TOKEN=ghp_x", "AWS_SECRET_ACCESS_KEY=wJal", "OPENAI_API_KEY=sk-1", "x_apikey=2", "SSH_PRIVATE_KEY=k", "db_credential=c", "BASIC_AUTH=u:p", "PORT=8080", "HOME=/root", "ray", "start"},
			want:   "env REDIS_PASSWORD=<redacted> GITHUB_TOKEN=<redacted> AWS_SECRET_ACCESS_KEY=<redacted> OPENAI_API_KEY=<redacted> x_apikey=<redacted> SSH_PRIVATE_KEY=<redacted> db_credential=<redacted> BASIC_AUTH=<redacted> PORT=8080 HOME=/root ray start",
			secret: "hunter2",
		},
		{
			name:   "Java system property",
			args:   []string{"java", "-Dspring.datasource.password=hunter2", "-jar", "app.jar"},
			want:   "java -Dspring.datasource.password=<redacted> -jar app.jar",
			secret: "hunter2",
		},
		{
			name:   "URL userinfo",
			args:   []string{"mlflow", "server", "--backend-store-uri", "postgresql://mlflow:hunter2@db:5432/mlflow", "--host", "0.0.0.0"},
			want:   "mlflow server --backend-store-uri postgresql://mlflow:<redacted>@db:5432/mlflow --host 0.0.0.0",
			secret: "hunter2",
		},
		{
			name:   "sh -c: the argument is redacted word by word",
			args:   []string{"/bin/sh", "-c", "exec redis-server --port 6380 --requirepass S3cretPassw0rd  --appendonly yes"},
			want:   "/bin/sh -c exec redis-server --port 6380 --requirepass <redacted>  --appendonly yes",
			secret: "S3cretPassw0rd",
		},
		{
			name:   "sh -c with redis-cli -a",
			args:   []string{"sh", "-c", "redis-cli -a S3cretPassw0rd ping"},
			want:   "sh -c redis-cli -a <redacted> ping",
			secret: "S3cretPassw0rd",
		},
		{
			name:   "a value with spaces is redacted whole",
			args:   []string{"app", "--password", "correct horse battery", "--port", "1"},
			want:   "app --password <redacted> --port 1",
			secret: "horse",
		},
		{
			name: "rewritten process title",
			args: []string{"redis-server *:6380"},
			want: "redis-server *:6380",
		},
		{
			name: "nothing secret",
			args: []string{"python3", "-m", "http.server", "--bind", "0.0.0.0", "8265"},
			want: "python3 -m http.server --bind 0.0.0.0 8265",
		},
		{
			name:   "flag at the end without a value",
			args:   []string{"app", "--token"},
			want:   "app --token",
			secret: "",
		},
		{name: "empty", args: nil, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactCommand(tt.args)
			if got != tt.want {
				t.Errorf("redactCommand(%q)\n got %q\nwant %q", tt.args, got, tt.want)
			}
			if tt.secret != "" && strings.Contains(got, tt.secret) {
				t.Errorf("the secret %q is in %q", tt.secret, got)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"redis password only", "redis://:S3cretPassw0rd@127.0.0.1:6380/0", "redis://:<redacted>@127.0.0.1:6380/0"},
		{"user and password", "http://user:pw@h", "http://user:<redacted>@h"},
		{"user only is kept", "http://user@h/x", "http://user@h/x"},
		{"empty password", "http://user:@h", "http://user:@h"},
		{"password holding @", "https://u:p@ss@host/", "https://u:<redacted>@host/"},
		{"no userinfo, @ in the path", "https://registry.npmjs.org/@scope%2fpkg", "https://registry.npmjs.org/@scope%2fpkg"},
		{"host port is not a password", "http://127.0.0.1:8265/api", "http://127.0.0.1:8265/api"},
		{"two URLs", "amqp://guest:guestpw@mq:5672//,redis://:S3cret@r:6379", "amqp://guest:<redacted>@mq:5672//,redis://:<redacted>@r:6379"},
		{"query secrets", "https://h/api?user=bob&access_token=abc&api_key=k#frag", "https://h/api?user=bob&access_token=<redacted>&api_key=<redacted>#frag"},
		{"query without secrets", "https://h/?a=1&b=2", "https://h/?a=1&b=2"},
		{"not a URL", "0.0.0.0:8265", "0.0.0.0:8265"},
		{"prefixed", "--broker=redis://:pw@h", "--broker=redis://:<redacted>@h"},
		{"slash in password", "redis://:ab/cd+ef==@127.0.0.1:6380/0", "redis://:<redacted>@127.0.0.1:6380/0"},
		{"query and hash in password", "redis://u:a?b#c@h:1/0", "redis://u:<redacted>@h:1/0"},
		// Ambiguous: an @ later in the word is read as userinfo (over-redacting is the safe side).
		{"at in path", "http://h/a:b@c", "http://h/a:<redacted>@c"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactURL(tt.in); got != tt.want {
				t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzRedactCommand checks that a secret passed after a secret flag, as a
// KEY=VALUE or in a URL never comes out, whatever surrounds it.
func FuzzRedactCommand(f *testing.F) {
	f.Add("redis-server --port 6380", "S3cretPassw0rd")
	f.Add("celery flower", "admin:pw")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, prefix, secret string) {
		if len(secret) < 4 || strings.ContainsAny(secret, " \t\n\v\f\r\u0085\u00a0/?#@") || strings.Contains(prefix, secret) {
			return
		}
		args := append(strings.Fields(prefix),
			"--requirepass", secret, "--token="+secret, "PASSWORD="+secret, "redis://:"+secret+"@h:1/0")
		// The secret must not be able to hide in words the redaction
		// leaves standing.
		for _, keep := range []string{"--requirepass", "--token=" + redacted, "PASSWORD=" + redacted, "redis://:" + redacted + "@h:1/0"} {
			if strings.Contains(keep, secret) {
				return
			}
		}
		if got := redactCommand(args); strings.Contains(got, secret) {
			t.Errorf("redactCommand(%q) = %q holds %q", args, got, secret)
		}
	})
}
