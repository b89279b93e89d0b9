/*
 * Stream ports: QEMU's "-netdev stream" framing, in which every frame
 * follows its length as 4 bytes big-endian (port.c).
 *
 * The unit tests need nothing but a socketpair: the length parser is
 * fed byte vectors, and the port code itself reads and writes one end
 * of the pair while the test plays QEMU at the other, cutting the
 * stream at every byte, or not reading at all for a while.  The
 * integration tests do the same against the real daemon's -q listener
 * in a network namespace of their own (vkt.h).
 */
#include <sys/socket.h>

#include <atf-c.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port.h"
#include "vkt.h"

#define QSOCK		"./qemu.sock"
#define MAXFRAMES	64
#define NFLOOD		4000		/* frames a stalled client is sent */
#define FLOOD_LEN	1514
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Frames of every interesting size: a runt, the largest, odd ones. */
static const size_t sizes[] = { 60, 14, 1514, 1, FRAME_MAX, 61, 15, 8319 };
/* The same, each long enough to carry its number. */
static const size_t numbered[] = { 60, 14, 1514, FRAME_MAX, 61, 8319 };

/* The frames port_recv() handed over. */
static struct {
	int	n;
	size_t	len[MAXFRAMES];
	uint8_t	data[MAXFRAMES][FRAME_MAX];
} got;

static int
collect(void *arg, struct frame *f)
{
	(void)arg;
	ATF_REQUIRE(got.n < MAXFRAMES && f->len <= FRAME_MAX);
	got.len[got.n] = f->len;
	memcpy(got.data[got.n++], f->data, f->len);
	return (0);
}

/* Frame number seq, len bytes of it: a pattern that shows any shift. */
static void
fill(uint8_t *f, size_t len, uint32_t seq)
{
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seq * 131 + i * 7 + (i >> 8));
	if (len >= 4) {
		f[0] = (uint8_t)(seq >> 24);
		f[1] = (uint8_t)(seq >> 16);
		f[2] = (uint8_t)(seq >> 8);
		f[3] = (uint8_t)seq;
	}
}

/* The frames of sizes[], framed one after another; its length. */
static size_t
stream_of(uint8_t *buf)
{
	size_t off = 0, i;

	for (i = 0; i < nitems(sizes); i++) {
		stream_header(buf + off, sizes[i]);
		fill(buf + off + STREAM_HDR, sizes[i], (uint32_t)i);
		off += STREAM_HDR + sizes[i];
	}
	return (off);
}

static void
expect_frames(const char *how)
{
	uint8_t f[FRAME_MAX];
	size_t i;

	ATF_REQUIRE_EQ_MSG(got.n, (int)nitems(sizes), "%s: %d frames, not "
	    "%zu", how, got.n, nitems(sizes));
	for (i = 0; i < nitems(sizes); i++) {
		fill(f, sizes[i], (uint32_t)i);
		ATF_REQUIRE_MSG(got.len[i] == sizes[i] &&
		    memcmp(got.data[i], f, sizes[i]) == 0,
		    "%s: frame %zu is %zu bytes, not the %zu sent", how, i,
		    got.len[i], sizes[i]);
	}
	got.n = 0;
}

/* A stream port on one end of a socketpair; *peer is the other end. */
static void
stream_port(struct port *p, int *peer)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		atf_tc_fail("socketpair: %s", strerror(errno));
	if (pool_size() == 0)
		ATF_REQUIRE(pool_init(2 * PORT_QLEN) == 0 && port_init(1) == 0);
	memset(p, 0, sizeof(*p));
	p->fd = sv[0];
	ATF_REQUIRE_EQ(port_open(p, 0, PORT_STREAM), 0);
	*peer = sv[1];
}

static void
put(int fd, const uint8_t *buf, size_t len)
{
	if (len != 0 && write(fd, buf, len) != (ssize_t)len)
		atf_tc_fail("write %zu bytes: %s", len, strerror(errno));
}

