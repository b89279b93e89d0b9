/*
 * Integration tests of vknetd(8): each case starts the real daemon in
 * a network namespace of its own (see vkt.h) and checks, frame by
 * frame, what its clients and the host kernel behind its TAP get.
 */
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vkt.h"

#define PEER_IP		"198.51.100.2"	/* client A's address */
#define HOST_IP		"198.51.100.1"
#define OUTSIDE_IP	"203.0.113.7"
#define OTHER_NET	"203.0.113.1/24"
#define NCLIENTS	1000
#define NSTALL		20000
#define RACE_STARTS	50
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

enum { A = 1, B, C };			/* clients' MACs are vkt_mac(n) */

static const uint8_t nobody[MAC_LEN] = { 0x02, 0, 0, 0, 0, 0xfe };

/*
 * Frames.  Most go to "nobody": unknown, so flooded everywhere, yet
 * not addressed to the host, so its kernel silently ignores them.
 */
static void
addrs(struct fr_addrs *ad, const uint8_t *dst, const char *sip,
    const char *dip)
{
	memcpy(ad->dst, dst, MAC_LEN);
	vkt_mac(ad->src, A);
	ad->sip = vkt_ip(sip);
	ad->dip = vkt_ip(dip);
}

static size_t
arp_from(uint8_t *f, unsigned int sha, const char *spa)
{
	struct fr_arp a = { .op = ARP_REQUEST };
	uint8_t src[MAC_LEN];

	vkt_mac(src, A);
	vkt_mac(a.sha, sha);
	a.spa = vkt_ip(spa);
	a.tpa = vkt_ip("198.51.100.3");
	return (fr_arp(f, fr_bcast, src, &a));
}

static size_t
udp_from(uint8_t *f, const char *sip, uint16_t sport, uint16_t dport)
{
	struct fr_addrs ad;

	addrs(&ad, nobody, sip, HOST_IP);
	return (fr_udp(f, &ad, sport, dport, "vkt", 3));
}

static size_t
icmp_from(uint8_t *f, const char *sip)
{
	struct fr_echo e = { ICMP_ECHO, 1, 1 };
	struct fr_addrs ad;

	addrs(&ad, nobody, sip, HOST_IP);
	return (fr_icmp_echo(f, &ad, &e, "vkt", 3));
}

/* Recompute the IPv4 header checksum after spoiling the header. */
static void
ip_resum(uint8_t *f)
{
	uint16_t sum;

	f[ETHER_HDR + 10] = f[ETHER_HDR + 11] = 0;
	sum = fr_cksum(f + ETHER_HDR, FR_IP_HDR, 0);
	f[ETHER_HDR + 10] = sum >> 8;
	f[ETHER_HDR + 11] = sum & 0xff;
}

static size_t
c_arp(uint8_t *f)
{
	return (arp_from(f, A, PEER_IP));
}

static size_t
c_arp_probe(uint8_t *f)
{
	return (arp_from(f, A, "0.0.0.0"));
}

static size_t
c_arp_spoofed(uint8_t *f)
{
	return (arp_from(f, 9, PEER_IP));
}

static size_t
c_arp_outside(uint8_t *f)
{
	return (arp_from(f, A, OUTSIDE_IP));
}

static size_t
c_udp(uint8_t *f)
{
	return (udp_from(f, PEER_IP, 5000, 5000));
}

static size_t
c_udp_outside(uint8_t *f)
{
	return (udp_from(f, OUTSIDE_IP, 5000, 5000));
}

static size_t
c_icmp(uint8_t *f)
{
	return (icmp_from(f, PEER_IP));
}

static size_t
c_icmp_outside(uint8_t *f)
{
	return (icmp_from(f, OUTSIDE_IP));
}

static size_t
c_icmp_zero(uint8_t *f)
{
	return (icmp_from(f, "0.0.0.0"));
}

static size_t
c_tcp(uint8_t *f)
{
	uint8_t syn[20] = { 0x9c, 0x40, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0,
	    0x50, 0x02, 0xff, 0xff };
	struct fr_addrs ad;
	uint16_t sum;

	addrs(&ad, nobody, PEER_IP, HOST_IP);
	sum = fr_cksum(syn, sizeof(syn), fr_pseudo(&ad, IPPROTO_TCP,
	    sizeof(syn)));
	syn[16] = sum >> 8;
	syn[17] = sum & 0xff;
	return (fr_ipv4(f, &ad, IPPROTO_TCP, syn, sizeof(syn)));
}

static size_t
c_dhcp(uint8_t *f)
{
	uint8_t bootp[244];
	struct fr_addrs ad;

	memset(bootp, 0, sizeof(bootp));
	bootp[0] = 1;			/* BOOTREQUEST */
	bootp[1] = 1;			/* Ethernet */
	bootp[2] = MAC_LEN;
	bootp[4] = 0x5a;		/* transaction id */
	vkt_mac(bootp + 28, A);
	memcpy(bootp + 236, "\x63\x82\x53\x63\x35\x01\x01\xff", 8);
	addrs(&ad, fr_bcast, "0.0.0.0", "255.255.255.255");
	return (fr_udp(f, &ad, 68, 67, bootp, sizeof(bootp)));
}

static size_t
c_zero_dns(uint8_t *f)
{
	return (udp_from(f, "0.0.0.0", 68, 53));
}

static size_t
c_zero_sport(uint8_t *f)
{
	return (udp_from(f, "0.0.0.0", 1234, 67));
}

static size_t
c_ipv6(uint8_t *f)
{
	uint8_t src[MAC_LEN], *ip;

	vkt_mac(src, A);
	ip = f + fr_ether(f, nobody, src, ETHERTYPE_IPV6);
	memset(ip, 0, 48);
	ip[0] = 0x60;
	ip[5] = 8;			/* payload length */
	ip[6] = IPPROTO_UDP;
	ip[7] = 64;
	ip[8] = ip[24] = 0xfe;		/* fe80::1 > fe80::2 */
	ip[9] = ip[25] = 0x80;
	ip[23] = 1;
	ip[39] = 2;
	ip[40] = ip[42] = 0x13;		/* ports 5000 */
	ip[41] = ip[43] = 0x88;
	ip[45] = 8;
	return (ETHER_HDR + 48);
}

static size_t
c_exptype(uint8_t *f)
{
	uint8_t src[MAC_LEN];

	vkt_mac(src, A);
	return (vkt_frame(f, nobody, src, 1));
}

static size_t
c_gre(uint8_t *f)
{
	static const uint8_t gre[4] = { 0, 0, 0x08, 0x00 };
	struct fr_addrs ad;

	addrs(&ad, nobody, PEER_IP, HOST_IP);
	return (fr_ipv4(f, &ad, IPPROTO_GRE, gre, sizeof(gre)));
}

static size_t
c_ip_ihl(uint8_t *f)
{
	size_t n = c_udp(f);

	f[ETHER_HDR] = 0x44;
	ip_resum(f);
	return (n);
}

static size_t
c_ip_cut(uint8_t *f)
{
	(void)c_udp(f);
	return (ETHER_HDR + 12);
}

static size_t
c_ip_totlen(uint8_t *f)
{
	size_t n = c_udp(f);

	f[ETHER_HDR + 2] = 1000 >> 8;
	f[ETHER_HDR + 3] = 1000 & 0xff;
	ip_resum(f);
	return (n);
}

static size_t
c_ip_version(uint8_t *f)
{
	size_t n = c_udp(f);

	f[ETHER_HDR] = 0x65;
	ip_resum(f);
	return (n);
}

