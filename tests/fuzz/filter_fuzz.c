/*
 * libFuzzer harness for the secure mode filter (usr.sbin/vknetd/filter.c).
 * The first byte picks the host's side (which families, which IPv6
 * prefix length); the rest is a frame from a guest.  Beyond not
 * crashing, and not reading past the frame (every cut is judged in a
 * buffer of its own size), the rules of vknetd(8) are checked again
 * here, written independently of filter.c:
 *
 *   - a frame filter_check() passes has an ethertype of a family the
 *     host has; its IPv6 source is inside the prefix or link-local and
 *     none of the host's, multicast or anycast (or :: for MLD reports,
 *     and DAD of an address the guest could have); it is ICMPv6 of a
 *     type a host needs, UDP or TCP, behind no extension header but one
 *     Fragment header or a Hop-by-Hop header before MLD; ND has hop
 *     limit 255, every link-layer option naming the frame's source and
 *     an NA target the guest may use; it never is a router
 *     advertisement or redirect;
 *   - cut anywhere inside its packet, or inside a header the rules
 *     read, a frame that passed passes no more;
 *   - filter_guest() never passes a router advertisement or redirect
 *     found anywhere in the header chain, behind any VLAN tags, nor a
 *     chain that cannot be followed to its end, nor an ICMPv4
 *     redirect; what filter_check() passes, filter_guest() passes too;
 *   - filter_claims() claims only addresses the frame holds where a
 *     sender's address is, never ::, and a passing IPv6 frame claims
 *     its source.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "filter.h"

#define L3		ETHER_HDR
#define L6		(ETHER_HDR + 40)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *prefixes[] = {
	"2001:db8:1::1/64", "2001:db8:1::1/127", "2001:db8:1::1/128",
	"2001:db8:1::1/48", "2001:db8:1::1/0", "fe80::1/64",
	"2001:db8:1:0:8000::1/65", "2001:db8:1::1/64",
};

/* What the harness found in an IPv6 packet, walking it on its own. */
struct walk {
	int	 ok;		/* reached an upper layer inside the packet */
	int	 later;		/* a fragment other than the first */
	int	 nhdr;		/* extension headers before it */
	int	 frag;		/* one of them a Fragment header */
	int	 hbh;		/* the first one Hop-by-Hop */
	uint8_t	 proto;
	size_t	 off;		/* of the upper layer, in the frame */
	size_t	 end;		/* of the packet, in the frame */
};

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

/*
 * The IPv6 packet at b, its headers walked: every extension header of
 * RFC 8200 and IANA's list, as many as there are.
 */
static void
walk6(const uint8_t *f, size_t len, size_t b, struct walk *w)
{
	size_t off = b + 40, hl;
	uint8_t nh;

	memset(w, 0, sizeof(*w));
	if (len < b + 40 || f[b] >> 4 != 6 ||
	    (w->end = b + 40 + get16(f + b + 4)) > len)
		return;
	for (nh = f[b + 6];; nh = f[off], off += hl) {
		if (w->end - off < 8 && (nh == 0 || nh == 43 || nh == 44 ||
		    nh == 51 || nh == 60 || nh == 135 || nh == 139 ||
		    nh == 140 || nh == 253 || nh == 254))
			return;
		switch (nh) {
		case 0: case 43: case 60: case 135: case 139: case 140:
		case 253: case 254:
			hl = (size_t)(f[off + 1] + 1) * 8;
			break;
		case 51:
			hl = (size_t)(f[off + 1] + 2) * 4;
			break;
		case 44:
			hl = 8;
			w->frag = 1;
			if (get16(f + off + 2) >> 3 != 0) {
				w->ok = w->later = 1;
				w->proto = f[off];
				w->off = off + 8;
				return;
			}
			break;
		default:
			w->ok = 1;
			w->proto = nh;
			w->off = off;
			return;
		}
		if (hl > w->end - off)
			return;
		if (nh == 0 && w->nhdr == 0)
			w->hbh = 1;
		w->nhdr++;
	}
}

