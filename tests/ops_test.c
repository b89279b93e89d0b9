/*
 * Integration tests of operating a running vknetd through its control
 * socket, as an administrator would (issue 15, and issue 13's "who may
 * watch"): "vknetd -s -j" against a known pattern of traffic, every
 * field, parsed by python3's json module; "-c -j"; "-k" and "-f"; the
 * sessions' limits and refusals; the control socket's owner and mode,
 * and who may connect to it.
 *
 * JSON is flattened by a few lines of python3 into "path=value" lines,
 * the value as JSON (so a string is quoted and a number is not), which
 * the tests then look up: that json.load() accepts the document at all
 * is the first check.  Ports are given out lowest first, so with the
 * TAP on port 0 and clients connected in order, a port's number is its
 * index in "ports".
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <atf-c.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vkt.h"
#include "ctl.h"
#include "vktstats.h"

#define CTL_SOCK	VKT_SOCK ".ctl"
#define QSOCK		"./vknet.stream"
#define NOBODY		65534
#define NONAME		65533		/* a uid with no name */
#define ODD_NAME	"a\"b\\c d"	/* a process name JSON must escape */
#define STUCK_S		60	/* vknetd.8: a monitor that reads nothing */

/* Print every leaf of the JSON on stdin as path=value, value as JSON. */
#define FLATTEN								\
	"import json, sys\n"						\
	"def f(p, v):\n"						\
	"    if isinstance(v, dict):\n"					\
	"        for k in v: f(p + '.' + k if p else k, v[k])\n"	\
	"    elif isinstance(v, list):\n"				\
	"        for i, x in enumerate(v): f(p + '.' + str(i), x)\n"	\
	"    else: print(p + '=' + json.dumps(v))\n"			\
	"if sys.argv[1:] == ['lines']:\n"				\
	"    for i, l in enumerate(sys.stdin): f(str(i), json.loads(l))\n" \
	"else: f('', json.load(sys.stdin))\n"

enum { A = 1, B, S, C };		/* clients' MACs are vkt_mac(n) */

/* A shell command line, run to completion, with FLATTEN as $0. */
static void __attribute__((format(printf, 3, 4)))
run_sh(struct vkt_run *r, void (*prep)(void), const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	vkt_run(r, prep, "/bin/sh", "-c", cmd, FLATTEN, NULL);
}

/* "vknetd -s -j", flattened: see above.  To be freed. */
static char *
stats_json(const char *sock)
{
	struct vkt_run r;

	run_sh(&r, NULL, "%s -s -j -p %s >stats.json && "
	    "python3 -c \"$0\" <stats.json >stats.flat", VKNETD_PATH, sock);
	if (r.status != 0)
		atf_tc_fail("vknetd -s -j | python3: exit %d: %s", r.status,
		    vkt_flat(r.err));
	return (vkt_slurp("stats.flat"));
}

/* The value at key, as JSON, or NULL. */
static const char *
jget(const char *flat, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key), n;
	const char *p;

	for (p = flat; (p = strstr(p, key)) != NULL; p += klen) {
		if ((p != flat && p[-1] != '\n') || p[klen] != '=')
			continue;
		p += klen + 1;
		n = strcspn(p, "\n");
		if (n >= len)
			n = len - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return (buf);
	}
	return (NULL);
}

static void __attribute__((format(printf, 2, 3)))
jabsent(const char *flat, const char *fmt, ...)
{
	char key[128], buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	ATF_CHECK_MSG(jget(flat, key, buf, sizeof(buf)) == NULL,
	    "%s is there: %s", key, buf);
}

static void __attribute__((format(printf, 3, 4)))
jis(const char *flat, const char *want, const char *fmt, ...)
{
	char key[128], buf[256];
	const char *v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	v = jget(flat, key, buf, sizeof(buf));
	ATF_CHECK_MSG(v != NULL && strcmp(v, want) == 0,
	    "%s is %s, not %s", key, v != NULL ? v : "missing", want);
}

static long long __attribute__((format(printf, 2, 3)))
jnum(const char *flat, const char *fmt, ...)
{
	char key[128], buf[64], *end;
	const char *v;
	long long n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if ((v = jget(flat, key, buf, sizeof(buf))) == NULL)
		atf_tc_fail("no %s in:\n%s", key, flat);
	n = strtoll(v, &end, 10);
	if (*end != '\0' || end == v)
		atf_tc_fail("%s is %s, not a number", key, v);
	return (n);
}

/* The index in mac_table of client n's MAC, or -1. */
static int
mac_index(const char *flat, unsigned int n)
{
	char mac[MAC_STRLEN], want[MAC_STRLEN + 2], key[32], buf[32];
	uint8_t m[MAC_LEN];
	int i;

	vkt_mac(m, n);
	snprintf(want, sizeof(want), "\"%s\"", mac_fmt(mac, m));
	for (i = 0; i < 64; i++) {
		snprintf(key, sizeof(key), "mac_table.%d.mac", i);
		if (jget(flat, key, buf, sizeof(buf)) == NULL)
			return (-1);
		if (strcmp(buf, want) == 0)
			return (i);
	}
	return (-1);
}