ATF_TC_WITHOUT_HEAD(parse_vectors);
ATF_TC_BODY(parse_vectors, tc)
{
	static const struct {
		uint8_t		 bytes[6];
		size_t		 avail;
		enum stream_status st;
		size_t		 len;
	} v[] = {
		{ { 0 }, 0, STREAM_MORE, 0 },
		{ { 0, 0, 0 }, 3, STREAM_MORE, 0 },
		{ { 0, 0, 0, 0 }, 4, STREAM_BAD, 0 },
		{ { 0, 0, 0, 1 }, 4, STREAM_MORE, 1 },
		{ { 0, 0, 0, 1, 0xaa }, 5, STREAM_FRAME, 1 },
		{ { 0, 0, 0, 2, 0xaa }, 5, STREAM_MORE, 2 },
		{ { 0, 0, 0x20, 0x80 }, 4, STREAM_MORE, FRAME_MAX },
		{ { 0, 0, 0x20, 0x81 }, 4, STREAM_BAD, FRAME_MAX + 1 },
		{ { 0x01, 0, 0, 0x3c }, 4, STREAM_BAD, 0x100003c },
		{ { 0xff, 0xff, 0xff, 0xff }, 4, STREAM_BAD, 0xffffffff },
	};
	uint8_t hdr[STREAM_HDR];
	size_t i, len;

	for (i = 0; i < nitems(v); i++) {
		len = 0;
		ATF_CHECK_EQ_MSG(stream_parse(v[i].bytes, v[i].avail, &len),
		    v[i].st, "vector %zu", i);
		if (v[i].avail >= STREAM_HDR)
			ATF_CHECK_EQ_MSG(len, v[i].len, "vector %zu", i);
	}
	stream_header(hdr, 1514);
	ATF_CHECK(memcmp(hdr, "\0\0\x05\xea", 4) == 0);
	ATF_CHECK_EQ(stream_parse(hdr, sizeof(hdr), &len), STREAM_MORE);
	ATF_CHECK_EQ(len, 1514);
}

ATF_TC_WITHOUT_HEAD(split_everywhere);
ATF_TC_BODY(split_everywhere, tc)
{
	static uint8_t buf[MAXFRAMES * (STREAM_HDR + FRAME_MAX)];
	struct port p;
	size_t total, k;
	char how[64];
	int peer;

	total = stream_of(buf);
	stream_port(&p, &peer);
	/* In two reads, cut at every byte of the stream... */
	for (k = 0; k <= total; k++) {
		put(peer, buf, k);
		ATF_REQUIRE_EQ(port_recv(&p, collect, NULL), PORT_OK);
		put(peer, buf + k, total - k);
		ATF_REQUIRE_EQ(port_recv(&p, collect, NULL), PORT_OK);
		snprintf(how, sizeof(how), "cut at byte %zu", k);
		expect_frames(how);
	}
	/* ...and a byte per read. */
	for (k = 0; k < total; k++) {
		put(peer, buf + k, 1);
		ATF_REQUIRE_EQ(port_recv(&p, collect, NULL), PORT_OK);
	}
	expect_frames("a byte per read");
	/* Many frames in one read. */
	put(peer, buf, total);
	put(peer, buf, total);
	ATF_REQUIRE_EQ(port_recv(&p, collect, NULL), PORT_OK);
	ATF_REQUIRE_EQ(got.n, 2 * (int)nitems(sizes));
	got.n = 0;
	close(peer);
	ATF_CHECK_EQ(port_recv(&p, collect, NULL), PORT_CLOSED);
	port_close(&p);
}

