#! /usr/bin/env atf-sh
#
# The installable service: make install and uninstall into a DESTDIR,
# etc/rc.d/vknetd driving the real daemon in a network namespace of its
# own, and the systemd unit as installed, verified, and run by a real
# systemd that is pid 1 of namespaces of the test's own.  Only
# 198.51.100.0/24 is used; the root namespace's interfaces are never
# touched.

. "$(atf_get_srcdir)/vkt.sh"

# What make install must put under DESTDIR for PREFIX $1, sorted.
expected()
{
	{
		echo ./etc/default/vknetd
		echo ./etc/init.d/vknetd
		echo ".$1/lib/systemd/system/vknetd.service"
		echo ".$1/sbin/vknetd"
		echo ".$1/share/man/man8/vknetd.8"
		[ -x "$(top)/usr.bin/vknet/vknet" ] && echo ".$1/bin/vknet"
		[ -f "$(top)/share/man/man1/vknet.1" ] &&
		    echo ".$1/share/man/man1/vknet.1"
	} | sort
}

installed()
{
	(cd "$1" && find . ! -type d | sort)
}

atf_test_case install_files
install_files_head()
{
	atf_set descr "make install puts exactly the expected files in" \
	    "DESTDIR, keeps an admin's config, and make uninstall" \
	    "takes them away"
	atf_set timeout 120
}
install_files_body()
{
	d=$PWD/root

	atf_check -o ignore make -s -C "$(top)" install DESTDIR="$d"
	expected /usr/local >want
	installed "$d" >got
	# A new program or man page belongs in PROGS or MANS (Makefile).
	atf_check -o file:want cat got
	atf_check test -x "$d/usr/local/sbin/vknetd"
	atf_check test -x "$d/etc/init.d/vknetd"
	atf_check -o match:'^prefix=/usr/local$' cat "$d/etc/init.d/vknetd"
	atf_check -o match:'^ExecStart=/usr/local/sbin/vknetd ' \
	    cat "$d/usr/local/lib/systemd/system/vknetd.service"

	# The admin's config is neither overwritten nor uninstalled...
	echo 'VKNETD_FLAGS="-U"' >>"$d/etc/default/vknetd"
	atf_check -o match:'not replaced' make -s -C "$(top)" install \
	    DESTDIR="$d"
	atf_check -o match:'^VKNETD_FLAGS="-U"$' cat "$d/etc/default/vknetd"
	atf_check -o match:'kept' make -s -C "$(top)" uninstall DESTDIR="$d"
	atf_check -o inline:"$d/etc/default/vknetd\n" find "$d" ! -type d
	# ...while the untouched example goes with the rest.
	rm "$d/etc/default/vknetd"
	atf_check -o ignore make -s -C "$(top)" install DESTDIR="$d"
	atf_check -o ignore make -s -C "$(top)" uninstall DESTDIR="$d"
	atf_check -o empty find "$d" ! -type d

	# PREFIX moves everything but /etc, and the service files follow.
	atf_check -o ignore make -s -C "$(top)" install DESTDIR="$d" \
	    PREFIX=/usr
	expected /usr >want
	installed "$d" >got
	atf_check -o file:want cat got
	atf_check -o match:'^prefix=/usr$' cat "$d/etc/init.d/vknetd"
	atf_check -o match:'^ExecStart=/usr/sbin/vknetd ' \
	    cat "$d/usr/lib/systemd/system/vknetd.service"
	atf_check -o ignore make -s -C "$(top)" uninstall DESTDIR="$d" \
	    PREFIX=/usr
	atf_check -o empty find "$d" ! -type d
}

# After a test: stop the daemons it noted or left a pidfile for, by
# pid and only if they are still vknetd, wait (5 s at most) for them to
# go, and delete the namespace, which takes their TAPs along.
cleanup()
{
	stop "vknetd sleep" $(cat daemons vknetd.pid pid guest 2>/dev/null)
	[ -f netns ] && ip netns delete "$(cat netns)" 2>/dev/null
	true
}

