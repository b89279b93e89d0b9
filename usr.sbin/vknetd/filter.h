/*
 * Secure mode: which frames may enter the host through the TAP.
 * Only ARP, ICMP, UDP and TCP from the configured IPv4 subnet pass.
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
	FILTER_ADDR_OWNED,	/* IPv4 address of the host or another port */
	FILTER_NVERDICTS
};

int		 cidr_parse(const char *, struct cidr *);
int		 cidr_contains(const struct cidr *, uint32_t addr);
enum filter_verdict
		 filter_check(const struct cidr *, const uint8_t *frame,
		    size_t len);
const char	*filter_reason(enum filter_verdict);
int		 filter_claim(const uint8_t *frame, size_t len,
		    uint32_t *addr);

#endif
