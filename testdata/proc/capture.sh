#!/bin/bash
# Capture the /proc fixture in testdata/proc/host from real sockets.
# Run as root from the repository root: bash testdata/proc/capture.sh
# It needs python3, redis-server, OpenBSD nc and setpriv; see README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$here/host
if [ "${IN_NETNS:-}" != 1 ]; then
	# A fresh network namespace keeps other sockets of this machine out.
	exec unshare -n env IN_NETNS=1 bash "$0" "$@"
fi
# Close descriptors inherited from the caller so that the captured fd
# tables hold only what the listeners opened.
for fd in /proc/$$/fd/*; do
	n=${fd##*/}
	if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-"; fi
done
exec 2>/dev/null </dev/null
ip link set lo up
ip addr add 192.0.2.10/32 dev lo
ip -6 addr add 2001:db8::10/128 dev lo nodad

work=$(mktemp -d)
cd "$work"
pids=""
python3 -m http.server --bind 0.0.0.0 8265 >/dev/null 2>&1 &
pids="$pids $!"
# The Redis of the documented host, command line verbatim.
redis-server --port 6380 --requirepass S3cretPassw0rd --maxmemory 2gb --maxmemory-policy allkeys-lru >/dev/null 2>&1 &
pids="$pids $!"
setpriv --reuid=65534 --regid=65534 --clear-groups nc -l 127.0.0.1 10001 >/dev/null 2>&1 &
pids="$pids $!"
sleep 1
mkfifo ready
python3 "$here/listeners.py" --token=capture-fixture-token >ready 2>/dev/null &
pids="$pids $!"
read -r _ <ready
sleep 1

rm -rf "$out"
mkdir -p "$out/net" "$out/sys/net/ipv6"
for f in tcp tcp6 udp udp6; do cat /proc/net/$f >"$out/net/$f"; done
cat /proc/sys/net/ipv6/bindv6only >"$out/sys/net/ipv6/bindv6only"
mkdir -p "$out/sys/net/ipv4"
cat /proc/sys/net/ipv4/ip_local_port_range >"$out/sys/net/ipv4/ip_local_port_range"
cat /proc/sys/net/ipv4/ip_local_reserved_ports >"$out/sys/net/ipv4/ip_local_reserved_ports"
all="$pids $(for p in $pids; do cat /proc/$p/task/*/children 2>/dev/null; done)"
for p in $all; do
	mkdir -p "$out/$p/fd"
	for f in comm cmdline cgroup; do cat /proc/$p/$f >"$out/$p/$f"; done
	for fd in /proc/$p/fd/*; do ln -s "$(readlink "$fd")" "$out/$p/fd/${fd##*/}"; done
done
# ss reads the same sockets over netlink: an independent view to check against.
{ echo "# captured pids:$all"; ss -antupe; } >"$here/host-ss.txt"
kill $all
wait 2>/dev/null || true
rm -rf "$work"
