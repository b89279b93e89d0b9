#!/bin/sh
# Show vknetd switching frames, as root, without touching the host's
# network: the daemon and its TAP live in a throwaway network namespace,
# two test peers (tests/vkpeer) connect to its socket, one pings the
# other, then the namespace's kernel pings a peer through the TAP.
# Only 198.51.100.0/24 (TEST-NET-2) is used.  Run by "make demo".
cd "$(dirname "$0")/.." || exit 1

VKNETD=usr.sbin/vknetd/vknetd
VKPEER=tests/vkpeer
NET=198.51.100

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: must be run as root (it creates a network namespace)" >&2
	exit 1
fi
if [ ! -x "$VKNETD" ]; then
	echo "demo.sh: $VKNETD is not built; run make first" >&2
	exit 1
fi
if ! make -s -C tests vkpeer >/dev/null; then
	echo "demo.sh: cannot build $VKPEER" >&2
	exit 1
fi

ns=vknet-demo-$$
tmp=
dpid=
ppid=
status=1

cleanup() {
	trap '' INT TERM
	for p in $ppid $dpid; do
		kill "$p" 2>/dev/null
	done
	for p in $ppid $dpid; do
		wait "$p" 2>/dev/null
	done
	ip netns delete "$ns" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap 'cleanup; exit $status' EXIT
trap 'status=130; exit' INT
trap 'status=143; exit' TERM

fail() {
	echo "demo.sh: $*" >&2
	if [ -s "$tmp/vknetd.log" ]; then
		echo "-- vknetd said:" >&2
		cat "$tmp/vknetd.log" >&2
	fi
	exit 1
}

tmp=$(mktemp -d /tmp/vknet-demo.XXXXXX) || exit 1
sock=$tmp/vknet.sock

ip netns add "$ns" || fail "cannot create network namespace $ns"

# ip netns exec execs the daemon, so $! is vknetd itself.
ip netns exec "$ns" "$VKNETD" -d -p "$sock" -i "$tmp/vknetd.pid" \
    "$NET.1/24" >"$tmp/vknetd.out" 2>"$tmp/vknetd.log" &
dpid=$!

# vknetd prints the TAP's name once it is ready; wait for that and the
# socket, for at most 10 seconds.
tap=
i=0
while [ $i -lt 50 ]; do
	kill -0 "$dpid" 2>/dev/null || fail "vknetd exited during start-up"
	tap=$(head -n 1 "$tmp/vknetd.out")
	[ -n "$tap" ] && [ -S "$sock" ] && break
	sleep 0.2
	i=$((i + 1))
done
if [ -z "$tap" ] || [ ! -S "$sock" ]; then
	fail "vknetd did not come up"
fi

echo "== switch on TAP $tap"
echo "vknetd $NET.1/24 in namespace $ns, socket $sock"
ip netns exec "$ns" ip -brief address show dev "$tap"

echo
echo "== client to client"
"$VKPEER" -p "$sock" -m 02:00:00:00:00:02 -a "$NET.2" -v \
    >"$tmp/peer2.log" 2>&1 &
ppid=$!
sleep 1
kill -0 "$ppid" 2>/dev/null || {
	cat "$tmp/peer2.log" >&2
	fail "vkpeer $NET.2 did not start"
}
"$VKPEER" -p "$sock" -m 02:00:00:00:00:03 -a "$NET.3" -P "$NET.2" -c 3 \
    -t 10 || fail "$NET.3 could not ping $NET.2 through the switch"

echo
echo "== host kernel to client through the TAP"
ip netns exec "$ns" ping -c 3 -W 2 "$NET.2" ||
    fail "the namespace could not ping $NET.2 through $tap"

echo
echo "== what $NET.2 received (first lines of vkpeer -v)"
head -n 12 "$tmp/peer2.log"

echo
echo "== stopping"
kill "$ppid" 2>/dev/null
wait "$ppid" 2>/dev/null
ppid=
kill "$dpid"
wait "$dpid"
rc=$?
dpid=
[ $rc -eq 0 ] || fail "vknetd exited with status $rc after SIGTERM"
[ -e "$sock" ] && fail "vknetd left its socket behind"
echo "vknetd exited 0 and removed its socket; deleting namespace $ns"
status=0
