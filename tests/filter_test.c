/*
 * Unit tests of the secure mode filter (filter.c): CIDR parsing and
 * matching, the verdict on ARP, IPv4, IPv6 and other frames bound for
 * the host (filter_check), on what no guest may send anyone
 * (filter_guest) and the addresses a frame speaks for
 * (filter_claims).  Frames are built byte by byte here.  Each frame is
 * judged where it ends right at an inaccessible page, so a read past
 * its length faults instead of passing unnoticed.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "filter.h"

#define SUBNET		"198.51.100.1/24"
#define IN_A		0xc6336405u	/* 198.51.100.5 */
#define IN_B		0xc63364feu	/* 198.51.100.254 */
#define OUT_A		0xcb007109u	/* 203.0.113.9 */
#define BCAST		0xffffffffu

#define ETH_LEN		14
#define IP_LEN		20
#define L4		(ETH_LEN + IP_LEN)	/* transport, IHL 5 */

#define P_ICMP		1
#define P_IPIP		4
#define P_TCP		6
#define P_UDP		17
#define P_GRE		47

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };
static const uint8_t mac_bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static struct cidr
subnet(void)
{
	struct cidr c;

	ATF_REQUIRE_EQ(cidr_parse(SUBNET, &c), 0);
	return (c);
}

/* A copy of the frame that ends where an inaccessible page begins. */
static const uint8_t *
guarded(const uint8_t *frame, size_t len)
{
	static uint8_t *area;
	static size_t pg;

	if (area == NULL) {
		pg = (size_t)sysconf(_SC_PAGESIZE);
		area = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ATF_REQUIRE(area != MAP_FAILED);
		ATF_REQUIRE(mprotect(area + pg, pg, PROT_NONE) == 0);
	}
	ATF_REQUIRE(len <= pg);
	memcpy(area + pg - len, frame, len);
	return (area + pg - len);
}

/* filter_check with the IPv4 subnet only. */
static enum filter_verdict
check(const uint8_t *frame, size_t len)
{
	struct secure_net net;

	memset(&net, 0, sizeof(net));
	net.v4 = subnet();
	net.has4 = 1;
	return (filter_check(&net, guarded(frame, len), len));
}

#define CHECK_VERDICT(frame, len, want) do {				\
	enum filter_verdict got_ = check((frame), (len));		\
	ATF_CHECK_EQ_MSG(got_, (want), "%s, %zu bytes: got %d, want %d",\
	    #frame, (size_t)(len), (int)got_, (int)(want));		\
} while (0)

/* Ethernet header; returns its length. */
static size_t
eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return (ETH_LEN);
}

/* A whole Ethernet/IPv4 ARP frame of 42 bytes from `src'. */
static size_t
arp(uint8_t *f, uint16_t op, const uint8_t *src, const uint8_t *sha,
    uint32_t spa, uint32_t tpa)
{
	uint8_t *a;

	a = f + eth(f, op == 1 ? mac_bc : mac_b, src, 0x0806);
	put16(a, 1);			/* htype Ethernet */
	put16(a + 2, 0x0800);		/* ptype IPv4 */
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	memset(a + 18, 0, 6);
	put32(a + 24, tpa);
	return (ETH_LEN + 28);
}

