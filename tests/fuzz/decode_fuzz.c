/*
 * libFuzzer harness for the monitor's decoder (usr.sbin/vknetd/decode.c):
 * the input is a frame as a guest may send it, captured whole, and once
 * more as a monitor shows a cut giant (on the wire longer than caplen).
 * Beyond not crashing and reading nothing past caplen (the bytes are
 * copied to a heap block of exactly that size, for ASan), for every
 * buffer size from 0 to one past the line's length (the whole capture
 * only: each size is a call):
 *
 *	- the line ends inside the buffer and nothing past it is written;
 *	- it is the full line cut short (decode.c's struct line), so a
 *	  small buffer never shows something the full line does not;
 *	- the same input gives the same line;
 *	- the full line is shorter than DECODE_LINE (decode.h), made of
 *	  printable characters only: a guest cannot put a newline or an
 *	  escape sequence on the administrator's terminal;
 *	- it names the two addresses first, or says "[|ether]".
 *
 * decode_hex()'s dump, read back, gives the frame's bytes, 16 a line,
 * each line headed by its offset.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "ether.h"

#define SLACK	64		/* past the buffer: must stay untouched */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_line(const uint8_t *frame, size_t caplen, size_t len, int sizes)
{
	static char full[2 * DECODE_LINE], again[2 * DECODE_LINE];
	static char cut[DECODE_LINE + SLACK];
	char src[MAC_STRLEN], dst[MAC_STRLEN], head[2 * MAC_STRLEN + 8];
	size_t n, size, i;

	decode_frame(full, sizeof(full), frame, caplen, len);
	decode_frame(again, sizeof(again), frame, caplen, len);
	assert(strcmp(full, again) == 0);
	n = strlen(full);
	assert(n < DECODE_LINE);
	for (i = 0; i < n; i++)
		assert(full[i] >= ' ' && full[i] <= '~');
	if (caplen < ETHER_HDR)
		assert(strncmp(full, "[|ether]", 8) == 0);
	else {
		snprintf(head, sizeof(head), "%s > %s, ",
		    mac_fmt(src, frame + MAC_LEN), mac_fmt(dst, frame));
		assert(strncmp(full, head, strlen(head)) == 0);
	}
	for (size = 0; sizes && size <= n + 1; size++) {
		memset(cut, 'Z', sizeof(cut));
		decode_frame(cut, size, frame, caplen, len);
		for (i = size; i < size + SLACK; i++)
			assert(cut[i] == 'Z');
		if (size == 0)
			continue;
		assert(memchr(cut, '\0', size) != NULL);
		i = size - 1 < n ? size - 1 : n;
		assert(strlen(cut) == i && memcmp(cut, full, i) == 0);
	}
}

static unsigned int
hexval(char c)
{
	assert((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
	return (c <= '9' ? (unsigned int)(c - '0') :
	    (unsigned int)(c - 'a' + 10));
}

/* "\t0x0010:  1011 12\n": the offset, then bytes in pairs. */
static void
check_hex(const uint8_t *frame, size_t caplen)
{
	char *dump = NULL, *p, *end;
	size_t size = 0, i = 0;
	FILE *fp;

	assert((fp = open_memstream(&dump, &size)) != NULL);
	decode_hex(fp, frame, caplen);
	assert(fclose(fp) == 0);
	for (p = dump; *p != '\0'; p = end + 1) {
		assert((end = strchr(p, '\n')) != NULL);
		assert(p[0] == '\t' && strtoul(p + 1, NULL, 16) == i);
		assert(strncmp(p + 7, ": ", 2) == 0);
		for (p += 9; p < end; p += 2) {
			if (i % 2 == 0)
				assert(*p++ == ' ');
			assert(i < caplen &&
			    (hexval(p[0]) << 4 | hexval(p[1])) == frame[i]);
			i++;
		}
		assert(p == end && (i % 16 == 0 || i == caplen));
	}
	assert(i == caplen && (caplen == 0) == (size == 0));
	free(dump);
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	uint8_t *frame;

	/* Exactly caplen bytes, so that ASan sees a read past them. */
	assert((frame = malloc(len > 0 ? len : 1)) != NULL);
	memcpy(frame, buf, len);
	check_line(frame, len, len, 1);
	check_line(frame, len, len + FRAME_MAX, 0);
	check_hex(frame, len);
	free(frame);
	return (0);
}
