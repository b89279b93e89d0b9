/*
 * The vknetd integration test harness; see vkt.h.  Interfaces are
 * queried with ioctl(2) and rtnetlink, never through /sys: sysfs shows
 * the network namespace of whoever mounted it, not the test's.
 */
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include <arpa/inet.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loopguard.h"
#include "vkt.h"

#define MAXCHILD	16
#define MAXHOSTMAC	4
#define MAXARGS		32
#define SUN_MAX		100	/* sun_path is 108 bytes; keep a margin */
#define SS_CONNECTING	2	/* /proc/net/unix "St": not yet accepted */
#define SS_CONNECTED	3

struct child {
	pid_t	pid;
	int	pidfd;		/* readable once it has exited */
	int	reaped;
};

char vkt_tap[IFNAMSIZ];

static struct child children[MAXCHILD];
static int nchildren;
static uint8_t hostmac[MAXHOSTMAC][MAC_LEN];
static int nhostmac;
static int nclients;

void
vkt_nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
readable(int fd, long long end)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	int rc;

	do {
		left = end - clock_ms();
		rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
	} while (rc == -1 && errno == EINTR);
	if (rc == -1)
		atf_tc_fail("poll: %s", strerror(errno));
	return (rc == 1);
}

/*
 * Processes.  Every child's stdout and stderr go to files in the work
 * directory, so nothing blocks on a full pipe and a daemon that forks
 * away cannot hold a pipe open.
 */
/* A subreaper also inherits daemons that detached before adoption. */
static void
kill_strays(void)
{
	char path[64];
	FILE *fp;
	int pid;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
	    (int)getpid());
	if ((fp = fopen(path, "re")) == NULL)
		return;
	while (fscanf(fp, "%d", &pid) == 1) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
	fclose(fp);
}

static void
cleanup(void)
{
	int i;

	for (i = 0; i < nchildren; i++)
		if (!children[i].reaped) {
			(void)kill(children[i].pid, SIGKILL);
			(void)waitpid(children[i].pid, NULL, 0);
		}
	kill_strays();
}

static int
child_index(pid_t pid)
{
	int i;

	for (i = 0; i < nchildren; i++)
		if (children[i].pid == pid)
			return (i);
	atf_tc_fail("vkt: pid %d is not a child of the test", (int)pid);
}

static void
output_path(char *buf, size_t len, int i, const char *stream)
{
	snprintf(buf, len, "proc.%d.%s", i, stream);
}

static int
redirect(const char *path, int flags, int to)
{
	int fd;

	if ((fd = open(path, flags, 0644)) == -1 ||
	    dup2(fd, to) == -1)
		return (-1);
	return (close(fd));
}