/* Recompute the IPv4 header checksum after the header was changed. */
static void
ip_sum(uint8_t *f)
{
	uint8_t *ip = f + ETH_LEN;
	uint32_t sum;
	int i, hlen;

	hlen = (ip[0] & 0x0f) * 4;
	put16(ip + 10, 0);
	sum = 0;
	for (i = 0; i < hlen; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
}

/*
 * Ethernet and a 20-byte IPv4 header with `plen' bytes of zeroed
 * payload; returns the frame length, ETH_LEN + total length.
 */
static size_t
ip(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst, size_t plen)
{
	uint8_t *h;

	h = f + eth(f, mac_b, mac_a, 0x0800);
	memset(h, 0, IP_LEN + plen);
	h[0] = 0x45;
	put16(h + 2, IP_LEN + plen);
	h[8] = 64;
	h[9] = proto;
	put32(h + 12, src);
	put32(h + 16, dst);
	ip_sum(f);
	return (ETH_LEN + IP_LEN + plen);
}

/* Set the flags and fragment offset (in 8-byte units) of a frame. */
static void
ip_frag(uint8_t *f, uint16_t flags_off)
{
	put16(f + ETH_LEN + 6, flags_off);
	ip_sum(f);
}

static size_t
udp(uint8_t *f, uint32_t src, uint16_t sport, uint16_t dport, size_t dlen)
{
	size_t len;

	len = ip(f, P_UDP, src, src == 0 ? BCAST : IN_B, 8 + dlen);
	put16(f + L4, sport);
	put16(f + L4 + 2, dport);
	put16(f + L4 + 4, 8 + dlen);
	return (len);
}

static size_t
tcp(uint8_t *f, uint32_t src, int doff, size_t dlen)
{
	size_t len;

	len = ip(f, P_TCP, src, IN_B, 20 + dlen);
	put16(f + L4, 40000);
	put16(f + L4 + 2, 22);
	f[L4 + 12] = doff << 4;
	f[L4 + 13] = 0x02;		/* SYN */
	return (len);
}

static size_t
icmp(uint8_t *f, uint32_t src, size_t dlen)
{
	size_t len;

	len = ip(f, P_ICMP, src, IN_B, 8 + dlen);
	f[L4] = 8;			/* echo request */
	put16(f + L4 + 4, 0x1234);
	return (len);
}

/* CIDR parsing and matching */

ATF_TC_WITHOUT_HEAD(cidr_parse_accepts_prefix);
ATF_TC_BODY(cidr_parse_accepts_prefix, tc)
{
	struct cidr c;

	ATF_REQUIRE_EQ(cidr_parse("198.51.100.1/24", &c), 0);
	ATF_CHECK_EQ(c.bits, 24);
	ATF_CHECK_EQ(c.mask, 0xffffff00u);
	ATF_CHECK_EQ(c.addr & c.mask, 0xc6336400u);
	ATF_CHECK(cidr_contains(&c, 0xc6336400u));
	ATF_CHECK(cidr_contains(&c, IN_A));
	ATF_CHECK(cidr_contains(&c, 0xc63364ffu));
	ATF_CHECK(!cidr_contains(&c, 0xc6336500u));	/* 198.51.101.0 */
	ATF_CHECK(!cidr_contains(&c, 0xc63363ffu));	/* 198.51.99.255 */
	ATF_CHECK(!cidr_contains(&c, OUT_A));
	ATF_CHECK(!cidr_contains(&c, 0));

	ATF_REQUIRE_EQ(cidr_parse("203.0.113.1/8", &c), 0);
	ATF_CHECK_EQ(c.bits, 8);
	ATF_CHECK_EQ(c.mask, 0xff000000u);
	ATF_CHECK(cidr_contains(&c, 0xcbffffffu));	/* 203.255.255.255 */
	ATF_CHECK(!cidr_contains(&c, 0xcc000000u));	/* 204.0.0.0 */
}

ATF_TC_WITHOUT_HEAD(cidr_parse_edge_prefixes);
ATF_TC_BODY(cidr_parse_edge_prefixes, tc)
{
	struct cidr c;

	ATF_REQUIRE_EQ(cidr_parse("198.51.100.7/32", &c), 0);
	ATF_CHECK_EQ(c.bits, 32);
	ATF_CHECK_EQ(c.mask, 0xffffffffu);
	ATF_CHECK(cidr_contains(&c, 0xc6336407u));
	ATF_CHECK(!cidr_contains(&c, 0xc6336406u));
	ATF_CHECK(!cidr_contains(&c, 0xc6336487u));

	ATF_REQUIRE_EQ(cidr_parse("0.0.0.0/0", &c), 0);
	ATF_CHECK_EQ(c.bits, 0);
	ATF_CHECK_EQ(c.mask, 0u);
	ATF_CHECK(cidr_contains(&c, 0));
	ATF_CHECK(cidr_contains(&c, OUT_A));
	ATF_CHECK(cidr_contains(&c, 0xffffffffu));
}

ATF_TC_WITHOUT_HEAD(cidr_parse_rejects_malformed);
ATF_TC_BODY(cidr_parse_rejects_malformed, tc)
{
	static const char *bad[] = {
		"198.51.100.1",
		"198.51.100.1/33",
		"198.51.100.1/-1",
		"300.1.1.1/24",
		"1.2.3.4/24x",
		"",
		"198.51.100.1/",
		"/24",
		"198.51.100/24",
		"198.51.100.1.1/24",
		"198.51.100.1 /24",
	};
	struct cidr c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(cidr_parse(bad[i], &c), -1,
		    "\"%s\" accepted", bad[i]);
}

ATF_TC_WITHOUT_HEAD(filter_reason_names_every_verdict);
ATF_TC_BODY(filter_reason_names_every_verdict, tc)
{
	const char *s;
	int v;

	ATF_REQUIRE(FILTER_NVERDICTS > FILTER_PASS);
	for (v = 0; v < FILTER_NVERDICTS; v++) {
		s = filter_reason((enum filter_verdict)v);
		ATF_CHECK_MSG(s != NULL && s[0] != '\0',
		    "no reason for verdict %d", v);
	}
}

/* ARP */

ATF_TC_WITHOUT_HEAD(arp_request_from_subnet_passes);
ATF_TC_BODY(arp_request_from_subnet_passes, tc)
{
	uint8_t f[64];
	size_t len;

	len = arp(f, 1, mac_a, mac_a, IN_A, IN_B);
	ATF_REQUIRE_EQ(len, 42);
	CHECK_VERDICT(f, len, FILTER_PASS);
	/* Only the sender is checked, not the target. */
	len = arp(f, 1, mac_a, mac_a, IN_A, OUT_A);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(arp_reply_from_subnet_passes);
ATF_TC_BODY(arp_reply_from_subnet_passes, tc)
{
	uint8_t f[64];
	size_t len;

	len = arp(f, 2, mac_a, mac_a, IN_A, IN_B);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(arp_probe_from_zero_passes);
ATF_TC_BODY(arp_probe_from_zero_passes, tc)
{
	uint8_t f[64];
	size_t len;

	len = arp(f, 1, mac_a, mac_a, 0, IN_A);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(arp_sender_outside_subnet_is_rejected);
ATF_TC_BODY(arp_sender_outside_subnet_is_rejected, tc)
{
	uint8_t f[64];
	size_t len;

	len = arp(f, 1, mac_a, mac_a, OUT_A, IN_B);
	CHECK_VERDICT(f, len, FILTER_ARP_SUBNET);
	len = arp(f, 2, mac_a, mac_a, OUT_A, IN_B);
	CHECK_VERDICT(f, len, FILTER_ARP_SUBNET);
	/* Just outside each end of the /24. */
	len = arp(f, 2, mac_a, mac_a, 0xc6336500u, IN_B);
	CHECK_VERDICT(f, len, FILTER_ARP_SUBNET);
	len = arp(f, 2, mac_a, mac_a, 0xc63363ffu, IN_B);
	CHECK_VERDICT(f, len, FILTER_ARP_SUBNET);
}

ATF_TC_WITHOUT_HEAD(arp_sender_mac_mismatch_is_spoofed);
ATF_TC_BODY(arp_sender_mac_mismatch_is_spoofed, tc)
{
	uint8_t f[64];
	size_t len;

	len = arp(f, 1, mac_a, mac_b, IN_A, IN_B);
	CHECK_VERDICT(f, len, FILTER_ARP_SPOOFED);
	len = arp(f, 2, mac_a, mac_b, IN_A, IN_B);
	CHECK_VERDICT(f, len, FILTER_ARP_SPOOFED);
	/* The last byte counts too. */
	len = arp(f, 2, mac_a, mac_a, IN_A, IN_B);
	f[ETH_LEN + 8 + 5] ^= 0x80;
	CHECK_VERDICT(f, len, FILTER_ARP_SPOOFED);
	/* The probe exception is for the address, not the MAC. */
	len = arp(f, 1, mac_a, mac_b, 0, IN_A);
	CHECK_VERDICT(f, len, FILTER_ARP_SPOOFED);
}

ATF_TC_WITHOUT_HEAD(arp_wrong_hardware_or_protocol_is_malformed);
ATF_TC_BODY(arp_wrong_hardware_or_protocol_is_malformed, tc)
{
	/* Offset in the ARP body and a wrong value to put there. */
	static const struct {
		int	off;
		int	wide;
		int	val;
	} bad[] = {
		{ 0, 1, 6 },		/* htype IEEE 802 */
		{ 0, 1, 0 },
		{ 2, 1, 0x86dd },	/* ptype IPv6 */
		{ 2, 1, 0x0806 },
		{ 4, 0, 8 },		/* hlen */
		{ 4, 0, 0 },
		{ 5, 0, 16 },		/* plen */
		{ 5, 0, 0 },
	};
	uint8_t f[64];
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = arp(f, 1, mac_a, mac_a, IN_A, IN_B);
		if (bad[i].wide)
			put16(f + ETH_LEN + bad[i].off, bad[i].val);
		else
			f[ETH_LEN + bad[i].off] = bad[i].val;
		ATF_CHECK_EQ_MSG(check(f, len), FILTER_ARP_MALFORMED,
		    "ARP byte %d set to %#x not rejected", bad[i].off,
		    bad[i].val);
	}
}

ATF_TC_WITHOUT_HEAD(arp_truncated_body_is_malformed);
ATF_TC_BODY(arp_truncated_body_is_malformed, tc)
{
	uint8_t f[64];
	size_t len, n;

	len = arp(f, 1, mac_a, mac_a, IN_A, IN_B);
	for (n = ETH_LEN; n < len; n++)
		ATF_CHECK_EQ_MSG(check(f, n), FILTER_ARP_MALFORMED,
		    "ARP cut to %zu bytes not rejected", n);
}

/* IPv4 */

ATF_TC_WITHOUT_HEAD(udp_from_subnet_passes);
ATF_TC_BODY(udp_from_subnet_passes, tc)
{
	uint8_t f[128];
	size_t len;

	len = udp(f, IN_A, 5353, 53, 12);
	ATF_REQUIRE_EQ(len, 54);
	CHECK_VERDICT(f, len, FILTER_PASS);
	/* A bare UDP header, no data. */
	len = udp(f, IN_A, 5353, 53, 0);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(tcp_from_subnet_passes);
ATF_TC_BODY(tcp_from_subnet_passes, tc)
{
	uint8_t f[128];
	size_t len;

	len = tcp(f, IN_A, 5, 0);
	CHECK_VERDICT(f, len, FILTER_PASS);
	/* With 4 bytes of options (MSS) and some data. */
	len = tcp(f, IN_A, 6, 10);
	f[L4 + 20] = 2;
	f[L4 + 21] = 4;
	put16(f + L4 + 22, 1460);
	CHECK_VERDICT(f, len, FILTER_PASS);
	/* Options filling the whole segment. */
	len = tcp(f, IN_A, 15, 40);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(icmp_from_subnet_passes);
ATF_TC_BODY(icmp_from_subnet_passes, tc)
{
	uint8_t f[128];
	size_t len;

	len = icmp(f, IN_A, 0);
	CHECK_VERDICT(f, len, FILTER_PASS);
	len = icmp(f, IN_A, 56);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(ip_options_are_skipped);
ATF_TC_BODY(ip_options_are_skipped, tc)
{
	uint8_t f[128];
	size_t len;

	/* IHL 6: four NOP options, then UDP from port 68 to 67. */
	len = ip(f, P_UDP, 0, BCAST, 4 + 8);
	f[ETH_LEN] = 0x46;
	memset(f + L4, 1, 4);
	put16(f + L4 + 4, 68);
	put16(f + L4 + 6, 67);
	put16(f + L4 + 8, 8);
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_PASS);
	/* Ports read at the wrong place: 0x0101 and 0x0101. */
	f[ETH_LEN] = 0x45;
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	/* IHL 6 and a 7-byte UDP header: too short. */
	len = ip(f, P_UDP, IN_A, IN_B, 4 + 7);
	f[ETH_LEN] = 0x46;
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(ip_outside_source_is_rejected);
ATF_TC_BODY(ip_outside_source_is_rejected, tc)
{
	uint8_t f[128];
	size_t len;

	len = udp(f, OUT_A, 5353, 53, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	len = tcp(f, OUT_A, 5, 0);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	len = icmp(f, OUT_A, 8);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	/* Just outside each end of the /24. */
	len = udp(f, 0xc6336500u, 5353, 53, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	len = udp(f, 0xc63363ffu, 5353, 53, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	/* DHCP ports do not excuse an outside source. */
	len = udp(f, OUT_A, 68, 67, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
}

ATF_TC_WITHOUT_HEAD(dhcp_from_zero_source_passes);
ATF_TC_BODY(dhcp_from_zero_source_passes, tc)
{
	uint8_t f[400];
	size_t len;

	len = udp(f, 0, 68, 67, 300);
	CHECK_VERDICT(f, len, FILTER_PASS);
	len = udp(f, 0, 68, 67, 0);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(zero_source_other_than_dhcp_is_rejected);
ATF_TC_BODY(zero_source_other_than_dhcp_is_rejected, tc)
{
	uint8_t f[128];
	size_t len;

	len = udp(f, 0, 67, 68, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	len = udp(f, 0, 68, 68, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	len = udp(f, 0, 67, 67, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	len = udp(f, 0, 1234, 67, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	/* Ports in the other byte order. */
	len = udp(f, 0, 0x4400, 0x4300, 4);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	/* TCP with the DHCP ports in the same place. */
	len = tcp(f, 0, 5, 0);
	put16(f + L4, 68);
	put16(f + L4 + 2, 67);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	len = icmp(f, 0, 8);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
}

ATF_TC_WITHOUT_HEAD(ip_other_protocols_are_rejected);
ATF_TC_BODY(ip_other_protocols_are_rejected, tc)
{
	static const uint8_t proto[] = {
		P_GRE, P_IPIP, 0, 2, 41, 50, 51, 89, 132, 255
	};
	uint8_t f[128];
	size_t i, len;

	for (i = 0; i < sizeof(proto); i++) {
		len = ip(f, proto[i], IN_A, IN_B, 40);
		ATF_CHECK_EQ_MSG(check(f, len), FILTER_IP_PROTO,
		    "protocol %d not rejected", proto[i]);
	}
}

ATF_TC_WITHOUT_HEAD(ip_bad_version_or_ihl_is_malformed);
ATF_TC_BODY(ip_bad_version_or_ihl_is_malformed, tc)
{
	static const uint8_t vihl[] = { 0x65, 0x05, 0x55, 0x44, 0x40, 0x41 };
	uint8_t f[128];
	size_t i, len;

	for (i = 0; i < sizeof(vihl); i++) {
		len = udp(f, IN_A, 5353, 53, 40);
		f[ETH_LEN] = vihl[i];
		ip_sum(f);
		ATF_CHECK_EQ_MSG(check(f, len), FILTER_IP_MALFORMED,
		    "version/IHL byte %#x not rejected", vihl[i]);
	}
}

ATF_TC_WITHOUT_HEAD(ip_header_beyond_frame_is_malformed);
ATF_TC_BODY(ip_header_beyond_frame_is_malformed, tc)
{
	uint8_t f[128];
	size_t len;

	/* IHL 15 is 60 bytes; the frame holds 20 + 28. */
	len = udp(f, IN_A, 5353, 53, 20);
	f[ETH_LEN] = 0x4f;
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	/* IHL 6 with only the 20-byte header in the frame. */
	len = ip(f, P_UDP, IN_A, IN_B, 0);
	f[ETH_LEN] = 0x46;
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(ip_total_length_out_of_range_is_malformed);
ATF_TC_BODY(ip_total_length_out_of_range_is_malformed, tc)
{
	uint8_t f[128];
	size_t len;

	/* One more than the frame holds. */
	len = udp(f, IN_A, 5353, 53, 4);
	put16(f + ETH_LEN + 2, len - ETH_LEN + 1);
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	put16(f + ETH_LEN + 2, 0xffff);
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	/* Shorter than the IP header. */
	put16(f + ETH_LEN + 2, 19);
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	put16(f + ETH_LEN + 2, 0);
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	/* Shorter than a 24-byte header with options. */
	len = udp(f, IN_A, 5353, 53, 4);
	f[ETH_LEN] = 0x46;
	put16(f + ETH_LEN + 2, 23);
	ip_sum(f);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(ip_truncated_frames_are_malformed);
ATF_TC_BODY(ip_truncated_frames_are_malformed, tc)
{
	uint8_t f[128];
	size_t len, n;

	len = tcp(f, IN_A, 5, 0);
	for (n = ETH_LEN; n < len; n++)
		ATF_CHECK_EQ_MSG(check(f, n), FILTER_IP_MALFORMED,
		    "TCP cut to %zu bytes not rejected", n);
	len = udp(f, 0, 68, 67, 0);
	for (n = ETH_LEN; n < len; n++)
		ATF_CHECK_EQ_MSG(check(f, n), FILTER_IP_MALFORMED,
		    "DHCP cut to %zu bytes not rejected", n);
}

ATF_TC_WITHOUT_HEAD(transport_header_beyond_total_length_is_malformed);
ATF_TC_BODY(transport_header_beyond_total_length_is_malformed, tc)
{
	uint8_t f[128];
	size_t len;

	len = ip(f, P_UDP, IN_A, IN_B, 7);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	len = ip(f, P_ICMP, IN_A, IN_B, 7);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	len = ip(f, P_TCP, IN_A, IN_B, 19);
	f[L4 + 12] = 0x50;
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	len = ip(f, P_UDP, IN_A, IN_B, 0);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);

	/*
	 * The frame has the bytes (padding) but the packet does not:
	 * total length 27 in a 60-byte frame.
	 */
	len = udp(f, IN_A, 5353, 53, 0);
	put16(f + ETH_LEN + 2, 27);
	ip_sum(f);
	memset(f + len, 0, 60 - len);
	CHECK_VERDICT(f, 60, FILTER_IP_MALFORMED);
	len = tcp(f, IN_A, 5, 0);
	put16(f + ETH_LEN + 2, 39);
	ip_sum(f);
	memset(f + len, 0, 60 - len);
	CHECK_VERDICT(f, 60, FILTER_IP_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(tcp_bad_data_offset_is_malformed);
ATF_TC_BODY(tcp_bad_data_offset_is_malformed, tc)
{
	uint8_t f[128];
	size_t len;
	int doff;

	for (doff = 0; doff < 5; doff++) {
		len = tcp(f, IN_A, doff, 20);
		ATF_CHECK_EQ_MSG(check(f, len), FILTER_IP_MALFORMED,
		    "TCP data offset %d not rejected", doff);
	}
	/* 24 bytes of header in a 20-byte segment. */
	len = tcp(f, IN_A, 6, 0);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	/* 60 bytes of header in a 56-byte segment. */
	len = tcp(f, IN_A, 15, 36);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	/* Beyond the packet but inside the padded frame. */
	len = tcp(f, IN_A, 6, 0);
	memset(f + len, 0, 64 - len);
	CHECK_VERDICT(f, 64, FILTER_IP_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(first_fragment_needs_transport_header);
ATF_TC_BODY(first_fragment_needs_transport_header, tc)
{
	uint8_t f[128];
	size_t len;

	/* More fragments, offset 0: a first fragment. */
	len = udp(f, IN_A, 5353, 53, 16);
	ip_frag(f, 0x2000);
	CHECK_VERDICT(f, len, FILTER_PASS);
	len = ip(f, P_UDP, IN_A, IN_B, 4);
	ip_frag(f, 0x2000);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	/* Don't fragment is a flag, not an offset. */
	len = ip(f, P_TCP, IN_A, IN_B, 8);
	ip_frag(f, 0x4000);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
	len = tcp(f, IN_A, 5, 0);
	ip_frag(f, 0x4000);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(later_fragment_from_subnet_passes);
ATF_TC_BODY(later_fragment_from_subnet_passes, tc)
{
	static const uint16_t frag[] = { 0x0001, 0x2001, 0x00b9, 0x0100 };
	static const uint8_t proto[] = { P_UDP, P_TCP, P_ICMP };
	uint8_t f[128];
	size_t i, j, len;

	for (i = 0; i < sizeof(frag) / sizeof(frag[0]); i++)
		for (j = 0; j < sizeof(proto); j++) {
			/* 4 bytes: less than any transport header. */
			len = ip(f, proto[j], IN_A, IN_B, 4);
			ip_frag(f, frag[i]);
			ATF_CHECK_EQ_MSG(check(f, len), FILTER_PASS,
			    "protocol %d fragment %#x rejected",
			    proto[j], frag[i]);
		}
	/* A later fragment with no payload at all. */
	len = ip(f, P_UDP, IN_A, IN_B, 0);
	ip_frag(f, 0x0010);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(later_fragment_rules_still_apply);
ATF_TC_BODY(later_fragment_rules_still_apply, tc)
{
	uint8_t f[128];
	size_t len;

	len = ip(f, P_UDP, OUT_A, IN_B, 16);
	ip_frag(f, 0x0003);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	len = ip(f, P_GRE, IN_A, IN_B, 16);
	ip_frag(f, 0x0003);
	CHECK_VERDICT(f, len, FILTER_IP_PROTO);
	/* No ports in a later fragment: no DHCP exception. */
	len = ip(f, P_UDP, 0, BCAST, 16);
	put16(f + L4, 68);
	put16(f + L4 + 2, 67);
	ip_frag(f, 0x0003);
	CHECK_VERDICT(f, len, FILTER_IP_SUBNET);
	/* Total length is still checked. */
	len = ip(f, P_UDP, IN_A, IN_B, 16);
	put16(f + ETH_LEN + 2, 20 + 17);
	ip_frag(f, 0x0003);
	CHECK_VERDICT(f, len, FILTER_IP_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(padded_minimum_frames_pass);
ATF_TC_BODY(padded_minimum_frames_pass, tc)
{
	uint8_t f[64];
	size_t len;

	/* 42-byte ARP padded to 60 with zeros and with junk. */
	len = arp(f, 1, mac_a, mac_a, IN_A, IN_B);
	memset(f + len, 0, 60 - len);
	CHECK_VERDICT(f, 60, FILTER_PASS);
	memset(f + len, 0xa5, 60 - len);
	CHECK_VERDICT(f, 60, FILTER_PASS);

	/* UDP with 4 data bytes: total length 32, frame 60. */
	len = udp(f, IN_A, 5353, 53, 4);
	ATF_REQUIRE_EQ(len, 46);
	memset(f + len, 0, 60 - len);
	CHECK_VERDICT(f, 60, FILTER_PASS);
	memset(f + len, 0xa5, 60 - len);
	CHECK_VERDICT(f, 60, FILTER_PASS);

	/* DHCP from 0.0.0.0 and ICMP, padded. */
	len = udp(f, 0, 68, 67, 0);
	memset(f + len, 0, 60 - len);
	CHECK_VERDICT(f, 60, FILTER_PASS);
	len = icmp(f, IN_A, 0);
	memset(f + len, 0, 60 - len);
	CHECK_VERDICT(f, 60, FILTER_PASS);
}

/* Other ethertypes */

ATF_TC_WITHOUT_HEAD(other_ethertypes_are_rejected);
ATF_TC_BODY(other_ethertypes_are_rejected, tc)
{
	static const uint16_t type[] = {
		0x86dd, 0x8100, 0x88a8, 0x88cc, 0x8035, 0x0000, 0x0042,
		0x05dc, 0x0801, 0x0807, 0xffff
	};
	uint8_t f[128];
	size_t i, len;

	for (i = 0; i < sizeof(type) / sizeof(type[0]); i++) {
		/* A good UDP packet behind the wrong ethertype. */
		len = udp(f, IN_A, 5353, 53, 8);
		put16(f + 12, type[i]);
		ATF_CHECK_EQ_MSG(check(f, len), FILTER_ETHERTYPE,
		    "ethertype %#x not rejected", type[i]);
		/* And a bare header. */
		ATF_CHECK_EQ_MSG(check(f, ETH_LEN), FILTER_ETHERTYPE,
		    "ethertype %#x, 14 bytes, not rejected", type[i]);
	}
}

ATF_TC_WITHOUT_HEAD(vlan_tagged_ipv4_is_rejected);
ATF_TC_BODY(vlan_tagged_ipv4_is_rejected, tc)
{
	uint8_t f[128], g[132];
	size_t len;

	/* The 802.1Q tag between the MACs and a good IPv4 packet. */
	len = udp(f, IN_A, 5353, 53, 8);
	memcpy(g, f, 12);
	put16(g + 12, 0x8100);
	put16(g + 14, 100);
	memcpy(g + 16, f + 12, len - 12);
	CHECK_VERDICT(g, len + 4, FILTER_ETHERTYPE);
}

ATF_TC_WITHOUT_HEAD(runt_frames_are_rejected);
ATF_TC_BODY(runt_frames_are_rejected, tc)
{
	uint8_t f[128];
	size_t n;

	udp(f, IN_A, 5353, 53, 8);
	for (n = 0; n < ETH_LEN; n++)
		ATF_CHECK_EQ_MSG(check(f, n), FILTER_ETHERTYPE,
		    "%zu-byte IPv4 frame not rejected", n);
	arp(f, 1, mac_a, mac_a, IN_A, IN_B);
	for (n = 0; n < ETH_LEN; n++)
		ATF_CHECK_EQ_MSG(check(f, n), FILTER_ETHERTYPE,
		    "%zu-byte ARP frame not rejected", n);
}

/*
 * Issue 12: a guest could speak as the host's own address (and poison
 * the host's ARP entry for it), as the subnet's network or broadcast
 * address, with any ARP opcode, and send the host ICMP redirects.
 */
#define HOST		0xc6336401u	/* 198.51.100.1, the TAP's */
#define NET		0xc6336400u	/* 198.51.100.0 */
#define NET_BCAST	0xc63364ffu	/* 198.51.100.255 */

ATF_TC_WITHOUT_HEAD(arp_opcode_not_request_or_reply_is_rejected);
ATF_TC_BODY(arp_opcode_not_request_or_reply_is_rejected, tc)
{
	static const uint16_t ops[] = { 0, 3, 4, 8, 9, 0xffff };
	uint8_t f[64];
	size_t len, i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		len = arp(f, ops[i], mac_a, mac_a, IN_A, IN_B);
		CHECK_VERDICT(f, len, FILTER_ARP_OPCODE);
	}
}

ATF_TC_WITHOUT_HEAD(arp_sender_is_host_network_or_broadcast);
ATF_TC_BODY(arp_sender_is_host_network_or_broadcast, tc)
{
	static const uint32_t spa[] = { HOST, NET, NET_BCAST };
	uint8_t f[64];
	size_t len, i;

	for (i = 0; i < sizeof(spa) / sizeof(spa[0]); i++) {
		len = arp(f, 1, mac_a, mac_a, spa[i], IN_B);
		CHECK_VERDICT(f, len, FILTER_ARP_RESERVED);
		len = arp(f, 2, mac_a, mac_a, spa[i], IN_B);
		CHECK_VERDICT(f, len, FILTER_ARP_RESERVED);
	}
}

ATF_TC_WITHOUT_HEAD(ip_source_is_host_network_or_broadcast);
ATF_TC_BODY(ip_source_is_host_network_or_broadcast, tc)
{
	static const uint32_t src[] = { HOST, NET, NET_BCAST };
	uint8_t f[128];
	size_t len, i;

	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		len = icmp(f, src[i], 8);
		CHECK_VERDICT(f, len, FILTER_IP_RESERVED);
		len = udp(f, src[i], 5353, 53, 4);
		CHECK_VERDICT(f, len, FILTER_IP_RESERVED);
		len = tcp(f, src[i], 5, 0);
		CHECK_VERDICT(f, len, FILTER_IP_RESERVED);
	}
}

/* A /31 or /32 has no network or broadcast address; the host's stays. */
ATF_TC_WITHOUT_HEAD(reserved_sources_by_prefix);
ATF_TC_BODY(reserved_sources_by_prefix, tc)
{
	static const struct {
		const char	*net;
		uint32_t	 src;
		enum filter_verdict v;
	} t[] = {
		{ "198.51.100.1/30", 0xc6336400u, FILTER_IP_RESERVED },
		{ "198.51.100.1/30", 0xc6336403u, FILTER_IP_RESERVED },
		{ "198.51.100.1/30", 0xc6336402u, FILTER_PASS },
		{ "198.51.100.1/30", 0xc6336401u, FILTER_IP_RESERVED },
		{ "198.51.100.1/31", 0xc6336400u, FILTER_PASS },
		{ "198.51.100.1/31", 0xc6336401u, FILTER_IP_RESERVED },
		{ "198.51.100.1/32", 0xc6336401u, FILTER_IP_RESERVED },
	};
	struct secure_net net = { .has4 = 1 };
	uint8_t f[128];
	size_t len, i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ATF_REQUIRE_EQ(cidr_parse(t[i].net, &net.v4), 0);
		len = udp(f, t[i].src, 5353, 53, 4);
		ATF_CHECK_EQ_MSG(filter_check(&net, f, len), t[i].v,
		    "%s, source %08x", t[i].net, t[i].src);
	}
}

ATF_TC_WITHOUT_HEAD(icmp_redirect_never_reaches_host);
ATF_TC_BODY(icmp_redirect_never_reaches_host, tc)
{
	uint8_t f[128];
	size_t len;

	len = icmp(f, IN_A, 8);
	f[L4] = 5;
	CHECK_VERDICT(f, len, FILTER_ICMP_REDIRECT);
	/* A later fragment has no ICMP header to judge. */
	ip_frag(f, 0x0010);
	CHECK_VERDICT(f, len, FILTER_PASS);
}

/*
 * IPv6 (issue 12).  The host is 2001:db8:1::1/64 and fe80::1 on the
 * TAP, 2001:db8:1::2 elsewhere; guest A is 2001:db8:1::5 and fe80::5.
 */
#define PREFIX6		"2001:db8:1::1/64"
#define HOST6		"2001:db8:1::1"
#define HOST6_LL	"fe80::1"
#define HOST6_OTHER	"2001:db8:1::2"
#define IN6_A		"2001:db8:1::5"
#define IN6_B		"2001:db8:1::fe"
#define LL_A		"fe80::5"
#define OUT6		"2001:db8:2::9"
#define UNSPEC		"::"
#define ALL_NODES	"ff02::1"
#define ALL_ROUTERS	"ff02::2"
#define MLDV2_ROUTERS	"ff02::16"
#define SNM_A		"ff02::1:ff00:5"	/* solicited-node of ::5 */

#define IP6_LEN		40
#define L6		(ETH_LEN + IP6_LEN)	/* after the IPv6 header */

#define P_ICMP6		58
#define P_HBH		0
#define P_ROUTING	43
#define P_FRAG		44
#define P_ESP		50
#define P_AH		51
#define P_NONXT		59
#define P_DSTOPTS	60

#define T_ECHO		128
#define T_MLD_QUERY	130
#define T_MLD_REPORT	131
#define T_MLD_DONE	132
#define T_MLD2_REPORT	143
#define T_RS		133
#define T_RA		134
#define T_NS		135
#define T_NA		136
#define T_REDIRECT	137

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static void
addr6(uint8_t *p, const char *s)
{
	ATF_REQUIRE_MSG(inet_pton(AF_INET6, s, p) == 1, "%s", s);
}

/* The host's side, both families: the IPv6 prefix and its addresses. */
static struct secure_net
net6(const char *prefix)
{
	struct secure_net net;

	memset(&net, 0, sizeof(net));
	net.v4 = subnet();
	net.has4 = 1;
	ATF_REQUIRE_EQ(cidr6_parse(prefix, &net.v6), 0);
	net.has6 = 1;
	memcpy(net.host6[0], net.v6.addr, 16);
	addr6(net.host6[1], HOST6_LL);
	addr6(net.host6[2], HOST6_OTHER);
	net.nhost6 = 3;
	return (net);
}

static enum filter_verdict
check6(const uint8_t *frame, size_t len)
{
	struct secure_net net = net6(PREFIX6);

	return (filter_check(&net, guarded(frame, len), len));
}

static enum filter_verdict
guest(const uint8_t *frame, size_t len)
{
	struct secure_net net = net6(PREFIX6);

	return (filter_guest(&net, guarded(frame, len), len));
}

#define CHECK6(frame, len, want) do {					\
	enum filter_verdict got_ = check6((frame), (len));		\
	ATF_CHECK_EQ_MSG(got_, (want), "%s, %zu bytes: got %s, want %s",\
	    #frame, (size_t)(len), filter_reason(got_),		\
	    filter_reason(want));					\
} while (0)

#define CHECK_GUEST(frame, len, want) do {				\
	enum filter_verdict got_ = guest((frame), (len));		\
	ATF_CHECK_EQ_MSG(got_, (want), "%s, %zu bytes: got %s, want %s",\
	    #frame, (size_t)(len), filter_reason(got_),		\
	    filter_reason(want));					\
} while (0)

/*
 * Ethernet and an IPv6 header with `plen' bytes of zeroed payload;
 * returns the frame length.
 */
static size_t
ip6(uint8_t *f, uint8_t nh, const char *src, const char *dst, size_t plen,
    uint8_t hlim)
{
	uint8_t *h;

	h = f + eth(f, mac_b, mac_a, 0x86dd);
	memset(h, 0, IP6_LEN + plen);
	h[0] = 0x60;
	put16(h + 4, plen);
	h[6] = nh;
	h[7] = hlim;
	addr6(h + 8, src);
	addr6(h + 24, dst);
	return (L6 + plen);
}

/* Cut the packet (and the frame) to `plen' bytes of payload. */
static size_t
cut6(uint8_t *f, size_t plen)
{
	put16(f + ETH_LEN + 4, plen);
	return (L6 + plen);
}

static size_t
udp6(uint8_t *f, const char *src, size_t dlen)
{
	size_t len;

	len = ip6(f, P_UDP, src, HOST6, 8 + dlen, 64);
	put16(f + L6, 5353);
	put16(f + L6 + 2, 53);
	put16(f + L6 + 4, 8 + dlen);
	return (len);
}

static size_t
tcp6(uint8_t *f, const char *src, int doff, size_t dlen)
{
	size_t len;

	len = ip6(f, P_TCP, src, HOST6, 20 + dlen, 64);
	put16(f + L6, 40000);
	put16(f + L6 + 2, 22);
	f[L6 + 12] = doff << 4;
	f[L6 + 13] = 0x02;		/* SYN */
	return (len);
}

/* An ICMPv6 message of `mlen' bytes, code 0. */
static size_t
icmp6(uint8_t *f, uint8_t type, const char *src, const char *dst,
    size_t mlen, uint8_t hlim)
{
	size_t len;

	len = ip6(f, P_ICMP6, src, dst, mlen, hlim);
	f[L6] = type;
	return (len);
}

static size_t
echo6(uint8_t *f, const char *src, size_t dlen)
{
	size_t len;

	len = icmp6(f, T_ECHO, src, HOST6, 8 + dlen, 64);
	put16(f + L6 + 4, 0x1234);
	return (len);
}

/* A link-layer address option at `o'. */
static void
lladdr(uint8_t *o, uint8_t type, const uint8_t *mac)
{
	o[0] = type;
	o[1] = 1;
	memcpy(o + 2, mac, 6);
}

/* A neighbor solicitation, with a source link-layer option if `mac'. */
static size_t
ns6(uint8_t *f, const char *src, const char *dst, const char *target,
    const uint8_t *mac)
{
	size_t len;

	len = icmp6(f, T_NS, src, dst, 24 + (mac != NULL ? 8 : 0), 255);
	addr6(f + L6 + 8, target);
	if (mac != NULL)
		lladdr(f + L6 + 24, 1, mac);
	return (len);
}

/* A neighbor advertisement, with a target link-layer option if `mac'. */
static size_t
na6(uint8_t *f, const char *src, const char *dst, const char *target,
    uint8_t flags, const uint8_t *mac)
{
	size_t len;

	len = icmp6(f, T_NA, src, dst, 24 + (mac != NULL ? 8 : 0), 255);
	f[L6 + 4] = flags;
	addr6(f + L6 + 8, target);
	if (mac != NULL)
		lladdr(f + L6 + 24, 2, mac);
	return (len);
}

static size_t
rs6(uint8_t *f, const char *src, const uint8_t *mac)
{
	size_t len;

	len = icmp6(f, T_RS, src, ALL_ROUTERS, 8 + (mac != NULL ? 8 : 0),
	    255);
	if (mac != NULL)
		lladdr(f + L6 + 8, 1, mac);
	return (len);
}

/* A router advertisement from guest A, as a rogue router sends it. */
static size_t
ra6(uint8_t *f)
{
	size_t len;

	len = icmp6(f, T_RA, LL_A, ALL_NODES, 16 + 8, 255);
	f[L6 + 4] = 64;			/* cur hop limit */
	put16(f + L6 + 6, 1800);	/* router lifetime */
	lladdr(f + L6 + 16, 1, mac_a);
	return (len);
}

/* A redirect from guest A: "reach 2001:db8:2::9 through me". */
static size_t
redirect6(uint8_t *f)
{
	size_t len;

	len = icmp6(f, T_REDIRECT, LL_A, IN6_B, 40, 255);
	addr6(f + L6 + 8, LL_A);
	addr6(f + L6 + 24, OUT6);
	return (len);
}

/* An MLD message, 24 bytes (8 for an MLDv2 report with no records). */
static size_t
mld6(uint8_t *f, uint8_t type, const char *src)
{
	return (icmp6(f, type, src, type == T_MLD2_REPORT ? MLDV2_ROUTERS :
	    ALL_NODES, type == T_MLD2_REPORT ? 8 : 24, 1));
}

/*
 * Put an extension header (`hlen' bytes of `hdr', whose next header
 * byte is filled in here) right after the IPv6 header; returns the new
 * frame length.  Chains are built from the last header to the first.
 */
static size_t
ext6(uint8_t *f, size_t len, uint8_t type, const uint8_t *hdr, size_t hlen)
{
	uint8_t *ip = f + ETH_LEN;

	memmove(f + L6 + hlen, f + L6, len - L6);
	memcpy(f + L6, hdr, hlen);
	f[L6] = ip[6];
	ip[6] = type;
	put16(ip + 4, get16(ip + 4) + hlen);
	return (len + hlen);
}

/* A Fragment header: offset in 8-byte units, more fragments or not. */
static size_t
frag6(uint8_t *f, size_t len, uint16_t off, int more)
{
	uint8_t h[8] = { 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78 };

	put16(h + 2, off << 3 | (more ? 1 : 0));
	return (ext6(f, len, P_FRAG, h, sizeof(h)));
}

/* Hop-by-Hop with a Router Alert for MLD, as MLD reports carry it. */
static size_t
hbh6(uint8_t *f, size_t len)
{
	static const uint8_t h[8] = { 0, 0, 5, 2, 0, 0, 1, 0 };

	return (ext6(f, len, P_HBH, h, sizeof(h)));
}

/* An 8-byte header of type `type' holding a PadN option. */
static size_t
opts6(uint8_t *f, size_t len, uint8_t type)
{
	static const uint8_t h[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };

	return (ext6(f, len, type, h, sizeof(h)));
}

/*
 * An Authentication Header of 16 bytes: its length is in 4-byte units
 * less 2 (RFC 4302), not in 8-byte units less 1 as the others'.
 */
static size_t
ah6(uint8_t *f, size_t len)
{
	static const uint8_t h[16] = { 0, 2, 0, 0, 0, 0, 0x10, 0 };

	return (ext6(f, len, P_AH, h, sizeof(h)));
}

/* cidr6_parse */

ATF_TC_WITHOUT_HEAD(cidr6_parse_accepts_prefix);
ATF_TC_BODY(cidr6_parse_accepts_prefix, tc)
{
	static const struct {
		const char	*s;
		int		 bits;
	} ok[] = {
		{ "2001:db8::1/64", 64 }, { "2001:db8::1/0", 0 },
		{ "2001:db8::1/1", 1 }, { "2001:db8::1/65", 65 },
		{ "2001:db8::1/127", 127 }, { "2001:db8::1/128", 128 },
		{ "fe80::1/64", 64 }, { "2001:DB8:0:0:0:0:0:1/48", 48 },
	};
	struct cidr6 c;
	uint8_t a[16], m[16];
	size_t i;
	int b;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ATF_REQUIRE_EQ_MSG(cidr6_parse(ok[i].s, &c), 0, "%s",
		    ok[i].s);
		ATF_CHECK_EQ(c.bits, ok[i].bits);
		memset(m, 0, sizeof(m));
		for (b = 0; b < ok[i].bits; b++)
			m[b / 8] |= 0x80 >> (b % 8);
		ATF_CHECK_MSG(memcmp(c.mask, m, 16) == 0, "%s: mask",
		    ok[i].s);
	}
	/* The host part stays: it is the host's address. */
	ATF_REQUIRE_EQ(cidr6_parse("2001:db8:1::1/64", &c), 0);
	addr6(a, "2001:db8:1::1");
	ATF_CHECK(memcmp(c.addr, a, 16) == 0);
	ATF_CHECK_EQ(c.mask[7], 0xff);
	ATF_CHECK_EQ(c.mask[8], 0);
	ATF_REQUIRE_EQ(cidr6_parse("2001:db8::1/65", &c), 0);
	ATF_CHECK_EQ(c.mask[8], 0x80);
	ATF_CHECK_EQ(c.mask[9], 0);
}

ATF_TC_WITHOUT_HEAD(cidr6_parse_rejects_malformed);
ATF_TC_BODY(cidr6_parse_rejects_malformed, tc)
{
	static const char *bad[] = {
		"2001:db8::1", "2001:db8::1/129", "2001:db8::1/-1",
		"2001:db8::1/", "2001:db8::1/64x", "2001:db8::1/+64",
		"2001:db8::1/ 64", "2001:db8::1 /64", "/64", "",
		"2001:db8::g/64", "2001:db8:::1/64", "2001:db8::1//64",
		"2001:db8::1/1000", "2001:db8::1/99999999999999999999",
		"1:2:3:4:5:6:7:8:9/64", "fe80::1%eth0/64",
		/* IPv4, in any dress. */
		"198.51.100.1/24", "::ffff:198.51.100.1/120",
		"::198.51.100.1/120", "::ffff:c633:6401/96",
		/* Not an address a host can have on a link. */
		"ff02::1/64", "ff05::2/16", "::/0", "::/128", "::1/128",
		"2001:0db8:0000:0000:0000:0000:0000:0001:0000/64",
		"2001:0db8:0000:0000:0000:0000:0000:0000000000001/128",
	};
	struct cidr6 c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(cidr6_parse(bad[i], &c), -1,
		    "\"%s\" accepted", bad[i]);
}

/* filter_check: what passes */

ATF_TC_WITHOUT_HEAD(ipv6_udp_tcp_icmp6_from_prefix_pass);
ATF_TC_BODY(ipv6_udp_tcp_icmp6_from_prefix_pass, tc)
{
	static const char *src[] = { IN6_A, IN6_B, LL_A, "fe80::1:2:3:4",
	    "febf:ffff::1", "2001:db8:1:0:ffff:ffff:ffff:ffff" };
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		len = udp6(f, src[i], 12);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_PASS, "UDP from %s",
		    src[i]);
		len = udp6(f, src[i], 0);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_PASS, "UDP from %s",
		    src[i]);
		len = tcp6(f, src[i], 5, 0);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_PASS, "TCP from %s",
		    src[i]);
		len = tcp6(f, src[i], 15, 40);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_PASS, "TCP from %s",
		    src[i]);
		len = echo6(f, src[i], 56);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_PASS, "echo from %s",
		    src[i]);
	}
	/* An echo reply, and a DHCPv6 solicit from link-local. */
	len = echo6(f, IN6_A, 0);
	f[L6] = 129;
	CHECK6(f, len, FILTER_PASS);
	len = ip6(f, P_UDP, LL_A, "ff02::1:2", 8 + 40, 1);
	put16(f + L6, 546);
	put16(f + L6 + 2, 547);
	CHECK6(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(ipv6_padded_frames_pass);
ATF_TC_BODY(ipv6_padded_frames_pass, tc)
{
	uint8_t f[256];
	size_t len;

	/* The packet ends before the frame does: Ethernet padding. */
	len = udp6(f, IN6_A, 0);
	memset(f + len, 0xa5, 16);
	CHECK6(f, len + 16, FILTER_PASS);
	len = ns6(f, LL_A, SNM_A, HOST6, mac_a);
	memset(f + len, 0, 8);
	CHECK6(f, len + 8, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(ipv6_without_prefix_is_rejected);
ATF_TC_BODY(ipv6_without_prefix_is_rejected, tc)
{
	struct secure_net net = net6(PREFIX6);
	uint8_t f[256];
	size_t len;

	/* Without an IPv6 operand IPv6 is an ethertype like any other. */
	len = udp6(f, IN6_A, 8);
	CHECK_VERDICT(f, len, FILTER_ETHERTYPE);
	len = ns6(f, LL_A, SNM_A, HOST6, mac_a);
	CHECK_VERDICT(f, len, FILTER_ETHERTYPE);
	/* And without an IPv4 one, ARP and IPv4 are. */
	net.has4 = 0;
	len = udp(f, IN_A, 5353, 53, 4);
	ATF_CHECK_EQ(filter_check(&net, guarded(f, len), len),
	    FILTER_ETHERTYPE);
	len = arp(f, 1, mac_a, mac_a, IN_A, IN_B);
	ATF_CHECK_EQ(filter_check(&net, guarded(f, len), len),
	    FILTER_ETHERTYPE);
	len = udp6(f, IN6_A, 8);
	ATF_CHECK_EQ(filter_check(&net, guarded(f, len), len), FILTER_PASS);
}

/* filter_check: sources */

ATF_TC_WITHOUT_HEAD(ipv6_source_outside_prefix_is_rejected);
ATF_TC_BODY(ipv6_source_outside_prefix_is_rejected, tc)
{
	static const char *src[] = {
		OUT6, "2001:db8:1:1::5", "2001:db8:0:ffff::5",
		"fec0::1", "fe00::1", "fc00::1", "::1", "2001:db9:1::5",
	};
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		len = udp6(f, src[i], 4);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_SUBNET,
		    "UDP from %s", src[i]);
		len = tcp6(f, src[i], 5, 0);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_SUBNET,
		    "TCP from %s", src[i]);
		len = echo6(f, src[i], 8);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_SUBNET,
		    "echo from %s", src[i]);
	}
}

/*
 * A guest may not speak as the host, as a group, nor as the
 * subnet-router anycast address the host answers when it forwards.
 */
ATF_TC_WITHOUT_HEAD(ipv6_source_host_multicast_or_anycast);
ATF_TC_BODY(ipv6_source_host_multicast_or_anycast, tc)
{
	static const char *src[] = {
		HOST6, HOST6_LL, HOST6_OTHER, "2001:db8:1::", "fe80::",
		ALL_NODES, "ff05::2", "ff02::1:ff00:5", "::ffff:198.51.100.5",
	};
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		len = udp6(f, src[i], 4);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_RESERVED,
		    "UDP from %s", src[i]);
		len = echo6(f, src[i], 8);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_RESERVED,
		    "echo from %s", src[i]);
	}
	/* Next to them is fine. */
	len = udp6(f, "2001:db8:1::3", 4);
	CHECK6(f, len, FILTER_PASS);
	len = udp6(f, "fe80::2", 4);
	CHECK6(f, len, FILTER_PASS);
	len = udp6(f, "2001:db8:1::100:0", 4);
	CHECK6(f, len, FILTER_PASS);
}

/* The subnet-router anycast address exists up to /127 (RFC 6164). */
ATF_TC_WITHOUT_HEAD(ipv6_reserved_sources_by_prefix);
ATF_TC_BODY(ipv6_reserved_sources_by_prefix, tc)
{
	static const struct {
		const char	*prefix;
		const char	*src;
		enum filter_verdict v;
	} t[] = {
		{ "2001:db8:1::1/127", "2001:db8:1::", FILTER_IP6_RESERVED },
		{ "2001:db8:1::1/127", "2001:db8:1::1", FILTER_IP6_RESERVED },
		{ "2001:db8:1::1/127", "2001:db8:1::3", FILTER_IP6_SUBNET },
		{ "2001:db8:1::1/128", "2001:db8:1::", FILTER_IP6_SUBNET },
		{ "2001:db8:1::1/128", "2001:db8:1::1", FILTER_IP6_RESERVED },
		{ "2001:db8:1::1/128", LL_A, FILTER_PASS },
		{ "2001:db8:1::1/48", "2001:db8:1::", FILTER_IP6_RESERVED },
		{ "2001:db8:1::1/48", "2001:db8:1:ffff::1", FILTER_PASS },
		{ "2001:db8:1:0:8000::1/65", "2001:db8:1:0:8000::",
		    FILTER_IP6_RESERVED },
		{ "2001:db8:1:0:8000::1/65", "2001:db8:1::",
		    FILTER_IP6_SUBNET },
		{ "2001:db8:1::1/0", "2001:db8:2::9", FILTER_PASS },
		{ "2001:db8:1::1/0", "ff02::1", FILTER_IP6_RESERVED },
		{ "2001:db8:1::1/0", "::ffff:198.51.100.5",
		    FILTER_IP6_RESERVED },
	};
	struct secure_net net;
	uint8_t f[256];
	size_t len, i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		net = net6(t[i].prefix);
		len = udp6(f, t[i].src, 4);
		ATF_CHECK_EQ_MSG(filter_check(&net, guarded(f, len), len),
		    t[i].v, "%s, source %s", t[i].prefix, t[i].src);
	}
}

/* ::, only for DAD (RFC 4862) and the MLD reports that go with it. */
ATF_TC_WITHOUT_HEAD(ipv6_unspecified_source);
ATF_TC_BODY(ipv6_unspecified_source, tc)
{
	uint8_t f[256];
	size_t len;

	len = ns6(f, UNSPEC, SNM_A, IN6_A, NULL);
	CHECK6(f, len, FILTER_PASS);
	len = mld6(f, T_MLD2_REPORT, UNSPEC);
	CHECK6(f, len, FILTER_PASS);
	len = hbh6(f, len);
	CHECK6(f, len, FILTER_PASS);
	len = mld6(f, T_MLD_REPORT, UNSPEC);
	CHECK6(f, len, FILTER_PASS);

	len = udp6(f, UNSPEC, 4);
	CHECK6(f, len, FILTER_IP6_SUBNET);
	len = tcp6(f, UNSPEC, 5, 0);
	CHECK6(f, len, FILTER_IP6_SUBNET);
	len = echo6(f, UNSPEC, 0);
	CHECK6(f, len, FILTER_IP6_SUBNET);
	/* DAD goes to the target's solicited-node address, no option. */
	len = ns6(f, UNSPEC, HOST6, IN6_A, NULL);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	len = ns6(f, UNSPEC, ALL_NODES, IN6_A, NULL);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	len = ns6(f, UNSPEC, "ff02::1:ff00:6", IN6_A, NULL);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	len = ns6(f, UNSPEC, "ff02::2:ff00:5", IN6_A, NULL);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	len = ns6(f, UNSPEC, SNM_A, IN6_A, mac_a);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	/*
	 * DAD for an address the guest could not use: for the host's, a
	 * host whose address is still tentative would give it up.
	 */
	len = ns6(f, UNSPEC, "ff02::1:ff00:1", HOST6, NULL);
	CHECK6(f, len, FILTER_ND_TARGET);
	len = ns6(f, UNSPEC, "ff02::1:ff00:1", HOST6_LL, NULL);
	CHECK6(f, len, FILTER_ND_TARGET);
	len = ns6(f, UNSPEC, "ff02::1:ff00:9", OUT6, NULL);
	CHECK6(f, len, FILTER_ND_TARGET);
	len = ns6(f, UNSPEC, "ff02::1:ff00:0", "2001:db8:1::", NULL);
	CHECK6(f, len, FILTER_ND_TARGET);
	len = ns6(f, UNSPEC, SNM_A, LL_A, NULL);
	CHECK6(f, len, FILTER_PASS);
	len = na6(f, UNSPEC, ALL_NODES, IN6_A, 0x20, mac_a);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	len = rs6(f, UNSPEC, NULL);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	/* Only reports: a query or a done has a link-local source. */
	len = mld6(f, T_MLD_QUERY, UNSPEC);
	CHECK6(f, len, FILTER_MLD_MALFORMED);
	len = mld6(f, T_MLD_DONE, UNSPEC);
	CHECK6(f, len, FILTER_MLD_MALFORMED);
	/* No ICMPv6 header in a later fragment, so no exception. */
	len = ip6(f, P_ICMP6, UNSPEC, SNM_A, 16, 255);
	len = frag6(f, len, 2, 0);
	CHECK6(f, len, FILTER_IP6_SUBNET);
}

/* filter_check: the IPv6 header */

ATF_TC_WITHOUT_HEAD(ipv6_bad_version_or_length_is_malformed);
ATF_TC_BODY(ipv6_bad_version_or_length_is_malformed, tc)
{
	static const uint8_t ver[] = { 0x00, 0x40, 0x45, 0x70, 0xf0 };
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(ver); i++) {
		len = udp6(f, IN6_A, 8);
		f[ETH_LEN] = ver[i];
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_MALFORMED,
		    "version byte %#x not rejected", ver[i]);
	}
	/* Traffic class and flow label are no business of ours. */
	len = udp6(f, IN6_A, 8);
	memset(f + ETH_LEN, 0x6f, 4);
	CHECK6(f, len, FILTER_PASS);
	/* Payload length one more than the frame holds, and 0xffff. */
	len = udp6(f, IN6_A, 8);
	put16(f + ETH_LEN + 4, len - L6 + 1);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
	put16(f + ETH_LEN + 4, 0xffff);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
	/* Shorter than the transport header; 0 (a jumbogram's). */
	put16(f + ETH_LEN + 4, 7);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
	put16(f + ETH_LEN + 4, 0);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
	/* TCP's data offset beyond the packet, inside the padding. */
	len = tcp6(f, IN6_A, 6, 0);
	memset(f + len, 0, 8);
	CHECK6(f, len + 8, FILTER_IP6_MALFORMED);
	len = tcp6(f, IN6_A, 4, 20);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
}

/*
 * Every cut of a frame that passes, whether the frame ends early (the
 * payload length then says more than there is) or the packet does
 * (payload length and frame cut together), is refused once a header
 * the rules read is cut; check() faults on any read past the end.
 */
ATF_TC_WITHOUT_HEAD(ipv6_truncated_frames_are_rejected);
ATF_TC_BODY(ipv6_truncated_frames_are_rejected, tc)
{
	uint8_t f[256], g[256];
	size_t i, len, n;

	for (i = 0; i < 9; i++) {
		switch (i) {
		case 0: len = udp6(f, IN6_A, 0); break;
		case 1: len = tcp6(f, IN6_A, 8, 12); break;
		case 2: len = echo6(f, IN6_A, 0); break;
		case 3: len = ns6(f, LL_A, SNM_A, HOST6, mac_a); break;
		case 4: len = na6(f, IN6_A, HOST6_LL, IN6_A, 0x60, mac_a);
			break;
		case 5: len = ns6(f, UNSPEC, SNM_A, IN6_A, NULL); break;
		case 6: len = hbh6(f, mld6(f, T_MLD2_REPORT, LL_A)); break;
		case 7: len = frag6(f, udp6(f, IN6_A, 0), 0, 1); break;
		default: len = mld6(f, T_MLD_REPORT, LL_A); break;
		}
		ATF_REQUIRE_EQ_MSG(check6(f, len), FILTER_PASS, "frame %zu",
		    i);
		for (n = 0; n < len; n++)
			ATF_CHECK_MSG(check6(f, n) != FILTER_PASS,
			    "frame %zu cut to %zu bytes passed", i, n);
		for (n = ETH_LEN; n < L6; n++)
			ATF_CHECK_EQ_MSG(check6(f, n), FILTER_IP6_MALFORMED,
			    "frame %zu cut to %zu bytes", i, n);
		/* An NS or NA without its option is one still. */
		for (n = L6; n < len; n++) {
			memcpy(g, f, len);
			if ((i == 3 || i == 4) && n == len - 8)
				ATF_CHECK_EQ(check6(g, cut6(g, n - L6)),
				    FILTER_PASS);
			else
				ATF_CHECK_MSG(check6(g, cut6(g, n - L6)) !=
				    FILTER_PASS, "packet %zu cut to %zu bytes "
				    "passed", i, n);
		}
	}
}

ATF_TC_WITHOUT_HEAD(ipv6_other_next_headers_are_rejected);
ATF_TC_BODY(ipv6_other_next_headers_are_rejected, tc)
{
	static const uint8_t proto[] = { P_ICMP, P_IPIP, 41, P_GRE, 103,
	    132, 136, 143, 255 };
	static const uint8_t ext[] = { P_ESP, P_NONXT };
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(proto); i++) {
		len = ip6(f, proto[i], IN6_A, HOST6, 40, 64);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_PROTO,
		    "next header %d not rejected", proto[i]);
	}
	for (i = 0; i < sizeof(ext); i++) {
		len = ip6(f, ext[i], IN6_A, HOST6, 40, 64);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_EXTHDR,
		    "next header %d not rejected", ext[i]);
	}
}

/* filter_check: extension headers */

ATF_TC_WITHOUT_HEAD(ipv6_extension_headers_are_rejected);
ATF_TC_BODY(ipv6_extension_headers_are_rejected, tc)
{
	static const uint8_t type[] = { P_ROUTING, P_DSTOPTS, 135, 139, 140,
	    253, 254 };
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(type); i++) {
		len = opts6(f, udp6(f, IN6_A, 8), type[i]);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_EXTHDR,
		    "header %d before UDP not rejected", type[i]);
		len = opts6(f, echo6(f, IN6_A, 8), type[i]);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_EXTHDR,
		    "header %d before ICMPv6 not rejected", type[i]);
		/* Behind a Fragment header, or before one. */
		len = frag6(f, opts6(f, udp6(f, IN6_A, 8), type[i]), 0, 0);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_EXTHDR,
		    "header %d after a fragment header not rejected",
		    type[i]);
		len = opts6(f, frag6(f, udp6(f, IN6_A, 8), 0, 0), type[i]);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_EXTHDR,
		    "header %d before a fragment header not rejected",
		    type[i]);
	}
	len = ah6(f, udp6(f, IN6_A, 8));
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	/* Two Fragment headers. */
	len = frag6(f, frag6(f, udp6(f, IN6_A, 8), 0, 0), 0, 0);
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	/* Hop-by-Hop before anything but MLD, or not first. */
	len = hbh6(f, udp6(f, IN6_A, 8));
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	len = hbh6(f, echo6(f, LL_A, 8));
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	len = hbh6(f, ns6(f, LL_A, SNM_A, HOST6, mac_a));
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	len = hbh6(f, frag6(f, mld6(f, T_MLD2_REPORT, LL_A), 0, 0));
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	len = frag6(f, hbh6(f, mld6(f, T_MLD2_REPORT, LL_A)), 0, 0);
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	len = opts6(f, hbh6(f, mld6(f, T_MLD2_REPORT, LL_A)), P_DSTOPTS);
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	/* A chain longer than anyone sends. */
	len = udp6(f, IN6_A, 8);
	for (i = 0; i < 9; i++)
		len = opts6(f, len, P_DSTOPTS);
	CHECK6(f, len, FILTER_IP6_EXTHDR);
}

