/*
 * Frame builders and parsers for the tests and vkpeer; see frames.h.
 */
#include <arpa/inet.h>

#include <string.h>

#include "frames.h"

const uint8_t fr_bcast[MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

/* The Internet checksum (RFC 1071), continuing from a partial sum. */
uint16_t
fr_cksum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/* The sum of the pseudo-header that UDP and TCP checksums cover. */
uint32_t
fr_pseudo(const struct fr_addrs *ad, uint8_t proto, size_t len)
{
	uint32_t s = ntohl(ad->sip), d = ntohl(ad->dip);

	return ((s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto +
	    (uint32_t)len);
}

size_t
fr_ether(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, MAC_LEN);
	memcpy(f + MAC_LEN, src, MAC_LEN);
	put16(f + 12, type);
	return (ETHER_HDR);
}

size_t
fr_arp(uint8_t *f, const uint8_t *dst, const uint8_t *src,
    const struct fr_arp *a)
{
	uint8_t *p = f + fr_ether(f, dst, src, ETHERTYPE_ARP);

	put16(p, 1);			/* Ethernet */
	put16(p + 2, ETHERTYPE_IPV4);
	p[4] = MAC_LEN;
	p[5] = 4;
	put16(p + 6, a->op);
	memcpy(p + 8, a->sha, MAC_LEN);
	memcpy(p + 14, &a->spa, 4);
	memcpy(p + 18, a->tha, MAC_LEN);
	memcpy(p + 24, &a->tpa, 4);
	return (FR_ARP_LEN);
}

size_t
fr_ipv4(uint8_t *f, const struct fr_addrs *ad, uint8_t proto,
    const void *l4, size_t l4len)
{
	uint8_t *ip = f + fr_ether(f, ad->dst, ad->src, ETHERTYPE_IPV4);

	memset(ip, 0, FR_IP_HDR);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(FR_IP_HDR + l4len));
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &ad->sip, 4);
	memcpy(ip + 16, &ad->dip, 4);
	put16(ip + 10, fr_cksum(ip, FR_IP_HDR, 0));
	memmove(ip + FR_IP_HDR, l4, l4len);
	return (ETHER_HDR + FR_IP_HDR + l4len);
}

size_t
fr_udp(uint8_t *f, const struct fr_addrs *ad, uint16_t sport,
    uint16_t dport, const void *data, size_t len)
{
	uint8_t *u = f + ETHER_HDR + FR_IP_HDR;
	uint16_t ulen = (uint16_t)(FR_UDP_HDR + len), sum;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, ulen);
	put16(u + 6, 0);
	memmove(u + FR_UDP_HDR, data, len);
	/* Zero means "no checksum" in UDP, so it is sent as all ones. */
	if ((sum = fr_cksum(u, ulen, fr_pseudo(ad, IPPROTO_UDP, ulen))) == 0)
		sum = 0xffff;
	put16(u + 6, sum);
	return (fr_ipv4(f, ad, IPPROTO_UDP, u, ulen));
}

size_t
fr_icmp_echo(uint8_t *f, const struct fr_addrs *ad,
    const struct fr_echo *e, const void *data, size_t len)
{
	uint8_t *m = f + ETHER_HDR + FR_IP_HDR;

	m[0] = e->type;
	m[1] = 0;
	put16(m + 2, 0);
	put16(m + 4, e->id);
	put16(m + 6, e->seq);
	memmove(m + FR_ICMP_HDR, data, len);
	put16(m + 2, fr_cksum(m, FR_ICMP_HDR + len, 0));
	return (fr_ipv4(f, ad, IPPROTO_ICMP, m, FR_ICMP_HDR + len));
}

/*
 * An ICMPv6 message msg (its checksum field zero) in an IPv6 packet
 * with hop limit 255, as neighbour discovery requires; the checksum
 * covers the pseudo-header of RFC 8200, 8.1.
 */