static void __attribute__((noreturn))
exec_child(void (*prep)(void), const char *const argv[], int i)
{
	char out[32], err[32];
	sigset_t none;

	output_path(out, sizeof(out), i, "out");
	output_path(err, sizeof(err), i, "err");
	sigemptyset(&none);
	if (redirect("/dev/null", O_RDONLY, 0) == -1 ||
	    redirect(out, O_WRONLY | O_CREAT | O_TRUNC, 1) == -1 ||
	    redirect(err, O_WRONLY | O_CREAT | O_TRUNC, 2) == -1 ||
	    sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		_exit(126);
	closefrom(3);
	if (prep != NULL)
		prep();
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void
track(pid_t pid)
{
	if (nchildren == MAXCHILD)
		atf_tc_fail("vkt: more than %d child processes", MAXCHILD);
	if ((children[nchildren].pidfd = pidfd_open(pid, 0)) == -1)
		atf_tc_fail("pidfd_open %d: %s", (int)pid, strerror(errno));
	children[nchildren].pid = pid;
	children[nchildren].reaped = 0;
	nchildren++;
}

pid_t
vkt_spawn(void (*prep)(void), const char *const argv[])
{
	pid_t pid;

	if (nchildren == MAXCHILD)
		atf_tc_fail("vkt: more than %d child processes", MAXCHILD);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (pid == 0)
		exec_child(prep, argv, nchildren);
	track(pid);
	return (pid);
}

/* A daemon that detached is ours to reap, as vknetd_test is subreaper. */
void
vkt_adopt(pid_t pid)
{
	track(pid);
}

/* Its exit code (128 + signal if killed), or -1 if still running. */
int
vkt_wait(pid_t pid, int ms)
{
	long long end = clock_ms() + ms;
	int i = child_index(pid), status;

	if (children[i].reaped)
		atf_tc_fail("vkt: pid %d waited for twice", (int)pid);
	/* The pidfd wakes us the moment it exits; a sleep could be late. */
	if (!readable(children[i].pidfd, end))
		return (-1);
	if (waitpid(pid, &status, 0) == -1)
		atf_tc_fail("waitpid %d: %s", (int)pid, strerror(errno));
	close(children[i].pidfd);
	children[i].reaped = 1;
	return (WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status));
}

int
vkt_alive(pid_t pid)
{
	return (!children[child_index(pid)].reaped && vkt_wait(pid, 0) == -1);
}

static void
slurp(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if ((n = read(fd, buf, len - 1)) > 0)
		buf[n] = '\0';
	close(fd);
}

void
vkt_output(pid_t pid, struct vkt_run *r)
{
	char path[32];
	int i = child_index(pid);

	output_path(path, sizeof(path), i, "out");
	slurp(path, r->out, sizeof(r->out));
	output_path(path, sizeof(path), i, "err");
	slurp(path, r->err, sizeof(r->err));
}

static int
collect(const char **v, int n, const char *arg, va_list ap)
{
	for (; arg != NULL; arg = va_arg(ap, const char *)) {
		if (n == MAXARGS - 1)
			atf_tc_fail("vkt: more than %d arguments", MAXARGS);
		v[n++] = arg;
	}
	v[n] = NULL;
	return (n);
}

/* Run a program to completion; it must finish within VKT_RUN_MS. */
void
vkt_run(struct vkt_run *r, void (*prep)(void), const char *arg0, ...)
{
	const char *argv[MAXARGS];
	va_list ap;
	pid_t pid;

	va_start(ap, arg0);
	collect(argv, 0, arg0, ap);
	va_end(ap);
	pid = vkt_spawn(prep, argv);
	if ((r->status = vkt_wait(pid, VKT_RUN_MS)) == -1) {
		(void)vkt_kill(pid, SIGKILL);
		atf_tc_fail("%s did not finish within %d ms", arg0,
		    VKT_RUN_MS);
	}
	vkt_output(pid, r);
}

int
vkt_kill(pid_t pid, int sig)
{
	int status;

	if (kill(pid, sig) == -1)
		atf_tc_fail("kill %d: %s", (int)pid, strerror(errno));
	if ((status = vkt_wait(pid, VKT_RUN_MS)) == -1) {
		(void)kill(pid, SIGKILL);
		(void)vkt_wait(pid, VKT_RUN_MS);
		atf_tc_fail("pid %d still ran %d ms after signal %d",
		    (int)pid, VKT_RUN_MS, sig);
	}
	return (status);
}

int
vkt_stop(pid_t pid)
{
	return (vkt_kill(pid, SIGTERM));
}

/*
 * The daemon.
 */
static int
unix_connect(const char *path, int type)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
		atf_tc_fail("socket: %s", strerror(errno));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static void
first_line(pid_t pid, char *buf, size_t len)
{
	char path[32], out[256], *nl;

	output_path(path, sizeof(path), child_index(pid), "out");
	slurp(path, out, sizeof(out));
	buf[0] = '\0';
	if ((nl = strchr(out, '\n')) == NULL)
		return;
	*nl = '\0';
	if (strlen(out) >= len || out[0] == '\0')
		atf_tc_fail("vknetd printed \"%s\", not a TAP name", out);
	memcpy(buf, out, strlen(out) + 1);
}

static void
died_early(pid_t pid, int status)
{
	struct vkt_run r;

	vkt_output(pid, &r);
	fprintf(stderr, "vknetd stderr:\n%s", r.err);
	r.err[strcspn(r.err, "\n")] = '\0';
	atf_tc_fail("vknetd exited with %d before it was ready: %s", status,
	    r.err);
}

/* Wait until the daemon has named its TAP and accepts connections. */
static void
await_ready(pid_t pid, const char *sock)
{
	long long end = clock_ms() + VKT_RUN_MS;
	int fd, status;

	vkt_tap[0] = '\0';
	for (;;) {
		if ((status = vkt_wait(pid, 0)) != -1)
			died_early(pid, status);
		if (vkt_tap[0] == '\0')
			first_line(pid, vkt_tap, sizeof(vkt_tap));
		if (vkt_tap[0] != '\0' &&
		    (fd = unix_connect(sock, SOCK_SEQPACKET)) != -1) {
			close(fd);
			return;
		}
		if (clock_ms() >= end)
			break;
		vkt_nap(10);
	}
	(void)vkt_kill(pid, SIGKILL);
	atf_tc_fail("vknetd not ready within %d ms (TAP line \"%s\")",
	    VKT_RUN_MS, vkt_tap);
}

static void
add_hostmac(const char *ifname)
{
	if (nhostmac < MAXHOSTMAC)
		vkt_if_mac(ifname, hostmac[nhostmac++]);
}

/*
 * Start vknetd in the foreground with the given arguments, adding
 * "-p VKT_SOCK" and "-i VKT_PIDFILE" unless they are among them.
 */
void (*vkt_daemon_prep)(void);

pid_t
vkt_daemon(const char *arg, ...)
{
	const char *user[MAXARGS], *argv[MAXARGS + 6];
	const char *sock = VKT_SOCK, *bridge = NULL;
	int i, n, argc = 0, has_p = 0, has_i = 0;
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	n = collect(user, 0, arg, ap);
	va_end(ap);
	for (i = 0; i + 1 < n; i++) {
		if (strcmp(user[i], "-p") == 0) {
			sock = user[i + 1];
			has_p = 1;
		}
		has_i |= strcmp(user[i], "-i") == 0;
		if (strcmp(user[i], "-b") == 0)
			bridge = user[i + 1];
	}
	argv[argc++] = VKNETD_PATH;
	argv[argc++] = "-d";
	if (!has_p) {
		argv[argc++] = "-p";
		argv[argc++] = VKT_SOCK;
	}
	if (!has_i) {
		argv[argc++] = "-i";
		argv[argc++] = VKT_PIDFILE;
	}
	memcpy(argv + argc, user, (size_t)(n + 1) * sizeof(*user));
	pid = vkt_spawn(vkt_daemon_prep, argv);
	await_ready(pid, sock);
	add_hostmac(vkt_tap);
	if (bridge != NULL)
		add_hostmac(bridge);
	return (pid);
}

/*
 * Client ports.
 */
static void
count_ports(int *waiting, int *accepted)
{
	char line[512], *path;
	unsigned int st;
	FILE *fp;
	int n;

	*waiting = *accepted = 0;
	if ((fp = fopen("/proc/net/unix", "re")) == NULL)
		atf_tc_fail("/proc/net/unix: %s", strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		n = 0;
		if (sscanf(line, "%*s %*s %*s %*s %*s %x %*s%n", &st,
		    &n) != 1 || n == 0)
			continue;
		path = line + n + strspn(line + n, " ");
		if (st == SS_CONNECTING)
			(*waiting)++;
		else if (st == SS_CONNECTED && path[0] != '\n' &&
		    path[0] != '\0')
			(*accepted)++;
	}
	fclose(fp);
}

/*
 * Wait until the daemon holds exactly one port per open client.
 * connect(2) returns before the daemon accepts, and close(2) before it
 * notices, so without this a frame sent next could overtake either.
 * /proc/net/unix, which lists only this namespace's sockets, shows a
 * connection not yet accepted as "St" 02 and no inode; the daemon's
 * end of an accepted one as 03 with the socket's path.
 */
void
vkt_sync(void)
{
	long long end = clock_ms() + VKT_RUN_MS;
	int waiting, accepted;

	for (;;) {
		count_ports(&waiting, &accepted);
		if (waiting == 0 && accepted == nclients)
			return;
		if (clock_ms() >= end)
			break;
		vkt_nap(1);
	}
	atf_tc_fail("vknetd holds %d client ports (%d more not accepted), "
	    "expected %d", accepted, waiting, nclients);
}

static int
connect_type(const char *path, int type)
{
	int fd;

	if ((fd = unix_connect(path, type)) == -1)
		atf_tc_fail("connect %s: %s", path, strerror(errno));
	nclients++;
	return (fd);
}

/* Wait for a TCP listener at addr and port, as a server's readiness. */
void
vkt_wait_listening(const char *addr, int port)
{
	struct sockaddr_in sin;
	long long end = clock_ms() + VKT_RUN_MS;
	int s, rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = vkt_ip(addr);
	for (;;) {
		if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			atf_tc_fail("socket: %s", strerror(errno));
		rc = connect(s, (struct sockaddr *)&sin, sizeof(sin));
		close(s);
		if (rc == 0)
			return;
		if (clock_ms() > end)
			atf_tc_fail("nothing listens on %s port %d after %d ms",
			    addr, port, VKT_RUN_MS);
		vkt_nap(20);
	}
}

int
vkt_connect(const char *path)
{
	return (connect_type(path, SOCK_SEQPACKET));
}

/* A client of the -q listener, as QEMU's -netdev stream is. */
int
vkt_connect_stream(const char *path)
{
	return (connect_type(path, SOCK_STREAM));
}

int
vkt_client(void)
{
	int fd = vkt_connect(VKT_SOCK);

	vkt_sync();
	return (fd);
}

void
vkt_close(int fd)
{
	close(fd);
	nclients--;
	vkt_sync();
}

/* Many at once, with one wait for the daemon to see them all go. */
void
vkt_close_all(const int *fd, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fd[i]);
	nclients -= n;
	vkt_sync();
}