ATF_TC_WITHOUT_HEAD(bad_length_ends_port);
ATF_TC_BODY(bad_length_ends_port, tc)
{
	static const uint32_t bad[] = { 0, FRAME_MAX + 1, 0x80000000 };
	uint8_t buf[STREAM_HDR + 60 + STREAM_HDR];
	struct port p;
	size_t i;
	int peer;

	for (i = 0; i < nitems(bad); i++) {
		stream_port(&p, &peer);
		stream_header(buf, 60);
		fill(buf + STREAM_HDR, 60, 0);
		stream_header(buf + STREAM_HDR + 60, bad[i]);
		put(peer, buf, sizeof(buf));
		/* The frame before the bad length still goes on. */
		ATF_CHECK_EQ_MSG(port_recv(&p, collect, NULL), PORT_CLOSED,
		    "length %u was taken", bad[i]);
		ATF_CHECK_EQ(got.n, 1);
		got.n = 0;
		port_close(&p);
		close(peer);
	}
}

/* As collect(), and ask for no more this turn, as a held port does. */
static int
collect_and_stop(void *arg, struct frame *f)
{
	(void)collect(arg, f);
	return (1);
}

/*
 * Found by tests/fuzz/stream_fuzz.c: a port told to stop at the frame
 * just before a bad length (its receiver's queue full) said it had
 * nothing pending, so the switch never read it again, and a peer that
 * sent nothing more kept its port open forever.
 */
ATF_TC_WITHOUT_HEAD(bad_length_behind_held_frame_closes_port);
ATF_TC_BODY(bad_length_behind_held_frame_closes_port, tc)
{
	uint8_t buf[STREAM_HDR + 60 + STREAM_HDR];
	struct port p;
	int peer;

	stream_port(&p, &peer);
	stream_header(buf, 60);
	fill(buf + STREAM_HDR, 60, 0);
	stream_header(buf + STREAM_HDR + 60, 0);
	put(peer, buf, sizeof(buf));
	ATF_REQUIRE_EQ(port_recv(&p, collect_and_stop, NULL), PORT_OK);
	ATF_CHECK_EQ(got.n, 1);
	ATF_CHECK_MSG(port_pending(&p), "the bad length is not pending");
	ATF_CHECK_EQ(port_recv(&p, collect, NULL), PORT_CLOSED);
	ATF_CHECK_EQ(got.n, 1);
	got.n = 0;
	port_close(&p);
	close(peer);
}

/*
 * Whatever came out of a stream so far, framed: every frame must be
 * whole, numbered one more than the last, and as long as it was sent.
 * Returns how many there were; *rest is what is left of a frame not
 * yet all there.
 */
static int
check_framing(const uint8_t *buf, size_t avail, uint32_t *next,
    const size_t *lens, size_t *rest)
{
	uint8_t f[FRAME_MAX];
	size_t off, len;
	uint32_t seq;
	int n = 0;

	for (off = 0; stream_parse(buf + off, avail - off, &len) ==
	    STREAM_FRAME; off += STREAM_HDR + len, n++) {
		seq = (uint32_t)buf[off + 4] << 24 | buf[off + 5] << 16 |
		    buf[off + 6] << 8 | buf[off + 7];
		ATF_REQUIRE_MSG(seq >= *next, "frame %u after %u", seq,
		    *next);
		fill(f, len, seq);
		ATF_REQUIRE_MSG(lens == NULL || len == lens[seq],
		    "frame %u: %zu bytes, not %zu", seq, len, lens[seq]);
		ATF_REQUIRE_MSG(memcmp(buf + off + STREAM_HDR, f, len) == 0,
		    "frame %u is not as sent", seq);
		*next = seq + 1;
	}
	ATF_REQUIRE_MSG(stream_parse(buf + off, avail - off, &len) !=
	    STREAM_BAD, "bad framing at byte %zu", off);
	*rest = avail - off;
	return (n);
}

/* Read what the peer has now, at most room bytes. */
static size_t
drain(int fd, uint8_t *buf, size_t room)
{
	ssize_t n;

	if ((n = read(fd, buf, room)) == -1) {
		if (errno == EAGAIN)
			return (0);
		atf_tc_fail("read: %s", strerror(errno));
	}
	return ((size_t)n);
}

