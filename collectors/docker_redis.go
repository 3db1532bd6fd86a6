package collectors

import (
	"path"
	"strconv"
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// parseRedisArgs reads the non-secret settings of a redis-server command
// line in argv (also inside a "sh -c" string); nil when argv does not run
// redis-server or valkey-server.
func parseRedisArgs(argv []string) *snapshot.RedisArgs {
	var words []string
	for _, a := range argv {
		words = append(words, strings.Fields(a)...)
	}
	start := -1
	for i, w := range words {
		b := path.Base(w)
		if b == "redis-server" || b == "valkey-server" {
			start = i
			break
		}
	}
	if start < 0 {
		return nil
	}
	r := &snapshot.RedisArgs{}
	ws := words[start+1:]
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if !strings.HasPrefix(w, "--") {
			if i == 0 && r.ConfigFile == "" && w != "-" {
				r.ConfigFile = w
			}
			continue
		}
		name, val, hasVal := strings.Cut(strings.ToLower(strings.TrimPrefix(w, "--")), "=")
		if !hasVal && i+1 < len(ws) && !strings.HasPrefix(ws[i+1], "--") {
			val = ws[i+1]
			i++
		}
		switch name {
		case "port":
			r.Port, _ = strconv.Atoi(val)
		case "bind":
			addrs := []string{val}
			for i+1 < len(ws) && !strings.HasPrefix(ws[i+1], "--") {
				addrs = append(addrs, ws[i+1])
				i++
			}
			r.Bind = strings.Join(addrs, " ")
		case "maxmemory":
			r.Maxmemory = val
			if n, ok := redisMemory(val); ok {
				r.MaxmemoryBytes = &n
			}
		case "maxmemory-policy":
			r.MaxmemoryPolicy = strings.ToLower(val)
		case "requirepass":
			r.Requirepass = true
		}
	}
	return r
}

// redisMemory parses a Redis memory setting: 1k = 1000, 1kb = 1024, and so
// on for m/mb and g/gb, case-insensitive.
func redisMemory(s string) (int64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	mul := int64(1)
	for _, u := range []struct {
		suf string
		mul int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}} {
		if n, ok := strings.CutSuffix(s, u.suf); ok {
			s, mul = n, u.mul
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n * mul, true
}
