/*
 * Integration tests of "vknetd -c" and "vknetd -s": the real daemon in
 * a network namespace of the test's own (vkt.h), watched through its
 * control socket by the real vknetd binary in client mode.  pcap files
 * are checked with the real tcpdump(8), frame by frame and byte by
 * byte.
 *
 * vkt_sync() counts every accepted unix socket in the namespace, the
 * control sessions included, so each test connects its clients before
 * it attaches a monitor.  It is also called once before the first
 * client, so that the daemon has let go of the connection with which
 * vkt_daemon() saw it was ready: ports are given out lowest first, and
 * the tests expect the TAP, client A and client B on ports 0, 1, 2.
 * A monitor is ready when it says so on stderr ("monitoring ..."): by
 * then the daemon has taken it on.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <atf-c.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "port.h"
#include "vkt.h"
#include "vktstats.h"

#define CTL_SOCK	VKT_SOCK ".ctl"
#define HOST_IP		"198.51.100.1"
#define PEER_IP		"198.51.100.2"
#define OUTSIDE_IP	"203.0.113.7"
#define NPCAP		50
#define PCAP_FRAME	1514
#define NSTALL		20000

#define TIMED_TC(name, secs, text)					\
	ATF_TC(name);							\
	ATF_TC_HEAD(name, tc)						\
	{								\
		atf_tc_set_md_var(tc, "descr", text);			\
		atf_tc_set_md_var(tc, "timeout", secs);			\
	}								\
	ATF_TC_BODY(name, tc)

enum { A = 1, B, C };			/* clients' MACs are vkt_mac(n) */

static off_t
file_size(const char *path)
{
	struct stat sb;

	return (stat(path, &sb) == -1 ? -1 : sb.st_size);
}

/* Wait until a file holds text; fail after ms. */
static void
await_file(const char *path, const char *text, int ms, const char *what)
{
	long long end = clock_ms() + ms;
	char *s;
	int found;

	for (;;) {
		s = vkt_slurp(path);
		found = strstr(s, text) != NULL;
		free(s);
		if (found)
			return;
		if (clock_ms() >= end)
			atf_tc_fail("%s: no \"%s\" in %s within %d ms", what,
			    text, path, ms);
		vkt_nap(10);
	}
}

/*
 * A daemon started with mode (VKT_NET or "-U") and n clients on ports
 * 1 to n, the TAP being port 0; see above for the vkt_sync().
 */
static pid_t
switch_with(const char *mode, int *c, int n)
{
	pid_t pid;
	int i;

	vkt_setup();
	pid = vkt_daemon(mode, NULL);
	vkt_sync();
	for (i = 0; i < n; i++)
		c[i] = vkt_client();
	return (pid);
}

/*
 * Monitors.
 */

/* Wait until a monitor started by the test has attached. */
static void
await_monitor(pid_t pid)
{
	long long end = clock_ms() + VKT_RUN_MS;
	struct vkt_run r;

	for (;;) {
		vkt_output(pid, &r);
		if (strstr(r.err, "monitoring ") != NULL)
			return;
		if (clock_ms() >= end || !vkt_alive(pid))
			atf_tc_fail("vknetd -c did not attach: %s", r.err);
		vkt_nap(10);
	}
}

static pid_t
monitor(const char *arg, ...)
{
	const char *argv[16] = { VKNETD_PATH, "-c", "-p", VKT_SOCK };
	va_list ap;
	int n = 4;
	pid_t pid;

	va_start(ap, arg);
	for (; arg != NULL && n < 15; arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;
	pid = vkt_spawn(NULL, argv);
	await_monitor(pid);
	return (pid);
}

/* A monitor in a shell command line, which must end in exec or a pipe. */
static pid_t
monitor_sh(const char *cmd)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	pid_t pid;

	pid = vkt_spawn(NULL, argv);
	await_monitor(pid);
	return (pid);
}

/* A monitor's stdout in a file of our own naming, for long output. */
static pid_t
monitor_to(const char *file)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "exec %s -c -p %s > %s", VKNETD_PATH,
	    VKT_SOCK, file);
	return (monitor_sh(cmd));
}

