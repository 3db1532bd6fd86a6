#!/usr/bin/env python3
"""Open the sockets the captured /proc fixture expects, then wait.

Run by capture.sh inside a fresh network namespace; see README.md.
The --token argument is a throwaway value that exists so the captured
cmdline carries a secret the collector must redact.
"""
import os
import socket
import sys
import time

keep = []


def tcp(family, addr, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind(addr)
    s.listen(16)
    keep.append(s)
    return s


def udp(family, addr, v6only=None):
    s = socket.socket(family, socket.SOCK_DGRAM)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind(addr)
    keep.append(s)
    return s


tcp(socket.AF_INET6, ("::", 5555), v6only=0)  # dual-stack wildcard
tcp(socket.AF_INET6, ("::1", 9091))  # v6 loopback
tcp(socket.AF_INET6, ("::ffff:127.0.0.1", 7777), v6only=0)  # v4-mapped loopback
tcp(socket.AF_INET6, ("2001:db8::10", 8443))  # specific v6 address
tcp(socket.AF_INET, ("192.0.2.10", 8080))  # specific v4 address
udp(socket.AF_INET, ("0.0.0.0", 10001))  # v4 wildcard, same port as the nc TCP listener
udp(socket.AF_INET6, ("::", 5353), v6only=0)  # v6 wildcard
udp(socket.AF_INET, ("127.0.0.1", 8125))  # v4 loopback
udp(socket.AF_INET6, ("::1", 8126))  # v6 loopback

# Not listeners: a connected UDP socket (state 01) and an established TCP
# connection to the http.server on 8265 (both ends appear in /proc/net/tcp).
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.connect(("192.0.2.10", 9))
keep.append(c)
e = socket.create_connection(("127.0.0.1", 8265))
keep.append(e)

# A forked child shares every socket above: the collector must report the
# lowest pid (the parent) as the owner.
if os.fork() == 0:
    with open("/proc/self/comm", "w") as f:
        f.write("listeners-child")
    time.sleep(3600)
    sys.exit(0)

print("ready", flush=True)
time.sleep(3600)
