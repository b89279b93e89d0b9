/*
 * Ethernet frames as vknetd and vknet carry them: destination MAC first,
 * no FCS, 14 to 8320 bytes (the original's 8192 bytes plus 128 of
 * headroom).
 */
#ifndef VKNET_ETHER_H
#define VKNET_ETHER_H

#include <stddef.h>
#include <stdint.h>

#define MAC_LEN		6
#define ETHER_HDR	14
#define FRAME_MIN	ETHER_HDR
#define FRAME_MAX	(8192 + 128)
#define MAC_STRLEN	18		/* "xx:xx:xx:xx:xx:xx" and NUL */

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_IPV6	0x86dd

/* Group (broadcast or multicast) addresses have the I/G bit set. */
static inline int
mac_is_group(const uint8_t *mac)
{
	return (mac[0] & 1);
}

static inline int
frame_size_ok(size_t len)
{
	return (len >= FRAME_MIN && len <= FRAME_MAX);
}

static inline uint16_t
frame_ethertype(const uint8_t *frame)
{
	return ((uint16_t)(frame[12] << 8 | frame[13]));
}

char	*mac_fmt(char buf[MAC_STRLEN], const uint8_t *mac);
int	 mac_parse(const char *, uint8_t mac[MAC_LEN]);

#endif