size_t
fr_icmp6(uint8_t *f, const struct fr_addrs6 *ad, const void *msg,
    size_t len)
{
	uint8_t *ip = f + fr_ether(f, ad->dst, ad->src, ETHERTYPE_IPV6);
	uint8_t *m = ip + FR_IP6_HDR;
	uint32_t sum;

	memset(ip, 0, FR_IP6_HDR);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)len);
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = 255;
	memcpy(ip + 8, ad->sip, 16);
	memcpy(ip + 24, ad->dip, 16);
	memmove(m, msg, len);
	sum = (uint16_t)~fr_cksum(ip + 8, 32, 0);
	sum += (uint32_t)len + IPPROTO_ICMPV6;
	put16(m + 2, fr_cksum(m, len, sum));
	return (ETHER_HDR + FR_IP6_HDR + len);
}

/*
 * A neighbour solicitation or advertisement for target, with flags in
 * its first word and a source (NS) or target (NA) link-layer address
 * option if lladdr is not NULL.
 */
size_t
fr_nd(uint8_t *f, const struct fr_addrs6 *ad, uint8_t type, uint32_t flags,
    const uint8_t target[16], const uint8_t *lladdr)
{
	uint8_t m[32] = { type };
	size_t len = 24;

	put16(m + 4, (uint16_t)(flags >> 16));
	put16(m + 6, (uint16_t)flags);
	memcpy(m + 8, target, 16);
	if (lladdr != NULL) {
		m[24] = type == ND_NEIGHBOR_SOLICIT ? 1 : 2;
		m[25] = 1;
		memcpy(m + 26, lladdr, MAC_LEN);
		len = 32;
	}
	return (fr_icmp6(f, ad, m, len));
}

int
fr_arp_parse(const uint8_t *f, size_t len, struct fr_arp *a)
{
	const uint8_t *p = f + ETHER_HDR;

	if (len < FR_ARP_LEN || frame_ethertype(f) != ETHERTYPE_ARP ||
	    get16(p) != 1 || get16(p + 2) != ETHERTYPE_IPV4 ||
	    p[4] != MAC_LEN || p[5] != 4)
		return (-1);
	a->op = get16(p + 6);
	memcpy(a->sha, p + 8, MAC_LEN);
	memcpy(&a->spa, p + 14, 4);
	memcpy(a->tha, p + 18, MAC_LEN);
	memcpy(&a->tpa, p + 24, 4);
	return (0);
}

int
fr_ipv4_parse(const uint8_t *f, size_t len, struct fr_ip *ip)
{
	const uint8_t *h = f + ETHER_HDR;
	size_t hlen, tot;

	if (len < ETHER_HDR + FR_IP_HDR ||
	    frame_ethertype(f) != ETHERTYPE_IPV4 || h[0] >> 4 != 4)
		return (-1);
	hlen = (size_t)(h[0] & 0xf) * 4;
	tot = get16(h + 2);
	if (hlen < FR_IP_HDR || tot < hlen || ETHER_HDR + tot > len ||
	    fr_cksum(h, hlen, 0) != 0)
		return (-1);
	ip->proto = h[9];
	memcpy(&ip->src, h + 12, 4);
	memcpy(&ip->dst, h + 16, 4);
	ip->l4 = h + hlen;
	ip->l4len = tot - hlen;
	return (0);
}

int
fr_echo_parse(const struct fr_ip *ip, struct fr_echo *e)
{
	const uint8_t *m = ip->l4;

	if (ip->proto != IPPROTO_ICMP || ip->l4len < FR_ICMP_HDR ||
	    (m[0] != ICMP_ECHO && m[0] != ICMP_ECHOREPLY) || m[1] != 0 ||
	    fr_cksum(m, ip->l4len, 0) != 0)
		return (-1);
	e->type = m[0];
	e->id = get16(m + 4);
	e->seq = get16(m + 6);
	return (0);
}