/* Queue frame number seq of lens[seq] bytes on p; 0 if it was taken. */
static int
queue_numbered(struct port *p, uint32_t seq, size_t *lens)
{
	struct frame *f;
	int r;

	lens[seq] = numbered[seq % nitems(numbered)];
	ATF_REQUIRE((f = pool_get()) != NULL);
	fill(f->data, lens[seq], seq);
	f->len = (uint32_t)lens[seq];
	r = port_enqueue(p, f);
	frame_unref(f);
	return (r);
}

ATF_TC_WITHOUT_HEAD(stalled_peer_gets_whole_frames);
ATF_TC_BODY(stalled_peer_gets_whole_frames, tc)
{
	static uint8_t in[4 << 20];
	static size_t lens[20000];
	size_t have = 0, rest;
	uint32_t seq, next = 0;
	int peer, sent = 0, refused = 0, seen = 0, small = 4096;
	uint64_t dropped;
	struct port p;

	stream_port(&p, &peer);
	ATF_REQUIRE(setsockopt(p.fd, SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)) == 0);
	/*
	 * A peer that does not read: the socket takes what it can, most
	 * likely part of a frame, and the queue fills up to its bound.
	 */
	for (seq = 0; seq < 2000; seq++) {
		if (queue_numbered(&p, seq, lens) == 0)
			sent++;
		else
			refused++;
		if (seq % 64 == 0)
			ATF_REQUIRE_EQ(port_flush(&p), 0);
	}
	ATF_CHECK_MSG(refused > 0 && sent > 0, "%d queued, %d refused", sent,
	    refused);
	ATF_CHECK_EQ(p.qlen, PORT_QLEN);
	/* Declared stalled: the queue goes, but not a frame half written. */
	port_discard(&p);
	dropped = p.st.drops[DROP_STALLED];
	ATF_CHECK_MSG(p.qlen <= 1, "%u frames left", p.qlen);
	sent -= (int)dropped;
	/*
	 * It reads again, a little at a time, while the switch both flushes
	 * and queues more: each frame arrives whole, in order, or not at
	 * all if its queue was full.
	 */
	for (; seq < 20000; seq++) {
		if (queue_numbered(&p, seq, lens) == 0)
			sent++;
		if (seq % 3 == 0) {
			have += drain(peer, in + have, 3001);
			ATF_REQUIRE_EQ(port_flush(&p), 0);
		}
		seen += check_framing(in, have, &next, lens, &rest);
		memmove(in, in + have - rest, rest);
		have = rest;
	}
	/* Once it keeps up, everything it is owed arrives. */
	while (p.qlen > 0) {
		ATF_REQUIRE_EQ(port_flush(&p), 0);
		have += drain(peer, in + have, sizeof(in) - have);
	}
	have += drain(peer, in + have, sizeof(in) - have);
	seen += check_framing(in, have, &next, lens, &rest);
	ATF_CHECK_EQ_MSG(rest, 0, "%zu bytes of a frame left over", rest);
	ATF_CHECK_EQ_MSG(seen, sent, "%d frames taken, %d arrived", sent,
	    seen);
	port_close(&p);
	ATF_CHECK_EQ(pool_avail(), pool_size());
	close(peer);
}

/*
 * Integration: the real daemon, its -q listener and seqpacket clients.
 */

static void
integration(atf_tc_t *tc, const char *descr)
{
	atf_tc_set_md_var(tc, "descr", "%s", descr);
	atf_tc_set_md_var(tc, "timeout", "30");
}

/* One frame from a stream client, or -1 if none comes within ms. */
static ssize_t
stream_recv(int fd, uint8_t *f, int ms)
{
	uint8_t hdr[STREAM_HDR];
	size_t need = STREAM_HDR, have = 0, len = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t *to = hdr;
	ssize_t n;

	while (have < need) {
		if (poll(&pfd, 1, ms) != 1) {
			if (to == hdr && have == 0)
				return (-1);
			atf_tc_fail("half a frame, then nothing for %d ms", ms);
		}
		if ((n = read(fd, to + have, need - have)) <= 0)
			atf_tc_fail("stream client: read returned %zd", n);
		have += (size_t)n;
		if (to == hdr && have == STREAM_HDR) {
			ATF_REQUIRE_EQ_MSG(stream_parse(hdr, STREAM_HDR, &len),
			    STREAM_MORE, "bad length %zu", len);
			to = f;
			need = len;
			have = 0;
		}
	}
	return ((ssize_t)len);
}

