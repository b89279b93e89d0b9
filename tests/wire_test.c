/*
 * Unit tests of the link framing (wire.c), fed with byte vectors: a
 * fixed frame and the exact bytes DragonFly's vknet puts on the wire
 * for it, both ways, then every way a stream can be wrong.
 */
#include <stdint.h>
#include <string.h>

#include <atf-c.h>

#include "wire.h"

/* A 60-byte broadcast frame of the IEEE local experimental type. */
static const uint8_t frame60[60] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* destination */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* source */
	0x88, 0xb5,				/* type */
	'v', 'k', 'n', 'e', 't',		/* then zeros */
};

/* Its header: magic 0x5A69782B, then 60, both little-endian. */
static const uint8_t head60[WIRE_HDR] = {
	0x2b, 0x78, 0x69, 0x5a, 0x3c, 0x00, 0x00, 0x00,
};

static size_t
golden(uint8_t *buf)
{
	memcpy(buf, head60, sizeof(head60));
	memcpy(buf + WIRE_HDR, frame60, sizeof(frame60));
	return (WIRE_HDR + sizeof(frame60));
}

static void
header(uint8_t *buf, uint32_t magic, uint32_t len)
{
	int i;

	for (i = 0; i < 4; i++) {
		buf[i] = (uint8_t)(magic >> (8 * i));
		buf[4 + i] = (uint8_t)(len >> (8 * i));
	}
}

static void
require_error(const struct wire_msg *m, const char *words)
{
	char why[WIRE_ERRLEN];

	wire_error(m, why, sizeof(why));
	ATF_REQUIRE_MATCH(words, why);
}

ATF_TC_WITHOUT_HEAD(encode_golden);
ATF_TC_BODY(encode_golden, tc)
{
	uint8_t want[128], got[128];
	size_t n = golden(want);

	memset(got, 0xee, sizeof(got));
	ATF_REQUIRE_EQ(wire_encode(got, sizeof(got), frame60,
	    sizeof(frame60)), n);
	ATF_REQUIRE(memcmp(got, want, n) == 0);
	ATF_REQUIRE_EQ(got[n], 0xee);
}

ATF_TC_WITHOUT_HEAD(encode_header_max);
ATF_TC_BODY(encode_header_max, tc)
{
	static const uint8_t want[WIRE_HDR] = {
		0x2b, 0x78, 0x69, 0x5a, 0x80, 0x20, 0x00, 0x00,
	};
	uint8_t got[WIRE_HDR];

	wire_header(got, 8320);
	ATF_REQUIRE(memcmp(got, want, sizeof(want)) == 0);
}

ATF_TC_WITHOUT_HEAD(encode_refuses_bad_sizes);
ATF_TC_BODY(encode_refuses_bad_sizes, tc)
{
	static uint8_t frame[WIRE_MAX + 1], buf[WIRE_HDR + WIRE_MAX + 1];

	ATF_REQUIRE_EQ(wire_encode(buf, sizeof(buf), frame, 0), 0);
	ATF_REQUIRE_EQ(wire_encode(buf, sizeof(buf), frame, WIRE_MAX + 1),
	    0);
	ATF_REQUIRE_EQ(wire_encode(buf, WIRE_HDR + 59, frame60, 60), 0);
	ATF_REQUIRE_EQ(wire_encode(buf, sizeof(buf), frame, WIRE_MAX),
	    WIRE_HDR + WIRE_MAX);
	ATF_REQUIRE_EQ(wire_encode(buf, sizeof(buf), frame, 1),
	    WIRE_HDR + 1);
}

ATF_TC_WITHOUT_HEAD(decode_golden);
ATF_TC_BODY(decode_golden, tc)
{
	struct wire_msg m;
	uint8_t buf[128];
	size_t n = golden(buf);

	ATF_REQUIRE_EQ(wire_decode(buf, n, 0, &m), WIRE_FRAME);
	ATF_REQUIRE(m.frame == buf + WIRE_HDR);
	ATF_REQUIRE_EQ(m.len, sizeof(frame60));
	ATF_REQUIRE_EQ(m.used, n);
	ATF_REQUIRE(memcmp(m.frame, frame60, m.len) == 0);
	/* Complete at end of stream is still complete. */
	ATF_REQUIRE_EQ(wire_decode(buf, n, 1, &m), WIRE_FRAME);
}

