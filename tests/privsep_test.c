/*
 * Privilege separation and continuity (privsep.c, sandbox.c), as a user
 * sees them: the real daemon in a network namespace of its own (vkt.h).
 *
 *   - The process that switches, found from /proc as the one beside the
 *     daemon that holds the clients' connections, runs as the user
 *     _vknetd, with no capabilities, no new privileges, a seccomp filter,
 *     in the empty chroot; a system call outside its allowlist, made it
 *     by ptrace(2), kills it, and it is replaced.
 *   - Guests of every kind, two SOCK_SEQPACKET clients, a QEMU stream
 *     client (-q) and a vknet -S link, stay connected through a SIGHUP
 *     reload and through the death of the switch process: none sees
 *     end-of-file, frames flow again within a second, and vknetd -s
 *     shows the same ports with the same peers.
 *   - Every signal that ends vknetd tears everything down; after a
 *     kill -9, the next vknetd on the pidfile removes what the dead one
 *     left, and only that.
 */
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vkt.h"
#include "wire.h"

#define QSOCK		"./qemu.sock"
#define EMPTY		"/run/vknetd"	/* VKNETD_EMPTY, /var/run resolved */
#define NENDS		4
#define BACK_MS		1000		/* for traffic after a restart */
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* A guest of the switch, whatever its kind of connection. */
struct end {
	const char	*name;
	int		 kind;		/* 'p' packet, 's' stream, 'l' link */
	int		 in;		/* we write */
	int		 out;		/* we read */
	pid_t		 pid;		/* vknet -S */
	size_t		 len;		/* bytes buffered in buf */
	uint8_t		 buf[2 * (WIRE_HDR + FRAME_MAX)];
};

static struct end ends[NENDS];

static int
has(const char *text, const char *word)
{
	return (strstr(text, word) != NULL);
}

static void
slurp(const char *path, char *buf, size_t len)
{
	ssize_t n = 0;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* The value of "Field:" in /proc/pid/status, blanks squeezed out. */
static void
status_field(pid_t pid, const char *field, char *val, size_t len)
{
	char path[64], text[8192], *p, *e;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	slurp(path, text, sizeof(text));
	val[0] = '\0';
	for (p = text; (p = strstr(p, field)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[strlen(field)] == ':') {
			p += strlen(field) + 1;
			p += strspn(p, " \t");
			e = p + strcspn(p, "\n");
			snprintf(val, len, "%.*s", (int)(e - p), p);
			return;
		}
	atf_tc_fail("no %s in %s", field, path);
}

/* Does pid hold socket inode ino? */
static int
holds(pid_t pid, unsigned long ino)
{
	char dir[64], path[PATH_MAX], link[64], want[64];
	struct dirent *de;
	DIR *d;
	ssize_t n;
	int found = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	if ((d = opendir(dir)) == NULL)
		return (0);
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) > 0) {
			link[n] = '\0';
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return (found);
}

/* The inode of the daemon's end of some client connection. */
static unsigned long
client_socket(const char *sockpath)
{
	char line[512], path[PATH_MAX], *p;
	unsigned long ino;
	unsigned int st;
	FILE *fp;
	int n;

	vkt_abspath(path, sizeof(path), sockpath + 2);
	if ((fp = fopen("/proc/net/unix", "re")) == NULL)
		atf_tc_fail("/proc/net/unix: %s", strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		n = 0;
		if (sscanf(line, "%*s %*s %*s %*s %*s %x %lu%n", &st, &ino,
		    &n) != 2 || st != 3)
			continue;
		p = line + n + strspn(line + n, " ");
		p[strcspn(p, "\n")] = '\0';
		if (strcmp(p, path) == 0 || strcmp(p, sockpath) == 0) {
			fclose(fp);
			return (ino);
		}
	}
	fclose(fp);
	atf_tc_fail("no accepted connection on %s in /proc/net/unix",
	    sockpath);
}

/*
 * The switch process: the one process other than the daemon that
 * holds a client's connection.  It is the daemon's child.
 */
static pid_t
switch_process(pid_t daemon, const char *sockpath)
{
	char path[64], kids[256];
	unsigned long ino = client_socket(sockpath);
	long long end = clock_ms() + VKT_RUN_MS;
	pid_t found;
	char *p, *e;
	long pid;

	for (;;) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
		    (int)daemon, (int)daemon);
		slurp(path, kids, sizeof(kids));
		found = -1;
		for (p = kids; (pid = strtol(p, &e, 10)) > 0; p = e)
			if (holds((pid_t)pid, ino)) {
				if (found != -1)
					atf_tc_fail("two switch processes: %d "
					    "and %ld", (int)found, pid);
				found = (pid_t)pid;
			}
		if (found != -1)
			return (found);
		if (clock_ms() > end)
			atf_tc_fail("no child of vknetd %d holds a client's "
			    "connection (children: %s)", (int)daemon, kids);
		vkt_nap(10);
	}
}

