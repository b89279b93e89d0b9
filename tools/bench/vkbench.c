/*
 * vkbench: the traffic generator and sink of "make bench".
 *
 * Two ways of offering traffic, because they answer two questions.
 *
 * Closed loop with a window (unicast, stall, tap): one process sends
 * on one client and receives on another, and keeps at most `window'
 * frames in flight (sent, not yet received).  The window (64 by
 * default: twice vknetd's receive batch, and below the ~90 frames of
 * 1500 bytes that a default unix socket buffer holds) lets a switch
 * that keeps up forward without ever dropping, and the sender can
 * never run ahead into a socket buffer: what comes out per second is
 * what the switch forwards.  A frame that has not arrived after
 * STALL_MS is written off (its slot is freed).
 *
 * Open loop (blast, bcast, burst): the sender sends as fast as its
 * socket accepts, and a receiving process of its own reads.  When the
 * socket is full (EAGAIN) the sender waits for POLLOUT and goes on, as
 * a virtual machine is held back by its socket filling: nothing is
 * given up on the sender's side, so what it sent and did not arrive
 * was lost in the switch.  The receiver counts until the sender has
 * stopped and nothing has come for DRAIN_MS, so frames still queued
 * in the switch at the end count as delivered.
 *
 * Rates are counted at the receivers over `secs' after WARMUP_MS; loss
 * is what never arrived, over what was sent, whole runs.
 *
 * Endpoints: "vde:DIR" attaches to vde_switch through libvdeplug's
 * vde_open(); any other name is the path of a SOCK_SEQPACKET socket
 * (vknetd, relay).  Both give a connected datagram descriptor, and we
 * use sendmmsg()/recvmmsg() on it for every switch, so the tool costs
 * the same whichever switch it measures.  Frames cycle through a ring
 * of RING frames with random payloads, so compression (ssh -C) gains
 * no more than it would on encrypted or compressed traffic.
 *
 * Modes (one result line of key=value pairs each):
 *   unicast A [B]  closed loop, A to B, both learned first; with -i N,
 *                  measure, attach N idle clients, measure again
 *   blast A [B]    open loop, A to B, both learned first
 *   bcast A        open loop, A broadcasts to -n clients
 *   burst A        -n clients each send BURST frames at once, as fast
 *                  as their sockets take them, to one reading client
 *   stall A        closed loop between two clients, alone, then while
 *                  a fourth sends to a third that is SIGSTOPped; VmRSS
 *                  of the switch -P over the second run
 *   ping A [B]     ping-pong round trips between two processes, idle
 *                  and while a third client floods a fourth
 *   tap [A]        UDP frames from 198.51.100.2 into the namespace's
 *                  kernel, counted by a UDP socket bound there: through
 *                  client A of a switch whose TAP is -t, or without A
 *                  written straight into a TAP of our own
 *   rss A          VmRSS of the switch -P: idle (and its RssAnon), with
 *                  -i clients, and while A floods a client that never
 *                  reads for -d secs
 *   gen            the ring to stdout for -d secs (the ssh cat baseline)
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libvdeplug.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frames.h"
#include "netif.h"

#define VKB_TYPE	0x88b5	/* IEEE 802 local experimental ethertype */
#define VKB_PORT	9	/* discard: UDP port of the tap sink */
#define BATCH		32
#define RING		64
#define MAXRX		16
#define WARMUP_MS	300
#define STALL_MS	20
#define DRAIN_MS	200
#define TURN_MS		20	/* warm-up of each turn after the first */
#define STALL_ROUNDS	4
#define LEARN_MS	100
#define LEARN_TRIES	50
#define BURST		256	/* frames per client in a burst */
#define SIDE_MS		1	/* stall: the stopped client gets SIDE_BATCH */
#define SIDE_BATCH	16	/* frames every SIDE_MS */
#define PING_MS		100	/* a round trip longer than this is lost */
#define MAXSAMPLES	(1 << 18)
#define GEN_WARMUP	(16 << 20)
#define RXSIZE		2048	/* the largest frame we send, and more */
#define DIRECT_TAP	"vkbtap0"
#define TAP_ADDR	"198.51.100.1"
#define PEER_ADDR	"198.51.100.2"

struct ep {
	int		 fd;
	VDECONN		*vde;
	int		 tap;	/* fd is a TAP: one write(2) per frame */
	int		 udp;	/* count every datagram, not our frames */
	uint64_t	 frames;
	uint64_t	 bytes;
};

struct result {
	double		 fps;	/* frames delivered per second, all receivers */
	double		 mbps;
	double		 loss;	/* fraction of copies never delivered */
	uint64_t	 sent;	/* in all, warm-up included (for profiles) */
};

/* What the receiving process of an open-loop run counted. */
struct rx_count {
	uint64_t	 frames;	/* in all */
	uint64_t	 in_frames;	/* within the counted interval */
	uint64_t	 in_bytes;
	double		 secs;		/* the interval, as it was seen */
};