/* An observer of any interface of the current namespace. */
int
vkt_observer_on(const char *ifname)
{
	struct sockaddr_ll sll;
	int fd;

	/* Protocol 0 until bound, so no other interface's frame gets in. */
	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1)
		atf_tc_fail("socket AF_PACKET: %s", strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	if ((sll.sll_ifindex = (int)if_nametoindex(ifname)) == 0)
		atf_tc_fail("%s: %s", ifname, strerror(errno));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		atf_tc_fail("bind AF_PACKET %s: %s", ifname, strerror(errno));
	return (fd);
}

int
vkt_observer(void)
{
	return (vkt_observer_on(vkt_tap));
}

void
vkt_send(int fd, const void *frame, size_t len)
{
	ssize_t n;

	if ((n = send(fd, frame, len, MSG_NOSIGNAL)) == -1)
		atf_tc_fail("send %zu bytes: %s", len, strerror(errno));
	if ((size_t)n != len)
		atf_tc_fail("send %zu bytes: only %zd sent", len, n);
}

/*
 * What the host's kernel says on its own (ARP, ICMP errors) is not what
 * a test sent, nor are the switches' loop probes: leave out frames from
 * the host's MACs, probes and, on the observer, the frames the kernel
 * sends out through the TAP.
 */
static int
host_chatter(const uint8_t *f, ssize_t n, const struct sockaddr_storage *ss)
{
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)ss;
	int i;

	if (ss->ss_family == AF_PACKET && sll->sll_pkttype == PACKET_OUTGOING)
		return (1);
	if (n > 0 && probe_is(f, (size_t)n))
		return (1);
	for (i = 0; n >= ETHER_HDR && i < nhostmac; i++)
		if (memcmp(f + MAC_LEN, hostmac[i], MAC_LEN) == 0)
			return (1);
	return (0);
}

