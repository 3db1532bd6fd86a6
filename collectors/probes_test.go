package collectors

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlscan/mlscan/snapshot"
)

// Replies of a real redis-server 7.0.15 (Debian 12) to an inline PING,
// captured with `printf 'PING\r\n' | nc -w 1 ADDR PORT` in a test
// namespace: with --requirepass, without it from loopback, and without it
// from the host's own non-loopback address (protected mode).
const (
	redisNoAuth = "-NOAUTH Authentication required.\r\n"
	redisPong   = "+PONG\r\n"
	redisDenied = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"
	redisInfo   = "$579\r\n# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n"
)

// fakeRedis serves one reply to PING and, after +PONG, the INFO server
// header; it records what it received.
func fakeRedis(t *testing.T, reply string) (port int, got chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					got <- line
					switch {
					case line == "PING\r\n":
						_, _ = io.WriteString(c, reply) // the client under test sees a short reply
						if reply != redisPong {
							return
						}
					case line == "INFO server\r\n":
						_, _ = io.WriteString(c, redisInfo+strings.Repeat("x", 579-len(redisInfo)+7)+"\r\n")
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, got
}

func testProbeConfig() *probeConfig {
	return (&Probes{ConnectTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond}).config()
}

func TestRedisProbe(t *testing.T) {
	tests := []struct {
		name, reply, kind, version string
		sent                       []string
	}{
		{"password required", redisNoAuth, "noauth", "", []string{"PING\r\n"}},
		{"no authentication", redisPong, "pong", "7.0.15", []string{"PING\r\n", "INFO server\r\n"}},
		{"protected mode", redisDenied, "denied", "", []string{"PING\r\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port, got := fakeRedis(t, tc.reply)
			r := testProbeConfig().redis(context.Background(), snapshot.ProbeTarget{Address: "127.0.0.1", Port: port, Service: "redis-broker"})
			if r.State != snapshot.ProbeOpen || r.Kind != tc.kind || r.Version != tc.version {
				t.Fatalf("state %s kind %s version %q (%s)", r.State, r.Kind, r.Version, r.Error)
			}
			var sent []string
			for _, ex := range r.Exchanges {
				sent = append(sent, ex.Sent)
			}
			if !slices.Equal(sent, tc.sent) {
				t.Errorf("sent %q, want %q", sent, tc.sent)
			}
			for range tc.sent {
				if line := <-got; !slices.Contains(tc.sent, line) {
					t.Errorf("server received %q", line)
				}
			}
			if len(r.Reply) > probeMaxRecorded+3 || !strings.HasPrefix(r.Reply, tc.reply[:5]) {
				t.Errorf("reply %q", r.Reply)
			}
			if tc.kind == "pong" && !strings.HasPrefix(r.Exchanges[1].Received, "redis_version:7.0.15") {
				t.Errorf("INFO exchange %+v: only the version line is kept", r.Exchanges[1])
			}
		})
	}
}

func TestRedisProbeSilentServerCostsTheReadTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept, read nothing, answer nothing
		}
	}()
	start := time.Now()
	r := testProbeConfig().redis(context.Background(), snapshot.ProbeTarget{Address: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port})
	if d := time.Since(start); d > 600*time.Millisecond {
		t.Errorf("took %s with a 300ms read timeout", d)
	}
	if r.State != snapshot.ProbeOpen || r.Kind != "none" || r.Exchanges[0].Error == "" {
		t.Errorf("%+v", r)
	}
}

func TestRedisProbeClosedPort(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := testProbeConfig().redis(context.Background(), snapshot.ProbeTarget{Address: "127.0.0.1", Port: port})
	if r.State != snapshot.ProbeClosed || r.Kind != "none" || len(r.Exchanges) != 0 {
		t.Errorf("%+v", r)
	}
}

// httpTarget is the address and port of a test server.
func httpTarget(t *testing.T, srv *httptest.Server) snapshot.ProbeTarget {
	t.Helper()
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p, _ := strconv.Atoi(port)
	return snapshot.ProbeTarget{Address: host, Port: p}
}

