#! /usr/bin/env atf-sh
#
# The Debian package, as an admin meets it: debian/ builds with
# dpkg-buildpackage -us -uc -b in a copy of the tree, lintian finds no
# error in it, and it installs, removes and purges with the real dpkg
# and the real maintainer scripts in a throwaway root.
#
# The throwaway root is an overlay of the host's / with a tmpfs on top,
# mounted in a mount namespace of the test's own (unshare -m) and
# entered with chroot: whatever dpkg and the scripts write lands in the
# tmpfs and is gone with the namespace; the host is never changed.
# The group vknet is deleted in there first, so that its creation by
# sysusers.d is seen.  Nothing is started and no network is used.

. "$(atf_get_srcdir)/vkt.sh"

need_tools()
{
	for p in dpkg-buildpackage dh lintian fakeroot; do
		command -v $p >/dev/null || atf_skip "$p is missing" \
		    "(tools/depends.sh check installs dpkg-dev, debhelper," \
		    "lintian, fakeroot)"
	done
}

# build: the package from a clean copy of the tree, into deb.
build()
{
	mkdir src
	(cd "$(top)" && tar -cf - --exclude=.git --exclude='*.o' .) |
	    (cd src && tar -xf -)
	atf_check -o ignore make -C src clean
	(cd src && dpkg-buildpackage -us -uc -b) >build.log 2>&1 ||
	    { tail -n 30 build.log >&2; atf_fail "dpkg-buildpackage failed"; }
	version=$(dpkg-parsechangelog -l src/debian/changelog -S Version)
	deb=$PWD/vknet_${version}_$(dpkg --print-architecture).deb
	[ -f "$deb" ] || atf_fail "no $deb"
}

# inroot SCRIPT: run the sh SCRIPT chrooted in the throwaway root, in
# which the package is /vknet.deb.
inroot()
{
	unshare -m --propagation private sh -ec '
		t=$1
		mount -t tmpfs vknet-deb-test "$t"
		mkdir "$t/u" "$t/w" "$t/m"
		mount -t overlay vknet-deb-test \
		    -o "lowerdir=/,upperdir=$t/u,workdir=$t/w" "$t/m"
		mount -t proc proc "$t/m/proc"
		mount --bind /dev "$t/m/dev"
		cp "$2" "$t/m/vknet.deb"
		chroot "$t/m" /bin/sh -ec "$3"
	' inroot "$PWD/root" "$deb" "$1"
}

atf_test_case build_install_purge
build_install_purge_head()
{
	atf_set descr "dpkg-buildpackage builds vknet_VERSION_ARCH.deb with" \
	    "the files, conffiles and build flags expected; lintian says" \
	    "no error; it installs without enabling or starting anything," \
	    "and purge leaves only the vknet group"
	atf_set require.user root
	atf_set require.progs unshare chroot
	atf_set timeout 300
}
build_install_purge_body()
{
	need_tools
	build
	dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sort >files
	cat >want <<-EOF
	./etc/default/vknetd
	./etc/init.d/vknetd
	./lib/systemd/system/vknetd.service
	./usr/bin/vknet
	./usr/lib/sysusers.d/vknet.conf
	./usr/sbin/vknetd
	./usr/share/doc/vknet/changelog.gz
	./usr/share/doc/vknet/copyright
	./usr/share/man/man1/vknet.1.gz
	./usr/share/man/man8/vknetd.8.gz
	EOF
	atf_check -o file:want cat files
	atf_check -o inline:"/etc/default/vknetd\n/etc/init.d/vknetd\n" \
	    sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xOf - ./conffiles"
	# Debian's flags reached the compiler and the linker.
	atf_check -o match:'fstack-protector-strong.*_FORTIFY_SOURCE' \
	    grep -m 1 'vknetd.c' build.log
	atf_check -o match:'BIND_NOW' sh -c "dpkg-deb -x '$deb' x &&
	    readelf -d x/usr/sbin/vknetd"
	# The shipped default is inactive: nothing is set.
	atf_check -s exit:1 -o empty grep -v '^#\|^$' x/etc/default/vknetd

	lintian --pedantic -I vknet_*.changes >lintian.out 2>&1
	cat lintian.out
	atf_check -s exit:1 -o empty grep '^E:' lintian.out

	mkdir root
	inroot '
		groupdel vknet 2>/dev/null || true
		names() {
			find / -xdev -name "*vknet*" ! -path "/var/lib/dpkg/*" \
			    ! -path /vknet.deb ! -path "/tmp/*" | sort
		}
		names >/before
		dpkg -i /vknet.deb >/dev/null
		getent group vknet
		test -x /usr/sbin/vknetd
		# Installed, neither enabled nor started.
		! ls /etc/rc?.d/S*vknetd /etc/systemd/system/*.wants/vknetd* \
		    2>/dev/null
		/usr/sbin/vknetd 2>&1 | grep -q "secure mode needs"
		dpkg -r vknet >/dev/null
		test ! -e /usr/sbin/vknetd
		test -f /etc/default/vknetd
		dpkg -P vknet >/dev/null
		echo purged
		names | diff /before - || true
	' >inroot.out 2>&1 || { cat inroot.out >&2; atf_fail "in the root"; }
	cat inroot.out
	atf_check -o match:'^vknet:x:' cat inroot.out
	# Purge leaves nothing named for vknet (the group stays, as
	# Debian's policy has it: files may still belong to it).
	atf_check -o inline:"purged\n" sed -n '/^purged$/,$p' inroot.out
}

atf_init_test_cases()
{
	atf_add_test_case build_install_purge
}