/* A receiving process: the pipe that ends it, the pipe it answers on. */
struct rx_child {
	pid_t		 pid;
	int		 done;
	int		 answer;
};

/* Stall: the frames that go, a few at a time, to the stopped client. */
static struct side {
	struct ep	*ep;
	uint8_t		 frame[RXSIZE];
	double		 next;
	uint64_t	 sent;
} side;

static struct opts {
	size_t		 size;
	int		 window;
	double		 secs;
	int		 nrx;
	int		 idle;
	pid_t		 pid;
	const char	*tapname;
} o = { 64, 64, 1.0, 8, 0, 0, NULL };

static uint8_t ring[RING][RXSIZE];
static size_t ringlen[RING];
static uint8_t rxbuf[BATCH][RXSIZE];
static float samples[MAXSAMPLES];
static const uint8_t mac_a[MAC_LEN] = { 2, 0, 0, 0xbe, 0, 1 };
static const uint8_t mac_b[MAC_LEN] = { 2, 0, 0, 0xbe, 0, 2 };
static const uint8_t mac_c[MAC_LEN] = { 2, 0, 0, 0xbe, 0, 3 };
static const uint8_t mac_d[MAC_LEN] = { 2, 0, 0, 0xbe, 0, 4 };

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: vkbench [-d secs] [-i idle] "
	    "[-n clients] [-P pid] [-s size]\n"
	    "               [-t tap] [-w window] "
	    "mode [endpoint ...]\n");
	exit(2);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
nap(int ms)
{
	(void)poll(NULL, 0, ms);
}

static void
ep_open(struct ep *e, const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int tries;

	memset(e, 0, sizeof(*e));
	if (strncmp(name, "vde:", 4) == 0) {
		/*
		 * vde_switch's control socket appears at bind(), a moment
		 * before it listens: give it a second to be ready.
		 */
		for (tries = 0; (e->vde = vde_open((char *)(uintptr_t)
		    (name + 4), "vkbench", NULL)) == NULL && tries < 100;
		    tries++)
			nap(10);
		if (e->vde == NULL)
			err(1, "vde_open %s", name + 4);
		e->fd = vde_datafd(e->vde);
	} else {
		if (strlen(name) >= sizeof(sun.sun_path))
			errx(1, "%s: path too long", name);
		strcpy(sun.sun_path, name);
		if ((e->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
		    0)) == -1 || connect(e->fd, (struct sockaddr *)&sun,
		    sizeof(sun)) == -1)
			err(1, "%s", name);
	}
	if (fcntl(e->fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
}

static void
ep_close(struct ep *e)
{
	if (e->vde != NULL)
		vde_close(e->vde);
	else
		close(e->fd);
}

/* Send n (at most BATCH) messages of iov; return how many went. */
static int
ep_sendv(struct ep *e, struct iovec *iov, int n)
{
	struct mmsghdr msg[BATCH];
	int i, sent;

	memset(msg, 0, sizeof(msg[0]) * (size_t)n);
	for (i = 0; i < n; i++) {
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	if ((sent = sendmmsg(e->fd, msg, (unsigned int)n, MSG_NOSIGNAL)) ==
	    -1) {
		if (errno != EAGAIN && errno != ENOBUFS)
			err(1, "sendmmsg");
		return (0);
	}
	return (sent);
}

/* Send up to n frames of the ring from *next on; return how many went. */
static int
ep_send(struct ep *e, unsigned int *next, int n)
{
	struct iovec iov[BATCH];
	unsigned int r;
	int i, sent;

	if (n > BATCH)
		n = BATCH;
	if (e->tap) {
		/* The tun driver takes exactly one frame per write(2). */
		for (i = 0; i < n; i++, (*next)++)
			if (write(e->fd, ring[*next % RING],
			    ringlen[*next % RING]) == -1)
				break;
		return (i);
	}
	for (i = 0; i < n; i++) {
		r = (*next + (unsigned int)i) % RING;
		iov[i].iov_base = ring[r];
		iov[i].iov_len = ringlen[r];
	}
	sent = ep_sendv(e, iov, n);
	*next += (unsigned int)sent;
	return (sent);
}

/* Send up to n copies of one frame of o.size bytes. */
static int
ep_send_copies(struct ep *e, uint8_t *frame, int n)
{
	struct iovec iov[BATCH];
	int i;

	if (n > BATCH)
		n = BATCH;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = frame;
		iov[i].iov_len = o.size;
	}
	return (ep_sendv(e, iov, n));
}

/*
 * Receive what is waiting, one batch; return the number of messages.
 * Only our frames count: a switch's TAP may pass on what the kernel
 * sends (IPv6 router solicitations and the like).
 */
static int
ep_recv(struct ep *e)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	unsigned int len;
	int i, n;

	memset(msg, 0, sizeof(msg));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = rxbuf[i];
		iov[i].iov_len = RXSIZE;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	if ((n = recvmmsg(e->fd, msg, BATCH, MSG_DONTWAIT, NULL)) == -1) {
		if (errno != EAGAIN)
			err(1, "recvmmsg");
		return (0);
	}
	for (i = 0; i < n; i++) {
		len = msg[i].msg_len;
		if (e->udp) {
			/* Rates are of frames: count the headers back in. */
			e->frames++;
			e->bytes += len + ETHER_HDR + FR_IP_HDR + FR_UDP_HDR;
		} else if (len >= ETHER_HDR &&
		    frame_ethertype(rxbuf[i]) == VKB_TYPE) {
			e->frames++;
			e->bytes += len;
		}
	}
	return (n);
}