/* One frame (the buffer holds VKT_BUFSZ), or -1 if none within ms. */
/* Client number src sends a tagged test frame to dst; the frame too. */
void
vkt_send_tagged(int fd, const uint8_t *dst, unsigned int src, uint32_t tag,
    uint8_t *f, size_t *len)
{
	uint8_t mac[MAC_LEN];

	vkt_mac(mac, src);
	*len = vkt_frame(f, dst, mac, tag);
	vkt_send(fd, f, *len);
}

ssize_t
vkt_recv(int fd, void *buf, int ms)
{
	struct sockaddr_storage from;
	long long end = clock_ms() + ms;
	socklen_t fromlen;
	ssize_t n;

	for (;;) {
		if (!readable(fd, end))
			return (-1);
		fromlen = sizeof(from);
		memset(&from, 0, sizeof(from));
		if ((n = recvfrom(fd, buf, VKT_BUFSZ, 0,
		    (struct sockaddr *)&from, &fromlen)) == -1)
			atf_tc_fail("recv: %s", strerror(errno));
		if (!host_chatter(buf, n, &from))
			return (n);
	}
}

/* Program output fit for a failure message, which must be one line. */
const char *
vkt_flat(const char *text)
{
	static char buf[4][1024];
	static int i;
	char *p;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s", text);
	for (p = buf[i]; (p = strchr(p, '\n')) != NULL; )
		*p = p[1] == '\0' ? '\0' : '|';
	return (buf[i]);
}

