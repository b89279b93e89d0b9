/*
 * The local side: what a spec names.  A spec with a '/' in it is the
 * path of a vknetd socket, joined as one more client port with
 * SOCK_SEQPACKET; "auto" is a new TAP; "raw:" and a name is a real
 * interface, carried through a packet socket (raw.h); anything else is
 * the name of a TAP, opened or created (see tap_open()).  The ':' keeps
 * the two apart: no interface name can hold one.  A TAP may be put into a
 * bridge, which is created if missing.  Whatever is created here is
 * taken away again by local_close(): the TAP and the bridge.
 *
 * Frames go one per read(2) or message, as the TAP and vknetd deliver
 * them; writes to the socket are batched with sendmmsg(2), which still
 * makes one message per frame.  The socket is never blocked on: a full
 * one sets `blocked' and the caller waits for POLLOUT.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "ioerr.h"
#include "local.h"
#include "log.h"

#define SEND_BATCH	64

int
spec_is_raw(const char *spec)
{
	return (strncmp(spec, RAW_PREFIX, strlen(RAW_PREFIX)) == 0);
}

int
spec_is_tap(const char *spec)
{
	return (strchr(spec, '/') == NULL && !spec_is_raw(spec));
}

/* Check a spec and its bridge option before anything is created. */
int
spec_check(const char *spec, const char *bridge, const char *opt)
{
	if (spec[0] == '\0') {
		log_warnx("empty spec");
		return (-1);
	}
	/* The remote spec becomes an argument of vknet -S. */
	if (spec[0] == '-') {
		log_warnx("%s: a spec cannot begin with '-'", spec);
		return (-1);
	}
	if (!spec_is_tap(spec)) {
		if (spec_is_raw(spec) && (spec[strlen(RAW_PREFIX)] == '\0' ||
		    strlen(spec + strlen(RAW_PREFIX)) >= IFNAMSIZ ||
		    strpbrk(spec + strlen(RAW_PREFIX), "/:") != NULL)) {
			log_warnx("%s: not an interface name", spec);
			return (-1);
		}
		if (bridge == NULL)
			return (0);
		log_warnx("%s %s: %s is not a TAP; only a TAP can be bridged",
		    opt, bridge, spec);
		return (-1);
	}
	if (strlen(spec) >= IFNAMSIZ) {
		log_warnx("%s: interface name too long", spec);
		return (-1);
	}
	if (bridge != NULL && (bridge[0] == '\0' ||
	    strlen(bridge) >= IFNAMSIZ || strchr(bridge, '/') != NULL)) {
		log_warnx("%s %s: not an interface name", opt, bridge);
		return (-1);
	}
	return (0);
}

