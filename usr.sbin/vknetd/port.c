/*
 * Ports by kind: the framing of frames on each kind of port (port.h),
 * kept here so that forwarding (switch.c) is the same for all of them.
 *
 * TAP and SOCK_SEQPACKET ports carry one frame per read or message.
 * A readable one is drained of up to BATCH frames per turn (fairness:
 * one busy port cannot starve the others) into a static receive area,
 * with one recvmmsg(2) for a socket; the switch sends each frame on
 * from there.  A frame that a port cannot take now is lost, and the
 * switch counts it: nothing is queued.
 *
 * A stream port (QEMU's "-netdev stream") has no message boundaries:
 * each frame follows its length as a 4-byte big-endian integer, and
 * the kernel cuts the stream wherever it likes.  So a stream port gets
 * two buffers of its own, allocated once when it is added, never per
 * frame:
 *
 *  - A reassembly buffer that holds one whole frame and its length.
 *    Reads go into it, at most BATCH per turn; every complete frame in
 *    it is handed on in place and the rest, part of one frame, moved
 *    to its start.  A length of 0 or over FRAME_MAX cannot be framed
 *    past, so it closes the port, with a log line that says why.
 *
 *  - An output buffer, so that a frame goes out whole or not at all
 *    even though a write may take only part of it.  While it is empty
 *    a frame is written straight from where it is, length and frame in
 *    one sendmsg(2); whatever of it the socket does not take is copied
 *    to the buffer and the port waits for POLLOUT.  While the buffer
 *    holds anything, new frames are appended whole if they fit and
 *    dropped whole, as stalled, if not.  The peer thus only ever sees
 *    whole frames, and a peer that stops reading costs the switch at
 *    most STREAM_OUTBUF bytes and never a wait.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "port.h"

#define BATCH		32

struct stream {
	size_t		rlen;			/* bytes in rbuf */
	size_t		ohead;			/* obuf[ohead..otail) is */
	size_t		otail;			/* still to be written */
	uint8_t		rbuf[STREAM_HDR + FRAME_MAX];
	uint8_t		obuf[STREAM_OUTBUF];
};

static struct {
	struct mmsghdr	msg[BATCH];
	struct iovec	iov[BATCH];
	uint8_t		buf[BATCH][PORT_RXMAX];	/* +1: see giants */
} rx;

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

/* Give the port what its kind needs; only a stream needs anything. */
int
port_open(struct port *p, enum port_kind kind)
{
	if (kind == PORT_STREAM) {
		if ((p->stream = malloc(sizeof(*p->stream))) == NULL)
			return (-1);
		p->stream->rlen = 0;
		p->stream->ohead = p->stream->otail = 0;
	}
	p->kind = kind;
	return (0);
}

void
port_close(struct port *p)
{
	if (p->kind != PORT_TAP)	/* the TAP belongs to main() */
		close(p->fd);
	free(p->stream);
	p->stream = NULL;
}

static int
would_block(void)
{
	return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
}

/* After a failed send: the peer cannot take more now (stalled, not broken). */
static int
peer_full(void)
{
	return (would_block() || errno == ENOBUFS);
}

static int
peer_hung_up(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

	return (poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0);
}

/*
 * Receive up to BATCH messages from a client.  Linux returns 0 both
 * for an empty message and at end of file, and at end of file
 * recvmmsg() fills the rest of the batch with zeros; so a zero length
 * followed only by zeros, on a socket the peer has shut down, is the
 * end.  Any other zero is an empty message: a bad frame, not a close.
 */
static int
recv_seqpacket(struct port *p, int *eof)
{
	int n, i, j;

	if (rx.msg[0].msg_hdr.msg_iov == NULL)
		for (i = 0; i < BATCH; i++) {
			rx.iov[i].iov_base = rx.buf[i];
			rx.iov[i].iov_len = sizeof(rx.buf[i]);
			rx.msg[i].msg_hdr.msg_iov = &rx.iov[i];
			rx.msg[i].msg_hdr.msg_iovlen = 1;
		}
	n = recvmmsg(p->fd, rx.msg, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n == -1) {
		*eof = !would_block();
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (rx.msg[i].msg_len != 0)
			continue;
		for (j = i + 1; j < n && rx.msg[j].msg_len == 0; j++)
			;
		if (j == n && peer_hung_up(p->fd)) {
			*eof = 1;
			return (i);
		}
	}
	return (n);
}