/* Wait until a monitor has printed all the given lines (pieces). */
static void
await_output(pid_t pid, const char *first, ...)
{
	long long end = clock_ms() + VKT_WAIT_MS;
	const char *piece;
	struct vkt_run r;
	va_list ap;
	int all;

	for (;;) {
		vkt_output(pid, &r);
		all = 1;
		va_start(ap, first);
		for (piece = first; piece != NULL;
		    piece = va_arg(ap, const char *))
			all &= strstr(r.out, piece) != NULL;
		va_end(ap);
		if (all)
			return;
		if (clock_ms() >= end)
			atf_tc_fail("vknetd -c did not show everything within "
			    "%d ms:\n%s", VKT_WAIT_MS, r.out);
		vkt_nap(10);
	}
}

/* Interrupt a monitor; it must say how many frames it showed, missed. */
static void
interrupt(pid_t pid, struct vkt_run *r, unsigned long long *shown,
    unsigned long long *missed)
{
	const char *p;
	int status;

	status = vkt_kill(pid, SIGINT);
	vkt_output(pid, r);
	ATF_REQUIRE_EQ_MSG(status, 0, "vknetd -c exited %d on SIGINT: %s",
	    status, r->err);
	if ((p = strstr(r->err, "vknetd: ")) == NULL ||
	    (p = strstr(r->err, " frames shown, ")) == NULL)
		atf_tc_fail("no count on stderr: %s", r->err);
	while (p > r->err && p[-1] != ' ')
		p--;
	if (sscanf(p, "%llu frames shown, %llu missed", shown, missed) != 2)
		atf_tc_fail("unreadable count on stderr: %s", r->err);
}

/*
 * Frames.
 */
/* Client src sends a broadcast so that the switch learns its MAC. */
static void
announce(int fd, unsigned int src, int peer)
{
	uint8_t f[64];
	size_t len;

	vkt_send_tagged(fd, fr_bcast, src, src, f, &len);
	vkt_expect(peer, "announcement", f, len);
}

static void
fill_addrs(struct fr_addrs *ad, const uint8_t *dst, unsigned int src,
    const char *sip, const char *dip)
{
	memcpy(ad->dst, dst, MAC_LEN);
	vkt_mac(ad->src, src);
	ad->sip = vkt_ip(sip);
	ad->dip = vkt_ip(dip);
}

static int
readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return (poll(&pfd, 1, ms) == 1);
}

/*
 * Text.
 */

/* Does some line of text contain all of the given pieces, in order? */
static int
has_line(const char *text, const char *first, ...)
{
	const char *line, *end, *p, *piece;
	va_list ap;

	for (line = text; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		p = line;
		va_start(ap, first);
		for (piece = first; piece != NULL && p != NULL;
		    piece = va_arg(ap, const char *))
			if ((p = memmem(p, (size_t)(end - p), piece,
			    strlen(piece))) != NULL)
				p += strlen(piece);
		va_end(ap);
		if (p != NULL)
			return (1);
	}
	return (0);
}

/*
 * Monitoring.
 */
