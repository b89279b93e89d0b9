/*
 * Listening sockets.  A path that is already a socket is taken over
 * only if nobody answers on it: a live daemon's socket is never stolen,
 * while one left behind by a dead daemon (connection refused) is
 * replaced.  Only a directory no other user can change is used
 * (safepath.c), and no name is ever followed to set up a file: the
 * socket is created with its mode and given its group (0660 and the
 * vknet group for the data sockets: the whole of vknetd's access
 * control) without a symlink ever being followed.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "safepath.h"

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

/*
 * May a new socket take path's name?  0: nothing is there; 1: a dead
 * daemon's socket is (connection refused), to be replaced; -1: refuse
 * (a live daemon's socket, or anything that is not a socket).
 */
static int
check_path(const char *path, int type)
{
	struct stat sb;
	int s;

	if (lstat(path, &sb) == -1)
		return (errno == ENOENT ? 0 : (log_warn("%s", path), -1));
	if (!S_ISSOCK(sb.st_mode)) {
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
	return (1);
}

/*
 * Bind s at path with its mode and group, following no name: the mode
 * comes from the umask at bind(2), so the socket is never wider than
 * it should be, and the group is set with lchown(2), which changes a
 * symlink put in its place, not what the link names.  safe_dir() has
 * made sure no other user can put one there; if anything did, the
 * socket that is there now is not ours and nothing is served on it.
 */
static int
bind_at(int s, const struct sockaddr_un *sun, int replace, gid_t gid,
    mode_t mode)
{
	const char *path = sun->sun_path;
	struct stat sb;
	mode_t omask;
	int rc;

	/* A dead daemon's socket, checked just now, makes way. */
	if (replace && unlink(path) == -1 && errno != ENOENT) {
		log_warn("%s: cannot remove stale socket", path);
		return (-1);
	}
	omask = umask(~mode & 0777);
	rc = bind(s, (const struct sockaddr *)sun, sizeof(*sun));
	umask(omask);
	if (rc == -1) {
		log_warn("%s", path);
		return (-1);
	}
	if (lchown(path, (uid_t)-1, gid) == -1 || lstat(path, &sb) == -1) {
		log_warn("%s", path);
		return (-1);
	}
	if (!S_ISSOCK(sb.st_mode) || sb.st_uid != geteuid() ||
	    sb.st_gid != gid || (sb.st_mode & 07777) != mode) {
		log_warnx("%s: replaced while it was set up", path);
		return (-1);
	}
	return (0);
}

int
listener_open(const char *path, int type, gid_t gid, mode_t mode)
{
	struct sockaddr_un sun;
	char dir[PATH_MAX];
	int s, replace;

	if (make_addr(path, &sun) == -1 || safe_dir(path, dir,
	    sizeof(dir)) == -1 || (replace = check_path(path, type)) == -1)
		return (-1);
	if ((s = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return (-1);
	}
	if (bind_at(s, &sun, replace, gid, mode) == -1) {
		close(s);
		return (-1);
	}
	if (listen(s, BACKLOG) == -1) {
		log_warn("%s", path);
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