/* MLD reports carry a Router Alert in a Hop-by-Hop header (RFC 3810). */
ATF_TC_WITHOUT_HEAD(ipv6_hop_by_hop_before_mld);
ATF_TC_BODY(ipv6_hop_by_hop_before_mld, tc)
{
	/* Hop-by-Hop bodies after the next header and length bytes. */
	static const struct {
		uint8_t		 opt[14];
		size_t		 len;
		enum filter_verdict v;
	} t[] = {
		{ { 5, 2, 0, 0, 1, 0 }, 6, FILTER_PASS },
		{ { 1, 0, 5, 2, 0, 0 }, 6, FILTER_PASS },
		{ { 0, 0, 5, 2, 0, 0 }, 6, FILTER_PASS },	/* Pad1s */
		{ { 1, 4 }, 6, FILTER_PASS },
		{ { 5, 2, 0, 0, 1, 8, 0 }, 14, FILTER_PASS },
		{ { 5, 2, 0, 1, 1, 0 }, 6, FILTER_IP6_EXTHDR },	/* RSVP */
		{ { 5, 3, 0, 0, 0, 0 }, 6, FILTER_IP6_EXTHDR },
		{ { 0xc2, 4, 0, 1, 0, 0 }, 6, FILTER_IP6_EXTHDR }, /* jumbo */
		{ { 0x1e, 4 }, 6, FILTER_IP6_EXTHDR },
		{ { 0x3e, 4 }, 6, FILTER_IP6_EXTHDR },
		{ { 1, 5 }, 6, FILTER_IP6_EXTHDR },	/* PadN too long */
		{ { 0, 0, 0, 0, 0, 1 }, 6, FILTER_IP6_EXTHDR }, /* no length */
		{ { 5, 2, 0, 0, 1, 9, 0 }, 14, FILTER_IP6_EXTHDR },
	};
	uint8_t f[256], h[16];
	size_t i, len;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(h, 0, sizeof(h));
		h[1] = (t[i].len + 2) / 8 - 1;
		memcpy(h + 2, t[i].opt, t[i].len);
		len = ext6(f, mld6(f, T_MLD2_REPORT, LL_A), P_HBH, h,
		    t[i].len + 2);
		ATF_CHECK_EQ_MSG(check6(f, len), t[i].v,
		    "Hop-by-Hop %zu: %s", i, filter_reason(check6(f, len)));
	}
	/* Every MLD message may have one. */
	len = hbh6(f, mld6(f, T_MLD_QUERY, LL_A));
	CHECK6(f, len, FILTER_PASS);
	len = hbh6(f, mld6(f, T_MLD_REPORT, LL_A));
	CHECK6(f, len, FILTER_PASS);
	len = hbh6(f, mld6(f, T_MLD_DONE, LL_A));
	CHECK6(f, len, FILTER_PASS);
	/* A Hop-by-Hop header longer than the packet. */
	len = hbh6(f, mld6(f, T_MLD2_REPORT, LL_A));
	f[L6 + 1] = 2;
	CHECK6(f, len, FILTER_IP6_MALFORMED);
}