static int
zero(const uint8_t *a, size_t n)
{
	while (n-- > 0)
		if (*a++ != 0)
			return (0);
	return (1);
}

/* Inside the prefix or fe80::/10; not the host's, a group, v4-mapped. */
static int
addr_ok(const struct secure_net *net, const uint8_t *a)
{
	static const uint8_t ll_anycast[16] = { 0xfe, 0x80 };
	int i, inside = 1, hostpart0 = 1;

	if (a[0] == 0xff || memcmp(a, ll_anycast, 16) == 0 ||
	    memcmp(a, net->v6.addr, 16) == 0 ||
	    (zero(a, 10) && a[10] == 0xff && a[11] == 0xff))
		return (0);
	for (i = 0; i < net->nhost6; i++)
		if (memcmp(a, net->host6[i], 16) == 0)
			return (0);
	for (i = 0; i < 128; i++) {
		int bit = a[i / 8] >> (7 - i % 8) & 1;

		if (i < net->v6.bits)
			inside &= bit == (net->v6.addr[i / 8] >>
			    (7 - i % 8) & 1);
		else
			hostpart0 &= bit == 0;
	}
	if (inside && hostpart0 && net->v6.bits <= 127)
		return (0);
	return (inside || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80));
}

/* A copy of the first n bytes, its own allocation: ASan sees past it. */
static enum filter_verdict
cut_check(const struct secure_net *net, const uint8_t *f, size_t n,
    size_t plen)
{
	enum filter_verdict v;
	uint8_t *c;

	c = malloc(n + 1);
	assert(c != NULL);
	memcpy(c, f, n);
	if (plen != (size_t)-1) {
		c[L3 + 4] = (uint8_t)(plen >> 8);
		c[L3 + 5] = (uint8_t)plen;
	}
	v = filter_check(net, c, n);
	free(c);
	return (v);
}

static enum filter_verdict
cut_guest(const struct secure_net *net, const uint8_t *f, size_t n)
{
	enum filter_verdict v;
	uint8_t *c;

	c = malloc(n + 1);
	assert(c != NULL);
	memcpy(c, f, n);
	v = filter_guest(net, c, n);
	free(c);
	return (v);
}

/* Neighbor Discovery that passed: RFC 4861's checks, our lladdr rule. */
static void
nd_passed(const struct secure_net *net, const uint8_t *f,
    const struct walk *w)
{
	const uint8_t *nd = f + w->off;
	size_t i, fixed = nd[0] == 133 ? 8 : 24, ndlen = w->end - w->off;

	assert(w->nhdr == 0 && f[L3 + 7] == 255 && nd[1] == 0 &&
	    ndlen >= fixed);
	for (i = fixed; i < ndlen; i += (size_t)nd[i + 1] * 8) {
		assert(ndlen - i >= 8 && nd[i + 1] != 0 &&
		    (size_t)nd[i + 1] * 8 <= ndlen - i);
		if (nd[i] == 1 || nd[i] == 2)
			assert(nd[i + 1] == 1 &&
			    memcmp(nd + i + 2, f + MAC_LEN, MAC_LEN) == 0);
	}
	if (nd[0] == 136)
		assert(addr_ok(net, nd + 8));
	/* Cut by a byte, an option or the fixed part is short. */
	assert(cut_check(net, f, w->end - 1, w->end - 1 - L6) !=
	    FILTER_PASS);
}

