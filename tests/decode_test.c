/*
 * Unit tests of decode.c, the one-line account of a frame that
 * "vknetd -c" prints: byte vectors in, tcpdump's words out, and no
 * byte read beyond what was captured however short the capture.
 */
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "frames.h"

#define A_MAC	"02:00:00:00:00:01"
#define B_MAC	"02:00:00:00:00:02"

static const uint8_t a_mac[MAC_LEN] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t b_mac[MAC_LEN] = { 2, 0, 0, 0, 0, 2 };

static void
addrs(struct fr_addrs *ad)
{
	memcpy(ad->dst, b_mac, MAC_LEN);
	memcpy(ad->src, a_mac, MAC_LEN);
	ad->sip = inet_addr("198.51.100.2");
	ad->dip = inet_addr("198.51.100.3");
}

static void
expect(const uint8_t *f, size_t len, const char *want)
{
	char line[DECODE_LINE];

	decode_frame(line, sizeof(line), f, len, len);
	ATF_CHECK_STREQ_MSG(line, want, "got \"%s\"", line);
}

static size_t
tcp_synack(uint8_t *f)
{
	uint8_t seg[20] = { 0x00, 0x16, 0x9c, 0x40, 0, 0, 0x10, 0, 0, 0, 0,
	    2, 0x50, 0x12, 0x72, 0x10 };
	struct fr_addrs ad;

	addrs(&ad);
	return (fr_ipv4(f, &ad, IPPROTO_TCP, seg, sizeof(seg)));
}

