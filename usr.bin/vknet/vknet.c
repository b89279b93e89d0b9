/*
 * vknet: join a local Ethernet segment (a vknetd socket or a TAP) to a
 * remote one, over ssh.
 *
 * main() has the command line checked, all of it, before anything is
 * created (options.c), opens the local side, then either starts ssh,
 * which runs "vknet -S" on the remote host (see ssh_command()), or,
 * being that vknet -S, uses stdin and stdout as the link.  From there
 * one poll() loop, relay(), moves frames both ways until something ends
 * it:
 *
 *	local side --> to_link() --> link.out --> link_flush() --> ssh
 *	local side <-- deliver() <-- link.in  <-- link_fill()  <-- ssh
 *
 * Frames from the local side are framed into one large buffer and
 * written with one write; what the link brings is read in one large
 * read and every complete frame in it handed on.  No direction ever
 * blocks the other.  If the link is slower than the local side, the
 * buffer fills and new frames are dropped, as an overloaded switch
 * port does; if the local side is slow, we stop reading the link and
 * ssh's flow control holds the remote end back.
 *
 * With -r a lost link is started again after a delay; the local side
 * stays open meanwhile and what arrives on it is dropped.  Signal
 * handlers only set a flag, seen when ppoll() returns.
 *
 * A raw interface ("raw:eth0") must not carry the connection that
 * carries the link: with -S that is the one SSH_CONNECTION names, in
 * the client the one the ssh child made, found in /proc once it has
 * made it (exclude_link()); -x adds more.  Until they are excluded
 * the interface's socket takes nothing in.
 *
 * With -E there is no link and no loop: vknet connects to a switch and
 * becomes the command it is given (exec.c).
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ether.h"
#include "exec.h"
#include "link.h"
#include "local.h"
#include "log.h"
#include "options.h"
#include "signals.h"
#include "wire.h"

#define RECV_BUDGET	256	/* local frames per turn: the link's turn */
#define DELIVER_BATCH	64
#define REPORT_SECS	10	/* drops are logged at most this often */
#define SSH_WORDS	16	/* what we add to VKNET_SSH's words */
#define FIND_SSH_MS	10000	/* for ssh's socket to appear */
#define SHELL_SAFE	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789@%+=:,./_-"

enum end {
	END_NONE,
	END_SIGNAL,		/* SIGINT, SIGTERM or SIGHUP */
	END_EOF,		/* the link ended cleanly */
	END_LOST,		/* the link failed */
	END_CUT,		/* it ended in mid-frame */
	END_PROTOCOL,		/* it carried something other than frames */
	END_LOCAL,		/* the local side is gone */
	END_TIMER		/* the link was down for the delay */
};

enum { PFD_LOCAL, PFD_LINK_IN, PFD_LINK_OUT, PFD_COUNT };

struct counters {
	uint64_t	busy;		/* the link's buffer was full */
	uint64_t	down;		/* there was no link */
	uint64_t	size;		/* runts and giants */
	uint64_t	reported;	/* all drops at the last report */
	long long	when;		/* of the last report, in ms */
};

static struct counters drops;
static volatile sig_atomic_t quit;
static sigset_t waitmask;
static char ident[HOST_NAME_MAX + 8] = "vknet";

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/*
 * A word for the remote shell, which gets ssh's arguments joined by
 * blanks: anything but plain characters is single-quoted, so a path
 * with a blank in it stays one argument and nothing is run by mistake.
 */
static char *
shell_word(const char *s)
{
	char *w, *p;

	if (strspn(s, SHELL_SAFE) == strlen(s))
		return (strdup(s));
	if ((w = malloc(strlen(s) * 4 + 3)) == NULL)
		return (NULL);
	p = w;
	*p++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *s;
	}
	*p++ = '\'';
	*p = '\0';
	return (w);
}

struct command {
	char	**argv;
	char	 *words;	/* VKNET_SSH, cut into argv's first words */
	char	 *bridge;	/* shell_word()s */
	char	 *spec;
};

/*
 * The ssh command line: VKNET_SSH split on blanks, or "ssh", then
 * DragonFly's own arguments, the remote end run with "exec" so that
 * the shell does not stay between sshd and it.
 */
