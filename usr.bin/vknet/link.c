/*
 * The link to the other vknet: either an ssh child whose stdin and
 * stdout are two pipes of ours (one pipe cannot carry both directions:
 * each end would read back what it wrote), or, with -S, our own stdin
 * and stdout, which sshd set up.
 *
 * Both directions go through a fixed buffer of LINK_BUFSZ bytes.
 * Frames from the local side are read straight into `out' behind room
 * left for their header, and the whole buffer goes out in one write,
 * so a burst of small frames costs one system call on the link, not
 * one per frame.  `in' takes as much as one read gives; the caller
 * parses every complete frame out of it in place and hands them on.
 * Neither buffer ever grows: when `out' is full the caller drops, when
 * `in' is full of undelivered frames the caller stops reading, and the
 * stream (ssh, TCP) pushes back on the sender.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ioerr.h"
#include "link.h"
#include "log.h"

#define GRACE_MS	200	/* for ssh to leave by itself */
#define TERM_MS		2000	/* for ssh to obey SIGTERM */

int
link_init(struct link *lk)
{
	memset(lk, 0, sizeof(*lk));
	lk->rfd = lk->wfd = -1;
	lk->pid = -1;
	lk->rflags = lk->wflags = -1;
	lk->out.data = malloc(LINK_BUFSZ);
	lk->in.data = malloc(LINK_BUFSZ);
	if (lk->out.data == NULL || lk->in.data == NULL) {
		link_free(lk);
		return (-1);
	}
	return (0);
}

void
link_free(struct link *lk)
{
	free(lk->out.data);
	free(lk->in.data);
	lk->out.data = lk->in.data = NULL;
}

static int
set_nonblock(int fd, int *saved)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return (-1);
	if (saved != NULL)
		*saved = fl;
	return (0);
}

static void
reset(struct link *lk)
{
	lk->eof = 0;
	lk->out.head = lk->out.tail = 0;
	lk->in.head = lk->in.tail = 0;
}

/*
 * Start ssh on two fresh pipes.  Our ends are non-blocking; ssh's stay
 * blocking, as a program expects of its stdin and stdout.
 */
int
link_spawn(struct link *lk, char *const argv[])
{
	int to[2], from[2];
	sigset_t none;

	reset(lk);
	lk->status = -1;		/* not started */
	if (pipe2(to, O_CLOEXEC) == -1)
		return (log_warn("pipe"), -1);
	if (pipe2(from, O_CLOEXEC) == -1) {
		log_warn("pipe");
		close(to[0]);
		close(to[1]);
		return (-1);
	}
	if (set_nonblock(to[1], NULL) == -1 ||
	    set_nonblock(from[0], NULL) == -1 ||
	    (lk->pid = fork()) == -1) {
		log_warn("cannot start %s", argv[0]);
		lk->pid = -1;
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		return (-1);
	}
	if (lk->pid == 0) {
		/* The parent's handlers and mask are not ssh's business. */
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(to[0], STDIN_FILENO) == -1 ||
		    dup2(from[1], STDOUT_FILENO) == -1)
			_exit(127);
		execvp(argv[0], argv);
		log_warn("%s", argv[0]);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	lk->wfd = to[1];
	lk->rfd = from[0];
	return (0);
}

/* -S: the link is what sshd gave us as stdin and stdout. */
int
link_stdio(struct link *lk)
{
	reset(lk);
	if (set_nonblock(STDIN_FILENO, &lk->rflags) == -1 ||
	    set_nonblock(STDOUT_FILENO, &lk->wflags) == -1)
		return (log_warn("stdin/stdout"), -1);
	lk->rfd = STDIN_FILENO;
	lk->wfd = STDOUT_FILENO;
	return (0);
}

/* Whether the ssh child has exited; reaps it if so. */
int
link_reap(struct link *lk)
{
	if (lk->pid == -1)
		return (1);
	if (waitpid(lk->pid, &lk->status, WNOHANG) != lk->pid)
		return (0);
	lk->pid = -1;
	return (1);
}

static int
reap_within(struct link *lk, int ms)
{
	struct timespec nap = { 0, 10 * 1000000 };

	for (; ms > 0; ms -= 10) {
		if (link_reap(lk))
			return (1);
		nanosleep(&nap, NULL);
	}
	return (link_reap(lk));
}

