package collectors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// /proc/net/tcp6 cannot say whether a "::" socket also takes IPv4: that is
// the socket's IPV6_V6ONLY option (Redis sets it on its IPv6 listener),
// which only netlink's sock_diag reports, as `ss -e` shows it (v6only:1).
// The kernel adds the INET_DIAG_SKV6ONLY attribute to every AF_INET6
// socket in LISTEN or CLOSE state (net/ipv4/inet_diag.c), so TCP listeners
// and bound UDP sockets carry it without asking.

const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	inetDiagSKV6Only = 11 // INET_DIAG_SKV6ONLY
	inetDiagReqLen   = 56 // struct inet_diag_req_v2
	inetDiagMsgLen   = 72 // struct inet_diag_msg
	tcpListenState   = 10 // TCP_LISTEN
	sockDiagTimeout  = 2 * time.Second
)

// v6OnlyByInode asks the kernel, over NETLINK_SOCK_DIAG in the network
// namespace mlscan runs in, for the IPV6_V6ONLY flag of every IPv6 TCP
// listener and bound UDP socket, keyed by socket inode.
func v6OnlyByInode() (map[uint64]bool, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(sockDiagTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	out := map[uint64]bool{}
	for i, q := range []struct {
		proto  uint8
		states uint32
	}{{unix.IPPROTO_TCP, 1 << tcpListenState}, {unix.IPPROTO_UDP, ^uint32(0)}} {
		if err := sockDiagDump(fd, uint32(i+1), q.proto, q.states, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sockDiagDump sends one SOCK_DIAG_BY_FAMILY dump request for AF_INET6 and
// protocol proto and reads the answers into out.
func sockDiagDump(fd int, seq uint32, proto uint8, states uint32, out map[uint64]bool) error {
	req := make([]byte, unix.NLMSG_HDRLEN+inetDiagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], sockDiagByFamily)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(req[8:], seq)
	body := req[unix.NLMSG_HDRLEN:]
	body[0], body[1] = unix.AF_INET6, proto
	ne.PutUint32(body[4:], states)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("sock_diag: send: %w", err)
	}
	buf := make([]byte, 64<<10)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return fmt.Errorf("sock_diag: receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return fmt.Errorf("sock_diag: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Seq != seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return nil
			case unix.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if code := int32(ne.Uint32(m.Data)); code != 0 {
						return fmt.Errorf("sock_diag: %w", unix.Errno(-code))
					}
				}
				return errors.New("sock_diag: error message from the kernel")
			case sockDiagByFamily:
				if inode, v6only, ok := parseInetDiagMsg(m.Data); ok {
					out[inode] = v6only
				}
			}
		}
	}
}

// parseInetDiagMsg reads the inode and the INET_DIAG_SKV6ONLY attribute of
// one struct inet_diag_msg with its attributes; ok is false without them.
func parseInetDiagMsg(b []byte) (inode uint64, v6only, ok bool) {
	if len(b) < inetDiagMsgLen {
		return 0, false, false
	}
	ne := binary.NativeEndian
	inode = uint64(ne.Uint32(b[68:]))
	for a := b[inetDiagMsgLen:]; len(a) >= unix.SizeofRtAttr; {
		l := int(ne.Uint16(a[0:]))
		if l < unix.SizeofRtAttr || l > len(a) {
			return 0, false, false
		}
		if ne.Uint16(a[2:]) == inetDiagSKV6Only && l > unix.SizeofRtAttr {
			return inode, a[unix.SizeofRtAttr] != 0, true
		}
		next := (l + unix.NLA_ALIGNTO - 1) &^ (unix.NLA_ALIGNTO - 1)
		if next >= len(a) {
			break
		}
		a = a[next:]
	}
	return 0, false, false
}
