/*
 * vkbench: the traffic generator and sink of "make bench".
 *
 * Method: a closed loop with a window.  One process holds every client
 * of a measurement, sends on one and receives on the others, and keeps
 * at most `window' frames in flight (sent, not yet received).  The
 * window (64 by default: twice vknetd's receive batch, and below the
 * ~90 frames of 1500 bytes that a default unix socket buffer holds)
 * lets a switch that keeps up forward without ever dropping, and the
 * sender can never run ahead into a socket buffer: what comes out per
 * second is what the switch forwards.  A frame that has not arrived
 * after STALL_MS is written off (its slot is freed); loss is what never
 * arrived, over what was sent.  Rates are counted at the receivers over
 * `secs' after WARMUP_MS.  (The other way, pacing at an offered rate
 * and searching for the highest one without loss, costs a busy sender
 * a core of its own, which a 2-CPU machine does not have.)
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
 *   unicast A [B]  A sends to B, both learned first; with -i N, measure,
 *                  attach N idle clients, measure again
 *   bcast A        A broadcasts to -n clients
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libvdeplug.h>
#include <poll.h>
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
#define LEARN_MS	100
#define LEARN_TRIES	50
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
static const uint8_t mac_a[MAC_LEN] = { 2, 0, 0, 0xbe, 0, 1 };
static const uint8_t mac_b[MAC_LEN] = { 2, 0, 0, 0xbe, 0, 2 };

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: vkbench [-d secs] [-i idle] "
	    "[-n receivers] [-P pid] [-s size]\n"
	    "               [-t tap] [-w window] "
	    "unicast|bcast|tap|rss|gen [endpoint ...]\n");
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

/* Send up to n frames of the ring from *next on; return how many went. */
static int
ep_send(struct ep *e, unsigned int *next, int n)
{
	struct mmsghdr msg[BATCH];
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
	memset(msg, 0, sizeof(msg[0]) * (size_t)n);
	for (i = 0; i < n; i++) {
		r = (*next + (unsigned int)i) % RING;
		iov[i].iov_base = ring[r];
		iov[i].iov_len = ringlen[r];
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	if ((sent = sendmmsg(e->fd, msg, (unsigned int)n, MSG_NOSIGNAL)) ==
	    -1) {
		if (errno != EAGAIN && errno != ENOBUFS)
			err(1, "sendmmsg");
		return (0);
	}
	*next += (unsigned int)sent;
	return (sent);
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

static uint64_t
delivered(struct ep *rx, int nrx, uint64_t *bytes)
{
	uint64_t f = 0, b = 0;
	int i;

	for (i = 0; i < nrx; i++) {
		f += rx[i].frames;
		b += rx[i].bytes;
	}
	if (bytes != NULL)
		*bytes = b;
	return (f);
}

/* Drain every receiver until nothing has come for ms milliseconds. */
static void
drain(struct ep *rx, int nrx, int ms)
{
	struct pollfd pfd[MAXRX];
	int i;

	for (i = 0; i < nrx; i++) {
		pfd[i].fd = rx[i].fd;
		pfd[i].events = POLLIN;
	}
	while (poll(pfd, (nfds_t)nrx, ms) > 0)
		for (i = 0; i < nrx; i++)
			if (pfd[i].revents & POLLIN)
				(void)ep_recv(&rx[i]);
}

/* Sleep until tx may take more (if want_tx) or something arrives. */
static int
wait_ready(struct ep *tx, int want_tx, struct ep *rx, int nrx)
{
	struct pollfd pfd[MAXRX + 1];
	int i;

	for (i = 0; i < nrx; i++) {
		pfd[i].fd = rx[i].fd;
		pfd[i].events = POLLIN;
	}
	pfd[nrx].fd = tx->fd;
	pfd[nrx].events = want_tx ? POLLOUT : 0;
	return (poll(pfd, (nfds_t)nrx + 1, STALL_MS));
}

/* The windowed loop described at the top of the file. */
static void
measure(struct ep *tx, struct ep *rx, int nrx, struct result *res)
{
	uint64_t sent = 0, off = 0, d0 = 0, d1, b0 = 0, b1, copies;
	unsigned int next = 0;
	double t, start, end, t0 = 0;
	int64_t inflight;
	int i, progress, counting = 0;

	drain(rx, nrx, 0);
	for (i = 0; i < nrx; i++)
		rx[i].frames = rx[i].bytes = 0;
	start = now() + WARMUP_MS / 1000.0;
	end = start + o.secs;
	while ((t = now()) < end) {
		if (!counting && t >= start) {
			counting = 1;
			t0 = t;
			d0 = delivered(rx, nrx, &b0);
		}
		copies = delivered(rx, nrx, NULL) / (uint64_t)nrx;
		inflight = (int64_t)(sent - copies - off);
		progress = 0;
		if (inflight < o.window) {
			progress = ep_send(tx, &next,
			    o.window - (int)inflight);
			sent += (uint64_t)progress;
		}
		for (i = 0; i < nrx; i++)
			progress += ep_recv(&rx[i]);
		if (progress == 0 && wait_ready(tx, inflight < o.window, rx,
		    nrx) == 0 && sent > copies + off)
			off = sent - copies;	/* STALL_MS of silence */
	}
	d1 = delivered(rx, nrx, &b1);
	drain(rx, nrx, 50);
	res->fps = (double)(d1 - d0) / (t - t0);
	res->mbps = (double)(b1 - b0) * 8 / (t - t0) / 1e6;
	res->sent = sent;
	copies = sent * (uint64_t)nrx;
	d1 = delivered(rx, nrx, NULL);
	res->loss = copies == 0 ? 1 : d1 >= copies ? 0 :
	    (double)(copies - d1) / (double)copies;
}

static void
print_result(FILE *f, const char *tag, const struct result *r)
{
	fprintf(f, "%s fps=%.0f mbps=%.1f loss=%.6f sent=%llu\n", tag, r->fps,
	    r->mbps, r->loss, (unsigned long long)r->sent);
	fflush(f);
}

/* Fill the ring with our frames: dst, src, VKB_TYPE, random payload. */
static void
make_ring(const uint8_t *dst, const uint8_t *src)
{
	uint32_t x = 2463534242U;
	size_t i;
	int r;

	if (o.size < ETHER_HDR || o.size > RXSIZE)
		errx(1, "-s %zu: frame size out of range", o.size);
	for (r = 0; r < RING; r++) {
		fr_ether(ring[r], dst, src, VKB_TYPE);
		for (i = ETHER_HDR; i < o.size; i++) {
			x ^= x << 13;	/* xorshift32 */
			x ^= x >> 17;
			x ^= x << 5;
			ring[r][i] = (uint8_t)x;
		}
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
		drain(to, 1, LEARN_MS);
	}
	if (to->frames == 0)
		errx(1, "no frame got through the switch");
}

/* One frame each way, so that the switch has learned both addresses. */
static void
learn(struct ep *a, struct ep *b)
{
	make_ring(mac_a, mac_b);
	hello(b, a);
	make_ring(mac_b, mac_a);
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
	learn(&ep[0], &ep[1]);
	measure(&ep[0], &ep[1], 1, &r);
	print_result(stdout, "unicast", &r);
	if (o.idle == 0)
		return;
	idle = open_idle(argv[0], o.idle);
	/* A round trip: the switch has now taken in every idle client. */
	learn(&ep[0], &ep[1]);
	measure(&ep[0], &ep[1], 1, &r);
	print_result(stdout, "idle", &r);
	close_idle(idle, o.idle);
}

static void
do_bcast(int argc, char *argv[])
{
	struct ep tx, rx[MAXRX];
	struct result r;
	int i;

	if (argc != 1 || o.nrx < 1 || o.nrx > MAXRX)
		usage();
	ep_open(&tx, argv[0]);
	for (i = 0; i < o.nrx; i++)
		ep_open(&rx[i], argv[0]);
	make_ring(fr_bcast, mac_a);
	measure(&tx, rx, o.nrx, &r);
	print_result(stdout, "bcast", &r);
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
	measure(&tx, &sink, 1, &r);
	print_result(stdout, argc == 1 ? "tap" : "direct", &r);
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
	learn(&ep[0], &ep[1]);
	nap(200);
	rss_clients = status_kib("VmRSS");
	close_idle(idle, o.idle);
	t1 = now() + 1;
	end = now() + o.secs;
	while ((t = now()) < end) {
		if (ep_send(&ep[0], &next, BATCH) == 0)
			(void)wait_ready(&ep[0], 1, NULL, 0);
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

int
main(int argc, char *argv[])
{
	struct rlimit rl;
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
	if (strcmp(argv[0], "unicast") == 0)
		do_unicast(argc - 1, argv + 1);
	else if (strcmp(argv[0], "bcast") == 0)
		do_bcast(argc - 1, argv + 1);
	else if (strcmp(argv[0], "tap") == 0)
		do_tap(argc - 1, argv + 1);
	else if (strcmp(argv[0], "rss") == 0)
		do_rss(argc - 1, argv + 1);
	else if (strcmp(argv[0], "gen") == 0 && argc == 1)
		do_gen();
	else
		usage();
	return (0);
}
