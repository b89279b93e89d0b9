/*
 * Secure mode: decide whether a frame may enter the host through the
 * TAP.  The host must only ever see a well-behaved IPv4 subnet: ARP and
 * ICMP/UDP/TCP from addresses inside it.  Every length is checked
 * before the field it covers is read; frames come from guests we do
 * not trust.
 *
 * Two holes of the original are closed here: ARP whose sender hardware
 * address differs from the frame's source (cache poisoning of the host
 * on behalf of another MAC) and ICMP from any source address.  And no
 * guest may speak as the host's own address, nor as the subnet's
 * network or broadcast address (an echo request "from" the broadcast
 * address would have the host answer every guest); only ARP requests
 * and replies pass; ICMP redirects never reach the host.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "filter.h"

#define ARP_LEN		28	/* Ethernet/IPv4 ARP body */
#define IP_MINHDR	20
#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define DHCP_CLIENT	68
#define DHCP_SERVER	67
#define ARPOP_REQUEST_	1
#define ARPOP_REPLY_	2
#define ICMP_REDIRECT_	5

static const char *reasons[FILTER_NVERDICTS] = {
	[FILTER_PASS] = "passed",
	[FILTER_ETHERTYPE] = "ethertype not allowed",
	[FILTER_ARP_MALFORMED] = "malformed ARP",
	[FILTER_ARP_SPOOFED] = "ARP sender MAC is not the source",
	[FILTER_ARP_SUBNET] = "ARP sender outside subnet",
	[FILTER_ARP_OPCODE] = "ARP neither request nor reply",
	[FILTER_ARP_RESERVED] = "ARP sender is the host, network or broadcast",
	[FILTER_IP_MALFORMED] = "malformed IPv4",
	[FILTER_IP_PROTO] = "IP protocol not allowed",
	[FILTER_IP_SUBNET] = "IPv4 source outside subnet",
	[FILTER_IP_RESERVED] = "IPv4 source is the host, network or broadcast",
	[FILTER_ICMP_REDIRECT] = "ICMP redirect",
	[FILTER_ADDR_OWNED] = "address of the host or another port",
};

int
cidr_parse(const char *s, struct cidr *c)
{
	char buf[INET_ADDRSTRLEN + 4], *slash, *end;
	struct in_addr in;
	long bits;

	if (strlen(s) >= sizeof(buf))
		return (-1);
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) == NULL)
		return (-1);
	*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1 || *slash < '0' ||
	    *slash > '9')
		return (-1);
	bits = strtol(slash, &end, 10);
	if (*end != '\0' || bits < 0 || bits > 32)
		return (-1);
	c->addr = ntohl(in.s_addr);
	c->bits = (int)bits;
	c->mask = bits == 0 ? 0 : 0xffffffffU << (32 - bits);
	return (0);
}

int
cidr6_parse(const char *s, struct cidr6 *c)
{
	(void)s;
	(void)c;
	return (-1);
}

int
cidr_contains(const struct cidr *c, uint32_t addr)
{
	return ((addr & c->mask) == (c->addr & c->mask));
}

/*
 * Addresses no guest may send from: the host's own, and the subnet's
 * network and broadcast addresses where it has them (up to /30).
 */