# Is $1 the one vknetd on our socket, beside its switch process, its
# child?  (Not via atf_check: the shell it runs pgrep in would match too.)
one()
{
	found=
	for p in $(pgrep -f -- "-p $PWD/vknet "); do
		if [ "$p" = "$1" ]; then
			found=1
		elif [ "$(ps -o ppid= -p "$p" | tr -d ' ')" != "$1" ]; then
			atf_fail "vknetd on $PWD/vknet: want $1, have $p too"
		fi
	done
	[ -n "$found" ] || atf_fail "vknetd on $PWD/vknet: $1 is not running"
}

# A guest on the switch at $1: a process connected by vknet -E, noted
# in "guest" (its pid, the port's peer) and in "daemons" for cleanup.
guest()
{
	vknet=$(top)/usr.bin/vknet/vknet
	[ -x "$vknet" ] || atf_fail "$vknet is not built"
	"$vknet" -E "$1" sleep 60 &
	echo $! >guest
	n=0
	until "$(top)/usr.sbin/vknetd/vknetd" -s -p "$1" 2>/dev/null |
	    grep -Eq " client +$(cat guest) "; do
		[ $((n += 1)) -lt 50 ] || atf_fail "the guest did not connect"
		sleep 0.1
	done
}

# The guest is still connected to the switch at $1, which was reloaded.
kept()
{
	"$(top)/usr.sbin/vknetd/vknetd" -s -p "$1" >stats ||
	    atf_fail "vknetd -s failed after the reload"
	grep -Eq " client +$(cat guest) " stats ||
	    atf_fail "the guest's port is gone: $(cat stats)"
	grep -q 'reloaded [0-9]' stats ||
	    atf_fail "-s does not say it was reloaded: $(cat stats)"
}

atf_test_case rc_script cleanup
rc_script_head()
{
	atf_set descr "etc/rc.d/vknetd starts, reports on and stops the" \
	    "real vknetd, in a network namespace, with LSB exit codes"
	atf_set require.user root
	atf_set require.progs ip ps
	atf_set timeout 60
}
rc_script_body()
{
	vknetd=$(top)/usr.sbin/vknetd/vknetd
	[ -x "$vknetd" ] || atf_fail "$vknetd is not built"
	getent group vknet >/dev/null ||
	    atf_skip "group vknet is missing (tools/depends.sh makes it)"
	ns=vknet-rc-$$
	echo "$ns" >netns		# for the cleanup
	atf_check ip netns add "$ns"
	cat >vknetd.conf <<-EOF
		VKNETD_BIN=$vknetd
		VKNETD_SOCKET=$PWD/vknet
		VKNETD_PIDFILE=$PWD/vknetd.pid
		VKNETD_FLAGS="-t vkrc0 198.51.100.1/24"
	EOF
	export VKNETD_CONF="$PWD/vknetd.conf"
	rc="ip netns exec $ns $(top)/etc/rc.d/vknetd"

	atf_check -s exit:3 -o match:'not running' $rc status
	atf_check -o match:'^Started vknetd .* on vkrc0' $rc start
	atf_check test -S vknet
	pid=$(cat vknetd.pid)
	echo "$pid" >daemons
	atf_check -o ignore ip netns exec "$ns" ip link show vkrc0
	atf_check -s not-exit:0 -e ignore ip link show vkrc0
	atf_check -o match:"running as pid $pid" $rc status

	atf_check -o match:'already running' $rc start
	one "$pid"

	# reload: the same daemon runs its program anew; a guest stays.
	guest "$PWD/vknet"
	atf_check -o match:"^Reloaded vknetd as pid $pid" $rc reload
	one "$pid"
	kept "$PWD/vknet"
	atf_check -o match:"^Reloaded vknetd as pid $pid" $rc force-reload
	kept "$PWD/vknet"
	kill "$(cat guest)"

	atf_check -o match:Stopped -o match:Started $rc restart
	old=$pid
	pid=$(cat vknetd.pid)
	echo "$pid" >>daemons
	gone "$old" || atf_fail "restart left the old vknetd $old running"
	one "$pid"

	atf_check -o match:Stopped $rc stop
	atf_check -s exit:3 -o ignore $rc status
	atf_check test ! -e vknetd.pid
	atf_check -o empty find . -type s
	gone "$pid" || atf_fail "vknetd $pid still running after stop"
	atf_check -o match:'not running' $rc stop

	# A daemon that died leaves its pidfile: LSB status 1.  Starting
	# again must still work (vknetd replaces what the dead one left).
	atf_check -o ignore $rc start
	pid=$(cat vknetd.pid)
	echo "$pid" >>daemons
	kill -KILL "$pid"
	n=0
	while ! gone "$pid" && [ $((n += 1)) -lt 50 ]; do sleep 0.1; done
	atf_check -s exit:1 -o match:'vknetd.pid exists' $rc status
	atf_check -o match:Started $rc start
	echo "$(cat vknetd.pid)" >>daemons
	atf_check -o match:Stopped $rc stop

	atf_check -s exit:7 -e match:'not running' $rc reload
	atf_check -s exit:2 -e match:'^usage: ' $rc frobnicate
}
rc_script_cleanup()
{
	cleanup
}