static void
wait_out(struct ep *e, int ms)
{
	struct pollfd pfd = { .fd = e->fd, .events = POLLOUT };

	(void)poll(&pfd, 1, ms);
}

/* Drain rx until nothing has come for ms milliseconds. */
static void
drain(struct ep *rx, int ms)
{
	struct pollfd pfd = { .fd = rx->fd, .events = POLLIN };

	while (poll(&pfd, 1, ms) > 0)
		while (ep_recv(rx) > 0)
			continue;
}

/* Sleep until tx may take more (if want_tx) or something arrives. */
static int
wait_ready(struct ep *tx, int want_tx, struct ep *rx)
{
	struct pollfd pfd[2];
	nfds_t n = 0;

	if (rx != NULL) {
		pfd[n].fd = rx->fd;
		pfd[n++].events = POLLIN;
	}
	pfd[n].fd = tx->fd;
	pfd[n++].events = want_tx ? POLLOUT : 0;
	return (poll(pfd, n, STALL_MS));
}

/* Stall: what is due to the stopped client, a batch every SIDE_MS. */
static void
side_send(double t)
{
	if (side.ep == NULL || t < side.next)
		return;
	side.sent += (uint64_t)ep_send_copies(side.ep, side.frame,
	    SIDE_BATCH);
	side.next = t + SIDE_MS / 1000.0;
}

/* The windowed loop described at the top of the file, secs after warm. */
static void
measure(struct ep *tx, struct ep *rx, double secs, int warm,
    struct result *res)
{
	uint64_t sent = 0, off = 0, d0 = 0, b0 = 0;
	unsigned int next = 0;
	double t, start, end, t0 = 0;
	int64_t inflight;
	int progress, counting = 0;

	drain(rx, 0);
	rx->frames = rx->bytes = 0;
	start = now() + warm / 1000.0;
	end = start + secs;
	while ((t = now()) < end) {
		if (!counting && t >= start) {
			counting = 1;
			t0 = t;
			d0 = rx->frames;
			b0 = rx->bytes;
		}
		side_send(t);
		inflight = (int64_t)(sent - rx->frames - off);
		progress = 0;
		if (inflight < o.window) {
			progress = ep_send(tx, &next,
			    o.window - (int)inflight);
			sent += (uint64_t)progress;
		}
		progress += ep_recv(rx);
		/* After STALL_MS of silence, what is in flight is lost. */
		if (progress == 0 && wait_ready(tx, inflight < o.window,
		    rx) == 0 && sent > rx->frames + off)
			off = sent - rx->frames;
	}
	res->fps = (double)(rx->frames - d0) / (t - t0);
	res->mbps = (double)(rx->bytes - b0) * 8 / (t - t0) / 1e6;
	drain(rx, 50);
	res->sent = sent;
	res->loss = sent == 0 ? 1 : rx->frames >= sent ? 0 :
	    (double)(sent - rx->frames) / (double)sent;
}

static void
print_result(FILE *f, const char *tag, const struct result *r)
{
	fprintf(f, "%s fps=%.0f mbps=%.1f loss=%.6f sent=%llu\n", tag, r->fps,
	    r->mbps, r->loss, (unsigned long long)r->sent);
	fflush(f);
}

/* One frame: dst, src, VKB_TYPE, a random payload up to o.size. */
static void
make_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t x)
{
	size_t i;

	fr_ether(f, dst, src, VKB_TYPE);
	for (i = ETHER_HDR; i < o.size; i++) {
		x ^= x << 13;	/* xorshift32 */
		x ^= x >> 17;
		x ^= x << 5;
		f[i] = (uint8_t)x;
	}
}

/* Fill the ring with our frames from src to dst. */
static void
make_ring(const uint8_t *dst, const uint8_t *src)
{
	int r;

	if (o.size < ETHER_HDR || o.size > RXSIZE)
		errx(1, "-s %zu: frame size out of range", o.size);
	for (r = 0; r < RING; r++) {
		make_frame(ring[r], dst, src, 2463534242U + (uint32_t)r);
		ringlen[r] = o.size;
	}
}

