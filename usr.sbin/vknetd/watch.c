/*
 * "vknetd -c", "-s", "-k" and "-f": clients of a running daemon's
 * control socket (protocol in ctl.h).  They create nothing and need
 * nothing beyond permission to connect to the socket.  What they show
 * is formatted by an output of output.h, text or (-j) JSON.
 *
 * Every command begins the same way (ctl_open()): connect, send the
 * command, read the first answer.  A refusal is a message beginning
 * with CTL_ERROR, shown as the one line it is, and the exit status is
 * 1.  The daemon may have closed by the time the command is sent (it
 * refuses a connection it has no session for at once), so a failed
 * send is reported only when no refusal can be read; and the kernel
 * tells "connection reset" before the messages still queued, so that
 * is read past once.
 *
 * -c sends "monitor" and then reads one record per frame until it is
 * interrupted or the daemon goes away.  Each record becomes a line,
 * a JSON object, or with -w a pcap record.  Output is flushed each
 * time the socket has been drained (and pcap.c flushes each record
 * into a pipe), so what is written is current; a slow terminal costs
 * frames (counted by the daemon, reported in the records) rather than
 * latency.  SIGINT and SIGTERM are only unblocked inside ppoll(), so
 * a signal is never lost between a check of the flag and the wait.
 *
 * -s sends "stats", reads and checks every record up to the end one,
 * then has the output format them all at once.  -k and -f send their
 * command and print what the answer adds to "ok", if anything.
 */
#include <sys/socket.h>

#include <bsd/stdlib.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "listener.h"
#include "log.h"
#include "output.h"
#include "pcap.h"
#include "signals.h"
#include "switch.h"
#include "watch.h"

#define MSG_MAX		(sizeof(struct vkmon_rec) + 65536)

static union {
	struct vkmon_rec	rec;
	uint8_t			buf[MSG_MAX];
} msg;

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A message, or -1; "connection reset" hides queued ones only once. */
static ssize_t
recv_msg(int fd, int flags)
{
	ssize_t n;

	if ((n = recv(fd, msg.buf, sizeof(msg.buf) - 1, flags)) == -1 &&
	    errno == ECONNRESET)
		n = recv(fd, msg.buf, sizeof(msg.buf) - 1, flags |
		    MSG_DONTWAIT);
	return (n);
}

/*
 * Connect, send the command and return the first answer's length, in
 * msg; a refusal is reported here.  -1 on any failure, already told.
 */
