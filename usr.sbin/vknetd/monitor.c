/*
 * Control sessions: what "vknetd -c" and "vknetd -s" talk to.
 *
 * Each connection to the control socket takes one of MONITOR_MAX
 * sessions, which own fixed poll slots of their own after the
 * listeners (vknetd.c), so a session never becomes a switch port: it
 * is never flooded to, nothing is learned from it and nothing it sends
 * is switched.  A session starts by waiting for its one command (see
 * ctl.h); one that says nothing for CMD_TIMEOUT seconds is closed, so
 * idle connections cannot hold every session.
 *
 * A monitor is sent one record per frame with a non-blocking send:
 * the switch never waits for a monitor.  When a monitor's socket is
 * full the record is lost and counted, and every later record carries
 * the count; after a loss the session also waits for POLLOUT so that
 * it can tell the count at once, in a record without a frame, even if
 * no more frames come.  The socket's send buffer is enlarged to ride
 * out bursts.
 *
 * A stats request is answered with the table of stats.c, built once
 * and sent in CTL_CHUNK messages as fast as the client takes them;
 * what does not fit now waits in the session for POLLOUT.  The session
 * is closed when all of it is sent, or after REPLY_TIMEOUT seconds if
 * the client stops taking it.
 */
#include <sys/socket.h>

#include <errno.h>
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
#define MONITOR_SNDBUF	(1 << 20)

_Static_assert(FATE_ALL == VKMON_ALL && FATE_NONE == VKMON_NONE,
    "fate and record disagree on the egress markers");
_Static_assert(DROP_NREASONS <= 32, "drop reasons do not fit the record");

enum state {
	S_FREE,
	S_COMMAND,		/* connected, command not read yet */
	S_MONITOR,
	S_REPLY			/* sending the stats table */
};

struct session {
	enum state	 state;
	int		 fd;
	pid_t		 pid;		/* of the peer, from SO_PEERCRED */
	time_t		 since;
	uint64_t	 missed;	/* records lost, monitors only */
	int		 unreported;	/* missed grew since the last record */
	char		*reply;		/* the stats table being sent */
	size_t		 len;
	size_t		 off;
};

struct monitor {
	struct session	 s[MONITOR_MAX];
	struct pollfd	*pfd;		/* pfd[i] watches s[i] */
	struct vswitch	*sw;
};

struct monitor *
monitor_new(struct vswitch *sw, struct pollfd *pfd)
{
	struct monitor *m;
	int i;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	m->pfd = pfd;
	m->sw = sw;
	for (i = 0; i < MONITOR_MAX; i++) {
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
	for (i = 0; i < MONITOR_MAX; i++)
		if (m->s[i].state != S_FREE)
			end_session(m, i);
	m->sw->mon = NULL;
	free(m);
}

/* Say no in one message before hanging up; the client shows it. */
static void
refuse(int fd, const char *why)
{
	char msg[128];
	int n;

	n = snprintf(msg, sizeof(msg), "%s%s", CTL_ERROR, why);
	(void)send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void
monitor_accept(struct monitor *m, int lfd)
{
	struct ucred cred;
	socklen_t len;
	int fd, i, n;

	for (n = 0; n < MONITOR_MAX && (fd = listener_accept(lfd)) != -1;
	    n++) {
		for (i = 0; i < MONITOR_MAX; i++)
			if (m->s[i].state == S_FREE)
				break;
		if (i == MONITOR_MAX) {
			refuse(fd, "too many control sessions");
			close(fd);
			continue;
		}
		len = sizeof(cred);
		m->s[i].pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &len) == 0 ? cred.pid : -1;
		m->s[i].state = S_COMMAND;
		m->s[i].fd = fd;
		m->s[i].since = m->sw->now;
		m->pfd[i].fd = fd;
		m->pfd[i].events = POLLIN;
		m->pfd[i].revents = 0;
	}
}

/* Send what is left of the stats table; close when it is all out. */
static void
send_reply(struct monitor *m, int i)
{
	struct session *s = &m->s[i];
	size_t chunk;
	ssize_t n;

	while (s->off < s->len) {
		chunk = s->len - s->off;
		if (chunk > CTL_CHUNK)
			chunk = CTL_CHUNK;
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
		end_session(m, i);
		return;
	}
	stats_print(fp, m->sw);
	if (fclose(fp) == EOF) {
		log_warn("stats");
		end_session(m, i);
		return;
	}
	s->state = S_REPLY;
	send_reply(m, i);
}

static void
start_monitor(struct monitor *m, int i)
{
	struct session *s = &m->s[i];
	int size = MONITOR_SNDBUF;

	/* Best effort: the kernel caps it at net.core.wmem_max. */
	(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (send(s->fd, CTL_OK, strlen(CTL_OK), MSG_DONTWAIT |
	    MSG_NOSIGNAL) == -1) {
		end_session(m, i);
		return;
	}
	s->state = S_MONITOR;
	m->sw->watchers++;
	log_info("monitor attached: pid %d", (int)s->pid);
}

static void
read_command(struct monitor *m, int i)
{
	char cmd[CTL_CMDMAX];
	ssize_t n;

	n = recv(m->s[i].fd, cmd, sizeof(cmd) - 1, MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		end_session(m, i);
		return;
	}
	if ((size_t)n < sizeof(cmd)) {
		cmd[n] = '\0';
		if (strcmp(cmd, CTL_MONITOR) == 0) {
			start_monitor(m, i);
			return;
		}
		if (strcmp(cmd, CTL_STATS) == 0) {
			start_stats(m, i);
			return;
		}
	}
	refuse(m->s[i].fd, "unknown command");
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
		if (s->unreported)
			set_unreported(m, i, 0);
		return;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
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
	int i;

	for (i = 0; i < MONITOR_MAX; i++)
		if ((m->s[i].state == S_COMMAND &&
		    m->sw->now - m->s[i].since > CMD_TIMEOUT) ||
		    (m->s[i].state == S_REPLY &&
		    m->sw->now - m->s[i].since > REPLY_TIMEOUT))
			end_session(m, i);
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
	for (i = 0; i < MONITOR_MAX; i++)
		if (m->s[i].state == S_MONITOR)
			publish(m, i, &msg, &rec);
}