atf_test_case systemd_unit
systemd_unit_head()
{
	atf_set descr "the installed vknetd.service passes" \
	    "systemd-analyze verify"
	atf_set require.user root
	atf_set require.progs systemd-analyze unshare
	atf_set timeout 120
}
systemd_unit_body()
{
	atf_check -o ignore make -s -C "$(top)" install DESTDIR="$PWD/root"
	# Seen as systemd would see the installed unit: in a mount
	# namespace of our own, the DESTDIR's /usr/local is /usr/local, so
	# ExecStart= and Documentation=man:vknetd(8) must resolve.  Warnings
	# leave the exit status 0: require silence as well.
	atf_check unshare -m sh -c "mount --bind '$PWD/root/usr/local' \
	    /usr/local && exec systemd-analyze verify \
	    /usr/local/lib/systemd/system/vknetd.service"
	unit=$PWD/root/usr/local/lib/systemd/system/vknetd.service
	atf_check -o match:'^ExecReload=/bin/kill -HUP \$MAINPID$' cat "$unit"
	atf_check -o match:'^Restart=on-failure$' cat "$unit"
}

# The switch process of vknetd $1 runs as _vknetd, with a seccomp filter.
confined()
{
	w=$(pgrep -P "$1") || atf_fail "vknetd $1 has no switch process"
	atf_check -o match:"^Uid:[[:space:]]$(id -u _vknetd)[[:space:]]" \
	    grep ^Uid "/proc/$w/status"
	atf_check -o inline:'Seccomp:\t2\n' grep '^Seccomp:' "/proc/$w/status"
	atf_check -o inline:'CapEff:\t0000000000000000\n' \
	    grep ^CapEff "/proc/$w/status"
}

# The same, for the switch process of vknetd $1 under systemd_service.
confined_in()
{
	n=0
	until w=$(insd pgrep -P "$1") &&
	    insd grep -q '^Seccomp:[[:space:]]2$' "/proc/$w/status"; do
		[ $((n += 1)) -lt 50 ] ||
		    atf_fail "vknetd $1 has no confined switch process"
		sleep 0.1
	done
	atf_check -o match:"^Uid:[[:space:]]$(id -u _vknetd)[[:space:]]" \
	    nsenter -t "$(cat sd)" -m -p -n -- grep ^Uid "/proc/$w/status"
}