/*
 * Send from `from' until `to' receives, every LEARN_MS for LEARN_TRIES:
 * the first frames may arrive before a link (vknet) is up.
 */
static void
hello(struct ep *from, struct ep *to)
{
	unsigned int next;
	int i;

	to->frames = 0;
	for (i = 0; i < LEARN_TRIES && to->frames == 0; i++) {
		next = 0;
		(void)ep_send(from, &next, 1);
		drain(to, LEARN_MS);
	}
	if (to->frames == 0)
		errx(1, "no frame got through the switch");
}

/*
 * One frame each way, so that the switch has learned both addresses;
 * the ring is left holding frames from a to b.
 */
static void
learn(struct ep *a, const uint8_t *ma, struct ep *b, const uint8_t *mb)
{
	make_ring(ma, mb);
	hello(b, a);
	make_ring(mb, ma);
	hello(a, b);
}

static struct ep *
open_idle(const char *name, int n)
{
	struct ep *idle;
	int i;

	if ((idle = calloc((size_t)n, sizeof(*idle))) == NULL)
		err(1, "calloc");
	for (i = 0; i < n; i++)
		ep_open(&idle[i], name);
	return (idle);
}

static void
close_idle(struct ep *idle, int n)
{
	while (n-- > 0)
		ep_close(&idle[n]);
	free(idle);
}

static void
do_unicast(int argc, char *argv[])
{
	struct ep ep[2], *idle;
	struct result r;

	if (argc < 1 || argc > 2)
		usage();
	ep_open(&ep[0], argv[0]);
	ep_open(&ep[1], argv[argc - 1]);
	learn(&ep[0], mac_a, &ep[1], mac_b);
	measure(&ep[0], &ep[1], o.secs, WARMUP_MS, &r);
	print_result(stdout, "unicast", &r);
	if (o.idle == 0)
		return;
	idle = open_idle(argv[0], o.idle);
	/* A round trip: the switch has now taken in every idle client. */
	learn(&ep[0], mac_a, &ep[1], mac_b);
	measure(&ep[0], &ep[1], o.secs, WARMUP_MS, &r);
	print_result(stdout, "idle", &r);
	close_idle(idle, o.idle);
}

/*
 * The receiving process of the open loop: read rx[] until `done' closes
 * and then nothing has come for DRAIN_MS; count what came between t0
 * and t1 apart.
 */
static void
rx_loop(struct ep *rx, int nrx, int done, double t0, double t1,
    struct rx_count *c)
{
	struct pollfd pfd[MAXRX + 1];
	uint64_t d, b, d0 = 0, b0 = 0;
	double t, ta = 0;
	int i, n, finished = 0, counting = 0;

	for (i = 0; i < nrx; i++) {
		pfd[i].fd = rx[i].fd;
		pfd[i].events = POLLIN;
	}
	pfd[nrx].fd = done;
	pfd[nrx].events = POLLIN;
	memset(c, 0, sizeof(*c));
	for (;;) {
		n = poll(pfd, (nfds_t)(nrx + !finished), finished ? DRAIN_MS :
		    100);
		if (n == -1)
			err(1, "poll");
		if (!finished && pfd[nrx].revents != 0)
			finished = 1;
		else if (n == 0 && finished)
			break;
		for (i = 0; i < nrx; i++)
			if (pfd[i].revents & POLLIN)
				while (ep_recv(&rx[i]) > 0)
					continue;
		t = now();
		if (counting == 2 || t < t0)
			continue;
		d = b = 0;
		for (i = 0; i < nrx; i++) {
			d += rx[i].frames;
			b += rx[i].bytes;
		}
		if (counting == 0) {
			counting = 1;
			ta = t;
			d0 = d;
			b0 = b;
		} else if (t >= t1) {
			counting = 2;
			c->in_frames = d - d0;
			c->in_bytes = b - b0;
			c->secs = t - ta;
		}
	}
	for (i = 0; i < nrx; i++)
		c->frames += rx[i].frames;
}

/* Start the receiving process of rx[]. */
static void
rx_start(struct ep *rx, int nrx, double t0, double t1, struct rx_child *k)
{
	struct rx_count c;
	int done[2], answer[2];

	if (pipe(done) == -1 || pipe(answer) == -1)
		err(1, "pipe");
	if ((k->pid = fork()) == -1)
		err(1, "fork");
	if (k->pid == 0) {
		close(done[1]);
		close(answer[0]);
		rx_loop(rx, nrx, done[0], t0, t1, &c);
		if (write(answer[1], &c, sizeof(c)) != sizeof(c))
			err(1, "answer");
		_exit(0);
	}
	close(done[0]);
	close(answer[1]);
	k->done = done[1];
	k->answer = answer[0];
}

