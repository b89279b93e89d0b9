#! /usr/bin/env atf-sh
#
# Real Linux guests on vknetd, both ways QEMU can join a switch: its
# "-netdev stream" on the -q listener, and its "-netdev dgram" on a
# descriptor that vknet -E connected to the main socket.
#
# Two small guests boot under QEMU (TCG is enough) in a network
# namespace of the test's own: a Debian cloud kernel from the cache
# that tools/qemu-kernel.sh fills, and an initramfs built here from
# busybox-static and qemu/init, which does the guest's part and prints
# "VKT ..." lines on the serial console.  Guest 1 pings guest 2 and
# sends it 4 MiB over TCP, whose md5 must arrive unchanged; guest 2
# pings the namespace's kernel through the TAP (secure mode) and a
# SEQPACKET client, vkpeer.  QEMU says nothing when it cannot connect
# (the guest boots, its link is up, nothing flows), so the test first
# checks from the switch's side, with vknetd -s, that each QEMU is a
# port of the kind expected.  In dhcp_dnsmasq a guest's udhcpc gets its
# address from a dnsmasq the test runs on the TAP (DHCP only, pid and
# lease files in the test's directory), and pings the host.
#
# Only 198.51.100.0/24 is used, inside the namespace; QEMU runs with
# -nodefaults and so has no user-mode network.  Every process started
# is noted in "pids" and stopped by pid in the cleanup, which also
# deletes the namespace, whatever became of the test.

NET=198.51.100
HOST=$NET.1
G1=$NET.11
G2=$NET.12
PEER=$NET.13
KIB=4096
CACHE=${VKNET_QEMU_CACHE:-/var/cache/vknet-test}

. "$(atf_get_srcdir)/vkt.sh"

# Skip, saying what is missing, unless everything is there.
need_qemu()
{
	command -v qemu-system-x86_64 >/dev/null ||
	    atf_skip "qemu-system-x86_64 is not installed (tools/depends.sh" \
	    "check installs qemu-system-x86)"
	{ command -v busybox && command -v cpio; } >/dev/null ||
	    atf_skip "busybox-static and cpio are needed for the guests'" \
	    "initramfs (tools/depends.sh check installs them)"
	[ -s "$CACHE/version" ] ||
	    atf_skip "no guest kernel in $CACHE: run tools/qemu-kernel.sh" \
	    "(tools/depends.sh check does)"
	getent group vknet >/dev/null ||
	    atf_skip "group vknet is missing (tools/depends.sh makes it)"
}

# The switch, with options "$@", in a new namespace; the guests' kernel
# is a host on its TAP, in secure mode.
start_switch()
{
	ns=vknet-qemu-$$
	echo "$ns" >netns
	atf_check ip netns add "$ns"
	atf_check ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" "$(top)/usr.sbin/vknetd/vknetd" -d \
	    -p "$PWD/vknet.sock" -i "$PWD/vknetd.pid" "$@" "$HOST/24" \
	    >vknetd.out 2>vknetd.err &
	echo $! >>pids
	n=0
	until [ -S vknet.sock ] && [ -s vknetd.out ]; do
		[ $((n += 1)) -ge 50 ] && atf_fail "vknetd not ready:" \
		    "$(cat vknetd.err)"
		sleep 0.1
	done
	atf_check sh "$(atf_get_srcdir)/qemu/mkinitrd.sh" "$CACHE" initrd.gz
}

