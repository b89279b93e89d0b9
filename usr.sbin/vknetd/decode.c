/*
 * One-line decoding of a frame for "vknetd -c", in the words and order
 * of "tcpdump -e -nn" so that eyes and scripts used to tcpdump read it
 * as they would tcpdump's:
 *
 *	02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806),
 *	    length 42: Request who-has 198.51.100.3 tell 198.51.100.2, ...
 *
 * The frame may be anything a guest chose to send, and a giant or a
 * frame cut by the monitor is only partly at hand, so every field is
 * read through a cursor that knows how many bytes remain: a layer
 * that does not fit ends the line with "[|layer]", as in tcpdump.  The
 * bytes a layer may use are also limited by the length the layer
 * above gave it (IPv4 total length, IPv6 payload length), so Ethernet
 * padding is never decoded as payload.
 */
#include <arpa/inet.h>

#include <stdarg.h>
#include <string.h>

#include "decode.h"
#include "ether.h"

#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_MIN	0x0600		/* below: an 802.3 length */
#define IP6_HDR		40
#define MAX_EXTHDRS	8

/* The line being built; it never overflows, it is cut short. */
struct line {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

/* A layer's bytes: what is left of them after what was read. */
struct cursor {
	const uint8_t	*p;
	size_t		 left;
};

static void put(struct line *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 1 >= l->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < l->size - l->len ? (size_t)n :
		    l->size - l->len - 1;
}

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* Does the cursor hold n more bytes? */
static int
has(const struct cursor *c, size_t n)
{
	return (c->left >= n);
}

static struct cursor
skip(struct cursor c, size_t n)
{
	c.p += n;
	c.left -= n;
	return (c);
}

static const char *
ip4_fmt(char buf[INET_ADDRSTRLEN], const uint8_t *p)
{
	return (inet_ntop(AF_INET, p, buf, INET_ADDRSTRLEN));
}

static const char *
ip6_fmt(char buf[INET6_ADDRSTRLEN], const uint8_t *p)
{
	return (inet_ntop(AF_INET6, p, buf, INET6_ADDRSTRLEN));
}

static void
arp(struct line *l, struct cursor c, size_t len)
{
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN], sha[MAC_STRLEN];
	const uint8_t *a = c.p;

	if (!has(&c, 8)) {
		put(l, "[|ARP]");
		return;
	}
	if (get16(a) != 1 || get16(a + 2) != ETHERTYPE_IPV4 ||
	    a[4] != MAC_LEN || a[5] != 4) {
		put(l, "ARP, hardware %u, protocol 0x%04x, length %zu",
		    get16(a), get16(a + 2), len);
		return;
	}
	if (!has(&c, 28)) {
		put(l, "[|ARP]");
		return;
	}
	ip4_fmt(spa, a + 14);
	ip4_fmt(tpa, a + 24);
	switch (get16(a + 6)) {
	case 1:
		put(l, "Request who-has %s tell %s", tpa, spa);
		break;
	case 2:
		put(l, "Reply %s is-at %s", spa, mac_fmt(sha, a + 8));
		break;
	default:
		put(l, "ARP, Unknown (%u)", get16(a + 6));
	}
	put(l, ", length %zu", len);
}

static void
tcp_flags(struct line *l, uint8_t f)
{
	static const struct {
		uint8_t	bit;
		char	c;
	} flags[] = {
		{ 0x01, 'F' }, { 0x02, 'S' }, { 0x04, 'R' }, { 0x08, 'P' },
		{ 0x10, '.' }, { 0x20, 'U' }, { 0x40, 'E' }, { 0x80, 'W' }
	};
	size_t i;

	put(l, "Flags [");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (f & flags[i].bit)
			put(l, "%c", flags[i].c);
	if (f == 0)
		put(l, "none");
	put(l, "]");
}

/*
 * UDP and TCP, the same over IPv4 and IPv6: c holds what we have of
 * the segment, len is its length by the IP header.
 */
static int
ports(struct line *l, uint8_t proto, const char *src, const char *dst,
    struct cursor c, size_t len)
{
	const uint8_t *t = c.p;
	size_t hlen;

	if (proto == IPPROTO_UDP) {
		if (!has(&c, 8)) {
			put(l, "%s > %s: [|udp]", src, dst);
			return (1);
		}
		put(l, "%s.%u > %s.%u: UDP, length %u", src, get16(t), dst,
		    get16(t + 2), get16(t + 4) >= 8 ? get16(t + 4) - 8U : 0);
		return (1);
	}
	if (proto != IPPROTO_TCP)
		return (0);
	if (!has(&c, 20) || (hlen = (size_t)(t[12] >> 4) * 4) < 20 ||
	    !has(&c, hlen)) {
		put(l, "%s > %s: [|tcp]", src, dst);
		return (1);
	}
	put(l, "%s.%u > %s.%u: ", src, get16(t), dst, get16(t + 2));
	tcp_flags(l, t[13]);
	put(l, ", seq %u", get32(t + 4));
	if (t[13] & 0x10)
		put(l, ", ack %u", get32(t + 8));
	put(l, ", win %u, length %zu", get16(t + 14),
	    len > hlen ? len - hlen : 0);
	return (1);
}