static const struct filter_case {
	const char	*name;
	int		 secure_pass;	/* reaches the TAP in secure mode */
	size_t		(*build)(uint8_t *);
} filter_cases[] = {
	{ "ARP from the subnet", 1, c_arp },
	{ "ARP probe from 0.0.0.0", 1, c_arp_probe },
	{ "ARP with a spoofed sender MAC", 0, c_arp_spoofed },
	{ "ARP from outside the subnet", 0, c_arp_outside },
	{ "UDP from the subnet", 1, c_udp },
	{ "UDP from 203.0.113.7", 0, c_udp_outside },
	{ "ICMP echo from the subnet", 1, c_icmp },
	{ "ICMP echo from 203.0.113.7", 0, c_icmp_outside },
	{ "TCP SYN from the subnet", 1, c_tcp },
	{ "DHCP discover 0.0.0.0:68 > 255.255.255.255:67", 1, c_dhcp },
	{ "UDP 0.0.0.0:68 > port 53", 0, c_zero_dns },
	{ "UDP 0.0.0.0:1234 > port 67", 0, c_zero_sport },
	{ "ICMP echo from 0.0.0.0", 0, c_icmp_zero },
	{ "IPv6", 0, c_ipv6 },
	{ "ethertype 0x88b5", 0, c_exptype },
	{ "GRE from the subnet", 0, c_gre },
	{ "IPv4 header length 16", 0, c_ip_ihl },
	{ "IPv4 header cut short", 0, c_ip_cut },
	{ "IPv4 total length past the frame", 0, c_ip_totlen },
	{ "IPv4 version 6 in an IPv4 frame", 0, c_ip_version },
};

/* Legal everywhere; what follows a case shows whether the case came. */
static size_t
marker(uint8_t *f, unsigned int i)
{
	struct fr_addrs ad;
	char text[16];

	addrs(&ad, nobody, PEER_IP, HOST_IP);
	snprintf(text, sizeof(text), "marker %u", i);
	return (fr_udp(f, &ad, 5001, 5001, text, strlen(text)));
}

/*
 * Send every filter case from client A, each followed by a marker; the
 * TAP must see exactly the cases the mode lets through and client B
 * all of them, unfiltered.
 */
static void
check_filter(int secure)
{
	uint8_t f[FRAME_MAX], m[FRAME_MAX];
	const struct filter_case *fc;
	char what[128];
	int obs, a, b, pass;
	size_t i, n, mn;

	obs = vkt_observer();
	a = vkt_client();
	b = vkt_client();
	for (i = 0; i < nitems(filter_cases); i++) {
		fc = &filter_cases[i];
		pass = fc->secure_pass || !secure;
		n = fc->build(f);
		mn = marker(m, (unsigned int)i);
		vkt_send(a, f, n);
		vkt_send(a, m, mn);
		snprintf(what, sizeof(what), "TAP, %s", fc->name);
		if (pass)
			vkt_expect(obs, what, f, n);
		snprintf(what, sizeof(what), pass ? "TAP, marker after %s" :
		    "TAP, %s must be blocked", fc->name);
		vkt_expect(obs, what, m, mn);
		snprintf(what, sizeof(what), "client B, %s", fc->name);
		vkt_expect(b, what, f, n);
		vkt_expect(b, "client B, marker", m, mn);
	}
}

/*
 * Helpers.
 */
static int *
clients(int *c, int n)
{
	int i;

	for (i = 0; i < n; i++)
		c[i] = vkt_client();
	return (c);
}

/* Client src sends a broadcast; the others and the TAP must get it. */
static void
announce(const int *c, int n, int obs, int src)
{
	uint8_t f[64];
	size_t len;
	int i;

	vkt_send_tagged(c[src - 1], fr_bcast, (unsigned int)src, 0x1000 +
	    (uint32_t)src, f, &len);
	for (i = 0; i < n; i++)
		if (i != src - 1)
			vkt_expect(c[i], "announcement", f, len);
	vkt_expect(obs, "TAP, announcement", f, len);
}

static void
still_forwards(void)
{
	uint8_t f[64];
	size_t len;
	int a, b;

	a = vkt_client();
	b = vkt_client();
	vkt_send_tagged(a, fr_bcast, A, 42, f, &len);
	vkt_expect(b, "client B, broadcast from A", f, len);
	vkt_close(a);
	vkt_close(b);
}

static void
require_stopped_clean(pid_t pid, const char *tap)
{
	ATF_REQUIRE_EQ_MSG(vkt_stop(pid), 0, "exit status after SIGTERM");
	ATF_REQUIRE_MSG(!vkt_exists(VKT_SOCK), "socket left behind");
	ATF_REQUIRE_MSG(!vkt_exists(VKT_PIDFILE), "pidfile left behind");
	ATF_REQUIRE_MSG(!vkt_if_exists(tap), "TAP %s left behind", tap);
}

static void
require_addr(const char *ifname, const char *want)
{
	in_addr_t a;

	ATF_REQUIRE_MSG(vkt_if_addr(ifname, &a) == 0, "%s has no IPv4 "
	    "address, expected %s", ifname, want);
	ATF_REQUIRE_MSG(a == vkt_ip(want), "%s has the wrong address",
	    ifname);
}

static void
require_no_addr(const char *ifname)
{
	in_addr_t a;

	ATF_REQUIRE_MSG(vkt_if_addr(ifname, &a) == -1, "%s has an "
	    "IPv4 address", ifname);
}

/* A vkpeer has joined once its gratuitous ARP reaches the TAP. */
static void
await_peer(int obs, unsigned int n)
{
	uint8_t f[VKT_BUFSZ], mac[MAC_LEN];
	ssize_t len;

	vkt_mac(mac, n);
	do {
		if ((len = vkt_recv(obs, f, VKT_RUN_MS)) == -1)
			atf_tc_fail("vkpeer %u not heard from on the TAP", n);
	} while (len < ETHER_HDR || memcmp(f + MAC_LEN, mac, MAC_LEN) != 0);
}

static pid_t
spawn_peer(const char *mac, const char *ip)
{
	const char *argv[] = { VKPEER_PATH, "-p", VKT_SOCK, "-m", mac, "-a",
	    ip, NULL };

	return (vkt_spawn(NULL, argv));
}

static int
count_lines(const char *text, const char *prefix)
{
	const char *p;
	int n = 0;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		n += strncmp(p, prefix, strlen(prefix)) == 0;
	}
	return (n);
}

/*
 * Switching.
 */
