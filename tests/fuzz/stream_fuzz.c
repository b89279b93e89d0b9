/*
 * libFuzzer harness for the stream ports' framing (usr.sbin/vknetd/
 * port.c): QEMU's "-netdev stream", each frame behind its length as 4
 * bytes big-endian, both ways.  The input is a script, a byte per step:
 *
 *	% 12 = 0-2  a frame in: length 1 + the next byte, or with the top
 *		    bit set 1 + the next two bytes modulo FRAME_MAX;
 *	       3    write up to 1 + the next two bytes of the stream in;
 *	       4    write up to 1 + the next byte % 32: cuts in headers;
 *	       5    a bad length (0, FRAME_MAX + 1, 2^32 - 1 or more than
 *		    FRAME_MAX by the next two bytes), once per stream;
 *	       6    hold (or let go) every frame handed over, as queues
 *		    do, until the pool is empty;
 *	       7    ask port_recv() to stop after the next frame;
 *	       8    queue 1 + the next byte % 16 frames out, then flush;
 *	       9    flush: send what the socket takes;
 *	      10    the peer reads up to 1 + the next two bytes;
 *	      11    declare the port stalled: port_discard().
 *
 * The stream in is written to one end of a socketpair, the port reads
 * the other through port_recv(), exactly as the switch does, after
 * every write and until nothing is left to read or to hand over; at
 * the end the writer closes.  Properties:
 *
 *	- the frames come out whole, in order, as sent, each only once
 *	  all its bytes were written, and all of them by the end;
 *	- a bad length closes the port (PORT_CLOSED) as soon as its 4
 *	  bytes are written, after every frame before it and none after;
 *	- port_partial() says whether part of a frame is buffered;
 *	- PORT_STARVED only when the pool is empty, and nothing is lost;
 *	- stream_header() and stream_parse() agree on every length.
 *
 * The frames out go through a send buffer made small, so that writes
 * stop anywhere in a frame; the peer reassembles what it reads:
 *
 *	- it is always well framed, and every frame is one queued, whole
 *	  and in order: all of them, but for those a stall dropped, which
 *	  are all queued but the one on its way, if one is;
 *	- by the end the queue is empty, every frame not dropped has
 *	  arrived, and the counts of sent and dropped agree.
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
#define OUTQ		64		/* frames out at once, at most */
#define MAXOUT		4096		/* and in all */
#define SNDBUF		4096
#define READ_MAX	65536

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

/*
 * The frames out.  They are the harness's, not the pool's: each keeps
 * a reference of ours, so that the port's frame_unref() never gives
 * one to the pool; a slot is free again when ours is the only one.
 */
static struct {
	struct frame	 f[OUTQ];
	uint8_t		 data[OUTQ][FRAME_MAX];
	uint32_t	 nqueued;	/* frames queued so far: the next seq */
	size_t		 len[MAXOUT];	/* of each, by seq */
	uint32_t	 expect[MAXOUT]; /* seqs to arrive, in order */
	uint32_t	 nexpect;
	uint32_t	 arrived;	/* expect[0..arrived) have come */
	uint64_t	 dropped;
	size_t		 read;		/* bytes the peer has read */
	uint8_t		 rbuf[READ_MAX + 2 * (STREAM_HDR + FRAME_MAX)];
	size_t		 rlen;
} o;

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

/* Byte i of frame number seq, in or out: a pattern that shows a shift. */
static uint8_t
pattern(uint32_t seq, size_t i)
{
	return ((uint8_t)(seq * 29 + i * 11 + (i >> 8)));
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
		s.buf[s.len + i] = pattern((uint32_t)s.nframes, i);
	s.len += len;
	assert(stream_parse(h, STREAM_HDR + len - 1, &got) == STREAM_MORE);
	assert(stream_parse(h, STREAM_HDR + len, &got) == STREAM_FRAME &&
	    got == len);
	s.flen[s.nframes] = len;
	s.end[s.nframes++] = s.len;
}

static size_t
two(void)
{
	size_t hi = next();

	return (hi << 8 | next());
}

static void
bad(uint8_t how)
{
	static const size_t lens[] = { 0, FRAME_MAX + 1, 0xffffffff };
	size_t len;

	if (s.len + STREAM_HDR > STREAM_MAX)
		return;
	len = how % 4 < 3 ? lens[how % 4] : FRAME_MAX + 1 + two();
	s.bad = s.len;
	s.nbefore = s.nframes;
	header(len);
}

/* Of expect[], how many the port has sent whole; *partial: and more. */
static uint32_t
sent_whole(int *partial)
{
	size_t sent, off = 0;
	uint32_t i;
	int unread;

	assert(ioctl(s.peer, FIONREAD, &unread) == 0);
	sent = o.read + (size_t)unread;
	for (i = 0; i < o.nexpect &&
	    off + STREAM_HDR + o.len[o.expect[i]] <= sent; i++)
		off += STREAM_HDR + o.len[o.expect[i]];
	*partial = sent > off;
	return (i);
}

