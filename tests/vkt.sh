# Helpers of the atf-sh test programs, the shell's share of vkt.h:
# sourced with  . "$(atf_get_srcdir)/vkt.sh"  at their top level.

# The top of the source tree.
top()
{
	echo "$(atf_get_srcdir)/.."
}

# Is pid $1 gone (or a zombie nobody has reaped yet)?
gone()
{
	case $(ps -p "$1" -o stat= 2>/dev/null) in
	""|Z*)	return 0 ;;
	esac
	return 1
}

# stop "NAME..." PID...: SIGTERM each PID whose command is one of the
# NAMEs (so a pid that has been reused is left alone), wait 5 s at most
# for them all to go, then SIGKILL what is left.
stop()
{
	names=" $1 "
	shift
	pids=
	for pid; do
		case $names in
		*" $(ps -p "$pid" -o comm= 2>/dev/null) "*)
			kill "$pid" 2>/dev/null && pids="$pids $pid" ;;
		esac
	done
	n=0
	for pid in $pids; do
		while ! gone "$pid" && [ $((n += 1)) -lt 50 ]; do
			sleep 0.1
		done
		gone "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	true
}

# The namespace helpers below name their namespaces "$P<NAME>" (each
# test program sets P to a prefix of its own) and note every namespace
# in "netns" and every background process in "pids", for cleanup.

# Guests are TAPs that vde_plug makes, joined to the switch by vknet -E.
need_vde()
{
	command -v vde_plug >/dev/null ||
	    atf_skip "vde_plug is not installed (tools/depends.sh check" \
	    "installs vdeplug)"
	command -v busybox >/dev/null ||
	    atf_skip "busybox is needed for nc (tools/depends.sh installs" \
	    "busybox-static)"
	getent group vknet >/dev/null ||
	    atf_skip "group vknet is missing (tools/depends.sh makes it)"
}

# netns NAME: a namespace of this test, lo up; NAME is a short tag.
netns()
{
	atf_check ip netns add "$P$1"
	echo "$P$1" >>netns
	atf_check ip netns exec "$P$1" ip link set lo up
}

# at NAME COMMAND...: run COMMAND in namespace NAME.
at()
{
	ns=$1
	shift
	ip netns exec "$P$ns" "$@"
}

# bg NAME COMMAND...: the same in the background, noted in pids.
bg()
{
	ns=$1
	shift
	ip netns exec "$P$ns" "$@" >>bg.out 2>&1 &
	echo $! >>pids
}

# switch NAME ARGS...: vknetd in namespace NAME, socket NAME.sock.
switch()
{
	ns=$1
	shift
	ip netns exec "$P$ns" "$(top)/usr.sbin/vknetd/vknetd" -d \
	    -p "$PWD/$ns.sock" -i "$PWD/$ns.pid" "$@" \
	    >"$ns.tap" 2>"$ns.err" &
	echo $! >>pids
	n=0
	until [ -S "$ns.sock" ] && [ -s "$ns.tap" ]; do
		[ $((n += 1)) -ge 50 ] && atf_fail "vknetd not ready:" \
		    "$(cat "$ns.err")"
		sleep 0.1
	done
}

# plug NAME URL: vde_plug between switch NAME and URL, through vknet -E.
plug()
{
	bg "$1" "$(top)/usr.bin/vknet/vknet" -E "$PWD/$1.sock" \
	    vde_plug 'seqpacket://{}' "$2"
}

# await_link NAME IF: interface IF exists in namespace NAME.
await_link()
{
	n=0
	until at "$1" ip link show "$2" >/dev/null 2>&1; do
		[ $((n += 1)) -ge 50 ] && { cat bg.out >&2;
		    atf_fail "no $2 in $1"; }
		sleep 0.1
	done
}

# guest GUEST NAME IF ADDR: vde_plug made TAP IF in namespace NAME (by
# plug or otherwise); move it to the new namespace GUEST as ADDR/24.
guest()
{
	await_link "$2" "$3"
	netns "$1"
	atf_check ip netns exec "$P$2" ip link set "$3" netns "$P$1"
	atf_check ip netns exec "$P$1" ip link set "$3" up
	atf_check ip netns exec "$P$1" ip addr add "$4/24" dev "$3"
}

# ping_ok NAME ADDR: namespace NAME pings ADDR (which may need a moment
# to answer its first ARP).
ping_ok()
{
	at "$1" ping -c 1 -W 5 "$2" >/dev/null 2>&1
	atf_check -o match:' 0% packet loss' ip netns exec "$P$1" \
	    ping -c 3 -i 0.2 -W 2 "$2"
}

# Stop what the test started, by pid, and delete its namespaces.
cleanup()
{
	stop "vknetd vknet vde_plug vde_switch busybox dnsmasq" \
	    $(cat pids 2>/dev/null)
	for ns in $(cat netns 2>/dev/null); do
		ip netns delete "$ns" 2>/dev/null
	done
	true
}
