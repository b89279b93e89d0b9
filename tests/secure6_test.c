/*
 * Secure mode with IPv6 (issue 12), against the real host stack behind
 * the TAP: each case starts vknetd with an IPv6 prefix in a namespace
 * of its own and attacks it the way a guest on a client port would,
 * with neighbour discovery frames built byte by byte.  Where the
 * attack is about the host's neighbour table, the same attack is made
 * against an unfiltered switch (-U) first, to show that it would work
 * there: a test that cannot fail proves nothing.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vkt.h"

#define NET6		"2001:db8:1::1/64"
#define HOST6		"2001:db8:1::1"
#define VICTIM6		"2001:db8:1::11"
#define ATTACKER6	"2001:db8:1::12"

enum { A = 1, B };			/* clients' MACs are vkt_mac(n) */

static void
ip6(uint8_t a[16], const char *s)
{
	ATF_REQUIRE_MSG(inet_pton(AF_INET6, s, a) == 1, "%s", s);
}

/* The all-nodes group, ff02::1, and its MAC. */
static void
all_nodes(struct fr_addrs6 *ad)
{
	static const uint8_t mac[MAC_LEN] = { 0x33, 0x33, 0, 0, 0, 1 };

	memcpy(ad->dst, mac, MAC_LEN);
	ip6(ad->dip, "ff02::1");
}

/*
 * Client `who' (as vkt_mac(who), from address src) asks the host for
 * its MAC, as a guest does before it talks to it; the host notes the
 * guest's MAC from the option as it answers.
 */
static void
solicit_host(int fd, unsigned int who, const char *src)
{
	static const uint8_t mac[MAC_LEN] = { 0x33, 0x33, 0xff, 0, 0, 1 };
	struct fr_addrs6 ad;
	uint8_t f[128], target[16];

	memcpy(ad.dst, mac, MAC_LEN);
	ip6(ad.dip, "ff02::1:ff00:1");
	vkt_mac(ad.src, who);
	ip6(ad.sip, src);
	ip6(target, HOST6);
	vkt_send(fd, f, fr_nd(f, &ad, ND_NEIGHBOR_SOLICIT, 0, target,
	    ad.src));
}

/* Client `who' advertises, unasked, that `target' is at its MAC. */
static size_t
advertise(uint8_t *f, unsigned int who, const char *src, const char *target)
{
	struct fr_addrs6 ad;
	uint8_t t[16];

	all_nodes(&ad);
	vkt_mac(ad.src, who);
	ip6(ad.sip, src);
	ip6(t, target);
	return (fr_nd(f, &ad, ND_NEIGHBOR_ADVERT, ND_NA_OVERRIDE, t, ad.src));
}

/* A secure switch with NET6, its TAP observed, and two clients. */
static pid_t
secure_pair(int c[2], int *obs)
{
	pid_t pid;

	vkt_setup();
	vkt_ipv6();
	pid = vkt_daemon(VKT_NET, NET6, NULL);
	*obs = vkt_observer();
	c[0] = vkt_client();
	c[1] = vkt_client();
	return (pid);
}

/* The link-local address the kernel gave the TAP, as text. */
static void
host_link_local(char *buf, size_t len)
{
	struct vkt_run r;
	const char *p;

	vkt_run(&r, NULL, "/sbin/ip", "-6", "-o", "addr", "show", "dev",
	    vkt_tap, "scope", "link", NULL);
	ATF_REQUIRE_MSG((p = strstr(r.out, "inet6 fe80:")) != NULL,
	    "%s has no link-local address: %s", vkt_tap, vkt_flat(r.out));
	p += strlen("inet6 ");
	ATF_REQUIRE(len > strcspn(p, "/"));
	snprintf(buf, strcspn(p, "/") + 1, "%s", p);
}

