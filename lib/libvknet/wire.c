/*
 * Encoding and decoding of the link framing; see wire.h.  The fields
 * are assembled byte by byte, so the code neither depends on the host's
 * byte order nor reads unaligned words out of a stream buffer.
 *
 * The decoder rejects a bad header as soon as it can: the magic once
 * four bytes are there, so that text on the link (a remote shell's
 * greeting, say) is reported at once instead of after a read that may
 * never come.  At end of stream any bytes left over are an error,
 * never a short frame.
 */
#include <stdio.h>
#include <string.h>

#include "wire.h"

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get_le32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* The header of a frame of len bytes; len must be 1..WIRE_MAX. */
void
wire_header(uint8_t hdr[WIRE_HDR], size_t len)
{
	put_le32(hdr, WIRE_MAGIC);
	put_le32(hdr + 4, (uint32_t)len);
}

/* Header and frame into dst; the bytes written, or 0 if they don't fit. */
size_t
wire_encode(uint8_t *dst, size_t room, const void *frame, size_t len)
{
	if (len == 0 || len > WIRE_MAX || room < WIRE_HDR + len)
		return (0);
	wire_header(dst, len);
	memcpy(dst + WIRE_HDR, frame, len);
	return (WIRE_HDR + len);
}

/*
 * Look at the next frame in buf[0..avail).  eof says that no more bytes
 * will follow them.  Fills m and returns m->st.
 */
enum wire_status
wire_decode(const uint8_t *buf, size_t avail, int eof, struct wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->avail = avail;
	if (avail >= 4 && (m->magic = get_le32(buf)) != WIRE_MAGIC)
		return (m->st = WIRE_BAD_MAGIC);
	if (avail < WIRE_HDR) {
		if (!eof)
			return (m->st = WIRE_MORE);
		return (m->st = avail == 0 ? WIRE_END : WIRE_CUT_HEADER);
	}
	m->length = get_le32(buf + 4);
	if (m->length == 0 || m->length > WIRE_MAX)
		return (m->st = WIRE_BAD_LENGTH);
	if (avail - WIRE_HDR < m->length)
		return (m->st = eof ? WIRE_CUT_FRAME : WIRE_MORE);
	m->frame = buf + WIRE_HDR;
	m->len = m->length;
	m->used = WIRE_HDR + m->len;
	return (m->st = WIRE_FRAME);
}

/* What is wrong with the stream, in words, for an error message. */
char *
wire_error(const struct wire_msg *m, char *buf, size_t len)
{
	switch (m->st) {
	case WIRE_BAD_MAGIC:
		snprintf(buf, len, "bad magic 0x%08x (expected 0x%08x)",
		    m->magic, WIRE_MAGIC);
		break;
	case WIRE_BAD_LENGTH:
		snprintf(buf, len, "bad frame length %u (expected 1 to %d)",
		    m->length, WIRE_MAX);
		break;
	case WIRE_CUT_HEADER:
		snprintf(buf, len, "stream ends inside a header (%zu of %d "
		    "bytes)", m->avail, WIRE_HDR);
		break;
	case WIRE_CUT_FRAME:
		snprintf(buf, len, "stream ends inside a frame (%zu of %u "
		    "bytes)", m->avail - WIRE_HDR, m->length);
		break;
	default:
		snprintf(buf, len, "no error");
		break;
	}
	return (buf);
}
