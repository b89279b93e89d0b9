/*
 * What "vknetd -c" says about a frame: one line in the manner of
 * "tcpdump -e -nn" (addresses, ethertype, length, then ARP, IPv4 with
 * ICMP, UDP or TCP, or IPv6), and the hex dump of -x.
 */
#ifndef VKNETD_DECODE_H
#define VKNETD_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DECODE_LINE	512		/* longest line decode_frame() makes */

/* caplen bytes of the frame are at hand; len is its length on the wire. */
void	decode_frame(char *buf, size_t size, const uint8_t *frame,
	    size_t caplen, size_t len);
void	decode_hex(FILE *, const uint8_t *frame, size_t caplen);

#endif
