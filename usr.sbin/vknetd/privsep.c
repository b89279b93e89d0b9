/*
 * Privilege separation, OpenBSD style, and the continuity it buys.
 *
 * Theory of operation.  vknetd runs as two processes.  The parent
 * stays privileged and does nothing with frames: it set up the TAP (and
 * bridge and address), the listening sockets and the pidfile, and it
 * keeps them, and only them, to undo at the end (vknetd.c's teardown()).
 * Everything that touches what guests send, the ports, the MAC table,
 * secure mode and the control sessions, runs in the worker, a child
 * confined by sandbox.c (its own unprivileged user, an empty chroot,
 * no capabilities, no new privileges, a seccomp allowlist).
 *
 * The parent is also the custodian of every connection, so that no
 * guest loses its link when the worker goes.  It holds a copy of each
 * port's descriptor, by port id, with its kind and since when it is
 * connected: the TAP from the start, and each client the worker accepts,
 * which the worker sends it at once over their socketpair (SCM_RIGHTS,
 * PS_PORT).  When the worker closes a port it says so (PS_CLOSE) and
 * the parent closes its copy, so a port closed is really closed and its
 * peer sees end-of-file.  Messages on the socketpair are read in order,
 * even those a worker sent just before it died, so the table is exact
 * whenever a new worker is started.
 *
 * If the worker dies, for any reason, the parent logs why and starts a
 * new one, which finds every descriptor in the table and adds each port
 * under its old id (privsep_adopt()); control sessions, held by the
 * worker alone, are lost.  A worker that dies within QUICK_SECS of its
 * start is restarted at once the first time, then after a delay that
 * doubles each time, and after
 * MAX_QUICK such deaths in a row the parent gives up and ends with a
 * full teardown.  A stream port stands in the middle of a frame
 * whenever the worker has read or written part of one; the worker keeps
 * a flag per port in memory shared with the parent (`cut'), and a
 * successor closes a port whose flag is set, since it could never find
 * the frames in that stream again.  A worker that is asked to stop
 * (PS_STOP) first brings its streams to a frame boundary, within
 * FINISH_MS, and tells the parent how many frames it could not deliver
 * (PS_LOST).
 *
 * SIGHUP reloads: the parent stops the worker, then executes its own
 * program anew, from the absolute path it was started from (read from
 * /proc/self/exe at start-up, so a binary replaced by make install is
 * the one that runs), with the same arguments.  What it hands over is
 * written to a memfd whose number is in VKNETD_HANDOVER: vknetd.c's
 * part (the listening sockets, the pidfile, the TAP and what start-up
 * made, as one record), the start time, the frames lost so far, and the
 * port table; those descriptors, and only they, lose FD_CLOEXEC.  The
 * new program (privsep_inherit()) creates nothing: it takes over the
 * same descriptors, ids and pids (SO_PEERCRED belongs to the
 * connection), keeps running as the same pid, and notes when it was
 * reloaded.  No client sees end-of-file.  If the exec fails, the parent
 * logs it and carries on with a new worker of the old program.
 *
 * Signals of the parent: SIGHUP reloads, SIGUSR1 is passed on to the
 * worker (which logs the stats), SIGCHLD is a worker's death; every
 * other signal whose default would end the process ends it with a full
 * teardown instead (SIGPIPE is ignored, see signals.c).  The parent
 * gives its orders to the worker (PS_STATS, PS_STOP) on the socketpair,
 * not by signals: a root without CAP_KILL, as under the systemd unit,
 * may not signal a process of another user.  Only a worker that does
 * not stop when told gets SIGKILL, and one that cannot be killed makes
 * a reload give up.  The worker is in a session of its own, so a
 * terminal's signals reach the parent only, and it dies with the
 * parent (PR_SET_PDEATHSIG).
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <bsd/stdlib.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "signals.h"
#include "switch.h"

#define HANDOVER_ENV	"VKNETD_HANDOVER"
#define HANDOVER_MAGIC	0x766b6e68	/* "vknh" */
#define HANDOVER_VERSION 2
#define QUICK_SECS	5	/* a worker dead sooner died "at once" */
#define MAX_QUICK	5	/* such deaths in a row before giving up */
#define BACKOFF_MS	250	/* first delay, doubled each quick death */
#define STOP_MS		2000	/* for a worker to stop when asked */
#define FINISH_MS	200	/* for its streams to reach a boundary */