/* filter_check: fragments */

ATF_TC_WITHOUT_HEAD(ipv6_first_fragment_needs_transport_header);
ATF_TC_BODY(ipv6_first_fragment_needs_transport_header, tc)
{
	uint8_t f[256];
	size_t len;

	len = frag6(f, udp6(f, IN6_A, 16), 0, 1);
	CHECK6(f, len, FILTER_PASS);
	len = frag6(f, tcp6(f, IN6_A, 5, 0), 0, 1);
	CHECK6(f, len, FILTER_PASS);
	len = frag6(f, echo6(f, IN6_A, 64), 0, 1);
	CHECK6(f, len, FILTER_PASS);
	/* An atomic fragment: offset 0, no more. */
	len = frag6(f, udp6(f, IN6_A, 16), 0, 0);
	CHECK6(f, len, FILTER_PASS);
	/* Less than the transport header in the first fragment. */
	len = frag6(f, ip6(f, P_UDP, IN6_A, HOST6, 4, 64), 0, 1);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
	len = frag6(f, ip6(f, P_TCP, IN6_A, HOST6, 16, 64), 0, 1);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
	len = frag6(f, ip6(f, P_ICMP6, IN6_A, HOST6, 0, 64), 0, 1);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
	/* The Fragment header itself cut short. */
	len = frag6(f, ip6(f, P_UDP, IN6_A, HOST6, 0, 64), 0, 1);
	CHECK6(f, cut6(f, 7), FILTER_IP6_MALFORMED);
	/* Neighbor Discovery is never fragmented (RFC 6980). */
	len = frag6(f, ns6(f, LL_A, SNM_A, HOST6, mac_a), 0, 0);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	len = frag6(f, na6(f, IN6_A, HOST6, IN6_A, 0x60, mac_a), 0, 1);
	CHECK6(f, len, FILTER_ND_MALFORMED);
	len = frag6(f, rs6(f, LL_A, mac_a), 0, 0);
	CHECK6(f, len, FILTER_ND_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(ipv6_later_fragments);
ATF_TC_BODY(ipv6_later_fragments, tc)
{
	static const uint8_t proto[] = { P_UDP, P_TCP, P_ICMP6 };
	static const uint16_t off[] = { 1, 2, 0x1fff };
	uint8_t f[256];
	size_t i, j, len;

	for (i = 0; i < sizeof(proto); i++)
		for (j = 0; j < sizeof(off) / sizeof(off[0]); j++) {
			len = ip6(f, proto[i], IN6_A, HOST6, 4, 64);
			len = frag6(f, len, off[j], j % 2);
			ATF_CHECK_EQ_MSG(check6(f, len), FILTER_PASS,
			    "protocol %d offset %d rejected", proto[i],
			    off[j]);
		}
	/* No payload at all, and from link-local. */
	len = frag6(f, ip6(f, P_UDP, LL_A, HOST6, 0, 64), 3, 0);
	CHECK6(f, len, FILTER_PASS);
	/* The other rules still hold. */
	len = frag6(f, ip6(f, P_UDP, OUT6, HOST6, 16, 64), 3, 0);
	CHECK6(f, len, FILTER_IP6_SUBNET);
	len = frag6(f, ip6(f, P_UDP, HOST6, HOST6, 16, 64), 3, 0);
	CHECK6(f, len, FILTER_IP6_RESERVED);
	len = frag6(f, ip6(f, P_GRE, IN6_A, HOST6, 16, 64), 3, 0);
	CHECK6(f, len, FILTER_IP6_PROTO);
	len = frag6(f, ip6(f, P_DSTOPTS, IN6_A, HOST6, 16, 64), 3, 0);
	CHECK6(f, len, FILTER_IP6_EXTHDR);
	len = frag6(f, ip6(f, P_UDP, IN6_A, HOST6, 16, 64), 3, 0);
	put16(f + ETH_LEN + 4, 8 + 17);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
}

/* filter_check: ICMPv6 */

ATF_TC_WITHOUT_HEAD(icmp6_types_for_the_host_only);
ATF_TC_BODY(icmp6_types_for_the_host_only, tc)
{
	static const uint8_t ok[] = { 1, 2, 3, 4, 128, 129 };
	static const uint8_t bad[] = { 0, 5, 100, 101, 127, 138, 139, 140,
	    141, 142, 144, 145, 148, 149, 151, 200, 255 };
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(ok); i++) {
		len = icmp6(f, ok[i], IN6_A, HOST6, 8 + 48, 64);
		f[L6 + 1] = 3;		/* any code */
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_PASS,
		    "ICMPv6 type %d rejected", ok[i]);
	}
	for (i = 0; i < sizeof(bad); i++) {
		len = icmp6(f, bad[i], LL_A, HOST6, 8 + 48, 255);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_ICMP6_TYPE,
		    "ICMPv6 type %d not rejected", bad[i]);
	}
	/* 8 bytes is the least any of them has. */
	len = icmp6(f, 1, IN6_A, HOST6, 7, 64);
	CHECK6(f, len, FILTER_IP6_MALFORMED);
}