static int
connect_socket(struct local *lc)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(lc->spec) >= sizeof(sun.sun_path)) {
		log_warnx("%s: socket path too long", lc->spec);
		return (-1);
	}
	strcpy(sun.sun_path, lc->spec);
	if ((lc->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return (-1);
	}
	if (connect(lc->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("%s", lc->spec);
		close(lc->fd);
		lc->fd = -1;
		return (-1);
	}
	return (0);
}

static int
join_bridge(struct local *lc, const char *bridge)
{
	lc->bridge = bridge;
	if (!netif_exists(bridge)) {
		if (netif_bridge_create(bridge) == -1) {
			log_warn("cannot create bridge %s", bridge);
			return (-1);
		}
		lc->bridge_created = 1;
	}
	if (netif_set_master(lc->tap.name, bridge) == -1) {
		log_warn("cannot put %s into bridge %s", lc->tap.name, bridge);
		return (-1);
	}
	if (netif_set_up(bridge, 1) == -1) {
		log_warn("%s", bridge);
		return (-1);
	}
	return (0);
}

static int
open_tap(struct local *lc, const char *bridge)
{
	const char *name = strcmp(lc->spec, "auto") == 0 ? NULL : lc->spec;

	if (tap_open(&lc->tap, name) == -1) {
		log_warn("TAP %s", lc->spec);
		return (-1);
	}
	lc->fd = lc->tap.fd;
	/* Name it: with "auto" nobody else knows which TAP is ours. */
	if (lc->tap.created)
		log_info("created TAP %s", lc->tap.name);
	if (bridge != NULL && join_bridge(lc, bridge) == -1)
		return (-1);
	if (netif_set_up(lc->tap.name, 1) == -1) {
		log_warn("%s", lc->tap.name);
		return (-1);
	}
	return (0);
}

int
local_open(struct local *lc, const char *spec, const char *bridge)
{
	memset(lc, 0, sizeof(*lc));
	lc->spec = spec;
	lc->fd = -1;
	lc->tap.fd = -1;
	lc->raw.fd = -1;
	if (spec_is_raw(spec)) {
		lc->kind = LOCAL_RAW;
		if (raw_open(&lc->raw, spec + strlen(RAW_PREFIX)) == -1) {
			log_warn("%s", spec);
			return (-1);
		}
		lc->fd = lc->raw.fd;
		return (0);
	}
	if (!spec_is_tap(spec)) {
		lc->kind = LOCAL_SOCKET;
		return (connect_socket(lc));
	}
	lc->kind = LOCAL_TAP;
	if (open_tap(lc, bridge) == -1) {
		local_close(lc);
		return (-1);
	}
	return (0);
}

void
local_close(struct local *lc)
{
	if (lc->kind == LOCAL_SOCKET) {
		if (lc->fd != -1)
			close(lc->fd);
	} else if (lc->kind == LOCAL_RAW)
		raw_close(&lc->raw);
	else {
		tap_close(&lc->tap);
		if (lc->bridge_created && netif_delete(lc->bridge) == -1)
			log_warn("cannot delete bridge %s", lc->bridge);
		lc->bridge_created = 0;
	}
	lc->fd = -1;
}

/*
 * One frame into buf: its length (more than len if it was too big, 0
 * for an empty message), LOCAL_NONE or LOCAL_GONE.  Linux returns 0
 * from a SOCK_SEQPACKET socket both for an empty message and at end of
 * file; only a hangup seen by poll() tells them apart.
 */
ssize_t
local_recv(struct local *lc, void *buf, size_t len, short revents)
{
	ssize_t n;

	if (lc->kind == LOCAL_TAP)
		n = read(lc->fd, buf, len);
	else	/* MSG_TRUNC: a packet socket too says how long a giant was */
		n = recv(lc->fd, buf, len, MSG_DONTWAIT | MSG_TRUNC);
	if (n > 0)
		return (n);
	if (n == 0) {
		if (lc->kind != LOCAL_SOCKET ||
		    (revents & (POLLHUP | POLLRDHUP)) == 0)
			return (0);
		log_warnx("%s: vknetd closed the connection", lc->spec);
		return (LOCAL_GONE);
	}
	if (io_again(errno))
		return (LOCAL_NONE);
	log_warn("%s", lc->tap.fd != -1 ? lc->tap.name : lc->spec);
	return (LOCAL_GONE);
}

static int
send_tap(struct local *lc, const struct iovec *iov, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (write(lc->fd, iov[i].iov_base, iov[i].iov_len) != -1)
			continue;
		if (io_again(errno)) {
			lc->blocked = 1;
			break;
		}
		if (errno == EBADFD || errno == EBADF) {
			log_warn("%s", lc->tap.name);
			return (-1);
		}
		/* A TAP that is down, say: the frame is lost, not the TAP. */
		lc->errors++;
	}
	return (i);
}

/*
 * A frame larger than the interface's MTU, or one it refuses now (a
 * full queue, the link down), is lost and counted; only a socket gone
 * bad ends it.
 */
static int
send_raw(struct local *lc, const struct iovec *iov, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (raw_send(&lc->raw, iov[i].iov_base, iov[i].iov_len) != -1)
			continue;
		if (io_again(errno)) {
			lc->blocked = 1;
			break;
		}
		if (errno == EBADF || errno == ENXIO || errno == ENODEV) {
			log_warn("%s", lc->spec);
			return (-1);
		}
		lc->errors++;
	}
	return (i);
}

static int
send_socket(struct local *lc, const struct iovec *iov, int n)
{
	struct mmsghdr msg[SEND_BATCH];
	int i, sent;

	if (n > SEND_BATCH)
		n = SEND_BATCH;
	memset(msg, 0, sizeof(msg[0]) * (size_t)n);
	for (i = 0; i < n; i++) {
		msg[i].msg_hdr.msg_iov = (struct iovec *)&iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(lc->fd, msg, (unsigned int)n,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (sent == -1) {
		if (io_full(errno)) {
			lc->blocked = 1;
			return (0);
		}
		log_warn("%s", lc->spec);
		return (-1);
	}
	/* Short: the next one would block, or fail; the retry will say. */
	if (sent < n)
		lc->blocked = 1;
	return (sent);
}

/*
 * Hand frames to the local side in order.  Returns how many are done
 * with (delivered, or lost to an error and counted), or -1 if the
 * local side is gone.
 */
int
local_send(struct local *lc, const struct iovec *iov, int n)
{
	lc->blocked = 0;
	switch (lc->kind) {
	case LOCAL_TAP:
		return (send_tap(lc, iov, n));
	case LOCAL_RAW:
		return (send_raw(lc, iov, n));
	default:
		return (send_socket(lc, iov, n));
	}
}