/* The TAP hands over one frame per read(). */
static int
recv_tap(struct port *p)
{
	ssize_t len;
	int n;

	for (n = 0; n < BATCH; n++) {
		if ((len = read(p->fd, rx.buf[n], sizeof(rx.buf[n]))) == -1) {
			if (!would_block())
				log_warn("TAP read");
			break;
		}
		rx.msg[n].msg_len = (unsigned int)len;
	}
	return (n);
}

/*
 * Read what the stream has, BATCH reads at most, and hand on every
 * whole frame.  A short read most likely emptied the socket: poll()
 * tells if it did not.
 */
static int
recv_stream(struct port *p, port_rx_fn *fn, void *arg)
{
	struct stream *s = p->stream;
	size_t room, off, len = 0;
	enum stream_status st;
	ssize_t n;
	int i;

	for (i = 0; i < BATCH; i++) {
		room = sizeof(s->rbuf) - s->rlen;
		n = recv(p->fd, s->rbuf + s->rlen, room, MSG_DONTWAIT);
		if (n == 0 || (n == -1 && !would_block()))
			return (-1);
		if (n == -1)
			return (0);
		s->rlen += (size_t)n;
		for (off = 0; (st = stream_parse(s->rbuf + off, s->rlen - off,
		    &len)) == STREAM_FRAME; off += STREAM_HDR + len)
			fn(arg, s->rbuf + off + STREAM_HDR, len);
		if (st == STREAM_BAD) {
			log_warnx("stream port of pid %d: frame length %zu "
			    "is not 1 to %d: closing it", (int)p->pid, len,
			    FRAME_MAX);
			return (-1);
		}
		s->rlen -= off;
		memmove(s->rbuf, s->rbuf + off, s->rlen);
		if ((size_t)n < room)
			break;
	}
	return (0);
}

/*
 * Hand every frame that has come in to fn.  Returns -1 when the port
 * is finished (its peer has gone, or it broke the framing) and should
 * be closed, after the frames that came before the end.
 */
int
port_recv(struct port *p, port_rx_fn *fn, void *arg)
{
	int n, i, eof = 0;

	switch (p->kind) {
	case PORT_STREAM:
		return (recv_stream(p, fn, arg));
	case PORT_TAP:
		n = recv_tap(p);
		break;
	default:
		n = recv_seqpacket(p, &eof);
		break;
	}
	for (i = 0; i < n; i++)
		fn(arg, rx.buf[i], rx.msg[i].msg_len);
	return (eof ? -1 : 0);
}

/*
 * Queue what is left of a frame, from byte `skip' of its length field
 * on; the caller has made sure that it fits after otail.
 */
static void
stream_queue(struct stream *s, const uint8_t *hdr, const uint8_t *frame,
    size_t len, size_t skip)
{
	if (skip < STREAM_HDR) {
		memcpy(s->obuf + s->otail, hdr + skip, STREAM_HDR - skip);
		s->otail += STREAM_HDR - skip;
		skip = STREAM_HDR;
	}
	memcpy(s->obuf + s->otail, frame + (skip - STREAM_HDR),
	    len - (skip - STREAM_HDR));
	s->otail += len - (skip - STREAM_HDR);
}

static int
send_stream(struct port *p, struct pollfd *pfd, const uint8_t *frame,
    size_t len, enum drop_reason *why)
{
	struct stream *s = p->stream;
	uint8_t hdr[STREAM_HDR];
	struct iovec iov[2] = {
		{ hdr, STREAM_HDR }, { (void *)(uintptr_t)frame, len }
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t need = STREAM_HDR + len;
	ssize_t n = 0;

	stream_header(hdr, len);
	if (s->ohead == s->otail) {
		n = sendmsg(p->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)need)
			return (0);
		if (n == -1 && !peer_full()) {
			*why = DROP_ERROR;
			return (-1);
		}
		if (n == -1)
			n = 0;
		s->ohead = s->otail = 0;
		pfd->events |= POLLOUT;
	} else if (sizeof(s->obuf) - (s->otail - s->ohead) < need) {
		*why = DROP_STALLED;
		return (-1);
	} else if (sizeof(s->obuf) - s->otail < need) {
		memmove(s->obuf, s->obuf + s->ohead, s->otail - s->ohead);
		s->otail -= s->ohead;
		s->ohead = 0;
	}
	stream_queue(s, hdr, frame, len, (size_t)n);
	return (0);
}

