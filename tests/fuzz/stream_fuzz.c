/*
 * libFuzzer harness for the stream ports' framing (usr.sbin/vknetd/
 * port.c): QEMU's "-netdev stream", each frame behind its length as 4
 * bytes big-endian.  The input is a script, a byte per step:
 *
 *	% 8 = 0-2  a frame: length 1 + the next byte, or with the top
 *		   bit set 1 + the next two bytes modulo FRAME_MAX;
 *	      3    write up to 1 + the next two bytes of the stream;
 *	      4    write up to 1 + (byte >> 3) bytes: cuts inside headers;
 *	      5    a bad length (0, FRAME_MAX + 1, 2^32 - 1 or more than
 *		   FRAME_MAX by the next two bytes), once per stream;
 *	      6    hold (or let go) every frame handed over, as queues do,
 *		   until the pool is empty;
 *	      7    ask port_recv() to stop after the next frame.
 *
 * The stream is written to one end of a socketpair, the port reads the
 * other through port_recv(), exactly as the switch does, after every
 * write and until nothing is left to read or to hand over; at the end
 * the writer closes.  Properties:
 *
 *	- the frames come out whole, in order, as sent, each only once
 *	  all its bytes were written, and all of them by the end;
 *	- a bad length closes the port (PORT_CLOSED) as soon as its 4
 *	  bytes are written, after every frame before it and none after;
 *	- port_partial() says whether part of a frame is buffered;
 *	- PORT_STARVED only when the pool is empty, and nothing is lost;
 *	- stream_header() and stream_parse() agree on every length.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port.h"
#include "quiet.h"

#define POOL		2		/* buffers: few, to starve the port */
#define STREAM_MAX	(1 << 20)
#define MAXFRAMES	1024
#define NONE		SIZE_MAX

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct {
	const uint8_t	*in;		/* the script */
	size_t		 inlen;
	uint8_t		 buf[STREAM_MAX]; /* the stream */
	size_t		 len;
	size_t		 written;
	size_t		 end[MAXFRAMES]; /* frame i is buf[end - len, end) */
	size_t		 flen[MAXFRAMES];
	int		 nframes;
	size_t		 bad;		/* offset of the bad length, or NONE */
	int		 nbefore;	/* frames before it */
	int		 got;		/* frames port_recv() handed over */
	struct frame	*held[POOL];
	int		 nheld;
	int		 hold;
	int		 stop;
	int		 closed;
	struct port	 port;
	int		 peer;
} s;

static uint8_t
next(void)
{
	if (s.inlen == 0)
		return (0);
	s.inlen--;
	return (*s.in++);
}

static int
collect(void *arg, struct frame *f)
{
	int i = s.got++;

	(void)arg;
	assert(i < s.nframes && (s.bad == NONE || i < s.nbefore));
	assert(s.end[i] <= s.written);
	assert(f->refs >= 1 && f->len == s.flen[i]);
	assert(memcmp(f->data, s.buf + s.end[i] - s.flen[i], f->len) == 0);
	if (s.hold && s.nheld < POOL)
		s.held[s.nheld++] = frame_ref(f);
	if (s.stop) {
		s.stop = 0;
		return (1);
	}
	return (0);
}

static void
release(void)
{
	while (s.nheld > 0)
		frame_unref(s.held[--s.nheld]);
}

/* Frames that are wholly written, up to a bad length. */
static int
complete(void)
{
	int n;

	for (n = 0; n < s.nframes && s.end[n] <= s.written; n++)
		if (s.bad != NONE && n == s.nbefore)
			break;
	return (n);
}

/* Read as the switch does, until nothing is left to read or hand on. */
static void
drain(void)
{
	enum port_status st;
	int queued;

	for (;;) {
		quiet(1);
		st = port_recv(&s.port, collect, NULL);
		quiet(0);
		if (st == PORT_CLOSED) {
			s.closed = 1;
			return;
		}
		if (st == PORT_STARVED) {
			assert(pool_avail() == 0 && s.nheld == POOL);
			release();
			continue;
		}
		assert(ioctl(s.port.fd, FIONREAD, &queued) == 0);
		if (queued == 0 && !port_pending(&s.port))
			break;
	}
	assert(s.bad == NONE || s.written < s.bad + STREAM_HDR);
	assert(s.got == complete());
	assert(port_partial(&s.port) ==
	    (s.written > (s.got == 0 ? 0 : s.end[s.got - 1])));
}