atf_test_case unit_capabilities cleanup
unit_capabilities_head()
{
	atf_set descr "vknetd runs with no more privilege than the unit's" \
	    "CapabilityBoundingSet= and NoNewPrivileges= leave it, in" \
	    "secure mode and as a bridge port"
	atf_set require.user root
	atf_set require.progs ip setpriv
	atf_set timeout 60
}
unit_capabilities_body()
{
	vknetd=$(top)/usr.sbin/vknetd/vknetd
	unit=$(top)/etc/systemd/vknetd.service.in
	getent group vknet >/dev/null ||
	    atf_skip "group vknet is missing (tools/depends.sh makes it)"
	# CAP_NET_ADMIN CAP_CHOWN -> -all,+net_admin,+chown
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" |
	    tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
	[ -n "$caps" ] || atf_fail "no CapabilityBoundingSet= in $unit"
	ns=vknet-caps-$$
	echo "$ns" >netns
	atf_check ip netns add "$ns"
	for flags in "198.51.100.1/24" "-U -b vkbr0"; do
		# As root, exec leaves exactly the bounding set in effect.
		atf_check -o inline:'vkcap0\n' ip netns exec "$ns" \
		    setpriv --bounding-set "-all,$caps" --no-new-privs \
		    "$vknetd" -i "$PWD/pid" -p "$PWD/vknet" -t vkcap0 $flags
		pid=$(cat pid)
		echo "$pid" >>daemons
		bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' "/proc/$pid/status")
		atf_check -o inline:"CapEff:\t$bnd\n" \
		    grep ^CapEff "/proc/$pid/status"
		atf_check -o inline:'vknet\n' stat -c %G vknet
		# Its switch process confines itself within those limits,
		# and a reload (the unit's ExecReload=) keeps a guest.
		confined "$pid"
		guest "$PWD/vknet"
		old=$(pgrep -P "$pid")
		atf_check kill -HUP "$pid"
		n=0
		until new=$(pgrep -P "$pid") && [ "$new" != "$old" ] &&
		    "$vknetd" -s -p "$PWD/vknet" >/dev/null 2>&1; do
			[ $((n += 1)) -lt 50 ] || atf_fail "no reload"
			sleep 0.1
		done
		confined "$pid"
		kept "$PWD/vknet"
		kill "$(cat guest)"
		atf_check kill -TERM "$pid"
		n=0
		while ! gone "$pid" && [ $((n += 1)) -lt 50 ]; do sleep 0.1; done
		atf_check test ! -e pid
		atf_check -o empty find . -type s
	done
}
unit_capabilities_cleanup()
{
	cleanup
}

# insd COMMAND...: run COMMAND in the namespaces of the systemd that
# systemd_service booted (its pid, on the host, is in the file sd).
insd()
{
	nsenter -t "$(cat sd)" -m -p -n -- "$@"
}