enum ps_type {
	/* From the worker: */
	PS_PORT = 1,		/* a new port; its descriptor attached */
	PS_CLOSE,		/* the port is closed */
	PS_LOST,		/* frames not delivered at a stop */
	/* From the parent: */
	PS_STATS,		/* log the stats */
	PS_STOP			/* stop */
};

struct ps_msg {
	int32_t		type;
	int32_t		id;
	int32_t		kind;
	int32_t		tag;		/* vknetd.c's: which listener */
	int64_t		since;
	uint64_t	lost;
};

/* A connection in the parent's custody. */
struct held {
	int		fd;		/* -1: no port of that id */
	int		kind;
	int		tag;
	int64_t		since;
};

/* One port in the handover, after the header and vknetd.c's record. */
struct carried_port {
	int32_t		id;
	int32_t		kind;
	int32_t		fd;
	int32_t		cut;
	int64_t		since;
	int32_t		tag;
	int32_t		pad;
};

struct handover {
	uint32_t	magic;
	uint32_t	version;
	uint32_t	len;		/* of vknetd.c's record */
	uint32_t	nports;
	int64_t		started;	/* monotonic seconds */
	uint64_t	lost;		/* frames lost in reloads so far */
};

static struct {
	char		 self[PATH_MAX]; /* the program, absolute */
	char		**argv;
	struct held	*held;
	int		 maxports;
	uint8_t		*cut;		/* shared with the workers */
	time_t		 started;	/* monotonic, for the uptime */
	time_t		 reloaded;	/* wall clock, or 0 */
	uint64_t	 lost;
	pid_t		 parent;
	pid_t		 worker;	/* -1: none running */
	int		 chan;		/* the parent's end, or the worker's */
	int		 chan_eof;	/* the worker's end is closed */
	time_t		 worker_started;
	int		 quick;		/* quick deaths in a row */
	int		 tap_gone;	/* a worker said so: no use restarting */
	long long	 restart_ms;	/* when to start the next worker */
	sigset_t	 waitmask;	/* the parent's, while it waits */
	const int	*keep;		/* vknetd.c's descriptors */
	int		 nkeep;
} ps = { .worker = -1, .chan = -1 };

static void	tell(const struct ps_msg *, int fd);

static volatile sig_atomic_t quit_sig, reload_wanted, stats_wanted, child;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGHUP:
		reload_wanted = 1;
		break;
	case SIGUSR1:
		stats_wanted = 1;
		break;
	case SIGCHLD:
		child = 1;
		break;
	default:
		if (quit_sig == 0)
			quit_sig = sig;
		break;
	}
}

/*
 * Every signal whose default action ends the process, but SIGKILL
 * (which cannot be caught) and SIGPIPE (ignored), and SIGCHLD; the list
 * ends in 0.  A fault (SIGSEGV and the like) still kills: the kernel
 * does not run a handler for a fault while its signal is blocked, as
 * these are but while the loop waits.
 */
