/*
 * Unit tests of the secure mode filter (filter.c): CIDR parsing and
 * matching, and the verdict on ARP, IPv4 and other frames bound for the
 * host.  Frames are built byte by byte here.  Each frame is checked
 * where it ends right at an inaccessible page, so a read past its
 * length faults instead of passing unnoticed.
 */
#include <sys/mman.h>

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

/*
 * Run filter_check on a copy of the frame that ends where an
 * inaccessible page begins.
 */
static enum filter_verdict
check(const uint8_t *frame, size_t len)
{
	static uint8_t *area;
	static size_t pg;
	struct secure_net net;

	if (area == NULL) {
		pg = (size_t)sysconf(_SC_PAGESIZE);
		area = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ATF_REQUIRE(area != MAP_FAILED);
		ATF_REQUIRE(mprotect(area + pg, pg, PROT_NONE) == 0);
	}
	ATF_REQUIRE(len <= pg);
	memset(&net, 0, sizeof(net));
	net.v4 = subnet();
	net.has4 = 1;
	memcpy(area + pg - len, frame, len);
	return (filter_check(&net, area + pg - len, len));
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

ATF_TC_WITHOUT_HEAD(ipv6_is_rejected);
ATF_TC_BODY(ipv6_is_rejected, tc)
{
	uint8_t f[128];
	size_t len;

	/* An IPv6 header with UDP, 62 bytes. */
	len = eth(f, mac_b, mac_a, 0x86dd);
	memset(f + len, 0, 48);
	f[len] = 0x60;
	put16(f + len + 4, 8);
	f[len + 6] = P_UDP;
	f[len + 7] = 64;
	CHECK_VERDICT(f, len + 48, FILTER_ETHERTYPE);
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
	ATF_TP_ADD_TC(tp, ipv6_is_rejected);
	ATF_TP_ADD_TC(tp, runt_frames_are_rejected);

	return (atf_no_error());
}
