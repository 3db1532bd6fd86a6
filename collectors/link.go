package collectors

import (
	"strings"

	"github.com/mlscan/mlscan/snapshot"
)

// linkContainers names the container owning each listener: by container
// id (full or a prefix of at least 12 digits either way), else, for a
// listener without one, by the pid of a container's main process.
func linkContainers(s *snapshot.Snapshot) {
	if s.Sockets == nil || s.Docker == nil {
		return
	}
	cs := s.Docker.Containers
	byPID := map[int]*snapshot.Container{}
	for i := range cs {
		if p := cs[i].Process; p.Status == snapshot.StatusOK && p.PID > 0 {
			byPID[p.PID] = &cs[i]
		}
	}
	for i := range s.Sockets.Listeners {
		l := &s.Sockets.Listeners[i]
		var c *snapshot.Container
		if id := l.ContainerID; id != "" {
			for j := range cs {
				if sameID(cs[j].ID, id) {
					c = &cs[j]
					break
				}
			}
		} else if l.PID > 0 {
			c = byPID[l.PID]
		}
		if c == nil {
			continue
		}
		l.ContainerName = c.Name
		if c.Compose != nil {
			l.ComposeService = c.Compose.Service
		}
	}
}

func sameID(a, b string) bool {
	if len(a) < 12 || len(b) < 12 {
		return false
	}
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}