# guest NAME IP HOW WORDS...: boot a guest in the background, WORDS on
# its kernel command line for qemu/init.  HOW is "stream", on the -q
# listener, or "fd", on the main socket through vknet -E.
guest()
{
	name=$1
	ip=$2
	how=$3
	shift 3
	mac=52:54:00:00:00:${ip##*.}
	[ "$ip" = dhcp ] && mac=52:54:00:00:00:dc
	set -- -append "console=ttyS0 quiet panic=-1 vkip=$ip $*"
	set -- qemu-system-x86_64 -nodefaults -no-user-config -accel tcg \
	    -display none -no-reboot -m 192 -kernel "$CACHE/vmlinuz" \
	    -initrd initrd.gz -serial "file:$name.log" "$@" \
	    -device "virtio-net-pci,netdev=n0,mac=$mac,romfile="
	if [ "$how" = stream ]; then
		stream=stream,id=n0,server=off,addr.type=unix
		set -- "$@" -netdev "$stream,addr.path=$PWD/qemu.sock"
	else
		set -- "$(top)/usr.bin/vknet/vknet" -E "$PWD/vknet.sock" "$@" \
		    -netdev "dgram,id=n0,local.type=fd,local.str={}"
	fi
	ip netns exec "$(cat netns)" "$@" >"$name.out" 2>&1 &
	echo $! >"$name.pid"
	echo $! >>pids
}

# await_ports KIND NAME...: vknetd -s lists each guest's QEMU as a port
# of KIND, by its pid.  A client is shown as a "link" if the daemon read
# its name while it was still vknet -E, before it became QEMU.
await_ports()
{
	kind=$1
	shift
	n=0
	while :; do
		"$(top)/usr.sbin/vknetd/vknetd" -s -p "$PWD/vknet.sock" \
		    >stats 2>&1
		missing=
		for name; do
			awk -v k="$kind" -v p="$(cat "$name.pid")" \
			    '($2 == k || (k == "client" && $2 == "link")) &&
			    $3 == p { f = 1 } END { exit !f }' \
			    stats || missing="$missing $name"
		done
		[ -z "$missing" ] && return
		[ $((n += 1)) -ge 100 ] && break
		sleep 0.1
	done
	cat stats ./*.out >&2
	atf_fail "not a $kind port of the switch:$missing"
}

# Wait for each guest to finish its part (it then powers off).
await_done()
{
	for name; do
		n=0
		until grep -q '^VKT done' "$name.log" 2>/dev/null; do
			gone "$(cat "$name.pid")" && break
			[ $((n += 1)) -ge 450 ] && break
			sleep 0.1
		done
	done
}

# The VKT lines of a guest's console, without the serial line's CRs.
said()
{
	grep -a '^VKT ' "$1.log" | tr -d '\r'
}

# run_guests HOW KIND: the whole exchange, guests joined the HOW way
# and seen by the switch as ports of KIND.
run_guests()
{
	"$(top)/tests/vkpeer" -p "$PWD/vknet.sock" -m 02:00:00:00:00:0d \
	    -a "$PEER" -t 60 >vkpeer.out 2>&1 &
	echo $! >>pids
	guest g1 "$G1" "$1" vkrole=send "vkpeer=$G2" "vksize=$KIB"
	guest g2 "$G2" "$1" vkrole=recv "vkping=$HOST,$PEER"
	await_ports "$2" g1 g2
	await_done g1 g2
	said g1 >g1.said
	said g2 >g2.said
	cat g1.said g2.said
	if ! grep -q '^VKT done' g1.said || ! grep -q '^VKT done' g2.said
	then
		tail -n 20 g1.log g2.log ./*.out vknetd.err >&2
		atf_fail "a guest did not finish: see its console"
	fi
	atf_check -o match:"^VKT ping $G2 ok" cat g1.said
	atf_check -o match:"^VKT ping $HOST ok" cat g2.said
	atf_check -o match:"^VKT ping $PEER ok" cat g2.said
	sent=$(awk '$2 == "sent" { print $3, $4 }' g1.said)
	recv=$(awk '$2 == "recv" { print $3, $4 }' g2.said)
	[ "$sent" = "$((KIB * 1024)) ${sent#* }" ] ||
	    atf_fail "guest 1 sent \"$sent\""
	[ "$recv" = "$sent" ] ||
	    atf_fail "guest 2 got \"$recv\" (bytes md5), guest 1 sent" \
	    "\"$sent\""
	awk '$2 == "recv" && $5 > 0 {
		printf "TCP: %d bytes in %s s, %.1f Mbit/s\n", $3, $5,
		    $3 * 8 / $5 / 1e6 }' g2.said
}

# QEMU's command name is cut to 15 characters.
cleanup()
{
	stop "qemu-system-x86 vknetd vkpeer dnsmasq" $(cat pids 2>/dev/null)
	[ -f netns ] && ip netns delete "$(cat netns)" 2>/dev/null
	true
}

atf_test_case stream_listener cleanup
stream_listener_head()
{
	atf_set descr "Two Linux guests on the -q listener (QEMU's -netdev" \
	    "stream) ping each other, the host and a SEQPACKET client, and" \
	    "move 4 MiB over TCP intact"
	atf_set require.user root
	atf_set require.progs ip ps awk
	atf_set timeout 120
}
stream_listener_body()
{
	need_qemu
	start_switch -q "$PWD/qemu.sock"
	run_guests stream stream
}
stream_listener_cleanup()
{
	cleanup
}

atf_test_case main_socket_fd cleanup
main_socket_fd_head()
{
	atf_set descr "Two Linux guests on the main socket through vknet -E" \
	    "(QEMU's -netdev dgram on the inherited descriptor) ping each" \
	    "other, the host and a SEQPACKET client, and move 4 MiB over" \
	    "TCP intact"
	atf_set require.user root
	atf_set require.progs ip ps awk
	atf_set timeout 120
}
main_socket_fd_body()
{
	need_qemu
	start_switch
	run_guests fd client
}
main_socket_fd_cleanup()
{
	cleanup
}

atf_test_case dhcp_dnsmasq cleanup
dhcp_dnsmasq_head()
{
	atf_set descr "A Linux guest's udhcpc gets its address from dnsmasq" \
	    "on vknetd's TAP (secure mode) and pings the host"
	atf_set require.user root
	atf_set require.progs ip ps awk
	atf_set timeout 120
}
dhcp_dnsmasq_body()
{
	need_qemu
	command -v dnsmasq >/dev/null || atf_skip "dnsmasq is not" \
	    "installed (tools/depends.sh check installs dnsmasq-base)"
	start_switch -q "$PWD/qemu.sock"
	# Not the system's dnsmasq: DHCP only (no DNS), on the TAP only,
	# with pid and lease files of its own.
	ip netns exec "$(cat netns)" dnsmasq --keep-in-foreground \
	    --conf-file=/dev/null --port=0 --bind-interfaces \
	    --interface="$(cat vknetd.out)" --except-interface=lo \
	    --dhcp-range="$NET.50,$NET.59,255.255.255.0,10m" \
	    --dhcp-leasefile="$PWD/leases" --pid-file="$PWD/dnsmasq.pid" \
	    --user=root --log-dhcp --log-facility="$PWD/dnsmasq.log" &
	echo $! >>pids
	guest g1 dhcp stream vkrole=ping "vkping=$HOST"
	await_done g1
	said g1 >g1.said
	cat g1.said dnsmasq.log
	atf_check -o match:"^VKT dhcp $NET\.5[0-9]/24\$" cat g1.said
	atf_check -o match:"^VKT ping $HOST ok" cat g1.said
	atf_check -o match:"$NET\.5[0-9] " cat leases
}
dhcp_dnsmasq_cleanup()
{
	cleanup
}

atf_init_test_cases()
{
	atf_add_test_case stream_listener
	atf_add_test_case main_socket_fd
	atf_add_test_case dhcp_dnsmasq
}
