#!/bin/sh
# make bench: vknetd and vknet measured side by side with their peers
# (vde_switch, a bare relay, a direct TAP write, ssh carrying cat), one
# table at the end.  Run as root, after make all and make -C tools/bench.
#
# Method (details in vkbench.c): TCP through the switch with iperf3;
# open-loop senders that send as fast as their socket takes frames;
# closed loops that keep WINDOW frames in flight; round trips.  Each
# figure is the median of RUNS runs, (min-max) after it.  A run starts
# its switch afresh; runs of every case are interleaved, and a ratio is
# taken run by run between figures measured moments apart on the same
# frames, its median shown.  With two or more CPUs the switch runs on
# CPU 1 and vkbench on CPU 0, so that neither measures the other's
# share of a core; in the TCP and ssh cases everything else may run
# anywhere.
#
# Safety: all of it runs inside two network namespaces made here (TAPs,
# iperf3, sshd on a namespace's loopback) or on unix sockets in a
# temporary directory; the only addresses configured are 198.51.100.1
# and .2/24, in the namespaces.  What we start is stopped by PID on
# exit or Ctrl-C, and the namespaces and the directory are removed.
#
# Readiness: a switch is used once it has said it is ready, never after
# a delay: vknetd -d writes its pidfile once its sockets and TAP are
# up; vde_switch and relay are ready when ss(8) shows their socket
# listening, owned by the PID we started (a path alone may be left from
# a run before, or bound and not yet listening).
#
# Knobs: BENCH_RUNS (3), BENCH_SECS (2), BENCH_TCP_SECS (4),
# BENCH_SSH_SECS (2), BENCH_VKNETD (another vknetd build, to compare),
# BENCH_KEEP (keep the directory).
#
# shellcheck disable=SC2086 # $PIN_SW, $pin: some words or none
cd "$(dirname "$0")/../.." || exit 1

VKNETD=${BENCH_VKNETD:-$PWD/usr.sbin/vknetd/vknetd}	# or another build
VKNET=$PWD/usr.bin/vknet/vknet
VKB=$PWD/tools/bench/vkbench
RELAY=$PWD/tools/bench/relay
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECS:-2}
TCP_SECS=${BENCH_TCP_SECS:-4}
SSH_SECS=${BENCH_SSH_SECS:-2}
STALL_SECS=5
WINDOW=64
IDLE=1000
NET=198.51.100.1/24
PEER=198.51.100.2

if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: must be run as root (network namespaces)" >&2
	exit 1
fi
for f in "$VKNETD" "$VKB" "$RELAY"; do
	[ -x "$f" ] || { echo "bench.sh: $f is not built" >&2; exit 1; }
done
for f in vde_switch vde_plug iperf3 jq ss; do
	command -v $f >/dev/null ||
	    { echo "bench.sh: $f is missing (make bench installs it)" >&2
	    exit 1; }
done

ns=vkbench-$$		# the switches, their TAPs, vkbench, sshd
ns2=vkbench-$$-c	# a TAP client's TAP: the far end of the TCP case
tmp=
pids=
status=1

cleanup() {
	trap '' INT TERM
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	ip netns delete "$ns" 2>/dev/null
	ip netns delete "$ns2" 2>/dev/null
	[ -n "$tmp" ] && [ -z "$BENCH_KEEP" ] && rm -rf "$tmp"
}
trap 'cleanup; exit $status' EXIT
trap 'status=130; exit' INT
trap 'status=143; exit' TERM

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

inns() {
	ip netns exec "$ns" "$@"
}

if [ "$(nproc)" -ge 2 ]; then
	PIN_SW="taskset -c 1"
	PIN_TOOL="taskset -c 0"
else
	PIN_SW=
	PIN_TOOL=
fi
pin=$PIN_TOOL

# spawn netns log command...: start a program in a namespace; ip netns
# exec and taskset exec it, so $! is the program itself (through a
# shell function it would be a subshell).  Sets $pid.
spawn() {
	n=$1
	log=$2
	shift 2
	ip netns exec "$n" "$@" >"$log" 2>&1 &
	pid=$!
	pids="$pids $pid"
}

stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	new=
	for p in $pids; do
		[ "$p" = "$1" ] || new="$new $p"
	done
	pids=$new
}

