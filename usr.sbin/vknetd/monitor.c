/*
 * Control sessions: what "vknetd -c", "-s", "-k" and "-f" talk to.
 *
 * Each connection to the control socket takes one of SESSION_MAX
 * sessions, which own fixed poll slots of their own after the
 * listeners (vknetd.c), so a session never becomes a switch port: it
 * is never flooded to, nothing is learned from it and nothing it sends
 * is switched.  A session starts by waiting for its one command (see
 * ctl.h); one that says nothing for CMD_TIMEOUT seconds is closed, so
 * idle connections cannot hold every session.
 *
 * Who gets a session: at most MONITOR_MAX of them are monitors, so
 * that at least as many are always left for "stats" and the commands,
 * which are answered at once and so hold theirs for moments only.  A
 * user other than root may hold MONITOR_UID monitors and MONITOR_UID
 * sessions waiting to say what they want, and never the last free
 * session or the last monitor: those are kept for root, whom no member
 * of the control socket's group can lock out.  A refusal is one
 * message (CTL_ERROR and why); what the client had sent is read first,
 * for a close with unread data would reach it as "connection reset"
 * before the refusal.
 *
 * A monitor is sent one record per frame with a non-blocking send:
 * the switch never waits for a monitor.  When a monitor's socket is
 * full the record is lost and counted, and every later record carries
 * the count; after a loss the session also waits for POLLOUT so that
 * it can tell the count at once, in a record without a frame, even if
 * no more frames come.  The socket's send buffer is enlarged to ride
 * out bursts.  A monitor whose socket has stayed full for STUCK_TIMEOUT
 * seconds reads nothing any more and is closed.
 *
 * A stats request is answered with the records of stats.c, gathered
 * once and sent, whole records packed into CTL_CHUNK messages, as fast
 * as the client takes them; what does not fit now waits in the session
 * for POLLOUT.  The session is closed when all of it is sent, or after
 * REPLY_TIMEOUT seconds if the client stops taking it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "listener.h"
#include "log.h"
#include "monitor.h"
#include "pollset.h"
#include "stats.h"

#define CMD_TIMEOUT	5		/* seconds to send a command */
#define REPLY_TIMEOUT	30		/* seconds to take the stats */
#define STUCK_TIMEOUT	60		/* seconds a monitor may read nothing */
#define MONITOR_SNDBUF	(1 << 20)

_Static_assert(FATE_ALL == VKMON_ALL && FATE_NONE == VKMON_NONE,
    "fate and record disagree on the egress markers");
_Static_assert(DROP_NREASONS <= 32, "drop reasons do not fit the record");

enum state {
	S_FREE,
	S_COMMAND,		/* connected, command not read yet */
	S_MONITOR,
	S_REPLY			/* sending the stats records */
};

struct session {
	enum state	 state;
	int		 fd;
	pid_t		 pid;		/* of the peer, from SO_PEERCRED */
	uid_t		 uid;
	time_t		 since;
	time_t		 full_since;	/* monitor's socket full; 0: not */
	uint64_t	 missed;	/* records lost, monitors only */
	int		 unreported;	/* missed grew since the last record */
	char		*reply;		/* the stats records being sent */
	size_t		 len;
	size_t		 off;
};

struct monitor {
	struct session	 s[SESSION_MAX];
	struct pollfd	*pfd;		/* pfd[i] watches s[i] */
	struct vswitch	*sw;
	const struct ctl_switch *ident;	/* the fixed part of stats */
};

struct monitor *
monitor_new(struct vswitch *sw, struct pollfd *pfd,
    const struct ctl_switch *ident)
{
	struct monitor *m;
	int i;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	m->pfd = pfd;
	m->sw = sw;
	m->ident = ident;
	for (i = 0; i < SESSION_MAX; i++) {
		m->s[i].fd = -1;
		pfd[i].fd = -1;
	}
	sw->mon = m;
	return (m);
}

static void
end_session(struct monitor *m, int i)
{
	struct session *s = &m->s[i];

	if (s->state == S_MONITOR) {
		m->sw->watchers--;
		log_info("monitor detached: pid %d, %llu frames missed",
		    (int)s->pid, (unsigned long long)s->missed);
	}
	pollset_forget(&m->pfd[i]);
	close(s->fd);
	free(s->reply);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	m->pfd[i].fd = -1;
	m->pfd[i].revents = 0;
}

