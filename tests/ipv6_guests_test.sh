#! /usr/bin/env atf-sh
#
# IPv6 through vknetd in secure mode, between real kernel stacks: the
# host is a namespace behind the TAP, each guest a namespace whose only
# interface is a TAP that vde_plug made and joined to the switch
# through vknet -E (see neighbours_test).  The guests ping the host and
# the host pings them, over global and link-local addresses; a guest's
# router advertisements (sent by a real dnsmasq) change nothing on the
# host, while on an unfiltered switch the same advertisements give the
# host a new route, which shows that the test can fail.
#
# Addresses: 198.51.100.0/24 and 2001:db8::/32 only, in namespaces the
# test makes; processes and namespaces are noted and removed by the
# cleanup (vkt.sh).

NET=198.51.100
NET6=2001:db8:1
RA6=2001:db8:99
P=vk6$$-		# the prefix of the namespaces' names

. "$(atf_get_srcdir)/vkt.sh"

# The namespace's own link-local address on IF, once DAD is done.
link_local()
{
	n=0
	while at "$1" ip -6 addr show dev "$2" | grep -q tentative; do
		[ $((n += 1)) -ge 50 ] && atf_fail "$2 in $1: DAD never ends"
		sleep 0.1
	done
	at "$1" ip -6 addr show dev "$2" scope link |
	    sed -n 's/.*inet6 \([^/]*\)\/64.*/\1/p'
}

# A host namespace h with vknetd (ARGS), and guest g on its TAP vk6g0.
host_and_guest()
{
	need_vde
	netns h
	atf_check ip netns exec "${P}h" sysctl -qw \
	    net.ipv6.conf.default.accept_ra=2
	switch h "$@"
	plug h tap://vk6g0
	guest g h vk6g0 "$NET.20"
	atf_check ip netns exec "${P}g" ip -6 addr add "$NET6::20/64" dev vk6g0 nodad
}

atf_test_case ping6_global_and_link_local cleanup
ping6_global_and_link_local_head()
{
	atf_set descr "In secure mode with an IPv6 prefix, a guest's kernel" \
	    "and the host's ping each other over global and link-local" \
	    "addresses"
	atf_set require.user root
	atf_set require.progs ip ps ping
	atf_set timeout 60
}
ping6_global_and_link_local_body()
{
	host_and_guest "$NET.1/24" "$NET6::1/64"
	tap=$(cat h.tap)
	ping_ok g "$NET6::1"
	ping_ok h "$NET6::20"
	ping_ok g "$(link_local h "$tap")%vk6g0"
	ping_ok h "$(link_local g vk6g0)%$tap"
	ping_ok g "$NET.1"
}
ping6_global_and_link_local_cleanup()
{
	cleanup
}

# A guest's dnsmasq advertises $RA6::/64 as a router; wait up to 6 s
# for the host to take a route from it.
advertise_route()
{
	link_local g vk6g0 >/dev/null
	atf_check ip netns exec "${P}g" ip -6 addr add "$RA6::2/64" dev vk6g0 nodad
	bg g dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
	    --user=root --group=root --pid-file= --interface=vk6g0 \
	    --bind-interfaces --enable-ra --ra-param=vk6g0,4 \
	    --dhcp-range="$RA6::,ra-only,64"
	n=0
	until at h ip -6 route show | grep -q "$RA6::/64"; do
		[ $((n += 1)) -ge 60 ] && return 1
		sleep 0.1
	done
}

atf_test_case guest_ra_changes_nothing_on_host cleanup
guest_ra_changes_nothing_on_host_head()
{
	atf_set descr "A guest's router advertisements (dnsmasq) give the" \
	    "host no route or address in secure mode"
	atf_set require.user root
	atf_set require.progs ip ps dnsmasq
	atf_set timeout 60
}
guest_ra_changes_nothing_on_host_body()
{
	host_and_guest "$NET.1/24" "$NET6::1/64"
	if advertise_route; then
		atf_fail "the host took a route from a guest: $(at h ip -6 \
		    route show)"
	fi
	atf_check -o not-match:"$RA6" ip netns exec "${P}h" ip -6 addr show
	atf_check -o not-match:"default" ip netns exec "${P}h" ip -6 route show
	ping_ok g "$NET6::1"
}
guest_ra_changes_nothing_on_host_cleanup()
{
	cleanup
}

atf_test_case guest_ra_reaches_host_unsecure cleanup
guest_ra_reaches_host_unsecure_head()
{
	atf_set descr "Without secure mode the same advertisements give the" \
	    "host a route: the test above can fail"
	atf_set require.user root
	atf_set require.progs ip ps dnsmasq
	atf_set timeout 60
}
guest_ra_reaches_host_unsecure_body()
{
	host_and_guest -U
	advertise_route || atf_fail "dnsmasq's advertisements gave the" \
	    "host no route even unfiltered: $(at h ip -6 route show)"
}
guest_ra_reaches_host_unsecure_cleanup()
{
	cleanup
}

atf_init_test_cases()
{
	atf_add_test_case ping6_global_and_link_local
	atf_add_test_case guest_ra_changes_nothing_on_host
	atf_add_test_case guest_ra_reaches_host_unsecure
}