# Wait up to 5 s for the shell command $2 to succeed, on behalf of
# the process $pid, called $1.
await() {
	i=0
	until eval "$2"; do
		kill -0 "$pid" 2>/dev/null || die "$1 exited during start-up"
		i=$((i + 1))
		[ $i -lt 100 ] || die "$1 did not come up"
		sleep 0.05
	done
}

# listening netns path: a unix socket at path is listening, and it is
# the process $pid's.
listening() {
	ip netns exec "$1" ss -xlpH src "$2" | grep -q "pid=$pid,"
}

# start_switch kind name [args]: sets $ep (for vkbench), $pid and
# $swpid, the process that switches.  vknetd's args default to -U.
start_switch() {
	k=$1
	name=$2
	shift 2
	case $k in
	vknetd)
		[ $# -gt 0 ] || set -- -U
		spawn "$ns" "$tmp/$name.log" $PIN_SW "$VKNETD" -d \
		    -p "$tmp/$name" -i "$tmp/$name.pid" -t "vkb-$name" "$@"
		await vknetd "[ \"\$(cat $tmp/$name.pid 2>/dev/null)\" = $pid ]"
		ep=$tmp/$name
		# The switch process does the work (vknetd.8, PRIVILEGE
		# SEPARATION): its memory is what is measured.
		await "vknetd's switch process" \
		    "[ -n \"\$(cat /proc/$pid/task/*/children)\" ]"
		swpid=$(cat /proc/"$pid"/task/*/children | awk '{ print $1 }')
		;;
	vde)
		# No -d: in the foreground its PID is ours.  It reads
		# commands on stdin and quits at EOF, so stdin is a FIFO
		# it holds open itself.
		rm -rf "${tmp:?}/$name"
		spawn "$ns" "$tmp/$name.log" sh -c "ulimit -n 4096 && exec \
		    $PIN_SW vde_switch -n $((IDLE + 100)) -s $tmp/$name $* \
		    <>$tmp/console"
		await vde_switch "listening $ns $tmp/$name/ctl"
		ep=vde:$tmp/$name
		;;
	relay)
		spawn "$ns" "$tmp/$name.log" $PIN_SW "$RELAY" "$tmp/$name"
		await relay "listening $ns $tmp/$name"
		ep=$tmp/$name
		;;
	esac
	[ "$k" = vknetd ] || swpid=$pid
}

# The switch's drops since it started, from the total row of the drops
# table of vknetd -s: "drops drops=ALL stalled=STALLED-PEER".  The one
# place that reads -s.
drops() {
	"$VKNETD" -s -p "$1" >"$tmp/stats" || die "vknetd -s failed"
	awk '$1 == "PORT" && /STALLED-PEER/ {
		for (i = 2; i <= NF; i++)
			col[$i] = i
		table = 1
		next
	}
	table && $1 == "total" {
		for (i = 2; i <= NF; i++)
			all += $i
		printf "drops drops=%d stalled=%d\n", all, $col["STALLED-PEER"]
		found = 1
		exit
	}
	END { exit !found }' "$tmp/stats" ||
	    die "no drops table in vknetd -s: $(cat "$tmp/stats")"
}

# CPU seconds (utime + stime, and the same of children waited for) of
# process $1 and every process below it, so far.
cpu_secs() {
	tree "$1" | while read -r p; do
		# Fields after "pid (comm) ": utime is the 12th.
		sed 's/.*) //' "/proc/$p/stat" 2>/dev/null
	done | awk -v hz="$(getconf CLK_TCK)" '
		{ t += $12 + $13 + $14 + $15 }
		END { printf "%.2f\n", t / hz }'
}

tree() {
	echo "$1"
	# shellcheck disable=SC2013 # the file is one line of PIDs
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		tree "$c"
	done
}

# measure case who vkbench-args: each "tag k=v ..." line vkbench prints
# becomes "case/tag who run k=v ..." in the results.  Later options
# override earlier ones.
measure() {
	c=$1
	w=$2
	shift 2
	timeout 120 ip netns exec "$ns" $pin "$VKB" -w $WINDOW -d "$SECS" \
	    "$@" >"$tmp/out" || die "vkbench $* failed"
	record "$c" "$w" <"$tmp/out"
}

record() {
	while read -r tag rest; do
		echo "$1/$tag $2 $run $rest"
	done >>"$tmp/results"
}

# trial kind case vkbench-args: one run against a fresh switch, and
# vknetd's own count of what it dropped.
trial() {
	k=$1
	cs=$2
	shift 2
	# A flood on purpose: storm control (vknetd -L) would limit it.
	if [ "$k" = vknetd ] && [ "$cs" = bcast ]; then
		start_switch "$k" "$k" -U -L 0
	else
		start_switch "$k" "$k"
	fi
	measure "$cs" "$k" -P "$swpid" "$@" "$ep"
	if [ "$k" = vknetd ]; then
		d=$(drops "$ep") || exit
		echo "$d" | record "$cs" "$k"
	fi
	stop "$pid"
}

# TCP through the switch, TCP_SECS each way: iperf3 between $ns, where
# the switch's TAP is 198.51.100.1, and $ns2, where a TAP client's TAP
# is .2.  The TAP client is vdeplug4's vde_plug for both switches, so
# only the switch differs.  "up" is from the switch's TAP to the
# client.  The switch's CPU time is read around each transfer.
trial_tcp() {
	k=$1
	case $k in
	vknetd)
		start_switch vknetd tcp -U "$NET"
		sw=$pid
		spawn "$ns2" "$tmp/plug.log" "$VKNET" -E "$ep" vde_plug \
		    'seqpacket://{}' tap://vkb-c
		;;
	vde)
		start_switch vde tcp -t vkb-tcp
		sw=$pid
		await vde_switch "inns ip link show vkb-tcp >/dev/null 2>&1"
		inns ip addr add "$NET" dev vkb-tcp
		inns ip link set vkb-tcp up
		spawn "$ns2" "$tmp/plug.log" vde_plug "vde://$tmp/tcp" \
		    tap://vkb-c
		;;
	esac
	plug=$pid
	await vde_plug "ip netns exec $ns2 ip link show vkb-c >/dev/null 2>&1"
	ip netns exec "$ns2" ip addr add "$PEER/24" dev vkb-c
	ip netns exec "$ns2" ip link set vkb-c up
	spawn "$ns2" "$tmp/iperf3.log" iperf3 -s -B "$PEER"
	iperf=$pid
	await iperf3 "ip netns exec $ns2 ss -tlnpH 'sport = :5201' |
	    grep -q pid=$pid,"
	pid=$plug
	await "the TAP client's link" "inns ping -c 1 -W 1 $PEER >/dev/null"
	[ "$k" = vknetd ] && { d0=$(drops "$ep") || exit; }
	for dir in up down; do
		r=
		[ $dir = down ] && r=-R
		c0=$(cpu_secs "$sw")
		inns iperf3 -c "$PEER" -t "$TCP_SECS" -J $r \
		    >"$tmp/iperf.json" || die "iperf3 $r failed: $(cat "$tmp/iperf.json")"
		c1=$(cpu_secs "$sw")
		d=
		if [ "$k" = vknetd ]; then
			d1=$(drops "$ep") || exit
			d=$(echo "$d0 $d1" | awk '{ split($2, a, "=")
				split($3, b, "="); split($5, c, "=")
				split($6, e, "=")
				printf "drops=%d stalled=%d", c[2] - a[2],
				    e[2] - b[2] }')
			d0=$d1
		fi
		jq -r '.end | "\(.sum_received.bits_per_second) " +
		    "\(.sum_sent.retransmits) \(.sum_received.bytes)"' \
		    "$tmp/iperf.json" | awk -v c0="$c0" -v c1="$c1" -v d="$d" \
		    '{ printf "tcp mbps=%.1f retr=%d bytes=%d cpu=%.2f " \
		    "cpugb=%.3f %s\n", $1 / 1e6, $2, $3, c1 - c0,
		    (c1 - c0) / ($3 / 1e9), d }' | record "tcp-$dir" "$k"
	done
	stop "$iperf"
	stop "$plug"
	stop "$sw"
}

trial_tap() {
	start_switch vknetd tap "$NET"
	measure tap vknetd -t vkb-tap tap "$ep"
	stop "$pid"
	measure tap direct tap
}

trial_rss() {
	start_switch "$1" "$1"
	measure rss "$1" -i $IDLE -P "$swpid" -d $STALL_SECS -s 1500 rss "$ep"
	stop "$pid"
}

# sshd on the namespace's loopback, with keys made for this run; the
# far vknet is found through PATH, which sshd sets to ours first.
# StrictModes would refuse keys below /tmp; ours is a 0700 directory.
setup_ssh() {
	s=$tmp/ssh
	mkdir -p "$s/bin" /run/sshd
	ln -s "$VKNET" "$s/bin/vknet"
	for k in hostkey id; do
		ssh-keygen -q -t ed25519 -N '' -f "$s/$k" || die "ssh-keygen"
	done
	cp "$s/id.pub" "$s/authorized_keys"
	cat >"$s/sshd_config" <<-EOF
	ListenAddress 127.0.0.1:22
	HostKey $s/hostkey
	AuthorizedKeysFile $s/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	PidFile none
	SetEnv PATH=$s/bin:/usr/bin:/bin
	EOF
	cat >"$s/config" <<-EOF
	Host bench
		HostName 127.0.0.1
		User root
		IdentityFile $s/id
		IdentitiesOnly yes
		StrictHostKeyChecking no
		UserKnownHostsFile /dev/null
		LogLevel ERROR
		BatchMode yes
	EOF
	spawn "$ns" "$s/sshd.log" /usr/sbin/sshd -D -e -f "$s/sshd_config"
	export VKNET_SSH="ssh -F $s/config"
	await sshd "inns ssh -F $s/config bench true 2>/dev/null"
}

# ssh's processes, vknet's and two switches share the CPUs as they like.
trial_ssh() {
	pin=
	for c in "" -C; do
		"$VKB" -s 1500 -d "$SSH_SECS" gen 2>"$tmp/out" |
		    timeout 60 ip netns exec "$ns" ssh $c -F "$tmp/ssh/config" \
		    bench 'cat >/dev/null' || die "ssh $c cat failed"
		record "ssh$c" cat <"$tmp/out"
		[ -x "$VKNET" ] || continue
		start_switch vknetd a
		a=$pid
		start_switch vknetd b
		b=$pid
		spawn "$ns" "$tmp/vknet.log" "$VKNET" $c "$tmp/a" \
		    "bench:$tmp/b"
		measure "ssh$c" vknet -d "$SSH_SECS" -s 1500 unicast \
		    "$tmp/a" "$tmp/b"
		stop "$pid"
		stop "$a"
		stop "$b"
	done
	pin=$PIN_TOOL
}

tmp=$(mktemp -d /tmp/vkbench.XXXXXX) || exit 1
mkfifo "$tmp/console"
: >"$tmp/results"
for n in "$ns" "$ns2"; do
	ip netns add "$n" || die "cannot create network namespace $n"
	ip netns exec "$n" ip link set lo up
	# Quiet TAPs: no IPv6 router solicitations or DAD among our frames.
	ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
	    2>/dev/null
done
setup_ssh

# Other work on the machine shows up as spread: say how busy the CPUs
# were over the second before we start.
cpustat() {
	awk '/^cpu /{ print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' \
	    /proc/stat
}
idle0=$(cpustat)
sleep 1
busy=$(cpustat | awk -v a="$idle0" '{ split(a, p, " ")
	printf "%.0f", 100 - 100 * ($1 - p[1]) / ($2 - p[2] + 1e-9) }')
start=$(date +%s)
run=1
while [ $run -le "$RUNS" ]; do
	echo "bench.sh: run $run of $RUNS" >&2
	for kind in vknetd vde; do
		trial_tcp $kind
	done
	for size in 64 1500; do
		for kind in vknetd vde relay; do
			trial $kind "blast$size" -s $size blast
		done
	done
	for kind in vknetd vde; do
		trial $kind burst -s 1500 -n 8 burst
		trial $kind bcast -s 64 -n 8 bcast
		trial $kind stall -s 64 stall
		trial $kind ping -s 64 ping
		trial $kind idle -s 64 -i $IDLE unicast
	done
	trial_tap
	trial_ssh
	for kind in vknetd vde; do
		trial_rss $kind
	done
	run=$((run + 1))
done

[ -x "$VKNET" ] && vknet_built=1 || vknet_built=0
awk -v runs="$RUNS" -v secs="$SECS" -v win="$WINDOW" -v idle="$IDLE" \
    -v tcpsecs="$TCP_SECS" -v sshsecs="$SSH_SECS" -v stall="$STALL_SECS" \
    -v vknet="$vknet_built" -v wall=$(($(date +%s) - start)) \
    -v busy="$busy" -v cpus="$(nproc)" -f tools/bench/table.awk \
    "$tmp/results"
status=0