TIMED_TC(monitor_shows_unicast_and_filtered, "30",
    "vknetd -c shows a flood, a learned unicast between two clients, "
    "the host's ARP reply and a frame secure mode filtered, with why")
{
	char tapmac[MAC_STRLEN], line[256];
	uint8_t f[128], mac[MAC_LEN], tap[MAC_LEN];
	unsigned long long shown, missed;
	struct fr_addrs ad;
	struct fr_arp arp = { .op = ARP_REQUEST };
	struct vkt_run r;
	pid_t pid, mon;
	size_t len;
	int c[2];

	pid = switch_with(VKT_NET, c, 2);
	vkt_if_mac(vkt_tap, tap);
	mac_fmt(tapmac, tap);
	mon = monitor(NULL);

	announce(c[1], B, c[0]);
	vkt_mac(mac, B);
	vkt_send_tagged(c[0], mac, A, 7, f, &len);
	vkt_expect(c[1], "A to B", f, len);

	/* The host answers A's ARP, and so becomes a known unicast MAC. */
	vkt_mac(arp.sha, A);
	arp.spa = vkt_ip(PEER_IP);
	arp.tpa = vkt_ip(HOST_IP);
	len = fr_arp(f, fr_bcast, arp.sha, &arp);
	vkt_send(c[0], f, len);
	vkt_expect(c[1], "A's ARP request", f, len);
	/* Not vkt_recv(), which leaves out what the host says. */
	if (!readable(c[0], VKT_WAIT_MS) || recv(c[0], f, sizeof(f), 0) !=
	    FR_ARP_LEN)
		atf_tc_fail("the host did not answer A's ARP request");

	fill_addrs(&ad, tap, A, OUTSIDE_IP, HOST_IP);
	len = fr_udp(f, &ad, 5000, 5000, "vkt", 3);
	vkt_send(c[0], f, len);
	await_output(mon, "[0 > 1]", "outside subnet", NULL);

	interrupt(mon, &r, &shown, &missed);
	ATF_CHECK_MSG(has_line(r.out, "[2 > all, 1 of 2 dropped: filtered "
	    "(ethertype not allowed)] 02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, "
	    "ethertype Unknown (0x88b5), length 60", NULL),
	    "no flood of B's announcement:\n%s", r.out);
	ATF_CHECK_MSG(has_line(r.out, "[1 > 2] 02:00:00:00:00:01 > "
	    "02:00:00:00:00:02, ethertype Unknown (0x88b5), length 60", NULL),
	    "no unicast A to B:\n%s", r.out);
	ATF_CHECK_MSG(has_line(r.out, "[1 > all] 02:00:00:00:00:01 > "
	    "ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request "
	    "who-has " HOST_IP " tell " PEER_IP ", length 28", NULL),
	    "no ARP request:\n%s", r.out);
	snprintf(line, sizeof(line), "] %s > 02:00:00:00:00:01, ethertype "
	    "ARP (0x0806), length 42: Reply " HOST_IP " is-at %s", tapmac,
	    tapmac);
	ATF_CHECK_MSG(has_line(r.out, "[0 > 1", line, NULL),
	    "no ARP reply:\n%s", r.out);
	snprintf(line, sizeof(line), "] 02:00:00:00:00:01 > %s, ethertype "
	    "IPv4 (0x0800), length 45: " OUTSIDE_IP ".5000 > " HOST_IP
	    ".5000: UDP, length 3", tapmac);
	ATF_CHECK_MSG(has_line(r.out, "[1 > 0 dropped: filtered (IPv4 source "
	    "outside subnet)", line, NULL), "no filtered frame:\n%s", r.out);
	ATF_CHECK_MSG(shown >= 5 && missed == 0, "%llu shown, %llu missed",
	    shown, missed);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

TIMED_TC(data_socket_never_monitors, "30",
    "A data client that sends \"monitor\" sends a bad frame: it gets no "
    "records and the monitor shows the drop")
{
	uint8_t f[64], mac[MAC_LEN];
	unsigned long long shown, missed;
	struct vkt_run r;
	pid_t pid, mon;
	size_t len;
	int c[3];

	pid = switch_with("-U", c, 3);
	mon = monitor("-x", NULL);
	vkt_send(c[2], "monitor", 7);
	vkt_send_tagged(c[1], fr_bcast, B, 1, f, &len);
	vkt_expect(c[0], "A, B's announcement", f, len);
	vkt_expect(c[2], "C, B's announcement", f, len);
	vkt_mac(mac, B);
	vkt_send_tagged(c[0], mac, A, 2, f, &len);
	vkt_expect(c[1], "A to B", f, len);
	vkt_expect_none(c[2], "C after asking for records", VKT_NONE_MS);
	await_output(mon, "[1 > 2]", "[2 > all]", "[3 dropped", NULL);
	interrupt(mon, &r, &shown, &missed);
	ATF_CHECK_MSG(has_line(r.out, "[3 dropped: bad size] [|ether], "
	    "length 7", NULL), "no bad-size drop:\n%s", r.out);
	/* -x: the frame in hex, as tcpdump -xx prints it. */
	ATF_CHECK_MSG(has_line(r.out, "\t0x0000:  0200 0000 0002 0200 0000 "
	    "0001 88b5 766b", NULL), "no hex dump:\n%s", r.out);
	ATF_CHECK_EQ(shown, 3);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * pcap.
 */

/* Frame i of the pcap test: A to B, of a length and content of its own. */
static size_t
pcap_frame(uint8_t *f, int i)
{
	uint8_t a[MAC_LEN], b[MAC_LEN];
	size_t len = 60 + (size_t)(i * 97) % (PCAP_FRAME - 60), j;

	vkt_mac(a, A);
	vkt_mac(b, B);
	fr_ether(f, b, a, VKT_EXPTYPE);
	for (j = ETHER_HDR; j < len; j++)
		f[j] = (uint8_t)(i * 31 + j * 7);
	return (len);
}

/* How many frames a tcpdump dump shows: lines not starting with a tab. */
static int
dump_frames(const char *path)
{
	char *text = vkt_slurp(path), *line;
	int n = 0;

	for (line = text; *line != '\0'; line += strcspn(line, "\n") + 1) {
		n += *line != '\t' && *line != '\n';
		if (line[strcspn(line, "\n")] == '\0')
			break;
	}
	free(text);
	return (n);
}

/*
 * Check a "tcpdump -e -xx" dump: exactly the NPCAP frames, in order,
 * byte for byte.  A frame's header line starts in column 0, its bytes
 * follow on lines that start with a tab.
 */
static void
check_dump(const char *path)
{
	static uint8_t got[NPCAP][PCAP_FRAME], want[PCAP_FRAME];
	size_t len[NPCAP] = { 0 }, wlen;
	char *text = vkt_slurp(path), *line, *end, *p;
	unsigned int v;
	int n = -1, i, k, k0;

	for (line = text; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if (*line != '\t') {
			if (++n == NPCAP)
				atf_tc_fail("%s: more than %d frames", path,
				    NPCAP);
			continue;
		}
		if (n < 0 || (p = memchr(line, ':', (size_t)(end - line))) ==
		    NULL)
			atf_tc_fail("%s: unexpected line", path);
		for (p++; p < end; p += k) {
			if (sscanf(p, " %n%4x%n", &k0, &v, &k) != 1)
				break;
			if (k - k0 == 4 && len[n] + 2 <= PCAP_FRAME) {
				got[n][len[n]++] = (uint8_t)(v >> 8);
				got[n][len[n]++] = (uint8_t)v;
			} else if (len[n] < PCAP_FRAME)
				got[n][len[n]++] = (uint8_t)v;
		}
	}
	free(text);
	ATF_REQUIRE_EQ_MSG(n + 1, NPCAP, "%s: %d frames, sent %d", path,
	    n + 1, NPCAP);
	for (i = 0; i < NPCAP; i++) {
		wlen = pcap_frame(want, i);
		ATF_REQUIRE_EQ_MSG(len[i], wlen, "%s: frame %d has %zu bytes, "
		    "sent %zu", path, i, len[i], wlen);
		ATF_REQUIRE_MSG(memcmp(got[i], want, wlen) == 0,
		    "%s: frame %d differs from the one sent", path, i);
	}
}

ATF_TC(pcap_read_by_tcpdump);
ATF_TC_HEAD(pcap_read_by_tcpdump, tc)
{
	atf_tc_set_md_var(tc, "descr", "-w writes a pcap that tcpdump reads, "
	    "holding exactly the frames sent; -w - into a pipe shows each "
	    "frame as it is switched");
	atf_tc_set_md_var(tc, "require.progs", "tcpdump");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(pcap_read_by_tcpdump, tc)
{
	static uint8_t f[PCAP_FRAME];
	unsigned long long shown, missed;
	struct vkt_run r;
	pid_t pid, mon, pipeline;
	off_t want = 24;
	size_t len;
	int c[2], i;

	pid = switch_with("-U", c, 2);
	announce(c[1], B, c[0]);
	mon = monitor("-w", "mon.pcap", NULL);
	pipeline = monitor_sh(VKNETD_PATH " -c -w - -p " VKT_SOCK
	    " | tcpdump -l -r - -nn -e -xx > live.txt 2> live.err");
	for (i = 0; i < NPCAP; i++) {
		len = pcap_frame(f, i);
		vkt_send(c[0], f, len);
		vkt_expect(c[1], "A to B", f, len);
		want += 16 + (off_t)len;
	}
	/* A file is flushed whenever the monitor has caught up. */
	for (i = 0; i < VKT_WAIT_MS / 10 && file_size("mon.pcap") < want; i++)
		vkt_nap(10);
	interrupt(mon, &r, &shown, &missed);
	ATF_REQUIRE_EQ_MSG(shown, NPCAP, "%llu frames shown", shown);
	ATF_REQUIRE_EQ(missed, 0);
	ATF_REQUIRE_EQ(file_size("mon.pcap"), want);
	vkt_run(&r, NULL, "sh", "-c", "tcpdump -r mon.pcap -nn -e -xx "
	    "> dump.txt", NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "tcpdump -r: %s", r.err);
	ATF_REQUIRE_MSG(strstr(r.err, "link-type EN10MB (Ethernet)") != NULL,
	    "tcpdump: %s", r.err);
	check_dump("dump.txt");

	/* Through the pipe, every frame is there while the monitor runs. */
	for (i = 0; i < VKT_WAIT_MS / 10 && dump_frames("live.txt") < NPCAP;
	    i++)
		vkt_nap(10);
	ATF_REQUIRE_EQ_MSG(dump_frames("live.txt"), NPCAP, "tcpdump showed "
	    "%d frames from the pipe", dump_frames("live.txt"));
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	ATF_REQUIRE_EQ_MSG(vkt_wait(pipeline, VKT_RUN_MS), 0,
	    "tcpdump after the daemon went away");
	check_dump("live.txt");
}

/*
 * Load.
 */
TIMED_TC(stopped_monitor_does_not_delay, "120",
    "A monitor that stops reading loses frames, counts them and does "
    "not hold up forwarding between two clients")
{
	uint8_t f[128], b[MAC_LEN];
	unsigned long long shown, missed;
	struct fr_addrs ad;
	struct vkt_run r;
	char what[64];
	long long t0;
	off_t size;
	pid_t pid, mon;
	size_t len;
	uint32_t i;
	int c[2];

	pid = switch_with("-U", c, 2);
	announce(c[1], B, c[0]);
	announce(c[0], A, c[1]);
	mon = monitor_to("stall.txt");
	if (kill(mon, SIGSTOP) == -1)
		atf_tc_fail("SIGSTOP: %s", strerror(errno));
	vkt_mac(b, B);
	t0 = clock_ms();
	for (i = 0; i < NSTALL; i++) {
		vkt_send_tagged(c[0], b, A, i, f, &len);
		snprintf(what, sizeof(what), "B, frame %u of %d", i, NSTALL);
		vkt_expect(c[1], what, f, len);
	}
	fprintf(stderr, "%d frames in lockstep: %lld ms\n", NSTALL,
	    clock_ms() - t0);
	ATF_REQUIRE_MSG(vkt_alive(pid), "vknetd died");
	if (kill(mon, SIGCONT) == -1)
		atf_tc_fail("SIGCONT: %s", strerror(errno));
	/* Let it read what was queued, then show it one more frame. */
	do {
		size = file_size("stall.txt");
		vkt_nap(300);
	} while (file_size("stall.txt") != size);
	fill_addrs(&ad, b, A, PEER_IP, "198.51.100.3");
	len = fr_udp(f, &ad, 7777, 7777, "end", 3);
	vkt_send(c[0], f, len);
	vkt_expect(c[1], "B, the last frame", f, len);
	await_file("stall.txt", ".7777: UDP", VKT_WAIT_MS, "the last frame");
	interrupt(mon, &r, &shown, &missed);
	fprintf(stderr, "monitor: %llu frames shown, %llu missed\n", shown,
	    missed);
	ATF_CHECK_MSG(missed > 0, "%llu shown, none missed", shown);
	ATF_CHECK_MSG(shown + missed == NSTALL + 1, "%llu shown + %llu "
	    "missed, %d sent", shown, missed, NSTALL + 1);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Stats.
 */

/* Known traffic: see the expectations in stats_match_traffic. */
static void
traffic(const int *c)
{
	uint8_t f[64], b[MAC_LEN], group[MAC_LEN] = { 0x03, 0, 0, 0, 0, 1 };
	size_t len;
	int i;

	announce(c[1], B, c[0]);
	for (i = 0; i < 3; i++)
		vkt_send(c[0], "too short", 10);
	vkt_mac(b, B);
	len = vkt_frame(f, b, group, 0);
	for (i = 0; i < 2; i++)
		vkt_send(c[0], f, len);
	for (i = 0; i < 10; i++) {
		vkt_send_tagged(c[0], b, A, (uint32_t)i, f, &len);
		vkt_expect(c[1], "A to B", f, len);
	}
}

/* Column col of row, as a number. */
#define CELL(row, col)	vkt_cell_num(text, row, col)

static void
check_stats(const char *text, pid_t daemon)
{
	static const char *const cols[] = { "FRAMES-IN", "BYTES-IN",
	    "FRAMES-OUT", "BYTES-OUT", "DROPS" };
	static const char *const rows[] = { "0", "1", "2", "gone" };
	char buf[64], user[64], pid[16];
	struct passwd *pw;
	unsigned long long sum;
	size_t i, j;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	pw = getpwuid(geteuid());
	snprintf(user, sizeof(user), "%s", pw != NULL ? pw->pw_name : "?");
	ATF_CHECK_MSG(vkt_header(text, "mode", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "secure " VKT_NET) == 0, "mode: %s", text);
	ATF_CHECK_MSG(vkt_header(text, "ports", buf, sizeof(buf)) == 0 &&
	    strncmp(buf, "3 of ", 5) == 0, "ports: %s", text);
	ATF_CHECK_MSG(strncmp(text, "vknetd ", 7) == 0 &&
	    strstr(text, ", up 0:00:") != NULL, "first line: %s", text);

	ATF_CHECK_MSG(vkt_cell(text, "0", "KIND", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "tap") == 0 && CELL("0", "PID") ==
	    (unsigned long long)daemon, "TAP row:\n%s", text);
	ATF_CHECK_MSG(vkt_cell(text, "1", "KIND", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "client") == 0, "client A's kind:\n%s", text);
	for (i = 1; i <= 2; i++) {
		ATF_CHECK_MSG(vkt_cell(text, rows[i], "PID", buf,
		    sizeof(buf)) == 0 && strcmp(buf, pid) == 0 &&
		    vkt_cell(text, rows[i], "USER", buf, sizeof(buf)) == 0 &&
		    strcmp(buf, user) == 0 && vkt_cell(text, rows[i], "NAME",
		    buf, sizeof(buf)) == 0 && strcmp(buf, "monitor_test") ==
		    0, "port %s is not pid %s, user %s, monitor_test:\n%s",
		    rows[i], pid, user, text);
		ATF_CHECK_EQ_MSG(CELL(rows[i], "MACS"), 1, "MACs of %s:\n%s",
		    rows[i], text);
	}
	ATF_CHECK_MSG(CELL("1", "FRAMES-IN") == 15 &&
	    CELL("1", "BYTES-IN") == 750 && CELL("1", "FRAMES-OUT") == 1 &&
	    CELL("1", "BYTES-OUT") == 60 && CELL("1", "DROPS") == 5,
	    "client A's traffic:\n%s", text);
	ATF_CHECK_MSG(CELL("2", "FRAMES-IN") == 1 &&
	    CELL("2", "BYTES-IN") == 60 && CELL("2", "FRAMES-OUT") == 10 &&
	    CELL("2", "BYTES-OUT") == 600, "client B's traffic:\n%s", text);
	for (j = 0; j < sizeof(cols) / sizeof(cols[0]); j++) {
		for (sum = 0, i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			sum += CELL(rows[i], cols[j]);
		ATF_CHECK_EQ_MSG(CELL("total", cols[j]), sum,
		    "total %s is not the sum:\n%s", cols[j], text);
	}

	/* Drops: a column per reason, each port's where it belongs. */
	ATF_CHECK_MSG(CELL("1", "BAD-SIZE") == 3 &&
	    CELL("1", "GROUP-SOURCE") == 2 && CELL("1", "FILTERED") == 0,
	    "client A's drops:\n%s", text);
	ATF_CHECK_MSG(CELL("2", "BAD-SIZE") == 0 && CELL("2", "FILTERED") == 1,
	    "client B's drops:\n%s", text);
	ATF_CHECK_MSG(CELL("total", "BAD-SIZE") == 3 &&
	    CELL("total", "GROUP-SOURCE") == 2, "total drops:\n%s", text);

	ATF_CHECK_EQ_MSG(CELL("02:00:00:00:00:01", "PORT"), 1, "MAC of A:\n%s",
	    text);
	ATF_CHECK_EQ_MSG(CELL("02:00:00:00:00:02", "PORT"), 2, "MAC of B:\n%s",
	    text);
}

TIMED_TC(stats_match_traffic, "30",
    "vknetd -s: ports with their peers' pid, user and name, traffic, "
    "drops by reason and the MAC table, as known traffic made them, "
    "read by column name")
{
	struct vkt_run r;
	pid_t pid;
	int c[2];

	pid = switch_with(VKT_NET, c, 2);
	traffic(c);
	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", VKT_SOCK, NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "vknetd -s exited %d: %s", r.status,
	    r.err);
	check_stats(r.out, pid);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

TIMED_TC(sigusr1_logs_stats, "30",
    "SIGUSR1 makes the daemon log a summary of -s in one line")
{
	struct vkt_run r;
	long long end;
	pid_t pid;
	int c[2];

	pid = switch_with(VKT_NET, c, 2);
	traffic(c);
	if (kill(pid, SIGUSR1) == -1)
		atf_tc_fail("SIGUSR1: %s", strerror(errno));
	for (end = clock_ms() + VKT_WAIT_MS;; vkt_nap(10)) {
		vkt_output(pid, &r);
		if (strstr(r.err, "vknetd: stats: up ") != NULL)
			break;
		if (clock_ms() >= end)
			atf_tc_fail("no summary logged: %s", r.err);
	}
	ATF_CHECK_MSG(has_line(r.err, "vknetd: stats: up ",
	    ", 3 ports, 2 MACs, 0 monitors, ", ", 6 dropped, 0 clients refused",
	    NULL),
	    "not the summary of the traffic: %s", r.err);
	ATF_CHECK_MSG(vkt_alive(pid), "vknetd died");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * The control socket.
 */
TIMED_TC(control_socket_beside_data_socket, "30",
    "The control socket is <socket>.ctl, root's alone (0600) without "
    "-g, replaced when stale, removed at exit; a monitor ends when the "
    "daemon does")
{
	struct stat sb;
	struct vkt_run r;
	pid_t pid, mon;
	int status;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	ATF_REQUIRE_MSG(lstat(CTL_SOCK, &sb) == 0, "%s: %s", CTL_SOCK,
	    strerror(errno));
	ATF_CHECK(S_ISSOCK(sb.st_mode));
	ATF_CHECK_EQ(sb.st_mode & 07777, 0600);
	ATF_CHECK_EQ(sb.st_uid, 0);
	ATF_CHECK_EQ(sb.st_gid, 0);

	/* Left behind by a daemon killed outright, then taken over. */
	ATF_REQUIRE_EQ(vkt_kill(pid, SIGKILL), 128 + SIGKILL);
	ATF_REQUIRE(vkt_exists(CTL_SOCK));
	pid = vkt_daemon(VKT_NET, NULL);

	mon = monitor(NULL);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	ATF_CHECK_MSG(!vkt_exists(CTL_SOCK), "%s left behind", CTL_SOCK);
	ATF_CHECK_MSG(!vkt_exists(VKT_SOCK), "%s left behind", VKT_SOCK);
	status = vkt_wait(mon, VKT_RUN_MS);
	vkt_output(mon, &r);
	ATF_CHECK_MSG(status == 1 && strstr(r.err, "went away") != NULL,
	    "vknetd -c exited %d after the daemon: %s", status, r.err);
}

TIMED_TC(client_usage, "30",
    "-c and -s exclude each other and the switch's options; -x and -w "
    "need -c; without a daemon they fail naming the socket")
{
	static const char *const bad[][6] = {
		{ "-c", "-s" }, { "-x" }, { "-w", "f" }, { "-s", "-x" },
		{ "-c", "-U" }, { "-s", "-d" }, { "-c", "-t", "tap9" },
		{ "-c", "198.51.100.1/24" }, { "-s", "-A", "5" },
	};
	struct vkt_run r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vkt_run(&r, NULL, VKNETD_PATH, bad[i][0], bad[i][1],
		    bad[i][2], bad[i][3], NULL);
		ATF_CHECK_MSG(r.status == 64 && strstr(r.err, "usage:") !=
		    NULL, "vknetd %s %s: exit %d: %s", bad[i][0],
		    bad[i][1] != NULL ? bad[i][1] : "", r.status, r.err);
	}
	vkt_run(&r, NULL, VKNETD_PATH, "-c", "-p", "./nothing", NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, "./nothing.ctl: ") !=
	    NULL, "-c without a daemon: exit %d: %s", r.status, r.err);
	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", "./nothing", NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, "./nothing.ctl: ") !=
	    NULL, "-s without a daemon: exit %d: %s", r.status, r.err);
	ATF_CHECK(!vkt_exists("./nothing") && !vkt_exists("./nothing.ctl"));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, monitor_shows_unicast_and_filtered);
	ATF_TP_ADD_TC(tp, data_socket_never_monitors);
	ATF_TP_ADD_TC(tp, pcap_read_by_tcpdump);
	ATF_TP_ADD_TC(tp, stopped_monitor_does_not_delay);
	ATF_TP_ADD_TC(tp, stats_match_traffic);
	ATF_TP_ADD_TC(tp, sigusr1_logs_stats);
	ATF_TP_ADD_TC(tp, control_socket_beside_data_socket);
	ATF_TP_ADD_TC(tp, client_usage);
	return (atf_no_error());
}
