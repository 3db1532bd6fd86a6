package collectors

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/mlscan/mlscan/snapshot"
)

// probeMaxRecorded caps the bytes of an answer kept in the snapshot.
const probeMaxRecorded = 256

// probeConfig is the timing of one collection's probes.
type probeConfig struct {
	connect, read time.Duration
	userAgent     string
}

func (p *Probes) config() *probeConfig {
	c := &probeConfig{connect: p.ConnectTimeout, read: p.ReadTimeout, userAgent: p.UserAgent}
	if c.connect <= 0 {
		c.connect = probeConnectTimeout
	}
	if c.read <= 0 {
		c.read = probeReadTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "mlscan-probe"
	}
	return c
}

// run runs one job and returns a *RedisProbe, *FlowerProbe, *RayProbe,
// *GrafanaProbe or *ProbeTarget.
func (c *probeConfig) run(ctx context.Context, j probeJob) any {
	start := time.Now()
	t := j.target()
	var r any
	switch j.kind {
	case probeKindRedis:
		r = c.redis(ctx, t)
	case probeKindFlower:
		r = c.flower(ctx, t)
	case probeKindRay:
		r = c.ray(ctx, t)
	case probeKindGrafana:
		r = c.grafana(ctx, t)
	default:
		conn, st, e := c.dial(ctx, t.Address, t.Port)
		t.State, t.Error = st, e
		if conn != nil {
			conn.Close()
		}
		r = &t
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	switch v := r.(type) {
	case *snapshot.RedisProbe:
		v.DurationMS = ms
	case *snapshot.FlowerProbe:
		v.DurationMS = ms
	case *snapshot.RayProbe:
		v.DurationMS = ms
	case *snapshot.GrafanaProbe:
		v.DurationMS = ms
	case *snapshot.ProbeTarget:
		v.DurationMS = ms
	}
	return r
}

// wrap puts a bare target into the result type of the job's kind.
func (c *probeConfig) wrap(j probeJob, t snapshot.ProbeTarget) any {
	switch j.kind {
	case probeKindRedis:
		return &snapshot.RedisProbe{ProbeTarget: t, Kind: "none"}
	case probeKindFlower:
		return &snapshot.FlowerProbe{ProbeTarget: t}
	case probeKindRay:
		return &snapshot.RayProbe{ProbeTarget: t, AuthMode: "unknown"}
	case probeKindGrafana:
		return &snapshot.GrafanaProbe{ProbeTarget: t}
	}
	return &t
}

// dial connects within the connect timeout and classifies a failure. A
// connection that timed out is tried once more for three times as long:
// a server whose accept queue is full drops the SYN, and the kernel
// sends it again only after a second, so a busy host's open port would
// otherwise read as filtered (and its checks as unknown).
func (c *probeConfig) dial(ctx context.Context, addr string, port int) (net.Conn, string, string) {
	target := net.JoinHostPort(addr, strconv.Itoa(port))
	d := net.Dialer{Timeout: c.connect}
	conn, err := d.DialContext(ctx, "tcp", target)
	if err != nil && isTimeout(err) && ctx.Err() == nil {
		d.Timeout = 3 * c.connect
		conn, err = d.DialContext(ctx, "tcp", target)
	}
	if err != nil {
		st := dialState(err)
		return nil, st, err.Error()
	}
	return conn, snapshot.ProbeOpen, ""
}

// isTimeout says whether a connection attempt ran out of time.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// dialState classifies the error of a TCP connection attempt: refused is
// closed; a timeout or an unreachable host or network is filtered.
func dialState(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return snapshot.ProbeOpen
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return snapshot.ProbeClosed
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout(),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return snapshot.ProbeFiltered
	}
	return snapshot.ProbeError
}