/* A sanitized build confines nothing (sandbox.c): nothing to test. */
static void
skip_unconfined(pid_t daemon)
{
	struct vkt_run r;

	vkt_output(daemon, &r);
	if (has(r.err, "runs unconfined"))
		atf_tc_skip("this vknetd is built with sanitizers, and its "
		    "switch process runs unconfined");
}

static void
require_confined(pid_t w)
{
	char v[128], path[64], root[PATH_MAX];
	long long end = clock_ms() + VKT_RUN_MS;
	struct passwd *pw;
	struct dirent *de;
	ssize_t n;
	DIR *d;

	ATF_REQUIRE_MSG((pw = getpwnam("_vknetd")) != NULL,
	    "no user _vknetd (tools/depends.sh creates it)");
	/* A new one confines itself before it reads a frame: let it. */
	for (;;) {
		status_field(w, "Seccomp", v, sizeof(v));
		if (strcmp(v, "2") == 0 || clock_ms() > end)
			break;
		vkt_nap(5);
	}
	status_field(w, "Uid", v, sizeof(v));
	ATF_CHECK_MSG(atoi(v) != 0 && atoi(v) == (int)pw->pw_uid,
	    "switch process %d: Uid %s, not _vknetd's %d", (int)w, v,
	    (int)pw->pw_uid);
	status_field(w, "Gid", v, sizeof(v));
	ATF_CHECK_MSG(atoi(v) == (int)pw->pw_gid, "Gid %s", v);
	status_field(w, "Groups", v, sizeof(v));
	ATF_CHECK_MSG(v[0] == '\0', "supplementary groups: %s", v);
	status_field(w, "CapEff", v, sizeof(v));
	ATF_CHECK_STREQ_MSG(v, "0000000000000000", "CapEff %s", v);
	status_field(w, "CapPrm", v, sizeof(v));
	ATF_CHECK_STREQ_MSG(v, "0000000000000000", "CapPrm %s", v);
	status_field(w, "CapInh", v, sizeof(v));
	ATF_CHECK_STREQ_MSG(v, "0000000000000000", "CapInh %s", v);
	status_field(w, "CapAmb", v, sizeof(v));
	ATF_CHECK_STREQ_MSG(v, "0000000000000000", "CapAmb %s", v);
	status_field(w, "NoNewPrivs", v, sizeof(v));
	ATF_CHECK_STREQ_MSG(v, "1", "NoNewPrivs %s", v);
	status_field(w, "Seccomp", v, sizeof(v));
	ATF_CHECK_STREQ_MSG(v, "2", "Seccomp %s (2 is a filter)", v);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)w);
	if ((n = readlink(path, root, sizeof(root) - 1)) == -1)
		atf_tc_fail("%s: %s", path, strerror(errno));
	root[n] = '\0';
	ATF_CHECK_STREQ_MSG(root, EMPTY, "root of the switch process: %s",
	    root);
	if ((d = opendir(EMPTY)) == NULL)
		atf_tc_fail("%s: %s", EMPTY, strerror(errno));
	while ((de = readdir(d)) != NULL)
		ATF_CHECK_MSG(strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0, "%s holds %s", EMPTY,
		    de->d_name);
	closedir(d);
}

/*
 * The guests.
 */
static void
end_packet(struct end *e, const char *name)
{
	e->name = name;
	e->kind = 'p';
	e->in = e->out = vkt_connect(VKT_SOCK);
}

static void
end_stream(struct end *e, const char *name)
{
	e->name = name;
	e->kind = 's';
	e->in = e->out = vkt_connect_stream(QSOCK);
}

