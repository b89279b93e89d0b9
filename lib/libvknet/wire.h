/*
 * The framing vknet(1) puts on an ssh link, byte for byte DragonFly's:
 * every Ethernet frame is preceded by eight bytes, a little-endian
 * 32-bit magic number 0x5A69782B and a little-endian 32-bit length of
 * 1 to 8320 (FRAME_MAX).  Nothing else ever crosses the link.
 *
 * These are pure functions over byte buffers, so that the unit tests
 * can feed them vectors and the program can parse frames straight out
 * of a large read without copying them.
 */
#ifndef VKNET_WIRE_H
#define VKNET_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "ether.h"

#define WIRE_MAGIC	0x5a69782bU
#define WIRE_HDR	8
#define WIRE_MAX	FRAME_MAX		/* largest frame length */
#define WIRE_ERRLEN	96			/* room for wire_error() */

enum wire_status {
	WIRE_FRAME,		/* a whole frame is there */
	WIRE_MORE,		/* not yet: more bytes are needed */
	WIRE_END,		/* clean end: EOF between two frames */
	WIRE_BAD_MAGIC,		/* the errors: the stream is unusable */
	WIRE_BAD_LENGTH,
	WIRE_CUT_HEADER,	/* EOF inside a header */
	WIRE_CUT_FRAME		/* EOF inside a frame */
};

/* What wire_decode() found at the start of a buffer. */
struct wire_msg {
	enum wire_status st;
	const uint8_t	*frame;		/* WIRE_FRAME: the frame and */
	size_t		 len;		/* its length */
	size_t		 used;		/* bytes it takes: WIRE_HDR + len */
	uint32_t	 magic;		/* the header's fields, as read */
	uint32_t	 length;
	size_t		 avail;		/* bytes there were */
};

void	wire_header(uint8_t hdr[WIRE_HDR], size_t len);
size_t	wire_encode(uint8_t *dst, size_t room, const void *frame,
	    size_t len);
enum wire_status wire_decode(const uint8_t *buf, size_t avail, int eof,
	    struct wire_msg *);
char	*wire_error(const struct wire_msg *, char *buf, size_t len);

#endif
