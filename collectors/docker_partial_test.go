package collectors

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mlscan/mlscan/scanner"
	"github.com/mlscan/mlscan/snapshot"
)

// partialEngine is a fake Engine API on a unix socket listing three
// containers, whose inspect answers are the two captured payloads for
// good and good2 and bad for the third. A failing daemon answer cannot be
// produced on demand by a real dockerd, hence the fake.
func partialEngine(t *testing.T, bad func(w http.ResponseWriter)) string {
	t.Helper()
	inspect := map[string][]byte{
		"6bd943de4217": dockerPayload(t, "dockerd-20.10-web-hardened.json"),
		"8f85009302fb": dockerPayload(t, "dockerd-20.10-privileged-created.json"),
	}
	list := `[
{"Id":"6bd943de4217b3443b7d6114edbebb293d5ab574f96897d1b4ebc6c59dcbdf97","Names":["/web-hardened"],"Image":"nginx","State":"running","Labels":{}},
{"Id":"8f85009302fb52dccece2f5f902844b5ed4215d97b94bdf45e3dfcbfd38884a3","Names":["/privileged-created"],"Image":"nginx","State":"created","Labels":{}},
{"Id":"badbadbadbad0000000000000000000000000000000000000000000000000000","Names":["/sock-mount"],"Image":"docker:cli","State":"running",
 "Labels":{"com.docker.compose.project":"ops","com.docker.compose.service":"agent"}}]`
	inspectPath := regexp.MustCompile(`^(/v[0-9.]+)?/containers/([0-9a-f]+)/json$`)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		w.Header().Set("Server", "Docker/20.10.24 (linux)")
		p := r.URL.Path
		switch {
		case strings.HasSuffix(p, "/_ping"):
			_, _ = w.Write([]byte("OK"))
		case strings.HasSuffix(p, "/containers/json"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(list))
		case strings.Contains(p, "/images/"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"Id":"sha256:f30f","Config":{"User":""}}`))
		case inspectPath.MatchString(p):
			id := inspectPath.FindStringSubmatch(p)[2]
			if b, ok := inspect[id[:min(12, len(id))]]; ok {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(b)
				return
			}
			bad(w)
		default:
			http.NotFound(w, r)
		}
	})
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return "unix://" + sock
}

// planted is a value of the broken answers that must reach no output.
const planted = "hunter2-planted-in-the-answer"

// TestDockerInspectFailsForOne: one container of three whose inspect call
// fails or whose answer cannot be read costs that container only: it stays
// listed (id, name, compose service from the list) with a not-ok Inspect
// and a reason quoting nothing of the answer; the other two are complete;
// the snapshot validates; and no check passes the broken container.
func TestDockerInspectFailsForOne(t *testing.T) {
	json500 := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"` + planted + `"}`))
	}
	raw := func(status int, body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	tests := []struct {
		name   string
		bad    func(w http.ResponseWriter)
		status snapshot.Status
		reason string
	}{
		{"HTTP 500 with a message", json500, snapshot.StatusError, "internal error (HTTP 500)"},
		{"HTTP 500 in plain text", raw(http.StatusInternalServerError, planted), snapshot.StatusError, "internal error (HTTP 500)"},
		{"HTTP 503", raw(http.StatusServiceUnavailable, `{"message":"`+planted+`"}`), snapshot.StatusError, "unavailable (HTTP 503)"},
		{"HTTP 403", raw(http.StatusForbidden, `{"message":"`+planted+`"}`), snapshot.StatusPermission, "permission denied"},
		{"garbage", raw(http.StatusOK, planted+"\x00\xff{"), snapshot.StatusError, "not a container's JSON"},
		{"truncated JSON", raw(http.StatusOK, `{"Id":"badbad`+planted), snapshot.StatusError, "not a container's JSON"},
		{"wrong types", raw(http.StatusOK, `{"Id":42,"Config":"`+planted+`"}`), snapshot.StatusError, "not a container's JSON"},
		{"another shape", raw(http.StatusOK, `{"planted":"`+planted+`"}`), snapshot.StatusError, "lacks the container's configuration"},
		{"another container", raw(http.StatusOK, string(dockerPayload(t, "dockerd-20.10-sock-mount.json"))), snapshot.StatusError, "another container's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", "")
			host := partialEngine(t, tt.bad)
			snap, err := Collect(context.Background(), []Collector{&Docker{Host: host}}, Options{
				Env: Env{Root: t.TempDir(), ProcRoot: t.TempDir()}, Timeout: 10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			sec := snap.Docker
			if sec == nil || len(sec.Containers) != 3 {
				t.Fatalf("section %+v", sec)
			}
			byName := map[string]snapshot.Container{}
			for _, c := range sec.Containers {
				byName[c.Name] = c
			}
			for _, name := range []string{"web-hardened", "privileged-created"} {
				c := byName[name]
				if c.Inspect != nil || c.ImageID == "" || len(c.Mounts)+len(c.CapDrop)+len(c.Env) == 0 && name == "web-hardened" {
					t.Errorf("%s is not complete: %+v", name, c)
				}
			}
			if !byName["privileged-created"].Privileged {
				t.Error("privileged-created: HostConfig.Privileged lost")
			}
			bad := byName["sock-mount"]
			if bad.Inspect == nil || bad.Inspect.Status != tt.status || !strings.Contains(bad.Inspect.Error, tt.reason) {
				t.Errorf("sock-mount inspect %+v, want %s with %q", bad.Inspect, tt.status, tt.reason)
			}
			if !strings.HasPrefix(bad.ID, "badbadbadbad") || bad.State != "running" || bad.Compose == nil || bad.Compose.Service != "agent" || len(bad.Mounts) != 0 {
				t.Errorf("sock-mount from the list: %+v", bad)
			}
			// The policies make that container unknown, not the collector.
			if r := snap.Collectors["docker"]; r.Status != snapshot.StatusOK {
				t.Errorf("docker collector %+v", r)
			}
			js, err := json.Marshal(snap)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(js), planted) {
				t.Errorf("the engine's answer reached the snapshot")
			}
			_, doc, err := snapshot.Decode("snapshot.json", js)
			if err != nil {
				t.Fatalf("snapshot does not validate: %v", err)
			}
			byRule := map[string]map[string]scanner.Status{}
			for _, res := range evalSnapshot(t, doc).Results {
				if strings.Contains(res.Subject, "sock-mount") && (res.Status == scanner.StatusPass || res.Status == scanner.StatusNotApplicable) {
					t.Errorf("%s %s for the uninspected container: %s", res.RuleID, res.Status, res.Message)
				}
				if byRule[res.RuleID] == nil {
					byRule[res.RuleID] = map[string]scanner.Status{}
				}
				byRule[res.RuleID][res.Subject] = res.Status
			}
			// Only that container is unknown: the others are judged.
			ctr := byRule["MLS-CTR-002"]
			if ctr["container sock-mount (compose service agent)"] != scanner.StatusUnknown ||
				ctr["container web-hardened (compose service web)"] != scanner.StatusPass || ctr["container privileged-created"] != scanner.StatusFail {
				t.Errorf("MLS-CTR-002 %v, want sock-mount unknown, web-hardened pass, privileged-created fail", ctr)
			}
		})
	}
}