static int
ctl_open(const char *path, const char *cmd, ssize_t *first)
{
	size_t elen = strlen(CTL_ERROR);
	int fd, sent, saved;

	if ((fd = listener_connect(path, SOCK_SEQPACKET)) == -1) {
		log_warn("%s", path);
		return (-1);
	}
	sent = send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) != -1;
	saved = errno;
	*first = recv_msg(fd, sent ? 0 : MSG_DONTWAIT);
	if (*first > 0) {
		msg.buf[*first] = '\0';
		if ((size_t)*first >= elen &&
		    memcmp(msg.buf, CTL_ERROR, elen) == 0) {
			log_warnx("%s: %s", path, (char *)msg.buf + elen);
			close(fd);
			return (-1);
		}
	}
	if (!sent) {
		errno = saved;
		log_warn("%s", path);
	} else if (*first == -1)
		log_warn("%s", path);
	else if (*first == 0)
		log_warnx("%s: the daemon hung up", path);
	if (!sent || *first <= 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* The size each record type must have, or 0 for an unknown type. */
static size_t
record_size(unsigned int type)
{
	switch (type) {
	case CTL_REC_SWITCH:
		return (sizeof(struct ctl_switch));
	case CTL_REC_PORT:
		return (sizeof(struct ctl_port));
	case CTL_REC_MAC:
		return (sizeof(struct ctl_mac));
	case CTL_REC_END:
		return (sizeof(struct ctl_hdr));
	default:
		return (0);
	}
}

/* Room for element n of v: doubled whenever n reaches a power of 2. */
static void *
grow(void *v, size_t n, size_t size)
{
	void *p;

	if (n != 0 && (n & (n - 1)) != 0)
		return (v);
	if ((p = reallocarray(v, n == 0 ? 16 : n * 2, size)) == NULL)
		fatal("stats");
	return (p);
}

/*
 * Take in the records of one message.  1 when the end record came, 0
 * when more are due, -1 on a record that is not as this build makes it.
 */
static int
take_records(struct stats_reply *r, const uint8_t *buf, size_t len,
    int *seen_switch)
{
	struct ctl_hdr h;
	size_t off;

	for (off = 0; off < len; off += h.len) {
		if (len - off < sizeof(h))
			goto bad;
		memcpy(&h, buf + off, sizeof(h));
		if (h.version != CTL_VERSION) {
			log_warnx("%s: the daemon sends version %u records, "
			    "this vknetd reads version %d: use the daemon's "
			    "own vknetd", r->ctlpath, h.version, CTL_VERSION);
			return (-1);
		}
		if (record_size(h.type) == 0 || h.len != record_size(h.type) ||
		    h.len > len - off || (h.type != CTL_REC_SWITCH) !=
		    *seen_switch)
			goto bad;
		switch (h.type) {
		case CTL_REC_SWITCH:
			memcpy(&r->sw, buf + off, sizeof(r->sw));
			*seen_switch = 1;
			break;
		case CTL_REC_PORT:
			r->port = grow(r->port, r->nport, sizeof(*r->port));
			memcpy(&r->port[r->nport], buf + off,
			    sizeof(*r->port));
			r->port[r->nport++].name[CTL_NAMEMAX - 1] = '\0';
			break;
		case CTL_REC_MAC:
			r->mac = grow(r->mac, r->nmac, sizeof(*r->mac));
			memcpy(&r->mac[r->nmac++], buf + off, sizeof(*r->mac));
			break;
		case CTL_REC_END:
			if (off + h.len != len)
				goto bad;
			return (1);
		}
	}
	return (0);
bad:
	log_warnx("%s: a stats record this vknetd cannot read", r->ctlpath);
	return (-1);
}

static int
by_port(const void *a, const void *b)
{
	const struct ctl_mac *x = a, *y = b;

	if (x->port != y->port)
		return (x->port < y->port ? -1 : 1);
	return (memcmp(x->mac, y->mac, sizeof(x->mac)));
}

/* The strings of the switch record end within it, whatever was sent. */
static void
terminate(struct ctl_switch *sw)
{
	sw->version[sizeof(sw->version) - 1] = '\0';
	sw->sockpath[sizeof(sw->sockpath) - 1] = '\0';
	sw->streampath[sizeof(sw->streampath) - 1] = '\0';
	sw->tap[sizeof(sw->tap) - 1] = '\0';
	sw->bridge[sizeof(sw->bridge) - 1] = '\0';
}

static int
watch_stats(const char *path, const struct output *out)
{
	struct stats_reply r;
	ssize_t n;
	int fd, done, seen = 0;

	memset(&r, 0, sizeof(r));
	r.ctlpath = path;
	if ((fd = ctl_open(path, CTL_STATS, &n)) == -1)
		return (1);
	while ((done = take_records(&r, msg.buf, (size_t)n, &seen)) == 0) {
		if ((n = recv_msg(fd, 0)) > 0)
			continue;
		if (n == -1)
			log_warn("%s", path);
		else
			log_warnx("%s: the daemon stopped before the end of "
			    "the stats", path);
		done = -1;
	}
	close(fd);
	if (done == 1) {
		terminate(&r.sw);
		if (r.nmac > 0)
			qsort(r.mac, r.nmac, sizeof(*r.mac), by_port);
		out->stats(&r);
		if (fflush(stdout) == EOF) {
			log_warn("stdout");
			done = -1;
		}
	}
	free(r.port);
	free(r.mac);
	return (done == 1 ? 0 : 1);
}

/*
 * -k and -f: one command, answered "ok" or, for -f, "ok" and how many
 * addresses were forgotten, which is printed.
 */
static int
watch_admin(const char *path, const char *cmd, int counted)
{
	const char *errstr = NULL, *arg = (char *)msg.buf + strlen(CTL_OK);
	long long forgot = 0;
	ssize_t n;
	int fd;

	if ((fd = ctl_open(path, cmd, &n)) == -1)
		return (1);
	close(fd);
	if (counted && *arg == ' ')
		forgot = strtonum(arg + 1, 0, UINT32_MAX, &errstr);
	if (strncmp((char *)msg.buf, CTL_OK, strlen(CTL_OK)) != 0 ||
	    errstr != NULL || (!counted && *arg != '\0') ||
	    (counted && *arg != ' ')) {
		log_warnx("%s: unexpected answer \"%.40s\"", path,
		    (char *)msg.buf);
		return (1);
	}
	if (counted)
		printf("%lld MAC address%s forgotten\n", forgot,
		    forgot == 1 ? "" : "es");
	if (fflush(stdout) == EOF) {
		log_warn("stdout");
		return (1);
	}
	return (0);
}

/* Wait for the socket with SIGINT and SIGTERM let in; 0 on a signal. */
static int
wait_readable(int fd, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (ppoll(&pfd, 1, NULL, waitmask) == -1 && errno != EINTR)
		fatal("poll");
	return (!stop);
}

static int
watch_frames(const char *path, int hex, const char *wfile,
    const struct output *out)
{
	struct pcap pc = { .fp = NULL };
	static const int caught[] = { SIGINT, SIGTERM, 0 };
	sigset_t waitmask;
	unsigned long long shown = 0, missed = 0;
	const struct vkmon_rec *r = &msg.rec;
	ssize_t n;
	size_t caplen;
	int fd;

	if ((fd = ctl_open(path, CTL_MONITOR, &n)) == -1)
		return (1);
	if (strcmp((char *)msg.buf, CTL_OK) != 0)
		fatalx("%s: unexpected answer \"%.40s\"", path,
		    (char *)msg.buf);
	if (wfile != NULL && pcap_open(&pc, wfile) == -1)
		fatal("%s", wfile);

	signals_catch(on_signal, &waitmask, caught);
	log_info("monitoring %s, link-type EN10MB (Ethernet)", path);

	while (wait_readable(fd, &waitmask)) {
		while ((n = recv(fd, msg.buf, sizeof(msg.buf),
		    MSG_DONTWAIT)) > 0) {
			if ((size_t)n < sizeof(*r) ||
			    r->version != VKMON_VERSION)
				fatalx("%s: not a version %d record", path,
				    VKMON_VERSION);
			if (r->missed > missed)
				missed = r->missed;
			if (r->event == VKMON_MISSED)
				continue;
			shown++;
			caplen = (size_t)n - sizeof(*r);
			if (wfile == NULL)
				out->frame(r, msg.buf + sizeof(*r), caplen,
				    hex);
			else if (pcap_write(&pc, r, msg.buf + sizeof(*r),
			    caplen) == -1)
				fatal("%s", wfile);
		}
		if (n == 0)
			fatalx("%s: the daemon went away", path);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			fatal("%s", path);
		if (fflush(wfile != NULL ? pc.fp : stdout) == EOF)
			fatal("%s", wfile != NULL ? wfile : "stdout");
	}
	close(fd);
	if (pcap_close(&pc) == -1)
		fatal("%s", wfile);
	log_info("%llu frames shown, %llu missed", shown, missed);
	return (0);
}

int
watch_command(const struct config *cf)
{
	const struct output *out = cf->json ? &output_json : &output_text;
	char cmd[CTL_CMDMAX];

	switch (cf->client) {
	case 'c':
		return (watch_frames(cf->ctlpath, cf->hex, cf->wfile, out));
	case 's':
		return (watch_stats(cf->ctlpath, out));
	case 'k':
		snprintf(cmd, sizeof(cmd), "%s %d", CTL_KILL, cf->port);
		return (watch_admin(cf->ctlpath, cmd, 0));
	default:
		if (cf->port == CTL_PORT_ALL)
			snprintf(cmd, sizeof(cmd), "%s %s", CTL_FORGET,
			    CTL_ALL);
		else
			snprintf(cmd, sizeof(cmd), "%s %d", CTL_FORGET,
			    cf->port);
		return (watch_admin(cf->ctlpath, cmd, 1));
	}
}