/* Connect a client whose process is called name while it connects. */
static int
client_named(const char *name)
{
	char was[16];
	int fd;

	if (prctl(PR_GET_NAME, was) == -1 || prctl(PR_SET_NAME, name) == -1)
		atf_tc_fail("prctl: %s", strerror(errno));
	fd = vkt_client();	/* accepted, and so named, on return */
	if (prctl(PR_SET_NAME, was) == -1)
		atf_tc_fail("prctl: %s", strerror(errno));
	return (fd);
}

/* One frame onto a stream port: its length, then it. */
static void
stream_send(int fd, const uint8_t *f, size_t len)
{
	uint8_t buf[VKT_BUFSZ];

	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, f, len);
	if (send(fd, buf, len + 4, MSG_NOSIGNAL) != (ssize_t)(len + 4))
		atf_tc_fail("stream send: %s", strerror(errno));
}

/*
 * The known switch: the TAP on 0, client A on 1, client B on 2 (its
 * process named "vknet" while it connected: a link), a stream client
 * on 3 and client C on 4, named ODD_NAME, which sends nothing.
 * A floods 3 frames, 2 s later B sends A one and the stream client
 * floods one; secure mode keeps all the floods off the TAP.
 */
struct known {
	pid_t	daemon;
	int	c[5];
};

/* Wait until the switch has n ports: every connection accepted. */
static void
await_ports(long long n)
{
	long long end = clock_ms() + VKT_RUN_MS, got;
	char *flat;

	for (;;) {
		flat = stats_json(VKT_SOCK);
		got = jnum(flat, "port_count");
		free(flat);
		if (got == n)
			return;
		if (clock_ms() > end)
			atf_tc_fail("%lld ports, not %lld, after %d ms", got, n,
			    VKT_RUN_MS);
		vkt_nap(10);
	}
}

static void
known_switch(struct known *k)
{
	uint8_t f[64], a[MAC_LEN];
	size_t len;
	int i;

	vkt_setup();
	k->daemon = vkt_daemon(VKT_NET, "-q", QSOCK, NULL);
	vkt_sync();
	k->c[A] = vkt_client();
	k->c[B] = client_named("vknet");
	k->c[S] = vkt_connect_stream(QSOCK);
	/* Accepted, and so named, before this process takes another name. */
	await_ports(4);
	k->c[C] = client_named(ODD_NAME);
	for (i = 0; i < 3; i++) {
		vkt_send_tagged(k->c[A], fr_bcast, A, (uint32_t)i, f, &len);
		vkt_expect(k->c[B], "A's flood at B", f, len);
		vkt_expect(k->c[C], "A's flood at C", f, len);
	}
	vkt_nap(2100);
	vkt_mac(a, A);
	vkt_send_tagged(k->c[B], a, B, 10, f, &len);
	vkt_expect(k->c[A], "B to A", f, len);
	vkt_mac(a, S);
	len = vkt_frame(f, fr_bcast, a, 20);
	stream_send(k->c[S], f, len);
	vkt_expect(k->c[A], "the stream's flood at A", f, len);
	vkt_expect(k->c[B], "the stream's flood at B", f, len);
	vkt_expect(k->c[C], "the stream's flood at C", f, len);
}

/* A port's traffic: frames in and out, 60 bytes each, filtered drops. */
static void
check_traffic(const char *flat, int port, long long in, long long out,
    long long filtered)
{
	ATF_CHECK_EQ_MSG(jnum(flat, "ports.%d.in.frames", port), in,
	    "port %d's frames in", port);
	ATF_CHECK_EQ_MSG(jnum(flat, "ports.%d.in.bytes", port), in * 60,
	    "port %d's bytes in", port);
	ATF_CHECK_EQ_MSG(jnum(flat, "ports.%d.out.frames", port), out,
	    "port %d's frames out", port);
	ATF_CHECK_EQ_MSG(jnum(flat, "ports.%d.out.bytes", port), out * 60,
	    "port %d's bytes out", port);
	ATF_CHECK_EQ_MSG(jnum(flat, "ports.%d.drops.filtered", port),
	    filtered, "port %d's filtered drops", port);
}