/*
 * Wait until a child has written every given piece of text (a list
 * ending in NULL) on its stdout or stderr (fd); fail after VKT_WAIT_MS.
 */
void
vkt_await(pid_t pid, int fd, const char *first, ...)
{
	long long end = clock_ms() + VKT_WAIT_MS;
	const char *piece, *text;
	struct vkt_run r;
	va_list ap;
	int all;

	for (;;) {
		vkt_output(pid, &r);
		text = fd == STDOUT_FILENO ? r.out : r.err;
		all = 1;
		va_start(ap, first);
		for (piece = first; piece != NULL;
		    piece = va_arg(ap, const char *))
			all &= strstr(text, piece) != NULL;
		va_end(ap);
		if (all)
			return;
		if (clock_ms() >= end)
			atf_tc_fail("pid %d did not write \"%s\"... within %d "
			    "ms: %s", (int)pid, first, VKT_WAIT_MS,
			    vkt_flat(text));
		vkt_nap(10);
	}
}

static const char *
describe(const uint8_t *f, ssize_t n, char *buf, size_t len)
{
	char dst[MAC_STRLEN], src[MAC_STRLEN];

	if (n < ETHER_HDR)
		snprintf(buf, len, "a %zd-byte message", n);
	else
		snprintf(buf, len, "%zd bytes %s > %s type 0x%04x", n,
		    mac_fmt(src, f + MAC_LEN), mac_fmt(dst, f),
		    frame_ethertype(f));
	return (buf);
}

void
vkt_expect(int fd, const char *what, const void *frame, size_t len)
{
	char got[80], want[80];
	uint8_t buf[VKT_BUFSZ];
	ssize_t n;

	if ((n = vkt_recv(fd, buf, VKT_WAIT_MS)) == -1)
		atf_tc_fail("%s: no frame within %d ms", what, VKT_WAIT_MS);
	if ((size_t)n != len || memcmp(buf, frame, len) != 0)
		atf_tc_fail("%s: got %s, expected %s", what,
		    describe(buf, n, got, sizeof(got)),
		    describe(frame, (ssize_t)len, want, sizeof(want)));
}

void
vkt_expect_none(int fd, const char *what, int ms)
{
	uint8_t buf[VKT_BUFSZ];
	char got[80];
	ssize_t n;

	if ((n = vkt_recv(fd, buf, ms)) != -1)
		atf_tc_fail("%s: got %s", what,
		    describe(buf, n, got, sizeof(got)));
}

/*
 * Frames and addresses.
 */
void
vkt_mac(uint8_t mac[MAC_LEN], unsigned int n)
{
	static const uint8_t base[MAC_LEN] = { 0x02, 0, 0, 0, 0, 0 };

	memcpy(mac, base, MAC_LEN);
	mac[4] = (n >> 8) & 0xff;
	mac[5] = n & 0xff;
}

in_addr_t
vkt_ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		atf_tc_fail("vkt: bad IPv4 address %s", s);
	return (a.s_addr);
}

/* A minimum-size frame of an ethertype no host stack handles. */
size_t
vkt_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t tag)
{
	uint8_t *p = f + fr_ether(f, dst, src, VKT_EXPTYPE);

	memset(p, 0, 60 - ETHER_HDR);
	memcpy(p, "vkt", 3);
	p[3] = (uint8_t)(tag >> 24);
	p[4] = (uint8_t)(tag >> 16);
	p[5] = (uint8_t)(tag >> 8);
	p[6] = (uint8_t)tag;
	return (60);
}

/*
 * Interfaces.
 */
static int
if_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s, rc, saved;

	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		atf_tc_fail("socket: %s", strerror(errno));
	rc = ioctl(s, req, ifr);
	saved = errno;
	close(s);
	errno = saved;
	return (rc);
}

static void
lo_up(void)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl("lo", SIOCGIFFLAGS, &ifr) == -1)
		atf_tc_fail("SIOCGIFFLAGS lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (if_ioctl("lo", SIOCSIFFLAGS, &ifr) == -1)
		atf_tc_fail("SIOCSIFFLAGS lo: %s", strerror(errno));
}

int
vkt_if_exists(const char *name)
{
	return (if_nametoindex(name) != 0);
}

