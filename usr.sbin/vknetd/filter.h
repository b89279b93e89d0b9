/*
 * Secure mode: which frames may enter the host through the TAP
 * (filter_check), which no guest may send anywhere (filter_guest), and
 * which addresses a frame speaks for (filter_claims), so that the
 * switch can bind each address to the port that used it first.
 */
#ifndef VKNETD_FILTER_H
#define VKNETD_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct cidr {
	uint32_t	addr;		/* host byte order */
	uint32_t	mask;
	int		bits;
};

struct cidr6 {
	uint8_t		addr[16];
	uint8_t		mask[16];
	int		bits;
};

#define FILTER_HOST6	4	/* the host's IPv6 addresses we know of */

/* The host's side of secure mode: either family may be absent. */
struct secure_net {
	int		has4;
	struct cidr	v4;
	int		has6;
	struct cidr6	v6;
	uint8_t		host6[FILTER_HOST6][16]; /* v6.addr, link-locals */
	int		nhost6;
};

/* An address a frame speaks for; IPv4 as ::ffff:a.b.c.d. */
struct claim {
	uint8_t		addr[16];
};

#define FILTER_MAXCLAIMS 2	/* IPv6 source and an NA's target */

enum filter_verdict {
	FILTER_PASS,
	FILTER_ETHERTYPE,	/* not IPv4 or ARP (IPv6, VLAN, ...) */
	FILTER_ARP_MALFORMED,
	FILTER_ARP_SPOOFED,	/* sender MAC is not the frame's source */
	FILTER_ARP_SUBNET,	/* sender IP outside the subnet */
	FILTER_ARP_OPCODE,	/* not a request or a reply */
	FILTER_ARP_RESERVED,	/* sender IP the host's, network, broadcast */
	FILTER_IP_MALFORMED,
	FILTER_IP_PROTO,	/* not ICMP, UDP or TCP */
	FILTER_IP_SUBNET,	/* source outside the subnet */
	FILTER_IP_RESERVED,	/* source the host's, network or broadcast */
	FILTER_ICMP_REDIRECT,	/* a guest does not route the host */
	FILTER_ADDR_OWNED,	/* address of the host or another port */
	FILTER_IP6_MALFORMED,	/* lengths, or a chain cut short */
	FILTER_IP6_PROTO,	/* not ICMPv6, UDP or TCP */
	FILTER_IP6_EXTHDR,	/* an extension header not allowed */
	FILTER_IP6_SUBNET,	/* source outside the prefix and fe80::/10 */
	FILTER_IP6_RESERVED,	/* source the host's, multicast, anycast */
	FILTER_ICMP6_TYPE,	/* an ICMPv6 type the host need not hear */
	FILTER_MLD_MALFORMED,	/* MLD not hop limit 1 from link-local */
	FILTER_ND_MALFORMED,	/* ND hop limit, code, length, options */
	FILTER_ND_SPOOFED,	/* link-layer option is not the source */
	FILTER_ND_TARGET,	/* NA target outside, or the host's */
	FILTER_RA_GUARD,	/* router advertisement or redirect */
	FILTER_NVERDICTS
};

int		 cidr_parse(const char *, struct cidr *);
int		 cidr_contains(const struct cidr *, uint32_t addr);
int		 cidr6_parse(const char *, struct cidr6 *);
enum filter_verdict
		 filter_check(const struct secure_net *, const uint8_t *frame,
		    size_t len);
enum filter_verdict
		 filter_guest(const struct secure_net *, const uint8_t *frame,
		    size_t len);
int		 filter_claims(const uint8_t *frame, size_t len,
		    struct claim claims[FILTER_MAXCLAIMS]);
int		 filter_claim_v4(const struct claim *, uint32_t *addr);
const char	*filter_reason(enum filter_verdict);

#endif
