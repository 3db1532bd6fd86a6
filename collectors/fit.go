package collectors

import (
	"encoding/json"
	"fmt"

	"github.com/mlscan/mlscan/snapshot"
)

// sectionSlot is one section of the snapshot, the one list of them: the
// collector that fills it, how to put a collector's section in place
// (apply), and how to take it out and put it back (fitSchema).
type sectionSlot struct {
	name string
	put  func(*snapshot.Snapshot, Section) bool // false when the section is another type
	take func(*snapshot.Snapshot) func()        // removes the section, returns how to restore it
}

func slot[T any](name string, field func(*snapshot.Snapshot) **T) sectionSlot {
	return sectionSlot{
		name: name,
		put: func(s *snapshot.Snapshot, sec Section) bool {
			v, ok := sec.(*T)
			if ok {
				*field(s) = v
			}
			return ok
		},
		take: func(s *snapshot.Snapshot) func() {
			p := field(s)
			v := *p
			if v == nil {
				return nil
			}
			*p = nil
			return func() { *p = v }
		},
	}
}

var sectionSlots = []sectionSlot{
	slot("sockets", func(s *snapshot.Snapshot) **snapshot.SocketsSection { return &s.Sockets }),
	slot("ufw", func(s *snapshot.Snapshot) **snapshot.UFWSection { return &s.UFW }),
	slot("docker", func(s *snapshot.Snapshot) **snapshot.DockerSection { return &s.Docker }),
	slot("probes", func(s *snapshot.Snapshot) **snapshot.ProbesSection { return &s.Probes }),
	slot("sshd", func(s *snapshot.Snapshot) **snapshot.SSHDSection { return &s.SSHD }),
	slot("fail2ban", func(s *snapshot.Snapshot) **snapshot.Fail2banSection { return &s.Fail2ban }),
	slot("netfilter", func(s *snapshot.Snapshot) **snapshot.NetfilterSection { return &s.Netfilter }),
}

// validate checks snap against the snapshot's JSON Schema, as every reader
// of the file will.
func validate(snap *snapshot.Snapshot) error {
	b, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	return snapshot.Validate(doc)
}

// fitSchema makes the snapshot fit its schema by giving up the one
// section that does not: that collector is recorded as an error naming the
// schema's complaint, so only the checks that read it are unknown, and the
// scan and its reports go on. A section that does not fit is mlscan's bug
// (or data it did not expect), never a reason to lose the whole scan. When
// no single section is to blame the error is returned as it was.
func fitSchema(snap *snapshot.Snapshot) error {
	first := validate(snap)
	if first == nil {
		return nil
	}
	for _, s := range sectionSlots {
		restore := s.take(snap)
		if restore == nil {
			continue
		}
		if err := validate(snap); err == nil {
			res := snap.Collectors[s.name]
			res.Status = snapshot.StatusError
			res.Error = fmt.Sprintf("its section did not fit the snapshot schema and was left out (%v): a bug of mlscan's, please report it", first)
			snap.Collectors[s.name] = res
			return nil
		}
		restore()
	}
	return first
}