int
vkt_if_up(const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(name, SIOCGIFFLAGS, &ifr) == -1)
		atf_tc_fail("SIOCGIFFLAGS %s: %s", name, strerror(errno));
	return ((ifr.ifr_flags & IFF_UP) != 0);
}

/* Its (first) IPv4 address, or -1 if it has none. */
int
vkt_if_addr(const char *name, in_addr_t *addr)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_addr.sa_family = AF_INET;
	if (if_ioctl(name, SIOCGIFADDR, &ifr) == -1) {
		if (errno == EADDRNOTAVAIL)
			return (-1);
		atf_tc_fail("SIOCGIFADDR %s: %s", name, strerror(errno));
	}
	*addr = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	return (0);
}

void
vkt_if_mac(const char *name, uint8_t mac[MAC_LEN])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(name, SIOCGIFHWADDR, &ifr) == -1)
		atf_tc_fail("SIOCGIFHWADDR %s: %s", name, strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, MAC_LEN);
}

/* "tun" for a TAP, "bridge" for a bridge. */
void
vkt_if_driver(const char *name, char *buf, size_t len)
{
	struct ethtool_drvinfo info;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memset(&info, 0, sizeof(info));
	info.cmd = ETHTOOL_GDRVINFO;
	ifr.ifr_data = (char *)&info;
	if (if_ioctl(name, SIOCETHTOOL, &ifr) == -1)
		atf_tc_fail("ETHTOOL_GDRVINFO %s: %s", name, strerror(errno));
	snprintf(buf, len, "%s", info.driver);
}

/* The bridge it is a port of, or "". */
void
vkt_if_master(const char *name, char master[IFNAMSIZ])
{
	struct {
		struct nlmsghdr		nh;
		struct ifinfomsg	ifi;
	} req;
	union {
		struct nlmsghdr		nh;
		char			buf[32768];
	} resp;
	struct rtattr *rta;
	unsigned int idx = 0;
	ssize_t n;
	int fd, len;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.ifi.ifi_family = AF_UNSPEC;
	if ((req.ifi.ifi_index = (int)if_nametoindex(name)) == 0)
		atf_tc_fail("%s: %s", name, strerror(errno));
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		atf_tc_fail("socket AF_NETLINK: %s", strerror(errno));
	if (send(fd, &req, sizeof(req), 0) == -1 ||
	    (n = recv(fd, &resp, sizeof(resp), 0)) == -1)
		atf_tc_fail("RTM_GETLINK %s: %s", name, strerror(errno));
	close(fd);
	if (!NLMSG_OK(&resp.nh, n) || resp.nh.nlmsg_type != RTM_NEWLINK)
		atf_tc_fail("RTM_GETLINK %s: unexpected answer", name);
	len = (int)IFLA_PAYLOAD(&resp.nh);
	for (rta = IFLA_RTA(NLMSG_DATA(&resp.nh)); RTA_OK(rta, len);
	    rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_MASTER)
			memcpy(&idx, RTA_DATA(rta), sizeof(idx));
	master[0] = '\0';
	if (idx != 0 && if_indextoname(idx, master) == NULL)
		atf_tc_fail("if_indextoname %u: %s", idx, strerror(errno));
}

/*
 * Files.
 */
int
vkt_exists(const char *path)
{
	struct stat sb;

	return (lstat(path, &sb) == 0);
}

/* The pid a pidfile holds, or -1 if it is missing or empty. */
pid_t
vkt_pidfile(const char *path)
{
	char buf[32];

	slurp(path, buf, sizeof(buf));
	return (buf[0] == '\0' ? -1 : (pid_t)strtol(buf, NULL, 10));
}

/* For a daemon that may chdir: short enough to be a socket's path. */
void
vkt_abspath(char *buf, size_t len, const char *name)
{
	char cwd[SUN_MAX];

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		atf_tc_fail("getcwd: %s", strerror(errno));
	if (len > SUN_MAX)
		len = SUN_MAX;
	if ((size_t)snprintf(buf, len, "%s/%s", cwd, name) >= len)
		atf_tc_fail("work directory %s too deep for a socket path",
		    cwd);
}

/*
 * What vknetd -s says, the only place in vkt that knows its format:
 * tables whose first row names the columns, the first column a port
 * number (or "gone", "total"), and a MAC table of address and port.
 */