// redis sends an inline PING without credentials and classifies the
// reply; only when PING needs no password does it ask INFO server, and it
// keeps the version line alone.
func (c *probeConfig) redis(ctx context.Context, t snapshot.ProbeTarget) *snapshot.RedisProbe {
	r := &snapshot.RedisProbe{ProbeTarget: t, Kind: "none"}
	conn, st, e := c.dial(ctx, t.Address, t.Port)
	r.State, r.Error = st, e
	if conn == nil {
		return r
	}
	defer conn.Close()
	defer stopOnCancel(ctx, conn)()
	br := bufio.NewReaderSize(io.LimitReader(conn, 64<<10), 4096)

	const ping = "PING\r\n"
	ex := snapshot.ProbeExchange{Sent: ping}
	line, err := c.exchange(conn, br, ping)
	ex.Received = probeText([]byte(line))
	if err != nil {
		ex.Error = err.Error()
	}
	r.Exchanges = append(r.Exchanges, ex)
	r.Reply = probeText([]byte(strings.TrimRight(line, "\r\n")))
	r.Kind = redisReplyKind(line)
	if r.Kind != "pong" {
		return r
	}
	const info = "INFO server\r\n"
	ex = snapshot.ProbeExchange{Sent: info}
	head, err := c.exchange(conn, br, info)
	if err == nil {
		var v string
		v, err = readRedisVersion(br, head)
		r.Version = v
		ex.Received = "redis_version:" + v + " (INFO server: the version line only is kept)"
	}
	if err != nil {
		ex.Error = err.Error()
	}
	r.Exchanges = append(r.Exchanges, ex)
	return r
}

// exchange writes req and reads one line of answer within the read
// timeout.
func (c *probeConfig) exchange(conn net.Conn, br *bufio.Reader, req string) (string, error) {
	_ = conn.SetDeadline(time.Now().Add(c.read)) // fails only on a closed conn, which the read reports
	if _, err := io.WriteString(conn, req); err != nil {
		return "", err
	}
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return string(line), nil
	}
	return string(line), err
}

// redisReplyKind classifies the first line of a Redis server's answer to
// PING: noauth, pong, denied, other, or none when empty.
func redisReplyKind(line string) string {
	switch {
	case strings.HasPrefix(line, "-NOAUTH"):
		return "noauth"
	case strings.HasPrefix(line, "+PONG"):
		return "pong"
	case strings.HasPrefix(line, "-DENIED"):
		return "denied"
	case strings.TrimSpace(line) == "":
		return "none"
	}
	return "other"
}

// readRedisVersion reads the bulk reply of INFO server whose header line
// ("$1234\r\n") is head and returns redis_version.
func readRedisVersion(br *bufio.Reader, head string) (string, error) {
	if !strings.HasPrefix(head, "$") {
		return "", fmt.Errorf("INFO server: unexpected reply %s", probeText([]byte(head)))
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil || n < 0 {
		return "", fmt.Errorf("INFO server: bad bulk length %s", probeText([]byte(head)))
	}
	body := make([]byte, min(n, 32<<10))
	if _, err := io.ReadFull(br, body); err != nil {
		return "", fmt.Errorf("INFO server: %w", err)
	}
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "redis_version:"); ok {
			return v, nil
		}
	}
	return "", errors.New("INFO server: no redis_version")
}

// httpAnswer is what an HTTP GET found.
type httpAnswer struct {
	status int
	body   []byte
}

