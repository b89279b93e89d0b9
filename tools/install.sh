#!/bin/sh
# make install / make uninstall: both directions walk one list, built
# from PREFIX, DESTDIR, PROGS and MANS as the Makefile passes them.
#   PROGS	sbin/vknetd is usr.sbin/vknetd/vknetd -> PREFIX/sbin/vknetd
#   MANS	share/man/man8/vknetd.8 -> PREFIX/share/man/man8/vknetd.8
#   init script	/etc/init.d/vknetd, whatever PREFIX is: where Debian's
#		service(8) and update-rc.d look
#   unit	PREFIX/lib/systemd/system/vknetd.service, on systemd's
#		search path for both /usr/local and /usr
#   config	/etc/default/vknetd, the example: installed only if there
#		is none, removed only if unchanged, so an admin's
#		settings are never lost
# The two service files are told where vknetd went.  uninstall first
# disables the service: it removes the enable links it finds (systemd's
# *.wants and rc?.d), which would otherwise dangle.
# Usage: PREFIX=... DESTDIR=... PROGS=... MANS=... install.sh install|uninstall
set -e
cd "$(dirname "$0")/.."
: "${PREFIX:=/usr/local}"
root=$DESTDIR$PREFIX
conf=$DESTDIR/etc/default/vknetd

# mode source destination
list()
{
	for p in $PROGS; do echo "555 usr.$p/${p#*/} $root/$p"; done
	for m in $MANS; do echo "444 $m $root/$m"; done
	echo "555 etc/rc.d/vknetd $DESTDIR/etc/init.d/vknetd"
	echo "444 etc/systemd/vknetd.service.in" \
	    "$root/lib/systemd/system/vknetd.service"
}

case $1 in
install)
	# All or nothing: every source must be there before we begin.
	list | while read -r mode src dst; do
		[ -e "$src" ] && continue
		echo "install.sh: $src is missing (make first?)" >&2
		exit 1
	done
	list | while read -r mode src dst; do
		echo "install -m $mode $src $dst"
		install -d "${dst%/*}"
		case $src in
		etc/*)	rm -f "$dst"	# it may be read-only
			sed -e "s,^prefix=.*,prefix=$PREFIX," \
			    -e "s,@SBINDIR@,$PREFIX/sbin,g" "$src" >"$dst"
			chmod "$mode" "$dst" ;;
		*)	install -m "$mode" "$src" "$dst" ;;
		esac
	done
	if [ -e "$conf" ]; then
		echo "$conf exists: not replaced"
	else
		echo "install -m 644 etc/default/vknetd $conf"
		install -d "${conf%/*}"
		install -m 644 etc/default/vknetd "$conf"
	fi
	# vknetd refuses to start without the group its socket belongs to,
	# or the user its switch process runs as.
	if [ -z "$DESTDIR" ] && ! getent group vknet >/dev/null; then
		echo "groupadd --system vknet"
		groupadd --system vknet
	fi
	if [ -z "$DESTDIR" ] && ! getent passwd _vknetd >/dev/null; then
		echo "useradd --system --user-group _vknetd"
		useradd --system --user-group --no-create-home \
		    --home-dir /nonexistent --shell /usr/sbin/nologin _vknetd
	fi
	;;
uninstall)
	for l in "$DESTDIR"/etc/systemd/system/*.wants/vknetd.service \
	    "$DESTDIR"/etc/rc[0-6S].d/[SK][0-9][0-9]vknetd; do
		[ -L "$l" ] || continue
		echo "rm -f $l"
		rm -f "$l"
	done
	list | while read -r mode src dst; do
		echo "rm -f $dst"
		rm -f "$dst"
	done
	if cmp -s etc/default/vknetd "$conf"; then
		echo "rm -f $conf"
		rm -f "$conf"
	elif [ -e "$conf" ]; then
		echo "$conf has local changes: kept"
	fi
	;;
*)
	echo "usage: install.sh install|uninstall" >&2
	exit 2
	;;
esac