static const int *
caught_signals(void)
{
	static const int fixed[] = { SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP,
	    SIGABRT, SIGBUS, SIGFPE, SIGUSR1, SIGSEGV, SIGUSR2, SIGALRM,
	    SIGTERM, SIGSTKFLT, SIGCHLD, SIGXCPU, SIGXFSZ, SIGVTALRM,
	    SIGPROF, SIGIO, SIGPWR, SIGSYS };
	static int sigs[sizeof(fixed) / sizeof(fixed[0]) + 64];
	size_t n;
	int s;

	if (sigs[0] != 0)
		return (sigs);
	memcpy(sigs, fixed, sizeof(fixed));
	n = sizeof(fixed) / sizeof(fixed[0]);
	for (s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigs[n++] = s;
	sigs[n] = 0;
	return (sigs);
}

/*
 * Caught from the start and blocked but while the loop waits, so that a
 * signal during start-up waits for the loop, which then cleans up.
 */
void
privsep_signals(void)
{
	signals_catch(on_signal, &ps.waitmask, caught_signals());
}

void
privsep_init(char *argv[], int maxports)
{
	ssize_t n;
	int id;

	if ((n = readlink("/proc/self/exe", ps.self, sizeof(ps.self) - 1)) ==
	    -1)
		fatal("/proc/self/exe");
	ps.self[n] = '\0';
	ps.argv = argv;
	ps.maxports = maxports;
	ps.started = (time_t)(clock_ms() / 1000);
	if ((ps.held = calloc((size_t)maxports, sizeof(*ps.held))) == NULL)
		fatal("port table");
	for (id = 0; id < maxports; id++)
		ps.held[id].fd = -1;
	ps.cut = mmap(NULL, (size_t)maxports, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ps.cut == MAP_FAILED)
		fatal("shared port flags");
}

void
privsep_hold(int id, enum port_kind kind, int tag, int fd, time_t since)
{
	ps.held[id].fd = fd;
	ps.held[id].kind = kind;
	ps.held[id].tag = tag;
	ps.held[id].since = since;
	ps.cut[id] = 0;
}

static void
let_go(int id)
{
	if (ps.held[id].fd != -1)
		close(ps.held[id].fd);
	ps.held[id].fd = -1;
	ps.cut[id] = 0;
}

/* A message from the worker; 0 once there are none for now, -1 at EOF. */
static int
read_chan(void)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct ps_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
	struct cmsghdr *cm;
	ssize_t n;
	int fd = -1;

	n = recvmsg(ps.chan, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	if (n == 0)
		return (-1);
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
	    cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	if ((size_t)n != sizeof(m) || m.id < 0 || m.id >= ps.maxports ||
	    (m.type == PS_PORT && (fd == -1 || ps.held[m.id].fd != -1 ||
	    (m.kind != PORT_SEQPACKET && m.kind != PORT_STREAM)))) {
		log_warnx("switch process sent a bad message (type %d, "
		    "port %d): ignored", (int)m.type, (int)m.id);
		if (fd != -1)
			close(fd);
		return (1);
	}
	switch (m.type) {
	case PS_PORT:
		privsep_hold(m.id, (enum port_kind)m.kind, m.tag, fd,
		    m.since);
		break;
	case PS_CLOSE:
		if (ps.held[m.id].kind != PORT_TAP)
			let_go(m.id);
		break;
	case PS_LOST:
		ps.lost += m.lost;
		break;
	}
	return (1);
}

/*
 * Once the worker's end is closed there is no more to read, and the
 * wait is for SIGCHLD alone: a ready descriptor would keep it from
 * ever being delivered (ppoll(2) restores the mask when it succeeds).
 */
static void
drain_chan(void)
{
	int rc;

	while ((rc = read_chan()) == 1)
		;
	if (rc == -1)
		ps.chan_eof = 1;
}

static void
why(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		log_warnx("switch process %d killed by signal %d (%s)%s",
		    (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WTERMSIG(status) == SIGSYS ? ": a system call outside "
		    "its allowlist" : "");
	else
		log_warnx("switch process %d exited with status %d", (int)pid,
		    WEXITSTATUS(status));
}

/* The worker has gone: take in its last messages, plan the next one. */
static void
worker_gone(int status, int asked)
{
	time_t now = (time_t)(clock_ms() / 1000);

	if (WIFEXITED(status) && WEXITSTATUS(status) == PRIVSEP_TAP_GONE)
		ps.tap_gone = 1;
	else if (!asked)
		why(ps.worker, status);
	drain_chan();
	close(ps.chan);
	ps.chan = -1;
	ps.chan_eof = 0;
	ps.worker = -1;
	if (asked)
		return;
	if (now - ps.worker_started < QUICK_SECS)
		ps.quick++;
	else
		ps.quick = 0;
	ps.restart_ms = clock_ms() +
	    (ps.quick <= 1 ? 0 : (long long)BACKOFF_MS << (ps.quick - 2));
}

static void
reap(void)
{
	int status;

	child = 0;
	if (ps.worker != -1 && waitpid(ps.worker, &status, WNOHANG) ==
	    ps.worker)
		worker_gone(status, 0);
	/* Nothing else is ours to wait for, but do not let it linger. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* In the new worker: the parent's signals back to their defaults. */
static void
worker_signals(void)
{
	struct sigaction sa;
	const int *s;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (s = caught_signals(); *s != 0; s++)
		(void)sigaction(*s, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static int
start_worker(void (*worker)(void *), void *arg)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return (-1);
	}
	if ((pid = fork()) == -1) {
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		return (-1);
	}
	if (pid == 0) {
		close(sv[0]);
		ps.chan = sv[1];
		(void)setsid();
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
		    getppid() != ps.parent)
			_exit(1);
		worker_signals();
		worker(arg);
		_exit(0);
	}
	close(sv[1]);
	ps.chan = sv[0];
	ps.worker = pid;
	ps.worker_started = (time_t)(clock_ms() / 1000);
	return (0);
}

/*
 * Tell the worker to stop, and wait for it; kill it if it does not.
 * Returns -1 if it is still there: it could not be killed.
 */
static int
stop_worker(void)
{
	long long end = clock_ms() + STOP_MS;
	struct pollfd pfd;
	int status;
	pid_t w;

	if (ps.worker == -1)
		return (0);
	tell(&(struct ps_msg){ .type = PS_STOP }, -1);
	while ((w = waitpid(ps.worker, &status, WNOHANG)) == 0) {
		if (clock_ms() >= end) {
			log_warnx("switch process %d did not stop within %d "
			    "ms: killing it", (int)ps.worker, STOP_MS);
			if (kill(ps.worker, SIGKILL) == -1) {
				log_warn("kill %d", (int)ps.worker);
				return (-1);
			}
			w = waitpid(ps.worker, &status, 0);
			break;
		}
		pfd.fd = ps.chan_eof ? -1 : ps.chan;
		pfd.events = POLLIN;
		if (ppoll(&pfd, 1, &(struct timespec){ 0, 10000000 },
		    &ps.waitmask) == 1)
			drain_chan();
	}
	if (w == ps.worker)
		worker_gone(status, 1);
	return (0);
}

static void
set_cloexec(int fd, int on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl != -1)
		(void)fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC :
		    fl & ~FD_CLOEXEC);
}

