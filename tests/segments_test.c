/*
 * Storm control, the loop guard and VLANs (issue 17), as a user sees
 * them: the real daemon in a network namespace of its own (see vkt.h),
 * clients on its sockets, vknet(1) links between daemons, and the
 * host's own VLAN interfaces on a trunk TAP.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Clock ticks a process has run, user and system. */
static long long
cpu_ticks(pid_t pid)
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
	int c[NSW], i, j, n;
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
	for (i = 0; i < NSW; i++)
		(void)vkt_stop(link[i]);
	for (i = 0; i < NSW; i++)
		ATF_CHECK_EQ(vkt_stop(pid[i]), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, storm_limited_others_unharmed);
	ATF_TP_ADD_TC(tp, storm_off_with_L0);
	ATF_TP_ADD_TC(tp, loop_triangle_blocked);
	return (atf_no_error());
}