ATF_TC_WITHOUT_HEAD(decode_waits_for_whole_frame);
ATF_TC_BODY(decode_waits_for_whole_frame, tc)
{
	struct wire_msg m;
	uint8_t buf[128];
	size_t n = golden(buf), i;

	for (i = 0; i < n; i++)
		ATF_REQUIRE_EQ_MSG(wire_decode(buf, i, 0, &m), WIRE_MORE,
		    "%zu of %zu bytes", i, n);
	ATF_REQUIRE_EQ(wire_decode(buf, n, 0, &m), WIRE_FRAME);
}

ATF_TC_WITHOUT_HEAD(decode_frames_back_to_back);
ATF_TC_BODY(decode_frames_back_to_back, tc)
{
	static const uint8_t tiny[1] = { 0x42 };
	struct wire_msg m;
	uint8_t buf[256];
	size_t n = golden(buf), off = 0;

	n += wire_encode(buf + n, sizeof(buf) - n, tiny, sizeof(tiny));
	n += golden(buf + n);
	ATF_REQUIRE_EQ(wire_decode(buf, n, 0, &m), WIRE_FRAME);
	ATF_REQUIRE_EQ(m.len, 60);
	off += m.used;
	/* A one-byte frame is legal on the wire; dropping it is policy. */
	ATF_REQUIRE_EQ(wire_decode(buf + off, n - off, 0, &m), WIRE_FRAME);
	ATF_REQUIRE_EQ(m.len, 1);
	ATF_REQUIRE_EQ(m.frame[0], 0x42);
	off += m.used;
	ATF_REQUIRE_EQ(wire_decode(buf + off, n - off, 0, &m), WIRE_FRAME);
	ATF_REQUIRE(memcmp(m.frame, frame60, 60) == 0);
	off += m.used;
	ATF_REQUIRE_EQ(off, n);
	ATF_REQUIRE_EQ(wire_decode(buf + off, 0, 0, &m), WIRE_MORE);
	ATF_REQUIRE_EQ(wire_decode(buf + off, 0, 1, &m), WIRE_END);
}

ATF_TC_WITHOUT_HEAD(decode_max_length);
ATF_TC_BODY(decode_max_length, tc)
{
	static uint8_t buf[WIRE_HDR + WIRE_MAX];
	struct wire_msg m;

	header(buf, WIRE_MAGIC, WIRE_MAX);
	ATF_REQUIRE_EQ(wire_decode(buf, sizeof(buf), 0, &m), WIRE_FRAME);
	ATF_REQUIRE_EQ(m.len, 8320);
	ATF_REQUIRE_EQ(wire_decode(buf, sizeof(buf) - 1, 0, &m), WIRE_MORE);
}

ATF_TC_WITHOUT_HEAD(bad_magic);
ATF_TC_BODY(bad_magic, tc)
{
	static const uint8_t text[] = "vknet: command not found\n";
	struct wire_msg m;

	ATF_REQUIRE_EQ(wire_decode(text, sizeof(text) - 1, 0, &m),
	    WIRE_BAD_MAGIC);
	ATF_REQUIRE_EQ(m.magic, 0x656e6b76);
	require_error(&m, "^bad magic 0x656e6b76 \\(expected 0x5a69782b\\)$");
	/* Four bytes are enough to tell. */
	ATF_REQUIRE_EQ(wire_decode(text, 4, 0, &m), WIRE_BAD_MAGIC);
	ATF_REQUIRE_EQ(wire_decode(text, 3, 0, &m), WIRE_MORE);
}

ATF_TC_WITHOUT_HEAD(bad_magic_byte_order);
ATF_TC_BODY(bad_magic_byte_order, tc)
{
	static const uint8_t big[WIRE_HDR] = {
		0x5a, 0x69, 0x78, 0x2b, 0x00, 0x00, 0x00, 0x3c,
	};
	struct wire_msg m;

	ATF_REQUIRE_EQ(wire_decode(big, sizeof(big), 0, &m), WIRE_BAD_MAGIC);
	require_error(&m, "bad magic 0x2b78695a");
}