void
monitor_free(struct monitor *m)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < SESSION_MAX; i++)
		if (m->s[i].state != S_FREE)
			end_session(m, i);
	m->sw->mon = NULL;
	free(m);
}

/* Send one answer, "ok ..." or CTL_ERROR and why. */
static void __attribute__((format(printf, 2, 3)))
answer(int fd, const char *fmt, ...)
{
	char msg[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	(void)send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * Say no to a connection that has no session, after reading what it
 * has sent already: see above.  It is closed by the caller.
 */
static void
refuse(int fd, const char *why)
{
	char junk[CTL_CMDMAX];

	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	answer(fd, "%s%s", CTL_ERROR, why);
}

/* Why a connection from uid may not have a session now, or NULL. */
static const char *
no_session(const struct monitor *m, uid_t uid, int *slot)
{
	static char why[80];
	int i, nfree = 0, waiting = 0;

	*slot = -1;
	for (i = 0; i < SESSION_MAX; i++) {
		if (m->s[i].state == S_FREE) {
			if (*slot == -1)
				*slot = i;
			nfree++;
		} else if (m->s[i].uid == uid && m->s[i].state != S_MONITOR)
			waiting++;
	}
	if (nfree == 0)
		return ("too many control sessions");
	if (uid == 0)
		return (NULL);
	if (nfree == 1)
		return ("the last control session is kept for root");
	if (waiting >= MONITOR_UID) {
		snprintf(why, sizeof(why), "uid %u has %d control sessions "
		    "open already", (unsigned int)uid, waiting);
		return (why);
	}
	return (NULL);
}

void
monitor_accept(struct monitor *m, int lfd)
{
	struct ucred cred;
	socklen_t len;
	const char *why;
	int fd, i, n;

	for (n = 0; n < SESSION_MAX && (fd = listener_accept(lfd)) != -1;
	    n++) {
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ==
		    -1) {
			refuse(fd, "who is asking is not known");
			close(fd);
			continue;
		}
		if ((why = no_session(m, cred.uid, &i)) != NULL) {
			refuse(fd, why);
			close(fd);
			continue;
		}
		m->s[i].pid = cred.pid;
		m->s[i].uid = cred.uid;
		m->s[i].state = S_COMMAND;
		m->s[i].fd = fd;
		m->s[i].since = m->sw->now;
		m->pfd[i].fd = fd;
		m->pfd[i].events = POLLIN;
		m->pfd[i].revents = 0;
	}
}

/* Whole records from off, at most CTL_CHUNK bytes of them. */
static size_t
next_chunk(const struct session *s)
{
	struct ctl_hdr h;
	size_t chunk = 0;

	while (s->off + chunk + sizeof(h) <= s->len) {
		memcpy(&h, s->reply + s->off + chunk, sizeof(h));
		if (chunk > 0 && chunk + h.len > CTL_CHUNK)
			break;
		chunk += h.len;
	}
	return (chunk);
}

/* Send what is left of the stats records; close when it is all out. */
static void
send_reply(struct monitor *m, int i)
{
	struct session *s = &m->s[i];
	size_t chunk;
	ssize_t n;

	while (s->off < s->len) {
		chunk = next_chunk(s);
		n = send(s->fd, s->reply + s->off, chunk,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)) {
			m->pfd[i].events = POLLOUT;
			return;
		}
		if (n == -1)
			break;
		s->off += (size_t)n;
	}
	end_session(m, i);
}

static void
start_stats(struct monitor *m, int i)
{
	struct session *s = &m->s[i];
	FILE *fp;

	if ((fp = open_memstream(&s->reply, &s->len)) == NULL) {
		log_warn("stats");
		answer(s->fd, "%sout of memory", CTL_ERROR);
		end_session(m, i);
		return;
	}
	if ((stats_gather(fp, m->sw, m->ident) | fclose(fp)) != 0) {
		log_warn("stats");
		answer(s->fd, "%sout of memory", CTL_ERROR);
		end_session(m, i);
		return;
	}
	s->state = S_REPLY;
	send_reply(m, i);
}