static int
reserved(const struct cidr *c, uint32_t addr)
{
	if (addr == c->addr)
		return (1);
	return (c->bits <= 30 && (addr == (c->addr & c->mask) ||
	    addr == (c->addr | ~c->mask)));
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static enum filter_verdict
check_arp(const struct cidr *c, const uint8_t *frame, size_t len)
{
	const uint8_t *arp = frame + ETHER_HDR;
	uint32_t spa;

	if (len < ETHER_HDR + ARP_LEN || get16(arp) != 1 ||
	    get16(arp + 2) != ETHERTYPE_IPV4 || arp[4] != MAC_LEN ||
	    arp[5] != 4)
		return (FILTER_ARP_MALFORMED);
	if (get16(arp + 6) != ARPOP_REQUEST_ && get16(arp + 6) != ARPOP_REPLY_)
		return (FILTER_ARP_OPCODE);
	if (memcmp(arp + 8, frame + MAC_LEN, MAC_LEN) != 0)
		return (FILTER_ARP_SPOOFED);
	spa = get32(arp + 14);
	if (spa != 0 && !cidr_contains(c, spa))
		return (FILTER_ARP_SUBNET);
	if (spa != 0 && reserved(c, spa))
		return (FILTER_ARP_RESERVED);
	return (FILTER_PASS);
}

/* Does the first fragment hold the whole transport header? */
static int
transport_ok(uint8_t proto, const uint8_t *l4, size_t l4len)
{
	switch (proto) {
	case IPPROTO_ICMP_:
	case IPPROTO_UDP_:
		return (l4len >= 8);
	case IPPROTO_TCP_:
		return (l4len >= 20 && (l4[12] >> 4) >= 5 &&
		    (size_t)(l4[12] >> 4) * 4 <= l4len);
	}
	return (0);
}

static int
is_dhcp_request(uint8_t proto, const uint8_t *l4)
{
	return (proto == IPPROTO_UDP_ && get16(l4) == DHCP_CLIENT &&
	    get16(l4 + 2) == DHCP_SERVER);
}

static enum filter_verdict
check_ipv4(const struct cidr *c, const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + ETHER_HDR;
	size_t avail = len - ETHER_HDR, hlen, total;
	uint32_t src;
	uint16_t fragoff;
	uint8_t proto;

	if (avail < IP_MINHDR || ip[0] >> 4 != 4)
		return (FILTER_IP_MALFORMED);
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	total = get16(ip + 2);
	/* The frame may carry Ethernet padding beyond total. */
	if (hlen < IP_MINHDR || hlen > avail || total < hlen ||
	    total > avail)
		return (FILTER_IP_MALFORMED);
	proto = ip[9];
	if (proto != IPPROTO_ICMP_ && proto != IPPROTO_UDP_ &&
	    proto != IPPROTO_TCP_)
		return (FILTER_IP_PROTO);
	fragoff = get16(ip + 6) & 0x1fff;
	if (fragoff == 0 && !transport_ok(proto, ip + hlen, total - hlen))
		return (FILTER_IP_MALFORMED);
	if (fragoff == 0 && proto == IPPROTO_ICMP_ &&
	    ip[hlen] == ICMP_REDIRECT_)
		return (FILTER_ICMP_REDIRECT);
	src = get32(ip + 12);
	if (cidr_contains(c, src))
		return (reserved(c, src) ? FILTER_IP_RESERVED : FILTER_PASS);
	if (src == 0 && fragoff == 0 && is_dhcp_request(proto, ip + hlen))
		return (FILTER_PASS);
	return (FILTER_IP_SUBNET);
}

enum filter_verdict
filter_check(const struct secure_net *net, const uint8_t *frame, size_t len)
{
	if (len < ETHER_HDR)
		return (FILTER_ETHERTYPE);
	switch (frame_ethertype(frame)) {
	case ETHERTYPE_ARP:
		if (net->has4)
			return (check_arp(&net->v4, frame, len));
		break;
	case ETHERTYPE_IPV4:
		if (net->has4)
			return (check_ipv4(&net->v4, frame, len));
		break;
	}
	return (FILTER_ETHERTYPE);
}

/* What no guest may send to anyone, the host or another guest. */
enum filter_verdict
filter_guest(const struct secure_net *net, const uint8_t *frame, size_t len)
{
	(void)net;
	(void)frame;
	(void)len;
	return (FILTER_PASS);
}

static void
claim4(struct claim *cl, const uint8_t *addr)
{
	memset(cl->addr, 0, 10);
	cl->addr[10] = cl->addr[11] = 0xff;
	memcpy(cl->addr + 12, addr, 4);
}

/*
 * The addresses a frame speaks for, how many: an ARP sender's, or an
 * IPv4 source; 0.0.0.0 (a probe, a DHCP request) speaks for none.
 * Only the fields read are checked for length: the rules of
 * filter_check() judge the rest.
 */
int
filter_claims(const uint8_t *frame, size_t len,
    struct claim claims[FILTER_MAXCLAIMS])
{
	const uint8_t *a;

	if (len < ETHER_HDR)
		return (0);
	switch (frame_ethertype(frame)) {
	case ETHERTYPE_ARP:
		if (len < ETHER_HDR + ARP_LEN)
			return (0);
		a = frame + ETHER_HDR + 14;
		break;
	case ETHERTYPE_IPV4:
		if (len < ETHER_HDR + IP_MINHDR)
			return (0);
		a = frame + ETHER_HDR + 12;
		break;
	default:
		return (0);
	}
	if (get32(a) == 0)
		return (0);
	claim4(&claims[0], a);
	return (1);
}

const char *
filter_reason(enum filter_verdict v)
{
	if ((unsigned int)v >= FILTER_NVERDICTS)
		return ("unknown");
	return (reasons[v]);
}
