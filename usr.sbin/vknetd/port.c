/*
 * Ports by kind: the framing of frames on each kind of port, and each
 * port's output queue (port.h), kept here so that forwarding
 * (switch.c) is the same for all of them.
 *
 * Frames come in straight into pool buffers (pool.h): a TAP gives one
 * frame per read(2), a SOCK_SEQPACKET client up to PORT_BATCH per
 * recvmmsg(2); at most PORT_BATCH per turn, so that one busy port
 * cannot starve the others.  The switch hands each frame to the output
 * queues of the ports it is for (port_enqueue(), a reference, not a
 * copy), and once a batch is forwarded it has every port that got
 * frames send what it can (port_flush()): one sendmmsg(2) per client
 * and batch, the TAP a write(2) per frame.  What a port cannot take
 * now stays queued, in order, until it can (POLLOUT).  How long a port
 * may take nothing before it is declared stalled, and who is held back
 * meanwhile, is the switch's policy; port_discard() empties a stalled
 * queue.
 *
 * A trunk port's frames are tagged on the way out (vlan.h): the tag
 * goes between the addresses and the rest as one more piece of the
 * write, so the frame, shared with other queues, is never copied.
 *
 * A stream port (QEMU's "-netdev stream") has no message boundaries:
 * each frame follows its length as a 4-byte big-endian integer, and
 * the kernel cuts the stream wherever it likes.  So it gets a
 * reassembly buffer of its own, allocated once when it is added:
 * reads go into it, every complete frame is copied into a pool buffer
 * and handed on, and the rest, part of one frame, moves to its start.
 * A length of 0 or over FRAME_MAX cannot be framed past, so it closes
 * the port, with a log line that says why.  On the way out, a write
 * may take part of a frame: the queue remembers how much of its first
 * frame has gone, and that frame is always finished before anything
 * else, even when the rest of the queue is dropped, so the peer only
 * ever sees whole frames.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <linux/sockios.h>

#include <poll.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ioerr.h"
#include "log.h"
#include "port.h"
#include "signals.h"

#define SEND_BURST	64	/* frames per sendmmsg(2) or sendmsg(2) */

struct txq {
	struct frame	*f[PORT_QLEN];	/* a ring: f[qhead] goes first */
};

/*
 * Every port's queue, one per port id, in one array reserved at
 * start-up: a queue's memory is touched only once frames wait in it
 * (its head is kept in the port), so a thousand idle clients cost no
 * more than one.
 */
static struct txq *queues;

struct stream {
	size_t		roff;		/* rbuf[roff..rlen) is unparsed */
	size_t		rlen;
	uint8_t		rbuf[STREAM_HDR + FRAME_MAX];
};

static const char *kind_names[] = {
	[PORT_FREE] = "free",
	[PORT_TAP] = "tap",
	[PORT_SEQPACKET] = "client",
	[PORT_STREAM] = "stream",
};

const char *
port_kind_name(enum port_kind k)
{
	return ((unsigned int)k < sizeof(kind_names) / sizeof(kind_names[0]) ?
	    kind_names[k] : "unknown");
}

/*
 * The next frame at the start of buf[0..avail).  The length is judged
 * as soon as it is there, before the frame: a bad one is final anyway.
 */
enum stream_status
stream_parse(const uint8_t *buf, size_t avail, size_t *len)
{
	if (avail < STREAM_HDR)
		return (STREAM_MORE);
	*len = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 |
	    (size_t)buf[2] << 8 | buf[3];
	if (*len == 0 || *len > FRAME_MAX)
		return (STREAM_BAD);
	return (avail - STREAM_HDR < *len ? STREAM_MORE : STREAM_FRAME);
}