/* vknet -S on the switch, its ends of the ssh link in our hands. */
static void
end_link(struct end *e, const char *name)
{
	const char *const argv[] = { VKNET_PATH, "-S", VKT_SOCK, NULL };
	int to[2], from[2];
	sigset_t none;

	e->name = name;
	e->kind = 'l';
	if (pipe2(to, O_CLOEXEC) == -1 || pipe2(from, O_CLOEXEC) == -1)
		atf_tc_fail("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if ((e->pid = fork()) == -1)
		atf_tc_fail("fork: %s", strerror(errno));
	if (e->pid == 0) {
		sigemptyset(&none);
		if (dup2(to[0], 0) == -1 || dup2(from[1], 1) == -1 ||
		    sigprocmask(SIG_SETMASK, &none, NULL) == -1)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	vkt_adopt(e->pid);
	close(to[0]);
	close(from[1]);
	e->in = to[1];
	e->out = from[0];
}

static void
end_send(struct end *e, const uint8_t *f, size_t len)
{
	uint8_t buf[WIRE_HDR + FRAME_MAX];
	size_t n = len;
	ssize_t w;

	switch (e->kind) {
	case 'p':
		vkt_send(e->in, f, len);
		return;
	case 's':
		buf[0] = buf[1] = 0;
		buf[2] = (uint8_t)(len >> 8);
		buf[3] = (uint8_t)len;
		memcpy(buf + 4, f, len);
		n = len + 4;
		break;
	default:
		n = wire_encode(buf, sizeof(buf), f, len);
		break;
	}
	if ((w = write(e->in, buf, n)) != (ssize_t)n)
		atf_tc_fail("%s: write: %s", e->name, w == -1 ?
		    strerror(errno) : "short");
}

/* A whole frame out of e's buffer, or 0. */
static size_t
end_frame(struct end *e, uint8_t *f)
{
	struct wire_msg m;
	size_t len, used;

	if (e->kind == 's') {
		if (e->len < 4 || e->len < 4 + (len = (size_t)e->buf[2] << 8 |
		    e->buf[3]))
			return (0);
		memcpy(f, e->buf + 4, len);
		used = 4 + len;
	} else {
		switch (wire_decode(e->buf, e->len, 0, &m)) {
		case WIRE_FRAME:
			break;
		case WIRE_MORE:
			return (0);
		default:
			atf_tc_fail("%s: bad bytes on the link", e->name);
		}
		memcpy(f, m.frame, m.len);
		len = m.len;
		used = m.used;
	}
	memmove(e->buf, e->buf + used, e->len - used);
	e->len -= used;
	return (len);
}

/* The next frame e gets within ms, or -1; end-of-file fails the test. */
static ssize_t
end_recv(struct end *e, uint8_t *f, int ms)
{
	long long end = clock_ms() + ms;
	struct pollfd pfd = { .fd = e->out, .events = POLLIN };
	long long left;
	size_t len;
	ssize_t n;

	if (e->kind == 'p')
		for (;;) {
			left = end - clock_ms();
			if (poll(&pfd, 1, left > 0 ? (int)left : 0) != 1)
				return (-1);
			if ((n = recv(e->out, f, VKT_BUFSZ, 0)) <= 0)
				atf_tc_fail("%s: %s", e->name, n == 0 ?
				    "end of file" : strerror(errno));
			return (n);
		}
	for (;;) {
		if ((len = end_frame(e, f)) != 0)
			return ((ssize_t)len);
		left = end - clock_ms();
		if (poll(&pfd, 1, left > 0 ? (int)left : 0) != 1)
			return (-1);
		if ((n = read(e->out, e->buf + e->len,
		    sizeof(e->buf) - e->len)) <= 0)
			atf_tc_fail("%s: %s", e->name, n == 0 ? "end of file" :
			    strerror(errno));
		e->len += (size_t)n;
	}
}

/* Everything that is there for every end, until 100 ms of silence. */
static void
drain(void)
{
	uint8_t f[VKT_BUFSZ];
	int i;

	for (i = 0; i < NENDS; i++)
		while (end_recv(&ends[i], f, 100) != -1)
			;
}

/*
 * Frames around the ring of ends, each to the next: true when all of
 * them arrived within ms.  Frames from before (floods of a switch that
 * has not learned again yet) are skipped.
 */
static int
ring(uint32_t tag, int ms)
{
	uint8_t f[64], got[VKT_BUFSZ], dst[MAC_LEN], src[MAC_LEN];
	long long end = clock_ms() + ms;
	size_t len;
	ssize_t n;
	int i, j;

	for (i = 0; i < NENDS; i++) {
		j = (i + 1) % NENDS;
		vkt_mac(src, (unsigned int)i + 1);
		vkt_mac(dst, (unsigned int)j + 1);
		len = vkt_frame(f, dst, src, tag + (uint32_t)i);
		end_send(&ends[i], f, len);
		for (;;) {
			n = end_recv(&ends[j], got, (int)(end - clock_ms()));
			if (n == -1)
				return (0);
			if ((size_t)n == len && memcmp(got, f, len) == 0)
				break;
		}
	}
	return (1);
}

/* Every end says who it is, so the switch learns them all. */
static void
introduce(void)
{
	static const uint8_t bcast[MAC_LEN] = { 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff };
	uint8_t f[64], src[MAC_LEN];
	int i;

	for (i = 0; i < NENDS; i++) {
		vkt_mac(src, (unsigned int)i + 1);
		end_send(&ends[i], f, vkt_frame(f, bcast, src, 0));
	}
	drain();
}

/*
 * The port table of -s, the one headed PORT KIND PID: "id kind pid"
 * per port, up to the blank line that ends it.
 */
static void
port_rows(char *buf, size_t len)
{
	struct vkt_run r;
	char *line, *next, kind[16];
	int id, pid, n = 0, in_table = 0;

	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", VKT_SOCK, NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "vknetd -s: %s", vkt_flat(r.err));
	buf[0] = '\0';
	for (line = r.out; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next != '\0')
			*next++ = '\0';
		if (!in_table) {
			in_table = strncmp(line + strspn(line, " "),
			    "PORT KIND", 9) == 0;
			continue;
		}
		if (*line == '\0')
			break;
		if (sscanf(line, "%d %15s %d", &id, kind, &pid) == 3)
			n += snprintf(buf + n, len - (size_t)n, "%d %s %d; ",
			    id, kind, pid);
	}
}

static pid_t
switch_with_guests(void)
{
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-U", "-q", QSOCK, NULL);
	end_packet(&ends[0], "client A");
	end_packet(&ends[1], "client B");
	end_stream(&ends[2], "stream client");
	end_link(&ends[3], "vknet -S link");
	introduce();
	ATF_REQUIRE_MSG(ring(100, VKT_WAIT_MS), "no traffic around the ring "
	    "of guests to begin with");
	return (pid);
}

/* After whatever happened: traffic within BACK_MS, the same ports. */
static void
require_guests_kept(const char *before, long long since, const char *what)
{
	char after[1024];
	long long took;

	ATF_REQUIRE_MSG(ring(200, BACK_MS + (int)(since - clock_ms())),
	    "after %s: no traffic around the ring within %d ms", what,
	    BACK_MS);
	took = clock_ms() - since;
	printf("after %s: traffic again after %lld ms\n", what, took);
	port_rows(after, sizeof(after));
	ATF_CHECK_STREQ_MSG(before, after, "after %s the ports are not "
	    "the same", what);
	ATF_REQUIRE_MSG(ring(300, VKT_WAIT_MS), "after %s: traffic stopped "
	    "again", what);
}

static void
await_log(pid_t daemon, const char *what)
{
	long long end = clock_ms() + VKT_RUN_MS;
	struct vkt_run r;

	for (;;) {
		vkt_output(daemon, &r);
		if (has(r.err, what))
			return;
		if (clock_ms() > end)
			atf_tc_fail("vknetd did not log \"%s\": %s", what,
			    vkt_flat(r.err));
		vkt_nap(10);
	}
}

/*
 * Confinement.
 */
VKT_TC(switch_process_confined, "The process that switches runs as "
    "_vknetd, with no capabilities, NoNewPrivs, a seccomp filter and the "
    "empty chroot; the daemon keeps the pid of the pidfile")
{
	pid_t pid, w;
	int c;

	vkt_setup();
	pid = vkt_daemon(VKT_NET, NULL);
	skip_unconfined(pid);
	c = vkt_client();
	w = switch_process(pid, VKT_SOCK);
	ATF_CHECK_EQ(vkt_pidfile(VKT_PIDFILE), pid);
	require_confined(w);
	vkt_close(c);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Make w run system call nr where it waits, by ptrace(2): it is
 * stopped in epoll_pwait(2), just past its syscall instruction.
 */
static void
inject_syscall(pid_t w, long nr)
{
	struct user_regs_struct regs;
	long long end = clock_ms() + VKT_RUN_MS;
	char path[64], sc[64];
	int status;

	/* Waiting in epoll_pwait(2), not still starting up. */
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)w);
	for (;;) {
		slurp(path, sc, sizeof(sc));
		if (atol(sc) == SYS_epoll_pwait)
			break;
		if (clock_ms() > end)
			atf_tc_fail("switch process %d not waiting: %s", (int)w,
			    sc);
		vkt_nap(5);
	}
	if (ptrace(PTRACE_SEIZE, w, NULL, NULL) == -1 ||
	    ptrace(PTRACE_INTERRUPT, w, NULL, NULL) == -1)
		atf_tc_fail("ptrace %d: %s", (int)w, strerror(errno));
	if (waitpid(w, &status, __WALL) == -1 || !WIFSTOPPED(status))
		atf_tc_fail("waitpid %d: not stopped", (int)w);
	if (ptrace(PTRACE_GETREGS, w, NULL, &regs) == -1)
		atf_tc_fail("PTRACE_GETREGS: %s", strerror(errno));
	regs.rax = (unsigned long long)nr;
	regs.orig_rax = (unsigned long long)-1;	/* no restart of the wait */
	regs.rip -= 2;				/* the syscall instruction */
	if (ptrace(PTRACE_SETREGS, w, NULL, &regs) == -1 ||
	    ptrace(PTRACE_DETACH, w, NULL, NULL) == -1)
		atf_tc_fail("ptrace %d: %s", (int)w, strerror(errno));
}