atf_test_case systemd_service cleanup
systemd_service_head()
{
	atf_set descr "under a real systemd, booted as pid 1 of namespaces" \
	    "of the test's own with nothing but the unit: start, reload" \
	    "and a crash of the switch process keep a guest connected;" \
	    "a crash of vknetd itself is restarted; stop tears down"
	atf_set require.user root
	atf_set require.progs unshare nsenter systemctl
	atf_set timeout 120
}
systemd_service_body()
{
	vknetd=$(top)/usr.sbin/vknetd/vknetd
	[ -x /lib/systemd/systemd ] || atf_skip "no /lib/systemd/systemd"
	getent passwd _vknetd >/dev/null ||
	    atf_skip "user _vknetd is missing (tools/depends.sh makes it)"
	# The unit as make install writes it, with a drop-in that keeps
	# the host's boot out (no sysinit.target: nothing but this unit
	# runs) and configures a switch.
	mkdir units units/vknetd.service.d
	sed "s,@SBINDIR@,$(top)/usr.sbin/vknetd,g" \
	    "$(top)/etc/systemd/vknetd.service.in" >units/vknetd.service
	# The binary is the tree's, which may be in /tmp or a home (CI
	# clones anywhere): the unit's PrivateTmp and ProtectHome would
	# hide it, so the test's drop-in lets it be seen.
	cat >units/vknetd.service.d/test.conf <<-EOF
		[Unit]
		DefaultDependencies=no
		[Service]
		Environment="VKNETD_FLAGS=-t vksd0 198.51.100.1/24"
		PrivateTmp=no
		ProtectHome=no
	EOF
	printf '[Unit]\nDescription=test\nDefaultDependencies=no\n' \
	    >units/test.target
	# pid 1 of new mount, pid, network, UTS, IPC and cgroup namespaces,
	# with a /run and /proc of its own; its console is boot.log.  Its
	# cgroup tree is a cgroup of the test's own, so that systemds of
	# tests run at the same time never meet.
	cg=vknet-test-$$
	echo "$cg" >cgroup
	unshare -m -p -f -n -u -i --propagation private sh -ec '
		mount -t proc proc /proc
		mount -t tmpfs tmpfs /run
		mount -t tmpfs tmpfs /sys/fs/cgroup
		mount -t cgroup2 cgroup2 /sys/fs/cgroup
		mkdir "/sys/fs/cgroup/$2"
		echo $$ >"/sys/fs/cgroup/$2/cgroup.procs"
		umount /sys/fs/cgroup
		mount --bind "$1" /etc/systemd/system
		exec unshare -C sh -ec "
			mount -t cgroup2 cgroup2 /sys/fs/cgroup
			exec env container=vknet-test /lib/systemd/systemd \
			    --system --unit=test.target --log-target=console"
	' boot "$PWD/units" "$cg" >boot.log 2>&1 &
	echo $! >unshare
	n=0
	until sd=$(pgrep -P "$(cat unshare)") && echo "$sd" >sd &&
	    [ "$(insd systemctl is-system-running 2>/dev/null)" = running ]; do
		[ $((n += 1)) -lt 100 ] || atf_fail "systemd did not boot:" \
		    "$(cat boot.log)"
		sleep 0.1
	done

	# atf_check runs programs, not shell functions.
	in="nsenter -t $(cat sd) -m -p -n --"
	atf_check $in systemctl start vknetd
	pid=$(insd cat /run/vknetd.pid)
	confined_in "$pid"
	# A guest, which tells its pid as the switch sees it.
	insd "$(top)/usr.bin/vknet/vknet" -E /run/vknet sh -c \
	    'echo $$ >/run/guest; exec sleep 60' &
	n=0
	until insd "$vknetd" -s -p /run/vknet 2>/dev/null |
	    grep -Eq " client +$(insd cat /run/guest 2>/dev/null) "; do
		[ $((n += 1)) -lt 50 ] || atf_fail "the guest did not connect"
		sleep 0.1
	done
	guest=$(insd cat /run/guest)

	# systemctl reload: the same main pid, the guest still there.
	atf_check $in systemctl reload vknetd
	n=0
	until insd "$vknetd" -s -p /run/vknet 2>/dev/null >stats &&
	    grep -q 'reloaded [0-9]' stats; do
		[ $((n += 1)) -lt 50 ] || atf_fail "no reload: $(cat stats)"
		sleep 0.1
	done
	atf_check -o inline:"MainPID=$pid\n" \
	    $in systemctl show -p MainPID vknetd
	atf_check -o match:" client +$guest " cat stats
	confined_in "$pid"

	# The switch process dies: a new one, the guest still there.
	w=$(insd pgrep -P "$pid")
	atf_check $in kill -KILL "$w"
	n=0
	until new=$(insd pgrep -P "$pid") && [ "$new" != "$w" ] &&
	    insd "$vknetd" -s -p /run/vknet >stats 2>/dev/null; do
		[ $((n += 1)) -lt 50 ] || atf_fail "no new switch process"
		sleep 0.1
	done
	atf_check -o match:" client +$guest " cat stats
	atf_check -o inline:'ActiveState=active\n' \
	    $in systemctl show -p ActiveState vknetd

	# vknetd itself dies of a fault: torn down, and Restart=on-failure
	# brings it back.
	atf_check $in kill -SEGV "$pid"
	n=0
	until new=$(insd cat /run/vknetd.pid 2>/dev/null) &&
	    [ "$new" != "$pid" ] && insd test -S /run/vknet; do
		[ $((n += 1)) -lt 100 ] || atf_fail "not restarted:" \
		    "$(insd systemctl status vknetd)"
		sleep 0.1
	done
	confined_in "$new"

	atf_check $in systemctl stop vknetd
	atf_check -s not-exit:0 $in test -e /run/vknet
	atf_check -s not-exit:0 $in test -e /run/vknetd.pid
	atf_check -s not-exit:0 -e ignore $in ip link show vksd0
}
systemd_service_cleanup()
{
	# pid 1 of the namespaces: everything in them goes with it, but
	# for the test's cgroup, emptied, which is removed deepest first.
	[ -f sd ] && kill -KILL "$(cat sd)" 2>/dev/null
	[ -f cgroup ] && unshare -m --propagation private sh -c '
		mount -t cgroup2 cgroup2 /mnt || exit
		n=0
		while [ -d "/mnt/$1" ] && [ $((n += 1)) -lt 50 ]; do
			find "/mnt/$1" -depth -type d -exec rmdir {} + \
			    2>/dev/null || sleep 0.1
		done' cleanup "$(cat cgroup)"
	true
}

atf_init_test_cases()
{
	atf_add_test_case install_files
	atf_add_test_case rc_script
	atf_add_test_case systemd_unit
	atf_add_test_case unit_capabilities
	atf_add_test_case systemd_service
}