/* Issue 12: a guest's RAs and redirects never reach the host. */
ATF_TC_WITHOUT_HEAD(ra_and_redirect_never_reach_host);
ATF_TC_BODY(ra_and_redirect_never_reach_host, tc)
{
	uint8_t f[256];
	size_t len;

	len = ra6(f);
	CHECK6(f, len, FILTER_RA_GUARD);
	len = redirect6(f);
	CHECK6(f, len, FILTER_RA_GUARD);
	/* Whatever their hop limit or source. */
	len = ra6(f);
	f[ETH_LEN + 7] = 64;
	addr6(f + ETH_LEN + 8, IN6_A);
	CHECK6(f, len, FILTER_RA_GUARD);
	/* In a first fragment. */
	len = frag6(f, ra6(f), 0, 1);
	CHECK6(f, len, FILTER_RA_GUARD);
}

ATF_TC_WITHOUT_HEAD(mld_is_link_local_with_hop_limit_1);
ATF_TC_BODY(mld_is_link_local_with_hop_limit_1, tc)
{
	static const uint8_t type[] = { T_MLD_QUERY, T_MLD_REPORT,
	    T_MLD_DONE, T_MLD2_REPORT };
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(type); i++) {
		len = mld6(f, type[i], LL_A);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_PASS,
		    "MLD %d rejected", type[i]);
		f[ETH_LEN + 7] = 255;
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_MLD_MALFORMED,
		    "MLD %d with hop limit 255 passed", type[i]);
		len = mld6(f, type[i], IN6_A);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_MLD_MALFORMED,
		    "MLD %d from a global address passed", type[i]);
		len = mld6(f, type[i], HOST6_LL);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_IP6_RESERVED,
		    "MLD %d from the host passed", type[i]);
	}
	/* A query (MLDv2 is longer), a v1 report, a done: 24 bytes. */
	len = icmp6(f, T_MLD_QUERY, LL_A, ALL_NODES, 28, 1);
	CHECK6(f, len, FILTER_PASS);
	for (i = 0; i < 3; i++) {
		len = mld6(f, type[i], LL_A);
		len = cut6(f, 23);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_MLD_MALFORMED,
		    "MLD %d of 23 bytes passed", type[i]);
	}
}

