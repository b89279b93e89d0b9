/*
 * Secure mode: decide whether a frame may enter the host through the
 * TAP (filter_check), whether a guest may send it at all
 * (filter_guest), and which addresses it speaks for (filter_claims).
 * The host must only ever see a well-behaved subnet: ARP and
 * ICMP/UDP/TCP from addresses inside the IPv4 subnet, and ICMPv6 (of
 * the types a host needs), UDP and TCP from inside the IPv6 prefix or
 * from link-local addresses.  Every length is checked before the field
 * it covers is read; frames come from guests we do not trust.
 *
 * Two holes of the original are closed here: ARP whose sender hardware
 * address differs from the frame's source (cache poisoning of the host
 * on behalf of another MAC) and ICMP from any source address.  And no
 * guest may speak as the host's own address, nor as the subnet's
 * network or broadcast address (an echo request "from" the broadcast
 * address would have the host answer every guest); only ARP requests
 * and replies pass; ICMP redirects never reach the host.
 *
 * IPv6 is judged after its header chain has been followed
 * (chain6()): where a header hides what follows it, the packet is
 * dropped rather than guessed at, as RA guard must (RFC 7113).  To the
 * host, extension headers are refused but for the two that a host on
 * a link needs, Hop-by-Hop before MLD and one Fragment header;
 * Neighbor Discovery must look as RFC 4861 has receivers check it,
 * with its link-layer options naming the frame's source.  No guest
 * may send router advertisements or redirects, of either family, to
 * anyone: on this switch the host is the only router.
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

#define ETHERTYPE_VLAN_	0x8100	/* IEEE 802.1Q */
#define ETHERTYPE_QINQ_	0x88a8	/* IEEE 802.1ad */
#define VLAN_TAG	4

#define IP6_HDR		40
#define IP6_CHAINMAX	8	/* extension headers followed, at most */
#define IP6_HOPOPTS	0
#define IP6_ROUTING	43
#define IP6_FRAGMENT	44
#define IP6_ESP		50
#define IP6_AH		51
#define IPPROTO_ICMPV6_	58
#define IP6_NONXT	59
#define IP6_DSTOPTS	60
#define IP6_MOBILITY	135
#define IP6_HIP		139
#define IP6_SHIM6	140
#define IP6_TEST1	253
#define IP6_TEST2	254

#define ICMP6_ECHO_REQUEST	128
#define ICMP6_ECHO_REPLY	129
#define MLD_QUERY	130
#define MLD_REPORT	131
#define MLD_DONE	132
#define MLD2_REPORT	143
#define MLD_LEN		24	/* a query, v1 report or done */
#define ND_RS		133
#define ND_RA		134
#define ND_NS		135
#define ND_NA		136
#define ND_REDIRECT	137
#define ND_RS_LEN	8
#define ND_NS_LEN	24	/* and an NA's */
#define ND_OPT_SLLA	1
#define ND_OPT_TLLA	2
#define ND_NA_SOLICITED	0x40
#define HBH_PAD1	0
#define HBH_PADN	1
#define HBH_RTALERT	5

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
	[FILTER_IP6_MALFORMED] = "malformed IPv6",
	[FILTER_IP6_PROTO] = "IPv6 next header not allowed",
	[FILTER_IP6_EXTHDR] = "IPv6 extension header not allowed",
	[FILTER_IP6_SUBNET] = "IPv6 source outside prefix and link-local",
	[FILTER_IP6_RESERVED] =
	    "IPv6 source is the host's, multicast or anycast",
	[FILTER_ICMP6_TYPE] = "ICMPv6 type not allowed",
	[FILTER_MLD_MALFORMED] = "MLD not from link-local with hop limit 1",
	[FILTER_ND_MALFORMED] = "malformed neighbor discovery",
	[FILTER_ND_SPOOFED] = "ND link-layer address is not the source",
	[FILTER_ND_TARGET] = "NA target outside prefix, or the host's",
	[FILTER_RA_GUARD] = "router advertisement or redirect",
};

