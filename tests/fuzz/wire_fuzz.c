/*
 * libFuzzer harness for vknet's wire header (lib/libvknet/wire.c): any
 * bytes, at end of file or not.  Beyond not crashing, a frame found is
 * inside the input, at most WIRE_MAX long, and encodes back to exactly
 * the bytes it was decoded from; every error has a message.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static uint8_t again[WIRE_HDR + WIRE_MAX];
	char msg[WIRE_ERRLEN];
	struct wire_msg m;
	int eof;

	for (eof = 0; eof <= 1; eof++) {
		switch (wire_decode(buf, len, eof, &m)) {
		case WIRE_FRAME:
			assert(m.len <= WIRE_MAX && m.used == WIRE_HDR + m.len);
			assert(m.used <= len && m.frame == buf + WIRE_HDR);
			assert(wire_encode(again, sizeof(again), m.frame,
			    m.len) == m.used);
			assert(memcmp(again, buf, m.used) == 0);
			break;
		case WIRE_MORE:
			assert(!eof);
			break;
		case WIRE_END:
			assert(eof && len == 0);
			break;
		default:
			assert(wire_error(&m, msg, sizeof(msg)) != NULL);
			assert(strlen(msg) < sizeof(msg));
		}
	}
	return (0);
}