static void
put(size_t n)
{
	ssize_t w;

	if (n > s.len - s.written)
		n = s.len - s.written;
	while (n > 0 && !s.closed) {
		w = write(s.peer, s.buf + s.written, n);
		assert(w > 0 || (w == -1 && errno == EAGAIN));
		if (w > 0) {
			s.written += (size_t)w;
			n -= (size_t)w;
		}
		drain();
	}
	if (s.closed) {
		assert(s.bad != NONE && s.written >= s.bad + STREAM_HDR);
		assert(s.got == s.nbefore);
	}
}

/* A length as a header on the stream; the parser must read it back. */
static void
header(size_t len)
{
	uint8_t *h = s.buf + s.len;
	enum stream_status want;
	size_t got = 0;

	stream_header(h, len);
	assert(stream_parse(h, STREAM_HDR - 1, &got) == STREAM_MORE);
	want = len == 0 || len > FRAME_MAX ? STREAM_BAD : STREAM_MORE;
	assert(stream_parse(h, STREAM_HDR, &got) == want && got == len);
	s.len += STREAM_HDR;
}

static void
frame(size_t len)
{
	size_t i, got = 0;
	uint8_t *h = s.buf + s.len;

	if (s.nframes == MAXFRAMES || s.len + STREAM_HDR + len > STREAM_MAX)
		return;
	header(len);
	for (i = 0; i < len; i++)
		s.buf[s.len + i] = (uint8_t)(s.nframes * 131 + i * 7 + (i >> 8));
	s.len += len;
	assert(stream_parse(h, STREAM_HDR + len - 1, &got) == STREAM_MORE);
	assert(stream_parse(h, STREAM_HDR + len, &got) == STREAM_FRAME &&
	    got == len);
	s.flen[s.nframes] = len;
	s.end[s.nframes++] = s.len;
}

static void
bad(uint8_t how)
{
	static const size_t lens[] = { 0, FRAME_MAX + 1, 0xffffffff };
	size_t len;

	if (s.len + STREAM_HDR > STREAM_MAX)
		return;
	len = how % 4 < 3 ? lens[how % 4] :
	    FRAME_MAX + 1 + ((size_t)next() << 8 | next());
	s.bad = s.len;
	s.nbefore = s.nframes;
	header(len);
}

static size_t
two(void)
{
	size_t hi = next();

	return (hi << 8 | next());
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t inlen)
{
	static int ready;
	uint8_t b;
	int sv[2];

	if (!ready) {
		assert(pool_init(POOL) == 0 && port_init(1) == 0);
		ready = 1;
	}
	s.len = s.written = 0;
	s.nframes = s.got = s.nheld = s.hold = s.stop = s.closed = 0;
	s.bad = NONE;
	s.in = in;
	s.inlen = inlen;
	assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	memset(&s.port, 0, sizeof(s.port));
	s.port.fd = sv[0];
	s.peer = sv[1];
	assert(port_open(&s.port, 0, PORT_STREAM) == 0);
	while (s.inlen > 0 && !s.closed) {
		b = next();
		switch (b % 8) {
		case 0:
		case 1:
		case 2:
			frame(b & 0x80 ? 1 + two() % FRAME_MAX : 1U + next());
			break;
		case 3:
			put(1 + two());
			break;
		case 4:
			put(1U + (b >> 3));
			break;
		case 5:
			if (s.bad == NONE)
				bad(next());
			break;
		case 6:
			if ((s.hold = !s.hold) == 0)
				release();
			break;
		case 7:
			s.stop = 1;
			break;
		}
	}
	/* The rest, and the end: every whole frame has come out. */
	put(s.len - s.written);
	if (!s.closed) {
		assert(s.written == s.len && s.got == complete());
		close(s.peer);
		s.peer = -1;
		drain();
		assert(s.closed && s.got == complete());
	}
	release();
	port_close(&s.port);
	if (s.peer != -1)
		close(s.peer);
	assert(pool_avail() == POOL);
	return (0);
}