/* filter_check: Neighbor Discovery */

ATF_TC_WITHOUT_HEAD(nd_well_formed_passes);
ATF_TC_BODY(nd_well_formed_passes, tc)
{
	uint8_t f[256];
	size_t len;

	len = ns6(f, LL_A, SNM_A, HOST6, mac_a);
	CHECK6(f, len, FILTER_PASS);
	len = ns6(f, IN6_A, HOST6, HOST6, NULL);
	CHECK6(f, len, FILTER_PASS);
	len = na6(f, IN6_A, HOST6_LL, IN6_A, 0x60, mac_a);
	CHECK6(f, len, FILTER_PASS);
	len = na6(f, LL_A, ALL_NODES, LL_A, 0x20, mac_a);
	CHECK6(f, len, FILTER_PASS);
	len = na6(f, LL_A, HOST6_LL, IN6_B, 0x40, NULL);
	CHECK6(f, len, FILTER_PASS);
	len = rs6(f, LL_A, mac_a);
	CHECK6(f, len, FILTER_PASS);
	len = rs6(f, LL_A, NULL);
	CHECK6(f, len, FILTER_PASS);
	/* Options we do not read still have to be well-formed: nonce. */
	len = ns6(f, LL_A, SNM_A, HOST6, mac_a);
	memset(f + len, 0, 8);
	f[L6 + 24 + 8] = 14;
	f[L6 + 24 + 9] = 1;
	len = cut6(f, 24 + 16);
	CHECK6(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(nd_malformed_is_rejected);
ATF_TC_BODY(nd_malformed_is_rejected, tc)
{
	uint8_t f[256];
	size_t len;
	int i;

	for (i = 0; i < 3; i++) {
		len = i == 0 ? ns6(f, LL_A, SNM_A, HOST6, mac_a) :
		    i == 1 ? na6(f, IN6_A, HOST6, IN6_A, 0x60, mac_a) :
		    rs6(f, LL_A, mac_a);
		CHECK6(f, len, FILTER_PASS);
		/* RFC 4861: hop limit 255, code 0. */
		f[ETH_LEN + 7] = 254;
		CHECK6(f, len, FILTER_ND_MALFORMED);
		f[ETH_LEN + 7] = 64;
		CHECK6(f, len, FILTER_ND_MALFORMED);
		f[ETH_LEN + 7] = 255;
		f[L6 + 1] = 1;
		CHECK6(f, len, FILTER_ND_MALFORMED);
		f[L6 + 1] = 0;
		/* An option of length 0, or running past the packet. */
		f[len - 7] = 0;
		CHECK6(f, len, FILTER_ND_MALFORMED);
		f[len - 7] = 2;
		CHECK6(f, len, FILTER_ND_MALFORMED);
		f[len - 7] = 1;
		CHECK6(f, len, FILTER_PASS);
		/* Bytes left over that are no option. */
		memset(f + len, 0, 8);
		CHECK6(f, cut6(f, len - L6 + 1), FILTER_ND_MALFORMED);
		CHECK6(f, cut6(f, len - L6 + 7), FILTER_ND_MALFORMED);
		/* A link-layer option is 8 bytes on Ethernet. */
		f[len - 7] = 2;
		CHECK6(f, cut6(f, len - L6 + 8), FILTER_ND_MALFORMED);
	}
	/* Too short for the fixed part. */
	len = ns6(f, LL_A, SNM_A, HOST6, NULL);
	CHECK6(f, cut6(f, 23), FILTER_ND_MALFORMED);
	len = na6(f, LL_A, SNM_A, IN6_A, 0, NULL);
	CHECK6(f, cut6(f, 16), FILTER_ND_MALFORMED);
	/* A solicited advertisement answers one node, never a group. */
	len = na6(f, LL_A, ALL_NODES, IN6_A, 0x60, mac_a);
	CHECK6(f, len, FILTER_ND_MALFORMED);
}

/* Issue 12: ND that names another MAC poisons the host's cache. */
ATF_TC_WITHOUT_HEAD(nd_lladdr_option_not_source_is_spoofed);
ATF_TC_BODY(nd_lladdr_option_not_source_is_spoofed, tc)
{
	uint8_t f[256];
	size_t len;

	len = ns6(f, LL_A, SNM_A, HOST6, mac_b);
	CHECK6(f, len, FILTER_ND_SPOOFED);
	len = na6(f, IN6_A, HOST6, IN6_A, 0x60, mac_b);
	CHECK6(f, len, FILTER_ND_SPOOFED);
	len = rs6(f, LL_A, mac_b);
	CHECK6(f, len, FILTER_ND_SPOOFED);
	/* The last byte counts; so does the other option's type. */
	len = na6(f, IN6_A, HOST6, IN6_A, 0x60, mac_a);
	f[len - 1] ^= 1;
	CHECK6(f, len, FILTER_ND_SPOOFED);
	len = ns6(f, LL_A, SNM_A, HOST6, mac_a);
	f[L6 + 24] = 2;
	CHECK6(f, len, FILTER_PASS);
	memcpy(f + L6 + 26, mac_b, 6);
	CHECK6(f, len, FILTER_ND_SPOOFED);
	/* A second option further on. */
	len = ns6(f, LL_A, SNM_A, HOST6, mac_a);
	lladdr(f + len, 1, mac_b);
	len = cut6(f, 24 + 16);
	CHECK6(f, len, FILTER_ND_SPOOFED);
}

/* Issue 12: an NA must not answer for the host, nor for outsiders. */
ATF_TC_WITHOUT_HEAD(na_target_outside_or_host_is_rejected);
ATF_TC_BODY(na_target_outside_or_host_is_rejected, tc)
{
	static const char *bad[] = {
		HOST6, HOST6_LL, HOST6_OTHER, OUT6, "2001:db8:1::",
		"fe80::", ALL_NODES, "ff02::1:ff00:1", UNSPEC, "::1",
	};
	uint8_t f[256];
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = na6(f, LL_A, ALL_NODES, bad[i], 0x20, mac_a);
		ATF_CHECK_EQ_MSG(check6(f, len), FILTER_ND_TARGET,
		    "NA for %s passed", bad[i]);
	}
	/* The NS's target is the address asked for: the host's. */
	len = ns6(f, LL_A, "ff02::1:ff00:1", HOST6, mac_a);
	CHECK6(f, len, FILTER_PASS);
}

/* filter_guest: RA guard */

/* Issue 12: no guest's RA or redirect reaches anyone, however hidden. */
ATF_TC_WITHOUT_HEAD(guest_ra_and_redirect_are_dropped);
ATF_TC_BODY(guest_ra_and_redirect_are_dropped, tc)
{
	uint8_t f[512];
	size_t i, len;

	for (i = 0; i < 2; i++) {
		len = i == 0 ? ra6(f) : redirect6(f);
		CHECK_GUEST(f, len, FILTER_RA_GUARD);
		/* Behind each extension header, in turn and all at once. */
		CHECK_GUEST(f, opts6(f, len, P_DSTOPTS), FILTER_RA_GUARD);
		len = i == 0 ? ra6(f) : redirect6(f);
		CHECK_GUEST(f, opts6(f, len, P_ROUTING), FILTER_RA_GUARD);
		len = i == 0 ? ra6(f) : redirect6(f);
		CHECK_GUEST(f, hbh6(f, len), FILTER_RA_GUARD);
		len = i == 0 ? ra6(f) : redirect6(f);
		CHECK_GUEST(f, ah6(f, len), FILTER_RA_GUARD);
		len = i == 0 ? ra6(f) : redirect6(f);
		CHECK_GUEST(f, frag6(f, len, 0, 1), FILTER_RA_GUARD);
		len = i == 0 ? ra6(f) : redirect6(f);
		len = opts6(f, len, P_DSTOPTS);
		len = ah6(f, len);
		len = frag6(f, len, 0, 1);
		len = opts6(f, len, P_ROUTING);
		len = opts6(f, len, P_DSTOPTS);
		len = hbh6(f, len);
		CHECK_GUEST(f, len, FILTER_RA_GUARD);
		/* From anywhere, with any hop limit. */
		len = i == 0 ? ra6(f) : redirect6(f);
		f[ETH_LEN + 7] = 1;
		addr6(f + ETH_LEN + 8, OUT6);
		CHECK_GUEST(f, len, FILTER_RA_GUARD);
	}
	/* Cut short, an RA is still not let through: not at any length. */
	len = frag6(f, opts6(f, ra6(f), P_DSTOPTS), 0, 1);
	for (i = ETH_LEN; i < len; i++) {
		ATF_CHECK_MSG(guest(f, i) != FILTER_PASS,
		    "RA cut to %zu bytes passed", i);
		ATF_CHECK_MSG(i < L6 || guest(f, cut6(f, i - L6)) !=
		    FILTER_PASS, "RA packet cut to %zu bytes passed", i);
		len = frag6(f, opts6(f, ra6(f), P_DSTOPTS), 0, 1);
	}
}

/* RFC 7113: a chain that hides its end is dropped too. */
ATF_TC_WITHOUT_HEAD(guest_hidden_header_chain_is_dropped);
ATF_TC_BODY(guest_hidden_header_chain_is_dropped, tc)
{
	uint8_t f[512];
	size_t i, len;

	/* The first fragment ends inside a Destination Options header. */
	len = frag6(f, opts6(f, ra6(f), P_DSTOPTS), 0, 1);
	f[L6 + 8 + 1] = 1;		/* 16 bytes; 8 are there */
	CHECK_GUEST(f, cut6(f, 16), FILTER_IP6_MALFORMED);
	/* Or before the ICMPv6 header is whole. */
	len = frag6(f, ra6(f), 0, 1);
	CHECK_GUEST(f, cut6(f, 8 + 3), FILTER_IP6_MALFORMED);
	CHECK_GUEST(f, cut6(f, 8), FILTER_IP6_MALFORMED);
	/* Too many headers, two Fragment headers, Hop-by-Hop not first. */
	len = ra6(f);
	for (i = 0; i < 9; i++)
		len = opts6(f, len, P_DSTOPTS);
	CHECK_GUEST(f, len, FILTER_IP6_EXTHDR);
	len = frag6(f, frag6(f, ra6(f), 0, 1), 0, 1);
	CHECK_GUEST(f, len, FILTER_IP6_EXTHDR);
	len = opts6(f, hbh6(f, ra6(f)), P_DSTOPTS);
	CHECK_GUEST(f, len, FILTER_IP6_EXTHDR);
	/* Not IPv6 behind its ethertype, or longer than the frame. */
	len = ra6(f);
	f[ETH_LEN] = 0x40;
	CHECK_GUEST(f, len, FILTER_IP6_MALFORMED);
	len = ra6(f);
	put16(f + ETH_LEN + 4, len - L6 + 1);
	CHECK_GUEST(f, len, FILTER_IP6_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(guest_nd_behind_extension_headers_is_dropped);
ATF_TC_BODY(guest_nd_behind_extension_headers_is_dropped, tc)
{
	uint8_t f[256];
	size_t len;

	/* An NA for guest B's address, unseen behind Destination Options. */
	len = opts6(f, na6(f, LL_A, ALL_NODES, IN6_B, 0x20, mac_a),
	    P_DSTOPTS);
	CHECK_GUEST(f, len, FILTER_ND_MALFORMED);
	len = frag6(f, ns6(f, LL_A, SNM_A, IN6_B, mac_a), 0, 0);
	CHECK_GUEST(f, len, FILTER_ND_MALFORMED);
	len = hbh6(f, rs6(f, LL_A, mac_a));
	CHECK_GUEST(f, len, FILTER_ND_MALFORMED);
	len = na6(f, LL_A, ALL_NODES, IN6_B, 0x20, mac_a);
	CHECK_GUEST(f, len, FILTER_PASS);
}

ATF_TC_WITHOUT_HEAD(guest_everything_else_passes);
ATF_TC_BODY(guest_everything_else_passes, tc)
{
	static const uint8_t next[] = { P_UDP, P_TCP, P_GRE, 132, 255,
	    P_ESP, P_NONXT };
	uint8_t f[256];
	size_t i, len;

	/* What guests say to each other is not for the filter to judge. */
	for (i = 0; i < sizeof(next); i++) {
		len = ip6(f, next[i], OUT6, IN6_B, 40, 64);
		ATF_CHECK_EQ_MSG(guest(f, len), FILTER_PASS,
		    "next header %d dropped", next[i]);
		len = opts6(f, len, P_ROUTING);
		ATF_CHECK_EQ_MSG(guest(f, len), FILTER_PASS,
		    "next header %d behind a routing header dropped",
		    next[i]);
	}
	len = echo6(f, IN6_A, 8);
	CHECK_GUEST(f, len, FILTER_PASS);
	len = icmp6(f, 141, LL_A, IN6_B, 8, 255);
	CHECK_GUEST(f, len, FILTER_PASS);
	len = ns6(f, LL_A, SNM_A, IN6_B, mac_a);
	CHECK_GUEST(f, len, FILTER_PASS);
	len = hbh6(f, mld6(f, T_MLD2_REPORT, LL_A));
	CHECK_GUEST(f, len, FILTER_PASS);
	/* A later fragment: its first one is judged. */
	len = frag6(f, ra6(f), 1, 0);
	CHECK_GUEST(f, len, FILTER_PASS);
	/* An RA inside ESP is for nobody without the guest's key. */
	len = ip6(f, P_ESP, LL_A, ALL_NODES, 40, 255);
	f[L6 + 8] = T_RA;
	CHECK_GUEST(f, len, FILTER_PASS);
	/* Other ethertypes, IPv4 that is no redirect, runts. */
	len = arp(f, 1, mac_a, mac_b, IN_A, IN_B);
	CHECK_GUEST(f, len, FILTER_PASS);
	len = udp(f, OUT_A, 5353, 53, 4);
	CHECK_GUEST(f, len, FILTER_PASS);
	len = icmp(f, IN_A, 8);
	CHECK_GUEST(f, len, FILTER_PASS);
	put16(f + 12, 0x88cc);
	CHECK_GUEST(f, len, FILTER_PASS);
	for (i = 0; i < ETH_LEN; i++)
		ATF_CHECK_EQ_MSG(guest(f, i), FILTER_PASS,
		    "%zu-byte frame dropped", i);
}

/* Put an 802.1Q or 802.1ad tag (VLAN 100) after the MACs. */
static size_t
vlan(uint8_t *f, size_t len, uint16_t tpid)
{
	memmove(f + 16, f + 12, len - 12);
	put16(f + 12, tpid);
	put16(f + 14, 100);
	return (len + 4);
}

/* A guest's VLAN interfaces take RAs too: tags hide nothing. */
ATF_TC_WITHOUT_HEAD(guest_ra_behind_vlan_tags_is_dropped);
ATF_TC_BODY(guest_ra_behind_vlan_tags_is_dropped, tc)
{
	uint8_t f[256];
	size_t len, n;

	len = vlan(f, ra6(f), 0x8100);
	CHECK_GUEST(f, len, FILTER_RA_GUARD);
	/* Not to the host, which takes no tagged frames at all. */
	CHECK6(f, len, FILTER_ETHERTYPE);
	len = vlan(f, vlan(f, redirect6(f), 0x8100), 0x88a8);
	CHECK_GUEST(f, len, FILTER_RA_GUARD);
	len = vlan(f, vlan(f, vlan(f, ra6(f), 0x8100), 0x8100), 0x88a8);
	CHECK_GUEST(f, len, FILTER_RA_GUARD);
	len = vlan(f, frag6(f, opts6(f, ra6(f), P_DSTOPTS), 0, 1), 0x8100);
	CHECK_GUEST(f, len, FILTER_RA_GUARD);
	len = icmp(f, IN_A, 28);
	f[L4] = 5;
	len = vlan(f, len, 0x8100);
	CHECK_GUEST(f, len, FILTER_ICMP_REDIRECT);
	/* What is not a redirect passes, tagged or not. */
	len = vlan(f, udp6(f, OUT6, 8), 0x8100);
	CHECK_GUEST(f, len, FILTER_PASS);
	len = vlan(f, echo6(f, IN6_A, 8), 0x88a8);
	CHECK_GUEST(f, len, FILTER_PASS);
	/* Cut inside a tag: nothing behind it; inside the packet: no RA. */
	len = vlan(f, vlan(f, ra6(f), 0x8100), 0x88a8);
	for (n = ETH_LEN; n < ETH_LEN + 8; n++)
		ATF_CHECK_EQ_MSG(guest(f, n), FILTER_PASS,
		    "%zu bytes of tags dropped", n);
	for (n = ETH_LEN + 8; n < len; n++)
		ATF_CHECK_MSG(guest(f, n) != FILTER_PASS,
		    "tagged RA cut to %zu bytes passed", n);
}

/* A guest does not route the other guests either: ICMPv4 redirects. */
ATF_TC_WITHOUT_HEAD(guest_icmp_redirect_is_dropped);
ATF_TC_BODY(guest_icmp_redirect_is_dropped, tc)
{
	uint8_t f[128];
	size_t len, n;

	len = icmp(f, IN_A, 28);
	f[L4] = 5;
	CHECK_GUEST(f, len, FILTER_ICMP_REDIRECT);
	/* From anywhere, in a first fragment, behind IP options. */
	put32(f + ETH_LEN + 12, OUT_A);
	ip_sum(f);
	CHECK_GUEST(f, len, FILTER_ICMP_REDIRECT);
	ip_frag(f, 0x2000);
	CHECK_GUEST(f, len, FILTER_ICMP_REDIRECT);
	len = ip(f, P_ICMP, IN_A, IN_B, 4 + 36);
	f[ETH_LEN] = 0x46;
	f[L4 + 4] = 5;
	ip_sum(f);
	CHECK_GUEST(f, len, FILTER_ICMP_REDIRECT);
	/* A later fragment holds no type; other types are not ours. */
	len = icmp(f, IN_A, 28);
	f[L4] = 5;
	ip_frag(f, 0x0003);
	CHECK_GUEST(f, len, FILTER_PASS);
	len = icmp(f, IN_A, 28);
	f[L4] = 3;
	CHECK_GUEST(f, len, FILTER_PASS);
	/* Cut short, it is no packet its receiver takes. */
	len = icmp(f, IN_A, 28);
	f[L4] = 5;
	for (n = 0; n < len; n++)
		ATF_CHECK_EQ_MSG(guest(f, n), FILTER_PASS,
		    "redirect cut to %zu bytes dropped", n);
}

/* filter_claims */

static int
claims(const uint8_t *frame, size_t len, struct claim cl[FILTER_MAXCLAIMS])
{
	memset(cl, 0xee, sizeof(*cl) * FILTER_MAXCLAIMS);
	return (filter_claims(guarded(frame, len), len, cl));
}

/* The claim holds `s', an IPv6 address or a dotted quad. */
static int
claim_is(const struct claim *cl, const char *s)
{
	uint8_t a[16] = { [10] = 0xff, [11] = 0xff };

	if (inet_pton(AF_INET, s, a + 12) != 1)
		addr6(a, s);
	return (memcmp(cl->addr, a, 16) == 0);
}

ATF_TC_WITHOUT_HEAD(claims_ipv4);
ATF_TC_BODY(claims_ipv4, tc)
{
	struct claim cl[FILTER_MAXCLAIMS];
	uint8_t f[128];
	size_t len, n;

	len = arp(f, 1, mac_a, mac_a, IN_A, IN_B);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], "198.51.100.5"));
	len = udp(f, OUT_A, 5353, 53, 4);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], "203.0.113.9"));
	/* 0.0.0.0 speaks for no one. */
	len = arp(f, 1, mac_a, mac_a, 0, IN_A);
	ATF_CHECK_EQ(claims(f, len, cl), 0);
	len = udp(f, 0, 68, 67, 4);
	ATF_CHECK_EQ(claims(f, len, cl), 0);
	/* Too short to hold the address: no claim, no read past it. */
	len = arp(f, 1, mac_a, mac_a, IN_A, IN_B);
	for (n = 0; n < ETH_LEN + 28; n++)
		ATF_CHECK_EQ_MSG(claims(f, n, cl), 0, "ARP of %zu bytes", n);
	len = udp(f, IN_A, 5353, 53, 4);
	for (n = 0; n < ETH_LEN + 20; n++)
		ATF_CHECK_EQ_MSG(claims(f, n, cl), 0, "IPv4 of %zu bytes",
		    n);
	put16(f + 12, 0x88cc);
	ATF_CHECK_EQ(claims(f, len, cl), 0);
}