static void
stats_text(const char *sock, struct vkt_run *r)
{
	vkt_run(r, NULL, VKNETD_PATH, "-s", "-p", sock, NULL);
	if (r->status != 0)
		atf_tc_fail("vknetd -s exited %d: %s", r->status,
		    vkt_flat(r->err));
}

static int
words(char *line, char **w, int max)
{
	char *save, *tok;
	int n = 0;

	for (tok = strtok_r(line, " ", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, " ", &save))
		w[n++] = tok;
	return (n);
}

/* The port client n's MAC was learned on, or -1. */
int
vkt_port_of(const char *sock, unsigned int client)
{
	struct vkt_run r;
	char mac[MAC_STRLEN], *line, *save, *w[4];
	uint8_t m[MAC_LEN];
	int port = -1;

	vkt_mac(m, client);
	mac_fmt(mac, m);
	stats_text(sock, &r);
	for (line = strtok_r(r.out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (words(line, w, 4) >= 2 && strcmp(w[0], mac) == 0)
			port = atoi(w[1]);
	return (port);
}

/* The number in column `col' (a heading of -s) of port's row. */
unsigned long long
vkt_port_stat(const char *sock, const char *port, const char *col)
{
	struct vkt_run r;
	char *line, *save, *w[32];
	int i, n, at = -1;

	stats_text(sock, &r);
	for (line = strtok_r(r.out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((n = words(line, w, 32)) == 0)
			continue;
		if (strcmp(w[0], "PORT") == 0) {
			for (at = -1, i = 1; i < n; i++)
				if (strcmp(w[i], col) == 0)
					at = i;
		} else if (at != -1 && at < n && strcmp(w[0], port) == 0)
			return (strtoull(w[at], NULL, 10));
	}
	atf_tc_fail("vknetd -s shows no %s for port %s", col, port);
}

/*
 * VKNET_SSH for vknet(1): a stand-in for ssh that runs the remote
 * command, "exec vknet -S ...", on this host and in this namespace.
 */
void
vkt_loopback_ssh(void)
{
	char path[SUN_MAX], dir[SUN_MAX * 2];
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s", VKNET_PATH);
	*strrchr(dir, '/') = '\0';
	vkt_abspath(path, sizeof(path), "loopssh");
	if ((fp = fopen(path, "we")) == NULL)
		atf_tc_fail("%s: %s", path, strerror(errno));
	fprintf(fp, "#!/bin/sh\n"
	    "while [ $# -gt 0 ] && [ \"$1\" != exec ]; do shift; done\n"
	    "PATH=%s:$PATH exec /bin/sh -c \"$*\"\n", dir);
	if (fclose(fp) == EOF || chmod(path, 0755) == -1)
		atf_tc_fail("%s: %s", path, strerror(errno));
	if (setenv("VKNET_SSH", path, 1) == -1)
		atf_tc_fail("setenv VKNET_SSH: %s", strerror(errno));
}

/*
 * Setup.
 */
void
vkt_raise_nofile(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		atf_tc_fail("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= n)
		return;
	rl.rlim_cur = n;
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		atf_tc_fail("setrlimit %lu: %s", (unsigned long)n,
		    strerror(errno));
}

/*
 * IPv6 on the interfaces made from now on, or not.  Off by default:
 * otherwise a new TAP sends router solicitations and MLD reports at
 * times of its own, and the switch floods them.
 */
static void
default_ipv6(int on)
{
	int fd;

	fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6",
	    O_WRONLY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && !on)
		return;
	if (fd == -1 || write(fd, on ? "0\n" : "1\n", 2) != 2)
		atf_tc_fail("disable_ipv6: %s", strerror(errno));
	close(fd);
}

void
vkt_ipv6(void)
{
	default_ipv6(1);
}

void
vkt_setup(void)
{
	if (geteuid() != 0)
		atf_tc_skip("needs root: creates network namespaces and "
		    "TAP devices");
	if (getgrnam("vknet") == NULL)
		atf_tc_skip("needs the group vknet: run tools/depends.sh");
	if (getpwnam("_vknetd") == NULL)
		atf_tc_skip("needs the user _vknetd: run tools/depends.sh");
	if (unshare(CLONE_NEWNET) == -1)
		atf_tc_fail("unshare(CLONE_NEWNET): %s", strerror(errno));
	lo_up();
	default_ipv6(0);
	if (atexit(cleanup) != 0)
		atf_tc_fail("atexit failed");
}