/* Does the host's neighbour entry for addr name client who's MAC? */
static int
host_neighbour_is(const char *addr, unsigned int who)
{
	struct vkt_run r;
	uint8_t mac[MAC_LEN];
	char want[32];

	vkt_mac(mac, who);
	snprintf(want, sizeof(want), "lladdr %02x:%02x:%02x:%02x:%02x:%02x",
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	vkt_run(&r, NULL, "/sbin/ip", "-6", "neigh", "show", addr, "dev",
	    vkt_tap, NULL);
	return (strstr(r.out, want) != NULL);
}

/* B is known to the host at VICTIM6; then A says VICTIM6 is A. */
static int
poison_victim_entry(void)
{
	uint8_t f[128];
	int c[2];

	c[0] = vkt_client();
	c[1] = vkt_client();
	solicit_host(c[1], B, VICTIM6);
	vkt_nap(200);
	ATF_REQUIRE_MSG(host_neighbour_is(VICTIM6, B),
	    "the host did not learn B at " VICTIM6);
	vkt_send(c[0], f, advertise(f, A, ATTACKER6, VICTIM6));
	vkt_nap(200);
	vkt_close(c[0]);
	vkt_close(c[1]);
	return (host_neighbour_is(VICTIM6, A));
}

VKT_TC(nd_spoof_moves_host_entry_unsecure,
    "Without secure mode, an unsolicited advertisement for another "
    "guest's address moves the host's neighbour entry to the attacker")
{
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	vkt_ipv6();
	pid = vkt_daemon("-U", NULL);
	vkt_run(&r, NULL, "/sbin/ip", "-6", "addr", "add", NET6, "nodad",
	    "dev", vkt_tap, NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "ip addr add: %s", vkt_flat(r.err));
	ATF_CHECK_MSG(poison_victim_entry(),
	    "the attack failed even unfiltered: the test shows nothing");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(guest_cannot_poison_host_nd_for_another,
    "A client that advertises another client's IPv6 address is dropped: "
    "the host's neighbour entry stays the victim's")
{
	pid_t pid;

	vkt_setup();
	vkt_ipv6();
	pid = vkt_daemon(VKT_NET, NET6, NULL);
	ATF_CHECK_MSG(!poison_victim_entry(),
	    "the host's entry for " VICTIM6 " moved to the attacker");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(guest_cannot_pose_as_host6,
    "A client's advertisements for the host's global or link-local "
    "address reach neither the host nor another client")
{
	char host_ll[INET6_ADDRSTRLEN];
	uint8_t f[128];
	int c[2], obs;
	pid_t pid;

	pid = secure_pair(c, &obs);
	host_link_local(host_ll, sizeof(host_ll));
	vkt_send(c[0], f, advertise(f, A, ATTACKER6, HOST6));
	vkt_expect_none(c[1], "B, A's advertisement of the host's address",
	    VKT_NONE_MS);
	vkt_expect_none(obs, "TAP, A's advertisement of the host's address",
	    0);
	vkt_send(c[0], f, advertise(f, A, ATTACKER6, host_ll));
	vkt_expect_none(c[1], "B, A's advertisement of the host's "
	    "link-local address", VKT_NONE_MS);
	vkt_send(c[0], f, advertise(f, A, host_ll, ATTACKER6));
	vkt_expect_none(c[1], "B, A speaking from the host's link-local "
	    "address", VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(guest_router_advertisement_reaches_nobody,
    "A client's router advertisement and redirect reach neither the "
    "host nor another client (RA guard); its echo request does")
{
	/* RA: hop limit 64, router lifetime 1800 s; a redirect. */
	static const uint8_t ra[16] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08 };
	static const uint8_t redirect[40] = { 137 };
	static const uint8_t echo[8] = { 128, 0, 0, 0, 0, 1, 0, 1 };
	struct fr_addrs6 ad;
	uint8_t f[128];
	size_t n;
	int c[2], obs;
	pid_t pid;

	pid = secure_pair(c, &obs);
	all_nodes(&ad);
	vkt_mac(ad.src, A);
	ip6(ad.sip, "fe80::12");
	vkt_send(c[0], f, fr_icmp6(f, &ad, ra, sizeof(ra)));
	vkt_expect_none(c[1], "B, A's router advertisement", VKT_NONE_MS);
	vkt_expect_none(obs, "TAP, A's router advertisement", 0);
	vkt_send(c[0], f, fr_icmp6(f, &ad, redirect, sizeof(redirect)));
	vkt_expect_none(c[1], "B, A's redirect", VKT_NONE_MS);
	vkt_expect_none(obs, "TAP, A's redirect", 0);
	n = fr_icmp6(f, &ad, echo, sizeof(echo));
	vkt_send(c[0], f, n);
	vkt_expect(c[1], "B, A's echo request to all nodes", f, n);
	vkt_expect(obs, "TAP, A's echo request to all nodes", f, n);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(ipv6_address_on_tap_and_gone_at_exit,
    "The IPv6 operand is the TAP's address, usable at once (no DAD), "
    "and taken away at exit from a TAP that outlives vknetd")
{
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	vkt_ipv6();
	ATF_REQUIRE_EQ(system("ip tuntap add dev vkt6 mode tap"), 0);
	pid = vkt_daemon("-t", "vkt6", NET6, NULL);
	vkt_run(&r, NULL, "/sbin/ip", "-6", "addr", "show", "dev", "vkt6",
	    NULL);
	ATF_CHECK_MSG(strstr(r.out, "inet6 " NET6) != NULL,
	    "no %s on vkt6: %s", NET6, vkt_flat(r.out));
	ATF_CHECK_MSG(strstr(r.out, NET6 " scope global tentative") == NULL,
	    "the address waits for DAD: %s", vkt_flat(r.out));
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	vkt_run(&r, NULL, "/sbin/ip", "-6", "addr", "show", "dev", "vkt6",
	    NULL);
	ATF_CHECK_MSG(strstr(r.out, "2001:db8:1::1") == NULL,
	    "the address outlived vknetd: %s", vkt_flat(r.out));
}

VKT_TC(ipv6_only_secure_mode,
    "With only an IPv6 prefix, IPv4 and ARP never reach the host; "
    "neighbour discovery does")
{
	uint8_t f[128];
	struct fr_arp a = { .op = ARP_REQUEST };
	size_t n;
	int c, obs;
	pid_t pid;

	vkt_setup();
	vkt_ipv6();
	pid = vkt_daemon(NET6, NULL);
	obs = vkt_observer();
	c = vkt_client();
	vkt_mac(a.sha, A);
	a.spa = vkt_ip("198.51.100.2");
	a.tpa = vkt_ip("198.51.100.1");
	vkt_send(c, f, fr_arp(f, fr_bcast, a.sha, &a));
	vkt_expect_none(obs, "TAP, ARP with no IPv4 subnet", VKT_NONE_MS);
	n = advertise(f, A, ATTACKER6, ATTACKER6);
	vkt_send(c, f, n);
	vkt_expect(obs, "TAP, A's advertisement of its own address", f, n);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(ipv6_disabled_on_tap_named,
    "On an interface with IPv6 disabled, the IPv6 operand is refused "
    "with the sysctl to change, and nothing is left behind")
{
	struct vkt_run r;

	vkt_setup();			/* IPv6 off on new interfaces */
	vkt_run(&r, NULL, VKNETD_PATH, "-d", "-p", VKT_SOCK, "-i",
	    VKT_PIDFILE, NET6, NULL);
	ATF_CHECK_EQ_MSG(r.status, 1, "exit %d: %s", r.status,
	    vkt_flat(r.err));
	ATF_CHECK_MSG(strstr(r.err, "IPv6 is disabled there (sysctl "
	    "net.ipv6.conf.") != NULL, "no reason given: %s",
	    vkt_flat(r.err));
	ATF_CHECK(!vkt_exists(VKT_SOCK) && !vkt_exists(VKT_PIDFILE));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, nd_spoof_moves_host_entry_unsecure);
	ATF_TP_ADD_TC(tp, guest_cannot_poison_host_nd_for_another);
	ATF_TP_ADD_TC(tp, guest_cannot_pose_as_host6);
	ATF_TP_ADD_TC(tp, guest_router_advertisement_reaches_nobody);
	ATF_TP_ADD_TC(tp, ipv6_address_on_tap_and_gone_at_exit);
	ATF_TP_ADD_TC(tp, ipv6_only_secure_mode);
	ATF_TP_ADD_TC(tp, ipv6_disabled_on_tap_named);
	return (atf_no_error());
}