static const char *
icmp_name(uint8_t type)
{
	switch (type) {
	case 0:
		return ("echo reply");
	case 3:
		return ("unreachable");
	case 5:
		return ("redirect");
	case 8:
		return ("echo request");
	case 11:
		return ("time exceeded");
	}
	return (NULL);
}

static void
icmp(struct line *l, struct cursor c, size_t len)
{
	const uint8_t *t = c.p;
	const char *name;

	/* An echo's id and sequence number are part of its header. */
	if (!has(&c, 4) || ((t[0] == 0 || t[0] == 8) && !has(&c, 8))) {
		put(l, "[|icmp]");
		return;
	}
	if ((name = icmp_name(t[0])) == NULL)
		put(l, "ICMP type %u, code %u", t[0], t[1]);
	else if (t[0] == 0 || t[0] == 8)
		put(l, "ICMP %s, id %u, seq %u", name, get16(t + 4),
		    get16(t + 6));
	else if (t[1] == 0)
		put(l, "ICMP %s", name);
	else
		put(l, "ICMP %s, code %u", name, t[1]);
	put(l, ", length %zu", len);
}

static void
ipv4(struct line *l, struct cursor c)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	const uint8_t *ip = c.p;
	size_t hlen, total;
	uint16_t off;

	if (!has(&c, 20)) {
		put(l, "[|ip]");
		return;
	}
	if (ip[0] >> 4 != 4 || (hlen = (size_t)(ip[0] & 0x0f) * 4) < 20) {
		put(l, "IP%u (invalid)", ip[0] >> 4);
		return;
	}
	if (!has(&c, hlen)) {
		put(l, "[|ip]");
		return;
	}
	total = get16(ip + 2);
	if (total < hlen) {
		put(l, "IP, bad total length %zu", total);
		return;
	}
	ip4_fmt(src, ip + 12);
	ip4_fmt(dst, ip + 16);
	/* Beyond the total length is Ethernet padding. */
	if (c.left > total)
		c.left = total;
	c = skip(c, hlen);
	off = get16(ip + 6) & 0x1fff;
	if (off != 0) {
		put(l, "%s > %s: ip-proto-%u fragment, offset %u, length %zu",
		    src, dst, ip[9], off * 8U, total - hlen);
		return;
	}
	if (ports(l, ip[9], src, dst, c, total - hlen))
		return;
	put(l, "%s > %s: ", src, dst);
	if (ip[9] == IPPROTO_ICMP)
		icmp(l, c, total - hlen);
	else
		put(l, "ip-proto-%u, length %zu", ip[9], total - hlen);
}

static const char *
icmp6_name(uint8_t type)
{
	switch (type) {
	case 1:
		return ("destination unreachable");
	case 2:
		return ("packet too big");
	case 3:
		return ("time exceeded");
	case 128:
		return ("echo request");
	case 129:
		return ("echo reply");
	case 133:
		return ("router solicitation");
	case 134:
		return ("router advertisement");
	case 135:
		return ("neighbor solicitation");
	case 136:
		return ("neighbor advertisement");
	case 143:
		return ("multicast listener report v2");
	}
	return (NULL);
}

static void
icmp6(struct line *l, struct cursor c, size_t len)
{
	char tgt[INET6_ADDRSTRLEN];
	const uint8_t *t = c.p;
	const char *name;

	/* As are a neighbor message's target. */
	if (!has(&c, 4) || ((t[0] == 128 || t[0] == 129) && !has(&c, 8)) ||
	    ((t[0] == 135 || t[0] == 136) && !has(&c, 24))) {
		put(l, "[|icmp6]");
		return;
	}
	if ((name = icmp6_name(t[0])) == NULL)
		put(l, "ICMP6, type %u, code %u", t[0], t[1]);
	else if (t[0] == 128 || t[0] == 129)
		put(l, "ICMP6, %s, id %u, seq %u", name, get16(t + 4),
		    get16(t + 6));
	else if (t[0] == 135)
		put(l, "ICMP6, %s, who has %s", name, ip6_fmt(tgt, t + 8));
	else if (t[0] == 136)
		put(l, "ICMP6, %s, tgt is %s", name, ip6_fmt(tgt, t + 8));
	else
		put(l, "ICMP6, %s", name);
	put(l, ", length %zu", len);
}