/* Why uid may not have one more monitor, or NULL. */
static const char *
no_monitor(const struct monitor *m, uid_t uid)
{
	static char why[80];
	int i, held = 0;

	for (i = 0; i < SESSION_MAX; i++)
		if (m->s[i].state == S_MONITOR && m->s[i].uid == uid)
			held++;
	if (m->sw->watchers >= MONITOR_MAX) {
		snprintf(why, sizeof(why), "too many monitors (%d)",
		    MONITOR_MAX);
		return (why);
	}
	if (uid == 0)
		return (NULL);
	if (m->sw->watchers == MONITOR_MAX - 1)
		return ("the last monitor is kept for root");
	if (held >= MONITOR_UID) {
		snprintf(why, sizeof(why), "uid %u has %d monitors already",
		    (unsigned int)uid, held);
		return (why);
	}
	return (NULL);
}

static void
start_monitor(struct monitor *m, int i)
{
	struct session *s = &m->s[i];
	int size = MONITOR_SNDBUF;
	const char *why;

	if ((why = no_monitor(m, s->uid)) != NULL) {
		answer(s->fd, "%s%s", CTL_ERROR, why);
		end_session(m, i);
		return;
	}
	/* Best effort: the kernel caps it at net.core.wmem_max. */
	(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (send(s->fd, CTL_OK, strlen(CTL_OK), MSG_DONTWAIT |
	    MSG_NOSIGNAL) == -1) {
		end_session(m, i);
		return;
	}
	s->state = S_MONITOR;
	m->sw->watchers++;
	log_info("monitor attached: pid %d, uid %u", (int)s->pid,
	    (unsigned int)s->uid);
}

/* The port a command names, or -1 after telling why there is none. */
static int
named_port(struct monitor *m, int i, int id)
{
	if (id >= 0 && id < m->sw->high &&
	    m->sw->ports[id].kind != PORT_FREE)
		return (id);
	answer(m->s[i].fd, "%sno port %d", CTL_ERROR, id);
	return (-1);
}

static void
kill_port(struct monitor *m, int i, int id)
{
	struct session *s = &m->s[i];
	const struct port *p;

	if (named_port(m, i, id) == -1)
		return;
	p = &m->sw->ports[id];
	if (id == m->sw->tap) {
		answer(s->fd, "%sport %d is the TAP, which goes only with "
		    "the daemon", CTL_ERROR, id);
		return;
	}
	log_info("port %d (%s, pid %d, %s) disconnected by uid %u, pid %d",
	    id, port_kind_name(p->kind), (int)p->pid, p->name,
	    (unsigned int)s->uid, (int)s->pid);
	switch_close_port(m->sw, id);
	answer(s->fd, "%s", CTL_OK);
}

static void
forget(struct monitor *m, int i, int id)
{
	struct session *s = &m->s[i];
	uint32_t n;

	if (id != CTL_PORT_ALL && named_port(m, i, id) == -1)
		return;
	n = switch_forget_macs(m->sw, id);
	if (id == CTL_PORT_ALL)
		log_info("%u MAC addresses forgotten by uid %u, pid %d", n,
		    (unsigned int)s->uid, (int)s->pid);
	else
		log_info("%u MAC addresses of port %d forgotten by uid %u, "
		    "pid %d", n, id, (unsigned int)s->uid, (int)s->pid);
	answer(s->fd, "%s %u", CTL_OK, n);
}

static void
read_command(struct monitor *m, int i)
{
	struct ctl_cmd cmd;
	char buf[CTL_CMDMAX + 1];
	ssize_t n;

	n = recv(m->s[i].fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		end_session(m, i);
		return;
	}
	if ((size_t)n > sizeof(buf) ||
	    ctl_parse(buf, (size_t)n, &cmd) == -1) {
		answer(m->s[i].fd, "%sunknown command", CTL_ERROR);
		end_session(m, i);
		return;
	}
	switch (cmd.type) {
	case CTL_CMD_MONITOR:
		start_monitor(m, i);
		return;
	case CTL_CMD_STATS:
		start_stats(m, i);
		return;
	case CTL_CMD_KILL:
		kill_port(m, i, cmd.port);
		break;
	case CTL_CMD_FORGET:
		forget(m, i, cmd.port);
		break;
	}
	end_session(m, i);
}

/* Wait for room to report losses only while there are some to report. */
static void
set_unreported(struct monitor *m, int i, int on)
{
	m->s[i].unreported = on;
	m->pfd[i].events = on ? POLLIN | POLLOUT : POLLIN;
}

static void
publish(struct monitor *m, int i, const struct msghdr *msg,
    struct vkmon_rec *rec)
{
	struct session *s = &m->s[i];

	rec->missed = s->missed;
	if (sendmsg(s->fd, msg, MSG_DONTWAIT | MSG_NOSIGNAL) != -1) {
		s->full_since = 0;
		if (s->unreported)
			set_unreported(m, i, 0);
		return;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
		if (s->full_since == 0)
			s->full_since = m->sw->now;
		s->missed++;
		if (!s->unreported)
			set_unreported(m, i, 1);
	} else
		end_session(m, i);
}

static void
stamp(struct vkmon_rec *rec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	rec->version = VKMON_VERSION;
	rec->sec = ts.tv_sec;
	rec->nsec = (uint32_t)ts.tv_nsec;
}

/* A record without a frame, to tell a monitor how much it lost. */
static void
report_missed(struct monitor *m, int i)
{
	struct vkmon_rec rec;
	struct iovec iov = { &rec, sizeof(rec) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&rec, 0, sizeof(rec));
	stamp(&rec);
	rec.event = VKMON_MISSED;
	rec.in = rec.out = VKMON_NONE;
	publish(m, i, &msg, &rec);
}

void
monitor_ready(struct monitor *m, int i, short revents)
{
	struct session *s = &m->s[i];
	char junk[1];
	ssize_t n;

	switch (s->state) {
	case S_COMMAND:
		if (revents & POLLIN)
			read_command(m, i);
		else if (revents & (POLLHUP | POLLERR | POLLNVAL))
			end_session(m, i);
		break;
	case S_MONITOR:
		/* A monitor only listens: anything it says is ignored. */
		if (revents & POLLIN) {
			n = recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT);
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EWOULDBLOCK && errno != EINTR)) {
				end_session(m, i);
				break;
			}
		}
		if (revents & (POLLHUP | POLLERR | POLLNVAL))
			end_session(m, i);
		else if (revents & POLLOUT && s->unreported)
			report_missed(m, i);
		break;
	case S_REPLY:
		if (revents & (POLLHUP | POLLERR | POLLNVAL))
			end_session(m, i);
		else if (revents & POLLOUT)
			send_reply(m, i);
		break;
	case S_FREE:
		break;
	}
}

