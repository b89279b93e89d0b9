#!/bin/sh
# make bench: vknetd and vknet measured side by side with their peers
# (vde_switch, a bare relay, a direct TAP write, ssh carrying cat), one
# table at the end.  Run as root, after make all and make -C tools/bench.
#
# Method (details in vkbench.c): a closed loop that keeps WINDOW frames
# in flight and counts what arrives, SECS seconds per run after a short
# warm-up.  Each figure is the median of RUNS runs, (min-max) after it.
# A run starts its switch afresh; runs of every case are interleaved,
# and a ratio is taken run by run between figures measured moments
# apart on the same frames, its median shown.  With two or more CPUs
# the switch runs on CPU 1 and vkbench on CPU 0, so that neither
# measures the other's share of a core.
#
# Safety: all of it runs inside a network namespace made here (TAPs,
# sshd on that namespace's loopback) or on unix sockets in a temporary
# directory; the only address configured is 198.51.100.1/24, in the
# namespace.  What we start is stopped by PID on exit or Ctrl-C, and
# the namespace and the directory are removed.
#
# Knobs: BENCH_RUNS (3), BENCH_SECS (2), BENCH_SSH_SECS (2), BENCH_VKNETD
# (another vknetd build, to compare), BENCH_KEEP (keep the directory).
#
# shellcheck disable=SC2086 # $PIN_SW, $pin and $c: some words or none
cd "$(dirname "$0")/../.." || exit 1

VKNETD=${BENCH_VKNETD:-$PWD/usr.sbin/vknetd/vknetd}	# or another build
VKNET=$PWD/usr.bin/vknet/vknet
VKB=$PWD/tools/bench/vkbench
RELAY=$PWD/tools/bench/relay
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECS:-2}
SSH_SECS=${BENCH_SSH_SECS:-2}
STALL_SECS=10
WINDOW=64
IDLE=1000
NET=198.51.100.1/24

if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: must be run as root (network namespaces)" >&2
	exit 1
fi
for f in "$VKNETD" "$VKB" "$RELAY"; do
	[ -x "$f" ] || { echo "bench.sh: $f is not built" >&2; exit 1; }
done

ns=vkbench-$$
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

# Start a program in the namespace; ip netns exec and taskset exec it,
# so $! is the program itself (through a shell function it would be a
# subshell).  Sets $pid.
spawn() {
	log=$1
	shift
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
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
		[ $i -lt 50 ] || die "$1 did not come up"
		sleep 0.1
	done
}

# start_switch kind name [vknetd args]: sets $ep (for vkbench), $pid.
# vknetd prints its TAP's name once its socket and TAP are ready.
start_switch() {
	case $1 in
	vknetd)
		spawn "$tmp/$2.log" $PIN_SW "$VKNETD" -d -p "$tmp/$2" \
		    -i "$tmp/$2.pid" -t "vkb-$2" "${3:--U}"
		await vknetd "grep -qsx vkb-$2 $tmp/$2.log"
		ep=$tmp/$2
		;;
	vde)
		# No -d: in the foreground its PID is ours.  It reads
		# commands on stdin and quits at EOF, so stdin is a FIFO
		# it holds open itself.
		rm -rf "${tmp:?}/$2"
		spawn "$tmp/$2.log" sh -c "ulimit -n 4096 && exec $PIN_SW \
		    vde_switch -n $((IDLE + 100)) -s $tmp/$2 <>$tmp/console"
		await vde_switch "test -S $tmp/$2/ctl"
		ep=vde:$tmp/$2
		;;
	relay)
		spawn "$tmp/$2.log" $PIN_SW "$RELAY" "$tmp/$2"
		await relay "test -S $tmp/$2"
		ep=$tmp/$2
		;;
	esac
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

# trial kind case vkbench-args: one run against a fresh switch.
trial() {
	k=$1
	cs=$2
	shift 2
	start_switch "$k" "$k"
	measure "$cs" "$k" "$@" "$ep"
	stop "$pid"
}

trial_tap() {
	start_switch vknetd tap "$NET"
	measure tap vknetd -t vkb-tap tap "$ep"
	stop "$pid"
	measure tap direct tap
}

trial_rss() {
	start_switch "$1" "$1"
	measure rss "$1" -i $IDLE -P "$pid" -d $STALL_SECS -s 1500 rss "$ep"
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
	spawn "$s/sshd.log" /usr/sbin/sshd -D -e -f "$s/sshd_config"
	export VKNET_SSH="ssh -F $s/config"
	i=0
	until inns ssh -F "$s/config" bench true 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || die "sshd did not come up: $(cat "$s/sshd.log")"
		sleep 0.1
	done
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
		spawn "$tmp/vknet.log" "$VKNET" $c "$tmp/a" "bench:$tmp/b"
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
ip netns add "$ns" || die "cannot create network namespace $ns"
inns ip link set lo up
# Quiet TAPs: no IPv6 router solicitations or DAD among our frames.
inns sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
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
	for size in 64 1500; do
		for kind in vknetd vde relay; do
			trial $kind "u$size" -s $size unicast
		done
	done
	for kind in vknetd vde; do
		trial $kind bcast -n 8 bcast
		trial $kind idle -i $IDLE unicast
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
    -v sshsecs="$SSH_SECS" -v stall="$STALL_SECS" -v vknet="$vknet_built" \
    -v wall=$(($(date +%s) - start)) -v busy="$busy" \
    -v cpus="$(nproc)" -f tools/bench/table.awk \
    "$tmp/results"
status=0