/* The port's queue holds what is not yet sent whole, and no more. */
static void
out_agree(void)
{
	uint32_t whole, i;
	size_t bytes = 0;
	int partial;

	whole = sent_whole(&partial);
	assert(o.arrived <= whole && s.port.st.tx_frames == whole);
	assert(s.port.qlen == o.nexpect - whole);
	for (i = whole; i < o.nexpect; i++)
		bytes += o.len[o.expect[i]];
	assert(s.port.qbytes == bytes);
}

/* Frames out, each as long as one of the frames in, or 60 bytes. */
static void
queue_out(unsigned int n)
{
	struct frame *f;
	size_t i, len;

	for (; n > 0 && o.nqueued < MAXOUT && s.port.qlen < OUTQ; n--) {
		f = &o.f[o.nqueued % OUTQ];
		if (f->refs > 1)
			break;			/* still queued */
		len = s.nframes > 0 ? s.flen[o.nqueued % s.nframes] : 60;
		for (i = 0; i < len; i++)
			f->data[i] = pattern(o.nqueued, i);
		f->len = (uint32_t)len;
		assert(port_enqueue(&s.port, f) == 0);
		o.len[o.nqueued] = len;
		o.expect[o.nexpect++] = o.nqueued++;
	}
	assert(port_flush(&s.port) == 0);
	out_agree();
}

/* The peer reads, and what it has must be the frames expected. */
static void
peer_read(size_t n)
{
	size_t len, off = 0, i;
	uint32_t seq;
	ssize_t r;

	if (n > READ_MAX)
		n = READ_MAX;
	if ((r = read(s.peer, o.rbuf + o.rlen, n)) == -1) {
		assert(errno == EAGAIN);
		return;
	}
	o.read += (size_t)r;
	o.rlen += (size_t)r;
	while (stream_parse(o.rbuf + off, o.rlen - off, &len) ==
	    STREAM_FRAME) {
		assert(o.arrived < o.nexpect);
		seq = o.expect[o.arrived++];
		assert(len == o.len[seq]);
		for (i = 0; i < len; i++)
			assert(o.rbuf[off + STREAM_HDR + i] == pattern(seq, i));
		off += STREAM_HDR + len;
	}
	assert(stream_parse(o.rbuf + off, o.rlen - off, &len) ==
	    STREAM_MORE);
	memmove(o.rbuf, o.rbuf + off, o.rlen - off);
	o.rlen -= off;
	out_agree();
}

/* Stalled: all that is queued goes, but the frame on its way. */
static void
stall(void)
{
	uint32_t keep;
	int partial;

	keep = sent_whole(&partial);
	keep += partial;
	o.dropped += o.nexpect - keep;
	o.nexpect = keep;
	port_discard(&s.port);
	assert(s.port.st.drops[DROP_STALLED] == o.dropped);
	out_agree();
}

/* Everything still queued goes out and arrives. */
static void
out_finish(void)
{
	int unread;

	do {
		assert(port_flush(&s.port) == 0);
		peer_read(READ_MAX);
		assert(ioctl(s.peer, FIONREAD, &unread) == 0);
	} while (s.port.qlen > 0 || unread > 0);
	assert(o.arrived == o.nexpect && o.rlen == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t inlen)
{
	static int ready;
	int sv[2], sndbuf = SNDBUF, i;
	uint8_t b;

	if (!ready) {
		assert(pool_init(POOL) == 0 && port_init(1) == 0);
		for (i = 0; i < OUTQ; i++) {
			o.f[i].data = o.data[i];
			o.f[i].refs = 1;
		}
		ready = 1;
	}
	o.nqueued = o.nexpect = o.arrived = 0;
	o.dropped = 0;
	o.read = o.rlen = 0;
	s.len = s.written = 0;
	s.nframes = s.got = s.nheld = s.hold = s.stop = s.closed = 0;
	s.bad = NONE;
	s.in = in;
	s.inlen = inlen;
	assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	memset(&s.port, 0, sizeof(s.port));
	s.port.fd = sv[0];
	s.peer = sv[1];
	assert(setsockopt(s.port.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)) == 0);
	assert(port_open(&s.port, 0, PORT_STREAM) == 0);
	while (s.inlen > 0 && !s.closed) {
		b = next();
		switch (b % 12) {
		case 0:
		case 1:
		case 2:
			frame(b & 0x80 ? 1 + two() % FRAME_MAX : 1U + next());
			break;
		case 3:
			put(1 + two());
			break;
		case 4:
			put(1U + next() % 32);
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
		case 8:
			queue_out(1 + next() % 16);
			break;
		case 9:
			assert(port_flush(&s.port) == 0);
			break;
		case 10:
			peer_read(1 + two());
			break;
		case 11:
			stall();
			break;
		}
	}
	/* The rest, and the end: every whole frame has come out. */
	put(s.len - s.written);
	if (!s.closed) {
		assert(s.written == s.len && s.got == complete());
		out_finish();
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
	for (i = 0; i < OUTQ; i++)
		assert(o.f[i].refs == 1);
	return (0);
}