/* Write what the new program takes over; its descriptor, or -1. */
static int
write_handover(const void *carried, size_t len)
{
	struct handover h = { HANDOVER_MAGIC, HANDOVER_VERSION, (uint32_t)len,
	    0, ps.started, ps.lost };
	struct carried_port cp;
	FILE *fp;
	int fd, id;

	for (id = 0; id < ps.maxports; id++)
		h.nports += ps.held[id].fd != -1;
	if ((fd = memfd_create("vknetd-handover", 0)) == -1 ||
	    (fp = fdopen(dup(fd), "w")) == NULL) {
		log_warn("handover");
		if (fd != -1)
			close(fd);
		return (-1);
	}
	(void)fwrite(&h, sizeof(h), 1, fp);
	(void)fwrite(carried, len, 1, fp);
	for (id = 0; id < ps.maxports; id++) {
		if (ps.held[id].fd == -1)
			continue;
		memset(&cp, 0, sizeof(cp));
		cp.id = id;
		cp.kind = ps.held[id].kind;
		cp.fd = ps.held[id].fd;
		cp.cut = ps.cut[id];
		cp.since = ps.held[id].since;
		cp.tag = ps.held[id].tag;
		(void)fwrite(&cp, sizeof(cp), 1, fp);
	}
	if (ferror(fp) | (fclose(fp) == EOF) ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		log_warn("handover");
		close(fd);
		return (-1);
	}
	return (fd);
}

static void
hand_over(int keep_open)
{
	int id, i;

	for (i = 0; i < ps.nkeep; i++)
		set_cloexec(ps.keep[i], !keep_open);
	for (id = 0; id < ps.maxports; id++)
		if (ps.held[id].fd != -1)
			set_cloexec(ps.held[id].fd, !keep_open);
}

/*
 * SIGHUP: the program anew, with everything handed over.  Returns only
 * if that failed; the caller then starts a worker as before.
 */