ATF_TC_WITHOUT_HEAD(claims_ipv6);
ATF_TC_BODY(claims_ipv6, tc)
{
	struct claim cl[FILTER_MAXCLAIMS];
	uint8_t f[256];
	size_t len, n;

	len = udp6(f, IN6_A, 4);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], IN6_A));
	len = echo6(f, LL_A, 4);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], LL_A));
	/* An NS claims its source only: the target is asked about. */
	len = ns6(f, LL_A, SNM_A, IN6_B, mac_a);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], LL_A));
	/* DAD and :: speak for no one. */
	len = ns6(f, UNSPEC, SNM_A, IN6_A, NULL);
	ATF_CHECK_EQ(claims(f, len, cl), 0);
	len = mld6(f, T_MLD2_REPORT, UNSPEC);
	ATF_CHECK_EQ(claims(f, len, cl), 0);
	/* Nor does ::ffff:a.b.c.d: it would claim a.b.c.d. */
	len = udp6(f, "::ffff:198.51.100.11", 4);
	ATF_CHECK_EQ(claims(f, len, cl), 0);
	len = na6(f, LL_A, ALL_NODES, "::ffff:198.51.100.11", 0x20, NULL);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], LL_A));
	/* Too short to hold the source. */
	len = udp6(f, IN6_A, 4);
	for (n = 0; n < L6; n++)
		ATF_CHECK_EQ_MSG(claims(f, n, cl), 0, "IPv6 of %zu bytes",
		    n);
}