VKT_TC(stats_json_every_field,
    "vknetd -s -j is one JSON document, and every field of it is what "
    "two clients, a link, a stream client and the TAP made it")
{
	static const char *const reasons[] = { "bad_size", "group_source",
	    "filtered", "stalled_peer", "queue_full", "write_error",
	    "hosts_mac", "mac_limit", "storm", "loop_guard", "vlan" };
	static const char *const kinds[] = { "tap", "client", "link",
	    "stream", "client" };
	static const char *const sums[] = { "in.frames", "in.bytes",
	    "out.frames", "out.bytes", "stalls", "drops.filtered" };
	char want[128];
	struct known k;
	long long sum, uptime, age[5];
	size_t i, r;
	char *flat;
	int p, m;

	known_switch(&k);
	flat = stats_json(VKT_SOCK);

	jis(flat, "\"0.1\"", "version");
	snprintf(want, sizeof(want), "%d", CTL_VERSION);
	jis(flat, want, "record_version");
	jis(flat, "\"" VKT_SOCK "\"", "socket");
	jis(flat, "\"" CTL_SOCK "\"", "control");
	jis(flat, "\"" QSOCK "\"", "stream");
	snprintf(want, sizeof(want), "\"%s\"", vkt_tap);
	jis(flat, want, "tap");
	jis(flat, "null", "bridge");
	jis(flat, "\"secure\"", "mode");
	jis(flat, "\"" VKT_NET "\"", "ipv4");
	jis(flat, "null", "ipv6");
	jis(flat, "null", "reloaded");
	uptime = jnum(flat, "uptime");
	ATF_CHECK_MSG(uptime >= 2 && uptime < 30, "uptime %lld", uptime);
	jis(flat, "3", "macs");
	jis(flat, "16384", "mac_capacity");
	jis(flat, "1024", "mac_limit");
	jis(flat, "300", "mac_age");
	jis(flat, "5", "port_count");
	ATF_CHECK(jnum(flat, "max_ports") >= 1000);
	jis(flat, "0", "monitors");
	jis(flat, "0", "refused");
	for (r = 0; r < sizeof(reasons) / sizeof(reasons[0]); r++) {
		snprintf(want, sizeof(want), "\"%s\"", reasons[r]);
		jis(flat, want, "drop_reasons.%zu", r);
	}

	for (p = 0; p < 5; p++) {
		jis(flat, (snprintf(want, sizeof(want), "%d", p), want),
		    "ports.%d.port", p);
		snprintf(want, sizeof(want), "\"%s\"", kinds[p]);
		jis(flat, want, "ports.%d.kind", p);
		ATF_CHECK_EQ_MSG(jnum(flat, "ports.%d.pid", p), p == 0 ?
		    k.daemon : getpid(), "pid of port %d", p);
		jis(flat, "0", "ports.%d.uid", p);
		jis(flat, "\"root\"", "ports.%d.user", p);
		ATF_CHECK_MSG(jnum(flat, "ports.%d.up", p) <= uptime,
		    "port %d up longer than the switch", p);
		jis(flat, p == 0 || p == C ? "0" : "1", "ports.%d.macs", p);
		jis(flat, "0", "ports.%d.queue", p);
		jis(flat, "0", "ports.%d.queue_bytes", p);
		jis(flat, "false", "ports.%d.stalled", p);
		jis(flat, "false", "ports.%d.blocked", p);
		jis(flat, "0", "ports.%d.stalls", p);
		for (r = 0; r < sizeof(reasons) / sizeof(reasons[0]); r++)
			if (strcmp(reasons[r], "filtered") != 0)
				jis(flat, "0", "ports.%d.drops.%s", p,
				    reasons[r]);
	}
	jis(flat, "\"vknetd\"", "ports.0.name");
	jis(flat, "\"ops_test\"", "ports.1.name");
	jis(flat, "\"vknet\"", "ports.2.name");
	jis(flat, "\"ops_test\"", "ports.3.name");
	jis(flat, "\"a\\\"b\\\\c d\"", "ports.4.name");
	jabsent(flat, "ports.5.port");

	check_traffic(flat, 0, 0, 0, 0);
	check_traffic(flat, A, 3, 2, 3);
	check_traffic(flat, B, 1, 4, 0);
	check_traffic(flat, S, 1, 3, 1);
	check_traffic(flat, C, 0, 4, 0);
	for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		for (sum = 0, p = 0; p < 5; p++)
			sum += jnum(flat, "ports.%d.%s", p, sums[i]);
		ATF_CHECK_EQ_MSG(jnum(flat, "gone.%s", sums[i]), 0,
		    "gone.%s", sums[i]);
		ATF_CHECK_EQ_MSG(jnum(flat, "total.%s", sums[i]), sum,
		    "total.%s is not the sum", sums[i]);
	}

	/* A's address was learned 2 s before B's and the stream's. */
	for (p = A; p <= S; p++) {
		ATF_REQUIRE_MSG((m = mac_index(flat, (unsigned int)p)) != -1,
		    "no MAC of port %d:\n%s", p, flat);
		jis(flat, (snprintf(want, sizeof(want), "%d", p), want),
		    "mac_table.%d.port", m);
		age[p] = jnum(flat, "mac_table.%d.age", m);
		ATF_CHECK_MSG(age[p] >= 0 && age[p] <= uptime, "age %lld",
		    age[p]);
	}
	ATF_CHECK_MSG(age[A] - age[B] >= 2 && age[A] - age[S] >= 2,
	    "ages: A %lld, B %lld, stream %lld", age[A], age[B], age[S]);
	ATF_CHECK_MSG(mac_index(flat, C) == -1, "C sent nothing");
	free(flat);
	ATF_REQUIRE_EQ(vkt_stop(k.daemon), 0);
}