/*
 * Send one frame out of port p: 0 if the port took it (a stream port
 * may still be writing it), or -1 and why it did not.  A stream port
 * may start waiting for POLLOUT, and so changes its pollfd's events.
 */
int
port_send(struct port *p, struct pollfd *pfd, const uint8_t *frame,
    size_t len, enum drop_reason *why)
{
	ssize_t n;

	if (p->kind == PORT_STREAM)
		return (send_stream(p, pfd, frame, len, why));
	if (p->kind == PORT_TAP)
		n = write(p->fd, frame, len);
	else
		n = send(p->fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return (0);
	*why = n == -1 && peer_full() ? DROP_STALLED : DROP_ERROR;
	return (-1);
}

/*
 * Deferred sends to client ports.  While one port's batch is being
 * forwarded its frames stay where port_recv() put them, so the switch
 * can hold what it sends to SEQPACKET clients here, chained per
 * destination (ports hold the chain's ends, index + 1), and send each
 * destination its share with one sendmmsg() at the end of the batch.
 * That is one system call per destination and batch instead of one per
 * frame.  Order per destination is kept; a frame the destination
 * cannot take now is counted there as stalled, as with port_send().
 */
#define DEFER_MAX	1024
#define DEFER_BURST	64

static struct {
	struct {
		const uint8_t	*frame;
		size_t		 len;
		int		 next;
	}		e[DEFER_MAX];
	int		n;
	int		dest[DEFER_MAX];	/* ports with frames held */
	int		ndest;
} defer;

int
port_defer(struct port *p, int id, const uint8_t *frame, size_t len)
{
	int i;

	if (defer.n == DEFER_MAX)
		return (-1);
	i = defer.n++;
	defer.e[i].frame = frame;
	defer.e[i].len = len;
	defer.e[i].next = 0;
	if (p->defer_last == 0) {
		p->defer_first = i + 1;
		defer.dest[defer.ndest++] = id;
	} else
		defer.e[p->defer_last - 1].next = i + 1;
	p->defer_last = i + 1;
	return (0);
}

static void
send_burst(struct port *p, struct mmsghdr *mm, int n)
{
	int sent, i;

	sent = sendmmsg(p->fd, mm, (unsigned int)n,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	for (i = 0; i < sent; i++) {
		p->st.tx_frames++;
		p->st.tx_bytes += mm[i].msg_len;
	}
	if (sent < n)
		p->st.drops[sent == -1 && !peer_full() ? DROP_ERROR :
		    DROP_STALLED] += (uint64_t)(n - (sent > 0 ? sent : 0));
}

void
port_send_deferred(struct port *ports)
{
	static struct mmsghdr mm[DEFER_BURST];
	static struct iovec iov[DEFER_BURST];
	struct port *p;
	int d, i, n;

	for (d = 0; d < defer.ndest; d++) {
		p = &ports[defer.dest[d]];
		for (i = p->defer_first; i != 0;) {
			for (n = 0; i != 0 && n < DEFER_BURST; n++) {
				iov[n].iov_base = (void *)defer.e[i - 1].frame;
				iov[n].iov_len = defer.e[i - 1].len;
				memset(&mm[n], 0, sizeof(mm[n]));
				mm[n].msg_hdr.msg_iov = &iov[n];
				mm[n].msg_hdr.msg_iovlen = 1;
				i = defer.e[i - 1].next;
			}
			send_burst(p, mm, n);
		}
		p->defer_first = p->defer_last = 0;
	}
	defer.n = defer.ndest = 0;
}

/*
 * POLLOUT on a stream port: write what it still owes.  Once that is
 * all out it stops waiting for POLLOUT.  Returns -1 if the port is
 * broken and should be closed.
 */
int
port_flush(struct port *p, struct pollfd *pfd)
{
	struct stream *s = p->stream;
	ssize_t n;

	if (s == NULL || s->ohead == s->otail) {
		pfd->events &= ~POLLOUT;
		return (0);
	}
	n = send(p->fd, s->obuf + s->ohead, s->otail - s->ohead,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == -1)
		return (peer_full() ? 0 : -1);
	s->ohead += (size_t)n;
	if (s->ohead == s->otail) {
		s->ohead = s->otail = 0;
		pfd->events &= ~POLLOUT;
	}
	return (0);
}