/* The daemon must hang up on fd. */
static void
expect_eof(int fd, const char *why)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	ATF_REQUIRE_MSG(poll(&pfd, 1, VKT_WAIT_MS) == 1 &&
	    read(fd, &c, 1) == 0, "vknetd did not close the stream after %s",
	    why);
}

static void
stream_send(int fd, const uint8_t *f, size_t len)
{
	uint8_t hdr[STREAM_HDR];

	stream_header(hdr, len);
	put(fd, hdr, sizeof(hdr));
	put(fd, f, len);
}

/* The switch with a -q listener; clients in the order they connect. */
static pid_t
stream_switch(void)
{
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", "-q", QSOCK, NULL);
	vkt_sync();	/* the daemon lets go of its readiness probe */
	return (pid);
}

ATF_TC(stream_client_is_a_port);
ATF_TC_HEAD(stream_client_is_a_port, tc)
{
	integration(tc, "A client of the -q listener is a "
	    "port: learned, flooded to, reassembled from any cut, shown "
	    "as \"stream\" by vknetd -s");
}
ATF_TC_BODY(stream_client_is_a_port, tc)
{
	uint8_t f[VKT_BUFSZ], g[VKT_BUFSZ], a[MAC_LEN], s[MAC_LEN];
	struct vkt_run r;
	const char *row;
	size_t len, i;
	pid_t pid;
	int q, c, peer;

	pid = stream_switch();
	q = vkt_connect_stream(QSOCK);
	vkt_sync();	/* port 1: before the others, accepted first */
	c = vkt_client();
	vkt_mac(a, 1);
	vkt_mac(s, 2);
	/* Stream to seqpacket, cut into single bytes. */
	len = vkt_frame(f, fr_bcast, s, 1);
	stream_header(g, len);
	memcpy(g + STREAM_HDR, f, len);
	for (i = 0; i < STREAM_HDR + len; i++) {
		put(q, g + i, 1);
		usleep(1000);
	}
	vkt_expect(c, "stream's broadcast at the client", f, len);
	/* Seqpacket to the stream, to its learned MAC. */
	len = vkt_frame(f, s, a, 2);
	vkt_send(c, f, len);
	ATF_REQUIRE_EQ_MSG(stream_recv(q, g, VKT_WAIT_MS), (ssize_t)len,
	    "the stream client got no frame");
	ATF_CHECK(memcmp(f, g, len) == 0);

	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG((row = strstr(r.out, "\n    1 stream ")) != NULL &&
	    sscanf(row, " 1 stream %d", &peer) == 1 && peer == getpid(),
	    "no stream row for pid %d:\n%s", (int)getpid(), r.out);
	ATF_CHECK_EQ(vkt_stop(pid), 0);
	ATF_CHECK_MSG(!vkt_exists(QSOCK), "%s is left behind", QSOCK);
}

