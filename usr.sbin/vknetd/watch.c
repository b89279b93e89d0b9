/*
 * "vknetd -c" and "vknetd -s": clients of a running daemon's control
 * socket (protocol in ctl.h).  They create nothing and need nothing
 * beyond permission to connect to the socket.
 *
 * -c sends "monitor" and then reads one record per frame until it is
 * interrupted or the daemon goes away.  Each record becomes a line
 * (time, the frame's way through the switch, then decode.c's account
 * of the frame), or with -w a pcap record.  Output is flushed each
 * time the socket has been drained (and pcap.c flushes each record
 * into a pipe), so what is written is current; a slow terminal costs
 * frames (counted by the daemon, reported in the records) rather than
 * latency.  SIGINT and SIGTERM are only unblocked inside ppoll(), so
 * a signal is never lost between a check of the flag and the wait.
 *
 * -s sends "stats" and copies the text it gets to standard output.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "decode.h"
#include "filter.h"
#include "listener.h"
#include "log.h"
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

/*
 * Connect, send the command and return the first answer's length, in
 * msg; a refusal is reported here.  -1 on any failure, already told.
 */
static int
ctl_open(const char *path, const char *cmd, ssize_t *first)
{
	size_t elen = strlen(CTL_ERROR);
	int fd;

	if ((fd = listener_connect(path, SOCK_SEQPACKET)) == -1) {
		log_warn("%s", path);
		return (-1);
	}
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) == -1 ||
	    (*first = recv(fd, msg.buf, sizeof(msg.buf) - 1, 0)) == -1) {
		log_warn("%s", path);
		close(fd);
		return (-1);
	}
	if (*first == 0) {
		log_warnx("%s: the daemon hung up", path);
		close(fd);
		return (-1);
	}
	msg.buf[*first] = '\0';
	if ((size_t)*first >= elen && memcmp(msg.buf, CTL_ERROR, elen) == 0) {
		log_warnx("%s: %s", path, (char *)msg.buf + elen);
		close(fd);
		return (-1);
	}
	return (fd);
}

int
watch_stats(const char *path)
{
	ssize_t n;
	int fd;

	if ((fd = ctl_open(path, CTL_STATS, &n)) == -1)
		return (1);
	do {
		if (fwrite(msg.buf, (size_t)n, 1, stdout) != 1)
			break;
	} while ((n = recv(fd, msg.buf, sizeof(msg.buf), 0)) > 0);
	if (n == -1)
		log_warn("%s", path);
	close(fd);
	if (fflush(stdout) == EOF) {
		log_warn("stdout");
		return (1);
	}
	return (n == 0 ? 0 : 1);
}

/* The drop reasons of a record, filtered with why: "a, b (why)". */
static void
print_drops(const struct vkmon_rec *r)
{
	const char *sep = "";
	int i;

	for (i = 0; i < DROP_NREASONS; i++) {
		if ((r->drops & 1U << i) == 0)
			continue;
		printf("%s%s", sep, drop_reason_name((enum drop_reason)i));
		if (i == DROP_FILTERED)
			printf(" (%s)", filter_reason(
			    (enum filter_verdict)r->verdict));
		sep = ", ";
	}
}

/* The frame's way through the switch, in brackets. */
static void
print_path(const struct vkmon_rec *r)
{
	switch (r->event) {
	case VKMON_FORWARD:
		printf("[%d > %d]", (int)r->in, (int)r->out);
		return;
	case VKMON_LOCAL:
		printf("[%d local]", (int)r->in);
		return;
	case VKMON_FLOOD:
		printf("[%d > all", (int)r->in);
		if (r->ndrop != 0) {
			printf(", %u of %u dropped: ", r->ndrop,
			    r->nout + r->ndrop);
			print_drops(r);
		}
		break;
	case VKMON_DROP:
		if (r->out == VKMON_NONE)
			printf("[%d dropped: ", (int)r->in);
		else
			printf("[%d > %d dropped: ", (int)r->in, (int)r->out);
		print_drops(r);
		break;
	default:
		printf("[%d ? event %u", (int)r->in, r->event);
	}
	putchar(']');
}

static void
print_record(const struct vkmon_rec *r, const uint8_t *frame, size_t caplen,
    int hex)
{
	char line[DECODE_LINE];
	struct tm tm;
	time_t t = (time_t)r->sec;

	localtime_r(&t, &tm);
	printf("%02d:%02d:%02d.%06u ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	    r->nsec / 1000);
	print_path(r);
	decode_frame(line, sizeof(line), frame, caplen, r->len);
	printf(" %s\n", line);
	if (hex)
		decode_hex(stdout, frame, caplen);
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

int
watch_frames(const char *path, int hex, const char *wfile)
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
				print_record(r, msg.buf + sizeof(*r), caplen,
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
