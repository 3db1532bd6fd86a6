package collectors

import (
	"reflect"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

func TestParseRedisArgs(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want *snapshot.RedisArgs
	}{
		{"not redis", []string{"httpd", "-f"}, nil},
		{
			"documented broker", []string{"redis-server", "--port", "6380", "--requirepass", "x", "--maxmemory", "2gb", "--maxmemory-policy", "allkeys-lru"},
			&snapshot.RedisArgs{Port: 6380, Maxmemory: "2gb", MaxmemoryBytes: i64(2 << 30), MaxmemoryPolicy: "allkeys-lru", Requirepass: true},
		},
		{
			"config file and bind list", []string{"/usr/local/bin/redis-server", "/etc/redis/redis.conf", "--bind", "127.0.0.1", "-::1", "--MAXMEMORY", "1500mb"},
			&snapshot.RedisArgs{ConfigFile: "/etc/redis/redis.conf", Bind: "127.0.0.1 -::1", Maxmemory: "1500mb", MaxmemoryBytes: i64(1500 << 20)},
		},
		{
			"inside sh -c, decimal units", []string{"sh", "-c", "exec redis-server --maxmemory 2g --maxmemory-policy noeviction"},
			&snapshot.RedisArgs{Maxmemory: "2g", MaxmemoryBytes: i64(2e9), MaxmemoryPolicy: "noeviction"},
		},
		{"bad size", []string{"redis-server", "--maxmemory", "lots"}, &snapshot.RedisArgs{Maxmemory: "lots"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRedisArgs(tt.argv); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