ATF_TC(bad_length_closes_only_that_port);
ATF_TC_HEAD(bad_length_closes_only_that_port, tc)
{
	integration(tc, "A length of 0 or over 8320 closes "
	    "that stream port, with a log line; the others go on");
}
ATF_TC_BODY(bad_length_closes_only_that_port, tc)
{
	static const uint32_t bad[] = { 0, FRAME_MAX + 1 };
	uint8_t f[VKT_BUFSZ], hdr[STREAM_HDR], a[MAC_LEN], b[MAC_LEN];
	char why[32];
	struct vkt_run r;
	size_t len, i;
	pid_t pid;
	int q, ca, cb;

	pid = stream_switch();
	ca = vkt_client();
	cb = vkt_client();
	vkt_mac(a, 1);
	vkt_mac(b, 2);
	len = vkt_frame(f, fr_bcast, b, 0);
	vkt_send(cb, f, len);
	vkt_expect(ca, "B's broadcast", f, len);
	for (i = 0; i < nitems(bad); i++) {
		q = vkt_connect_stream(QSOCK);
		vkt_sync();
		stream_header(hdr, bad[i]);
		put(q, hdr, sizeof(hdr));
		snprintf(why, sizeof(why), "length %u", bad[i]);
		expect_eof(q, why);
		vkt_close(q);
		len = vkt_frame(f, b, a, (uint32_t)i + 1);
		vkt_send(ca, f, len);
		vkt_expect(cb, "A to B after a bad stream", f, len);
	}
	vkt_output(pid, &r);
	ATF_CHECK_MSG(strstr(r.err, "frame length 0 is not 1 to 8320") !=
	    NULL && strstr(r.err, "frame length 8321 ") != NULL,
	    "no log line for the bad lengths: %s", vkt_flat(r.err));
	ATF_CHECK_EQ(vkt_stop(pid), 0);
}

ATF_TC(stalled_stream_client);
ATF_TC_HEAD(stalled_stream_client, tc)
{
	integration(tc, "A stream client that stops reading "
	    "stalls nobody, and once it reads again every frame it gets "
	    "is whole; what it missed is counted as stalled");
}
ATF_TC_BODY(stalled_stream_client, tc)
{
	uint8_t f[VKT_BUFSZ], g[VKT_BUFSZ], a[MAC_LEN], b[MAC_LEN];
	uint8_t s[MAC_LEN];
	unsigned long long d[5];
	struct vkt_run r;
	const char *row;
	uint32_t seq, next = 0;
	size_t len;
	ssize_t n;
	int q, ca, cb, got_n = 0;
	pid_t pid;

	pid = stream_switch();
	q = vkt_connect_stream(QSOCK);
	vkt_sync();	/* port 1: before the others, accepted first */
	ca = vkt_client();
	cb = vkt_client();
	vkt_mac(a, 1);
	vkt_mac(b, 2);
	vkt_mac(s, 3);
	len = vkt_frame(f, fr_bcast, s, 0);
	stream_send(q, f, len);
	vkt_expect(ca, "the stream's broadcast at A", f, len);
	vkt_expect(cb, "the stream's broadcast at B", f, len);
	len = vkt_frame(f, fr_bcast, b, 0);
	vkt_send(cb, f, len);
	vkt_expect(ca, "B's broadcast", f, len);
	ATF_REQUIRE_EQ(stream_recv(q, g, VKT_WAIT_MS), (ssize_t)len);

	/* Far more than the socket and the port's buffer hold. */
	memset(f, 0, FLOOD_LEN);
	memcpy(f, s, MAC_LEN);
	memcpy(f + MAC_LEN, a, MAC_LEN);
	f[12] = VKT_EXPTYPE >> 8;
	f[13] = VKT_EXPTYPE & 0xff;
	for (seq = 0; seq < NFLOOD; seq++) {
		fill(f + ETHER_HDR, FLOOD_LEN - ETHER_HDR, seq);
		vkt_send(ca, f, FLOOD_LEN);
	}
	/* The switch did not wait for it. */
	len = vkt_frame(f, b, a, 1);
	vkt_send(ca, f, len);
	vkt_expect(cb, "A to B while the stream is stalled", f, len);

	/* It reads again: only whole frames, in order, from A. */
	while ((n = stream_recv(q, f, VKT_NONE_MS)) != -1) {
		ATF_REQUIRE_EQ_MSG(n, FLOOD_LEN, "a frame of %zd bytes", n);
		seq = (uint32_t)f[ETHER_HDR] << 24 |
		    f[ETHER_HDR + 1] << 16 | f[ETHER_HDR + 2] << 8 |
		    f[ETHER_HDR + 3];
		ATF_REQUIRE_MSG(seq >= next && seq < NFLOOD &&
		    memcmp(f + MAC_LEN, a, MAC_LEN) == 0, "frame %u after %u",
		    seq, next);
		fill(g, FLOOD_LEN - ETHER_HDR, seq);
		ATF_REQUIRE_MSG(memcmp(f + ETHER_HDR, g, FLOOD_LEN -
		    ETHER_HDR) == 0, "frame %u is not as sent", seq);
		next = seq + 1;
		got_n++;
	}
	ATF_CHECK_MSG(got_n > 0 && got_n < NFLOOD, "%d of %d frames came",
	    got_n, NFLOOD);

	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", VKT_SOCK, NULL);
	/* The drop table's row of port 1, the stream, after its heading. */
	row = strstr(r.out, "STALLED-PEER");
	ATF_REQUIRE_MSG(row != NULL && (row = strstr(row, "\n    1 ")) !=
	    NULL && sscanf(row, " 1 %llu %llu %llu %llu %llu", &d[0], &d[1],
	    &d[2], &d[3], &d[4]) == 5, "no drop row:\n%s", r.out);
	ATF_CHECK_EQ_MSG(d[3], (unsigned long long)(NFLOOD - got_n),
	    "%llu stalled, %d missed:\n%s", d[3], NFLOOD - got_n, r.out);
	ATF_CHECK_EQ(vkt_stop(pid), 0);
}

