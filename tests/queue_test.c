/*
 * vknetd's output queues, as a user sees them (issue 11): a port that
 * cannot take a frame now gets it later, in order, and the ports that
 * fill its queue are read more slowly meanwhile; only a port that takes
 * nothing for the stall bound is declared stalled and loses frames,
 * counted as "stalled peer" against it in vknetd -s.  Every case runs
 * the real daemon in a network namespace of its own (see vkt.h).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <atf-c.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vkt.h"

#define QSOCK		"./qemu.sock"
#define CHILD_OUT	"./child.out"	/* what a forked child has to say */
#define STALL_MS	100	/* vknetd's default stall bound (-W) */
#define NSLOW		20000	/* frames sent to a slow reader */
#define BURST		100	/* it reads this many, then pauses */
#define PAUSE_MS	20	/* well inside the stall bound */
#define NFLOOD		200000	/* frames flooded at a client not reading */
#define FLOOD_LEN	1500
#define PING_EVERY	5000	/* flood frames between two ping-pongs */
#define FLOOD_MS	1000	/* how long a stopped client is flooded */
#define TCP_BYTES	(32 << 20)
#define TCP_PORT	5001
#define TCP_MS		30000	/* for a transfer that must complete */
#define PEER_TAP	"vkq0"
#define PEER_ADDR	"198.51.100.2/24"

/*
 * The most vknetd's memory may grow under a flood to a client that
 * never reads.  Its frame pool is sized at start-up and nothing is
 * allocated per frame, so it should not grow at all; 16 MiB is room for
 * the pool's pages being touched for the first time (a few thousand
 * 1518-byte buffers), far below the 300 MB the flood carries.
 */
#define RSS_SLACK_KB	(16 << 10)

/*
 * The longest a flood sender may wait for its socket to take a frame.
 * A destination that takes nothing is declared stalled after STALL_MS
 * and stops holding its senders back; the rest is room for a loaded
 * two-core machine to schedule the daemon.
 */
#define BLOCK_MAX_MS	(5 * STALL_MS)

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

enum { A = 1, B, C, D };		/* clients' MACs are vkt_mac(n) */

static const uint8_t nobody[MAC_LEN] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t mac_a[MAC_LEN] = { 0x02, 0, 0, 0, 0, A };	/* vkt_mac(A) */

/*
 * The drops of the port that learned client n's MAC (or of all ports,
 * n 0) as vknetd -s shows them: all reasons summed, and "stalled peer"
 * alone.  The only place that knows the format of -s.
 */
struct drops {
	unsigned long long	all;
	unsigned long long	stalled;
};

static int
row(char *line, const char *label, char **cols, int max)
{
	char *save, *tok;
	int n = 0;

	if ((tok = strtok_r(line, " ", &save)) == NULL ||
	    (label != NULL && strcmp(tok, label) != 0))
		return (0);
	cols[n++] = tok;
	while (n < max && (tok = strtok_r(NULL, " ", &save)) != NULL)
		cols[n++] = tok;
	return (n);
}

