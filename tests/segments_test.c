/*
 * Storm control, the loop guard and VLANs (issue 17), as a user sees
 * them: the real daemon in a network namespace of its own (see vkt.h),
 * clients on its sockets, vknet(1) links between daemons, and the
 * host's own VLAN interfaces on a trunk TAP.
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/if_packet.h>

#include <net/if.h>

#include <atf-c.h>
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loopguard.h"
#include "vkt.h"

#define NIDLE		1000	/* idle clients beside a storm */
#define STORM_MS	2000	/* how long a guest storms */
#define STORM_RATE	50	/* its -L */
#define STORM_BURST	10
#define NPING		500	/* round trips measured while idle */
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

enum { A = 1, B, C, D };		/* clients' MACs are vkt_mac(n) */

static const uint8_t nobody[MAC_LEN] = { 0x02, 0, 0, 0, 0, 0xfe };

/* The next frame on fd from a client other than n, or -1. */
static ssize_t
recv_not_from(int fd, void *buf, unsigned int n, int ms)
{
	uint8_t mac[MAC_LEN];
	ssize_t len;

	vkt_mac(mac, n);
	do
		len = vkt_recv(fd, buf, ms);
	while (len >= ETHER_HDR &&
	    memcmp((uint8_t *)buf + MAC_LEN, mac, MAC_LEN) == 0);
	return (len);
}

/* One round trip from client B (fd b) to C (fd c) and back, in µs. */
static long long
round_trip(int b, int c, uint32_t seq)
{
	static uint8_t got[VKT_BUFSZ];
	uint8_t f[64], mb[MAC_LEN], mc[MAC_LEN];
	struct timespec t0, t1;
	size_t len;

	vkt_mac(mb, B);
	vkt_mac(mc, C);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	len = vkt_frame(f, mc, mb, seq);
	vkt_send(b, f, len);
	if (recv_not_from(c, got, A, VKT_WAIT_MS) != (ssize_t)len ||
	    memcmp(got, f, len) != 0)
		atf_tc_fail("round trip %u: C did not get B's frame", seq);
	len = vkt_frame(f, mb, mc, seq);
	vkt_send(c, f, len);
	if (recv_not_from(b, got, A, VKT_WAIT_MS) != (ssize_t)len ||
	    memcmp(got, f, len) != 0)
		atf_tc_fail("round trip %u: B did not get C's answer", seq);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0.tv_sec) * 1000000LL +
	    (t1.tv_nsec - t0.tv_nsec) / 1000);
}

static int
by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x < y ? -1 : x > y);
}

static long long
p99(long long *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), by_value);
	return (v[n * 99 / 100]);
}

/* Client n says hello to nobody, so that the switch learns it. */
static void
hello(int fd, unsigned int n)
{
	uint8_t f[64];
	size_t len;

	vkt_send_tagged(fd, nobody, n, 0, f, &len);
}

/* Read fd until nothing comes for a while; how many frames from n. */
static unsigned long long
drain_from(int fd, unsigned int n)
{
	static uint8_t got[VKT_BUFSZ];
	uint8_t mac[MAC_LEN];
	unsigned long long count = 0;
	ssize_t len;

	vkt_mac(mac, n);
	while ((len = vkt_recv(fd, got, VKT_NONE_MS)) != -1)
		if (len >= ETHER_HDR && memcmp(got + MAC_LEN, mac, MAC_LEN) == 0)
			count++;
	return (count);
}

/* Client A (fd a) broadcasts for STORM_MS; how many, on fd out. */
static void __attribute__((noreturn))
send_storm(int a, int out)
{
	uint8_t f[64], mac[MAC_LEN];
	unsigned long long n;
	long long end = clock_ms() + STORM_MS;
	size_t len;

	vkt_mac(mac, A);
	for (n = 0; clock_ms() < end; n++) {
		len = vkt_frame(f, fr_bcast, mac, (uint32_t)n);
		if (send(a, f, len, MSG_NOSIGNAL) != (ssize_t)len)
			_exit(1);
	}
	_exit(write(out, &n, sizeof(n)) == sizeof(n) ? 0 : 1);
}