static void
ssh_command(const struct config *cf, struct command *c)
{
	const char *env = getenv("VKNET_SSH");
	size_t nwords;
	char *w;
	int n = 0;

	memset(c, 0, sizeof(*c));
	if (env == NULL || env[strspn(env, " \t\n")] == '\0')
		env = "ssh";
	if ((c->words = strdup(env)) == NULL ||
	    (c->spec = shell_word(cf->rspec)) == NULL ||
	    (cf->rbridge != NULL &&
	    (c->bridge = shell_word(cf->rbridge)) == NULL))
		fatal("out of memory");
	nwords = strlen(env) / 2 + 1;
	if ((c->argv = calloc(nwords + SSH_WORDS, sizeof(char *))) == NULL)
		fatal("out of memory");
	for (w = strtok(c->words, " \t\n"); w != NULL;
	    w = strtok(NULL, " \t\n"))
		c->argv[n++] = w;
	c->argv[n++] = "-x";
	c->argv[n++] = "-T";
	c->argv[n++] = "-e";
	c->argv[n++] = "none";
	if (cf->compress)
		c->argv[n++] = "-C";
	c->argv[n++] = cf->host;
	c->argv[n++] = "exec";
	c->argv[n++] = "vknet";
	c->argv[n++] = "-S";
	if (c->bridge != NULL) {
		c->argv[n++] = "-b";
		c->argv[n++] = c->bridge;
	}
	c->argv[n++] = c->spec;
	c->argv[n] = NULL;
}

static void
command_free(struct command *c)
{
	free(c->argv);
	free(c->words);
	free(c->bridge);
	free(c->spec);
}

/* Drops are logged as they happen, but at most every REPORT_SECS. */
static void
report_drops(const struct local *lc, long long now, int final)
{
	uint64_t total = drops.busy + drops.down + drops.size + lc->errors;

	if (total == drops.reported ||
	    (!final && now - drops.when < REPORT_SECS * 1000))
		return;
	log_warnx("%llu frames dropped: %llu link busy, %llu link down, "
	    "%llu bad size, %llu refused by %s",
	    (unsigned long long)(total - drops.reported),
	    (unsigned long long)drops.busy, (unsigned long long)drops.down,
	    (unsigned long long)drops.size, (unsigned long long)lc->errors,
	    lc->kind == LOCAL_TAP ? lc->tap.name : lc->spec);
	drops.reported = total;
	drops.when = now;
}

/*
 * Frames from the local side onto the link, read straight into its
 * buffer.  A full buffer is flushed once to make room; if it is still
 * full, the frame is read anyway, to keep the local side moving, and
 * dropped.
 */
static enum end
to_link(struct link *lk, struct local *lc, short revents)
{
	static uint8_t discard[FRAME_MAX + 1];
	uint8_t *slot;
	ssize_t n;
	int i;

	for (i = 0; i < RECV_BUDGET; i++) {
		slot = NULL;
		if (link_up(lk) && (slot = link_slot(lk)) == NULL &&
		    link_flush(lk) == 0)
			slot = link_slot(lk);
		n = local_recv(lc, slot != NULL ? slot : discard,
		    sizeof(discard), revents);
		if (n == LOCAL_NONE)
			break;
		if (n == LOCAL_GONE)
			return (END_LOCAL);
		if (!frame_size_ok((size_t)n))
			drops.size++;
		else if (slot != NULL)
			link_put(lk, (size_t)n);
		else if (link_up(lk))
			drops.busy++;
		else
			drops.down++;
	}
	return (END_NONE);
}

/* Why the link stopped making sense, in one line. */
static enum end
bad_stream(const struct wire_msg *m)
{
	char why[WIRE_ERRLEN];

	log_warnx("link: %s", wire_error(m, why, sizeof(why)));
	return (m->st == WIRE_CUT_HEADER || m->st == WIRE_CUT_FRAME ?
	    END_CUT : END_PROTOCOL);
}

/*
 * Frames from the link to the local side, in batches of whole frames
 * parsed in place.  A bad header stops everything at once: the frames
 * before it were good and went on, nothing from it onwards does.
 */