VKT_TC(stats_text_by_column,
    "vknetd -s names the switch in its header block and shows, by "
    "column name, a link as such, each peer's user and process name")
{
	struct vkt_run r;
	struct known k;
	char buf[128], *text;

	known_switch(&k);
	run_sh(&r, NULL, "%s -s -p %s >stats.txt", VKNETD_PATH, VKT_SOCK);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "vknetd -s: %s", r.err);
	text = vkt_slurp("stats.txt");
	ATF_CHECK_MSG(strncmp(text, "vknetd 0.1, up 0:00:0", 21) == 0,
	    "first line:\n%s", text);
	ATF_CHECK(vkt_header(text, "socket", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, VKT_SOCK) == 0);
	ATF_CHECK(vkt_header(text, "control", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, CTL_SOCK) == 0);
	ATF_CHECK(vkt_header(text, "stream", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, QSOCK) == 0);
	ATF_CHECK(vkt_header(text, "tap", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, vkt_tap) == 0);
	ATF_CHECK(vkt_header(text, "bridge", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "-") == 0);
	ATF_CHECK(vkt_header(text, "macs", buf, sizeof(buf)) == 0 &&
	    strncmp(buf, "3 of 16384, at most 1024 per client", 35) == 0);
	ATF_CHECK_MSG(vkt_cell(text, "2", "KIND", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "link") == 0, "port 2 is not a link:\n%s", text);
	ATF_CHECK(vkt_cell(text, "3", "KIND", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "stream") == 0);
	ATF_CHECK(vkt_cell(text, "4", "NAME", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "a\"b\\c_d") == 0);
	ATF_CHECK(vkt_cell(text, "1", "USER", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "root") == 0);
	ATF_CHECK(vkt_cell(text, "gone", "PID", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "-") == 0);
	ATF_CHECK_EQ(vkt_cell_num(text, "4", "FRAMES-OUT"), 4);
	ATF_CHECK_EQ(vkt_cell_num(text, "1", "FILTERED"), 3);
	ATF_CHECK_EQ(vkt_cell_num(text, "3", "MACS"), 1);
	free(text);
	ATF_REQUIRE_EQ(vkt_stop(k.daemon), 0);
}

/* A switch with client A on port 1 and B on 2, each learned. */
static pid_t
learned_pair(int c[3])
{
	uint8_t f[64];
	size_t len;
	pid_t pid;

	vkt_setup();
	/* Some of its users flood on purpose: no storm control. */
	pid = vkt_daemon("-L", "0", VKT_NET, NULL);
	vkt_sync();
	c[1] = vkt_client();
	c[2] = vkt_client();
	vkt_send_tagged(c[1], fr_bcast, A, 1, f, &len);
	vkt_expect(c[2], "A's flood", f, len);
	vkt_send_tagged(c[2], fr_bcast, B, 2, f, &len);
	vkt_expect(c[1], "B's flood", f, len);
	return (pid);
}

VKT_TC(stats_of_a_full_mac_table,
    "vknetd -s -j with all 16384 MAC entries learned: a reply larger "
    "than the socket holds arrives whole, every entry once")
{
	uint8_t f[64], mac[MAC_LEN];
	struct vkt_run r;
	char *flat;
	pid_t pid;
	int c, i;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, "-M", "16384", NULL);
	vkt_sync();
	c = vkt_client();
	for (i = 0; i < 16384; i++) {
		vkt_mac(mac, (unsigned int)i);
		mac[3] = 0x10;
		vkt_send(c, f, vkt_frame(f, fr_bcast, mac, 0));
	}
	flat = stats_json(VKT_SOCK);
	jis(flat, "16384", "macs");
	jis(flat, "16384", "ports.1.macs");
	jis(flat, "16384", "ports.1.in.frames");
	jis(flat, "1", "mac_table.16383.port");
	jabsent(flat, "mac_table.16384.port");
	free(flat);
	vkt_run(&r, NULL, VKNETD_PATH, "-f", "1", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(r.status == 0 && strcmp(r.out,
	    "16384 MAC addresses forgotten\n") == 0, "-f 1: exit %d: %s%s",
	    r.status, r.out, r.err);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Monitors.
 */
static pid_t
monitor_as(void (*prep)(void), const char *sock, const char *out)
{
	char cmd[512];
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	long long end = clock_ms() + VKT_RUN_MS;
	struct vkt_run r;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "exec %s -c -j -p %s >%s", VKNETD_PATH,
	    sock, out);
	pid = vkt_spawn(prep, argv);
	for (;;) {
		vkt_output(pid, &r);
		if (strstr(r.err, "monitoring ") != NULL)
			return (pid);
		if (clock_ms() >= end || !vkt_alive(pid))
			atf_tc_fail("vknetd -c did not attach: %s", r.err);
		vkt_nap(10);
	}
}