// dockerPayload is the captured inspect answer name of testdata/docker.
func dockerPayload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dockerTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIncompleteInspect: an answer that decodes is the listed container's
// only with its base, configuration, host configuration and state, and
// its own id (either may be the other's prefix).
func TestIncompleteInspect(t *testing.T) {
	ir := inspectPayload(t, "dockerd-20.10-web-hardened.json", nil)
	full := ir.ID
	tests := []struct {
		name, id string
		patch    func(m map[string]any)
		want     string
	}{
		{"complete", full, nil, ""},
		{"listed by short id", full[:12], nil, ""},
		{"no Config", full, func(m map[string]any) { delete(m, "Config") }, "lacks"},
		{"no HostConfig", full, func(m map[string]any) { delete(m, "HostConfig") }, "lacks"},
		{"no State", full, func(m map[string]any) { delete(m, "State") }, "lacks"},
		{"no Id", full, func(m map[string]any) { delete(m, "Id") }, "another container's"},
		{"other id", "8f85009302fb52dccece2f5f902844b5ed4215d97b94bdf45e3dfcbfd38884a3", nil, "another container's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := incomplete(inspectPayload(t, "dockerd-20.10-web-hardened.json", tt.patch), tt.id)
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("incomplete = %q, want %q", got, tt.want)
			}
		})
	}
}