/*
 * Split "address/bits" into the address, in buf, and its prefix
 * length, digits only and at most max.
 */
static int
prefix_split(const char *s, char *buf, size_t size, int max, int *bits)
{
	char *slash, *end;
	long n;

	if (strlen(s) >= size)
		return (-1);
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) == NULL)
		return (-1);
	*slash++ = '\0';
	if (*slash < '0' || *slash > '9')
		return (-1);
	n = strtol(slash, &end, 10);
	if (*end != '\0' || n > max)
		return (-1);
	*bits = (int)n;
	return (0);
}

int
cidr_parse(const char *s, struct cidr *c)
{
	char buf[INET_ADDRSTRLEN + 4];
	struct in_addr in;
	int bits;

	if (prefix_split(s, buf, sizeof(buf), 32, &bits) == -1 ||
	    inet_pton(AF_INET, buf, &in) != 1)
		return (-1);
	c->addr = ntohl(in.s_addr);
	c->bits = bits;
	c->mask = bits == 0 ? 0 : 0xffffffffU << (32 - bits);
	return (0);
}

static int
in6_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return (memcmp(a, zero, 16) == 0);
}

/*
 * ::ffff:a.b.c.d never appears on the wire (RFC 4291), and as a claim
 * it would speak for the IPv4 address a.b.c.d.
 */
static int
in6_v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return (memcmp(a, prefix, sizeof(prefix)) == 0);
}

/*
 * An address the host can have on a link: not written with an IPv4
 * part, not multicast, unspecified, loopback or IPv4-mapped.
 */