VKT_TC(syscall_outside_allowlist_kills, "A system call outside the "
    "allowlist (execve, made by ptrace) kills the switch process; vknetd "
    "says so and starts another, and the clients stay connected")
{
	char before[1024], after[1024];
	uint8_t f[64], dst[MAC_LEN], src[MAC_LEN];
	size_t len;
	pid_t pid, w, w2;
	int a, b;

	vkt_setup();
	pid = vkt_daemon("-U", NULL);
	skip_unconfined(pid);
	a = vkt_client();
	b = vkt_client();
	vkt_mac(src, 1);
	vkt_mac(dst, 2);
	port_rows(before, sizeof(before));
	w = switch_process(pid, VKT_SOCK);
#if defined(__x86_64__)
	inject_syscall(w, SYS_execve);
#else
	atf_tc_skip("system call injection is written for x86-64 only");
#endif
	await_log(pid, "killed by signal 31");
	ATF_CHECK(has(before, "client"));
	w2 = switch_process(pid, VKT_SOCK);
	ATF_CHECK_MSG(w2 != w, "the same switch process %d", (int)w);
	require_confined(w2);
	len = vkt_frame(f, dst, src, 7);
	vkt_send(a, f, len);
	vkt_expect(b, "A to B after the restart", f, len);
	port_rows(after, sizeof(after));
	ATF_CHECK_STREQ(before, after);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Continuity.
 */
VKT_TC(sighup_keeps_guests, "SIGHUP: vknetd runs its program anew; two "
    "clients, a stream client and a vknet -S link see no end-of-file, "
    "traffic flows within 1 s, and -s shows the same ports and pids")
{
	char before[1024];
	struct vkt_run r;
	long long t;
	pid_t pid, w;

	pid = switch_with_guests();
	port_rows(before, sizeof(before));
	w = switch_process(pid, VKT_SOCK);
	t = clock_ms();
	if (kill(pid, SIGHUP) == -1)
		atf_tc_fail("SIGHUP: %s", strerror(errno));
	await_log(pid, "reloaded");
	require_guests_kept(before, t, "SIGHUP");
	ATF_CHECK_MSG(switch_process(pid, VKT_SOCK) != w,
	    "the switch process was not replaced");
	ATF_CHECK_EQ(vkt_pidfile(VKT_PIDFILE), pid);
	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(has(r.out, "reloaded") && !has(r.out, "never"),
	    "-s does not say when it was reloaded: %s", vkt_flat(r.out));
	/* And once more: a reloaded vknetd reloads too. */
	t = clock_ms();
	ATF_REQUIRE(kill(pid, SIGHUP) == 0);
	vkt_nap(50);
	require_guests_kept(before, t, "a second SIGHUP");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	ATF_CHECK(!vkt_exists(VKT_SOCK) && !vkt_exists(VKT_PIDFILE) &&
	    !vkt_exists(QSOCK));
}

static void
no_tz(void)
{
	(void)unsetenv("TZ");
}

VKT_TC(stats_after_reload_without_tz, "Regression: without TZ in the "
    "environment (as under systemd), -s after a reload, which shows the "
    "time of the reload, made glibc stat(2) the zone file and the filter "
    "kill the switch process")
{
	struct vkt_run r;
	pid_t pid, w;
	int c, i;

	vkt_setup();
	vkt_daemon_prep = no_tz;
	pid = vkt_daemon("-U", NULL);
	vkt_daemon_prep = NULL;
	ATF_REQUIRE(kill(pid, SIGHUP) == 0);
	await_log(pid, "reloaded");
	c = vkt_client();
	w = switch_process(pid, VKT_SOCK);
	for (i = 0; i < 2; i++) {
		vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", VKT_SOCK, NULL);
		ATF_CHECK_MSG(r.status == 0 && has(r.out, "reloaded "),
		    "vknetd -s: %d %s", r.status, vkt_flat(r.err));
	}
	ATF_CHECK_EQ_MSG(switch_process(pid, VKT_SOCK), w,
	    "the switch process died");
	close(c);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(switch_process_killed_keeps_guests, "kill -KILL of the switch "
    "process: vknetd starts another; no guest sees end-of-file, "
    "traffic flows within 1 s, and -s shows the same ports and pids")
{
	char before[1024];
	long long t;
	pid_t pid, w;

	pid = switch_with_guests();
	port_rows(before, sizeof(before));
	w = switch_process(pid, VKT_SOCK);
	t = clock_ms();
	if (kill(w, SIGKILL) == -1)
		atf_tc_fail("kill %d: %s", (int)w, strerror(errno));
	require_guests_kept(before, t, "kill -KILL of the switch process");
	await_log(pid, "killed by signal 9");
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(closed_port_really_closes, "A port the switch process closes is "
    "closed for good: its peer sees end-of-file although vknetd holds "
    "its connections, here for a stream client breaking the framing")
{
	uint8_t bad[4] = { 0, 0, 0, 0 }, buf[16];
	struct pollfd pfd;
	pid_t pid;
	int q;

	vkt_setup();
	pid = vkt_daemon("-U", "-q", QSOCK, NULL);
	q = vkt_connect_stream(QSOCK);
	ATF_REQUIRE(write(q, bad, sizeof(bad)) == (ssize_t)sizeof(bad));
	pfd.fd = q;
	pfd.events = POLLIN;
	ATF_REQUIRE_MSG(poll(&pfd, 1, VKT_WAIT_MS) == 1,
	    "no end-of-file within %d ms", VKT_WAIT_MS);
	ATF_CHECK_EQ(read(q, buf, sizeof(buf)), 0);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

static void
require_torn_down(const char *tap, const char *bridge)
{
	in_addr_t a;

	ATF_CHECK_MSG(!vkt_exists(VKT_SOCK), "%s left behind", VKT_SOCK);
	ATF_CHECK_MSG(!vkt_exists(VKT_SOCK ".ctl"), "control socket left");
	ATF_CHECK_MSG(!vkt_exists(VKT_PIDFILE), "pidfile left behind");
	ATF_CHECK_MSG(!vkt_exists(VKT_PIDFILE ".state"), "state file left");
	ATF_CHECK_MSG(!vkt_if_exists(tap), "TAP %s left behind", tap);
	if (bridge != NULL)
		ATF_CHECK_MSG(!vkt_if_exists(bridge), "bridge %s left behind",
		    bridge);
	if (bridge != NULL && vkt_if_exists(bridge))
		ATF_CHECK_MSG(vkt_if_addr(bridge, &a) == -1, "address left "
		    "on %s", bridge);
}

VKT_TC(switch_process_dying_at_once_gives_up, "A switch process that "
    "dies within 5 s of its start, five times in a row, makes vknetd give "
    "up with exit status 1 and a full teardown")
{
	pid_t pid, w;
	int i, c, st;

	vkt_setup();
	pid = vkt_daemon("-t", "vkps0", "-U", NULL);
	skip_unconfined(pid);
	c = vkt_client();
	for (i = 0; i < 5; i++) {
		w = switch_process(pid, VKT_SOCK);
#if defined(__x86_64__)
		inject_syscall(w, SYS_execve);
#else
		atf_tc_skip("system call injection is written for x86-64 only");
#endif
		while (kill(w, 0) == 0)
			vkt_nap(5);
	}
	ATF_REQUIRE_MSG((st = vkt_wait(pid, VKT_RUN_MS)) != -1,
	    "vknetd still running after 5 quick deaths");
	ATF_CHECK_EQ_MSG(st, 1, "exit status %d", st);
	await_log(pid, "giving up");
	require_torn_down("vkps0", NULL);
	close(c);
}

/* Half a frame: its length and the first bytes. */
static size_t
half_frame(struct end *e, uint8_t *rest, uint32_t tag)
{
	uint8_t f[64], buf[68], dst[MAC_LEN], src[MAC_LEN];
	size_t len;

	vkt_mac(src, 3);
	vkt_mac(dst, 1);
	len = vkt_frame(f, dst, src, tag);
	buf[0] = buf[1] = buf[2] = 0;
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, f, len);
	ATF_REQUIRE(write(e->in, buf, 20) == 20);
	memcpy(rest, buf + 20, len + 4 - 20);
	return (len + 4 - 20);
}

VKT_TC(stream_cut_by_crash_is_closed, "A stream port that the killed "
    "switch process had read half a frame of cannot be framed again: "
    "the next one closes it (end-of-file), the other guests stay")
{
	char before[1024];
	uint8_t rest[64], f[VKT_BUFSZ];
	struct pollfd pfd;
	const char *p;
	ssize_t n;
	pid_t pid, w;

	pid = switch_with_guests();
	(void)half_frame(&ends[2], rest, 1);
	vkt_nap(100);		/* read by the switch process meanwhile */
	w = switch_process(pid, VKT_SOCK);
	ATF_REQUIRE(kill(w, SIGKILL) == 0);
	await_log(pid, "in the middle of a frame: closing it");
	pfd.fd = ends[2].out;
	pfd.events = POLLIN;
	ATF_REQUIRE_MSG(poll(&pfd, 1, VKT_WAIT_MS) == 1, "the stream was not "
	    "closed within %d ms", VKT_WAIT_MS);
	ATF_REQUIRE_MSG((n = read(ends[2].out, f, sizeof(f))) == 0,
	    "the stream was not closed: read %zd", n);
	port_rows(before, sizeof(before));
	ATF_CHECK_MSG(!has(before, "stream"), "the stream port is still "
	    "there: %s", before);
	/* A and B, and the vknet link, shown as a link. */
	for (n = 0, p = before; (p = strstr(p, " client ")) != NULL; p++)
		n++;
	for (p = before; (p = strstr(p, " link ")) != NULL; p++)
		n++;
	ATF_CHECK_MSG(n == 3, "not the three clients' ports: %s", before);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

VKT_TC(stream_half_frame_at_reload, "SIGHUP while a stream client is in "
    "the middle of a frame: the switch process reads it to its end "
    "before it stops, the frame is counted lost, and the stream stays "
    "framed")
{
	char before[1024];
	uint8_t rest[64];
	struct vkt_run r;
	size_t len;
	long long t;
	pid_t pid;

	pid = switch_with_guests();
	port_rows(before, sizeof(before));
	len = half_frame(&ends[2], rest, 1);
	vkt_nap(50);
	t = clock_ms();
	ATF_REQUIRE(kill(pid, SIGHUP) == 0);
	vkt_nap(20);
	ATF_REQUIRE(write(ends[2].in, rest, len) == (ssize_t)len);
	await_log(pid, "reloaded");
	require_guests_kept(before, t, "SIGHUP in the middle of a frame");
	vkt_run(&r, NULL, VKNETD_PATH, "-s", "-p", VKT_SOCK, NULL);
	ATF_CHECK_MSG(has(r.out, ", 1 frames lost in reloads"),
	    "the frame cut by the reload is not counted: %s",
	    vkt_flat(r.out));
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
}

/*
 * Signals and what is left behind.
 */
VKT_TC(signals_tear_down, "SIGUSR2, SIGALRM, SIGQUIT, SIGPWR and a "
    "real-time signal end vknetd with a full teardown: no socket, "
    "pidfile, TAP or bridge of its own is left")
{
	const int sigs[] = { SIGUSR2, SIGALRM, SIGQUIT, SIGPWR, SIGRTMIN + 3 };
	char tap[IFNAMSIZ];
	size_t i;
	pid_t pid;
	int st;

	vkt_setup();
	for (i = 0; i < nitems(sigs); i++) {
		pid = vkt_daemon("-t", "vkps0", "-b", "vkpsbr0", VKT_NET,
		    NULL);
		snprintf(tap, sizeof(tap), "%s", vkt_tap);
		st = vkt_kill(pid, sigs[i]);
		ATF_CHECK_MSG(st == 128 + sigs[i], "signal %d: exit status %d",
		    sigs[i], st);
		require_torn_down(tap, "vkpsbr0");
	}
}

VKT_TC(leftovers_after_kill9_removed, "After kill -9 of vknetd, the next "
    "one on the same pidfile takes the bridge and address the dead one "
    "made as its own and removes them at exit, but never a bridge that "
    "was there before either")
{
	struct vkt_run r;
	in_addr_t a;
	pid_t pid;

	vkt_setup();
	pid = vkt_daemon("-t", "vkps0", "-b", "vkpsbr0", VKT_NET, NULL);
	ATF_REQUIRE(vkt_exists(VKT_PIDFILE ".state"));
	ATF_REQUIRE_EQ(vkt_kill(pid, SIGKILL), 128 + SIGKILL);
	ATF_REQUIRE_MSG(vkt_if_exists("vkpsbr0"), "the bridge went with a "
	    "kill -9: nothing to test");
	pid = vkt_daemon("-t", "vkps0", "-b", "vkpsbr0", VKT_NET, NULL);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	require_torn_down("vkps0", "vkpsbr0");

	/* A bridge of the admin's, with the address on it, stays. */
	vkt_run(&r, NULL, "ip", "link", "add", "vkpsbr1", "type", "bridge",
	    NULL);
	ATF_REQUIRE_EQ_MSG(r.status, 0, "ip link add: %s", vkt_flat(r.err));
	vkt_run(&r, NULL, "ip", "addr", "add", VKT_NET, "dev", "vkpsbr1",
	    NULL);
	ATF_REQUIRE_EQ(r.status, 0);
	pid = vkt_daemon("-t", "vkps0", "-b", "vkpsbr1", VKT_NET, NULL);
	ATF_REQUIRE_EQ(vkt_kill(pid, SIGKILL), 128 + SIGKILL);
	pid = vkt_daemon("-t", "vkps0", "-b", "vkpsbr1", VKT_NET, NULL);
	ATF_REQUIRE_EQ(vkt_stop(pid), 0);
	ATF_CHECK_MSG(vkt_if_exists("vkpsbr1"), "the admin's bridge is gone");
	ATF_CHECK_MSG(vkt_if_addr("vkpsbr1", &a) == 0 &&
	    a == vkt_ip("198.51.100.1"), "the admin's address is gone");
	require_torn_down("vkps0", NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, switch_process_confined);
	ATF_TP_ADD_TC(tp, syscall_outside_allowlist_kills);
	ATF_TP_ADD_TC(tp, sighup_keeps_guests);
	ATF_TP_ADD_TC(tp, switch_process_killed_keeps_guests);
	ATF_TP_ADD_TC(tp, stats_after_reload_without_tz);
	ATF_TP_ADD_TC(tp, closed_port_really_closes);
	ATF_TP_ADD_TC(tp, switch_process_dying_at_once_gives_up);
	ATF_TP_ADD_TC(tp, stream_cut_by_crash_is_closed);
	ATF_TP_ADD_TC(tp, stream_half_frame_at_reload);
	ATF_TP_ADD_TC(tp, signals_tear_down);
	ATF_TP_ADD_TC(tp, leftovers_after_kill9_removed);
	return (atf_no_error());
}
