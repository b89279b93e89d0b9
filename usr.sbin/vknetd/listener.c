/*
 * Listening sockets.  A path that is already a socket is taken over
 * only if nobody answers on it: a live daemon's socket is never stolen,
 * while one left behind by a dead daemon (connection refused) is
 * replaced.  Only a directory no other user can change is used
 * (safepath.c), and the socket is made there in a private directory of
 * its own, 0600 by umask, given its group and mode (0660 and the vknet
 * group for the data sockets: the whole of vknetd's access control),
 * and only then renamed into place: no name is ever followed to set
 * up a file, and there is no moment when the socket is wider than it
 * should be.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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
 * Bind s as `name' in the current directory, with its group and mode
 * set up where nobody else can reach it: in a private directory made
 * for the purpose, from which the finished socket is renamed into
 * place.  A rename replaces a symlink; it never follows one.
 */
static int
bind_privately(int s, const char *name, int replace, gid_t gid, mode_t mode)
{
	struct sockaddr_un sun;
	char tmpdir[] = ".vknetd.XXXXXX";
	mode_t omask;
	int rc = -1;

	if (mkdtemp(tmpdir) == NULL) {
		log_warn("mkdtemp");
		return (-1);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", tmpdir);
	omask = umask(0177);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		log_warn("bind");
	else if (chown(sun.sun_path, (uid_t)-1, gid) == -1 ||
	    chmod(sun.sun_path, mode) == -1)
		log_warn("setting up the socket");
	else if (renameat2(AT_FDCWD, sun.sun_path, AT_FDCWD, name,
	    replace ? 0 : RENAME_NOREPLACE) == -1)
		log_warn("putting the socket in place as %s", name);
	else
		rc = 0;
	umask(omask);
	if (rc == -1)
		(void)unlink(sun.sun_path);
	(void)rmdir(tmpdir);
	return (rc);
}

int
listener_open(const char *path, int type, gid_t gid, mode_t mode)
{
	struct sockaddr_un sun;
	char dir[PATH_MAX], copy[PATH_MAX];
	int s, cwd, replace, rc;

	if (make_addr(path, &sun) == -1 || safe_dir(path, dir,
	    sizeof(dir)) == -1 || (replace = check_path(path, type)) == -1)
		return (-1);
	if ((s = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return (-1);
	}
	/* A private directory's path may not fit sun_path: go there. */
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    chdir(dir) == -1) {
		log_warn("%s", dir);
		if (cwd != -1)
			close(cwd);
		close(s);
		return (-1);
	}
	strcpy(copy, path);
	rc = bind_privately(s, basename(copy), replace, gid, mode);
	if (fchdir(cwd) == -1)
		fatal("back to the working directory");
	close(cwd);
	if (rc == 0 && listen(s, BACKLOG) == -1) {
		log_warn("%s", path);
		unlink(path);
		rc = -1;
	}
	if (rc == -1) {
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