static void
ipv6_passed(const struct secure_net *net, const uint8_t *f, size_t len)
{
	const uint8_t *src = f + L3 + 8;
	struct walk w;
	size_t need;
	uint8_t type;

	walk6(f, len, L3, &w);
	assert(net->has6 && w.ok);
	assert(w.proto == 6 || w.proto == 17 || w.proto == 58);
	assert(w.nhdr == 0 || (w.nhdr == 1 && (w.frag || w.hbh)));
	if (w.later) {
		assert(addr_ok(net, src));
		return;
	}
	need = w.proto == 6 ? 20 : 8;
	assert(w.end - w.off >= need);
	if (w.proto == 6) {
		need = (size_t)(f[w.off + 12] >> 4) * 4;
		assert(need >= 20 && w.end - w.off >= need);
	}
	type = f[w.off];
	assert(!w.hbh || (w.proto == 58 && (type == 130 || type == 131 ||
	    type == 132 || type == 143)));
	if (w.proto == 58) {
		assert(type != 134 && type != 137);
		assert((type >= 1 && type <= 4) || type == 128 ||
		    type == 129 || type == 130 || type == 131 || type == 132 ||
		    type == 143 || type == 133 || type == 135 || type == 136);
		if (type == 130 || type == 131 || type == 132 || type == 143)
			assert(f[L3 + 7] == 1);
		if (type == 133 || type == 135 || type == 136)
			nd_passed(net, f, &w);
	}
	if (zero(src, 16)) {
		assert(w.proto == 58 && (type == 135 || type == 131 ||
		    type == 143));
		/* DAD only for an address the guest could have. */
		assert(type != 135 || addr_ok(net, f + w.off + 8));
	} else
		assert(addr_ok(net, src));
	/* The transport header cut, or the chain before it. */
	assert(cut_check(net, f, w.off + need - 1, w.off + need - 1 - L6) !=
	    FILTER_PASS);
	if (w.nhdr > 0)
		assert(cut_check(net, f, w.off - 1, w.off - 1 - L6) !=
		    FILTER_PASS);
}

static void
ipv4_passed(const struct secure_net *net, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + L3;
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4, total = get16(ip + 2);
	uint32_t src;

	assert(net->has4 && len >= L3 + 20 && ip[0] >> 4 == 4);
	assert(hlen >= 20 && hlen <= total && total <= len - L3);
	assert(ip[9] == 1 || ip[9] == 6 || ip[9] == 17);
	if ((get16(ip + 6) & 0x1fff) == 0 && ip[9] == 1)
		assert(total - hlen >= 8 && ip[hlen] != 5);
	src = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 |
	    (uint32_t)ip[14] << 8 | ip[15];
	assert(src == 0 || (src & net->v4.mask) ==
	    (net->v4.addr & net->v4.mask));
	assert(src != net->v4.addr);
}

static void
guest(const struct secure_net *net, const uint8_t *f, size_t len,
    enum filter_verdict checked)
{
	enum filter_verdict v;
	struct walk w;
	size_t b, n, hlen;
	uint16_t type;

	v = filter_guest(net, f, len);
	assert((unsigned int)v < FILTER_NVERDICTS);
	if (checked == FILTER_PASS)
		assert(v == FILTER_PASS);
	if (len < L3)
		return;
	/* Behind any number of 802.1Q and 802.1ad tags. */
	for (b = L3, type = get16(f + 12); (type == 0x8100 ||
	    type == 0x88a8) && len >= b + 4; b += 4)
		type = get16(f + b + 2);
	switch (type) {
	case ETHERTYPE_IPV4:
		hlen = len >= b + 20 ? (size_t)(f[b] & 0x0f) * 4 : 0;
		if (hlen >= 20 && f[b] >> 4 == 4 && f[b + 9] == 1 &&
		    (get16(f + b + 6) & 0x1fff) == 0 &&
		    hlen < get16(f + b + 2) && get16(f + b + 2) <= len - b &&
		    f[b + hlen] == 5)
			assert(v != FILTER_PASS);
		break;
	case ETHERTYPE_IPV6:
		walk6(f, len, b, &w);
		/* What cannot be followed might hide an RA. */
		if (!w.ok)
			assert(v != FILTER_PASS);
		if (!w.ok || w.later || w.proto != 58)
			break;
		if (w.end == w.off)
			assert(v != FILTER_PASS);
		else if (f[w.off] == 134 || f[w.off] == 137) {
			assert(v != FILTER_PASS);
			for (n = b; n < len && n < b + 256; n++)
				assert(cut_guest(net, f, n) != FILTER_PASS);
		}
		break;
	}
}