VKT_TC(storm_limited_others_unharmed,
    "A guest flooding broadcasts beside 1000 idle clients gets no more "
    "than -L allows through, the rest counted as storm, and two other "
    "guests' round trips go on meanwhile")
{
	static long long idle[NPING], loaded[1 << 16];
	static int idlers[NIDLE];
	char port[16];
	unsigned long long storm, got, sent;
	long long t0, ms;
	int a, b, c, d, i, status, count[2], nloaded = 0;
	pid_t pid, flooder;

	vkt_setup();
	vkt_raise_nofile(NIDLE + 64);
	snprintf(port, sizeof(port), "%d:%d", STORM_RATE, STORM_BURST);
	pid = vkt_daemon("-U", "-L", port, NULL);
	a = vkt_client();
	b = vkt_client();
	c = vkt_client();
	d = vkt_client();
	hello(b, B);
	hello(c, C);
	(void)drain_from(b, C);
	(void)drain_from(c, B);
	(void)drain_from(d, B);
	for (i = 0; i < NIDLE; i++)
		idlers[i] = vkt_connect(VKT_SOCK);
	vkt_sync();
	for (i = 0; i < NPING; i++)
		idle[i] = round_trip(b, c, (uint32_t)i);

	if (pipe(count) == -1)
		atf_tc_fail("pipe: %s", strerror(errno));
	fflush(stdout);
	if ((flooder = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (flooder == 0)
		send_storm(a, count[1]);
	vkt_adopt(flooder);
	close(count[1]);
	t0 = clock_ms();
	while ((status = vkt_wait(flooder, 0)) == -1 &&
	    nloaded < (int)nitems(loaded)) {
		loaded[nloaded] = round_trip(b, c, (uint32_t)nloaded);
		nloaded++;
	}
	ms = clock_ms() - t0;
	if (status == -1)
		status = vkt_wait(flooder, VKT_RUN_MS);
	ATF_REQUIRE_EQ_MSG(status, 0, "the flooding guest could not send");
	ATF_REQUIRE(read(count[0], &sent, sizeof(sent)) == sizeof(sent));
	close(count[0]);

	got = drain_from(d, A);
	/* A short table for -s, the idle clients' rows gone. */
	vkt_close_all(idlers, NIDLE);
	snprintf(port, sizeof(port), "%d", vkt_port_of(VKT_SOCK, A));
	storm = vkt_port_stat(VKT_SOCK, port, "STORM");
	printf("%d round trips idle, p99 %lld us; %d during a %lld ms "
	    "storm of %llu broadcasts, p99 %lld us; %llu let through\n",
	    NPING, p99(idle, NPING), nloaded, ms, sent,
	    nloaded > 0 ? p99(loaded, nloaded) : -1, got);
	ATF_CHECK_EQ_MSG(storm + got, sent, "%llu dropped as storm and "
	    "%llu delivered of %llu", storm, got, sent);
	ATF_CHECK_MSG(got <= (unsigned long long)(STORM_BURST +
	    STORM_RATE * (ms + 1000) / 1000),
	    "%llu broadcasts in %lld ms passed a limit of %d a second",
	    got, ms, STORM_RATE);
	ATF_CHECK_MSG(got >= STORM_BURST, "only %llu broadcasts passed, "
	    "less than the burst of %d", got, STORM_BURST);
	ATF_CHECK_MSG(nloaded > 0, "no round trip during the storm");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(storm_off_with_L0,
    "-L 0 lets every broadcast through")
{
	uint8_t f[64];
	char port[16];
	size_t len;
	int a, b, i;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", "-L", "0", NULL);
	a = vkt_client();
	b = vkt_client();
	for (i = 0; i < 1000; i++) {
		vkt_send_tagged(a, fr_bcast, A, (uint32_t)i, f, &len);
		vkt_expect(b, "B, A's broadcast", f, len);
	}
	snprintf(port, sizeof(port), "%d", vkt_port_of(VKT_SOCK, A));
	ATF_CHECK_EQ(vkt_port_stat(VKT_SOCK, port, "STORM"), 0);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * The loop guard.  Three switches, each with a client, joined in a
 * ring by three vknet links.
 */
#define NSW		3
#define BLOCK_MS	2000	/* a loop must be blocked within this */

static const char *const sock[NSW] = { "./a.sock", "./b.sock", "./c.sock" };
static const char *const pidf[NSW] = { "./a.pid", "./b.pid", "./c.pid" };

/* vknet from switch i to switch j, through the loopback "ssh". */
static pid_t
link_switches(int i, int j)
{
	char remote[64];
	const char *argv[] = { VKNET_PATH, sock[i], remote, NULL };

	snprintf(remote, sizeof(remote), "localhost:%s", sock[j]);
	return (vkt_spawn(NULL, argv));
}

/* Has the log a line that port (its "port N (kind" start) was blocked? */
static int
loop_line(const char *log, const char *port)
{
	const char *p, *end;

	for (p = log; (p = strstr(p, port)) != NULL; p++) {
		end = strchr(p, '\n');
		if (strstr(p, "): loop: ") != NULL && (end == NULL ||
		    strstr(p, "): loop: ") < end))
			return (1);
	}
	return (0);
}

/* How many lines of the daemons' logs say they blocked a port for a loop. */
static int
blocks_logged(const pid_t *pid, int n)
{
	struct vkt_run r;
	const char *p;
	int i, count = 0;

	for (i = 0; i < n; i++) {
		vkt_output(pid[i], &r);
		for (p = r.err; (p = strstr(p, "): loop: ")) != NULL; p++)
			count++;
	}
	return (count);
}

/*
 * Connections the daemon on path has accepted: in /proc/net/unix its
 * end of each shows the path, with "St" 03.
 */
static int
accepted_on(const char *path)
{
	char line[512];
	size_t plen = strlen(path);
	unsigned int st;
	size_t len;
	FILE *fp;
	int n = 0;

	if ((fp = fopen("/proc/net/unix", "re")) == NULL)
		atf_tc_fail("/proc/net/unix: %s", strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		len = strcspn(line, "\n");
		line[len] = '\0';
		if (sscanf(line, "%*s %*s %*s %*s %*s %x", &st) == 1 &&
		    st == 3 && len > plen &&
		    strcmp(line + len - plen, path) == 0 &&
		    line[len - plen - 1] == ' ')
			n++;
	}
	fclose(fp);
	return (n);
}

static pid_t
parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return (-1);
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		(void)sscanf(p + 2, "%*c %d", &ppid);
	fclose(fp);
	return ((pid_t)ppid);
}

/*
 * Which link the blocked port is an end of: its peer is that link's
 * vknet, or the vknet -S the loopback ssh of that vknet became.
 */
static int
blocked_link(const pid_t *pid, const pid_t *link)
{
	struct vkt_run r;
	const char *p;
	int i, k, peer;

	for (i = 0; i < NSW; i++) {
		vkt_output(pid[i], &r);
		if ((p = strstr(r.err, "): loop: ")) == NULL)
			continue;
		while (p > r.err && strncmp(p, "pid ", 4) != 0)
			p--;
		peer = atoi(p + 4);
		for (k = 0; k < NSW; k++)
			if (link[k] == peer || link[k] == parent_of(peer))
				return (k);
	}
	atf_tc_fail("no link is the blocked port's");
}

static int
unblocked_logged(const pid_t *pid)
{
	struct vkt_run r;
	int i;

	for (i = 0; i < NSW; i++) {
		vkt_output(pid[i], &r);
		if (strstr(r.err, "unblocked") != NULL)
			return (1);
	}
	return (0);
}

/* Clock ticks one process has run, user and system. */
static long long
ticks_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	if (fgets(buf, sizeof(buf), fp) == NULL)
		atf_tc_fail("%s: empty", path);
	fclose(fp);
	/* After the command's name in parentheses: fields 3 on; 14 and 15. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
	    &st) != 2)
		atf_tc_fail("%s: not understood", path);
	return ((long long)(ut + st));
}

/*
 * Clock ticks a daemon has run: its own and its switch process's, the
 * child that does the work (see vknetd.8, PRIVILEGE SEPARATION).
 */
static long long
cpu_ticks(pid_t pid)
{
	char path[64];
	long long sum = ticks_of(pid);
	FILE *fp;
	int child;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	while (fscanf(fp, "%d", &child) == 1)
		sum += ticks_of((pid_t)child);
	fclose(fp);
	return (sum);
}

/* Copies of the frame f that reach fd until none has for quiet ms. */
static int
copies(int fd, const uint8_t *f, size_t len, int quiet)
{
	static uint8_t got[VKT_BUFSZ];
	ssize_t n;
	int count = 0;

	while ((n = vkt_recv(fd, got, quiet)) != -1)
		if ((size_t)n == len && memcmp(got, f, len) == 0)
			count++;
	return (count);
}

VKT_TC(loop_triangle_blocked,
    "Three switches joined in a ring by vknet: one port is blocked within "
    "2 s, a broadcast stops going round, the daemons go idle, and unicast "
    "among the three still works")
{
	pid_t pid[NSW], link[NSW];
	uint8_t f[64], mac[MAC_LEN];
	long long t0, blocked_ms, ticks[NSW];
	int c[NSW], i, j, k, n;
	size_t len;

	vkt_setup();
	vkt_loopback_ssh();
	for (i = 0; i < NSW; i++)
		pid[i] = vkt_daemon("-U", "-p", sock[i], "-i", pidf[i], NULL);
	for (i = 0; i < NSW; i++)
		c[i] = vkt_connect(sock[i]);
	vkt_sync();
	/* A line, A-B-C: a broadcast from A reaches C once. */
	link[0] = link_switches(0, 1);
	link[1] = link_switches(1, 2);
	for (t0 = clock_ms();;) {
		vkt_send_tagged(c[0], fr_bcast, A, 0, f, &len);
		if (vkt_recv(c[2], f, 100) != -1)
			break;
		if (clock_ms() - t0 > VKT_RUN_MS)
			atf_tc_fail("no frame crossed A-B-C in %d ms",
			    VKT_RUN_MS);
	}
	for (i = 0; i < NSW; i++)
		(void)copies(c[i], f, 0, VKT_NONE_MS);
	ATF_REQUIRE_EQ_MSG(blocks_logged(pid, NSW), 0, "a port was blocked "
	    "with no loop");

	/* C-A closes the ring; one broadcast, sent as it closes. */
	t0 = clock_ms();
	link[2] = link_switches(2, 0);
	/* The client and two links, once the far end of C-A has come. */
	while (accepted_on(sock[0]) < 3 && clock_ms() - t0 < VKT_RUN_MS)
		vkt_nap(1);
	vkt_send_tagged(c[0], fr_bcast, A, 1, f, &len);
	while ((n = blocks_logged(pid, NSW)) == 0 && clock_ms() - t0 < 5000)
		vkt_nap(10);
	blocked_ms = clock_ms() - t0;
	n = copies(c[1], f, len, 1000);
	printf("blocked after %lld ms; B got the broadcast %d times\n",
	    blocked_ms, n);
	/*
	 * The others got the storm too: read it all, or a client that
	 * did not read for a while is declared stalled and loses what
	 * comes next (see vknetd.8, QUEUES).
	 */
	(void)copies(c[0], f, 0, VKT_NONE_MS);
	(void)copies(c[2], f, 0, VKT_NONE_MS);
	ATF_REQUIRE_EQ_MSG(blocks_logged(pid, NSW), 1, "%d ports blocked, "
	    "not one", blocks_logged(pid, NSW));
	ATF_CHECK_MSG(blocked_ms <= BLOCK_MS, "blocked after %lld ms",
	    blocked_ms);
	ATF_CHECK_MSG(n >= 1 && n <= 1000, "B got one broadcast %d times", n);
	vkt_send_tagged(c[1], fr_bcast, B, 2, f, &len);
	ATF_CHECK_EQ_MSG(copies(c[0], f, len, 1000), 1, "A got B's "
	    "broadcast other than once, after the block");

	for (i = 0; i < NSW; i++)
		ticks[i] = cpu_ticks(pid[i]);
	vkt_nap(1000);
	for (i = 0; i < NSW; i++) {
		ticks[i] = cpu_ticks(pid[i]) - ticks[i];
		printf("switch %d: %lld ticks in 1 s\n", i, ticks[i]);
		ATF_CHECK_MSG(ticks[i] <= 10, "switch %d still ran %lld "
		    "ticks in a second", i, ticks[i]);
	}

	/* Each says hello, is learned, and gets unicast from the others. */
	for (i = 0; i < NSW; i++) {
		vkt_send_tagged(c[i], fr_bcast, (unsigned int)i + A, 3, f,
		    &len);
		for (j = 0; j < NSW; j++)
			if (j != i)
				ATF_CHECK_EQ_MSG(copies(c[j], f, len,
				    VKT_NONE_MS), 1, "client %d got client "
				    "%d's hello other than once", j, i);
	}
	for (i = 0; i < NSW; i++)
		for (j = 0; j < NSW; j++) {
			if (j == i)
				continue;
			vkt_mac(mac, (unsigned int)j + A);
			vkt_send_tagged(c[i], mac, (unsigned int)i + A, 4, f,
			    &len);
			vkt_expect(c[j], "unicast across the ring", f, len);
		}

	/*
	 * Another link goes: the loop is gone, and the blocked one is let
	 * go once no probe has come back for the hold time.
	 */
	k = blocked_link(pid, link);
	j = (k + 1) % NSW;
	(void)vkt_stop(link[j]);
	t0 = clock_ms();
	while (!unblocked_logged(pid) && clock_ms() - t0 < PROBE_HOLD_MS +
	    3000)
		vkt_nap(50);
	printf("unblocked %lld ms after the loop went\n", clock_ms() - t0);
	ATF_REQUIRE_MSG(unblocked_logged(pid), "the blocked link was not "
	    "let go within %d ms of the loop's end", PROBE_HOLD_MS + 3000);
	/* Both ends of link j: clients j and j + 1 meet through the rest. */
	for (i = j; i != (j + 2) % NSW; i = (i + 1) % NSW)
		vkt_send_tagged(c[i], fr_bcast, (unsigned int)i + A, 5, f,
		    &len);
	for (i = 0; i < NSW; i++)
		(void)copies(c[i], f, 0, VKT_NONE_MS);
	i = (j + 1) % NSW;
	vkt_mac(mac, (unsigned int)j + A);
	vkt_send_tagged(c[i], mac, (unsigned int)i + A, 6, f, &len);
	vkt_expect(c[j], "unicast the other way round, once unblocked", f,
	    len);
	for (i = 0; i < NSW; i++)
		if (i != j)
			(void)vkt_stop(link[i]);
	for (i = 0; i < NSW; i++)
		ATF_CHECK_EQ(vkt_stop(pid[i]), 0);
}

/* The next loop probe on fd, raw: vkt_recv() leaves probes out. */
static ssize_t
recv_probe(int fd, uint8_t *buf, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long end = clock_ms() + ms;
	ssize_t n;

	while (poll(&pfd, 1, (int)(end - clock_ms())) == 1) {
		if ((n = recv(fd, buf, VKT_BUFSZ, 0)) == -1)
			atf_tc_fail("recv: %s", strerror(errno));
		if (probe_is(buf, (size_t)n))
			return (n);
	}
	return (-1);
}

VKT_TC(loop_probe_sent_back_by_guest,
    "A guest that sends the switch's probe back, with any port number "
    "in it, blocks at most its own port; the others carry on")
{
	static uint8_t p[VKT_BUFSZ], q[VKT_BUFSZ];
	uint8_t f[64], mb[MAC_LEN];
	struct vkt_run r;
	char pa[32], pb[32];
	int a, b, i, obs, pa_id;
	size_t len;
	ssize_t n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	a = vkt_client();
	b = vkt_client();
	/* Two addresses behind A: a bridge, as far as the switch knows. */
	vkt_send_tagged(a, fr_bcast, A, 0, f, &len);
	vkt_send_tagged(a, fr_bcast, C, 0, f, &len);
	vkt_send_tagged(b, fr_bcast, B, 0, f, &len);
	pa_id = vkt_port_of(VKT_SOCK, A);
	ATF_REQUIRE_MSG((n = recv_probe(a, p, 3000)) > 0, "no probe for a "
	    "port with two addresses behind it in 3 s");
	ATF_CHECK_MSG(recv_probe(b, q, 1500) == -1, "a probe for a guest "
	    "of one address");
	/* Port numbers from 0xffffffff down to ones in use, then as sent. */
	for (i = 0; i < 4; i++) {
		p[ETHER_HDR + 16] = p[ETHER_HDR + 17] = 0xff;
		p[ETHER_HDR + 18] = p[ETHER_HDR + 19] = (uint8_t)(0xff - i);
		vkt_send(a, p, (size_t)n);
	}
	for (i = 0; i < 3; i++) {
		p[ETHER_HDR + 16] = p[ETHER_HDR + 17] = 0;
		p[ETHER_HDR + 18] = 0;
		p[ETHER_HDR + 19] = (uint8_t)i;
		vkt_send(a, p, (size_t)n);
	}
	vkt_mac(mb, B);
	vkt_send_tagged(a, mb, A, 1, f, &len);
	vkt_nap(100);
	ATF_REQUIRE_MSG(vkt_alive(pid), "vknetd died of a probe sent back");
	vkt_output(pid, &r);
	snprintf(pa, sizeof(pa), "port %d (client", pa_id);
	snprintf(pb, sizeof(pb), "port %d (client", vkt_port_of(VKT_SOCK, B));
	ATF_CHECK_MSG(loop_line(r.err, pa) && !loop_line(r.err, pb),
	    "not A's port alone blocked: %s", vkt_flat(r.err));
	vkt_expect_none(b, "B, from A's blocked port", VKT_NONE_MS);
	snprintf(pa, sizeof(pa), "%d", pa_id);
	ATF_CHECK(vkt_port_stat(VKT_SOCK, pa, "LOOP-GUARD") > 0);
	obs = vkt_observer();
	vkt_send_tagged(b, fr_bcast, B, 2, f, &len);
	vkt_expect(obs, "the host, B's broadcast", f, len);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * VLANs.
 */
#define V10		"./v10.sock"
#define V20		"./v20.sock"
#define HOST10		"203.0.113.1"
#define GUEST10		"203.0.113.2"

/* What none of fds gets: frame `what' must not cross into them. */
static void
expect_none_at(const int *fd, int n, const char *what)
{
	int i;

	for (i = 0; i < n; i++)
		vkt_expect_none(fd[i], what, i == 0 ? VKT_NONE_MS : 50);
}

/* Lines of vknetd -s that begin with client n's MAC. */
static int
mac_rows(const char *path, unsigned int n)
{
	struct vkt_run r;
	char mac[MAC_STRLEN], *p;
	uint8_t m[MAC_LEN];
	int count = 0;

	vkt_mac(m, n);
	mac_fmt(mac, m);
	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", path, NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "vknetd -s: %s", vkt_flat(r.err));
	for (p = r.out; (p = strstr(p, mac)) != NULL; p++)
		if (p == r.out || p[-1] == '\n')
			count++;
	return (count);
}

VKT_TC(vlan_isolation,
    "Broadcast and unknown unicast in VLAN 10 never reach VLAN 20, VLAN 1 "
    "or the host, nor the other way; the same MAC in two VLANs is two "
    "entries, each reached in its own VLAN")
{
	uint8_t f[64], ma[MAC_LEN];
	int a, b, c, e, d, obs, out[4];
	size_t len;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", "-V", "10:" V10, "-V", "20:" V20, NULL);
	obs = vkt_observer();
	a = vkt_connect(V10);
	b = vkt_connect(V10);
	c = vkt_connect(V20);
	e = vkt_connect(V20);
	d = vkt_connect(VKT_SOCK);
	vkt_sync();
	out[0] = c, out[1] = e, out[2] = d, out[3] = obs;
	vkt_send_tagged(a, fr_bcast, A, 1, f, &len);
	vkt_expect(b, "VLAN 10, a broadcast in it", f, len);
	expect_none_at(out, 4, "a broadcast of VLAN 10");
	vkt_send_tagged(a, nobody, A, 2, f, &len);
	vkt_expect(b, "VLAN 10, an unknown unicast in it", f, len);
	expect_none_at(out, 4, "an unknown unicast of VLAN 10");
	/* VLAN 20, from the same MAC as A's in VLAN 10. */
	out[0] = a, out[1] = b;
	vkt_send_tagged(c, fr_bcast, A, 3, f, &len);
	vkt_expect(e, "VLAN 20, a broadcast in it", f, len);
	expect_none_at(out, 4, "a broadcast of VLAN 20");
	vkt_send_tagged(d, fr_bcast, D, 4, f, &len);
	vkt_expect(obs, "the host, a broadcast of VLAN 1", f, len);
	out[2] = c, out[3] = e;
	expect_none_at(out, 4, "a broadcast of VLAN 1");
	ATF_CHECK_EQ_MSG(mac_rows(VKT_SOCK, A), 2, "A's MAC is not two "
	    "entries");
	vkt_mac(ma, A);
	vkt_send_tagged(b, ma, B, 5, f, &len);
	vkt_expect(a, "A in VLAN 10, unicast from B", f, len);
	vkt_expect_none(c, "A's namesake in VLAN 20, B's unicast",
	    VKT_NONE_MS);
	vkt_send_tagged(e, ma, C, 6, f, &len);
	vkt_expect(c, "A's namesake in VLAN 20, unicast from E", f, len);
	vkt_expect_none(a, "A in VLAN 10, E's unicast", VKT_NONE_MS);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/* A shell command that must succeed, such as ip(8) setting up a host. */
static void
sh(const char *fmt, ...)
{
	char cmd[512];
	struct vkt_run r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	vkt_run(&r, NULL, "/bin/sh", "-c", cmd, NULL);
	if (r.status != 0)
		atf_tc_fail("%s: exit %d: %s", cmd, r.status,
		    vkt_flat(r.err));
}

VKT_TC(vlan_trunk_tap_ping,
    "With -T the TAP is a trunk: the host's VLAN interface on it and a "
    "guest of VLAN 10 ping each other")
{
	char sub[IFNAMSIZ + 8], cmd[256];
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", "-T", "10,20", "-V", "10:" V10, NULL);
	snprintf(sub, sizeof(sub), "%s.10", vkt_tap);
	snprintf(cmd, sizeof(cmd), "ip link add link %s name %s type vlan "
	    "id 10", vkt_tap, sub);
	vkt_run(&r, NULL, "/bin/sh", "-c", cmd, NULL);
	if (r.status != 0 && strstr(r.err, "Unknown device type") != NULL)
		atf_tc_skip("this kernel has no 802.1Q (8021q) for the "
		    "host's side; vlan_trunk_tap_tags covers the TAP");
	sh("ip addr add %s/24 dev %s && ip link set %s up", HOST10, sub, sub);
	vkt_run(&r, NULL, VKPEER_PATH, "-p", V10, "-m", "02:00:00:00:00:0a",
	    "-a", GUEST10, "-P", HOST10, "-c", "3", NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "vkpeer in VLAN 10 exited %d: %s",
	    r.status, vkt_flat(r.err));
	ATF_CHECK_MSG(strstr(r.out, "reply from " HOST10) != NULL,
	    "no reply from the host's %s: %s", sub, vkt_flat(r.out));
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * The next frame the host's kernel gets on the TAP, as a packet socket
 * sees it: the kernel takes a tag off into the frame's metadata, and
 * PACKET_AUXDATA tells it.  Its VLAN, 0 if it had no tag; -1 if none.
 * The kernel's own frames, on their way out, are left out.
 */
static int
tap_recv(int obs, uint8_t *buf, size_t *len, int ms)
{
	union {
		struct cmsghdr	cm;
		char		buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = { buf, VKT_BUFSZ };
	struct sockaddr_ll from;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd pfd = { .fd = obs, .events = POLLIN };
	struct tpacket_auxdata aux;
	struct cmsghdr *cm;
	long long end = clock_ms() + ms;
	ssize_t n;
	int vid;

	for (;;) {
		if (poll(&pfd, 1, (int)(end - clock_ms())) < 1)
			return (-1);
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_control = &ctl;
		msg.msg_controllen = sizeof(ctl);
		if ((n = recvmsg(obs, &msg, 0)) == -1)
			atf_tc_fail("recvmsg: %s", strerror(errno));
		/* Not the test's: the kernel's own, or the switch's. */
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    probe_is(buf, (size_t)n))
			continue;
		vid = 0;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_PACKET &&
			    cm->cmsg_type == PACKET_AUXDATA) {
				memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
				if (aux.tp_status & TP_STATUS_VLAN_VALID)
					vid = aux.tp_vlan_tci & 0xfff;
			}
		*len = (size_t)n;
		return (vid);
	}
}

VKT_TC(vlan_trunk_tap_tags,
    "With -T the TAP is a trunk: the host gets VLAN 10's frames tagged "
    "10 and VLAN 1's untagged, and what it sends tagged 10 reaches VLAN "
    "10 only, untagged")
{
	uint8_t f[64], got[VKT_BUFSZ], t[68], mac[MAC_LEN];
	struct sockaddr_ll sll;
	int d, g, obs, on = 1;
	size_t len, n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", "-T", "10,20", "-V", "10:" V10, NULL);
	obs = vkt_observer();
	if (setsockopt(obs, SOL_PACKET, PACKET_AUXDATA, &on,
	    sizeof(on)) == -1)
		atf_tc_fail("PACKET_AUXDATA: %s", strerror(errno));
	d = vkt_connect(VKT_SOCK);
	g = vkt_connect(V10);
	vkt_sync();
	vkt_send_tagged(g, fr_bcast, A, 1, f, &len);
	ATF_REQUIRE_EQ_MSG(tap_recv(obs, got, &n, VKT_WAIT_MS), 10,
	    "VLAN 10's broadcast reached the host other than tagged 10");
	ATF_CHECK_MSG(n == len && memcmp(got, f, len) == 0,
	    "VLAN 10's broadcast changed on its way");
	vkt_send_tagged(d, fr_bcast, D, 2, f, &len);
	ATF_REQUIRE_EQ_MSG(tap_recv(obs, got, &n, VKT_WAIT_MS), 0,
	    "VLAN 1's broadcast reached the host tagged");
	vkt_expect_none(g, "VLAN 10, VLAN 1's broadcast", VKT_NONE_MS);

	/* The host sends in VLAN 10: a tag after the addresses. */
	vkt_mac(mac, B);
	len = vkt_frame(f, fr_bcast, mac, 3);
	memcpy(t, f, 2 * MAC_LEN);
	t[12] = 0x81, t[13] = 0x00, t[14] = 0x00, t[15] = 10;
	memcpy(t + 16, f + 2 * MAC_LEN, len - 2 * MAC_LEN);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(vkt_tap);
	sll.sll_halen = MAC_LEN;
	memcpy(sll.sll_addr, fr_bcast, MAC_LEN);
	if (sendto(obs, t, len + 4, 0, (struct sockaddr *)&sll,
	    sizeof(sll)) != (ssize_t)len + 4)
		atf_tc_fail("send on %s: %s", vkt_tap, strerror(errno));
	vkt_expect(g, "VLAN 10, the host's frame tagged 10, untagged", f,
	    len);
	vkt_expect_none(d, "VLAN 1, the host's frame tagged 10",
	    VKT_NONE_MS);
	/* Tagged for a VLAN the trunk does not carry: dropped, counted. */
	t[15] = 30;
	if (sendto(obs, t, len + 4, 0, (struct sockaddr *)&sll,
	    sizeof(sll)) != (ssize_t)len + 4)
		atf_tc_fail("send on %s: %s", vkt_tap, strerror(errno));
	vkt_expect_none(g, "VLAN 10, a frame tagged 30", VKT_NONE_MS);
	vkt_expect_none(d, "VLAN 1, a frame tagged 30", 50);
	ATF_CHECK_EQ(vkt_port_stat(VKT_SOCK, "0", "VLAN"), 1);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(vlan_trunk_tap_secure,
    "In secure mode the same rules keep VLAN 10's frames off the host as "
    "VLAN 1's: ARP from the subnet reaches it tagged, other ethertypes "
    "do not, counted as filtered")
{
	uint8_t f[128], got[VKT_BUFSZ], mac[MAC_LEN];
	struct fr_arp arp;
	char port[16];
	int g, obs, on = 1;
	size_t len, n;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-T", "10", "-V", "10:" V10, VKT_NET, NULL);
	obs = vkt_observer();
	if (setsockopt(obs, SOL_PACKET, PACKET_AUXDATA, &on,
	    sizeof(on)) == -1)
		atf_tc_fail("PACKET_AUXDATA: %s", strerror(errno));
	g = vkt_connect(V10);
	vkt_sync();
	vkt_mac(mac, A);
	memset(&arp, 0, sizeof(arp));
	arp.op = ARP_REQUEST;
	memcpy(arp.sha, mac, MAC_LEN);
	arp.spa = vkt_ip("198.51.100.7");
	arp.tpa = vkt_ip("198.51.100.1");
	len = fr_arp(f, fr_bcast, mac, &arp);
	vkt_send(g, f, len);
	ATF_REQUIRE_EQ_MSG(tap_recv(obs, got, &n, VKT_WAIT_MS), 10,
	    "VLAN 10's ARP did not reach the host tagged 10");
	ATF_CHECK_MSG(n == len && memcmp(got, f, len) == 0,
	    "VLAN 10's ARP changed on its way");
	vkt_send_tagged(g, fr_bcast, A, 1, f, &len);
	ATF_CHECK_EQ_MSG(tap_recv(obs, got, &n, VKT_NONE_MS), -1,
	    "secure mode let VLAN 10's ethertype 0x%04x into the host",
	    VKT_EXPTYPE);
	snprintf(port, sizeof(port), "%d", vkt_port_of(VKT_SOCK, A));
	ATF_CHECK_EQ(vkt_port_stat(VKT_SOCK, port, "FILTERED"), 1);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Two switches, each with a trunk socket and access sockets of VLANs
 * 10 and 20, joined trunk to trunk by vknet.
 */
VKT_TC(vlan_trunk_through_vknet,
    "A vknet link between two trunk sockets carries VLANs 10 and 20, "
    "and VLAN 1 untagged, each to its own VLAN on the other switch; a "
    "VLAN 1 guest's own tag does not take its frame into VLAN 20")
{
	static const char *const v[2][3] = {
		{ "./a.sock", "./a10.sock", "./a20.sock" },
		{ "./b.sock", "./b10.sock", "./b20.sock" } };
	const char *argv[] = { VKNET_PATH, "./at.sock", "localhost:./bt.sock",
	    NULL };
	uint8_t f[64], t[68], mac[MAC_LEN];
	int c[2][3], i, j, k;
	long long t0;
	size_t len;
	pid_t pid[2], link;

	vkt_setup();
	vkt_loopback_ssh();
	pid[0] = vkt_daemon("-U", "-p", v[0][0], "-i", "./a.pid", "-V",
	    "trunk:10,20:./at.sock", "-V", "10:./a10.sock", "-V",
	    "20:./a20.sock", NULL);
	pid[1] = vkt_daemon("-U", "-p", v[1][0], "-i", "./b.pid", "-V",
	    "trunk:10,20:./bt.sock", "-V", "10:./b10.sock", "-V",
	    "20:./b20.sock", NULL);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			c[i][j] = vkt_connect(v[i][j]);
	vkt_sync();
	link = vkt_spawn(NULL, argv);
	for (t0 = clock_ms();;) {
		vkt_send_tagged(c[0][1], fr_bcast, A, 0, f, &len);
		if (vkt_recv(c[1][1], t, 100) != -1)
			break;
		if (clock_ms() - t0 > VKT_RUN_MS)
			atf_tc_fail("nothing crossed the trunk in %d ms",
			    VKT_RUN_MS);
	}
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			(void)drain_from(c[i][j], A);

	/* VLAN j's broadcast from switch A reaches VLAN j on B, only. */
	for (j = 0; j < 3; j++) {
		vkt_send_tagged(c[0][j], fr_bcast, (unsigned int)j + A,
		    (uint32_t)j + 1, f, &len);
		vkt_expect(c[1][j], "B, its VLAN's broadcast from A", f, len);
		for (k = 0; k < 3; k++)
			if (k != j)
				vkt_expect_none(c[1][k], "B, another VLAN's "
				    "broadcast from A", k == 0 || (j == 0 &&
				    k == 1) ? VKT_NONE_MS : 50);
	}
	/* And learned unicast comes back the same way. */
	for (j = 0; j < 3; j++) {
		vkt_mac(mac, (unsigned int)j + A);
		vkt_send_tagged(c[1][j], mac, D, 10, f, &len);
		vkt_expect(c[0][j], "A, unicast from its VLAN on B", f, len);
	}
	/* A guest of VLAN 1 that tags its frame for VLAN 20 stays in 1. */
	vkt_mac(mac, C);
	len = vkt_frame(f, fr_bcast, mac, 20);
	memcpy(t, f, 2 * MAC_LEN);
	t[12] = 0x81, t[13] = 0x00, t[14] = 0x00, t[15] = 20;
	memcpy(t + 16, f + 2 * MAC_LEN, len - 2 * MAC_LEN);
	vkt_send(c[0][0], t, len + 4);
	vkt_expect(c[1][0], "B, VLAN 1, the guest's tagged frame intact", t,
	    len + 4);
	vkt_expect_none(c[1][2], "B, VLAN 20, a VLAN 1 guest's tagged frame",
	    VKT_NONE_MS);
	(void)vkt_stop(link);
	for (i = 0; i < 2; i++)
		ATF_CHECK_EQ(vkt_stop(pid[i]), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, storm_limited_others_unharmed);
	ATF_TP_ADD_TC(tp, storm_off_with_L0);
	ATF_TP_ADD_TC(tp, loop_triangle_blocked);
	ATF_TP_ADD_TC(tp, loop_probe_sent_back_by_guest);
	ATF_TP_ADD_TC(tp, vlan_isolation);
	ATF_TP_ADD_TC(tp, vlan_trunk_tap_ping);
	ATF_TP_ADD_TC(tp, vlan_trunk_tap_tags);
	ATF_TP_ADD_TC(tp, vlan_trunk_tap_secure);
	ATF_TP_ADD_TC(tp, vlan_trunk_through_vknet);
	return (atf_no_error());
}
