/*
 * Integration tests of vknet(1), in network namespaces of their own
 * (see vkt.h), at three distances:
 *
 *   server_*	"vknet -S" between a pipe pair we hold (the link) and a
 *		real vknetd, or a TAP: frames byte for byte, a long
 *		stream in order, every protocol error, clean ends.
 *   client_*	the ssh end, with VKNET_SSH pointing at a small script
 *		instead of ssh: the exact ssh command, retries and their
 *		timing, signals, a bad stream, a link that comes back.
 *   ssh_*	end to end over a real OpenSSH server.  Two namespaces
 *		stand for two hosts, A (the test's own) and B, joined by
 *		a veth pair on 203.0.113.0/24 as by a real network; sshd
 *		listens on B's side of it.  Each host has a vknetd (or an
 *		auto TAP) whose TAP holds 198.51.100.1 or .2, and the
 *		two kernels ping and send a TCP stream through vknet.
 *
 * Why veth, not loopback, for ssh: with "auto" on both sides the two
 * vknets must be in different namespaces, so ssh has to get from A to
 * B somehow; a link between the two namespaces is the honest way, and
 * keeps every packet inside namespaces the test made.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <atf-c.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vkt.h"
#include "wire.h"

#define NSTREAM		100000	/* frames in the long streams */
#define WINDOW		32	/* frames in flight: the reader keeps up */
#define TCP_BYTES	(4 * 1024 * 1024)
#define TCP_PORT	5001
#define TCP_MS		30000
#define IP_A		"198.51.100.1"
#define IP_B		"198.51.100.2"
#define NET_A		IP_A "/24"
#define NET_B		IP_B "/24"
#define UNDERLAY_B	"203.0.113.2"
#define SSHD		"/usr/sbin/sshd"
#define SERVER_ERR	"server.err"
#define SUN_MAX		100	/* as vkt_abspath() keeps them */
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define TC(name, secs, text)						\
	ATF_TC(name);							\
	ATF_TC_HEAD(name, tc)						\
	{								\
		atf_tc_set_md_var(tc, "descr", text);			\
		atf_tc_set_md_var(tc, "timeout", #secs);		\
	}								\
	ATF_TC_BODY(name, tc)

enum { C = 1, L };		/* MACs: the socket client, the link side */

/*
 * Files and commands.
 */
static void __attribute__((format(printf, 3, 4)))
put_file(const char *path, mode_t mode, const char *fmt, ...)
{
	va_list ap;
	FILE *fp;

	if ((fp = fopen(path, "we")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	if (fclose(fp) == EOF || chmod(path, mode) == -1)
		atf_tc_fail("%s: %s", path, strerror(errno));
}

/* What there is of the file, or "" if there is none. */
static void
get_file(const char *path, char *buf, size_t len)
{
	FILE *fp;

	buf[0] = '\0';
	if ((fp = fopen(path, "re")) == NULL)
		return;
	buf[fread(buf, 1, len - 1, fp)] = '\0';
	fclose(fp);
}

/* Output on one line, as atf wants a reason to be. */
static char *
flat(char *s)
{
	char *p;

	for (p = s; (p = strchr(p, '\n')) != NULL; p++)
		*p = p[1] == '\0' ? '\0' : ' ';
	return (s);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return (n);
}

/* Run a shell command line; it must succeed within VKT_RUN_MS. */
static void __attribute__((format(printf, 1, 2)))
sh(const char *fmt, ...)
{
	struct vkt_run r;
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	vkt_run(&r, NULL, "/bin/sh", "-c", cmd, NULL);
	if (r.status != 0)
		atf_tc_fail("%s: status %d: %s", cmd, r.status, flat(r.err));
}

static void
setenv_or_fail(const char *name, const char *value)
{
	if (setenv(name, value, 1) == -1)
		atf_tc_fail("setenv %s: %s", name, strerror(errno));
}

/*
 * How many live processes have needle in their command line; with a
 * signal, those processes are sent it.
 */
static int
procs(const char *needle, int sig)
{
	char path[300], cmd[4096];
	struct dirent *de;
	ssize_t n, i;
	DIR *d;
	int fd, count = 0;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		for (i = 0; i < n; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[n > 0 ? n : 0] = '\0';
		if (n <= 0 || strstr(cmd, needle) == NULL)
			continue;
		count++;
		if (sig != 0)
			(void)kill(atoi(de->d_name), sig);
	}
	closedir(d);
	return (count);
}

static void
require_no_procs(const char *needle, const char *what)
{
	long long end = clock_ms() + VKT_WAIT_MS;
	int n;

	while ((n = procs(needle, 0)) != 0 && clock_ms() < end)
		vkt_nap(20);
	if (n != 0)
		atf_tc_fail("%d %s still running", n, what);
}

static void
require_gone(const char *ifname)
{
	long long end = clock_ms() + VKT_WAIT_MS;

	while (vkt_if_exists(ifname) && clock_ms() < end)
		vkt_nap(20);
	if (vkt_if_exists(ifname))
		atf_tc_fail("%s still exists", ifname);
}

/* The name in the first "<prefix>created TAP <name>" line of text. */
static int
created_tap(const char *text, const char *prefix, char name[IFNAMSIZ])
{
	const char *p;
	size_t n;

	for (p = text; (p = strstr(p, "created TAP ")) != NULL; p++) {
		if (p - text < (ptrdiff_t)strlen(prefix) ||
		    strncmp(p - strlen(prefix), prefix, strlen(prefix)) != 0)
			continue;
		p += strlen("created TAP ");
		if ((n = strcspn(p, "\n")) == 0 || n >= IFNAMSIZ)
			return (0);
		memcpy(name, p, n);
		name[n] = '\0';
		return (1);
	}
	return (0);
}

/* A frame of len bytes (at least 14) from src to dst, its bytes by tag. */
static size_t
frame_of(uint8_t *f, size_t len, unsigned int dst, unsigned int src,
    unsigned int tag)
{
	uint8_t d[MAC_LEN], s[MAC_LEN];
	size_t i;

	vkt_mac(d, dst);
	vkt_mac(s, src);
	fr_ether(f, d, s, VKT_EXPTYPE);
	for (i = ETHER_HDR; i < len; i++)
		f[i] = (uint8_t)(tag * 131 + i * 7);
	return (len);
}

/*
 * vknet -S, with its stdin and stdout in our hands: the link.  Its
 * stderr goes to SERVER_ERR.  What it writes is parsed back into
 * frames with the (unit-tested) decoder.
 */
struct server {
	pid_t		pid;
	int		in;		/* its stdin: we write the link */
	int		out;		/* its stdout: we read the link */
	size_t		head;
	size_t		tail;
	uint8_t		buf[1 << 16];
};

static struct server srv;

static void
server_start(struct server *s, const char *arg, ...)
{
	const char *argv[16];
	int to[2], from[2], fd, n = 0;
	sigset_t none;
	va_list ap;

	argv[n++] = VKNET_PATH;
	argv[n++] = "-S";
	va_start(ap, arg);
	for (; arg != NULL && n < (int)nitems(argv) - 1;
	    arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;
	memset(s, 0, sizeof(*s));
	if (pipe2(to, O_CLOEXEC) == -1 || pipe2(from, O_CLOEXEC) == -1)
		atf_tc_fail("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if ((s->pid = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (s->pid == 0) {
		sigemptyset(&none);
		if (dup2(to[0], 0) == -1 || dup2(from[1], 1) == -1 ||
		    (fd = open(SERVER_ERR, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644)) == -1 || dup2(fd, 2) == -1 ||
		    sigprocmask(SIG_SETMASK, &none, NULL) == -1)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	vkt_adopt(s->pid);
	close(to[0]);
	close(from[1]);
	s->in = to[1];
	s->out = from[0];
}

/* Raw bytes onto the link. */
static void
server_put(struct server *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	for (; len > 0; p += n, len -= (size_t)n)
		if ((n = write(s->in, p, len)) == -1)
			atf_tc_fail("write to vknet -S: %s", strerror(errno));
}

static void
server_send(struct server *s, const void *frame, size_t len)
{
	uint8_t buf[WIRE_HDR + WIRE_MAX];
	size_t n;

	if ((n = wire_encode(buf, sizeof(buf), frame, len)) == 0)
		atf_tc_fail("cannot frame %zu bytes", len);
	server_put(s, buf, n);
}

static void
server_eof(struct server *s)
{
	close(s->in);
	s->in = -1;
}

/* Ours: the test's MACs are 02:00:00:00:xx:xx, see vkt_mac(). */
static int
from_test(const uint8_t *f, size_t len)
{
	static const uint8_t prefix[4] = { 0x02, 0, 0, 0 };

	return (len >= ETHER_HDR && memcmp(f + MAC_LEN, prefix, 4) == 0);
}

/* The next frame vknet -S put on the link, or -1 if none within ms. */
static ssize_t
server_recv(struct server *s, uint8_t *frame, int ms)
{
	long long end = clock_ms() + ms;
	struct pollfd pfd = { .fd = s->out, .events = POLLIN };
	char why[WIRE_ERRLEN];
	struct wire_msg m;
	long long left;
	ssize_t n;

	for (;;) {
		switch (wire_decode(s->buf + s->head, s->tail - s->head, 0,
		    &m)) {
		case WIRE_FRAME:
			s->head += m.used;
			if (!from_test(m.frame, m.len))
				continue;
			memcpy(frame, m.frame, m.len);
			return ((ssize_t)m.len);
		case WIRE_MORE:
			break;
		default:
			atf_tc_fail("vknet -S wrote a bad stream: %s",
			    wire_error(&m, why, sizeof(why)));
		}
		if (s->head > 0) {
			memmove(s->buf, s->buf + s->head, s->tail - s->head);
			s->tail -= s->head;
			s->head = 0;
		}
		if ((left = end - clock_ms()) < 0 ||
		    poll(&pfd, 1, (int)left) == 0)
			return (-1);
		if ((n = read(s->out, s->buf + s->tail,
		    sizeof(s->buf) - s->tail)) <= 0)
			atf_tc_fail("vknet -S stdout: %s", n == 0 ?
			    "closed" : strerror(errno));
		s->tail += (size_t)n;
	}
}

static void
server_expect(struct server *s, const char *what, const void *frame,
    size_t len)
{
	uint8_t buf[WIRE_MAX];
	ssize_t n;

	if ((n = server_recv(s, buf, VKT_WAIT_MS)) == -1)
		atf_tc_fail("%s: nothing on the link within %d ms", what,
		    VKT_WAIT_MS);
	if ((size_t)n != len || memcmp(buf, frame, len) != 0)
		atf_tc_fail("%s: %zd bytes on the link differ from the %zu "
		    "sent", what, n, len);
}

/* vknet -S must end with status within VKT_RUN_MS; its stderr. */
static void
server_exit(struct server *s, int status, char *err, size_t len)
{
	int got = vkt_wait(s->pid, VKT_RUN_MS);

	if (got == -1) {
		(void)vkt_kill(s->pid, SIGKILL);
		atf_tc_fail("vknet -S still running after %d ms", VKT_RUN_MS);
	}
	get_file(SERVER_ERR, err, len);
	if (got != status)
		atf_tc_fail("vknet -S exited with %d, expected %d: %s", got,
		    status, flat(err));
}

/*
 * A vknetd, a client on it and vknet -S on it, each knowing the other's
 * MAC.  The first frame's round trip also shows that vknetd accepted
 * both connections.
 */
static int
server_on_switch(pid_t *daemon)
{
	static uint8_t got[VKT_BUFSZ];
	uint8_t f[60];
	long long end;
	pid_t pid;
	int c;

	pid = vkt_daemon("-U", NULL);
	if (daemon != NULL)
		*daemon = pid;
	server_start(&srv, VKT_SOCK, NULL);
	c = vkt_connect(VKT_SOCK);
	frame_of(f, sizeof(f), L, C, 0);
	for (end = clock_ms() + VKT_RUN_MS;;) {
		vkt_send(c, f, sizeof(f));
		if (server_recv(&srv, got, 100) == (ssize_t)sizeof(f) &&
		    memcmp(got, f, sizeof(f)) == 0)
			break;
		if (clock_ms() > end)
			atf_tc_fail("no frame from the client reached the "
			    "link within %d ms", VKT_RUN_MS);
	}
	/* A late copy of an earlier try would confuse what follows. */
	while (server_recv(&srv, got, 50) != -1)
		;
	frame_of(f, sizeof(f), C, L, 0);
	server_send(&srv, f, sizeof(f));
	vkt_expect(c, "first frame from the link", f, sizeof(f));
	return (c);
}

/*
 * -S between a pipe pair and a vknetd.
 */
TC(server_frames_both_ways, 60, "vknet -S carries frames of 14, 60, "
    "1514 and 8320 bytes byte for byte from the link to a vknetd "
    "client and back")
{
	static const size_t sizes[] = { 14, 60, 1514, 8320 };
	uint8_t f[WIRE_MAX];
	char what[64], err[VKT_OUTMAX];
	size_t i;
	int c;

	vkt_setup();
	c = server_on_switch(NULL);
	for (i = 0; i < nitems(sizes); i++) {
		snprintf(what, sizeof(what), "%zu bytes link to client",
		    sizes[i]);
		frame_of(f, sizes[i], C, L, (unsigned int)i + 1);
		server_send(&srv, f, sizes[i]);
		vkt_expect(c, what, f, sizes[i]);
		snprintf(what, sizeof(what), "%zu bytes client to link",
		    sizes[i]);
		frame_of(f, sizes[i], L, C, (unsigned int)i + 100);
		vkt_send(c, f, sizes[i]);
		server_expect(&srv, what, f, sizes[i]);
	}
	server_eof(&srv);
	server_exit(&srv, 0, err, sizeof(err));
	ATF_REQUIRE_STREQ(err, "");
}

TC(server_stream_in_order, 90, "100000 small frames cross vknet -S in "
    "order each way when the reader keeps up")
{
	static uint8_t got[VKT_BUFSZ];
	uint8_t f[60], mc[MAC_LEN], ml[MAC_LEN];
	unsigned int sent, seen;
	char err[VKT_OUTMAX];
	ssize_t n;
	int c;

	vkt_setup();
	c = server_on_switch(NULL);
	vkt_mac(mc, C);
	vkt_mac(ml, L);
	for (sent = seen = 0; seen < NSTREAM; seen++) {
		for (; sent < NSTREAM && sent - seen < WINDOW; sent++)
			server_send(&srv, f, vkt_frame(f, mc, ml, sent));
		n = vkt_recv(c, got, VKT_WAIT_MS);
		vkt_frame(f, mc, ml, seen);
		if (n != (ssize_t)sizeof(f) || memcmp(got, f, sizeof(f)) != 0)
			atf_tc_fail("link to client: frame %u of %u %s", seen,
			    NSTREAM, n == -1 ? "lost" : "out of order");
	}
	for (sent = seen = 0; seen < NSTREAM; seen++) {
		for (; sent < NSTREAM && sent - seen < WINDOW; sent++)
			vkt_send(c, f, vkt_frame(f, ml, mc, sent));
		n = server_recv(&srv, got, VKT_WAIT_MS);
		vkt_frame(f, ml, mc, seen);
		if (n != (ssize_t)sizeof(f) || memcmp(got, f, sizeof(f)) != 0)
			atf_tc_fail("client to link: frame %u of %u %s", seen,
			    NSTREAM, n == -1 ? "lost" : "out of order");
	}
	server_eof(&srv);
	server_exit(&srv, 0, err, sizeof(err));
	ATF_REQUIRE_STREQ(err, "");
}

/*
 * A good frame, then the bad bytes: the good frame must come through,
 * nothing after it, and vknet -S must stop with one line naming the
 * fault.
 */
static void
bad_stream(const void *bad, size_t len, int eof, const char *words)
{
	uint8_t f[60];
	char err[VKT_OUTMAX];
	int c;

	vkt_setup();
	c = server_on_switch(NULL);
	frame_of(f, sizeof(f), C, L, 7);
	server_send(&srv, f, sizeof(f));
	server_put(&srv, bad, len);
	if (eof)
		server_eof(&srv);
	vkt_expect(c, "the good frame before the bad bytes", f, sizeof(f));
	vkt_expect_none(c, "after the bad bytes", VKT_NONE_MS);
	server_exit(&srv, 1, err, sizeof(err));
	if (count_lines(err) != 1 || strstr(err, words) == NULL)
		atf_tc_fail("want one line with \"%s\" on stderr, got: %s",
		    words, flat(err));
}

/* A header for len bytes (any length), then 64 bytes of frame. */
static size_t
header_of(uint8_t *buf, size_t len)
{
	wire_header(buf, len);
	frame_of(buf + WIRE_HDR, 64, C, L, 9);
	return (WIRE_HDR + 64);
}

TC(server_bad_magic, 60, "a wrong magic number ends vknet -S with one "
    "line on stderr, and nothing of it is forwarded")
{
	uint8_t buf[128], b;

	header_of(buf, 64);
	/* The magic in the wrong byte order. */
	b = buf[0], buf[0] = buf[3], buf[3] = b;
	b = buf[1], buf[1] = buf[2], buf[2] = b;
	bad_stream(buf, WIRE_HDR + 64, 0, "bad magic 0x2b78695a");
}

TC(server_bad_length_zero, 60, "a zero length ends vknet -S with one "
    "line on stderr, and nothing of it is forwarded")
{
	uint8_t buf[128];

	bad_stream(buf, header_of(buf, 0), 0, "bad frame length 0");
}

TC(server_bad_length_big, 60, "a length above 8320 ends vknet -S with "
    "one line on stderr, and nothing of it is forwarded")
{
	uint8_t buf[128];

	bad_stream(buf, header_of(buf, 8321), 0, "bad frame length 8321");
}

TC(server_cut_header, 60, "end of file inside a header ends vknet -S "
    "with one line on stderr and non-zero status")
{
	uint8_t buf[128];

	header_of(buf, 64);
	bad_stream(buf, 5, 1, "inside a header (5 of 8");
}

TC(server_cut_frame, 60, "end of file inside a frame ends vknet -S "
    "with one line on stderr, and the partial frame is not forwarded")
{
	uint8_t buf[128];

	header_of(buf, 64);
	bad_stream(buf, WIRE_HDR + 30, 1, "inside a frame (30 of 64");
}

TC(server_runts_dropped, 60, "frames under 14 bytes from the link are "
    "dropped and counted, and vknet -S goes on")
{
	/* Room for a header; the runt sent is one byte short of it. */
	uint8_t f[60], runt[ETHER_HDR];
	char err[VKT_OUTMAX];
	int c;

	vkt_setup();
	c = server_on_switch(NULL);
	frame_of(runt, sizeof(runt), C, L, 1);
	server_send(&srv, runt, 1);
	server_send(&srv, runt, sizeof(runt) - 1);
	frame_of(f, sizeof(f), C, L, 2);
	server_send(&srv, f, sizeof(f));
	vkt_expect(c, "the frame after two runts", f, sizeof(f));
	vkt_expect_none(c, "after the runts", VKT_NONE_MS);
	server_eof(&srv);
	server_exit(&srv, 0, err, sizeof(err));
	ATF_REQUIRE_MATCH("2 frames dropped: .* 2 bad size",flat(err));
}

TC(server_vknetd_gone, 60, "vknet -S ends with non-zero status when "
    "vknetd goes away")
{
	char err[VKT_OUTMAX];
	pid_t d;

	vkt_setup();
	(void)server_on_switch(&d);
	ATF_REQUIRE_EQ(vkt_stop(d), 0);
	server_exit(&srv, 1, err, sizeof(err));
	ATF_REQUIRE_MATCH("vknetd closed the connection",flat(err));
}

TC(server_bad_socket, 60, "vknet -S on a path where no vknetd listens "
    "fails at once, naming the path")
{
	char err[VKT_OUTMAX];

	vkt_setup();
	server_start(&srv, "./nowhere", NULL);
	server_exit(&srv, 1, err, sizeof(err));
	ATF_REQUIRE_MATCH("\\./nowhere: No such file",flat(err));
}

/*
 * -S on a TAP.
 */
static void
server_tap_started(void)
{
	long long end = clock_ms() + VKT_RUN_MS;
	char err[VKT_OUTMAX];

	for (;;) {
		get_file(SERVER_ERR, err, sizeof(err));
		if (created_tap(err, "", vkt_tap))
			return;
		if (clock_ms() > end)
			atf_tc_fail("vknet -S named no TAP within %d ms: %s",
			    VKT_RUN_MS, flat(err));
		vkt_nap(10);
	}
}

TC(server_auto_tap, 60, "vknet -S auto creates a TAP, names it, "
    "carries frames both ways through it and removes it at end of file")
{
	uint8_t f[1514];
	char err[VKT_OUTMAX];
	int obs;

	vkt_setup();
	server_start(&srv, "auto", NULL);
	server_tap_started();
	ATF_REQUIRE(vkt_if_up(vkt_tap));
	obs = vkt_observer();
	frame_of(f, sizeof(f), C, L, 3);
	server_send(&srv, f, sizeof(f));
	vkt_expect(obs, "link to TAP", f, sizeof(f));
	frame_of(f, sizeof(f), L, C, 4);
	vkt_send(obs, f, sizeof(f));
	server_expect(&srv, "TAP to link", f, sizeof(f));
	close(obs);
	server_eof(&srv);
	server_exit(&srv, 0, err, sizeof(err));
	ATF_REQUIRE(!vkt_if_exists(vkt_tap));
}

TC(server_tap_bridge, 60, "vknet -S -b puts a named TAP into a bridge, "
    "creating both, and removes both at exit")
{
	char master[IFNAMSIZ], drv[32], err[VKT_OUTMAX];
	long long end;

	vkt_setup();
	server_start(&srv, "-b", "vkbr0", "vkt0", NULL);
	for (end = clock_ms() + VKT_RUN_MS; !vkt_if_exists("vkbr0") ||
	    !vkt_if_exists("vkt0") || !vkt_if_up("vkt0"); vkt_nap(10))
		if (clock_ms() > end)
			atf_tc_fail("vkt0 in vkbr0 not up within %d ms",
			    VKT_RUN_MS);
	vkt_if_master("vkt0", master);
	ATF_REQUIRE_STREQ(master, "vkbr0");
	vkt_if_driver("vkbr0", drv, sizeof(drv));
	ATF_REQUIRE_STREQ(drv, "bridge");
	ATF_REQUIRE(vkt_if_up("vkbr0"));
	ATF_REQUIRE_EQ(vkt_stop(srv.pid), 0);
	get_file(SERVER_ERR, err, sizeof(err));
	ATF_REQUIRE_MATCH("created TAP vkt0",flat(err));
	ATF_REQUIRE(!vkt_if_exists("vkt0"));
	ATF_REQUIRE(!vkt_if_exists("vkbr0"));
}

TC(server_bridge_kept, 60, "a bridge that existed before vknet -S is "
    "still there after it")
{
	char master[IFNAMSIZ], err[VKT_OUTMAX];

	vkt_setup();
	sh("ip link add vkbr1 type bridge");
	server_start(&srv, "-b", "vkbr1", "auto", NULL);
	server_tap_started();
	vkt_if_master(vkt_tap, master);
	ATF_REQUIRE_STREQ(master, "vkbr1");
	server_eof(&srv);
	server_exit(&srv, 0, err, sizeof(err));
	ATF_REQUIRE(!vkt_if_exists(vkt_tap));
	ATF_REQUIRE(vkt_if_exists("vkbr1"));
}

/*
 * The command line.
 */
static void
require_refused(const char *what, const char *words, const char *arg, ...)
{
	const char *argv[16];
	struct vkt_run r;
	va_list ap;
	int n = 0;

	argv[n++] = VKNET_PATH;
	va_start(ap, arg);
	for (; arg != NULL && n < (int)nitems(argv) - 1;
	    arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	for (; n < (int)nitems(argv); n++)
		argv[n] = NULL;
	vkt_run(&r, NULL, argv[0], argv[1], argv[2], argv[3], argv[4],
	    argv[5], argv[6], argv[7], NULL);
	if (r.status != 64)
		atf_tc_fail("%s: status %d, expected 64: %s", what, r.status,
		    flat(r.err));
	if (strstr(r.err, words) == NULL)
		atf_tc_fail("%s: no \"%s\" in: %s", what, words,
		    flat(r.err));
	if (strstr(r.err, "usage: vknet [-C] [-b local-bridge] "
	    "[-B remote-bridge] [-r delay[:retries]]\n             "
	    "[-x connection] local-spec [user@]host[:remote-spec]\n"
	    "       vknet -E socket_path command [argument ...]\n"
	    "       vknet -S [-b bridge] [-x connection] spec\n") == NULL)
		atf_tc_fail("%s: no usage in: %s", what, flat(r.err));
}

TC(usage_errors, 60, "bad command lines exit 64 with a reason and the "
    "usage, and create nothing")
{
	vkt_setup();
	require_refused("no arguments", "usage", NULL);
	require_refused("one argument", "usage", "auto", NULL);
	require_refused("-S, two specs", "usage", "-S", "auto", "x", NULL);
	require_refused("-S with -C", "usage", "-S", "-C", "auto", NULL);
	require_refused("-S with -r", "usage", "-S", "-r", "1", "auto",
	    NULL);
	require_refused("-b on a socket", "only a TAP can be bridged", "-b",
	    "vkbr0", "/x/sock", "host", NULL);
	require_refused("-B on a socket", "only a TAP can be bridged", "-B",
	    "vkbr0", "auto", "host:/x/sock", NULL);
	require_refused("-B on the default", "only a TAP can be bridged",
	    "-B", "vkbr0", "auto", "host", NULL);
	require_refused("-S -b on a socket", "only a TAP can be bridged",
	    "-S", "-b", "vkbr0", "./sock", NULL);
	require_refused("bad delay", "-r x: delay is invalid", "-r", "x",
	    "auto", "host", NULL);
	require_refused("bad retries", "retries is too small", "-r", "1:-1",
	    "auto", "host", NULL);
	require_refused("no host", "no host", "auto", ":auto", NULL);
	require_refused("empty remote", "empty remote-spec", "auto",
	    "host:", NULL);
	require_refused("option as host", "cannot begin with '-'", "auto",
	    "-oProxyCommand=x", NULL);
	require_refused("long TAP name", "interface name too long",
	    "vknet0123456789ab", "host", NULL);
	ATF_REQUIRE(!vkt_if_exists("vkbr0"));
	ATF_REQUIRE(!vkt_if_exists("tap0"));
}

TC(exec_on_switch, 60, "vknet -E connects to the switch and becomes "
    "the command, which has the connection as {} and VKNET_FD and is "
    "the port's peer")
{
	char word[64];
	struct vkt_run r;
	const char *row;
	pid_t d;
	int pid, fd, fd2, peer;

	vkt_setup();
	d = vkt_daemon(NET_A, NULL);
	/* The shell says who it is, then becomes vknetd -s, still it. */
	vkt_run(&r, NULL, VKNET_PATH, "-E", VKT_SOCK, "sh", "-c",
	    "echo $$ $1 $VKNET_FD; readlink /proc/self/fd/$1; "
	    "exec \"$0\" -s -p " VKT_SOCK, VKNETD_PATH, "{}", NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "status %d: %s", r.status,
	    flat(r.err));
	ATF_REQUIRE_MSG(sscanf(r.out, "%d %d %d %63s", &pid, &fd, &fd2,
	    word) == 4 && fd == fd2 && fd > 2 &&
	    strncmp(word, "socket:[", 8) == 0, "not a descriptor: %s",
	    flat(r.out));
	/*
	 * Its port need not be 1: the daemon's readiness probe may be.
	 * It is a "link" if the daemon read the peer's name before vknet
	 * became the shell.
	 */
	ATF_CHECK_MSG(((row = strstr(r.out, " client ")) != NULL ||
	    (row = strstr(r.out, " link ")) != NULL) &&
	    sscanf(row, " %*s %d", &peer) == 1 && peer == pid,
	    "pid %d is not the client port's peer:\n%s", pid, r.out);
	require_refused("-E, no command", "usage", "-E", "./sock", NULL);
	require_refused("-E with -C", "usage", "-C", "-E", "./sock", "true",
	    NULL);
	require_refused("-E on a TAP", "not a socket path", "-E", "tap0",
	    "true", NULL);
	vkt_run(&r, NULL, VKNET_PATH, "-E", "./nowhere", "true", NULL);
	ATF_CHECK_EQ(r.status, 1);
	ATF_CHECK_MATCH("\\./nowhere: No such file", flat(r.err));
	vkt_run(&r, NULL, VKNET_PATH, "-E", VKT_SOCK, "./no-such-command",
	    NULL);
	ATF_CHECK_EQ(r.status, 127);
	ATF_CHECK_EQ(vkt_stop(d), 0);
}

/*
 * The client, with VKNET_SSH pointing at a script of the test's.
 */
static void
fake_ssh(const char *body)
{
	char path[SUN_MAX];

	vkt_abspath(path, sizeof(path), "fakessh");
	put_file(path, 0755, "#!/bin/sh\n%s\n", body);
	setenv_or_fail("VKNET_SSH", path);
}

/*
 * A stand-in for ssh that runs the remote command on this host; it
 * logs its pid, which the remote vknet then has.
 */
static void
loopback_ssh(void)
{
	char dir[PATH_MAX], body[PATH_MAX * 2];

	snprintf(dir, sizeof(dir), "%s", VKNET_PATH);
	*strrchr(dir, '/') = '\0';
	snprintf(body, sizeof(body),
	    "echo $$ >>ssh.pids\n"
	    "while [ $# -gt 0 ] && [ \"$1\" != exec ]; do shift; done\n"
	    "PATH=%s:$PATH exec /bin/sh -c \"$*\"", dir);
	fake_ssh(body);
}

/* The lines of a file, as a count, into lines[] if not NULL. */
static int
read_lines(const char *path, char lines[][64], int max)
{
	char buf[4096], *p, *nl;
	int n = 0;

	get_file(path, buf, sizeof(buf));
	for (p = buf; (nl = strchr(p, '\n')) != NULL && n < max; p = nl + 1) {
		*nl = '\0';
		if (lines != NULL)
			snprintf(lines[n], 64, "%.63s", p);
		n++;
	}
	return (n);
}

TC(client_ssh_command, 60, "the ssh command is VKNET_SSH split on "
    "blanks, then DragonFly's arguments with exec, quoted for the "
    "remote shell")
{
	static const char *want[] = { "-p", "2222", "-o", "User=x", "-x",
	    "-T", "-e", "none", "-C", "me@vkb", "exec", "vknet", "-S",
	    "-b", "br0", "'my tap'\\''0'" };
	char got[32][64], path[SUN_MAX], env[SUN_MAX + 32];
	struct vkt_run r;
	size_t i;
	int n;

	vkt_setup();
	fake_ssh("for a; do printf '%s\\n' \"$a\"; done >argv; exit 1");
	vkt_abspath(path, sizeof(path), "fakessh");
	snprintf(env, sizeof(env), " %s -p 2222  -o\tUser=x ", path);
	setenv_or_fail("VKNET_SSH", env);
	vkt_run(&r, NULL, VKNET_PATH, "-C", "-B", "br0", "auto",
	    "me@vkb:my tap'0", NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 1, "%s", flat(r.err));
	n = read_lines("argv", got, (int)nitems(got));
	for (i = 0; i < nitems(want) && (int)i < n; i++)
		ATF_REQUIRE_STREQ_MSG(got[i], want[i], "ssh argument %zu",
		    i + 1);
	ATF_REQUIRE_EQ_MSG((size_t)n, nitems(want), "ssh got %d arguments",
	    n);
}

TC(client_default_ssh, 60, "without VKNET_SSH vknet runs ssh from PATH "
    "with the original arguments and the default remote spec")
{
	char bin[SUN_MAX], env[8192], got[16][64];
	struct vkt_run r;

	vkt_setup();
	vkt_abspath(bin, sizeof(bin), "bin");
	if (mkdir(bin, 0755) == -1)
		atf_tc_fail("mkdir %s: %s", bin, strerror(errno));
	snprintf(env, sizeof(env), "%s/ssh", bin);
	/* Run by vknet, so in the work directory. */
	put_file(env, 0755, "#!/bin/sh\n"
	    "for a; do printf '%%s\\n' \"$a\"; done >argv; exit 1\n");
	snprintf(env, sizeof(env), "%s:%s", bin, getenv("PATH"));
	setenv_or_fail("PATH", env);
	unsetenv("VKNET_SSH");
	vkt_run(&r, NULL, VKNET_PATH, "auto", "vkb", NULL);
	ATF_REQUIRE_EQ(r.status, 1);
	ATF_REQUIRE_EQ(read_lines("argv", got, 16), 9);
	ATF_REQUIRE_STREQ(got[0], "-x");
	ATF_REQUIRE_STREQ(got[4], "vkb");
	ATF_REQUIRE_STREQ(got[5], "exec");
	ATF_REQUIRE_STREQ(got[8], "/var/run/vknet");
}

/* Wait until the file at path has n lines or more. */
static void
await_lines(const char *path, int n, const char *what)
{
	long long end = clock_ms() + VKT_RUN_MS;

	while (read_lines(path, NULL, n) < n) {
		if (clock_ms() > end)
			atf_tc_fail("fewer than %d %s in %d ms", n, what,
			    VKT_RUN_MS);
		vkt_nap(10);
	}
}

/* The attempts the fake ssh logged: their times, and the TAP's index. */
static int
attempts(double *when, char index[][64], int max)
{
	char lines[16][64];
	int i, n;

	n = read_lines("attempts", lines, max < 16 ? max : 16);
	for (i = 0; i < n; i++)
		if (sscanf(lines[i], "%lf %63s", &when[i], index[i]) != 2)
			atf_tc_fail("attempt %d logged \"%s\"", i + 1,
			    lines[i]);
	return (n);
}

TC(client_retries, 60, "with -r 1:2 a failing ssh is started exactly 3 "
    "times, a second apart, with the local TAP kept open, then vknet "
    "exits non-zero")
{
	char index[16][64];
	double when[16];
	struct vkt_run r;
	int i, n;

	vkt_setup();
	fake_ssh("echo \"$(date +%s.%N) $(ip -o link show vkr0 | "
	    "cut -d: -f1)\" >>attempts\nexit 1");
	vkt_run(&r, NULL, VKNET_PATH, "-r", "1:2", "vkr0", "host", NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 1, "%s", flat(r.err));
	ATF_REQUIRE_EQ((n = attempts(when, index, 16)), 3);
	for (i = 1; i < n; i++) {
		if (when[i] - when[i - 1] < 0.95 || when[i] - when[i - 1] > 1.5)
			atf_tc_fail("attempts %d and %d %.3f s apart", i,
			    i + 1, when[i] - when[i - 1]);
		ATF_REQUIRE_STREQ_MSG(index[i], index[0], "TAP recreated");
	}
	ATF_REQUIRE_MATCH("created TAP vkr0", flat(r.err));
	ATF_REQUIRE(!vkt_if_exists("vkr0"));
}

TC(client_no_retry, 60, "without -r one lost link ends vknet with "
    "non-zero status")
{
	double when[16];
	char index[16][64];
	struct vkt_run r;

	vkt_setup();
	fake_ssh("echo \"$(date +%s.%N) x\" >>attempts; exit 0");
	vkt_run(&r, NULL, VKNET_PATH, "auto", "host", NULL);
	ATF_REQUIRE_EQ(r.status, 1);
	ATF_REQUIRE_EQ(attempts(when, index, 16), 1);
	ATF_REQUIRE_MATCH("link to host down: ssh exited with status 0",
	    flat(r.err));
}

TC(client_retry_forever, 60, "-r without a limit keeps starting ssh "
    "until a signal, which ends vknet with status 0")
{
	pid_t pid;

	vkt_setup();
	fake_ssh("echo \"$(date +%s.%N) x\" >>attempts; exit 1");
	pid = vkt_spawn(NULL, (const char *[]){ VKNET_PATH, "-r", "0",
	    "auto", "host", NULL });
	await_lines("attempts", 5, "attempts");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

TC(client_sigterm, 60, "SIGTERM ends vknet with status 0, ending and "
    "reaping ssh and removing the TAP it created")
{
	char pids[4][64], err[VKT_OUTMAX], tap[IFNAMSIZ];
	struct vkt_run r;
	pid_t pid;

	vkt_setup();
	fake_ssh("echo $$ >>ssh.pids; exec sleep 60");
	pid = vkt_spawn(NULL, (const char *[]){ VKNET_PATH, "-r", "1",
	    "auto", "host", NULL });
	await_lines("ssh.pids", 1, "ssh started");
	read_lines("ssh.pids", pids, 4);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	vkt_output(pid, &r);
	snprintf(err, sizeof(err), "%s", r.err);
	ATF_REQUIRE(created_tap(err, "vknet: ", tap));
	ATF_REQUIRE(!vkt_if_exists(tap));
	if (kill((pid_t)atoi(pids[0]), 0) == 0 || errno != ESRCH)
		atf_tc_fail("ssh (pid %s) is still there", pids[0]);
}

TC(client_bad_stream, 60, "text instead of frames on the link ends vknet "
    "at once, even with -r, with one line naming it")
{
	char pids[4][64];
	struct vkt_run r;

	vkt_setup();
	fake_ssh("echo $$ >>ssh.pids; echo 'Welcome to host!'; exec sleep 60");
	vkt_run(&r, NULL, VKNET_PATH, "-r", "1:5", "auto", "host", NULL);
	ATF_REQUIRE_EQ(r.status, 1);
	ATF_REQUIRE_MATCH("vknet: link: bad magic 0x636c6557 ", flat(r.err));
	ATF_REQUIRE_EQ(read_lines("ssh.pids", pids, 4), 1);
}

/* The socket vknet holds: its local side (the link is pipes). */
static void
socket_of(pid_t pid, char *buf, size_t len)
{
	char dir[64], path[320], target[64];
	struct dirent *de;
	ssize_t n;
	DIR *d;

	buf[0] = '\0';
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		atf_tc_fail("%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((n = readlink(path, target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "socket:", 7) == 0)
			snprintf(buf, len, "%s", target);
	}
	closedir(d);
	if (buf[0] == '\0')
		atf_tc_fail("vknet holds no socket");
}

/* Frames from a's client reach b's, once the link is (back) up. */
static void
await_crossing(int ca, int cb, unsigned int tag)
{
	static uint8_t got[VKT_BUFSZ];
	long long end = clock_ms() + VKT_RUN_MS;
	uint8_t f[60];

	frame_of(f, sizeof(f), L, C, tag);
	for (;;) {
		vkt_send(ca, f, sizeof(f));
		if (vkt_recv(cb, got, 100) == (ssize_t)sizeof(f) &&
		    memcmp(got, f, sizeof(f)) == 0)
			return;
		if (clock_ms() > end)
			atf_tc_fail("link %u: nothing crossed in %d ms", tag,
			    VKT_RUN_MS);
	}
}

TC(client_retry_reconnects, 60, "with -r a lost link comes back: "
    "frames cross again between two vknetds, and the local side stayed "
    "connected all along")
{
	char a[SUN_MAX], b[SUN_MAX], dest[SUN_MAX + 8], pids[4][64];
	char before[64], after[64];
	int ca, cb;
	pid_t pid;

	vkt_setup();
	vkt_abspath(a, sizeof(a), "a.sock");
	vkt_abspath(b, sizeof(b), "b.sock");
	vkt_daemon("-U", "-p", a, "-i", "a.pid", NULL);
	vkt_daemon("-U", "-p", b, "-i", "b.pid", NULL);
	loopback_ssh();
	snprintf(dest, sizeof(dest), "host:%s", b);
	pid = vkt_spawn(NULL, (const char *[]){ VKNET_PATH, "-r", "1:3", a,
	    dest, NULL });
	ca = vkt_connect(a);
	cb = vkt_connect(b);
	await_crossing(ca, cb, 1);
	socket_of(pid, before, sizeof(before));
	/* Lose the link: the remote vknet -S is the fake ssh, exec'ed. */
	ATF_REQUIRE_EQ(read_lines("ssh.pids", pids, 4), 1);
	if (kill((pid_t)atoi(pids[0]), SIGTERM) == -1)
		atf_tc_fail("kill %s: %s", pids[0], strerror(errno));
	await_lines("ssh.pids", 2, "ssh started");
	await_crossing(ca, cb, 2);
	socket_of(pid, after, sizeof(after));
	ATF_REQUIRE_STREQ_MSG(after, before, "vknet reconnected to vknetd");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	close(ca);
	close(cb);
}

/*
 * End to end over sshd.
 */
struct hosts {
	int	nsa;			/* the test's namespace */
	int	nsb;
	char	dir[PATH_MAX];		/* the work directory */
	char	sock_a[SUN_MAX];
	char	sock_b[SUN_MAX];
	char	ssh_config[SUN_MAX];
};

static struct hosts hosts;

static void
enter(int ns)
{
	if (setns(ns, CLONE_NEWNET) == -1)
		atf_tc_fail("setns: %s", strerror(errno));
}

/* Orphaned ssh clients would keep sessions, and B, alive: end them. */
static void
end_ssh_clients(void)
{
	if (hosts.ssh_config[0] != '\0')
		(void)procs(hosts.ssh_config, SIGKILL);
}

/* Keys, configuration, and a place on PATH for the remote vknet. */
static void
ssh_files(struct hosts *h)
{
	char path[SUN_MAX + 8];

	sh("ssh-keygen -q -t ed25519 -N '' -C vknet_test -f hostkey && "
	    "ssh-keygen -q -t ed25519 -N '' -C vknet_test -f userkey && "
	    "cp userkey.pub authorized_keys && mkdir bin && "
	    "ln -s %s bin/vknet", VKNET_PATH);
	put_file("sshd_config", 0644,
	    "ListenAddress %s\n"
	    "HostKey %s/hostkey\n"
	    "AuthorizedKeysFile %s/authorized_keys\n"
	    "PidFile none\n"
	    "StrictModes no\n"
	    "UsePAM no\n"
	    "PasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\n"
	    "PermitRootLogin prohibit-password\n"
	    "SetEnv PATH=%s/bin:/usr/bin:/bin\n"
	    "PrintMotd no\n"
	    "LogLevel ERROR\n", UNDERLAY_B, h->dir, h->dir, h->dir);
	vkt_abspath(h->ssh_config, sizeof(h->ssh_config), "ssh_config");
	put_file(h->ssh_config, 0644,
	    "Host vkb\n"
	    "\tHostName %s\n"
	    "\tUser root\n"
	    "\tIdentityFile %s/userkey\n"
	    "\tIdentitiesOnly yes\n"
	    "\tUserKnownHostsFile /dev/null\n"
	    "\tGlobalKnownHostsFile /dev/null\n"
	    "\tStrictHostKeyChecking no\n"
	    "\tBatchMode yes\n"
	    "\tLogLevel ERROR\n", UNDERLAY_B, h->dir);
	snprintf(path, sizeof(path), "ssh -F %s", h->ssh_config);
	setenv_or_fail("VKNET_SSH", path);
}

/*
 * Host A is the test's namespace, host B a second one, held by an open
 * descriptor; the veth between them is their network.  sshd runs in B.
 */
static void
two_hosts(struct hosts *h)
{
	char sshd_config[SUN_MAX];

	if (access(SSHD, X_OK) == -1 || access("/usr/bin/ssh", X_OK) == -1)
		atf_tc_skip("needs OpenSSH (tools/depends.sh check)");
	vkt_setup();
	if (getcwd(h->dir, sizeof(h->dir)) == NULL)
		atf_tc_fail("getcwd: %s", strerror(errno));
	vkt_abspath(h->sock_a, sizeof(h->sock_a), "a.sock");
	vkt_abspath(h->sock_b, sizeof(h->sock_b), "b.sock");
	if (atexit(end_ssh_clients) != 0)
		atf_tc_fail("atexit failed");
	if ((h->nsa = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1)
		atf_tc_fail("/proc/self/ns/net: %s", strerror(errno));
	if (unshare(CLONE_NEWNET) == -1)
		atf_tc_fail("unshare(CLONE_NEWNET): %s", strerror(errno));
	if ((h->nsb = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1)
		atf_tc_fail("/proc/self/ns/net: %s", strerror(errno));
	sh("ip link set lo up && "
	    "ip link add vkb type veth peer name vka netns /proc/%d/fd/%d && "
	    "ip addr add %s/24 dev vkb && ip link set vkb up", (int)getpid(),
	    h->nsa, UNDERLAY_B);
	enter(h->nsa);
	sh("ip addr add 203.0.113.1/24 dev vka && ip link set vka up");

	ssh_files(h);
	/* sshd's privilege separation directory, made at boot on Debian. */
	if (mkdir("/run/sshd", 0755) == -1 && errno != EEXIST)
		atf_tc_fail("/run/sshd: %s", strerror(errno));
	vkt_abspath(sshd_config, sizeof(sshd_config), "sshd_config");
	enter(h->nsb);
	vkt_spawn(NULL, (const char *[]){ SSHD, "-D", "-e", "-f",
	    sshd_config, NULL });
	enter(h->nsa);
	vkt_wait_listening(UNDERLAY_B, 22);
}

/* A vknetd with its TAP's address on each host. */
static void
two_switches(struct hosts *h)
{
	enter(h->nsb);
	vkt_daemon("-U", "-p", h->sock_b, "-i", "b.pid", NET_B, NULL);
	enter(h->nsa);
	vkt_daemon("-U", "-p", h->sock_a, "-i", "a.pid", NET_A, NULL);
}

static pid_t
start_vknet(const char *opt, const char *local, const char *remote)
{
	char dest[SUN_MAX + 8];

	snprintf(dest, sizeof(dest), "vkb:%s", remote);
	if (opt != NULL)
		return (vkt_spawn(NULL, (const char *[]){ VKNET_PATH, opt,
		    local, dest, NULL }));
	return (vkt_spawn(NULL, (const char *[]){ VKNET_PATH, local, dest,
	    NULL }));
}

static void
ping_b(pid_t vknet)
{
	struct vkt_run r, v;

	vkt_run(&r, NULL, "ping", "-c", "3", "-i", "0.2", "-w", "4", IP_B,
	    NULL);
	if (r.status != 0) {
		vkt_output(vknet, &v);
		atf_tc_fail("ping %s from A: status %d: %s%s; vknet: %s",
		    IP_B, r.status, flat(r.out), flat(r.err), flat(v.err));
	}
}

/* The bytes of the test stream: offset i has pattern[i % PATTERN]. */
#define PATTERN	65521		/* prime: no write size lines up with it */

static uint8_t pattern[PATTERN];

static void
make_pattern(void)
{
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < PATTERN; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		pattern[i] = (uint8_t)x;
	}
}

static int
tcp_socket(void)
{
	int s;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		atf_tc_fail("socket: %s", strerror(errno));
	return (s);
}

/*
 * TCP_BYTES from A's kernel to B's through the link, checked byte for
 * byte on arrival.  One poll() loop plays both ends: the listening
 * socket is made in B and, like any socket, stays there.
 */
static void
tcp_b(struct hosts *h)
{
	struct sockaddr_in sin;
	struct pollfd pfd[3];
	uint8_t buf[65536];
	size_t sent = 0, got = 0, n0, k;
	long long t0 = clock_ms(), end = t0 + TCP_MS;
	ssize_t n;
	int l, c, a = -1;

	make_pattern();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(TCP_PORT);
	sin.sin_addr.s_addr = vkt_ip(IP_B);
	enter(h->nsb);
	l = tcp_socket();
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 1) == -1)
		atf_tc_fail("listen on %s: %s", IP_B, strerror(errno));
	enter(h->nsa);
	c = tcp_socket();
	if (connect(c, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS)
		atf_tc_fail("connect %s: %s", IP_B, strerror(errno));
	while (got < TCP_BYTES) {
		pfd[0] = (struct pollfd){ .fd = l, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = sent < TCP_BYTES ? c : -1,
		    .events = POLLOUT };
		pfd[2] = (struct pollfd){ .fd = a, .events = POLLIN };
		if (clock_ms() > end)
			atf_tc_fail("TCP: %zu of %d bytes in %d ms", got,
			    TCP_BYTES, TCP_MS);
		if (poll(pfd, 3, 1000) == -1)
			atf_tc_fail("poll: %s", strerror(errno));
		if (pfd[0].revents != 0 && a == -1 &&
		    (a = accept4(l, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) == -1)
			atf_tc_fail("accept: %s", strerror(errno));
		if (pfd[1].revents != 0) {
			n0 = sent % PATTERN;
			k = PATTERN - n0;
			if (k > TCP_BYTES - sent)
				k = TCP_BYTES - sent;
			n = send(c, pattern + n0, k, MSG_NOSIGNAL);
			if (n == -1 && errno != EAGAIN)
				atf_tc_fail("TCP send: %s", strerror(errno));
			sent += n > 0 ? (size_t)n : 0;
		}
		if (pfd[2].revents == 0)
			continue;
		if ((n = read(a, buf, sizeof(buf))) <= 0) {
			if (n == -1 && errno == EAGAIN)
				continue;
			atf_tc_fail("TCP receive after %zu bytes: %s", got,
			    n == 0 ? "end of stream" : strerror(errno));
		}
		for (k = 0; k < (size_t)n; k++, got++)
			if (buf[k] != pattern[got % PATTERN])
				atf_tc_fail("TCP byte %zu differs", got);
	}
	fprintf(stderr, "%d bytes A to B in %lld ms\n", TCP_BYTES,
	    clock_ms() - t0);
	close(a);
	close(c);
	close(l);
}

/* vknet ends cleanly on SIGTERM, taking ssh and the remote end along. */
static void
stop_vknet(struct hosts *h, pid_t vknet)
{
	ATF_REQUIRE_EQ(vkt_stop(vknet), 0);
	require_no_procs(h->ssh_config, "ssh clients");
	require_no_procs("vknet -S ", "remote vknets");
}

static void
sockets_over_ssh(const char *opt)
{
	pid_t vknet;

	two_hosts(&hosts);
	two_switches(&hosts);
	vknet = start_vknet(opt, hosts.sock_a, hosts.sock_b);
	ping_b(vknet);
	tcp_b(&hosts);
	stop_vknet(&hosts, vknet);
}

TC(ssh_sockets, 90, "two vknetds in two namespaces joined by vknet over "
    "a real sshd: the kernels ping and move 4 MiB of TCP intact")
{
	sockets_over_ssh(NULL);
}

TC(ssh_compressed, 90, "the same with -C (compression)")
{
	sockets_over_ssh("-C");
}

TC(ssh_auto_taps, 90, "auto TAPs on both sides of vknet over a real "
    "sshd: named, addressed by the test, pinging, carrying TCP, then "
    "removed")
{
	char err[VKT_OUTMAX], host[256], prefix[300], tap_a[IFNAMSIZ];
	char tap_b[IFNAMSIZ];
	struct vkt_run r;
	long long end;
	pid_t vknet;

	two_hosts(&hosts);
	if (gethostname(host, sizeof(host)) == -1)
		atf_tc_fail("gethostname: %s", strerror(errno));
	host[strcspn(host, ".")] = '\0';
	snprintf(prefix, sizeof(prefix), "vknet@%s: ", host);
	vknet = start_vknet(NULL, "auto", "auto");
	for (end = clock_ms() + VKT_RUN_MS;; vkt_nap(20)) {
		vkt_output(vknet, &r);
		snprintf(err, sizeof(err), "%s", r.err);
		if (created_tap(err, "vknet: ", tap_a) &&
		    created_tap(err, prefix, tap_b))
			break;
		if (clock_ms() > end)
			atf_tc_fail("both TAPs not named in %d ms: %s",
			    VKT_RUN_MS, flat(err));
	}
	sh("ip addr add %s dev %s", NET_A, tap_a);
	enter(hosts.nsb);
	sh("ip addr add %s dev %s", NET_B, tap_b);
	enter(hosts.nsa);
	ping_b(vknet);
	tcp_b(&hosts);
	stop_vknet(&hosts, vknet);
	require_gone(tap_a);
	enter(hosts.nsb);
	require_gone(tap_b);
	enter(hosts.nsa);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, server_frames_both_ways);
	ATF_TP_ADD_TC(tp, server_stream_in_order);
	ATF_TP_ADD_TC(tp, server_bad_magic);
	ATF_TP_ADD_TC(tp, server_bad_length_zero);
	ATF_TP_ADD_TC(tp, server_bad_length_big);
	ATF_TP_ADD_TC(tp, server_cut_header);
	ATF_TP_ADD_TC(tp, server_cut_frame);
	ATF_TP_ADD_TC(tp, server_runts_dropped);
	ATF_TP_ADD_TC(tp, server_vknetd_gone);
	ATF_TP_ADD_TC(tp, server_bad_socket);
	ATF_TP_ADD_TC(tp, server_auto_tap);
	ATF_TP_ADD_TC(tp, server_tap_bridge);
	ATF_TP_ADD_TC(tp, server_bridge_kept);
	ATF_TP_ADD_TC(tp, usage_errors);
	ATF_TP_ADD_TC(tp, exec_on_switch);
	ATF_TP_ADD_TC(tp, client_ssh_command);
	ATF_TP_ADD_TC(tp, client_default_ssh);
	ATF_TP_ADD_TC(tp, client_retries);
	ATF_TP_ADD_TC(tp, client_no_retry);
	ATF_TP_ADD_TC(tp, client_retry_forever);
	ATF_TP_ADD_TC(tp, client_sigterm);
	ATF_TP_ADD_TC(tp, client_bad_stream);
	ATF_TP_ADD_TC(tp, client_retry_reconnects);
	ATF_TP_ADD_TC(tp, ssh_sockets);
	ATF_TP_ADD_TC(tp, ssh_compressed);
	ATF_TP_ADD_TC(tp, ssh_auto_taps);

	return (atf_no_error());
}