/* The sender has finished: wait for the receiver's count. */
static void
rx_finish(struct rx_child *k, struct rx_count *c)
{
	int status;

	close(k->done);
	if (read(k->answer, c, sizeof(*c)) != sizeof(*c))
		errx(1, "the receiving process did not answer");
	close(k->answer);
	if (waitpid(k->pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		errx(1, "the receiving process failed");
}

/*
 * Open loop: send the ring on tx as fast as it takes it, to nrx
 * receivers, for WARMUP_MS and then o.secs.
 */
static void
blast(const char *tag, struct ep *tx, struct ep *rx, int nrx)
{
	struct rx_child k;
	struct rx_count c;
	uint64_t sent = 0, s0 = 0, copies;
	unsigned int next = 0;
	double t, t0, t1, ta = 0;
	int n, counting = 0;

	t0 = now() + WARMUP_MS / 1000.0;
	t1 = t0 + o.secs;
	rx_start(rx, nrx, t0, t1, &k);
	while ((t = now()) < t1) {
		if (!counting && t >= t0) {
			counting = 1;
			ta = t;
			s0 = sent;
		}
		if ((n = ep_send(tx, &next, BATCH)) == 0)
			wait_out(tx, STALL_MS);
		sent += (uint64_t)n;
	}
	rx_finish(&k, &c);
	copies = sent * (uint64_t)nrx;
	printf("%s fps=%.0f mbps=%.1f accept=%.0f loss=%.6f sent=%llu "
	    "got=%llu\n", tag, (double)c.in_frames / c.secs,
	    (double)c.in_bytes * 8 / c.secs / 1e6,
	    (double)(sent - s0) / (t - ta), c.frames >= copies ? 0 :
	    (double)(copies - c.frames) / (double)copies,
	    (unsigned long long)sent, (unsigned long long)c.frames);
}

static void
do_blast(int argc, char *argv[])
{
	struct ep ep[2];

	if (argc < 1 || argc > 2)
		usage();
	ep_open(&ep[0], argv[0]);
	ep_open(&ep[1], argv[argc - 1]);
	learn(&ep[0], mac_a, &ep[1], mac_b);
	blast("blast", &ep[0], &ep[1], 1);
}

static void
do_bcast(int argc, char *argv[])
{
	struct ep tx, rx[MAXRX];
	int i;

	if (argc != 1)
		usage();
	ep_open(&tx, argv[0]);
	for (i = 0; i < o.nrx; i++)
		ep_open(&rx[i], argv[0]);
	make_ring(fr_bcast, mac_a);
	blast("bcast", &tx, rx, o.nrx);
}

/*
 * Burst: -n clients send BURST frames each, all at once, to one that
 * reads.  Each has its own source address.
 */
static void
do_burst(int argc, char *argv[])
{
	static uint8_t frame[MAXRX][RXSIZE];
	struct pollfd pfd[MAXRX];
	struct ep rx, tx[MAXRX];
	struct rx_child k;
	struct rx_count c;
	uint8_t mac[MAC_LEN];
	int left[MAXRX], i, n, busy, sent;

	if (argc != 1)
		usage();
	ep_open(&rx, argv[0]);
	for (i = 0; i < o.nrx; i++)
		ep_open(&tx[i], argv[0]);
	/* The receiver's address, learned: flooded to tx[0] and the rest. */
	make_ring(mac_a, mac_b);
	hello(&rx, &tx[0]);
	for (i = 0; i < o.nrx; i++) {
		drain(&tx[i], 0);
		memcpy(mac, mac_a, MAC_LEN);
		mac[5] = (uint8_t)(0x10 + i);
		make_frame(frame[i], mac_b, mac, (uint32_t)i + 1);
		left[i] = BURST;
	}
	rx_start(&rx, 1, now(), now(), &k);
	do {
		busy = sent = 0;
		for (i = 0; i < o.nrx; i++) {
			if (left[i] == 0)
				continue;
			n = ep_send_copies(&tx[i], frame[i], left[i]);
			left[i] -= n;
			sent += n;
			if (left[i] > 0) {
				pfd[busy].fd = tx[i].fd;
				pfd[busy++].events = POLLOUT;
			}
		}
		if (busy > 0 && sent == 0)
			(void)poll(pfd, (nfds_t)busy, STALL_MS);
	} while (busy > 0);
	rx_finish(&k, &c);
	n = o.nrx * BURST;
	printf("burst got=%llu want=%d loss=%.6f\n",
	    (unsigned long long)c.frames, n, c.frames >= (uint64_t)n ? 0 :
	    (double)((uint64_t)n - c.frames) / n);
}

static long
status_kib(const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)o.pid);
	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			kib = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return (kib);
}

/*
 * A client in a process of its own that says who it is to `to' and
 * stops itself: its socket is never read again.
 */