static enum end
deliver(struct link *lk, struct local *lc)
{
	struct iovec iov[DELIVER_BATCH];
	size_t used[DELIVER_BATCH], off;
	struct wire_msg m;
	int n, done, i;

	for (;;) {
		for (n = 0, off = 0; n < DELIVER_BATCH; n++) {
			if (link_peek(lk, off, &m) != WIRE_FRAME ||
			    m.len < FRAME_MIN)
				break;
			iov[n].iov_base = (void *)(uintptr_t)m.frame;
			iov[n].iov_len = m.len;
			used[n] = m.used;
			off += m.used;
		}
		if (n == 0) {
			switch (m.st) {
			case WIRE_FRAME:	/* a runt: no switch wants it */
				drops.size++;
				link_consume(lk, m.used);
				continue;
			case WIRE_MORE:
				return (END_NONE);
			case WIRE_END:
				return (END_EOF);
			default:
				return (bad_stream(&m));
			}
		}
		if ((done = local_send(lc, iov, n)) == -1)
			return (END_LOCAL);
		for (off = 0, i = 0; i < done; i++)
			off += used[i];
		link_consume(lk, off);
		if (lc->blocked)
			return (END_NONE);
	}
}

/*
 * The loop.  With the link up it runs until the link or the local side
 * ends, or a signal; with the link down, until the time `until' (in
 * ms), dropping what the local side sends meanwhile.
 */
static enum end
relay(struct link *lk, struct local *lc, long long until)
{
	struct pollfd pfd[PFD_COUNT];
	struct timespec tick;
	long long now, ms;
	enum end why;

	while (!quit) {
		ms = 1000;
		if (!link_up(lk) && (ms = until - clock_ms()) > 1000)
			ms = 1000;
		tick.tv_sec = ms > 0 ? ms / 1000 : 0;
		tick.tv_nsec = ms > 0 ? (ms % 1000) * 1000000 : 0;
		pfd[PFD_LOCAL].fd = lc->fd;
		pfd[PFD_LOCAL].events = POLLIN | POLLRDHUP |
		    (link_up(lk) && lc->blocked ? POLLOUT : 0);
		pfd[PFD_LINK_IN].fd = link_up(lk) && link_can_fill(lk) ?
		    lk->rfd : -1;
		pfd[PFD_LINK_IN].events = POLLIN;
		pfd[PFD_LINK_OUT].fd = link_up(lk) && link_pending(lk) ?
		    lk->wfd : -1;
		pfd[PFD_LINK_OUT].events = POLLOUT;
		if (ppoll(pfd, PFD_COUNT, &tick, &waitmask) == -1) {
			if (errno != EINTR)
				fatal("poll");
			continue;
		}
		now = clock_ms();
		report_drops(lc, now, 0);
		if (!link_up(lk)) {
			if (pfd[PFD_LOCAL].revents != 0 &&
			    to_link(lk, lc, pfd[PFD_LOCAL].revents) != END_NONE)
				return (END_LOCAL);
			if (now >= until)
				return (END_TIMER);
			continue;
		}
		if ((pfd[PFD_LOCAL].revents & ~POLLOUT) != 0 &&
		    to_link(lk, lc, pfd[PFD_LOCAL].revents) != END_NONE)
			return (END_LOCAL);
		if (link_flush(lk) == -1) {
			log_warn("link: write");
			return (END_LOST);
		}
		if (pfd[PFD_LINK_IN].revents != 0 && link_fill(lk) == -1) {
			log_warn("link: read");
			return (END_LOST);
		}
		if ((!lc->blocked || pfd[PFD_LOCAL].revents & POLLOUT) &&
		    (why = deliver(lk, lc)) != END_NONE)
			return (why);
	}
	return (END_SIGNAL);
}

/* Wait for the ssh child's TCP connection; -1 if it never makes one. */
static int
ssh_conn(const struct link *lk, struct conn *c)
{
	struct pollfd pfd;
	int i, found;

	for (i = 0; i < FIND_SSH_MS / 10; i++) {
		if ((found = raw_conn_of(lk->pid, c)) == 1)
			return (0);
		/* ssh is gone: no connection to find. */
		pfd.fd = lk->rfd;
		pfd.events = 0;
		if (found == -1 || (poll(&pfd, 1, 10) == 1 &&
		    (pfd.revents & POLLHUP)))
			break;
	}
	log_warnx("cannot find ssh's TCP connection (a ProxyCommand?)");
	return (-1);
}

/*
 * Keep the link's own connection, and those of -x, off a raw interface:
 * with -S the one sshd names, else the one the ssh child (pid) made.
 */