/*
 * Take the link down.  Closing our ends is the polite way to end ssh:
 * the remote vknet sees end of file and cleans up.  Unless we are in a
 * hurry (a signal), ssh gets a moment to leave by itself, so that its
 * own exit status, not our SIGTERM, is what gets reported.
 */
void
link_close(struct link *lk, int now)
{
	if (lk->rfd == STDIN_FILENO) {
		/* -S: sshd's descriptors, handed back as they were. */
		(void)fcntl(STDIN_FILENO, F_SETFL, lk->rflags);
		(void)fcntl(STDOUT_FILENO, F_SETFL, lk->wflags);
	} else if (lk->rfd != -1) {
		close(lk->rfd);
		close(lk->wfd);
	}
	lk->rfd = lk->wfd = -1;
	if (lk->pid == -1 || reap_within(lk, now ? 0 : GRACE_MS))
		return;
	(void)kill(lk->pid, SIGTERM);
	if (reap_within(lk, TERM_MS))
		return;
	log_warnx("ssh (pid %d) ignored SIGTERM; killing it", (int)lk->pid);
	(void)kill(lk->pid, SIGKILL);
	(void)waitpid(lk->pid, &lk->status, 0);
	lk->pid = -1;
}

/* How the ssh child ended, in words. */
char *
link_status(const struct link *lk, char *buf, size_t len)
{
	if (lk->pid != -1)
		snprintf(buf, len, "ssh still running");
	else if (lk->status == -1)
		snprintf(buf, len, "ssh not started");
	else if (WIFEXITED(lk->status))
		snprintf(buf, len, "ssh exited with status %d",
		    WEXITSTATUS(lk->status));
	else if (WIFSIGNALED(lk->status))
		snprintf(buf, len, "ssh killed by signal %d",
		    WTERMSIG(lk->status));
	else
		snprintf(buf, len, "ssh ended");
	return (buf);
}

/* Move what is left to the front, once the tail has run out of room. */
static void
compact(struct stream *s)
{
	if (s->head == s->tail) {
		s->head = s->tail = 0;
		return;
	}
	if (LINK_BUFSZ - s->tail >= LINK_RESERVE || s->head == 0)
		return;
	memmove(s->data, s->data + s->head, s->tail - s->head);
	s->tail -= s->head;
	s->head = 0;
}

/*
 * Where the next frame for the link is to be read to (its header goes
 * in front of it), or NULL if `out' has no room for a frame.
 */
uint8_t *
link_slot(struct link *lk)
{
	compact(&lk->out);
	if (LINK_BUFSZ - lk->out.tail < LINK_RESERVE)
		return (NULL);
	return (lk->out.data + lk->out.tail + WIRE_HDR);
}

/* Commit the len-byte frame just read to link_slot(). */
void
link_put(struct link *lk, size_t len)
{
	wire_header(lk->out.data + lk->out.tail, len);
	lk->out.tail += WIRE_HDR + len;
}

/* One write of all that is pending; -1 if the link is gone. */
int
link_flush(struct link *lk)
{
	ssize_t n;

	if (!link_pending(lk))
		return (0);
	n = write(lk->wfd, lk->out.data + lk->out.head,
	    lk->out.tail - lk->out.head);
	if (n == -1)
		return (io_again(errno) ? 0 : -1);
	lk->out.head += (size_t)n;
	compact(&lk->out);
	return (0);
}

/* One read of as much as there is room for; -1 if the link failed. */
int
link_fill(struct link *lk)
{
	ssize_t n;

	compact(&lk->in);
	n = read(lk->rfd, lk->in.data + lk->in.tail,
	    LINK_BUFSZ - lk->in.tail);
	if (n == -1)
		return (io_again(errno) ? 0 : -1);
	if (n == 0)
		lk->eof = 1;
	lk->in.tail += (size_t)n;
	return (0);
}

/* Decode the frame that starts off bytes past the unused data. */
enum wire_status
link_peek(const struct link *lk, size_t off, struct wire_msg *m)
{
	return (wire_decode(lk->in.data + lk->in.head + off,
	    lk->in.tail - lk->in.head - off, lk->eof, m));
}

void
link_consume(struct link *lk, size_t n)
{
	lk->in.head += n;
	if (lk->in.head == lk->in.tail)
		lk->in.head = lk->in.tail = 0;
}
