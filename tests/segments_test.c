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

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, storm_limited_others_unharmed);
	ATF_TP_ADD_TC(tp, storm_off_with_L0);
	return (atf_no_error());
}