static void
drops_of(unsigned int client, struct drops *d)
{
	char out[sizeof(((struct vkt_run *)0)->out)], *line, *save;
	char port[16] = "total", mac[MAC_STRLEN], *cols[16];
	uint8_t m[MAC_LEN];
	struct vkt_run r;
	int i, n, stalled = -1;

	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", VKT_SOCK, NULL);
	if (r.status != 0)
		atf_tc_fail("vknetd -s exited %d: %s", r.status,
		    vkt_flat(r.err));
	if (client != 0) {
		vkt_mac(m, client);
		mac_fmt(mac, m);
		memcpy(out, r.out, sizeof(out));
		port[0] = '\0';
		for (line = strtok_r(out, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			if (row(line, mac, cols, 2) == 2)
				snprintf(port, sizeof(port), "%s", cols[1]);
		if (port[0] == '\0')
			atf_tc_fail("vknetd -s shows no port for %s: %s",
			    mac, vkt_flat(r.out));
	}
	memcpy(out, r.out, sizeof(out));
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((n = row(line, NULL, cols, 16)) == 0)
			continue;
		if (strcmp(cols[0], "PORT") == 0) {
			/* The header names the columns of its table. */
			stalled = -1;
			for (i = 1; i < n; i++)
				if (strcmp(cols[i], "STALLED-PEER") == 0)
					stalled = i;
			continue;
		}
		if (stalled == -1 || strcmp(cols[0], port) != 0)
			continue;
		d->all = 0;
		for (i = 1; i < n; i++)
			d->all += strtoull(cols[i], NULL, 10);
		d->stalled = stalled < n ? strtoull(cols[stalled], NULL, 10) :
		    0;
		return;
	}
	atf_tc_fail("vknetd -s shows no drops of port %s: %s", port,
	    vkt_flat(r.out));
}

static long
rss_kb(pid_t pid)
{
	char path[64], line[128];
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(fp);
	if (kb == -1)
		atf_tc_fail("%s: no VmRSS", path);
	return (kb);
}

/* A forked child's last words, for the failure message. */
static void __attribute__((format(printf, 1, 2)))
child_says(const char *fmt, ...)
{
	va_list ap;
	int fd;

	if ((fd = open(CHILD_OUT, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return;
	va_start(ap, fmt);
	vdprintf(fd, fmt, ap);
	va_end(ap);
	close(fd);
}

static const char *
child_said(void)
{
	static char msg[256];
	ssize_t n = 0;
	int fd;

	if ((fd = open(CHILD_OUT, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, msg, sizeof(msg) - 1);
		close(fd);
	}
	msg[n > 0 ? n : 0] = '\0';
	return (msg);
}

/*
 * Clients.  Client i has MAC vkt_mac(i + 1); each says hello to nobody
 * and every other one reads it, so the switch has learned them all and
 * their sockets are empty again.
 */
static void
learn(int *c, int n)
{
	uint8_t f[64];
	char what[64];
	size_t len;
	int i, j;

	for (i = 0; i < n; i++) {
		vkt_send_tagged(c[i], nobody, (unsigned int)i + 1, 0, f,
		    &len);
		for (j = 0; j < n; j++) {
			if (j == i)
				continue;
			snprintf(what, sizeof(what), "client %d's hello at %d",
			    i, j);
			vkt_expect(c[j], what, f, len);
		}
	}
}

static void
nonblocking(int fd)
{
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		atf_tc_fail("fcntl: %s", strerror(errno));
}

/*
 * Send as a VM does: when its socket is full, wait until it takes the
 * frame.  Returns how many milliseconds that took.
 */
static long long
send_waiting(int fd, const void *f, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	long long start = clock_ms();
	ssize_t n;

	for (;;) {
		if ((n = send(fd, f, len, MSG_DONTWAIT | MSG_NOSIGNAL)) ==
		    (ssize_t)len)
			return (clock_ms() - start);
		if (n != -1)
			atf_tc_fail("send %zu bytes: only %zd sent", len, n);
		if (errno != EAGAIN && errno != EINTR)
			atf_tc_fail("send: %s", strerror(errno));
		if (clock_ms() - start > VKT_WAIT_MS)
			atf_tc_fail("sender blocked for %d ms", VKT_WAIT_MS);
		(void)poll(&pfd, 1, VKT_WAIT_MS);
	}
}

static uint32_t
tag_of(const uint8_t *f, size_t len)
{
	const uint8_t *p = f + ETHER_HDR;

	if (len < ETHER_HDR + 7 || memcmp(p, "vkt", 3) != 0)
		return (UINT32_MAX);
	return ((uint32_t)p[3] << 24 | (uint32_t)p[4] << 16 |
	    (uint32_t)p[5] << 8 | p[6]);
}

static void
ping_pong(int b, int c, uint32_t seq)
{
	uint8_t f[64], mc[MAC_LEN], mb[MAC_LEN];
	size_t len;

	vkt_mac(mc, C);
	vkt_mac(mb, B);
	vkt_send_tagged(b, mc, B, seq, f, &len);
	vkt_expect(c, "ping", f, len);
	vkt_send_tagged(c, mb, C, seq, f, &len);
	vkt_expect(b, "pong", f, len);
}

/*
 * The slow reader: a child that reads in bursts with pauses and exits 0
 * if it got frames 0 to NSLOW - 1 in order, whole.  On a stream port
 * every frame follows its length, 4 bytes big-endian.
 */
static int
readn(int fd, uint8_t *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t got;

	while (n > 0) {
		if (poll(&pfd, 1, VKT_WAIT_MS) != 1)
			return (-1);
		if ((got = read(fd, p, n)) <= 0)
			return (-1);
		p += got;
		n -= (size_t)got;
	}
	return (0);
}

static ssize_t
next_frame(int fd, int stream, uint8_t *buf)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t len;

	if (!stream) {
		if (poll(&pfd, 1, VKT_WAIT_MS) != 1)
			return (-1);
		return (recv(fd, buf, VKT_BUFSZ, 0));
	}
	if (readn(fd, (uint8_t *)&len, 4) == -1 ||
	    (len = ntohl(len)) > VKT_BUFSZ || readn(fd, buf, len) == -1)
		return (-1);
	return ((ssize_t)len);
}

static void __attribute__((noreturn))
slow_reader(int fd, int stream, size_t want_len)
{
	uint8_t buf[VKT_BUFSZ];
	uint32_t i;
	ssize_t n;

	for (i = 0; i < NSLOW; i++) {
		if (i % BURST == 0)
			vkt_nap(PAUSE_MS);
		if ((n = next_frame(fd, stream, buf)) == -1) {
			child_says("frame %u of %d: none within %d ms", i,
			    NSLOW, VKT_WAIT_MS);
			_exit(1);
		}
		if ((size_t)n != want_len || tag_of(buf, (size_t)n) != i) {
			child_says("frame %u of %d: got %zd bytes, tag %u", i,
			    NSLOW, n, tag_of(buf, (size_t)n));
			_exit(1);
		}
	}
	_exit(0);
}

static void
slow_reader_case(int stream)
{
	uint8_t f[64], mb[MAC_LEN];
	struct drops d;
	size_t len;
	pid_t pid, reader;
	uint32_t i;
	int c[2], status;

	vkt_setup();
	pid = vkt_daemon("-U", "-q", QSOCK, NULL);
	c[0] = vkt_client();
	c[1] = stream ? vkt_connect_stream(QSOCK) : vkt_connect(VKT_SOCK);
	vkt_sync();
	vkt_mac(mb, B);
	/* The stream client has no learn(): its hello needs a header. */
	if (stream) {
		vkt_send_tagged(c[0], nobody, A, 0, f, &len);
		uint32_t hl = htonl(60);
		uint8_t sf[64];

		memcpy(sf, &hl, 4);
		vkt_frame(sf + 4, nobody, mb, 0);
		if (write(c[1], sf, 64) != 64)
			atf_tc_fail("write: %s", strerror(errno));
		vkt_frame(f, nobody, mb, 0);
		vkt_expect(c[0], "B's hello", f, 60);
		if (readn(c[1], sf, 64) == -1)
			atf_tc_fail("no hello from A on the stream client");
	} else
		learn(c, 2);

	fflush(stdout);
	if ((reader = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (reader == 0)
		slow_reader(c[1], stream, 60);
	vkt_adopt(reader);
	nonblocking(c[0]);
	vkt_mac(mb, B);
	for (i = 0; i < NSLOW; i++) {
		len = vkt_frame(f, mb, mac_a,
		    i);
		(void)send_waiting(c[0], f, len);
	}
	status = vkt_wait(reader, TCP_MS);
	ATF_CHECK_EQ_MSG(status, 0, "the slow reader exited %d: %s", status,
	    child_said());
	drops_of(B, &d);
	ATF_CHECK_EQ_MSG(d.all, 0, "vknetd dropped %llu frames for the slow "
	    "reader (%llu as stalled)", d.all, d.stalled);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(slow_reader_gets_every_frame,
    "A client reading in bursts with pauses shorter than the stall bound "
    "gets every frame a fast sender sends it, in order, none dropped")
{
	slow_reader_case(0);
}

VKT_TC(stream_client_slow_reader,
    "A -q stream client reading in bursts gets every frame, whole and in "
    "order, none dropped")
{
	slow_reader_case(1);
}

/*
 * Flood client D (c[3]), which does not read, from A (c[0]) while B and
 * C (c[1], c[2]) ping-pong.
 */
static void
four_clients(int *c)
{
	int i;

	for (i = 0; i < 4; i++)
		c[i] = vkt_client();
	learn(c, 4);
	nonblocking(c[0]);
}

static void
drain(int fd)
{
	uint8_t buf[VKT_BUFSZ];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

VKT_TC(stopped_client_declared_stalled,
    "A client that reads nothing for longer than the stall bound is "
    "declared stalled while two others keep exchanging frames, and gets "
    "new frames once it reads again")
{
	uint8_t f[64], buf[VKT_BUFSZ], md[MAC_LEN];
	uint32_t seq = 0, tag = 0;
	struct drops d;
	long long end;
	ssize_t n;
	size_t len;
	pid_t pid;
	int c[4], i;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	four_clients(c);
	vkt_mac(md, D);
	for (end = clock_ms() + FLOOD_MS; clock_ms() < end; seq++) {
		/* As fast as A's socket takes them, never waiting. */
		for (i = 0; i < 64; i++, tag++) {
			len = vkt_frame(f, md,
			    mac_a, tag);
			if (send(c[0], f, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
			    -1)
				break;
		}
		ping_pong(c[1], c[2], seq);
	}
	drops_of(D, &d);
	ATF_CHECK_MSG(d.stalled > 0, "D not declared stalled after %d ms "
	    "and %u frames: %llu stalled-peer drops", FLOOD_MS, tag,
	    d.stalled);

	/* D reads again: a new frame reaches it. */
	drain(c[3]);
	for (end = clock_ms() + VKT_WAIT_MS; clock_ms() < end; ) {
		len = vkt_frame(f, md, mac_a,
		    UINT32_MAX - 1);
		(void)send_waiting(c[0], f, len);
		while ((n = vkt_recv(c[3], buf, 50)) != -1)
			if (tag_of(buf, (size_t)n) == UINT32_MAX - 1)
				break;
		if (n != -1)
			break;
	}
	ATF_CHECK_MSG(clock_ms() < end, "D got no new frame within %d ms of "
	    "reading again", VKT_WAIT_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(queue_bounds_hold_under_flood,
    "A flood at a client that never reads leaves vknetd's memory flat, "
    "never holds the sender back past the stall bound, and is counted "
    "as stalled-peer drops")
{
	uint8_t f[FLOOD_LEN], md[MAC_LEN];
	long long waited, max_wait = 0;
	long rss0, rss, max_rss;
	struct drops d;
	pid_t pid;
	int c[4];
	uint32_t i;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	four_clients(c);
	vkt_mac(md, D);
	max_rss = rss0 = rss_kb(pid);
	memset(f, 0, sizeof(f));
	for (i = 0; i < NFLOOD; i++) {
		(void)vkt_frame(f, md, mac_a,
		    i);
		if ((waited = send_waiting(c[0], f, sizeof(f))) > max_wait)
			max_wait = waited;
		if (i % PING_EVERY == 0) {
			ping_pong(c[1], c[2], i);
			if ((rss = rss_kb(pid)) > max_rss)
				max_rss = rss;
		}
	}
	ping_pong(c[1], c[2], i);
	if ((rss = rss_kb(pid)) > max_rss)
		max_rss = rss;
	ATF_CHECK_MSG(max_rss <= rss0 + RSS_SLACK_KB, "vknetd's RSS grew "
	    "from %ld to %ld kB under the flood (bound %d kB more)", rss0,
	    max_rss, RSS_SLACK_KB);
	ATF_CHECK_MSG(max_wait <= BLOCK_MAX_MS, "the sender waited %lld ms "
	    "for its socket (bound %d ms)", max_wait, BLOCK_MAX_MS);
	drops_of(D, &d);
	ATF_CHECK_MSG(d.stalled > 0 && d.all == d.stalled, "D's drops: %llu, "
	    "%llu of them stalled-peer", d.all, d.stalled);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * TCP through the switch: the test's namespace, behind vknetd's TAP,
 * and a second one behind a real TAP client, vde_plug's tap plugin on
 * a port of the switch.  The byte at offset i of each direction is
 * pattern(i), checked one by one at the far end.
 */
static uint8_t
pattern(uint32_t i, int dir)
{
	return ((uint8_t)((i * 2654435761u) >> 24) ^ (uint8_t)(i >> 16) ^
	    (uint8_t)dir);
}

static int
send_pattern(int s, int dir)
{
	uint8_t buf[65536];
	uint32_t off, j;
	ssize_t n;

	for (off = 0; off < TCP_BYTES; off += (uint32_t)n) {
		for (j = 0; j < sizeof(buf); j++)
			buf[j] = pattern(off + j, dir);
		if ((n = write(s, buf, sizeof(buf))) != (ssize_t)sizeof(buf))
			return (-1);
	}
	return (shutdown(s, SHUT_WR));
}

/* Offset of the first wrong byte, or TCP_BYTES if all came right. */
static uint32_t
check_pattern(int s, int dir)
{
	uint8_t buf[65536];
	uint32_t off = 0;
	ssize_t n, j;

	while ((n = read(s, buf, sizeof(buf))) > 0) {
		for (j = 0; j < n; j++, off++)
			if (off >= TCP_BYTES || buf[j] != pattern(off, dir))
				return (off);
	}
	return (n == 0 ? off : UINT32_MAX);
}

static void
in_netns(pid_t holder)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)holder);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    setns(fd, CLONE_NEWNET) == -1)
		atf_tc_fail("setns %s: %s", path, strerror(errno));
	close(fd);
}

/* The far end: accepts, checks what comes, sends its own back. */
static pid_t
far_end(pid_t holder)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(TCP_PORT) };
	int self, l, s, one = 1;
	uint32_t got;
	pid_t child;

	if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1)
		atf_tc_fail("/proc/self/ns/net: %s", strerror(errno));
	in_netns(holder);
	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 1) == -1)
		atf_tc_fail("listen in the peer namespace: %s",
		    strerror(errno));
	if (setns(self, CLONE_NEWNET) == -1)
		atf_tc_fail("setns back: %s", strerror(errno));
	close(self);
	fflush(stdout);
	if ((child = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (child == 0) {
		if ((s = accept(l, NULL, NULL)) == -1) {
			child_says("accept: %s", strerror(errno));
			_exit(1);
		}
		if ((got = check_pattern(s, 0)) != TCP_BYTES) {
			child_says("byte %u of %d from the TAP side wrong or "
			    "missing", got, TCP_BYTES);
			_exit(1);
		}
		if (send_pattern(s, 1) == -1) {
			child_says("send: %s", strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	vkt_adopt(child);
	close(l);
	return (child);
}

static void
ip(const char *ns, const char *arg0, ...)
{
	const char *argv[16] = { NULL };
	struct vkt_run r;
	va_list ap;
	int n = 0;

	if (ns != NULL) {
		argv[n++] = "nsenter";
		argv[n++] = "-t";
		argv[n++] = ns;
		argv[n++] = "-n";
	}
	argv[n++] = "ip";
	va_start(ap, arg0);
	for (argv[n++] = arg0; (argv[n] = va_arg(ap, const char *)) != NULL;
	    n++)
		if (n == (int)nitems(argv) - 2)
			atf_tc_fail("ip: too many arguments");
	va_end(ap);
	vkt_run(&r, NULL, argv[0], argv[1], argv[2], argv[3], argv[4],
	    argv[5], argv[6], argv[7], argv[8], argv[9], argv[10], argv[11],
	    argv[12], argv[13], argv[14], NULL);
	if (r.status != 0)
		atf_tc_fail("%s %s ... exited %d: %s", argv[0], argv[1],
		    r.status, vkt_flat(r.err));
}

VKT_TC(every_tcp_retransmit_was_a_vknetd_drop,
    "32 MiB each way over TCP between the namespace behind vknetd's TAP "
    "and one behind a vde_plug TAP client arrive byte for byte, and "
    "vknetd drops nothing: backpressure on the TAP, not loss")
{
	const char *holder_argv[] = { "unshare", "-n", "sleep", "60", NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(TCP_PORT) };
	char ns[16], self_ns[64], its_ns[64], path[64];
	pid_t pid, holder, plug, far;
	struct vkt_run r;
	struct drops d;
	long long end;
	uint32_t got;
	int s, status;

	vkt_setup();
	if (access("/usr/bin/vde_plug", X_OK) == -1)
		atf_tc_skip("needs vde_plug: run tools/depends.sh");
	pid = vkt_daemon("-U", VKT_NET, NULL);
	{
		const char *plug_argv[] = { VKNET_PATH, "-E", VKT_SOCK,
		    "vde_plug", "seqpacket://{}", "tap://" PEER_TAP, NULL };

		plug = vkt_spawn(NULL, plug_argv);
	}
	holder = vkt_spawn(NULL, holder_argv);
	snprintf(ns, sizeof(ns), "%d", (int)holder);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)holder);
	memset(self_ns, 0, sizeof(self_ns));
	(void)readlink("/proc/self/ns/net", self_ns, sizeof(self_ns) - 1);
	for (end = clock_ms() + VKT_RUN_MS;; vkt_nap(10)) {
		memset(its_ns, 0, sizeof(its_ns));
		if (vkt_if_exists(PEER_TAP) &&
		    readlink(path, its_ns, sizeof(its_ns) - 1) > 0 &&
		    strcmp(its_ns, self_ns) != 0)
			break;
		if (!vkt_alive(plug)) {
			vkt_output(plug, &r);
			atf_tc_fail("vknet -E vde_plug exited: %s",
			    vkt_flat(r.err));
		}
		if (clock_ms() >= end)
			atf_tc_fail("no TAP %s from vde_plug within %d ms",
			    PEER_TAP, VKT_RUN_MS);
	}
	ip(NULL, "link", "set", PEER_TAP, "netns", ns, NULL);
	ip(ns, "addr", "add", PEER_ADDR, "dev", PEER_TAP, NULL);
	ip(ns, "link", "set", PEER_TAP, "up", NULL);

	far = far_end(holder);
	sin.sin_addr.s_addr = vkt_ip("198.51.100.2");
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		atf_tc_fail("socket: %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		atf_tc_fail("connect 198.51.100.2: %s", strerror(errno));
	if (send_pattern(s, 0) == -1)
		atf_tc_fail("sending to the TAP client's side: %s",
		    strerror(errno));
	got = check_pattern(s, 1);
	close(s);
	status = vkt_wait(far, TCP_MS);
	ATF_CHECK_EQ_MSG(status, 0, "the far end exited %d: %s", status,
	    child_said());
	ATF_CHECK_MSG(got == TCP_BYTES, "byte %u of %d from the TAP "
	    "client's side wrong or missing", got, TCP_BYTES);
	drops_of(0, &d);
	ATF_CHECK_EQ_MSG(d.all, 0, "vknetd dropped %llu frames (%llu as "
	    "stalled peer)", d.all, d.stalled);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, slow_reader_gets_every_frame);
	ATF_TP_ADD_TC(tp, stream_client_slow_reader);
	ATF_TP_ADD_TC(tp, stopped_client_declared_stalled);
	ATF_TP_ADD_TC(tp, queue_bounds_hold_under_flood);
	ATF_TP_ADD_TC(tp, every_tcp_retransmit_was_a_vknetd_drop);
	return (atf_no_error());
}