static pid_t
stopped_client(const char *name, struct ep *to)
{
	uint8_t frame[RXSIZE];
	struct ep c;
	pid_t pid;
	int status;

	to->frames = 0;
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		ep_open(&c, name);
		make_frame(frame, mac_a, mac_c, 3);
		if (ep_send_copies(&c, frame, 1) != 1)
			err(1, "stopped client");
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &status, WUNTRACED) == -1 || !WIFSTOPPED(status))
		errx(1, "the client to be stopped did not stop");
	drain(to, LEARN_MS);
	if (to->frames == 0)
		errx(1, "the stopped client's frame did not get through");
	return (pid);
}

/*
 * Stall: A to B while C is stopped, in 2 * STALL_ROUNDS turns of
 * o.secs between them: one with nobody sending to C, the next with D
 * sending C SIDE_BATCH frames every SIDE_MS, and so on, so that other
 * work on the machine weighs on both alike.  The stall begins in the
 * first measured turn.  VmRSS of the switch is taken after that turn
 * and at the end.
 */
static void
do_stall(int argc, char *argv[])
{
	struct ep ep[2], d;
	struct result r;
	double fps[2] = { 0, 0 }, loss = 0;
	long rss0 = -1;
	pid_t c;
	int i;

	if (argc != 1 || o.pid <= 0)
		usage();
	ep_open(&ep[0], argv[0]);
	ep_open(&ep[1], argv[0]);
	learn(&ep[0], mac_a, &ep[1], mac_b);
	c = stopped_client(argv[0], &ep[0]);
	ep_open(&d, argv[0]);
	make_frame(side.frame, mac_c, mac_d, 4);
	for (i = 0; i < 2 * STALL_ROUNDS; i++) {
		side.ep = i % 2 ? &d : NULL;
		measure(&ep[0], &ep[1], o.secs / (2 * STALL_ROUNDS),
		    i == 0 ? WARMUP_MS : TURN_MS, &r);
		fps[i % 2] += r.fps / STALL_ROUNDS;
		if (i % 2)
			loss += r.loss / STALL_ROUNDS;
		if (i == 1)
			rss0 = status_kib("VmRSS");
	}
	printf("stall base=%.0f fps=%.0f loss=%.6f side=%llu rss0=%ld "
	    "rss1=%ld\n", fps[0], fps[1], loss,
	    (unsigned long long)side.sent, rss0, status_kib("VmRSS"));
	kill(c, SIGKILL);
	(void)waitpid(c, NULL, 0);
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return ((x > y) - (x < y));
}

/*
 * Round trips from a to the echoing process for WARMUP_MS (not kept)
 * and then o.secs; p50 and p99 in microseconds.  Each frame carries a
 * sequence number, so that a late answer is not taken for the next.
 */
static void
pingpong(struct ep *a, double *p50, double *p99, uint64_t *lost, int *n)
{
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
	uint8_t frame[RXSIZE], in[RXSIZE];
	uint32_t seq = 0, got;
	double t, t0, start, end;
	ssize_t len;

	make_frame(frame, mac_b, mac_a, 1);
	start = now() + WARMUP_MS / 1000.0;
	end = start + o.secs;
	*lost = 0;
	*n = 0;
	while ((t0 = now()) < end && *n < MAXSAMPLES) {
		seq++;
		memcpy(frame + ETHER_HDR, &seq, sizeof(seq));
		if (send(a->fd, frame, o.size, MSG_NOSIGNAL) == -1)
			err(1, "ping");
		for (;;) {
			if (poll(&pfd, 1, PING_MS) == 0) {
				(*lost)++;
				break;
			}
			if ((len = recv(a->fd, in, sizeof(in), 0)) <
			    ETHER_HDR + (ssize_t)sizeof(got))
				continue;
			memcpy(&got, in + ETHER_HDR, sizeof(got));
			if (got != seq)
				continue;
			t = now();
			if (t0 >= start)
				samples[(*n)++] = (float)((t - t0) * 1e6);
			break;
		}
	}
	if (*n == 0)
		errx(1, "no round trip");
	qsort(samples, (size_t)*n, sizeof(samples[0]), cmp_float);
	*p50 = samples[*n / 2];
	*p99 = samples[(int)((long)*n * 99 / 100)];
}

/* The other end of the ping-pong: every frame goes back to a. */
static pid_t
echo(struct ep *b)
{
	struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
	uint8_t in[RXSIZE];
	ssize_t len;
	pid_t pid;

	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid != 0)
		return (pid);
	for (;;) {
		if (poll(&pfd, 1, -1) == -1 ||
		    (len = recv(b->fd, in, sizeof(in), 0)) == -1)
			continue;
		if (len < ETHER_HDR || frame_ethertype(in) != VKB_TYPE)
			continue;
		memcpy(in, mac_a, MAC_LEN);
		memcpy(in + MAC_LEN, mac_b, MAC_LEN);
		while (send(b->fd, in, (size_t)len, MSG_NOSIGNAL) == -1)
			wait_out(b, PING_MS);
	}
}