/* An IPv6 neighbor solicitation for 2001:db8::1 from fe80::1. */
static size_t
ip6_ns(uint8_t *f)
{
	static const uint8_t body[] = {
		0x60, 0, 0, 0, 0, 24, 58, 255,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1,
		135, 0, 0, 0, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	static const uint8_t mcast[MAC_LEN] = { 0x33, 0x33, 0xff, 0, 0, 1 };
	size_t n = fr_ether(f, mcast, a_mac, ETHERTYPE_IPV6);

	memcpy(f + n, body, sizeof(body));
	return (n + sizeof(body));
}

ATF_TC_WITHOUT_HEAD(arp);
ATF_TC_BODY(arp, tc)
{
	struct fr_arp a = { .op = ARP_REQUEST };
	uint8_t f[64];
	size_t n;

	memcpy(a.sha, a_mac, MAC_LEN);
	a.spa = inet_addr("198.51.100.2");
	a.tpa = inet_addr("198.51.100.1");
	n = fr_arp(f, fr_bcast, a_mac, &a);
	expect(f, n, A_MAC " > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), "
	    "length 42: Request who-has 198.51.100.1 tell 198.51.100.2, "
	    "length 28");
	a.op = ARP_REPLY;
	n = fr_arp(f, b_mac, a_mac, &a);
	expect(f, n, A_MAC " > " B_MAC ", ethertype ARP (0x0806), length 42: "
	    "Reply 198.51.100.2 is-at " A_MAC ", length 28");
}

ATF_TC_WITHOUT_HEAD(ipv4);
ATF_TC_BODY(ipv4, tc)
{
	struct fr_echo e = { ICMP_ECHO, 7, 9 };
	struct fr_addrs ad;
	uint8_t f[128];
	size_t n;

	addrs(&ad);
	n = fr_icmp_echo(f, &ad, &e, "0123456789", 10);
	expect(f, n, A_MAC " > " B_MAC ", ethertype IPv4 (0x0800), length 52: "
	    "198.51.100.2 > 198.51.100.3: ICMP echo request, id 7, seq 9, "
	    "length 18");
	n = fr_udp(f, &ad, 5000, 53, "abc", 3);
	expect(f, n, A_MAC " > " B_MAC ", ethertype IPv4 (0x0800), length 45: "
	    "198.51.100.2.5000 > 198.51.100.3.53: UDP, length 3");
	n = tcp_synack(f);
	expect(f, n, A_MAC " > " B_MAC ", ethertype IPv4 (0x0800), length 54: "
	    "198.51.100.2.22 > 198.51.100.3.40000: Flags [S.], seq 4096, "
	    "ack 2, win 29200, length 0");
	/* Ethernet padding is not payload. */
	memset(f + n, 0xee, 6);
	expect(f, n + 6, A_MAC " > " B_MAC ", ethertype IPv4 (0x0800), "
	    "length 60: 198.51.100.2.22 > 198.51.100.3.40000: Flags [S.], "
	    "seq 4096, ack 2, win 29200, length 0");
}

ATF_TC_WITHOUT_HEAD(ipv6_and_vlan);
ATF_TC_BODY(ipv6_and_vlan, tc)
{
	uint8_t f[128], g[132];
	size_t n;

	n = ip6_ns(f);
	expect(f, n, A_MAC " > 33:33:ff:00:00:01, ethertype IPv6 (0x86dd), "
	    "length 78: fe80::1 > ff02::1:ff00:1: ICMP6, neighbor "
	    "solicitation, who has 2001:db8::1, length 24");
	/* The same inside an 802.1Q tag: VLAN 5, priority 3. */
	memcpy(g, f, 12);
	g[12] = 0x81;
	g[13] = 0x00;
	g[14] = 0x60;
	g[15] = 0x05;
	memcpy(g + 16, f + 12, n - 12);
	expect(g, n + 4, A_MAC " > 33:33:ff:00:00:01, ethertype 802.1Q "
	    "(0x8100), length 82: vlan 5, p 3, ethertype IPv6 (0x86dd), "
	    "fe80::1 > ff02::1:ff00:1: ICMP6, neighbor solicitation, "
	    "who has 2001:db8::1, length 24");
}

ATF_TC_WITHOUT_HEAD(odd_frames);
ATF_TC_BODY(odd_frames, tc)
{
	uint8_t f[64];

	memset(f, 0, sizeof(f));
	expect(f, 5, "[|ether], length 5");
	memcpy(f, b_mac, MAC_LEN);
	memcpy(f + MAC_LEN, a_mac, MAC_LEN);
	f[12] = 0x88;
	f[13] = 0xb5;
	expect(f, 60, A_MAC " > " B_MAC ", ethertype Unknown (0x88b5), "
	    "length 60");
	f[12] = 0x00;
	f[13] = 0x2e;
	expect(f, 60, A_MAC " > " B_MAC ", 802.3, length 60");
	f[12] = 0x08;
	f[13] = 0x00;
	expect(f, 60, A_MAC " > " B_MAC ", ethertype IPv4 (0x0800), "
	    "length 60: IP0 (invalid)");
}

/* Cut short inside a header: that layer says so, as in tcpdump. */
ATF_TC_WITHOUT_HEAD(truncated_headers);
ATF_TC_BODY(truncated_headers, tc)
{
	struct fr_echo e = { ICMP_ECHO, 1, 1 };
	struct fr_addrs ad;
	uint8_t f[128];
	char line[DECODE_LINE];
	size_t n;

	addrs(&ad);
	n = fr_icmp_echo(f, &ad, &e, "x", 1);
	decode_frame(line, sizeof(line), f, ETHER_HDR + 19, n);
	ATF_CHECK_MSG(strstr(line, ", length 43: [|ip]") != NULL, "%s", line);
	decode_frame(line, sizeof(line), f, ETHER_HDR + 26, n);
	ATF_CHECK_MSG(strstr(line, "198.51.100.3: [|icmp]") != NULL, "%s",
	    line);
	n = tcp_synack(f);
	decode_frame(line, sizeof(line), f, ETHER_HDR + 39, n);
	ATF_CHECK_MSG(strstr(line, "198.51.100.3: [|tcp]") != NULL, "%s",
	    line);
	n = ip6_ns(f);
	decode_frame(line, sizeof(line), f, n - 1, n);
	ATF_CHECK_MSG(strstr(line, "ff02::1:ff00:1: [|icmp6]") != NULL, "%s",
	    line);
	decode_frame(line, sizeof(line), f, ETHER_HDR + 39, n);
	ATF_CHECK_MSG(strstr(line, "length 78: [|ip6]") != NULL, "%s", line);
}

/*
 * Every prefix of every vector, as a monitor may capture it, into
 * buffers of every size up to the longest line: the line always ends
 * inside the buffer.  Each prefix is copied to a heap block of its own
 * size, so under valgrind or ASan this also shows that no byte past
 * the capture is read.
 */
ATF_TC_WITHOUT_HEAD(every_truncation);
ATF_TC_BODY(every_truncation, tc)
{
	struct fr_echo e = { ICMP_ECHO, 1, 1 };
	struct fr_arp a = { .op = ARP_REQUEST };
	struct fr_addrs ad;
	uint8_t v[5][128], *cut;
	size_t len[5], i, caplen, size;
	char line[DECODE_LINE + 1];

	addrs(&ad);
	len[0] = fr_arp(v[0], fr_bcast, a_mac, &a);
	len[1] = fr_icmp_echo(v[1], &ad, &e, "x", 1);
	len[2] = fr_udp(v[2], &ad, 1, 2, "y", 1);
	len[3] = tcp_synack(v[3]);
	len[4] = ip6_ns(v[4]);
	for (i = 0; i < 5; i++)
		for (caplen = 0; caplen <= len[i]; caplen++) {
			/* A copy of exactly caplen bytes on the heap. */
			ATF_REQUIRE((cut = malloc(caplen + 1)) != NULL);
			memcpy(cut, v[i], caplen);
			for (size = 1; size <= sizeof(line); size++) {
				memset(line, 'Z', sizeof(line));
				decode_frame(line, size, cut, caplen, len[i]);
				ATF_REQUIRE(memchr(line, '\0', size) != NULL);
				if (size < sizeof(line))
					ATF_REQUIRE(line[size] == 'Z');
			}
			free(cut);
		}
}

ATF_TC_WITHOUT_HEAD(hex_like_tcpdump_xx);
ATF_TC_BODY(hex_like_tcpdump_xx, tc)
{
	uint8_t f[19];
	char *buf = NULL;
	size_t i, len = 0;
	FILE *fp;

	for (i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	ATF_REQUIRE((fp = open_memstream(&buf, &len)) != NULL);
	decode_hex(fp, f, sizeof(f));
	fclose(fp);
	ATF_CHECK_STREQ(buf,
	    "\t0x0000:  0001 0203 0405 0607 0809 0a0b 0c0d 0e0f\n"
	    "\t0x0010:  1011 12\n");
	free(buf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, arp);
	ATF_TP_ADD_TC(tp, ipv4);
	ATF_TP_ADD_TC(tp, ipv6_and_vlan);
	ATF_TP_ADD_TC(tp, odd_frames);
	ATF_TP_ADD_TC(tp, truncated_headers);
	ATF_TP_ADD_TC(tp, every_truncation);
	ATF_TP_ADD_TC(tp, hex_like_tcpdump_xx);
	return (atf_no_error());
}