int
cidr6_parse(const char *s, struct cidr6 *c)
{
	static const uint8_t loopback[16] = { [15] = 1 };
	char buf[INET6_ADDRSTRLEN + 4];
	uint8_t a[16];
	int bits, i;

	if (prefix_split(s, buf, sizeof(buf), 128, &bits) == -1 ||
	    strchr(buf, '.') != NULL || inet_pton(AF_INET6, buf, a) != 1)
		return (-1);
	if (a[0] == 0xff || in6_unspecified(a) ||
	    memcmp(a, loopback, 16) == 0 || in6_v4mapped(a))
		return (-1);
	memcpy(c->addr, a, 16);
	c->bits = bits;
	for (i = 0; i < 16; i++, bits -= 8)
		c->mask[i] = bits >= 8 ? 0xff :
		    bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	return (0);
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
	case IPPROTO_ICMPV6_:	/* every type allowed has 8 bytes */
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

static int
in6_prefix(const struct cidr6 *c, const uint8_t *a)
{
	int i;

	for (i = 0; i < 16; i++)
		if ((a[i] & c->mask[i]) != (c->addr[i] & c->mask[i]))
			return (0);
	return (1);
}

static int
in6_linklocal(const uint8_t *a)
{
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/*
 * Addresses no guest may speak for: the host's own, multicast ones,
 * IPv4-mapped ones, and the subnet-router anycast addresses of the
 * prefix (up to /127) and of fe80::/64, which the host answers when it
 * forwards.
 */
static int
reserved6(const struct secure_net *net, const uint8_t *a)
{
	static const uint8_t ll_anycast[16] = { 0xfe, 0x80 };
	int i, n;

	if (a[0] == 0xff || in6_v4mapped(a) ||
	    memcmp(a, net->v6.addr, 16) == 0 ||
	    memcmp(a, ll_anycast, 16) == 0)
		return (1);
	n = net->nhost6 < FILTER_HOST6 ? net->nhost6 : FILTER_HOST6;
	for (i = 0; i < n; i++)
		if (memcmp(a, net->host6[i], 16) == 0)
			return (1);
	if (net->v6.bits > 127 || !in6_prefix(&net->v6, a))
		return (0);
	for (i = 0; i < 16; i++)
		if (a[i] & ~net->v6.mask[i])
			return (0);
	return (1);
}

/* May a guest use this address, as a source or an NA's target? */
static enum filter_verdict
addr6_ok(const struct secure_net *net, const uint8_t *a)
{
	if (reserved6(net, a))
		return (FILTER_IP6_RESERVED);
	if (!in6_linklocal(a) && !in6_prefix(&net->v6, a))
		return (FILTER_IP6_SUBNET);
	return (FILTER_PASS);
}

/* An IPv6 packet's header chain, followed as far as it goes. */
struct chain6 {
	const uint8_t	*ip;		/* the IPv6 header */
	size_t		 end;		/* IP6_HDR + payload length */
	size_t		 off;		/* the upper layer, from ip */
	uint8_t		 proto;		/* the upper layer's protocol */
	int		 nhdr;		/* extension headers before it */
	int		 hbh;		/* the first was Hop-by-Hop */
	int		 frag;		/* one was a Fragment header */
	int		 later;		/* not the first fragment */
};

static int
ip6_exthdr(uint8_t nh)
{
	switch (nh) {
	case IP6_HOPOPTS:
	case IP6_ROUTING:
	case IP6_FRAGMENT:
	case IP6_ESP:
	case IP6_AH:
	case IP6_NONXT:
	case IP6_DSTOPTS:
	case IP6_MOBILITY:
	case IP6_HIP:
	case IP6_SHIM6:
	case IP6_TEST1:
	case IP6_TEST2:
		return (1);
	}
	return (0);
}

/*
 * Follow the extension headers (RFC 8200) of the IPv6 packet at ip,
 * avail bytes, to the upper layer: to the first protocol that is no
 * extension header (RFC 7045), to ESP or No Next Header, whose
 * contents cannot be followed, or to the data of a fragment other than
 * the first.  All of the chain must be inside the packet (RFC 7112),
 * Hop-by-Hop only first, one Fragment header, IP6_CHAINMAX headers at
 * most: a chain that hides its end is refused, not guessed at.
 */
static enum filter_verdict
chain6(const uint8_t *ip, size_t avail, struct chain6 *c)
{
	const uint8_t *h;
	size_t hlen;
	uint8_t nh;

	memset(c, 0, sizeof(*c));
	c->ip = ip;
	/* The frame may carry Ethernet padding beyond the packet. */
	if (avail < IP6_HDR || ip[0] >> 4 != 6 ||
	    (c->end = IP6_HDR + get16(ip + 4)) > avail)
		return (FILTER_IP6_MALFORMED);
	c->off = IP6_HDR;
	nh = ip[6];
	while (!c->later && ip6_exthdr(nh) && nh != IP6_ESP &&
	    nh != IP6_NONXT) {
		if (c->nhdr == IP6_CHAINMAX ||
		    (nh == IP6_HOPOPTS && c->nhdr != 0) ||
		    (nh == IP6_FRAGMENT && c->frag))
			return (FILTER_IP6_EXTHDR);
		if (c->end - c->off < 8)
			return (FILTER_IP6_MALFORMED);
		h = ip + c->off;
		switch (nh) {
		case IP6_FRAGMENT:
			hlen = 8;
			c->frag = 1;
			c->later = (get16(h + 2) & 0xfff8) != 0;
			break;
		case IP6_AH:
			hlen = ((size_t)h[1] + 2) * 4;
			break;
		default:
			hlen = ((size_t)h[1] + 1) * 8;
		}
		if (hlen > c->end - c->off)
			return (FILTER_IP6_MALFORMED);
		c->hbh |= nh == IP6_HOPOPTS;
		c->nhdr++;
		c->off += hlen;
		nh = h[0];
	}
	c->proto = nh;
	return (FILTER_PASS);
}

/*
 * Hop-by-Hop options as MLD carries them: padding and the Router
 * Alert for MLD (RFC 2711), well-formed; nothing else.
 */
static int
hbh_ok(const uint8_t *h)
{
	size_t hlen = ((size_t)h[1] + 1) * 8, i, olen;

	for (i = 2; i < hlen; i += olen) {
		if (h[i] == HBH_PAD1) {
			olen = 1;
			continue;
		}
		if (hlen - i < 2 || (olen = 2 + (size_t)h[i + 1]) > hlen - i)
			return (0);
		if (h[i] == HBH_RTALERT ?
		    h[i + 1] != 2 || get16(h + i + 2) != 0 : h[i] != HBH_PADN)
			return (0);
	}
	return (1);
}

static int
is_mld(uint8_t type)
{
	return (type == MLD_QUERY || type == MLD_REPORT ||
	    type == MLD_DONE || type == MLD2_REPORT);
}

/* The solicited-node multicast address of target (RFC 4291). */
static int
solicited_node(const uint8_t *dst, const uint8_t *target)
{
	static const uint8_t prefix[13] = { 0xff, 0x02, [11] = 0x01,
	    [12] = 0xff };

	return (memcmp(dst, prefix, sizeof(prefix)) == 0 &&
	    memcmp(dst + 13, target + 13, 3) == 0);
}

/*
 * Neighbor Discovery to the host, as RFC 4861 has its receivers check
 * it (hop limit 255, code 0, a fixed part and well-formed options),
 * not fragmented (RFC 6980), every link-layer address option naming
 * the frame's source, and an NA's target one the guest may speak for.
 * The unspecified source is for DAD (RFC 4862): an NS to the target's
 * solicited-node address, with no link-layer option, for an address
 * the guest could use.
 */
static enum filter_verdict
check_nd(const struct secure_net *net, const uint8_t *frame,
    const struct chain6 *c, int *unspec_ok)
{
	const uint8_t *ip = c->ip, *nd = ip + c->off;
	size_t ndlen = c->end - c->off, i, olen;
	int lladdr = 0;

	if (c->nhdr != 0 || ip[7] != 255 || nd[1] != 0 ||
	    ndlen < (nd[0] == ND_RS ? ND_RS_LEN : ND_NS_LEN))
		return (FILTER_ND_MALFORMED);
	for (i = nd[0] == ND_RS ? ND_RS_LEN : ND_NS_LEN; i < ndlen;
	    i += olen) {
		if (ndlen - i < 2 || (olen = (size_t)nd[i + 1] * 8) == 0 ||
		    olen > ndlen - i)
			return (FILTER_ND_MALFORMED);
		if (nd[i] != ND_OPT_SLLA && nd[i] != ND_OPT_TLLA)
			continue;
		if (olen != 8)
			return (FILTER_ND_MALFORMED);
		if (memcmp(nd + i + 2, frame + MAC_LEN, MAC_LEN) != 0)
			return (FILTER_ND_SPOOFED);
		lladdr = 1;
	}
	if (in6_unspecified(ip + 8)) {
		if (nd[0] != ND_NS || lladdr ||
		    !solicited_node(ip + 24, nd + 8))
			return (FILTER_ND_MALFORMED);
		/* A host still trying its address would give it up. */
		if (addr6_ok(net, nd + 8) != FILTER_PASS)
			return (FILTER_ND_TARGET);
		*unspec_ok = 1;
	}
	if (nd[0] != ND_NA)
		return (FILTER_PASS);
	/* A solicited NA is an answer to one node: never multicast. */
	if (ip[24] == 0xff && (nd[4] & ND_NA_SOLICITED))
		return (FILTER_ND_MALFORMED);
	if (addr6_ok(net, nd + 8) != FILTER_PASS)
		return (FILTER_ND_TARGET);
	return (FILTER_PASS);
}

/*
 * ICMPv6 to the host: errors, echo, MLD and the Neighbor Discovery a
 * host takes part in.  MLD is link-scoped (RFC 3810): hop limit 1,
 * from a link-local address, or from :: for a report of a node
 * without one yet.
 */
static enum filter_verdict
check_icmp6(const struct secure_net *net, const uint8_t *frame,
    const struct chain6 *c, int *unspec_ok)
{
	const uint8_t *ip = c->ip, *icmp = ip + c->off;
	uint8_t type = icmp[0];

	if (type >= 1 && type <= 4)
		return (FILTER_PASS);
	switch (type) {
	case ICMP6_ECHO_REQUEST:
	case ICMP6_ECHO_REPLY:
		return (FILTER_PASS);
	case MLD_QUERY:
	case MLD_REPORT:
	case MLD_DONE:
	case MLD2_REPORT:
		if (type != MLD2_REPORT && c->end - c->off < MLD_LEN)
			return (FILTER_MLD_MALFORMED);
		if (in6_unspecified(ip + 8) &&
		    (type == MLD_REPORT || type == MLD2_REPORT))
			*unspec_ok = 1;
		else if (!in6_linklocal(ip + 8))
			return (FILTER_MLD_MALFORMED);
		return (ip[7] == 1 ? FILTER_PASS : FILTER_MLD_MALFORMED);
	case ND_RS:
	case ND_NS:
	case ND_NA:
		return (check_nd(net, frame, c, unspec_ok));
	case ND_RA:
	case ND_REDIRECT:
		return (FILTER_RA_GUARD);
	}
	return (FILTER_ICMP6_TYPE);
}

/*
 * IPv6 to the host: ICMPv6, UDP or TCP, their header whole in the
 * first fragment, behind no extension header but a Fragment header, or
 * a Hop-by-Hop header before MLD; from inside the prefix or fe80::/10.
 */
static enum filter_verdict
check_ipv6(const struct secure_net *net, const uint8_t *frame, size_t len)
{
	struct chain6 c;
	enum filter_verdict v;
	int unspec_ok = 0;

	if ((v = chain6(frame + ETHER_HDR, len - ETHER_HDR, &c)) !=
	    FILTER_PASS)
		return (v);
	if (c.proto != IPPROTO_ICMPV6_ && c.proto != IPPROTO_UDP_ &&
	    c.proto != IPPROTO_TCP_)
		return (ip6_exthdr(c.proto) ? FILTER_IP6_EXTHDR :
		    FILTER_IP6_PROTO);
	if (c.nhdr > 1 || (c.nhdr == 1 && !c.frag && !c.hbh))
		return (FILTER_IP6_EXTHDR);
	if (!c.later && !transport_ok(c.proto, c.ip + c.off, c.end - c.off))
		return (FILTER_IP6_MALFORMED);
	if (c.hbh && (c.proto != IPPROTO_ICMPV6_ ||
	    !is_mld(c.ip[c.off]) || !hbh_ok(c.ip + IP6_HDR)))
		return (FILTER_IP6_EXTHDR);
	if (!c.later && c.proto == IPPROTO_ICMPV6_ &&
	    (v = check_icmp6(net, frame, &c, &unspec_ok)) != FILTER_PASS)
		return (v);
	if (in6_unspecified(c.ip + 8))
		return (unspec_ok ? FILTER_PASS : FILTER_IP6_SUBNET);
	return (addr6_ok(net, c.ip + 8));
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
	case ETHERTYPE_IPV6:
		if (net->has6)
			return (check_ipv6(net, frame, len));
		break;
	}
	return (FILTER_ETHERTYPE);
}

/*
 * What no guest may send to anyone, the host or another guest, in
 * either family: a router advertisement or a redirect, wherever it
 * hides, behind VLAN tags (for the guests' VLAN interfaces) or in the
 * header chain (RA guard, RFC 6105 and RFC 7113).  An
 * IPv6 packet whose chain cannot be followed to the upper layer in
 * its first fragment is dropped as well, for it might hide one, and
 * so is Neighbor Discovery behind extension headers, which only
 * serves to pass unseen (an NA for another guest's address behind a
 * Destination Options header).  ESP is let through: its receiver
 * reads nothing in it from a guest it shares no key with.  The host
 * routes for the guests; nothing else does.
 */
enum filter_verdict
filter_guest(const struct secure_net *net, const uint8_t *frame, size_t len)
{
	const uint8_t *ip, *l4;
	struct chain6 c;
	enum filter_verdict v;
	size_t off = ETHER_HDR, avail, hlen, total;
	uint16_t type;

	(void)net;
	if (len < ETHER_HDR)
		return (FILTER_PASS);
	for (type = frame_ethertype(frame); (type == ETHERTYPE_VLAN_ ||
	    type == ETHERTYPE_QINQ_) && len - off >= VLAN_TAG;
	    off += VLAN_TAG)
		type = get16(frame + off + 2);
	ip = frame + off;
	avail = len - off;
	switch (type) {
	case ETHERTYPE_IPV4:
		/* Only a packet its receiver would take gets judged. */
		if (avail < IP_MINHDR || ip[0] >> 4 != 4 ||
		    ip[9] != IPPROTO_ICMP_ || (get16(ip + 6) & 0x1fff) != 0)
			return (FILTER_PASS);
		hlen = (size_t)(ip[0] & 0x0f) * 4;
		total = get16(ip + 2);
		if (hlen >= IP_MINHDR && hlen < total && total <= avail &&
		    ip[hlen] == ICMP_REDIRECT_)
			return (FILTER_ICMP_REDIRECT);
		return (FILTER_PASS);
	case ETHERTYPE_IPV6:
		if ((v = chain6(ip, avail, &c)) != FILTER_PASS)
			return (v);
		if (c.later || c.proto != IPPROTO_ICMPV6_)
			return (FILTER_PASS);
		/* The ICMPv6 header (RFC 4443) is part of the chain. */
		if (c.end - c.off < 4)
			return (FILTER_IP6_MALFORMED);
		l4 = c.ip + c.off;
		if (l4[0] == ND_RA || l4[0] == ND_REDIRECT)
			return (FILTER_RA_GUARD);
		if (c.nhdr != 0 && l4[0] >= ND_RS && l4[0] <= ND_REDIRECT)
			return (FILTER_ND_MALFORMED);
		return (FILTER_PASS);
	}
	return (FILTER_PASS);
}

static void
claim4(struct claim *cl, const uint8_t *addr)
{
	memset(cl->addr, 0, 10);
	cl->addr[10] = cl->addr[11] = 0xff;
	memcpy(cl->addr + 12, addr, 4);
}

/* Is the claim one of IPv4?  Its address then in *addr, host order. */
int
filter_claim_v4(const struct claim *cl, uint32_t *addr)
{
	if (!in6_v4mapped(cl->addr))
		return (0);
	*addr = get32(cl->addr + 12);
	return (1);
}

/* May an IPv6 address be claimed, as a claim of IPv6? */
static int
claimable6(const uint8_t *a)
{
	return (!in6_unspecified(a) && !in6_v4mapped(a));
}

/*
 * An IPv6 packet speaks for its source, unless it is :: (DAD, an MLD
 * report before the node has an address), and a Neighbor
 * Advertisement for its target too.  IPv4-mapped addresses are no
 * IPv6 packet's to claim.  An NA is looked for right after
 * the IPv6 header only: filter_guest() drops ND behind extension
 * headers.
 */
static int
claims6(const uint8_t *ip, size_t avail, struct claim *claims)
{
	const uint8_t *target = ip + IP6_HDR + 8;
	int n = 0;

	if (avail < IP6_HDR)
		return (0);
	if (claimable6(ip + 8))
		memcpy(claims[n++].addr, ip + 8, 16);
	if (avail >= IP6_HDR + ND_NS_LEN && ip[6] == IPPROTO_ICMPV6_ &&
	    ip[IP6_HDR] == ND_NA && claimable6(target) &&
	    (n == 0 || memcmp(target, ip + 8, 16) != 0))
		memcpy(claims[n++].addr, target, 16);
	return (n);
}

/*
 * The addresses a frame speaks for, how many: an ARP sender's, or an
 * IPv4 source; 0.0.0.0 (a probe, a DHCP request) speaks for none.
 * IPv6 as claims6() says.  Only the fields read are checked for
 * length: the rules of filter_check() judge the rest.
 */
int
filter_claims(const uint8_t *frame, size_t len,
    struct claim claims[FILTER_MAXCLAIMS])
{
	const uint8_t *a;

	if (len < ETHER_HDR)
		return (0);
	switch (frame_ethertype(frame)) {
	case ETHERTYPE_IPV6:
		return (claims6(frame + ETHER_HDR, len - ETHER_HDR, claims));
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