/*
 * The load: c floods d, which reads, from a process at nice 19 until
 * `end', so that it has CPU 0 only when the ping-pong does not want
 * it, and what the round trips show is the switch.  Delivered frames
 * per second go back through the pipe.
 */
static pid_t
flood(struct ep *c, struct ep *d, double end, int *answer)
{
	struct pollfd pfd[2];
	unsigned int next = 0;
	double t0, fps;
	int fds[2];
	pid_t pid;

	if (pipe(fds) == -1)
		err(1, "pipe");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid != 0) {
		close(fds[1]);
		*answer = fds[0];
		return (pid);
	}
	close(fds[0]);
	(void)setpriority(PRIO_PROCESS, 0, 19);
	pfd[0].fd = c->fd;
	pfd[0].events = POLLOUT;
	pfd[1].fd = d->fd;
	pfd[1].events = POLLIN;
	d->frames = 0;
	t0 = now();
	while (now() < end) {
		if (ep_send(c, &next, BATCH) == 0)
			(void)poll(pfd, 2, STALL_MS);
		while (ep_recv(d) > 0)
			continue;
	}
	fps = (double)d->frames / (now() - t0);
	if (write(fds[1], &fps, sizeof(fps)) != sizeof(fps))
		err(1, "answer");
	_exit(0);
}

static void
do_ping(int argc, char *argv[])
{
	struct ep ep[2], load[2];
	double p50, p99, lp50, lp99, fps;
	uint64_t lost, llost;
	int n, ln, answer;
	pid_t e, f;

	if (argc < 1 || argc > 2 || o.size < ETHER_HDR + sizeof(uint32_t))
		usage();
	ep_open(&ep[0], argv[0]);
	ep_open(&ep[1], argv[argc - 1]);
	ep_open(&load[0], argv[0]);
	ep_open(&load[1], argv[0]);
	learn(&ep[0], mac_a, &ep[1], mac_b);
	learn(&load[0], mac_c, &load[1], mac_d);
	e = echo(&ep[1]);
	pingpong(&ep[0], &p50, &p99, &lost, &n);
	f = flood(&load[0], &load[1], now() + 2 * WARMUP_MS / 1000.0 +
	    o.secs, &answer);
	nap(WARMUP_MS);
	pingpong(&ep[0], &lp50, &lp99, &llost, &ln);
	if (read(answer, &fps, sizeof(fps)) != sizeof(fps))
		errx(1, "the flooding process did not answer");
	(void)waitpid(f, NULL, 0);
	kill(e, SIGKILL);
	(void)waitpid(e, NULL, 0);
	printf("ping p50=%.1f p99=%.1f lp50=%.1f lp99=%.1f lost=%llu "
	    "n=%d ln=%d flood=%.0f\n", p50, p99, lp50, lp99,
	    (unsigned long long)(lost + llost), n, ln, fps);
}

static void
if_mac(const char *name, uint8_t mac[MAC_LEN])
{
	struct ifreq ifr;
	int s;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, sizeof(ifr.ifr_name) - 1);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    ioctl(s, SIOCGIFHWADDR, &ifr) == -1)
		err(1, "%s: hardware address", name);
	close(s);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, MAC_LEN);
}