static void
reload(const void *carried, size_t len)
{
	char num[16];
	int fd;

	log_info("reloading: executing %s", ps.self);
	if (stop_worker() == -1) {
		log_warnx("reload: the switch process would not stop");
		return;
	}
	/* Caught while it stopped: the end, not a reload. */
	if (quit_sig != 0)
		return;
	if ((fd = write_handover(carried, len)) == -1)
		return;
	snprintf(num, sizeof(num), "%d", fd);
	hand_over(1);
	if (setenv(HANDOVER_ENV, num, 1) == 0)
		execv(ps.self, ps.argv);
	log_warn("reload: %s", ps.self);
	(void)unsetenv(HANDOVER_ENV);
	hand_over(0);
	close(fd);
}

/*
 * After a reload: take over what the program before handed over.
 * Returns 1 if there was a handover (its record in carried), 0 if this
 * is a fresh start.
 */
int
privsep_inherit(void *carried, size_t len)
{
	struct handover h;
	struct carried_port cp;
	const char *env, *errstr;
	FILE *fp;
	uint32_t i;
	int fd;

	if ((env = getenv(HANDOVER_ENV)) == NULL)
		return (0);
	fd = (int)strtonum(env, 0, INT_MAX, &errstr);
	(void)unsetenv(HANDOVER_ENV);
	if (errstr != NULL || (fp = fdopen(fd, "r")) == NULL)
		fatalx("%s=%s: no handover to take", HANDOVER_ENV, env);
	if (fread(&h, sizeof(h), 1, fp) != 1 || h.magic != HANDOVER_MAGIC ||
	    h.version != HANDOVER_VERSION || h.len != len ||
	    fread(carried, len, 1, fp) != 1)
		fatalx("handover from the program before: not one of this "
		    "version's");
	ps.started = (time_t)h.started;
	ps.lost = h.lost;
	ps.reloaded = time(NULL);
	for (i = 0; i < h.nports; i++) {
		if (fread(&cp, sizeof(cp), 1, fp) != 1 || cp.id < 0 ||
		    cp.id >= ps.maxports)
			fatalx("handover: port table cut short");
		privsep_hold(cp.id, (enum port_kind)cp.kind, cp.tag, cp.fd,
		    (time_t)cp.since);
		set_cloexec(cp.fd, 1);
		ps.cut[cp.id] = (uint8_t)cp.cut;
	}
	fclose(fp);
	return (1);
}

/*
 * The parent's loop, until a signal ends vknetd: keep a worker running,
 * and the table of connections exact.  carried is vknetd.c's record for
 * a reload and keep the descriptors it holds, all handed over; started
 * is told the pid of each new worker.  Returns the exit status.
 */
int
privsep_run(void (*worker)(void *), void (*started)(pid_t), void *arg,
    const void *carried, size_t len, const int *keep, int nkeep)
{
	struct pollfd pfd;
	struct timespec ts, *tsp;
	long long wait_ms;

	ps.parent = getpid();	/* detached by now */
	ps.keep = keep;
	ps.nkeep = nkeep;
	hand_over(0);		/* inherited without FD_CLOEXEC, maybe */
	while (quit_sig == 0) {
		if (child)
			reap();
		if (reload_wanted) {
			reload_wanted = 0;
			reload(carried, len);
			ps.restart_ms = 0;
		}
		if (stats_wanted) {
			stats_wanted = 0;
			if (ps.worker != -1)
				tell(&(struct ps_msg){ .type = PS_STATS }, -1);
		}
		if (ps.worker == -1 && ps.tap_gone)
			return (1);
		if (ps.worker == -1 && ps.quick >= MAX_QUICK) {
			log_warnx("the switch process died %d times within "
			    "%d s of its start: giving up", ps.quick,
			    QUICK_SECS);
			return (1);
		}
		if (ps.worker == -1 && clock_ms() >= ps.restart_ms) {
			if (start_worker(worker, arg) == 0)
				started(ps.worker);
			else {
				ps.quick++;
				ps.restart_ms = clock_ms() + BACKOFF_MS;
			}
		}
		tsp = NULL;
		if (ps.worker == -1) {
			wait_ms = ps.restart_ms - clock_ms();
			if (wait_ms < 0)
				wait_ms = 0;
			ts.tv_sec = (time_t)(wait_ms / 1000);
			ts.tv_nsec = (long)(wait_ms % 1000) * 1000000;
			tsp = &ts;
		}
		pfd.fd = ps.chan_eof ? -1 : ps.chan;
		pfd.events = POLLIN;
		if (ppoll(&pfd, 1, tsp, &ps.waitmask) == 1)
			drain_chan();
	}
	/* The switch process's last lines first: this one is the last. */
	(void)stop_worker();
	log_info("exiting on SIG%s", sigabbrev_np(quit_sig));
	return (quit_sig == SIGTERM || quit_sig == SIGINT ? 0 :
	    128 + quit_sig);
}