/* Issue 12: an NA speaks for its target, so no guest answers for B. */
ATF_TC_WITHOUT_HEAD(claims_na_target);
ATF_TC_BODY(claims_na_target, tc)
{
	struct claim cl[FILTER_MAXCLAIMS];
	uint8_t f[256];
	size_t len, n;

	len = na6(f, LL_A, ALL_NODES, IN6_B, 0x20, mac_a);
	ATF_REQUIRE_EQ(claims(f, len, cl), 2);
	ATF_CHECK(claim_is(&cl[0], LL_A));
	ATF_CHECK(claim_is(&cl[1], IN6_B));
	/* Once is enough when the target is the source. */
	len = na6(f, IN6_A, HOST6, IN6_A, 0x60, mac_a);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], IN6_A));
	/* From ::, the target alone. */
	len = na6(f, UNSPEC, ALL_NODES, IN6_B, 0x20, NULL);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], IN6_B));
	/* :: speaks for no one, as a target either. */
	len = na6(f, LL_A, ALL_NODES, UNSPEC, 0x20, NULL);
	ATF_REQUIRE_EQ(claims(f, len, cl), 1);
	ATF_CHECK(claim_is(&cl[0], LL_A));
	/* Cut inside the target: the source only. */
	len = na6(f, LL_A, ALL_NODES, IN6_B, 0x20, NULL);
	for (n = L6; n < len; n++)
		ATF_CHECK_EQ_MSG(claims(f, n, cl), 1, "NA of %zu bytes", n);
	/* Type 136 that is not ICMPv6 is no NA. */
	len = na6(f, LL_A, ALL_NODES, IN6_B, 0x20, NULL);
	f[ETH_LEN + 6] = P_UDP;
	ATF_CHECK_EQ(claims(f, len, cl), 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cidr_parse_accepts_prefix);
	ATF_TP_ADD_TC(tp, cidr_parse_edge_prefixes);
	ATF_TP_ADD_TC(tp, cidr_parse_rejects_malformed);
	ATF_TP_ADD_TC(tp, filter_reason_names_every_verdict);
	ATF_TP_ADD_TC(tp, arp_request_from_subnet_passes);
	ATF_TP_ADD_TC(tp, arp_reply_from_subnet_passes);
	ATF_TP_ADD_TC(tp, arp_probe_from_zero_passes);
	ATF_TP_ADD_TC(tp, arp_sender_outside_subnet_is_rejected);
	ATF_TP_ADD_TC(tp, arp_sender_mac_mismatch_is_spoofed);
	ATF_TP_ADD_TC(tp, arp_wrong_hardware_or_protocol_is_malformed);
	ATF_TP_ADD_TC(tp, arp_truncated_body_is_malformed);
	ATF_TP_ADD_TC(tp, udp_from_subnet_passes);
	ATF_TP_ADD_TC(tp, tcp_from_subnet_passes);
	ATF_TP_ADD_TC(tp, icmp_from_subnet_passes);
	ATF_TP_ADD_TC(tp, ip_options_are_skipped);
	ATF_TP_ADD_TC(tp, ip_outside_source_is_rejected);
	ATF_TP_ADD_TC(tp, dhcp_from_zero_source_passes);
	ATF_TP_ADD_TC(tp, zero_source_other_than_dhcp_is_rejected);
	ATF_TP_ADD_TC(tp, arp_opcode_not_request_or_reply_is_rejected);
	ATF_TP_ADD_TC(tp, arp_sender_is_host_network_or_broadcast);
	ATF_TP_ADD_TC(tp, ip_source_is_host_network_or_broadcast);
	ATF_TP_ADD_TC(tp, reserved_sources_by_prefix);
	ATF_TP_ADD_TC(tp, icmp_redirect_never_reaches_host);
	ATF_TP_ADD_TC(tp, ip_other_protocols_are_rejected);
	ATF_TP_ADD_TC(tp, ip_bad_version_or_ihl_is_malformed);
	ATF_TP_ADD_TC(tp, ip_header_beyond_frame_is_malformed);
	ATF_TP_ADD_TC(tp, ip_total_length_out_of_range_is_malformed);
	ATF_TP_ADD_TC(tp, ip_truncated_frames_are_malformed);
	ATF_TP_ADD_TC(tp, transport_header_beyond_total_length_is_malformed);
	ATF_TP_ADD_TC(tp, tcp_bad_data_offset_is_malformed);
	ATF_TP_ADD_TC(tp, first_fragment_needs_transport_header);
	ATF_TP_ADD_TC(tp, later_fragment_from_subnet_passes);
	ATF_TP_ADD_TC(tp, later_fragment_rules_still_apply);
	ATF_TP_ADD_TC(tp, padded_minimum_frames_pass);
	ATF_TP_ADD_TC(tp, other_ethertypes_are_rejected);
	ATF_TP_ADD_TC(tp, vlan_tagged_ipv4_is_rejected);
	ATF_TP_ADD_TC(tp, runt_frames_are_rejected);
	ATF_TP_ADD_TC(tp, cidr6_parse_accepts_prefix);
	ATF_TP_ADD_TC(tp, cidr6_parse_rejects_malformed);
	ATF_TP_ADD_TC(tp, ipv6_udp_tcp_icmp6_from_prefix_pass);
	ATF_TP_ADD_TC(tp, ipv6_padded_frames_pass);
	ATF_TP_ADD_TC(tp, ipv6_without_prefix_is_rejected);
	ATF_TP_ADD_TC(tp, ipv6_source_outside_prefix_is_rejected);
	ATF_TP_ADD_TC(tp, ipv6_source_host_multicast_or_anycast);
	ATF_TP_ADD_TC(tp, ipv6_reserved_sources_by_prefix);
	ATF_TP_ADD_TC(tp, ipv6_unspecified_source);
	ATF_TP_ADD_TC(tp, ipv6_bad_version_or_length_is_malformed);
	ATF_TP_ADD_TC(tp, ipv6_truncated_frames_are_rejected);
	ATF_TP_ADD_TC(tp, ipv6_other_next_headers_are_rejected);
	ATF_TP_ADD_TC(tp, ipv6_extension_headers_are_rejected);
	ATF_TP_ADD_TC(tp, ipv6_hop_by_hop_before_mld);
	ATF_TP_ADD_TC(tp, ipv6_first_fragment_needs_transport_header);
	ATF_TP_ADD_TC(tp, ipv6_later_fragments);
	ATF_TP_ADD_TC(tp, icmp6_types_for_the_host_only);
	ATF_TP_ADD_TC(tp, ra_and_redirect_never_reach_host);
	ATF_TP_ADD_TC(tp, mld_is_link_local_with_hop_limit_1);
	ATF_TP_ADD_TC(tp, nd_well_formed_passes);
	ATF_TP_ADD_TC(tp, nd_malformed_is_rejected);
	ATF_TP_ADD_TC(tp, nd_lladdr_option_not_source_is_spoofed);
	ATF_TP_ADD_TC(tp, na_target_outside_or_host_is_rejected);
	ATF_TP_ADD_TC(tp, guest_ra_and_redirect_are_dropped);
	ATF_TP_ADD_TC(tp, guest_hidden_header_chain_is_dropped);
	ATF_TP_ADD_TC(tp, guest_nd_behind_extension_headers_is_dropped);
	ATF_TP_ADD_TC(tp, guest_everything_else_passes);
	ATF_TP_ADD_TC(tp, guest_ra_behind_vlan_tags_is_dropped);
	ATF_TP_ADD_TC(tp, guest_icmp_redirect_is_dropped);
	ATF_TP_ADD_TC(tp, claims_ipv4);
	ATF_TP_ADD_TC(tp, claims_ipv6);
	ATF_TP_ADD_TC(tp, claims_na_target);

	return (atf_no_error());
}