static void
claims(const uint8_t *f, size_t len, enum filter_verdict checked)
{
	static const uint8_t v4zero[16] = { [10] = 0xff, [11] = 0xff };
	struct claim cl[FILTER_MAXCLAIMS];
	int i, n, src = 0;

	n = filter_claims(f, len, cl);
	assert(n >= 0 && n <= FILTER_MAXCLAIMS);
	for (i = 0; i < n; i++) {
		assert(!zero(cl[i].addr, 16));
		assert(memcmp(cl[i].addr, v4zero, 16) != 0);
		switch (frame_ethertype(f)) {
		case ETHERTYPE_ARP:
			assert(len >= L3 + 28 &&
			    memcmp(cl[i].addr, v4zero, 12) == 0 &&
			    memcmp(cl[i].addr + 12, f + L3 + 14, 4) == 0);
			break;
		case ETHERTYPE_IPV4:
			assert(len >= L3 + 20 &&
			    memcmp(cl[i].addr, v4zero, 12) == 0 &&
			    memcmp(cl[i].addr + 12, f + L3 + 12, 4) == 0);
			break;
		case ETHERTYPE_IPV6:
			/* ::ffff:a.b.c.d would speak for a.b.c.d. */
			assert(memcmp(cl[i].addr, v4zero, 12) != 0);
			if (memcmp(cl[i].addr, f + L3 + 8, 16) == 0)
				src = 1;
			else
				assert(len >= L6 + 24 && f[L3 + 6] == 58 &&
				    f[L6] == 136 &&
				    memcmp(cl[i].addr, f + L6 + 8, 16) == 0);
			break;
		default:
			assert(0);
		}
	}
	if (checked == FILTER_PASS && len >= L3 &&
	    frame_ethertype(f) == ETHERTYPE_IPV6 && !zero(f + L3 + 8, 16))
		assert(src);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct secure_net net;
	const uint8_t *f;
	enum filter_verdict v;
	size_t n, end;

	if (len < 1)
		return (0);
	memset(&net, 0, sizeof(net));
	net.has4 = !(buf[0] & 0x08);
	net.has6 = !(buf[0] & 0x10);
	assert(cidr_parse("198.51.100.1/24", &net.v4) == 0);
	assert(cidr6_parse(prefixes[buf[0] & 7], &net.v6) == 0);
	memcpy(net.host6[0], net.v6.addr, 16);
	assert(inet_pton(AF_INET6, "fe80::1", net.host6[1]) == 1);
	net.nhost6 = 2;
	f = buf + 1;
	len--;

	v = filter_check(&net, f, len);
	assert((unsigned int)v < FILTER_NVERDICTS && filter_reason(v) != NULL);
	if (v == FILTER_PASS) {
		assert(len >= L3);
		switch (frame_ethertype(f)) {
		case ETHERTYPE_ARP:
			assert(net.has4 && len >= L3 + 28 &&
			    memcmp(f + L3 + 8, f + MAC_LEN, MAC_LEN) == 0 &&
			    get16(f + L3 + 6) >= 1 && get16(f + L3 + 6) <= 2);
			end = L3 + 28;
			break;
		case ETHERTYPE_IPV4:
			ipv4_passed(&net, f, len);
			end = L3 + get16(f + L3 + 2);
			break;
		case ETHERTYPE_IPV6:
			ipv6_passed(&net, f, len);
			end = L6 + get16(f + L3 + 4);
			break;
		default:
			assert(0);
		}
		/* The frame cut inside its packet. */
		for (n = end > 256 ? end - 256 : 0; n < end; n++)
			assert(cut_check(&net, f, n, (size_t)-1) !=
			    FILTER_PASS);
	}
	guest(&net, f, len, v);
	claims(f, len, v);
	return (0);
}