void
stream_header(uint8_t hdr[STREAM_HDR], size_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

int
port_init(int maxports)
{
	queues = calloc((size_t)maxports, sizeof(*queues));
	return (queues == NULL ? -1 : 0);
}

void
port_fini(void)
{
	free(queues);
	queues = NULL;
}

/* Give port id its queue, and a stream its reassembly buffer. */
int
port_open(struct port *p, int id, enum port_kind kind)
{
	if (kind == PORT_STREAM) {
		if ((p->stream = malloc(sizeof(*p->stream))) == NULL)
			return (-1);
		p->stream->roff = p->stream->rlen = 0;
	}
	p->txq = &queues[id];
	p->qhead = 0;
	p->qsent = 0;
	p->qlen = 0;
	p->qbytes = 0;
	p->kind = kind;
	return (0);
}

/* Take the first frame off the queue; it has gone, or is dropped. */
static void
dequeue(struct port *p)
{
	struct txq *q = p->txq;
	struct frame *f = q->f[p->qhead];

	p->qlen--;
	p->qbytes -= f->len;
	p->qhead = (p->qhead + 1) % PORT_QLEN;
	p->qsent = 0;
	frame_unref(f);
}

/* Counted as traffic, unless it is one of the switch's own probes. */
static void
sent_one(struct port *p)
{
	const struct frame *f = p->txq->f[p->qhead];

	if (!f->own) {
		p->st.tx_frames++;
		p->st.tx_bytes += f->len;
	}
	dequeue(p);
}

void
port_close(struct port *p)
{
	while (p->qlen > 0)
		dequeue(p);
	if (p->kind != PORT_TAP)	/* the TAP belongs to main() */
		close(p->fd);
	free(p->stream);
	p->txq = NULL;
	p->stream = NULL;
}

/*
 * Receive up to PORT_BATCH messages from a client into fr[].  Linux
 * returns 0 both for an empty message and at end of file, and at end
 * of file recvmmsg() fills the rest of the batch with zeros.  So a run
 * of zeros up to the end of the batch, on a socket the peer has shut
 * down, is the end only if no byte is left queued behind it (SIOCINQ
 * counts them): otherwise the zeros were empty messages, bad frames
 * but no close, and what follows them is still to be read.
 */
static int
recv_seqpacket(struct port *p, struct frame **fr, int *eof)
{
	struct mmsghdr msg[PORT_BATCH];
	struct iovec iov[PORT_BATCH];
	struct pollfd pfd = { .fd = p->fd, .events = POLLRDHUP };
	int n, i, queued;

	memset(msg, 0, sizeof(msg));
	for (i = 0; i < PORT_BATCH; i++) {
		iov[i].iov_base = fr[i]->data;
		iov[i].iov_len = FRAME_RXMAX;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	/*
	 * A peer that closes with frames unread makes the first read say
	 * ECONNRESET; what it sent before closing is still queued.
	 */
	n = recvmmsg(p->fd, msg, PORT_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n == -1 && errno == ECONNRESET)
		n = recvmmsg(p->fd, msg, PORT_BATCH, MSG_DONTWAIT | MSG_TRUNC,
		    NULL);
	if (n == -1) {
		*eof = !io_again(errno);
		return (0);
	}
	for (i = 0; i < n; i++)
		fr[i]->len = msg[i].msg_len;
	for (i = n; i > 0 && fr[i - 1]->len == 0; i--)
		;
	if (i < n && poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0 &&
	    ioctl(p->fd, SIOCINQ, &queued) == 0 && queued == 0) {
		*eof = 1;
		return (i);
	}
	return (n);
}

/*
 * The TAP hands over one frame per read().  Any error but "not now"
 * means the TAP is broken (EBADFD: its interface was deleted), and is
 * its end.
 */
static int
recv_tap(struct port *p, struct frame **fr, int *eof)
{
	ssize_t len;
	int n;

	for (n = 0; n < PORT_BATCH; n++) {
		len = read(p->fd, fr[n]->data, FRAME_RXMAX);
		if (len == -1) {
			if (!io_again(errno)) {
				log_warn("TAP read");
				*eof = 1;
			}
			break;
		}
		fr[n]->len = (uint32_t)len;
	}
	return (n);
}

/*
 * Hand on the whole frames the stream's buffer holds, each copied into
 * a pool buffer.  Returns PORT_OK when it needs more bytes, PORT_CLOSED
 * on a bad length, PORT_STARVED without a buffer, or -1 when fn asked
 * it to stop, the rest left for later.
 */
static int
deliver_stream(struct port *p, port_rx_fn *fn, void *arg)
{
	struct stream *s = p->stream;
	enum stream_status st;
	struct frame *f;
	size_t len = 0;
	int stop;

	while ((st = stream_parse(s->rbuf + s->roff, s->rlen - s->roff,
	    &len)) == STREAM_FRAME) {
		if ((f = pool_get()) == NULL)
			return (PORT_STARVED);
		memcpy(f->data, s->rbuf + s->roff + STREAM_HDR, len);
		f->len = (uint32_t)len;
		s->roff += STREAM_HDR + len;
		stop = fn(arg, f);
		frame_unref(f);
		if (stop)
			return (-1);
	}
	if (st == STREAM_BAD) {
		log_warnx("stream port of pid %d: frame length %zu is not "
		    "1 to %d: closing it", (int)p->pid, len, FRAME_MAX);
		return (PORT_CLOSED);
	}
	s->rlen -= s->roff;
	memmove(s->rbuf, s->rbuf + s->roff, s->rlen);
	s->roff = 0;
	return (PORT_OK);
}

/*
 * What is buffered first, then up to PORT_BATCH reads.  A short read
 * most likely emptied the socket: the next wait tells if it did not.
 */
static enum port_status
recv_stream(struct port *p, port_rx_fn *fn, void *arg)
{
	struct stream *s = p->stream;
	size_t room;
	ssize_t n;
	int i, st;

	for (i = 0; (st = deliver_stream(p, fn, arg)) == PORT_OK; i++) {
		room = sizeof(s->rbuf) - s->rlen;
		if (i == PORT_BATCH)
			return (PORT_OK);
		n = recv(p->fd, s->rbuf + s->rlen, room, MSG_DONTWAIT);
		if (n == 0 || (n == -1 && !io_again(errno)))
			return (PORT_CLOSED);
		if (n == -1)
			return (PORT_OK);
		s->rlen += (size_t)n;
		if ((size_t)n < room)
			i = PORT_BATCH - 1;	/* deliver, then wait */
	}
	return (st == -1 ? PORT_OK : (enum port_status)st);
}

/*
 * Has a stream port buffered what it stopped short of: whole frames,
 * or a bad length, which is to close it without waiting for more?
 */
int
port_pending(const struct port *p)
{
	const struct stream *s = p->stream;
	size_t len;

	return (s != NULL && stream_parse(s->rbuf + s->roff,
	    s->rlen - s->roff, &len) != STREAM_MORE);
}

/* Has a stream port part of a frame, and no more of it yet? */
int
port_partial(const struct port *p)
{
	const struct stream *s = p->stream;
	size_t len;

	return (s != NULL && s->rlen > s->roff && stream_parse(s->rbuf +
	    s->roff, s->rlen - s->roff, &len) == STREAM_MORE);
}

/*
 * The bytes at the end of a stream's buffer that are not a whole
 * frame: where the peer's stream stands in the middle of one.
 */
static size_t
stream_tail(const struct stream *s, int *bad)
{
	size_t off = s->roff, len;
	enum stream_status st;

	while ((st = stream_parse(s->rbuf + off, s->rlen - off, &len)) ==
	    STREAM_FRAME)
		off += STREAM_HDR + len;
	*bad = st == STREAM_BAD;
	return (s->rlen - off);
}

/* Say whether the stream stands between frames, for a successor. */
static void
note_cut(struct port *p)
{
	int bad;

	if (p->cut != NULL)
		*p->cut = p->qsent > 0 || stream_tail(p->stream, &bad) > 0;
}

/*
 * Hand every frame that has come in to fn.  A TAP or a client needs
 * PORT_BATCH free pool buffers (the switch makes sure of them), a
 * stream takes one per frame and says PORT_STARVED if it runs out.
 * PORT_CLOSED means the port is finished and should be closed, after
 * the frames that came before the end.
 */
enum port_status
port_recv(struct port *p, port_rx_fn *fn, void *arg)
{
	struct frame *fr[PORT_BATCH];
	enum port_status st;
	int n, i, eof = 0;

	if (p->kind == PORT_STREAM) {
		st = recv_stream(p, fn, arg);
		note_cut(p);
		return (st);
	}
	for (i = 0; i < PORT_BATCH; i++)
		if ((fr[i] = pool_get()) == NULL) {
			while (i > 0)
				frame_unref(fr[--i]);
			return (PORT_STARVED);
		}
	if (p->kind == PORT_TAP)
		n = recv_tap(p, fr, &eof);
	else
		n = recv_seqpacket(p, fr, &eof);
	for (i = 0; i < PORT_BATCH; i++) {
		if (i < n)
			(void)fn(arg, fr[i]);
		frame_unref(fr[i]);
	}
	return (eof ? PORT_CLOSED : PORT_OK);
}

/* Queue a frame (a reference to it) to go out of p: -1 if full. */
int
port_enqueue(struct port *p, struct frame *f)
{
	struct txq *q = p->txq;

	if (p->qlen == PORT_QLEN)
		return (-1);
	q->f[(p->qhead + p->qlen) % PORT_QLEN] = frame_ref(f);
	p->qlen++;
	p->qbytes += f->len;
	return (0);
}

/* A write failed for good: that frame is lost, the next may do. */
static void
lost_one(struct port *p)
{
	p->st.drops[DROP_ERROR]++;
	dequeue(p);
}

/*
 * The pieces of frame f as port p sends it, into iov[0..2]: on a trunk,
 * a frame of another VLAN than 1 gets its tag, and so does one of VLAN
 * 1 that carries a tag of its own, which would be taken for ours.
 */
static int
frame_iov(const struct port *p, struct frame *f, struct iovec *iov,
    uint8_t tag[VLAN_TAG])
{
	if (p->trunk == NULL || (f->vid == VLAN_NATIVE &&
	    !vlan_tagged(f->data, f->len))) {
		iov[0].iov_base = f->data;
		iov[0].iov_len = f->len;
		return (1);
	}
	vlan_tag(tag, f->vid);
	iov[0].iov_base = f->data;
	iov[0].iov_len = 2 * MAC_LEN;
	iov[1].iov_base = tag;
	iov[1].iov_len = VLAN_TAG;
	iov[2].iov_base = f->data + 2 * MAC_LEN;
	iov[2].iov_len = f->len - 2 * MAC_LEN;
	return (3);
}

static void
flush_seqpacket(struct port *p)
{
	struct mmsghdr mm[SEND_BURST];
	struct iovec iov[3 * SEND_BURST];
	uint8_t tag[SEND_BURST][VLAN_TAG];
	struct frame *f;
	int n, sent, i;

	while (p->qlen > 0) {
		n = p->qlen < SEND_BURST ? (int)p->qlen : SEND_BURST;
		memset(mm, 0, sizeof(mm[0]) * (size_t)n);
		for (i = 0; i < n; i++) {
			f = p->txq->f[(p->qhead + (uint32_t)i) %
			    PORT_QLEN];
			mm[i].msg_hdr.msg_iov = &iov[3 * i];
			mm[i].msg_hdr.msg_iovlen = (size_t)frame_iov(p, f,
			    &iov[3 * i], tag[i]);
		}
		sent = sendmmsg(p->fd, mm, (unsigned int)n,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent == -1 && io_full(errno))
			return;
		if (sent == -1)
			lost_one(p);
		for (i = 0; i < sent; i++)
			sent_one(p);
	}
}

static void
flush_tap(struct port *p)
{
	uint8_t tag[VLAN_TAG];
	struct iovec iov[3];
	struct frame *f;
	ssize_t want;
	int n;

	while (p->qlen > 0) {
		f = p->txq->f[p->qhead];
		n = frame_iov(p, f, iov, tag);
		want = (ssize_t)f->len + (n > 1 ? VLAN_TAG : 0);
		if (writev(p->fd, iov, n) == want)
			sent_one(p);
		else if (io_full(errno))
			return;
		else
			lost_one(p);
	}
}

/*
 * A stream takes the queued frames as one gather write, each behind
 * its length, starting where the last write left off.
 */
static int
flush_stream(struct port *p)
{
	struct txq *q = p->txq;
	uint8_t hdr[SEND_BURST][STREAM_HDR];
	struct iovec iov[2 * SEND_BURST];
	struct msghdr msg = { .msg_iov = iov };
	struct frame *f;
	size_t skip, left;
	ssize_t n;
	int i, nf;

	while (p->qlen > 0) {
		nf = p->qlen < SEND_BURST ? (int)p->qlen : SEND_BURST;
		for (i = 0; i < nf; i++) {
			f = q->f[(p->qhead + (uint32_t)i) % PORT_QLEN];
			stream_header(hdr[i], f->len);
			iov[2 * i].iov_base = hdr[i];
			iov[2 * i].iov_len = STREAM_HDR;
			iov[2 * i + 1].iov_base = f->data;
			iov[2 * i + 1].iov_len = f->len;
		}
		for (skip = p->qsent, i = 0; skip > 0; i++) {
			left = skip < iov[i].iov_len ? skip : iov[i].iov_len;
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + left;
			iov[i].iov_len -= left;
			skip -= left;
		}
		msg.msg_iovlen = (size_t)(2 * nf);
		n = sendmsg(p->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1)
			return (io_full(errno) ? 0 : -1);
		for (left = (size_t)n; left > 0 && p->qlen > 0;) {
			f = q->f[p->qhead];
			if (left < STREAM_HDR + f->len - p->qsent) {
				p->qsent += left;
				return (0);	/* the socket is full */
			}
			left -= STREAM_HDR + f->len - p->qsent;
			sent_one(p);
		}
	}
	return (0);
}

/*
 * Send what the port can take of its queue now.  Returns -1 if the
 * port is broken (a stream cut mid-frame cannot be framed again) and
 * should be closed.
 */
int
port_flush(struct port *p)
{
	int rc;

	switch (p->kind) {
	case PORT_STREAM:
		rc = flush_stream(p);
		note_cut(p);
		return (rc);
	case PORT_TAP:
		flush_tap(p);
		break;
	default:
		flush_seqpacket(p);
		break;
	}
	return (0);
}

/*
 * How many bytes the port's socket holds that its peer has not read
 * yet (SIOCOUTQ), or -1 for the TAP.  A socket says it has room again
 * only once it is three quarters empty, so a peer that reads steadily
 * but slowly shows its progress here first.
 */
long
port_unread(const struct port *p)
{
	int n;

	if (p->kind == PORT_TAP || ioctl(p->fd, SIOCOUTQ, &n) == -1)
		return (-1);
	return (n);
}

/*
 * The port has stopped reading: drop its queue, counted as stalled,
 * all but a stream's frame already on its way.
 */
void
port_discard(struct port *p)
{
	struct txq *q = p->txq;
	uint32_t keep = p->qsent > 0 ? 1 : 0;
	struct frame *f;

	while (p->qlen > keep) {
		f = q->f[(p->qhead + p->qlen - 1) % PORT_QLEN];
		p->qlen--;
		p->qbytes -= f->len;
		p->st.drops[DROP_STALLED]++;
		frame_unref(f);
	}
}

static int
await_fd(int fd, short events, long long end_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left = end_ms - clock_ms();

	return (left > 0 && poll(&pfd, 1, (int)left) == 1 &&
	    (pfd.revents & events) != 0);
}

/*
 * Bring a stream to a frame boundary both ways before its port goes to
 * another process (privsep.c), by end_ms at the latest: send the rest
 * of a frame half sent, read the rest of one half read.  What is read
 * so, and the whole frames still buffered, are dropped and added to
 * *lost.  Returns -1 if the stream is still cut: then no successor
 * could frame it, and the port must close.
 */
int
port_finish(struct port *p, long long end_ms, uint64_t *lost)
{
	struct stream *s = p->stream;
	size_t tail, want, len = 0;
	ssize_t n;
	int bad;

	if (s == NULL)
		return (0);
	while (p->qsent > 0 && await_fd(p->fd, POLLOUT, end_ms))
		if (flush_stream(p) == -1)
			return (-1);
	tail = stream_tail(s, &bad);
	for (want = s->rlen - tail - s->roff; want > 0; (*lost)++) {
		(void)stream_parse(s->rbuf + s->roff, want, &len);
		s->roff += STREAM_HDR + len;
		want -= STREAM_HDR + len;
	}
	memmove(s->rbuf, s->rbuf + s->rlen - tail, tail);
	s->roff = 0;
	s->rlen = tail;
	while (!bad && s->rlen > 0) {
		if (stream_parse(s->rbuf, s->rlen, &len) == STREAM_BAD)
			break;
		want = (s->rlen < STREAM_HDR ? STREAM_HDR : STREAM_HDR + len) -
		    s->rlen;
		if (want == 0) {
			s->rlen = 0;
			(*lost)++;
		} else if (!await_fd(p->fd, POLLIN, end_ms) ||
		    (n = recv(p->fd, s->rbuf + s->rlen, want,
		    MSG_DONTWAIT)) <= 0)
			break;
		else
			s->rlen += (size_t)n;
	}
	note_cut(p);
	return (p->qsent > 0 || s->rlen > 0 ? -1 : 0);
}