static void
do_tap(int argc, char *argv[])
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct fr_addrs ad;
	struct ep tx, sink;
	struct tap tap;
	struct result r;
	uint8_t payload[RXSIZE];
	int rcvbuf = 4 << 20, i;
	size_t j;

	if (argc > 1 || (argc == 1) != (o.tapname != NULL) ||
	    o.size < ETHER_HDR + FR_IP_HDR + FR_UDP_HDR)
		usage();
	if (argc == 1)
		ep_open(&tx, argv[0]);
	else {
		/* The floor: our own TAP, as the switch would configure it. */
		sin.sin_addr.s_addr = inet_addr(TAP_ADDR);
		if (tap_open(&tap, DIRECT_TAP) == -1 ||
		    netif_set_up(tap.name, 1) == -1 ||
		    netif_addr_add(tap.name, sin.sin_addr, 24) == -1)
			err(1, "TAP %s", DIRECT_TAP);
		memset(&tx, 0, sizeof(tx));
		tx.fd = tap.fd;
		tx.tap = 1;
		o.tapname = tap.name;
	}
	memset(&sink, 0, sizeof(sink));
	sink.udp = 1;
	sin.sin_addr.s_addr = inet_addr(TAP_ADDR);
	sin.sin_port = htons(VKB_PORT);
	if ((sink.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(sink.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1 ||
	    bind(sink.fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "UDP sink %s:%d", TAP_ADDR, VKB_PORT);

	if_mac(o.tapname, ad.dst);
	memcpy(ad.src, mac_a, MAC_LEN);
	ad.sip = inet_addr(PEER_ADDR);
	ad.dip = inet_addr(TAP_ADDR);
	for (i = 0; i < RING; i++) {
		for (j = 0; j < sizeof(payload); j++)
			payload[j] = (uint8_t)(i * 7 + j * 13);
		ringlen[i] = fr_udp(ring[i], &ad, VKB_PORT, VKB_PORT, payload,
		    o.size - ETHER_HDR - FR_IP_HDR - FR_UDP_HDR);
	}
	measure(&tx, &sink, o.secs, WARMUP_MS, &r);
	print_result(stdout, argc == 1 ? "tap" : "direct", &r);
}

/*
 * Memory of the switch -P: idle, then with -i clients attached, then
 * while A floods B, which never reads, for -d seconds (sampled after
 * the first second and at the end: flat means no growth in between).
 */
static void
do_rss(int argc, char *argv[])
{
	struct ep ep[2], *idle;
	long rss_idle, anon, rss_clients, rss1 = -1;
	unsigned int next = 0;
	double t, end, t1;

	if (argc != 1 || o.pid <= 0)
		usage();
	rss_idle = status_kib("VmRSS");
	anon = status_kib("RssAnon");
	idle = open_idle(argv[0], o.idle);
	ep_open(&ep[0], argv[0]);
	ep_open(&ep[1], argv[0]);
	learn(&ep[0], mac_a, &ep[1], mac_b);
	nap(200);
	rss_clients = status_kib("VmRSS");
	close_idle(idle, o.idle);
	t1 = now() + 1;
	end = now() + o.secs;
	while ((t = now()) < end) {
		if (ep_send(&ep[0], &next, BATCH) == 0)
			wait_out(&ep[0], STALL_MS);
		if (rss1 == -1 && t >= t1)
			rss1 = status_kib("VmRSS");
	}
	printf("rss idle=%ld anon=%ld clients=%ld stall1=%ld stall=%ld "
	    "hwm=%ld\n", rss_idle, anon, rss_clients, rss1, status_kib("VmRSS"),
	    status_kib("VmHWM"));
}

/*
 * The ssh baseline: the ring's bytes to stdout, as fast as the pipe
 * takes them.  Counting starts once GEN_WARMUP bytes have gone, when
 * every buffer between us and the far end is full, so that what we
 * write from then on is what the far end consumes.
 */
static void
do_gen(void)
{
	struct result r = { 0, 0, 0, 0 };
	uint64_t bytes = 0, b0 = 0;
	double t0 = 0, t = 0;
	int i;

	make_ring(mac_b, mac_a);
	for (i = 0; ; i++) {
		if (write(STDOUT_FILENO, ring[i % RING], o.size) !=
		    (ssize_t)o.size)
			err(1, "stdout");
		bytes += o.size;
		if (t0 == 0 && bytes >= GEN_WARMUP) {
			t0 = now();
			b0 = bytes;
		} else if (t0 != 0 && (i & 63) == 0 &&
		    (t = now()) >= t0 + o.secs)
			break;
	}
	r.mbps = (double)(bytes - b0) * 8 / (t - t0) / 1e6;
	r.fps = r.mbps * 1e6 / 8 / (double)o.size;
	r.sent = bytes / o.size;
	/* stdout is the data. */
	print_result(stderr, "gen", &r);
}

static double
number(const char *s, double min, double max)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return (v);
}

static const struct mode {
	const char	*name;
	void		(*run)(int, char *[]);
} modes[] = {
	{ "bcast",	do_bcast },
	{ "blast",	do_blast },
	{ "burst",	do_burst },
	{ "ping",	do_ping },
	{ "rss",	do_rss },
	{ "stall",	do_stall },
	{ "tap",	do_tap },
	{ "unicast",	do_unicast },
};

int
main(int argc, char *argv[])
{
	struct rlimit rl;
	size_t i;
	int ch;

	while ((ch = getopt(argc, argv, "d:i:n:P:s:t:w:")) != -1) {
		switch (ch) {
		case 'd':
			o.secs = number(optarg, 0.1, 600);
			break;
		case 'i':
			o.idle = (int)number(optarg, 0, 10000);
			break;
		case 'n':
			o.nrx = (int)number(optarg, 1, MAXRX);
			break;
		case 'P':
			o.pid = (pid_t)number(optarg, 1, 1 << 22);
			break;
		case 's':
			o.size = (size_t)number(optarg, ETHER_HDR, RXSIZE);
			break;
		case 't':
			o.tapname = optarg;
			break;
		case 'w':
			o.window = (int)number(optarg, 1, 1 << 20);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	/* Idle clients: two descriptors each through libvdeplug. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (strcmp(argv[0], "gen") == 0 && argc == 1) {
		do_gen();
		return (0);
	}
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[0], modes[i].name) == 0) {
			modes[i].run(argc - 1, argv + 1);
			fflush(stdout);
			return (0);
		}
	usage();
}
