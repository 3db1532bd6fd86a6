package collectors

import (
	"strings"
	"testing"

	"github.com/mlscan/mlscan/snapshot"
)

func TestLinkContainers(t *testing.T) {
	id1, id2 := strings.Repeat("a1", 32), strings.Repeat("b2", 32)
	uid := 999
	snap := &snapshot.Snapshot{
		Sockets: &snapshot.SocketsSection{Listeners: []snapshot.Listener{
			{Port: 6380, PID: 10, ContainerID: id1},
			{Port: 8080, PID: 11, ContainerID: id2[:12]},
			{Port: 9100, PID: 12},
			{Port: 22, PID: 13},
			{Port: 5555, ContainerID: strings.Repeat("ff", 32)},
		}},
		Docker: &snapshot.DockerSection{Containers: []snapshot.Container{
			{ID: id1, Name: "redis-celery", Compose: &snapshot.ComposeInfo{Service: "redis"}, Process: snapshot.ContainerProcess{Status: snapshot.StatusOK, PID: 10, UID: &uid}},
			{ID: id2, Name: "cadvisor", Process: snapshot.ContainerProcess{Status: snapshot.StatusOK, PID: 11}},
			{ID: strings.Repeat("c3", 32), Name: "node-exporter", Process: snapshot.ContainerProcess{Status: snapshot.StatusOK, PID: 12}},
		}},
	}
	linkContainers(snap)
	want := [][2]string{{"redis-celery", "redis"}, {"cadvisor", ""}, {"node-exporter", ""}, {"", ""}, {"", ""}}
	for i, l := range snap.Sockets.Listeners {
		if got := [2]string{l.ContainerName, l.ComposeService}; got != want[i] {
			t.Errorf("listener %d: %q, want %q", l.Port, got, want[i])
		}
	}
	linkContainers(&snapshot.Snapshot{}) // no sections: nothing to do, no panic
}