func TestHTTPProbes(t *testing.T) {
	var seen []string
	t.Run("flower with basic auth", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = append(seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
			w.Header().Set("WWW-Authenticate", `Basic realm="flower"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		}))
		defer srv.Close()
		seen = nil
		r := testProbeConfig().flower(context.Background(), httpTarget(t, srv))
		if r.State != snapshot.ProbeOpen || r.RootStatus != 401 || r.APIStatus != 401 {
			t.Fatalf("%+v", r)
		}
		if want := []string{"GET / auth=", "GET /api/workers auth="}; !slices.Equal(seen, want) {
			t.Errorf("requests %q, want %q (no credentials)", seen, want)
		}
		if !strings.Contains(r.Exchanges[0].Received, `WWW-Authenticate: Basic realm="flower"`) {
			t.Errorf("received %q", r.Exchanges[0].Received)
		}
	})
	t.Run("flower open", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>Flower</html>") }))
		defer srv.Close()
		r := testProbeConfig().flower(context.Background(), httpTarget(t, srv))
		if r.RootStatus != 200 || r.APIStatus != 200 {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("ray token auth", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/authentication_mode" {
				fmt.Fprint(w, `{"authentication_mode": "token"}`)
				return
			}
			http.Error(w, "Unauthorized: Missing authentication token", http.StatusUnauthorized)
		}))
		defer srv.Close()
		r := testProbeConfig().ray(context.Background(), httpTarget(t, srv))
		if r.AuthMode != "token" || r.ModeStatus != 200 || r.VersionStatus != 401 || r.RayVersion != "" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("ray without auth", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/version" {
				fmt.Fprint(w, `{"version": "3", "ray_version": "2.9.3", "ray_commit": "62655e1"}`)
				return
			}
			http.NotFound(w, r)
		}))
		defer srv.Close()
		r := testProbeConfig().ray(context.Background(), httpTarget(t, srv))
		if r.AuthMode != "absent" || r.VersionStatus != 200 || r.RayVersion != "2.9.3" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("grafana anonymous", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"id":1,"name":"Main Org.","address":{}}`)
		}))
		defer srv.Close()
		r := testProbeConfig().grafana(context.Background(), httpTarget(t, srv))
		if r.AnonStatus != 200 || !strings.Contains(r.Exchanges[0].Received, "Main Org.") {
			t.Fatalf("%+v", r)
		}
	})
}

func TestRayAuthMode(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   string
	}{
		{200, `{"authentication_mode": "token"}`, "token"},
		{200, `{"authentication_mode": "disabled"}`, "disabled"},
		{200, `{"authentication_mode": "Token"}`, "token"},
		{200, `<html>`, "unknown"},
		{404, ``, "absent"},
		{401, ``, "unknown"},
	}
	for _, tc := range tests {
		if got := rayAuthMode(tc.status, []byte(tc.body)); got != tc.want {
			t.Errorf("rayAuthMode(%d, %q) = %q, want %q", tc.status, tc.body, got, tc.want)
		}
	}
}

func TestProbeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"-NOAUTH Authentication required.\r\n", `-NOAUTH Authentication required.\r\n`},
		{`{"token": "s3cr3t", "authentication_mode": "token"}`, `{"token": "<redacted>", "authentication_mode": "token"}`},
		{"broker redis://:hunter2@127.0.0.1:6380/0", "broker redis://:<redacted>@127.0.0.1:6380/0"},
		{"password=abc&x=1", "password=<redacted>&x=1"},
		{"\x00\xff\x1b", `\x00\xff\x1b`},
		{strings.Repeat("a", 300), strings.Repeat("a", 256) + "..."},
	}
	for _, tc := range tests {
		if got := probeText([]byte(tc.in)); got != tc.want {
			t.Errorf("probeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDialState(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, snapshot.ProbeOpen},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, snapshot.ProbeClosed},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}, snapshot.ProbeFiltered},
		{context.DeadlineExceeded, snapshot.ProbeFiltered},
		{errors.New("something else"), snapshot.ProbeError},
	}
	for _, tc := range tests {
		if got := dialState(tc.err); got != tc.want {
			t.Errorf("dialState(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestProbePortKind(t *testing.T) {
	want := map[int]string{22: "tcp", 80: "tcp", 3002: "grafana", 5555: "flower", 6379: "tcp", 6380: "redis", 8265: "ray", 10001: "tcp", 10002: "tcp"}
	for _, p := range DefaultProbePorts {
		if w, ok := want[p.Port]; ok && p.Kind() != w {
			t.Errorf("%d (%s): kind %s, want %s", p.Port, p.Service, p.Kind(), w)
		}
	}
}

func lst(addr string, port int) snapshot.Listener {
	l := snapshot.Listener{Proto: "tcp", Family: "ipv4", Address: addr, Port: port}
	if strings.Contains(addr, ":") {
		l.Family = "ipv6"
	}
	switch addr {
	case "0.0.0.0":
		l.Wildcard = true
	case "::":
		l.Wildcard, l.DualStack = true, true
	case "127.0.0.1", "::1":
		l.Loopback = true
	}
	return l
}

func TestPlanProbes(t *testing.T) {
	host := []string{"10.0.0.84", "fd00::84"}
	ls := []snapshot.Listener{
		lst("0.0.0.0", 6380), lst("0.0.0.0", 6379), lst("127.0.0.1", 9090), lst("10.0.0.84", 3002),
		lst("::", 443), lst("0.0.0.0", 10005), lst("0.0.0.0", 8265), lst("0.0.0.0", 40000),
	}
	jobs, absent := planProbes(DefaultProbePorts, ls, true, host)
	var got []string
	for _, j := range jobs {
		got = append(got, fmt.Sprintf("%s %s", j.kind, net.JoinHostPort(j.addr, strconv.Itoa(j.port))))
	}
	want := []string{
		"tcp 10.0.0.84:443", "tcp 127.0.0.1:443", "tcp [::1]:443", "tcp [fd00::84]:443",
		"grafana 10.0.0.84:3002",
		"tcp 10.0.0.84:6379", "tcp 127.0.0.1:6379",
		"redis 10.0.0.84:6380", "redis 127.0.0.1:6380",
		"ray 10.0.0.84:8265", "ray 127.0.0.1:8265",
		"tcp 127.0.0.1:9090",
		"tcp 10.0.0.84:10005", "tcp 127.0.0.1:10005",
	}
	if !slices.Equal(got, want) {
		t.Errorf("jobs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var gone []int
	for _, a := range absent {
		gone = append(gone, a.Port)
	}
	if want := []int{22, 80, 5555, 8080, 9091, 9100, 10001}; !slices.Equal(gone, want) {
		t.Errorf("absent %v, want %v", gone, want)
	}

	// Without the socket table every pinned port is tried on loopback and
	// the IPv4 host addresses, and nothing is known absent.
	jobs, absent = planProbes(DefaultProbePorts, nil, false, host)
	if len(absent) != 0 || len(jobs) != 2*13 {
		t.Errorf("%d jobs, absent %v; want 26 and none", len(jobs), absent)
	}
}

// TestPlanProbesCountsEachAddressOnce: the documented broker listens on
// 0.0.0.0:6380 and on a dual-stack :::6380 that answers on the same IPv4
// addresses; on a host with three IPv4 addresses the per-port limit must
// count each address once, or [::1]:6380 is never probed.
func TestPlanProbesCountsEachAddressOnce(t *testing.T) {
	host := []string{"10.0.0.84", "10.88.0.1", "192.0.2.1"}
	ls := []snapshot.Listener{lst("0.0.0.0", 6380), lst("::", 6380), lst("0.0.0.0", 10002), lst("::", 10002)}
	jobs, _ := planProbes(DefaultProbePorts, ls, true, host)
	got := map[int][]string{}
	for _, j := range jobs {
		got[j.port] = append(got[j.port], j.addr)
	}
	want := []string{"10.0.0.84", "10.88.0.1", "127.0.0.1", "192.0.2.1", "::1"}
	for _, port := range []int{6380, 10002} {
		if !slices.Equal(got[port], want) {
			t.Errorf("port %d probed on %v, want %v", port, got[port], want)
		}
	}

	// The limit still holds, on distinct addresses.
	many := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9"}
	jobs, _ = planProbes(DefaultProbePorts, []snapshot.Listener{lst("0.0.0.0", 6380), lst("::", 6380)}, true, many)
	seen := map[string]bool{}
	for _, j := range jobs {
		if seen[j.addr] {
			t.Errorf("%s:%d probed twice", j.addr, j.port)
		}
		seen[j.addr] = true
	}
	if len(jobs) != probeMaxAddrs {
		t.Errorf("%d probes of 6380 on %d addresses, want the limit %d", len(jobs), len(many)+2, probeMaxAddrs)
	}
}

// TestProbesCollect runs the collector against this machine's real socket
// table with fake services on loopback ports registered as Redis, Flower
// and a plain port.
func TestProbesCollect(t *testing.T) {
	redisPort, _ := fakeRedis(t, redisNoAuth)
	flower := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	defer flower.Close()
	flowerPort := httpTarget(t, flower).Port
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p := &Probes{
		Ports: []ProbePort{
			{Port: redisPort, Proto: "tcp", Service: "redis-broker", Category: "redis"},
			{Port: flowerPort, Proto: "tcp", Service: "flower", Category: "flower"},
			{Port: gone, Proto: "tcp", Service: "nothing", Category: "other"},
		},
		Addresses: []string{},
	}
	sec, err := p.Collect(context.Background(), &Env{ProcRoot: "/proc"})
	if err != nil {
		t.Fatal(err)
	}
	s := sec.(*snapshot.ProbesSection)
	if s.Listeners.Status != snapshot.StatusOK {
		t.Fatalf("listeners %+v", s.Listeners)
	}
	if len(s.Redis) != 1 || s.Redis[0].Kind != "noauth" || s.Redis[0].Address != "127.0.0.1" {
		t.Errorf("redis %+v", s.Redis)
	}
	if len(s.Flower) != 1 || s.Flower[0].RootStatus != 401 || s.Flower[0].APIStatus != 401 {
		t.Errorf("flower %+v", s.Flower)
	}
	if len(s.Absent) != 1 || s.Absent[0].Port != gone {
		t.Errorf("absent %+v", s.Absent)
	}
}

// TestProbesBudget: probes of services that never answer stop at the
// collector's budget, not at the sum of their timeouts.
func TestProbesBudget(t *testing.T) {
	var ports []ProbePort
	for range 6 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		ports = append(ports, ProbePort{Port: ln.Addr().(*net.TCPAddr).Port, Proto: "tcp", Service: "silent", Category: "redis"})
	}
	p := &Probes{Ports: ports, Addresses: []string{}, ReadTimeout: 5 * time.Second, Budget: 400 * time.Millisecond, Concurrency: 2}
	start := time.Now()
	sec, err := p.Collect(context.Background(), &Env{ProcRoot: "/proc"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("took %s with a 400ms budget", d)
	}
	s := sec.(*snapshot.ProbesSection)
	if len(s.Redis) != 6 {
		t.Fatalf("%d results, want 6", len(s.Redis))
	}
	for _, r := range s.Redis {
		if r.Kind != "none" {
			t.Errorf("%+v", r)
		}
	}
}

func TestProbeReachabilityLoopback(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	open := ln.Addr().(*net.TCPAddr).Port
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln2.Addr().(*net.TCPAddr).Port
	ln2.Close()
	v, err := VantageAddr("127.0.0.1")
	if err != nil || v != "127.0.0.1" {
		t.Fatalf("vantage %q, %v", v, err)
	}
	rs := ProbeReachability(context.Background(), v, "127.0.0.1", []int{open, closed}, ReachOptions{Timeout: 300 * time.Millisecond})
	if rs[0].State != snapshot.ProbeOpen || rs[1].State != snapshot.ProbeClosed || rs[0].VantageAddr != "127.0.0.1" || rs[1].Port != closed {
		t.Errorf("%+v", rs)
	}
}

// TestSectionsMatchSchema collects the probes, sshd and fail2ban sections
// the ways a scan can and checks the snapshot against its JSON Schema
// (no null where the schema wants an array).
func TestSectionsMatchSchema(t *testing.T) {
	ctx := context.Background()
	snap := &snapshot.Snapshot{SchemaVersion: snapshot.SchemaVersion, Host: snapshot.Host{Addresses: []string{}}, Collectors: map[string]snapshot.CollectorResult{}}
	check := func(name string) {
		t.Helper()
		if err := fitsSchema(t, snap); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, root := range []string{"../testdata/sshd/debian12", "../testdata/sshd/hardened", t.TempDir()} {
		sec, _ := (&SSHD{}).Collect(ctx, &Env{Root: root})
		apply(snap, sec)
		check("sshd under " + root)
	}
	f2b, _ := (&Fail2ban{}).Collect(ctx, &Env{Root: t.TempDir(), ProcRoot: t.TempDir()})
	apply(snap, f2b)
	check("fail2ban not installed")
	pr, err := (&Probes{Addresses: []string{}, Ports: []ProbePort{{Port: 1, Proto: "tcp", Service: "x", Category: "redis"}}}).Collect(ctx, &Env{ProcRoot: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	apply(snap, pr)
	check("probes without a socket table")
	snap.Probes.Reachability = ProbeReachability(ctx, "127.0.0.1", "127.0.0.1", []int{1}, ReachOptions{Timeout: 100 * time.Millisecond})
	check("reachability")
}
