/*
 * Frame builders and parsers shared by the integration tests and
 * vkpeer: Ethernet, ARP, IPv4 carrying ICMP, UDP or anything else, and
 * IPv6 neighbour discovery, with the checksums a real stack verifies.  IPv4 addresses are in
 * network byte order throughout.  A builder writes a whole frame into
 * the caller's buffer, which must hold it, and returns its length.
 */
#ifndef VKNET_FRAMES_H
#define VKNET_FRAMES_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "ether.h"

#define FR_IP_HDR	20
#define FR_UDP_HDR	8
#define FR_ICMP_HDR	8
#define FR_ARP_LEN	(ETHER_HDR + 28)
#define FR_IP6_HDR	40

#define ARP_REQUEST	1
#define ARP_REPLY	2
#define ICMP_ECHOREPLY	0
#define ICMP_ECHO	8
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_NA_OVERRIDE	0x20000000

/* Who a frame is from and to, at the link and the IPv4 layer. */
struct fr_addrs {
	uint8_t		dst[MAC_LEN];
	uint8_t		src[MAC_LEN];
	in_addr_t	dip;
	in_addr_t	sip;
};

struct fr_arp {
	uint16_t	op;
	uint8_t		sha[MAC_LEN];
	in_addr_t	spa;
	uint8_t		tha[MAC_LEN];
	in_addr_t	tpa;
};

/* An IPv4 packet as fr_ipv4_parse() found it inside a frame. */
struct fr_ip {
	uint8_t		 proto;
	in_addr_t	 src;
	in_addr_t	 dst;
	const uint8_t	*l4;		/* the payload after the header */
	size_t		 l4len;
};

struct fr_echo {
	uint8_t		type;
	uint16_t	id;
	uint16_t	seq;
};

/* Who an IPv6 packet is from and to; addresses as 16 bytes. */
struct fr_addrs6 {
	uint8_t		dst[MAC_LEN];
	uint8_t		src[MAC_LEN];
	uint8_t		dip[16];
	uint8_t		sip[16];
};

extern const uint8_t fr_bcast[MAC_LEN];

uint16_t fr_cksum(const void *, size_t, uint32_t sum);
uint32_t fr_pseudo(const struct fr_addrs *, uint8_t proto, size_t len);
size_t	 fr_ether(uint8_t *, const uint8_t *dst, const uint8_t *src,
	    uint16_t type);
size_t	 fr_arp(uint8_t *, const uint8_t *dst, const uint8_t *src,
	    const struct fr_arp *);
size_t	 fr_ipv4(uint8_t *, const struct fr_addrs *, uint8_t proto,
	    const void *l4, size_t l4len);
size_t	 fr_udp(uint8_t *, const struct fr_addrs *, uint16_t sport,
	    uint16_t dport, const void *data, size_t len);
size_t	 fr_icmp_echo(uint8_t *, const struct fr_addrs *,
	    const struct fr_echo *, const void *data, size_t len);
size_t	 fr_icmp6(uint8_t *, const struct fr_addrs6 *, const void *msg,
	    size_t len);
size_t	 fr_nd(uint8_t *, const struct fr_addrs6 *, uint8_t type,
	    uint32_t flags, const uint8_t target[16], const uint8_t *lladdr);
int	 fr_arp_parse(const uint8_t *, size_t, struct fr_arp *);
int	 fr_ipv4_parse(const uint8_t *, size_t, struct fr_ip *);
int	 fr_echo_parse(const struct fr_ip *, struct fr_echo *);

#endif