VKT_TC(monitor_json_lines,
    "vknetd -c -j: one JSON object per frame, with what -c shows as "
    "fields")
{
	uint8_t f[64], b[MAC_LEN];
	struct vkt_run r;
	size_t len;
	pid_t pid, mon;
	char *flat, want[64];
	int c[3];

	pid = learned_pair(c);
	mon = monitor_as(NULL, VKT_SOCK, "frames.json");
	vkt_mac(b, B);
	vkt_send_tagged(c[1], b, A, 2, f, &len);
	vkt_expect(c[2], "A to B", f, len);
	vkt_send(c[1], "runt", 4);
	vkt_nap(200);
	ATF_REQUIRE_EQ(vkt_kill(mon, SIGINT), 0);
	run_sh(&r, NULL, "python3 -c \"$0\" lines <frames.json >frames.flat");
	ATF_REQUIRE_EQ_MSG(r.status, 0, "python3: %s", vkt_flat(r.err));
	flat = vkt_slurp("frames.flat");
	jis(flat, "\"forward\"", "0.event");
	jis(flat, "1", "0.in");
	jis(flat, "2", "0.out");
	jis(flat, "1", "0.ports_out");
	jis(flat, "0", "0.ports_dropped");
	jis(flat, "60", "0.length");
	jis(flat, "60", "0.captured");
	jis(flat, "0", "0.missed");
	jis(flat, "\"02:00:00:00:00:01\"", "0.src");
	jis(flat, "\"02:00:00:00:00:02\"", "0.dst");
	snprintf(want, sizeof(want), "%d", VKT_EXPTYPE);
	jis(flat, want, "0.ethertype");
	jis(flat, "null", "0.filter");
	ATF_CHECK(jnum(flat, "0.sec") > 1700000000);
	ATF_CHECK(jnum(flat, "0.usec") < 1000000);
	ATF_CHECK_MSG(strstr(flat, "0.summary=\"02:00:00:00:00:01 > "
	    "02:00:00:00:00:02, ethertype") != NULL, "summary:\n%s", flat);
	jis(flat, "\"drop\"", "1.event");
	jis(flat, "null", "1.out");
	jis(flat, "\"bad_size\"", "1.drops.0");
	jis(flat, "null", "1.src");
	jabsent(flat, "2.event");
	free(flat);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(eight_monitors_and_stats_answers,
    "With 8 monitors attached -s, -k and -f are still served; a 9th "
    "monitor is refused with the reason and exit 1")
{
	char out[32], *flat;
	struct vkt_run r;
	pid_t pid, mon[8];
	int i, c;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	vkt_sync();
	c = vkt_client();
	for (i = 0; i < 8; i++) {
		snprintf(out, sizeof(out), "mon%d.json", i);
		mon[i] = monitor_as(NULL, VKT_SOCK, out);
	}
	flat = stats_json(VKT_SOCK);
	jis(flat, "8", "monitors");
	free(flat);
	vkt_run(&r, NULL, VKNETD_PATH, "-c", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err,
	    CTL_SOCK ": too many monitors (8)\n") != NULL,
	    "a 9th monitor: exit %d: %s", r.status, r.err);
	ATF_CHECK_MSG(strstr(r.err, "Broken pipe") == NULL &&
	    strstr(r.err, "reset") == NULL, "%s", r.err);
	vkt_run(&r, NULL, VKNETD_PATH, "-f", "all", "-p", VKT_SOCK, NULL);
	ATF_CHECK_EQ_MSG(r.status, 0, "-f all: %s", r.err);
	vkt_run(&r, NULL, VKNETD_PATH, "-k", "1", "-p", VKT_SOCK, NULL);
	ATF_CHECK_EQ_MSG(r.status, 0, "-k 1: %s", r.err);
	ATF_CHECK_EQ_MSG(vkt_recv(c, out, VKT_WAIT_MS), 0,
	    "the client was not disconnected");
	for (i = 0; i < 8; i++)
		ATF_CHECK_EQ(vkt_kill(mon[i], SIGINT), 0);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Issue 15: with every session taken, -s printed "Broken pipe" or
 * "Connection reset by peer": the refusal never reached the user.
 */
VKT_TC(refusal_reaches_the_user,
    "With all 16 control sessions held by connections that say nothing, "
    "vknetd -s and -k print the daemon's reason, not a socket error, "
    "and exit 1, every time")
{
	struct vkt_run r;
	pid_t pid;
	int held[16], i;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	for (i = 0; i < 16; i++)
		if ((held[i] = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1 ||
		    connect(held[i], (struct sockaddr *)&(struct sockaddr_un){
		    .sun_family = AF_UNIX, .sun_path = CTL_SOCK },
		    sizeof(struct sockaddr_un)) == -1)
			atf_tc_fail("connect %s: %s", CTL_SOCK,
			    strerror(errno));
	vkt_nap(200);
	for (i = 0; i < 6; i++) {
		vkt_run(&r, NULL, VKNETD_PATH, i % 2 ? "-s" : "-k", i % 2 ?
		    "-j" : "1", "-p", VKT_SOCK, NULL);
		ATF_CHECK_MSG(r.status == 1 && strcmp(r.err, "vknetd: "
		    CTL_SOCK ": too many control sessions\n") == 0,
		    "try %d: exit %d: %s", i, r.status, r.err);
	}
	for (i = 0; i < 16; i++)
		close(held[i]);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * -k and -f.
 */
VKT_TC(kill_disconnects_exactly_that_port,
    "vknetd -k port: that port's peer sees the end and its MACs are "
    "gone; the other ports stay; the TAP and missing ports are refused")
{
	uint8_t f[64], got[VKT_BUFSZ];
	struct vkt_run r;
	size_t len;
	char *flat;
	pid_t pid;
	int c[3];

	pid = learned_pair(c);

	vkt_run(&r, NULL, VKNETD_PATH, "-k", "1", "-p", VKT_SOCK, NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "-k 1: %s", r.err);
	ATF_CHECK_EQ_MSG(r.out[0], '\0', "-k printed %s", r.out);
	ATF_CHECK_EQ_MSG(vkt_recv(c[1], got, VKT_WAIT_MS), 0,
	    "port 1's peer saw no end");
	vkt_send_tagged(c[2], fr_bcast, B, 3, f, &len);	/* still there */
	flat = stats_json(VKT_SOCK);
	jis(flat, "2", "port_count");
	jis(flat, "2", "ports.1.port");
	jis(flat, "1", "macs");
	ATF_CHECK_MSG(mac_index(flat, A) == -1, "A's MAC is still there");
	ATF_CHECK_MSG(mac_index(flat, B) != -1, "B's MAC is gone");
	jis(flat, "1", "gone.in.frames");
	free(flat);

	vkt_run(&r, NULL, VKNETD_PATH, "-k", "0", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, CTL_SOCK ": port 0 is "
	    "the TAP") != NULL, "-k 0: exit %d: %s", r.status, r.err);
	vkt_run(&r, NULL, VKNETD_PATH, "-k", "1", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, CTL_SOCK ": no port 1\n")
	    != NULL, "-k 1 again: exit %d: %s", r.status, r.err);
	vkt_run(&r, NULL, VKNETD_PATH, "-k", "all", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(r.status == 64 && strstr(r.err, "-k all: port is "
	    "invalid") != NULL, "-k all: exit %d: %s", r.status, r.err);
	ATF_CHECK_MSG(vkt_alive(pid), "vknetd died");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(forget_port_then_all,
    "vknetd -f port forgets that port's MACs only, -f all every one; "
    "each says how many, and the ports stay connected")
{
	uint8_t f[64];
	struct vkt_run r;
	size_t len;
	char *flat;
	pid_t pid;
	int c[3];

	pid = learned_pair(c);
	vkt_send_tagged(c[2], fr_bcast, C, 3, f, &len);
	vkt_expect(c[1], "B's flood as C", f, len);

	vkt_run(&r, NULL, VKNETD_PATH, "-f", "2", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(r.status == 0 && strcmp(r.out,
	    "2 MAC addresses forgotten\n") == 0, "-f 2: exit %d: %s%s",
	    r.status, r.out, r.err);
	flat = stats_json(VKT_SOCK);
	ATF_CHECK_MSG(mac_index(flat, A) != -1, "A's MAC is gone");
	ATF_CHECK_MSG(mac_index(flat, B) == -1 && mac_index(flat, C) == -1,
	    "port 2's MACs are still there");
	jis(flat, "0", "ports.2.macs");
	jis(flat, "3", "port_count");
	free(flat);

	vkt_run(&r, NULL, VKNETD_PATH, "-f", "all", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(r.status == 0 && strcmp(r.out,
	    "1 MAC address forgotten\n") == 0, "-f all: exit %d: %s%s",
	    r.status, r.out, r.err);
	vkt_run(&r, NULL, VKNETD_PATH, "-f", "7", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, ": no port 7\n") != NULL,
	    "-f 7: exit %d: %s", r.status, r.err);
	flat = stats_json(VKT_SOCK);
	jis(flat, "0", "macs");
	jis(flat, "3", "port_count");
	free(flat);
	/* A is learned again from its next frame, and reached. */
	vkt_send_tagged(c[1], fr_bcast, A, 4, f, &len);
	vkt_expect(c[2], "A's flood after -f", f, len);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Who may watch.  Users other than root need a way to the socket: it
 * lives in a directory of its own under /tmp that anyone may search.
 */
static char sockdir[64], sock[128], ctlsock[136];
static gid_t member_gid;

static void
remove_sockdir(void)
{
	if (sockdir[0] != '\0')
		(void)rmdir(sockdir);
}

static void
public_socket(void)
{
	snprintf(sockdir, sizeof(sockdir), "/tmp/vkops.XXXXXX");
	if (mkdtemp(sockdir) == NULL || chmod(sockdir, 0755) == -1)
		atf_tc_fail("%s: %s", sockdir, strerror(errno));
	atexit(remove_sockdir);
	snprintf(sock, sizeof(sock), "%s/vknet", sockdir);
	snprintf(ctlsock, sizeof(ctlsock), "%s.ctl", sock);
}

static void
as_nobody(void)
{
	if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
	    setuid(NOBODY) == -1)
		_exit(125);
}

static void
as_member(void)
{
	if (setgroups(1, &member_gid) == -1 || setgid(NOBODY) == -1 ||
	    setuid(NOBODY) == -1)
		_exit(125);
}

/* Another member, whose uid has no name. */
static void
as_noname(void)
{
	if (setgroups(1, &member_gid) == -1 || setgid(NOBODY) == -1 ||
	    setuid(NONAME) == -1)
		_exit(125);
}

VKT_TC(control_socket_group,
    "The control socket is 0600 root:root without -g, and a user "
    "other than root cannot connect; with -g vknet it is 0660 group "
    "vknet and a member can, a non-member still cannot")
{
	struct group *gr;
	struct stat sb;
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	ATF_REQUIRE((gr = getgrnam("vknet")) != NULL);
	member_gid = gr->gr_gid;
	public_socket();
	pid = vkt_daemon("-p", sock, VKT_NET, NULL);
	ATF_REQUIRE_EQ(lstat(ctlsock, &sb), 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0600);
	ATF_CHECK(sb.st_uid == 0 && sb.st_gid == 0);
	vkt_run(&r, as_member, VKNETD_PATH, "-s", "-p", sock, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, ".ctl: Permission "
	    "denied") != NULL, "a member without -g: exit %d: %s", r.status,
	    r.err);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);

	pid = vkt_daemon("-p", sock, "-g", "vknet", VKT_NET, NULL);
	ATF_REQUIRE_EQ(lstat(ctlsock, &sb), 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0660);
	ATF_CHECK(sb.st_uid == 0 && sb.st_gid == gr->gr_gid);
	vkt_run(&r, as_member, VKNETD_PATH, "-s", "-p", sock, NULL);
	ATF_CHECK_MSG(r.status == 0 && strstr(r.out, " PORT KIND ") != NULL,
	    "a member with -g: exit "
	    "%d: %s", r.status, r.err);
	vkt_run(&r, as_nobody, VKNETD_PATH, "-s", "-p", sock, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, ".ctl: Permission "
	    "denied") != NULL, "a non-member: exit %d: %s", r.status, r.err);
	vkt_run(&r, as_nobody, VKNETD_PATH, "-k", "0", "-p", sock, NULL);
	ATF_CHECK_EQ_MSG(r.status, 1, "a non-member's -k: %s", r.err);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);

	vkt_run(&r, NULL, VKNETD_PATH, "-d", "-g", "no-such-group", "-p",
	    sock, "-i", VKT_PIDFILE, VKT_NET, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, "-g no-such-group: no "
	    "such group") != NULL, "-g no-such-group: exit %d: %s", r.status,
	    r.err);
}