static void
ipv6(struct line *l, struct cursor c)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const uint8_t *ip = c.p;
	uint8_t next;
	size_t plen, rest, xlen;
	int n;

	if (!has(&c, IP6_HDR)) {
		put(l, "[|ip6]");
		return;
	}
	if (ip[0] >> 4 != 6) {
		put(l, "IP6, bad version %u", ip[0] >> 4);
		return;
	}
	plen = get16(ip + 4);
	next = ip[6];
	ip6_fmt(src, ip + 8);
	ip6_fmt(dst, ip + 24);
	c = skip(c, IP6_HDR);
	if (c.left > plen)
		c.left = plen;
	rest = plen;
	/* Hop-by-hop (as in MLD), routing and destination options. */
	for (n = 0; n < MAX_EXTHDRS && (next == 0 || next == 43 ||
	    next == 60); n++) {
		if (!has(&c, 2) || !has(&c, xlen = ((size_t)c.p[1] + 1) * 8)) {
			put(l, "%s > %s: [|ip6 extension]", src, dst);
			return;
		}
		next = c.p[0];
		c = skip(c, xlen);
		rest -= xlen;		/* c.left <= rest throughout */
	}
	if (ports(l, next, src, dst, c, rest))
		return;
	put(l, "%s > %s: ", src, dst);
	if (next == IPPROTO_ICMPV6)
		icmp6(l, c, rest);
	else if (next == 44)
		put(l, "fragment, length %zu", plen);
	else
		put(l, "next-header %u, length %zu", next, plen);
}

static const char *
ethertype_name(uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4:
		return ("IPv4");
	case ETHERTYPE_ARP:
		return ("ARP");
	case ETHERTYPE_IPV6:
		return ("IPv6");
	case ETHERTYPE_VLAN:
		return ("802.1Q");
	}
	return ("Unknown");
}

/* From the ethertype on: what follows it, and the layers inside. */
static void
payload(struct line *l, uint16_t type, struct cursor c, size_t len)
{
	if (type < ETHERTYPE_MIN) {
		put(l, "802.3, length %zu", len);
		return;
	}
	put(l, "ethertype %s (0x%04x), length %zu", ethertype_name(type),
	    type, len);
	switch (type) {
	case ETHERTYPE_ARP:
		put(l, ": ");
		arp(l, c, len - ETHER_HDR);
		break;
	case ETHERTYPE_IPV4:
		put(l, ": ");
		ipv4(l, c);
		break;
	case ETHERTYPE_IPV6:
		put(l, ": ");
		ipv6(l, c);
		break;
	case ETHERTYPE_VLAN:
		put(l, ": ");
		if (!has(&c, 4)) {
			put(l, "[|vlan]");
			break;
		}
		put(l, "vlan %u, p %u, ", get16(c.p) & 0x0fff, c.p[0] >> 5);
		/* One tag is decoded; a second is shown as such. */
		type = get16(c.p + 2);
		c = skip(c, 4);
		put(l, "ethertype %s (0x%04x)", ethertype_name(type), type);
		if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6 ||
		    type == ETHERTYPE_ARP) {
			put(l, ", ");
			if (type == ETHERTYPE_IPV4)
				ipv4(l, c);
			else if (type == ETHERTYPE_IPV6)
				ipv6(l, c);
			else
				arp(l, c, len - ETHER_HDR - 4);
		}
		break;
	}
}

void
decode_frame(char *buf, size_t size, const uint8_t *frame, size_t caplen,
    size_t len)
{
	struct line l = { buf, size, 0 };
	struct cursor c = { frame, caplen };
	char src[MAC_STRLEN], dst[MAC_STRLEN];

	if (size == 0)
		return;
	buf[0] = '\0';
	if (!has(&c, ETHER_HDR)) {
		put(&l, "[|ether], length %zu", len);
		return;
	}
	put(&l, "%s > %s, ", mac_fmt(src, frame + MAC_LEN),
	    mac_fmt(dst, frame));
	payload(&l, frame_ethertype(frame), skip(c, ETHER_HDR), len);
}

/* As "tcpdump -xx": the whole frame, 16 bytes a line. */
void
decode_hex(FILE *fp, const uint8_t *frame, size_t caplen)
{
	size_t i;

	for (i = 0; i < caplen; i++) {
		if (i % 16 == 0)
			fprintf(fp, "%s\t0x%04zx: ", i == 0 ? "" : "\n", i);
		if (i % 2 == 0)
			fputc(' ', fp);
		fprintf(fp, "%02x", frame[i]);
	}
	if (caplen != 0)
		fputc('\n', fp);
}