// get sends one GET without credentials on a connection of its own and
// records the exchange. A nil answer means no HTTP response (state and
// error say why when the connection failed).
func (c *probeConfig) get(ctx context.Context, t *snapshot.ProbeTarget, path string) *httpAnswer {
	conn, st, e := c.dial(ctx, t.Address, t.Port)
	if t.State == "" || t.State == snapshot.ProbeOpen {
		t.State, t.Error = st, e
	}
	if conn == nil {
		return nil
	}
	defer conn.Close()
	defer stopOnCancel(ctx, conn)()
	hostport := net.JoinHostPort(t.Address, strconv.Itoa(t.Port))
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\nConnection: close\r\n\r\n", path, hostport, c.userAgent)
	ex := snapshot.ProbeExchange{Sent: probeText([]byte(req))}
	defer func() { t.Exchanges = append(t.Exchanges, ex) }()
	_ = conn.SetDeadline(time.Now().Add(c.read)) // fails only on a closed conn, which the read reports
	if _, err := io.WriteString(conn, req); err != nil {
		ex.Error = err.Error()
		return nil
	}
	br := bufio.NewReader(io.LimitReader(conn, 1<<20))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		ex.Error = "no HTTP answer: " + err.Error()
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\r\n", resp.Proto, resp.Status)
	for _, h := range []string{"Server", "Content-Type", "WWW-Authenticate", "Location"} {
		if v := resp.Header.Get(h); v != "" {
			fmt.Fprintf(&b, "%s: %s\r\n", h, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(body)
	ex.Received = probeText([]byte(b.String()))
	return &httpAnswer{status: resp.StatusCode, body: body}
}

// flower asks / and /api/workers without credentials: 401 is expected.
func (c *probeConfig) flower(ctx context.Context, t snapshot.ProbeTarget) *snapshot.FlowerProbe {
	r := &snapshot.FlowerProbe{ProbeTarget: t}
	if a := c.get(ctx, &r.ProbeTarget, "/"); a != nil {
		r.RootStatus = a.status
	}
	if r.State != snapshot.ProbeOpen {
		return r
	}
	if a := c.get(ctx, &r.ProbeTarget, "/api/workers"); a != nil {
		r.APIStatus = a.status
	}
	return r
}

// ray asks the dashboard's authentication mode and its version without a
// token.
func (c *probeConfig) ray(ctx context.Context, t snapshot.ProbeTarget) *snapshot.RayProbe {
	r := &snapshot.RayProbe{ProbeTarget: t, AuthMode: "unknown"}
	if a := c.get(ctx, &r.ProbeTarget, "/api/authentication_mode"); a != nil {
		r.ModeStatus = a.status
		r.AuthMode = rayAuthMode(a.status, a.body)
	}
	if r.State != snapshot.ProbeOpen {
		return r
	}
	if a := c.get(ctx, &r.ProbeTarget, "/api/version"); a != nil {
		r.VersionStatus = a.status
		if a.status == http.StatusOK {
			var v struct {
				RayVersion string `json:"ray_version"`
			}
			if json.Unmarshal(a.body, &v) == nil {
				r.RayVersion = v.RayVersion
			}
		}
	}
	return r
}

// rayAuthMode reads the answer to GET /api/authentication_mode: token or
// disabled from its JSON, absent for 404 (Ray before 2.52 has no token
// authentication), unknown otherwise.
func rayAuthMode(status int, body []byte) string {
	if status == http.StatusNotFound {
		return "absent"
	}
	if status != http.StatusOK {
		return "unknown"
	}
	var v struct {
		Mode string `json:"authentication_mode"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "unknown"
	}
	switch m := strings.ToLower(v.Mode); m {
	case "token", "disabled":
		return m
	}
	return "unknown"
}

// grafana asks /api/org anonymously: 401 is expected.
func (c *probeConfig) grafana(ctx context.Context, t snapshot.ProbeTarget) *snapshot.GrafanaProbe {
	r := &snapshot.GrafanaProbe{ProbeTarget: t}
	if a := c.get(ctx, &r.ProbeTarget, "/api/org"); a != nil {
		r.AnonStatus = a.status
	}
	return r
}

// stopOnCancel unblocks reads and writes on conn when ctx ends; the
// returned function undoes it.
func stopOnCancel(ctx context.Context, conn net.Conn) func() bool {
	return context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
}

// probeSecretValue matches "key": "value", key=value and key: value where
// the key names a secret, in JSON, form or header syntax.
var probeSecretValue = regexp.MustCompile(`(?i)("?[a-z0-9_.-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|credential|session)[a-z0-9_.-]*"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s",;&}]+)`)

// probeText renders the first bytes of an answer for the snapshot: at most
// 256 bytes, control and invalid bytes escaped as in Go strings, URL
// passwords and the values of secret-named keys replaced by "<redacted>".
func probeText(b []byte) string {
	cut := len(b) > probeMaxRecorded
	if cut {
		b = b[:probeMaxRecorded]
	}
	var s strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&s, `\x%02x`, b[0])
		case r == '\r':
			s.WriteString(`\r`)
		case r == '\n':
			s.WriteString(`\n`)
		case r == '\t':
			s.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&s, `\x%02x`, r)
		default:
			s.WriteRune(r)
		}
		b = b[n:]
	}
	out := redactURL(s.String())
	out = probeSecretValue.ReplaceAllStringFunc(out, func(m string) string {
		g := probeSecretValue.FindStringSubmatch(m)
		if strings.HasPrefix(g[2], `"`) {
			return g[1] + `"` + redacted + `"`
		}
		return g[1] + redacted
	})
	if cut {
		out += "..."
	}
	return out
}