VKT_TC(broadcast_flooded_not_echoed,
    "A broadcast from each client reaches the other clients and the "
    "TAP, never the sender")
{
	uint8_t f[3][64];
	size_t n[3];
	int c[3], obs, i, j;
	pid_t pid;
	char what[64];

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	obs = vkt_observer();
	clients(c, 3);
	for (i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "198.51.100.%d", i + 2);
		n[i] = arp_from(f[i], A, what);
		vkt_mac(f[i] + MAC_LEN, (unsigned int)i + 1);
		vkt_mac(f[i] + ETHER_HDR + 8, (unsigned int)i + 1);
		vkt_send(c[i], f[i], n[i]);
		vkt_expect(obs, "TAP", f[i], n[i]);
	}
	for (j = 0; j < 3; j++)
		for (i = 0; i < 3; i++) {
			if (i == j)
				continue;
			snprintf(what, sizeof(what), "client %d gets client "
			    "%d's broadcast", j + 1, i + 1);
			vkt_expect(c[j], what, f[i], n[i]);
		}
	for (j = 0; j < 3; j++) {
		snprintf(what, sizeof(what), "client %d, after the others' "
		    "broadcasts", j + 1);
		vkt_expect_none(c[j], what, VKT_NONE_MS);
	}
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(learned_unicast_goes_to_one_port,
    "Unicast to a learned MAC goes only to its port, nowhere if that "
    "is the sender's")
{
	uint8_t f[64], mac[MAC_LEN];
	int c[3], obs;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	obs = vkt_observer();
	clients(c, 3);
	announce(c, 3, obs, B);
	vkt_mac(mac, B);
	vkt_send_tagged(c[0], mac, A, 1, f, &n);
	vkt_expect(c[1], "B, unicast to it", f, n);
	vkt_expect_none(c[2], "C, unicast to B", VKT_NONE_MS);
	vkt_expect_none(obs, "TAP, unicast to B", 0);
	vkt_expect_none(c[0], "A, its own unicast", 0);
	/* A was learned from that unicast: the answer goes to A alone. */
	vkt_mac(mac, A);
	vkt_send_tagged(c[1], mac, B, 2, f, &n);
	vkt_expect(c[0], "A, unicast to it", f, n);
	vkt_expect_none(c[2], "C, unicast to A", VKT_NONE_MS);
	vkt_expect_none(obs, "TAP, unicast to A", 0);
	/* To a MAC behind the port it came from: no copy anywhere. */
	vkt_send_tagged(c[0], mac, 7, 3, f, &n);
	vkt_expect_none(c[0], "A, unicast between its own MACs",
	    VKT_NONE_MS);
	vkt_expect_none(c[1], "B, unicast between A's MACs", 0);
	vkt_expect_none(c[2], "C, unicast between A's MACs", 0);
	vkt_expect_none(obs, "TAP, unicast between A's MACs", 0);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(unknown_unicast_flooded,
    "Unicast to an unknown MAC reaches every port but the sender's")
{
	uint8_t f[64];
	int c[3], obs;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	obs = vkt_observer();
	clients(c, 3);
	vkt_send_tagged(c[0], nobody, A, 1, f, &n);
	vkt_expect(c[1], "B, unknown unicast", f, n);
	vkt_expect(c[2], "C, unknown unicast", f, n);
	vkt_expect(obs, "TAP, unknown unicast", f, n);
	vkt_expect_none(c[0], "A, its own unknown unicast", VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(aging_forgets_after_A_seconds,
    "With -A 1 a MAC not heard from for 3 s is flooded to again")
{
	uint8_t f[64], mac[MAC_LEN];
	int c[3], obs;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", "-A", "1", NULL);
	obs = vkt_observer();
	clients(c, 3);
	announce(c, 3, obs, B);
	vkt_mac(mac, B);
	vkt_send_tagged(c[0], mac, A, 1, f, &n);
	vkt_expect(c[1], "B, while learned", f, n);
	vkt_expect_none(c[2], "C, while B is learned", VKT_NONE_MS);
	sleep(3);
	vkt_send_tagged(c[0], mac, A, 2, f, &n);
	vkt_expect(c[1], "B, after aging", f, n);
	vkt_expect(c[2], "C, flooded after B aged out", f, n);
	vkt_expect(obs, "TAP, flooded after B aged out", f, n);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(mac_move_follows_new_port,
    "A MAC seen on another port moves there")
{
	uint8_t f[64], x[MAC_LEN];
	int c[3], obs;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	obs = vkt_observer();
	clients(c, 3);
	vkt_mac(x, 5);
	vkt_send_tagged(c[1], fr_bcast, 5, 1, f, &n);
	vkt_expect(c[0], "A, X announced on B", f, n);
	vkt_expect(c[2], "C, X announced on B", f, n);
	vkt_expect(obs, "TAP, X announced on B", f, n);
	vkt_send_tagged(c[0], x, A, 2, f, &n);
	vkt_expect(c[1], "B, unicast to X", f, n);
	vkt_expect_none(c[2], "C, unicast to X on B", VKT_NONE_MS);
	vkt_send_tagged(c[2], fr_bcast, 5, 3, f, &n);
	vkt_expect(c[0], "A, X announced on C", f, n);
	vkt_expect(c[1], "B, X announced on C", f, n);
	vkt_expect(obs, "TAP, X announced on C", f, n);
	vkt_send_tagged(c[0], x, A, 4, f, &n);
	vkt_expect(c[2], "C, unicast to X after the move", f, n);
	vkt_expect_none(c[1], "B, unicast to X after the move", VKT_NONE_MS);
	vkt_expect_none(obs, "TAP, unicast to X after the move", 0);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(close_purges_port_macs,
    "When a client disconnects its MACs are forgotten and flooded to")
{
	uint8_t f[64], mac[MAC_LEN];
	int c[3], obs;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	obs = vkt_observer();
	clients(c, 3);
	announce(c, 3, obs, B);
	vkt_mac(mac, B);
	vkt_send_tagged(c[0], mac, A, 1, f, &n);
	vkt_expect(c[1], "B, while connected", f, n);
	vkt_expect_none(c[2], "C, while B is connected", VKT_NONE_MS);
	vkt_close(c[1]);
	vkt_send_tagged(c[0], mac, A, 2, f, &n);
	vkt_expect(c[2], "C, flooded after B left", f, n);
	vkt_expect(obs, "TAP, flooded after B left", f, n);
	vkt_expect_none(c[0], "A, its own flood", VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(group_source_dropped,
    "Frames from a broadcast or multicast source MAC go nowhere")
{
	static const uint8_t group[3][MAC_LEN] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
	};
	uint8_t f[64], m[64], mac[MAC_LEN];
	int c[2], obs, i;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	obs = vkt_observer();
	clients(c, 2);
	vkt_mac(mac, A);
	for (i = 0; i < 3; i++) {
		vkt_send(c[0], f, vkt_frame(f, fr_bcast, group[i], 1));
		vkt_send(c[0], f, vkt_frame(f, nobody, group[i], 2));
	}
	n = vkt_frame(m, fr_bcast, mac, 3);
	vkt_send(c[0], m, n);
	vkt_expect(c[1], "B: the next frame after group-source ones", m, n);
	vkt_expect(obs, "TAP: the next frame after group-source ones", m, n);
	vkt_expect_none(c[1], "B, after the legal frame", VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Secure mode and -U.
 */
VKT_TC(secure_filter,
    "Secure mode lets only ARP and ICMP, UDP, TCP from the subnet into "
    "the TAP, while clients still get everything")
{
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	check_filter(1);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(unsecure_passes_everything,
    "With -U and no address every frame reaches the TAP")
{
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	require_no_addr(vkt_tap);
	ATF_REQUIRE_MSG(vkt_if_up(vkt_tap), "TAP %s is down", vkt_tap);
	check_filter(0);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Traffic with the host and between peers.
 */
VKT_TC(kernel_pings_client_through_tap,
    "ping(8) on the host gets answers from a client through the TAP")
{
	struct vkt_run r;
	pid_t pid, peer;
	int obs;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	obs = vkt_observer();
	peer = spawn_peer("02:00:00:00:00:02", PEER_IP);
	await_peer(obs, 2);
	vkt_run(&r, NULL, "ping", "-c", "3", "-W", "2", PEER_IP, NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "ping exited %d: %s%s", r.status,
	    vkt_flat(r.out), vkt_flat(r.err));
	ATF_REQUIRE_MSG(strstr(r.out, " 3 received") != NULL,
	    "not all 3 echoes answered: %s", vkt_flat(r.out));
	ATF_REQUIRE_EQ_MSG(vkt_stop(peer), 0, "vkpeer exit after SIGTERM");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(client_pings_kernel_through_tap,
    "vkpeer -P pings the host's address through the TAP")
{
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	vkt_run(&r, NULL, VKPEER_PATH, "-p", VKT_SOCK, "-m",
	    "02:00:00:00:00:02", "-a", PEER_IP, "-P", HOST_IP, "-c", "3",
	    NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "vkpeer exited %d: %s", r.status,
	    vkt_flat(r.err));
	ATF_REQUIRE_EQ_MSG(count_lines(r.out, "reply from " HOST_IP ": seq="),
	    3, "vkpeer printed: %s", vkt_flat(r.out));
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(peers_ping_each_other,
    "One vkpeer pings another across the switch")
{
	struct vkt_run r;
	pid_t pid, peer;
	int obs;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	obs = vkt_observer();
	peer = spawn_peer("02:00:00:00:00:03", "198.51.100.3");
	await_peer(obs, 3);
	vkt_run(&r, NULL, VKPEER_PATH, "-p", VKT_SOCK, "-m",
	    "02:00:00:00:00:02", "-a", PEER_IP, "-P", "198.51.100.3", "-c",
	    "2", NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "vkpeer exited %d: %s", r.status,
	    vkt_flat(r.err));
	ATF_REQUIRE_EQ_MSG(count_lines(r.out, "reply from 198.51.100.3: "),
	    2, "vkpeer printed: %s", vkt_flat(r.out));
	ATF_REQUIRE_EQ_MSG(vkt_stop(peer), 0, "vkpeer exit after SIGTERM");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Load.
 */
VKT_TC(stalled_client_does_not_block,
    "A client that never reads does not hold up the others")
{
	uint8_t f[64];
	char what[64];
	int c[3];
	size_t n;
	pid_t pid;
	uint32_t i;

	vkt_setup();
	/* Broadcasts as fast as B reads: no storm control (-L 0). */
	pid = vkt_daemon("-U", "-L", "0", NULL);
	clients(c, 3);			/* c[2] never reads */
	for (i = 0; i < NSTALL; i++) {
		vkt_send_tagged(c[0], fr_bcast, A, i, f, &n);
		snprintf(what, sizeof(what), "B, frame %u of %d", i, NSTALL);
		vkt_expect(c[1], what, f, n);
	}
	ATF_REQUIRE_MSG(vkt_alive(pid), "vknetd died");
	vkt_close(c[2]);
	c[2] = vkt_client();
	vkt_send_tagged(c[0], fr_bcast, A, NSTALL, f, &n);
	vkt_expect(c[2], "a new client after the stall", f, n);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

static int
any_readable(const int *fd, int n, int skip, int ms)
{
	struct pollfd *pfd;
	int i, rc;

	if ((pfd = calloc((size_t)n, sizeof(*pfd))) == NULL)
		atf_tc_fail("calloc");
	for (i = 0; i < n; i++) {
		pfd[i].fd = i == skip ? -1 : fd[i];
		pfd[i].events = POLLIN;
	}
	rc = poll(pfd, (nfds_t)n, ms);
	free(pfd);
	return (rc);
}

VKT_TC(thousand_clients,
    "1000 clients: unicast reaches exactly the last one, broadcast all")
{
	uint8_t f[64], mac[MAC_LEN], first[MAC_LEN];
	char what[64];
	int c[NCLIENTS], obs, i;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	vkt_raise_nofile(NCLIENTS + 64);
	obs = vkt_observer();
	c[0] = vkt_client();
	vkt_mac(first, 1);
	vkt_send_tagged(c[0], fr_bcast, 1, 0, f, &n);
	vkt_expect(obs, "TAP, client 1's broadcast", f, n);
	for (i = 1; i < NCLIENTS; i++) {
		c[i] = vkt_connect(VKT_SOCK);
		vkt_send_tagged(c[i], first, (unsigned int)i + 1, (uint32_t)i, f,
		    &n);
		snprintf(what, sizeof(what), "client 1 from client %d", i + 1);
		vkt_expect(c[0], what, f, n);
	}
	vkt_sync();
	vkt_mac(mac, NCLIENTS);
	vkt_send_tagged(c[0], mac, 1, NCLIENTS, f, &n);
	vkt_expect(c[NCLIENTS - 1], "the last client, unicast to it", f, n);
	ATF_REQUIRE_EQ_MSG(any_readable(c, NCLIENTS, NCLIENTS - 1,
	    VKT_NONE_MS), 0, "another client got the unicast too");
	vkt_send_tagged(c[0], fr_bcast, 1, NCLIENTS + 1, f, &n);
	vkt_expect(c[NCLIENTS - 1], "the last client, broadcast", f, n);
	for (i = 1; i < NCLIENTS - 1; i++) {
		snprintf(what, sizeof(what), "client %d, broadcast", i + 1);
		vkt_expect(c[i], what, f, n);
	}
	ATF_REQUIRE_MSG(vkt_alive(pid), "vknetd died");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(bad_sizes_dropped_port_kept,
    "0, 13 and 8321-byte messages are dropped; 14 and 8320 pass intact "
    "and the port stays usable")
{
	static const size_t bad[] = { 0, 13, FRAME_MAX + 1 };
	static uint8_t f[FRAME_MAX + 1];
	uint8_t g[64], mac[MAC_LEN];
	int c[2];
	size_t i, n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	clients(c, 2);
	vkt_mac(mac, A);
	fr_ether(f, fr_bcast, mac, VKT_EXPTYPE);
	for (i = ETHER_HDR; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7);
	for (i = 0; i < nitems(bad); i++)
		vkt_send(c[0], f, bad[i]);
	vkt_send(c[0], f, FRAME_MIN);
	vkt_send(c[0], f, FRAME_MAX);
	vkt_expect(c[1], "B, the 14-byte frame", f, FRAME_MIN);
	vkt_expect(c[1], "B, the 8320-byte frame", f, FRAME_MAX);
	vkt_expect_none(c[1], "B, after the legal frames", VKT_NONE_MS);
	vkt_expect_none(c[0], "A, after its bad messages", 0);
	vkt_send_tagged(c[1], fr_bcast, B, 1, g, &n);
	vkt_expect(c[0], "A, still connected", g, n);
	vkt_send_tagged(c[0], fr_bcast, A, 2, g, &n);
	vkt_expect(c[1], "B, from A after the bad messages", g, n);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Issue 12: one frame from the TAP's MAC moved that MAC to the
 * sender's port, and every other guest's unicast to the host went to
 * the attacker instead.
 */
VKT_TC(guest_cannot_take_host_mac,
    "A client frame from the host's MAC is dropped; unicast to the "
    "host still reaches the host, not the client")
{
	uint8_t host[MAC_LEN], f[64];
	int c[2], obs;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	obs = vkt_observer();
	clients(c, 2);
	vkt_if_mac(vkt_tap, host);
	n = vkt_frame(f, fr_bcast, host, 1);
	vkt_send(c[0], f, n);
	vkt_expect_none(c[1], "B, A's frame from the host's MAC",
	    VKT_NONE_MS);
	vkt_expect_none(obs, "TAP, A's frame from the host's MAC", 0);
	/* B to the host: the host gets it, A does not. */
	vkt_send_tagged(c[1], host, B, 2, f, &n);
	vkt_expect(obs, "TAP, B's unicast to the host", f, n);
	vkt_expect_none(c[0], "A, B's unicast to the host", VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Issue 12: one guest filled the MAC table with invented source
 * addresses, and all unicast of guests that came later was flooded to
 * every port, readable by every guest.
 */
VKT_TC(mac_flood_leaves_later_guests_learned,
    "A client sending from 17000 MACs is held to its -M share; clients "
    "after it are learned and their unicast reaches only its port")
{
	uint8_t f[64], mac[MAC_LEN];
	int c[3], i;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	c[0] = vkt_client();
	for (i = 0; i < 17000; i++) {
		vkt_mac(mac, 1000 + (unsigned int)i);
		n = vkt_frame(f, fr_bcast, mac, (uint32_t)i);
		vkt_send(c[0], f, n);
	}
	c[1] = vkt_client();
	c[2] = vkt_client();
	vkt_send_tagged(c[2], fr_bcast, C, 1, f, &n);
	vkt_expect(c[1], "B, C's broadcast", f, n);
	vkt_mac(mac, C);
	vkt_send_tagged(c[1], mac, B, 2, f, &n);
	vkt_expect(c[2], "C, B's unicast to it", f, n);
	/* A floods B's answer: it must not get it. */
	while (vkt_recv(c[0], f, 0) != -1)
		;
	vkt_mac(mac, B);
	vkt_send_tagged(c[2], mac, C, 3, f, &n);
	vkt_expect(c[1], "B, C's unicast to it", f, n);
	vkt_expect_none(c[0], "A, C's unicast to B", VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Issue 12: an ARP request from the attacker with the victim's address
 * and its own MAC passed the rules, moved the host's neighbour entry
 * for the victim to the attacker, and a datagram "from" the victim sent
 * by the attacker then reached a host socket.
 */
static size_t
arp_as(uint8_t *f, unsigned int who, const char *spa, const char *tpa)
{
	struct fr_arp a = { .op = ARP_REQUEST };
	uint8_t src[MAC_LEN];

	vkt_mac(src, who);
	vkt_mac(a.sha, who);
	a.spa = vkt_ip(spa);
	a.tpa = vkt_ip(tpa);
	return (fr_arp(f, fr_bcast, src, &a));
}

static int
host_udp_socket(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd;

	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = vkt_ip(HOST_IP);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		atf_tc_fail("UDP socket on %s: %s", HOST_IP, strerror(errno));
	return (fd);
}

VKT_TC(guest_cannot_poison_host_arp_for_another,
    "A client that claims another client's IPv4 address (ARP, source) "
    "is dropped: the host's neighbour entry and sockets stay the victim's")
{
	static const char *victim_ip = "198.51.100.11";
	uint8_t f[128], vmac[MAC_LEN];
	char want[64];
	struct pollfd pfd = { .events = POLLIN };
	struct fr_addrs ad;
	struct vkt_run r;
	int c[2];
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	clients(c, 2);			/* A attacks, B is the victim */
	pfd.fd = host_udp_socket(5000);
	/* B owns .11: the host learns it from B's ARP. */
	n = arp_as(f, B, victim_ip, HOST_IP);
	vkt_send(c[1], f, n);
	vkt_nap(200);
	vkt_mac(vmac, B);
	mac_fmt(want, vmac);
	vkt_run(&r, NULL, "/sbin/ip", "neigh", "show", victim_ip, NULL);
	ATF_REQUIRE_MSG(strstr(r.out, want) != NULL,
	    "the host did not learn B at %s: %s", victim_ip, r.out);
	/* A claims .11 with its own MAC, by ARP and by a datagram. */
	n = arp_as(f, A, victim_ip, HOST_IP);
	vkt_send(c[0], f, n);
	memset(&ad, 0, sizeof(ad));
	vkt_if_mac(vkt_tap, ad.dst);
	vkt_mac(ad.src, A);
	ad.sip = vkt_ip(victim_ip);
	ad.dip = vkt_ip(HOST_IP);
	n = fr_udp(f, &ad, 5000, 5000, "spoof", 5);
	vkt_send(c[0], f, n);
	vkt_nap(200);
	vkt_run(&r, NULL, "/sbin/ip", "neigh", "show", victim_ip, NULL);
	ATF_CHECK_MSG(strstr(r.out, want) != NULL,
	    "the host's entry for %s moved: %s", victim_ip, r.out);
	ATF_CHECK_MSG(poll(&pfd, 1, VKT_NONE_MS) == 0,
	    "a datagram from the spoofed %s reached a host socket",
	    victim_ip);
	/* Nor may A speak as the victim to B. */
	vkt_expect_none(c[1], "B, A's ARP as B", 0);
	close(pfd.fd);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Issue 12: an echo request "from" the subnet's broadcast address made
 * the host broadcast its reply to every guest; ARP opcode 3 reached
 * the TAP.  (Written by the secure-mode branch, against the real host.)
 */
VKT_TC(reserved_sources_and_odd_arp_never_reach_the_host,
    "Echo requests from the subnet's broadcast, network or host address "
    "and ARP with opcode 3 do not reach the TAP")
{
	static const char *const srcs[] = { "198.51.100.255",
	    "198.51.100.0", HOST_IP };
	struct fr_echo e = { .type = ICMP_ECHO, .id = 7, .seq = 1 };
	struct fr_arp arp;
	struct fr_addrs a;
	uint8_t f[128];
	int attacker, obs;
	unsigned int i;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	obs = vkt_observer();
	attacker = vkt_client();
	vkt_if_mac(vkt_tap, a.dst);
	vkt_mac(a.src, A);
	a.dip = vkt_ip(HOST_IP);
	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		a.sip = vkt_ip(srcs[i]);
		n = fr_icmp_echo(f, &a, &e, "ping", 4);
		vkt_send(attacker, f, n);
		vkt_expect_none(obs, srcs[i], VKT_NONE_MS);
	}
	memset(&arp, 0, sizeof(arp));
	arp.op = 3;
	memcpy(arp.sha, a.src, MAC_LEN);
	arp.spa = vkt_ip(PEER_IP);
	arp.tpa = vkt_ip(HOST_IP);
	n = fr_arp(f, fr_bcast, a.src, &arp);
	vkt_send(attacker, f, n);
	vkt_expect_none(obs, "TAP, ARP opcode 3", VKT_NONE_MS);
	/* The same request from the attacker's own address does pass. */
	a.sip = vkt_ip(PEER_IP);
	n = fr_icmp_echo(f, &a, &e, "ping", 4);
	vkt_send(attacker, f, n);
	vkt_expect(obs, "TAP, echo from a guest's address", f, n);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Issue 13: 32 or more empty messages queued ahead of a frame were
 * taken for end of file once the peer had closed, and the frame lost;
 * and a peer that closed with frames unread lost what it had sent
 * (the first read says ECONNRESET).  In every other round A leaves a
 * frame unread.
 */
VKT_TC(empty_messages_before_close_are_not_eof,
    "40 empty messages, a frame, then close: the frame is forwarded")
{
	struct pollfd pfd = { .events = POLLIN };
	uint8_t f[64];
	int c[2], i, round;
	size_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	clients(c, 2);
	for (round = 0; round < 6; round++) {
		vkt_send_tagged(c[1], fr_bcast, B, (uint32_t)round, f, &n);
		if (round % 2 == 0)
			vkt_expect(c[0], "A, B's broadcast", f, n);
		else {
			pfd.fd = c[0];
			ATF_REQUIRE(poll(&pfd, 1, VKT_WAIT_MS) == 1);
		}
		/* All of it queued before the daemon reads any of it. */
		ATF_REQUIRE_EQ(kill(pid, SIGSTOP), 0);
		vkt_nap(20);
		for (i = 0; i < 40; i++)
			ATF_REQUIRE(send(c[0], f, 0, 0) == 0);
		vkt_send_tagged(c[0], fr_bcast, A, (uint32_t)round, f, &n);
		close(c[0]);
		ATF_REQUIRE_EQ(kill(pid, SIGCONT), 0);
		vkt_expect(c[1], "B, the frame A sent before it closed",
		    f, n);
		vkt_close(-1);	/* closed already: wait for vknetd to see it */
		c[0] = vkt_client();
	}
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Life cycle.
 */
static void
require_refused(struct vkt_run *r)
{
	ATF_REQUIRE_MSG(r->status != 0, "second instance exited 0");
	ATF_REQUIRE_MSG(r->err[0] != '\0', "second instance said nothing");
}

static void
require_first_intact(pid_t pid)
{
	ATF_REQUIRE_MSG(vkt_alive(pid), "first instance died");
	ATF_REQUIRE_EQ_MSG(vkt_pidfile(VKT_PIDFILE), pid,
	    "pidfile no longer names the first instance");
	ATF_REQUIRE_MSG(vkt_exists(VKT_SOCK), "socket gone");
	require_addr(vkt_tap, HOST_IP);
	still_forwards();
}

/* Room for vknetd's reserve of 32 descriptors and a few ports. */
static void
two_ports(void)
{
	struct rlimit rl = { 32 + 2, 32 + 2 };

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		_exit(126);
}

VKT_TC(refused_connections_logged_unlimited,
    "5000 connections refused for a full port table make one log line, "
    "not one each")
{
	struct vkt_run r;
	const char *p;
	pid_t pid;
	int i, fd, lines = 0;

	vkt_setup();
	vkt_daemon_prep = two_ports;
	pid = vkt_daemon(VKT_NET, NULL);
	vkt_daemon_prep = NULL;
	/* The first 16 are held, filling the table; the rest come and go. */
	for (i = 0; i < 16 + 5000; i++) {
		if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1)
			atf_tc_fail("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&(struct sockaddr_un){
		    .sun_family = AF_UNIX, .sun_path = VKT_SOCK },
		    sizeof(struct sockaddr_un)) == -1)
			atf_tc_fail("connect %d: %s", i, strerror(errno));
		if (i >= 16)
			close(fd);
	}
	vkt_nap(VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	vkt_output(pid, &r);
	for (p = r.err; (p = strstr(p, "connection refused")) != NULL; p++)
		lines++;
	ATF_REQUIRE_MSG(lines >= 1, "no refusal logged: %s", vkt_flat(r.err));
	ATF_REQUIRE_MSG(lines <= 2, "%d refusals logged: %s", lines,
	    vkt_flat(r.err));
}

VKT_TC(second_instance_refused_same_socket,
    "A second vknetd on the same socket exits non-zero; the first "
    "still forwards")
{
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	vkt_run(&r, NULL, VKNETD_PATH, "-d", "-p", VKT_SOCK, "-i",
	    "./other.pid", OTHER_NET, NULL);
	require_refused(&r);
	ATF_REQUIRE_MSG(!vkt_exists("./other.pid"), "other.pid left behind");
	require_first_intact(pid);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(second_instance_refused_same_pidfile,
    "A second vknetd with the same pidfile exits non-zero; the first "
    "still forwards")
{
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	vkt_run(&r, NULL, VKNETD_PATH, "-d", "-p", "./other.sock", "-i",
	    VKT_PIDFILE, OTHER_NET, NULL);
	require_refused(&r);
	ATF_REQUIRE_MSG(!vkt_exists("./other.sock"),
	    "other.sock left behind");
	require_first_intact(pid);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Issue 13: the pidfile was opened through a symlink (libbsd's
 * pidfile_open), so root truncated and wrote whatever file it named.
 */
VKT_TC(pidfile_symlink_not_followed,
    "A symlink at the pidfile's path is refused, and the file it names "
    "is left as it was")
{
	struct vkt_run r;
	struct stat sb;
	char buf[16] = "";
	FILE *fp;

	vkt_setup();
	ATF_REQUIRE((fp = fopen("victim", "w")) != NULL);
	fputs("secret\n", fp);
	fclose(fp);
	ATF_REQUIRE(chmod("victim", 0600) == 0);
	ATF_REQUIRE(symlink("victim", "link.pid") == 0);
	vkt_run(&r, NULL, VKNETD_PATH, "-d", "-p", VKT_SOCK, "-i",
	    "./link.pid", VKT_NET, NULL);
	ATF_CHECK_EQ_MSG(r.status, 1, "exit %d: %s", r.status,
	    vkt_flat(r.err));
	ATF_CHECK_MSG(strstr(r.err, "link.pid: is a symlink") != NULL,
	    "no reason given: %s", vkt_flat(r.err));
	ATF_REQUIRE((fp = fopen("victim", "r")) != NULL);
	ATF_CHECK(fgets(buf, sizeof(buf), fp) != NULL);
	fclose(fp);
	ATF_CHECK_STREQ_MSG(buf, "secret\n", "the victim was written");
	ATF_REQUIRE(stat("victim", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0600);
	ATF_CHECK(!vkt_exists(VKT_SOCK));
}

/*
 * Issue 13: in a directory another user can write, a name can be
 * swapped for a symlink between bind() and chown(); root then gave the
 * symlink's target to group vknet.  Such directories are refused,
 * sticky ones (like /tmp) allowed.
 */
VKT_TC(socket_dir_writable_by_others_refused,
    "A socket or pidfile in a directory others can write, not sticky, "
    "is refused with the reason; in a sticky one it is made")
{
	static const char *const dirs[] = { "open", "group" };
	static const mode_t modes[] = { 0777, 0775 };
	char sock[64], pidf[64];
	struct vkt_run r;
	size_t i;
	pid_t pid;

	vkt_setup();
	for (i = 0; i < nitems(dirs); i++) {
		ATF_REQUIRE(mkdir(dirs[i], 0700) == 0 &&
		    chmod(dirs[i], modes[i]) == 0);
		snprintf(sock, sizeof(sock), "./%s/s", dirs[i]);
		vkt_run(&r, NULL, VKNETD_PATH, "-d", "-p", sock, "-i",
		    "./p.pid", VKT_NET, NULL);
		ATF_CHECK_EQ_MSG(r.status, 1, "%s: exit %d: %s", dirs[i],
		    r.status, vkt_flat(r.err));
		ATF_CHECK_MSG(strstr(r.err, "and not sticky") != NULL,
		    "%s: no reason given: %s", dirs[i], vkt_flat(r.err));
		ATF_CHECK(!vkt_exists(sock));
		snprintf(pidf, sizeof(pidf), "./%s/p.pid", dirs[i]);
		vkt_run(&r, NULL, VKNETD_PATH, "-d", "-p", VKT_SOCK, "-i",
		    pidf, VKT_NET, NULL);
		ATF_CHECK_EQ_MSG(r.status, 1, "%s pidfile: exit %d: %s",
		    dirs[i], r.status, vkt_flat(r.err));
		ATF_CHECK(!vkt_exists(pidf));
	}
	ATF_REQUIRE(mkdir("sticky", 0700) == 0 && chmod("sticky", 01777) == 0);
	pid = vkt_daemon("-p", "./sticky/s", "-i", "./sticky/p.pid", VKT_NET,
	    NULL);
	ATF_CHECK(vkt_exists("./sticky/s"));
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/* SIGTERM the daemon a pidfile names; wait until it has gone. */
static void
stop_daemonized(const char *pidpath)
{
	pid_t pid = vkt_pidfile(pidpath);
	int i;

	ATF_REQUIRE_MSG(pid > 0, "%s names no process", pidpath);
	kill(pid, SIGTERM);
	for (i = 0; i < 500 && kill(pid, 0) == 0; i++)
		vkt_nap(10);
	ATF_REQUIRE_MSG(kill(pid, 0) == -1, "vknetd %d did not exit",
	    (int)pid);
}

/* Swap the name for a symlink to victim, as fast as we can, until killed. */
static void
swap_for_symlink(const char *name)
{
	for (;;) {
		(void)unlink(name);
		(void)symlink("victim", name);
	}
}

/*
 * The same race, won on purpose: a process swaps the control socket's
 * name for a symlink to a root-only file while vknetd starts, again
 * and again.  However each start ends, the file stays root's, 0600.
 */
VKT_TC(socket_setup_never_follows_a_symlink,
    "While the socket's name is swapped for a symlink during start-up, "
    "50 starts never chown or chmod the file it names")
{
	struct stat sb;
	pid_t racer;
	int i, fd, started = 0;

	vkt_setup();
	ATF_REQUIRE((fd = open("victim", O_CREAT | O_WRONLY, 0600)) != -1);
	close(fd);
	if ((racer = fork()) == 0)
		swap_for_symlink("./s.ctl");
	ATF_REQUIRE(racer != -1);
	vkt_adopt(racer);
	for (i = 0; i < RACE_STARTS; i++) {
		/* Without -d: it returns once ready, or on failure. */
		if (system(VKNETD_PATH " -p ./s -i ./p.pid -U >/dev/null "
		    "2>&1") == 0) {
			started++;
			stop_daemonized("./p.pid");
		}
		if (stat("victim", &sb) == -1 || sb.st_uid != 0 ||
		    sb.st_gid != 0 || (sb.st_mode & 07777) != 0600)
			atf_tc_fail("start %d: the victim is now %o %u:%u", i,
			    sb.st_mode & 07777, sb.st_uid, sb.st_gid);
	}
	printf("%d of %d starts got past the socket set-up\n", started,
	    RACE_STARTS);
}

static void
make_stale_socket(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		atf_tc_fail("stale socket %s: %s", path, strerror(errno));
	close(fd);
}

VKT_TC(stale_socket_replaced,
    "A socket file nobody listens on, or a killed daemon's, is replaced")
{
	pid_t pid;

	vkt_setup();
	make_stale_socket(VKT_SOCK);
	pid = vkt_daemon(VKT_NET, NULL);
	still_forwards();
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);

	pid = vkt_daemon(VKT_NET, NULL);
	ATF_REQUIRE_EQ(vkt_kill(pid, SIGKILL), 128 + SIGKILL);
	ATF_REQUIRE_MSG(vkt_exists(VKT_SOCK), "no socket left by SIGKILL");
	pid = vkt_daemon(VKT_NET, NULL);
	still_forwards();
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(sigterm_cleans_up,
    "On SIGTERM or SIGINT vknetd exits 0, removing its socket, pidfile "
    "and the TAP it created")
{
	static const int sigs[] = { SIGTERM, SIGINT };
	char tap[IFNAMSIZ];
	pid_t pid;
	size_t i;

	vkt_setup();
	for (i = 0; i < nitems(sigs); i++) {
		pid = vkt_daemon(VKT_NET, NULL);
		memcpy(tap, vkt_tap, sizeof(tap));
		ATF_REQUIRE_EQ_MSG(vkt_pidfile(VKT_PIDFILE), pid,
		    "pidfile does not hold the daemon's pid");
		ATF_REQUIRE_EQ_MSG(vkt_kill(pid, sigs[i]), 0,
		    "exit status after signal %d", sigs[i]);
		ATF_REQUIRE_MSG(!vkt_exists(VKT_SOCK), "socket left behind");
		ATF_REQUIRE_MSG(!vkt_exists(VKT_PIDFILE),
		    "pidfile left behind");
		ATF_REQUIRE_MSG(!vkt_if_exists(tap), "TAP %s left behind",
		    tap);
	}
}

VKT_TC(bridge_option,
    "-b creates the bridge, enslaves the TAP and puts the address on "
    "the bridge")
{
	char drv[32], master[IFNAMSIZ];
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-b", "vkbr0", VKT_NET, NULL);
	ATF_REQUIRE_MSG(vkt_if_exists("vkbr0"), "no vkbr0");
	vkt_if_driver("vkbr0", drv, sizeof(drv));
	ATF_REQUIRE_STREQ_MSG(drv, "bridge", "vkbr0 is not a bridge");
	vkt_if_master(vkt_tap, master);
	ATF_REQUIRE_STREQ_MSG(master, "vkbr0", "TAP %s not in vkbr0",
	    vkt_tap);
	require_addr("vkbr0", HOST_IP);
	require_no_addr(vkt_tap);
	vkt_run(&r, NULL, VKPEER_PATH, "-p", VKT_SOCK, "-m",
	    "02:00:00:00:00:02", "-a", PEER_IP, "-P", HOST_IP, "-c", "2",
	    NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "no ping through the bridge: %s%s",
	    vkt_flat(r.out), vkt_flat(r.err));
	require_stopped_clean(pid, vkt_tap);
}

VKT_TC(automatic_tap_named_on_stdout,
    "Without -t vknetd creates a tapN and prints its name on stdout")
{
	char drv[32];
	size_t len;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	len = strlen(vkt_tap);
	ATF_REQUIRE_MSG(len > 3 && strncmp(vkt_tap, "tap", 3) == 0 &&
	    strspn(vkt_tap + 3, "0123456789") == len - 3,
	    "\"%s\" is not tapN", vkt_tap);
	ATF_REQUIRE_MSG(vkt_if_exists(vkt_tap), "no interface %s", vkt_tap);
	vkt_if_driver(vkt_tap, drv, sizeof(drv));
	ATF_REQUIRE_STREQ_MSG(drv, "tun", "%s is not a TAP", vkt_tap);
	ATF_REQUIRE_MSG(vkt_if_up(vkt_tap), "%s is down", vkt_tap);
	require_addr(vkt_tap, HOST_IP);
	require_stopped_clean(pid, vkt_tap);
}

VKT_TC(socket_mode_0660_group_vknet,
    "The socket is a SOCK_SEQPACKET socket of mode 0660, group vknet")
{
	struct group *gr;
	struct stat sb;
	socklen_t len;
	pid_t pid;
	int fd, type;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	if (lstat(VKT_SOCK, &sb) == -1 || (gr = getgrnam("vknet")) == NULL)
		atf_tc_fail("%s: %s", VKT_SOCK, strerror(errno));
	ATF_REQUIRE_MSG(S_ISSOCK(sb.st_mode), "not a socket");
	ATF_REQUIRE_EQ_MSG(sb.st_mode & 07777, 0660, "mode %04o",
	    (unsigned int)(sb.st_mode & 07777));
	ATF_REQUIRE_EQ_MSG(sb.st_gid, gr->gr_gid, "group %u",
	    (unsigned int)sb.st_gid);
	fd = vkt_client();
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		atf_tc_fail("SO_TYPE: %s", strerror(errno));
	ATF_REQUIRE_EQ_MSG(type, SOCK_SEQPACKET, "socket type %d", type);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(daemon_mode_ready_on_return,
    "Without -d the parent returns once the socket accepts and the "
    "pidfile names the live daemon")
{
	char sock[100], pidf[100], tap[IFNAMSIZ];
	struct vkt_run r;
	pid_t pid;
	int fd;

	vkt_setup();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		atf_tc_fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	vkt_abspath(sock, sizeof(sock), "vknet.sock");
	vkt_abspath(pidf, sizeof(pidf), "vknetd.pid");
	vkt_run(&r, NULL, VKNETD_PATH, "-p", sock, "-i", pidf, VKT_NET,
	    NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "vknetd exited %d: %s", r.status,
	    vkt_flat(r.err));
	fd = vkt_connect(sock);
	ATF_REQUIRE_MSG((pid = vkt_pidfile(pidf)) > 0, "empty pidfile");
	vkt_adopt(pid);
	ATF_REQUIRE_MSG(vkt_alive(pid), "pid %d from the pidfile is dead",
	    (int)pid);
	r.out[strcspn(r.out, "\n")] = '\0';
	ATF_REQUIRE_MSG(r.out[0] != '\0' && strlen(r.out) < sizeof(tap),
	    "no TAP name on stdout");
	memcpy(tap, r.out, strlen(r.out) + 1);
	ATF_REQUIRE_MSG(vkt_if_exists(tap), "no interface %s", tap);
	vkt_close(fd);
	ATF_REQUIRE_EQ_MSG(vkt_stop(pid), 0, "exit status after SIGTERM");
	ATF_REQUIRE_MSG(!vkt_exists(sock), "socket left behind");
	ATF_REQUIRE_MSG(!vkt_exists(pidf), "pidfile left behind");
	ATF_REQUIRE_MSG(!vkt_if_exists(tap), "TAP %s left behind", tap);
}

/* Nothing but lo, no socket, no pidfile: a failed start left nothing. */
static void
require_nothing_created(const char *args)
{
	struct if_nameindex *ifs;

	ATF_REQUIRE_MSG(!vkt_exists(VKT_SOCK), "%s: socket created", args);
	ATF_REQUIRE_MSG(!vkt_exists(VKT_PIDFILE), "%s: pidfile created",
	    args);
	if ((ifs = if_nameindex()) == NULL)
		atf_tc_fail("if_nameindex: %s", strerror(errno));
	ATF_REQUIRE_MSG(ifs[0].if_name != NULL &&
	    strcmp(ifs[0].if_name, "lo") == 0 && ifs[1].if_name == NULL,
	    "%s: an interface was left behind", args);
	if_freenameindex(ifs);
}

VKT_TC(bad_usage_creates_nothing,
    "Bad options and addresses fail with a message and create nothing")
{
	static const char *const bad[][3] = {
		{ "-x", VKT_NET, NULL },
		{ "-A", "0", VKT_NET },
		{ "-A", "abc", VKT_NET },
		{ "-A", "-5", VKT_NET },
		{ "198.51.100.1/33", NULL, NULL },
		{ "198.51.100.300/24", NULL, NULL },
		{ "nonsense", NULL, NULL },
		{ NULL, NULL, NULL },		/* secure mode, no address */
	};
	struct vkt_run r;
	char args[64];
	size_t i;

	vkt_setup();
	for (i = 0; i < nitems(bad); i++) {
		snprintf(args, sizeof(args), "%s %s %s",
		    bad[i][0] ? bad[i][0] : "(no address)",
		    bad[i][1] ? bad[i][1] : "", bad[i][2] ? bad[i][2] : "");
		vkt_run(&r, NULL, VKNETD_PATH, "-d", "-p", VKT_SOCK, "-i",
		    VKT_PIDFILE, bad[i][0], bad[i][1], bad[i][2], NULL);
		ATF_REQUIRE_MSG(r.status != 0, "%s: exit status 0", args);
		ATF_REQUIRE_MSG(r.err[0] != '\0', "%s: no message", args);
		ATF_REQUIRE_MSG(i != 0 || strcasestr(r.err, "usage") != NULL,
		    "%s: no usage message: %s", args, vkt_flat(r.err));
		require_nothing_created(args);
	}
}

static char group_copy[100];

/* In the child: a private /etc/group without vknet. */
static void
hide_vknet_group(void)
{
	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount(group_copy, "/etc/group", NULL, MS_BIND, NULL) == -1) {
		dprintf(2, "hide_vknet_group: %s\n", strerror(errno));
		_exit(125);
	}
}

static void
copy_group_without_vknet(const char *to)
{
	char line[4096];
	FILE *in, *out;

	if ((in = fopen("/etc/group", "re")) == NULL ||
	    (out = fopen(to, "we")) == NULL)
		atf_tc_fail("copying /etc/group: %s", strerror(errno));
	while (fgets(line, sizeof(line), in) != NULL)
		if (strncmp(line, "vknet:", 6) != 0)
			fputs(line, out);
	fclose(in);
	if (fclose(out) == EOF)
		atf_tc_fail("%s: %s", to, strerror(errno));
}

/* Whether the text names "vknet" other than as part of "vknetd". */
static int
names_group(const char *text)
{
	const char *p;

	for (p = text; (p = strstr(p, "vknet")) != NULL; p += 5)
		if (p[5] != 'd')
			return (1);
	return (0);
}

VKT_TC(missing_group_named,
    "Without the group vknet the daemon exits non-zero naming it")
{
	struct vkt_run r;

	vkt_setup();
	vkt_abspath(group_copy, sizeof(group_copy), "group");
	copy_group_without_vknet(group_copy);
	vkt_run(&r, hide_vknet_group, VKNETD_PATH, "-d", "-p", VKT_SOCK,
	    "-i", VKT_PIDFILE, VKT_NET, NULL);
	ATF_REQUIRE_MSG(r.status != 125, "setup failed: %s",
	    vkt_flat(r.err));
	ATF_REQUIRE_MSG(r.status != 0, "exit status 0");
	ATF_REQUIRE_MSG(names_group(r.err), "message does not name the "
	    "group vknet: %s", vkt_flat(r.err));
	require_nothing_created("missing group");
}

VKT_TC(existing_tap_left_as_found,
    "An existing TAP is used, then left up or down as it was and "
    "without the address")
{
	static const int was_up[] = { 0, 1 };
	struct vkt_run r;
	pid_t pid;
	size_t i;

	vkt_setup();
	vkt_run(&r, NULL, "ip", "tuntap", "add", "name", "vkt9", "mode",
	    "tap", NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "ip tuntap add: %s",
	    vkt_flat(r.err));
	for (i = 0; i < nitems(was_up); i++) {
		vkt_run(&r, NULL, "ip", "link", "set", "vkt9",
		    was_up[i] ? "up" : "down", NULL);
		ATF_REQUIRE_EQ_MSG(r.status, 0, "ip link set: %s",
		    vkt_flat(r.err));
		pid = vkt_daemon("-t", "vkt9", VKT_NET, NULL);
		ATF_REQUIRE_STREQ(vkt_tap, "vkt9");
		ATF_REQUIRE_MSG(vkt_if_up("vkt9"), "vkt9 down while in use");
		require_addr("vkt9", HOST_IP);
		ATF_REQUIRE_EQ(vkt_stop(pid), 0);
		ATF_REQUIRE_MSG(vkt_if_exists("vkt9"), "vkt9 was removed");
		ATF_REQUIRE_EQ_MSG(vkt_if_up("vkt9"), was_up[i],
		    "vkt9 not left %s", was_up[i] ? "up" : "down");
		require_no_addr("vkt9");
	}
}

/*
 * Regression: the bridge an existing TAP was in used to be read from
 * /sys, which in a namespace made by unshare(CLONE_NEWNET) alone shows
 * the root namespace, so the TAP came back out of its bridge.
 */
VKT_TC(existing_tap_keeps_its_bridge,
    "An existing TAP in a bridge is given back to that bridge, also "
    "after vknetd moved it into another with -b")
{
	char master[IFNAMSIZ];
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	vkt_run(&r, NULL, "ip", "link", "add", "vkbr9", "type", "bridge",
	    NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "ip link add: %s", vkt_flat(r.err));
	vkt_run(&r, NULL, "ip", "tuntap", "add", "name", "vkt9", "mode",
	    "tap", NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "ip tuntap add: %s",
	    vkt_flat(r.err));
	vkt_run(&r, NULL, "ip", "link", "set", "vkt9", "master", "vkbr9",
	    NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "ip link set: %s", vkt_flat(r.err));

	pid = vkt_daemon("-t", "vkt9", VKT_NET, NULL);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	vkt_if_master("vkt9", master);
	ATF_REQUIRE_STREQ_MSG(master, "vkbr9", "plain run: vkt9 left in "
	    "\"%s\"", master);

	pid = vkt_daemon("-t", "vkt9", "-b", "vkbr8", VKT_NET, NULL);
	vkt_if_master("vkt9", master);
	ATF_REQUIRE_STREQ_MSG(master, "vkbr8", "-b: vkt9 is in \"%s\"",
	    master);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	vkt_if_master("vkt9", master);
	ATF_REQUIRE_STREQ_MSG(master, "vkbr9", "after -b: vkt9 left in "
	    "\"%s\"", master);
	ATF_REQUIRE_MSG(!vkt_if_exists("vkbr8"),
	    "the bridge vknetd created is still there");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, broadcast_flooded_not_echoed);
	ATF_TP_ADD_TC(tp, learned_unicast_goes_to_one_port);
	ATF_TP_ADD_TC(tp, unknown_unicast_flooded);
	ATF_TP_ADD_TC(tp, aging_forgets_after_A_seconds);
	ATF_TP_ADD_TC(tp, mac_move_follows_new_port);
	ATF_TP_ADD_TC(tp, close_purges_port_macs);
	ATF_TP_ADD_TC(tp, group_source_dropped);
	ATF_TP_ADD_TC(tp, secure_filter);
	ATF_TP_ADD_TC(tp, kernel_pings_client_through_tap);
	ATF_TP_ADD_TC(tp, client_pings_kernel_through_tap);
	ATF_TP_ADD_TC(tp, peers_ping_each_other);
	ATF_TP_ADD_TC(tp, stalled_client_does_not_block);
	ATF_TP_ADD_TC(tp, thousand_clients);
	ATF_TP_ADD_TC(tp, bad_sizes_dropped_port_kept);
	ATF_TP_ADD_TC(tp, empty_messages_before_close_are_not_eof);
	ATF_TP_ADD_TC(tp, guest_cannot_take_host_mac);
	ATF_TP_ADD_TC(tp, mac_flood_leaves_later_guests_learned);
	ATF_TP_ADD_TC(tp, guest_cannot_poison_host_arp_for_another);
	ATF_TP_ADD_TC(tp, reserved_sources_and_odd_arp_never_reach_the_host);
	ATF_TP_ADD_TC(tp, refused_connections_logged_unlimited);
	ATF_TP_ADD_TC(tp, second_instance_refused_same_socket);
	ATF_TP_ADD_TC(tp, second_instance_refused_same_pidfile);
	ATF_TP_ADD_TC(tp, stale_socket_replaced);
	ATF_TP_ADD_TC(tp, pidfile_symlink_not_followed);
	ATF_TP_ADD_TC(tp, socket_dir_writable_by_others_refused);
	ATF_TP_ADD_TC(tp, socket_setup_never_follows_a_symlink);
	ATF_TP_ADD_TC(tp, sigterm_cleans_up);
	ATF_TP_ADD_TC(tp, bridge_option);
	ATF_TP_ADD_TC(tp, automatic_tap_named_on_stdout);
	ATF_TP_ADD_TC(tp, unsecure_passes_everything);
	ATF_TP_ADD_TC(tp, socket_mode_0660_group_vknet);
	ATF_TP_ADD_TC(tp, daemon_mode_ready_on_return);
	ATF_TP_ADD_TC(tp, bad_usage_creates_nothing);
	ATF_TP_ADD_TC(tp, missing_group_named);
	ATF_TP_ADD_TC(tp, existing_tap_left_as_found);
	ATF_TP_ADD_TC(tp, existing_tap_keeps_its_bridge);
	return (atf_no_error());
}