ATF_TC_WITHOUT_HEAD(bad_length_zero);
ATF_TC_BODY(bad_length_zero, tc)
{
	uint8_t buf[WIRE_HDR + 16];
	struct wire_msg m;

	memset(buf, 0, sizeof(buf));
	header(buf, WIRE_MAGIC, 0);
	ATF_REQUIRE_EQ(wire_decode(buf, WIRE_HDR, 0, &m), WIRE_BAD_LENGTH);
	ATF_REQUIRE_EQ(wire_decode(buf, sizeof(buf), 1, &m),
	    WIRE_BAD_LENGTH);
	require_error(&m, "^bad frame length 0 \\(expected 1 to 8320\\)$");
}

ATF_TC_WITHOUT_HEAD(bad_length_too_big);
ATF_TC_BODY(bad_length_too_big, tc)
{
	static const uint32_t lens[] = { 8321, 65536, 0x80000000u,
	    0xffffffffu };
	uint8_t buf[WIRE_HDR];
	struct wire_msg m;
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		header(buf, WIRE_MAGIC, lens[i]);
		/* Known at once, without waiting for the frame. */
		ATF_REQUIRE_EQ(wire_decode(buf, sizeof(buf), 0, &m),
		    WIRE_BAD_LENGTH);
		ATF_REQUIRE_EQ(m.length, lens[i]);
	}
	header(buf, WIRE_MAGIC, 8321);
	wire_decode(buf, sizeof(buf), 0, &m);
	require_error(&m, "^bad frame length 8321 ");
}

ATF_TC_WITHOUT_HEAD(cut_header_at_eof);
ATF_TC_BODY(cut_header_at_eof, tc)
{
	struct wire_msg m;
	uint8_t buf[128];
	size_t i;

	golden(buf);
	for (i = 1; i < WIRE_HDR; i++) {
		ATF_REQUIRE_EQ_MSG(wire_decode(buf, i, 1, &m),
		    WIRE_CUT_HEADER, "%zu bytes", i);
		ATF_REQUIRE_EQ(m.avail, i);
	}
	wire_decode(buf, 3, 1, &m);
	require_error(&m, "^stream ends inside a header \\(3 of 8 bytes\\)$");
}

ATF_TC_WITHOUT_HEAD(cut_frame_at_eof);
ATF_TC_BODY(cut_frame_at_eof, tc)
{
	struct wire_msg m;
	uint8_t buf[128];
	size_t n = golden(buf), i;

	for (i = WIRE_HDR; i < n; i++)
		ATF_REQUIRE_EQ_MSG(wire_decode(buf, i, 1, &m),
		    WIRE_CUT_FRAME, "%zu bytes", i);
	wire_decode(buf, WIRE_HDR + 10, 1, &m);
	require_error(&m, "^stream ends inside a frame \\(10 of 60 bytes\\)$");
}

ATF_TC_WITHOUT_HEAD(clean_end);
ATF_TC_BODY(clean_end, tc)
{
	struct wire_msg m;
	uint8_t buf[1] = { 0 };

	ATF_REQUIRE_EQ(wire_decode(buf, 0, 1, &m), WIRE_END);
	ATF_REQUIRE_EQ(wire_decode(buf, 0, 0, &m), WIRE_MORE);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, encode_golden);
	ATF_TP_ADD_TC(tp, encode_header_max);
	ATF_TP_ADD_TC(tp, encode_refuses_bad_sizes);
	ATF_TP_ADD_TC(tp, decode_golden);
	ATF_TP_ADD_TC(tp, decode_waits_for_whole_frame);
	ATF_TP_ADD_TC(tp, decode_frames_back_to_back);
	ATF_TP_ADD_TC(tp, decode_max_length);
	ATF_TP_ADD_TC(tp, bad_magic);
	ATF_TP_ADD_TC(tp, bad_magic_byte_order);
	ATF_TP_ADD_TC(tp, bad_length_zero);
	ATF_TP_ADD_TC(tp, bad_length_too_big);
	ATF_TP_ADD_TC(tp, cut_header_at_eof);
	ATF_TP_ADD_TC(tp, cut_frame_at_eof);
	ATF_TP_ADD_TC(tp, clean_end);

	return (atf_no_error());
}