static int
exclude_link(struct config *cf, struct local *lc, const struct link *lk)
{
	const char *env;
	char what[128];
	int n = cf->nexcl;

	if (lc->kind != LOCAL_RAW)
		return (0);
	if (!cf->server) {
		if (ssh_conn(lk, &cf->excl[n]) == -1)
			return (-1);
		n++;
	} else if ((env = getenv("SSH_CONNECTION")) == NULL)
		log_warnx("%s: no SSH_CONNECTION: nothing excluded but -x",
		    lc->spec);
	else if (conn_parse(env, &cf->excl[n++]) == -1) {
		log_warnx("SSH_CONNECTION %s: not understood", env);
		return (-1);
	}
	if (n > cf->nexcl)
		log_info("%s: excluding %s", lc->spec,
		    conn_format(&cf->excl[n - 1], what, sizeof(what)));
	if (raw_exclude(&lc->raw, cf->excl, n) == -1) {
		log_warn("%s: filter", lc->spec);
		return (-1);
	}
	return (0);
}

/* -S: one link, ours for as long as stdin lasts. */
static int
serve(struct config *cf, struct link *lk, struct local *lc)
{
	enum end why;

	if (exclude_link(cf, lc, lk) == -1 || link_stdio(lk) == -1)
		return (1);
	why = relay(lk, lc, 0);
	if (why == END_EOF)
		(void)link_flush(lk);	/* a last word, if it fits */
	link_close(lk, 1);
	return (why == END_EOF || why == END_SIGNAL ? 0 : 1);
}

/* The client: start ssh, relay, and start it again as -r says. */
static int
connect_remote(struct config *cf, struct link *lk, struct local *lc)
{
	struct command cmd;
	int retries = cf->retries, status = 1;
	char how[64];
	enum end why;

	ssh_command(cf, &cmd);
	for (;;) {
		/* A new ssh, a new connection: nothing in until it is known. */
		if (lc->kind == LOCAL_RAW && raw_block(&lc->raw) == -1)
			fatal("%s: filter", lc->spec);
		if (link_spawn(lk, cmd.argv) == -1)
			why = END_LOST;
		else if (exclude_link(cf, lc, lk) == -1)
			why = END_LOCAL;
		else
			why = relay(lk, lc, 0);
		link_close(lk, why == END_SIGNAL);
		if (why == END_SIGNAL) {
			status = 0;
			break;
		}
		if (why == END_PROTOCOL || why == END_LOCAL)
			break;
		log_warnx("link to %s down: %s", cf->host,
		    link_status(lk, how, sizeof(how)));
		if (cf->delay == -1 || retries == 0)
			break;
		if (retries > 0)
			retries--;
		why = relay(lk, lc, clock_ms() + cf->delay * 1000LL);
		if (why == END_SIGNAL) {
			status = 0;
			break;
		}
		if (why != END_TIMER)
			break;
	}
	command_free(&cmd);
	return (status);
}

static void
catch_signals(void)
{
	static const int caught[] = { SIGINT, SIGTERM, SIGHUP, 0 };

	signals_catch(on_signal, &waitmask, caught);
}

/* -S speaks through the other side's terminal: say which host it is. */
static void
server_ident(void)
{
	char host[HOST_NAME_MAX + 1];

	if (gethostname(host, sizeof(host)) == -1)
		return;
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	snprintf(ident, sizeof(ident), "vknet@%s", host);
	log_init(ident, 1);
}

int
main(int argc, char *argv[])
{
	struct config cf;
	struct local lc;
	struct link lk;
	int status;

	log_init(ident, 1);
	options_parse(argc, argv, &cf);
	if (cf.exec != NULL)
		return (exec_on_switch(cf.exec, cf.command));
	if (cf.server)
		server_ident();
	catch_signals();
	if (link_init(&lk) == -1)
		fatal("out of memory");
	if (local_open(&lc, cf.lspec, cf.lbridge) == -1) {
		link_free(&lk);
		free(cf.host);
		return (1);
	}
	drops.when = clock_ms();
	if (cf.server)
		status = serve(&cf, &lk, &lc);
	else
		status = connect_remote(&cf, &lk, &lc);
	report_drops(&lc, clock_ms(), 1);
	local_close(&lc);
	link_free(&lk);
	free(cf.host);
	return (status);
}