void
monitor_tick(struct monitor *m)
{
	struct session *s;
	time_t now = m->sw->now;
	int i;

	for (i = 0; i < SESSION_MAX; i++) {
		s = &m->s[i];
		if (s->state == S_MONITOR && s->full_since != 0 &&
		    now - s->full_since >= STUCK_TIMEOUT) {
			log_info("monitor pid %d closed: it read nothing for "
			    "%d s", (int)s->pid, STUCK_TIMEOUT);
			end_session(m, i);
		} else if ((s->state == S_COMMAND &&
		    now - s->since > CMD_TIMEOUT) ||
		    (s->state == S_REPLY && now - s->since > REPLY_TIMEOUT))
			end_session(m, i);
	}
}

static enum vkmon_event
event_of(const struct fate *f)
{
	if (f->out == FATE_NONE)
		return (VKMON_DROP);
	if (f->out == FATE_ALL)
		return (VKMON_FLOOD);
	if (f->out == f->in)
		return (VKMON_LOCAL);
	return (f->ndrop != 0 ? VKMON_DROP : VKMON_FORWARD);
}

void
monitor_frame(struct monitor *m, const struct fate *f, const uint8_t *frame,
    size_t caplen)
{
	struct vkmon_rec rec;
	struct iovec iov[2] = {
		{ &rec, sizeof(rec) }, { (void *)(uintptr_t)frame, caplen }
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	int i;

	memset(&rec, 0, sizeof(rec));
	stamp(&rec);
	rec.event = (uint8_t)event_of(f);
	rec.drops = f->drops;
	rec.verdict = (uint8_t)f->verdict;
	rec.len = (uint32_t)f->len;
	rec.in = f->in;
	rec.out = f->out;
	rec.nout = (uint32_t)f->nout;
	rec.ndrop = (uint32_t)f->ndrop;
	for (i = 0; i < SESSION_MAX; i++)
		if (m->s[i].state == S_MONITOR)
			publish(m, i, &msg, &rec);
}