/*
 * Issue 13: a stream client that sent a length and then nothing held
 * its port, and its buffers, for ever.
 */
ATF_TC(header_then_silence_closes_port);
ATF_TC_HEAD(header_then_silence_closes_port, tc)
{
	integration(tc, "A stream client that stops in the middle of a "
	    "frame is closed after 5 s, with a log line; a whole frame "
	    "still passes");
}
ATF_TC_BODY(header_then_silence_closes_port, tc)
{
	struct pollfd pfd = { .events = POLLIN };
	uint8_t f[VKT_BUFSZ], hdr[STREAM_HDR], s[MAC_LEN];
	struct vkt_run r;
	long long t0;
	size_t len;
	pid_t pid;
	int q, c;

	pid = stream_switch();
	q = vkt_connect_stream(QSOCK);
	c = vkt_client();
	vkt_mac(s, 3);
	len = vkt_frame(f, fr_bcast, s, 0);
	stream_send(q, f, len);
	vkt_expect(c, "the stream's broadcast", f, len);
	t0 = clock_ms();
	stream_header(hdr, 60);
	put(q, hdr, sizeof(hdr));
	pfd.fd = q;
	ATF_REQUIRE_MSG(poll(&pfd, 1, 8000) == 1,
	    "the port is still open after 8 s");
	ATF_CHECK_MSG(clock_ms() - t0 >= 4000, "closed after %lld ms",
	    clock_ms() - t0);
	expect_eof(q, "a cut frame");
	vkt_close(q);
	vkt_output(pid, &r);
	ATF_CHECK_MSG(strstr(r.err, "a frame stayed incomplete") != NULL,
	    "no log line: %s", vkt_flat(r.err));
	ATF_CHECK_EQ(vkt_stop(pid), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_vectors);
	ATF_TP_ADD_TC(tp, split_everywhere);
	ATF_TP_ADD_TC(tp, bad_length_ends_port);
	ATF_TP_ADD_TC(tp, bad_length_behind_held_frame_closes_port);
	ATF_TP_ADD_TC(tp, stalled_peer_gets_whole_frames);
	ATF_TP_ADD_TC(tp, stream_client_is_a_port);
	ATF_TP_ADD_TC(tp, bad_length_closes_only_that_port);
	ATF_TP_ADD_TC(tp, stalled_stream_client);
	ATF_TP_ADD_TC(tp, header_then_silence_closes_port);
	return (atf_no_error());
}