/*
 * The worker, once forked: its switch takes every port the parent
 * holds, under the same id, and placed() is told each port's tag, to
 * put it back in its VLANs.  A stream its predecessor left in the
 * middle of a frame cannot be framed again, and is closed.
 */
void
privsep_adopt(struct vswitch *sw, void (*placed)(struct vswitch *, int id,
    int tag))
{
	int id;

	sw->pid = ps.parent;
	sw->started = ps.started;
	sw->reloaded = ps.reloaded;
	sw->reload_lost = ps.lost;
	sw->cut = ps.cut;
	sw->port_closed = privsep_closed;
	for (id = 0; id < ps.maxports; id++) {
		if (ps.held[id].fd == -1)
			continue;
		if (switch_add_port_at(sw, id, (enum port_kind)ps.held[id].kind,
		    ps.held[id].fd) == -1) {
			log_warn("port %d", id);
			continue;
		}
		sw->ports[id].since = (time_t)ps.held[id].since;
		placed(sw, id, ps.held[id].tag);
		if (ps.cut[id]) {
			log_warnx("port %d (%s, pid %d) was left in the middle "
			    "of a frame: closing it", id,
			    port_kind_name(sw->ports[id].kind),
			    (int)sw->ports[id].pid);
			switch_close_port(sw, id);
		}
	}
}

static void
tell(const struct ps_msg *m, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = { (void *)(uintptr_t)m, sizeof(*m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd != -1) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	}
	/* The parent reads at once; a failure means it is gone. */
	while (sendmsg(ps.chan, &msg, MSG_NOSIGNAL) == -1 && errno == EINTR)
		;
}

void
privsep_told(int id, enum port_kind kind, int tag, int fd, time_t since)
{
	struct ps_msg m = { .type = PS_PORT, .id = id, .kind = kind,
	    .tag = tag, .since = since };

	tell(&m, fd);
}

void
privsep_closed(int id)
{
	struct ps_msg m = { .type = PS_CLOSE, .id = id };

	tell(&m, -1);
}

int
privsep_chan(void)
{
	return (ps.chan);
}

/* What the parent wants; its end closed means stop as well. */
enum order
privsep_order(void)
{
	struct ps_msg m;
	ssize_t n;

	n = recv(ps.chan, &m, sizeof(m), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (ORDER_NONE);
	if (n != (ssize_t)sizeof(m) || m.type == PS_STOP)
		return (ORDER_STOP);
	return (m.type == PS_STATS ? ORDER_STATS : ORDER_NONE);
}

/*
 * The worker, asked to stop: leave every stream between two frames if
 * it can, and count what was not delivered.  The ports stay open (the
 * parent holds them) and the parent is not told of any closing.
 */
void
privsep_stop(struct vswitch *sw)
{
	struct ps_msg m = { .type = PS_LOST };
	long long end = clock_ms() + FINISH_MS;
	int i, id;

	sw->port_closed = NULL;
	for (i = 0; i < sw->nactive; i++) {
		id = sw->active[i];
		(void)port_finish(&sw->ports[id], end, &m.lost);
		m.lost += sw->ports[id].qlen;
	}
	if (m.lost != 0)
		log_info("stopping: %llu frames in flight lost",
		    (unsigned long long)m.lost);
	tell(&m, -1);
}
