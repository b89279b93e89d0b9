#! /usr/bin/env atf-sh
#
# Distribution build flags: a user's CFLAGS, CPPFLAGS and LDFLAGS are
# added to, never needed for include paths, and Debian's hardening
# flags build both programs without a warning.  The build happens in a
# copy of the tree, so the one under test is left alone; the results
# are checked with readelf(1) the way checksec does.

. "$(atf_get_srcdir)/vkt.sh"

# A copy of the sources of both programs in ./src, cleaned.
copy_tree()
{
	mkdir src
	cp -R "$(top)/Makefile" "$(top)/lib" "$(top)/share" \
	    "$(top)/usr.sbin" "$(top)/usr.bin" src/ || atf_fail "copy"
	make -s -C src clean >/dev/null 2>&1
}

atf_test_case user_cflags_added_to
user_cflags_added_to_head()
{
	atf_set descr "make CFLAGS=-O0 builds: the include paths are not" \
	    "in CFLAGS, so replacing CFLAGS does not lose them"
	atf_set timeout 300
}
user_cflags_added_to_body()
{
	copy_tree
	atf_check -o ignore -e ignore make -C src CFLAGS=-O0 CPPFLAGS= \
	    LDFLAGS=
	atf_check -o ignore test -x src/usr.sbin/vknetd/vknetd
	atf_check -o ignore test -x src/usr.bin/vknet/vknet
}

atf_test_case debian_hardening
debian_hardening_head()
{
	atf_set descr "dpkg-buildflags with hardening=+all and" \
	    "-fcf-protection build both programs with -Werror, and the" \
	    "binaries are PIE, full RELRO, with stack canaries and" \
	    "FORTIFY_SOURCE checks"
	atf_set require.progs "dpkg-buildflags readelf"
	atf_set timeout 300
}
debian_hardening_body()
{
	copy_tree
	eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all \
	    dpkg-buildflags --export=sh)"
	CFLAGS="$CFLAGS -fcf-protection"
	export CFLAGS CPPFLAGS LDFLAGS
	atf_check -o ignore -e ignore make -C src WERROR=1
	for p in src/usr.sbin/vknetd/vknetd src/usr.bin/vknet/vknet; do
		readelf -hdlW "$p" >elf || atf_fail "readelf $p"
		grep -q 'Type: *DYN' elf || atf_fail "$p: not PIE"
		grep -q 'GNU_RELRO' elf || atf_fail "$p: no RELRO"
		grep -q 'BIND_NOW' elf || atf_fail "$p: no BIND_NOW"
		readelf -sW "$p" >syms || atf_fail "readelf -s $p"
		grep -q '__stack_chk_fail' syms ||
		    atf_fail "$p: no stack canary"
		grep -q '_chk@' syms || atf_fail "$p: no FORTIFY symbols"
	done
}

atf_init_test_cases()
{
	atf_add_test_case user_cflags_added_to
	atf_add_test_case debian_hardening
}
