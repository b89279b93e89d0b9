/*
 * Listening sockets.  A path that is already a socket is taken over
 * only if nobody answers on it: a live daemon's socket is never stolen,
 * while one left behind by a dead daemon (connection refused) is
 * replaced.  The socket is created 0660 (by umask, so there is no
 * window in which it is wider) and given to the vknet group, which is
 * the whole of vknetd's access control.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

#define BACKLOG		128

static int
make_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		log_warnx("%s: socket path too long", path);
		return (-1);
	}
	strcpy(sun->sun_path, path);
	return (0);
}

/*
 * A blocking connection to the socket at path, or -1 with errno set.
 * Also what "vknetd -c" and "-s" use to reach the control socket.
 */
int
listener_connect(const char *path, int type)
{
	struct sockaddr_un sun;
	int s, saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	(void)make_addr(path, &sun);
	if ((s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(s);
		errno = saved;
		return (-1);
	}
	return (s);
}

/* Remove a dead daemon's socket; refuse to touch anything else. */
static int
clear_path(const char *path, int type)
{
	struct stat st;
	int s;

	if (lstat(path, &st) == -1)
		return (errno == ENOENT ? 0 : (log_warn("%s", path), -1));
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("%s: exists and is not a socket", path);
		return (-1);
	}
	if ((s = listener_connect(path, type)) != -1) {
		close(s);
		log_warnx("%s: socket in use by a running vknetd", path);
		return (-1);
	}
	if (errno != ECONNREFUSED) {
		log_warn("%s", path);
		return (-1);
	}
	if (unlink(path) == -1) {
		log_warn("%s: cannot remove stale socket", path);
		return (-1);
	}
	return (0);
}

int
listener_open(const char *path, int type, gid_t gid, mode_t mode)
{
	struct sockaddr_un sun;
	mode_t omask;
	int s;

	if (make_addr(path, &sun) == -1 || clear_path(path, type) == -1)
		return (-1);
	if ((s = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return (-1);
	}
	omask = umask(0177);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("%s", path);
		umask(omask);
		close(s);
		return (-1);
	}
	umask(omask);
	if (chown(path, (uid_t)-1, gid) == -1 || chmod(path, mode) == -1 ||
	    listen(s, BACKLOG) == -1) {
		log_warn("%s", sun.sun_path);
		unlink(path);
		close(s);
		return (-1);
	}
	return (s);
}

/* One pending connection, non-blocking, or -1 when there is none. */
int
listener_accept(int fd)
{
	int s;

	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1 &&
	    errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
	    errno != ECONNABORTED)
		log_warn("accept");
	return (s);
}