VKT_TC(monitors_per_user,
    "A user other than root gets 4 monitors, the 5th is refused with "
    "the reason; the last of 8 is kept for root, who gets it")
{
	struct group *gr;
	struct vkt_run r;
	pid_t pid, mon[8];
	int i;

	vkt_setup();
	ATF_REQUIRE((gr = getgrnam("vknet")) != NULL);
	member_gid = gr->gr_gid;
	public_socket();
	pid = vkt_daemon("-p", sock, "-g", "vknet", VKT_NET, NULL);
	for (i = 0; i < 4; i++)
		mon[i] = monitor_as(as_member, sock, "/dev/null");
	vkt_run(&r, as_member, VKNETD_PATH, "-c", "-p", sock, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, ".ctl: uid 65534 has 4 "
	    "monitors already\n") != NULL, "a 5th monitor: exit %d: %s",
	    r.status, r.err);
	for (; i < 7; i++)
		mon[i] = monitor_as(as_noname, sock, "/dev/null");
	vkt_run(&r, as_noname, VKNETD_PATH, "-c", "-p", sock, NULL);
	ATF_CHECK_MSG(r.status == 1 && strstr(r.err, ".ctl: the last "
	    "monitor is kept for root\n") != NULL, "an 8th monitor: exit %d: "
	    "%s", r.status, r.err);
	mon[7] = monitor_as(NULL, sock, "/dev/null");
	for (i = 0; i < 8; i++)
		ATF_CHECK_EQ(vkt_kill(mon[i], SIGINT), 0);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(user_without_a_name,
    "A port whose peer's uid has no name shows the number as USER in "
    "the text, and null as user in the JSON, with the uid")
{
	const char *argv[] = { VKNET_PATH, "-E", NULL, "sleep", "30", NULL };
	struct group *gr;
	struct vkt_run r;
	char *flat, *text, buf[32];
	long long end;
	pid_t pid, peer;

	vkt_setup();
	ATF_REQUIRE((gr = getgrnam("vknet")) != NULL);
	member_gid = gr->gr_gid;
	public_socket();
	pid = vkt_daemon("-p", sock, VKT_NET, NULL);
	argv[2] = sock;
	peer = vkt_spawn(as_noname, argv);
	/*
	 * Once vknet has become sleep it has connected, and the daemon
	 * accepts clients before it reads a new control session's command.
	 */
	snprintf(buf, sizeof(buf), "/proc/%d/comm", (int)peer);
	for (end = clock_ms() + VKT_RUN_MS; (text = vkt_slurp(buf)) != NULL &&
	    strcmp(text, "sleep\n") != 0; free(text)) {
		if (clock_ms() >= end)
			atf_tc_fail("vknet -E did not become sleep: %s", text);
		vkt_nap(10);
	}
	free(text);
	flat = stats_json(sock);
	jis(flat, "2", "port_count");
	jis(flat, "65533", "ports.1.uid");
	jis(flat, "null", "ports.1.user");
	free(flat);
	run_sh(&r, NULL, "%s -s -p %s >stats.txt", VKNETD_PATH, sock);
	text = vkt_slurp("stats.txt");
	ATF_CHECK_MSG(vkt_cell(text, "1", "USER", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "65533") == 0, "USER of port 1:\n%s", text);
	free(text);
	(void)vkt_kill(peer, SIGTERM);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/* VKT_TC, for a case that must outlast STUCK_S. */
ATF_TC(stuck_monitor_is_closed);
ATF_TC_HEAD(stuck_monitor_is_closed, tc)
{
	atf_tc_set_md_var(tc, "descr", "A monitor that reads nothing, its "
	    "socket full, is closed after 60 s with a log line, and then "
	    "finds the daemon gone");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(stuck_monitor_is_closed, tc)
{
	uint8_t f[64];
	struct vkt_run r;
	long long end;
	pid_t pid, mon;
	size_t len;
	int c[3], i;

	pid = learned_pair(c);
	mon = monitor_as(NULL, VKT_SOCK, "/dev/null");
	if (kill(mon, SIGSTOP) == -1)
		atf_tc_fail("SIGSTOP: %s", strerror(errno));
	/* Many more records than its socket holds. */
	for (i = 0; i < 4000; i++) {
		vkt_send_tagged(c[1], fr_bcast, A, (uint32_t)i, f, &len);
		vkt_expect(c[2], "A's flood", f, len);
	}
	for (end = clock_ms() + (STUCK_S + 5) * 1000;; vkt_nap(500)) {
		vkt_output(pid, &r);
		if (strstr(r.err, " closed: it read nothing for 60 s") != NULL)
			break;
		if (clock_ms() >= end)
			atf_tc_fail("the stopped monitor is still attached: %s",
			    r.err);
		ATF_REQUIRE_MSG(strstr(r.err, "monitor detached") == NULL,
		    "closed early: %s", r.err);
	}
	if (kill(mon, SIGCONT) == -1)
		atf_tc_fail("SIGCONT: %s", strerror(errno));
	ATF_CHECK_EQ_MSG(vkt_wait(mon, VKT_RUN_MS), 1,
	    "the closed monitor did not exit 1");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, stats_json_every_field);
	ATF_TP_ADD_TC(tp, stats_text_by_column);
	ATF_TP_ADD_TC(tp, stats_of_a_full_mac_table);
	ATF_TP_ADD_TC(tp, monitor_json_lines);
	ATF_TP_ADD_TC(tp, eight_monitors_and_stats_answers);
	ATF_TP_ADD_TC(tp, refusal_reaches_the_user);
	ATF_TP_ADD_TC(tp, kill_disconnects_exactly_that_port);
	ATF_TP_ADD_TC(tp, forget_port_then_all);
	ATF_TP_ADD_TC(tp, control_socket_group);
	ATF_TP_ADD_TC(tp, monitors_per_user);
	ATF_TP_ADD_TC(tp, user_without_a_name);
	ATF_TP_ADD_TC(tp, stuck_monitor_is_closed);
	return (atf_no_error());
}
