/*
 * The pidfile, locked with flock(2) for as long as vknetd lives, so a
 * second vknetd on the same pidfile is refused while the first one
 * runs, and a dead one's file is simply taken over.  libbsd's
 * pidfile_open(3) does the same but follows a symlink at the path and
 * writes into whatever it names; here the file is opened O_NOFOLLOW
 * in a directory that safe_dir() accepts, and must be a regular file
 * of our own.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pidfile.h"
#include "safepath.h"

struct pidfile {
	int	 fd;
	char	*path;
};

/* The pid in a locked pidfile, or 0 if it cannot be read. */
static pid_t
holder(int fd)
{
	char buf[16];
	ssize_t n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return (0);
	buf[n] = '\0';
	return ((pid_t)strtol(buf, NULL, 10));
}

/*
 * Open and lock the pidfile at path, creating it 0644.  NULL with
 * errno EEXIST and *other set if a running vknetd holds it; NULL with
 * the reason logged, and errno not EEXIST, for anything else.
 */
struct pidfile *
pidfile_lock(const char *path, pid_t *other)
{
	char dir[PATH_MAX];
	struct pidfile *pf;
	struct stat sb;
	int fd;

	if (safe_dir(path, dir, sizeof(dir)) == -1)
		return (NULL);
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0644)) == -1) {
		if (errno == ELOOP)
			log_warnx("%s: is a symlink, not a pidfile", path);
		else
			log_warn("%s", path);
		return (NULL);
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_uid != geteuid()) {
		log_warnx("%s: not a regular file of uid %u", path,
		    (unsigned int)geteuid());
		close(fd);
		errno = EPERM;
		return (NULL);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			*other = holder(fd);
			errno = EEXIST;
		} else
			log_warn("%s: lock", path);
		close(fd);
		return (NULL);
	}
	if ((pf = malloc(sizeof(*pf))) == NULL ||
	    (pf->path = strdup(path)) == NULL) {
		log_warn("%s", path);
		free(pf);
		close(fd);
		errno = ENOMEM;
		return (NULL);
	}
	pf->fd = fd;
	return (pf);
}

/* Write our pid, replacing whatever the file said. */
int
pidfile_put(struct pidfile *pf)
{
	char buf[16];
	int n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pf->fd, 0) == -1 || pwrite(pf->fd, buf, (size_t)n, 0) !=
	    n)
		return (-1);
	return (0);
}

/* The locked descriptor: a reload hands it over, a child closes it. */
int
pidfile_fd(const struct pidfile *pf)
{
	return (pf->fd);
}

/* Remove the file, then let go of the lock. */
void
pidfile_drop(struct pidfile *pf)
{
	if (pf == NULL)
		return;
	(void)unlink(pf->path);
	close(pf->fd);
	free(pf->path);
	free(pf);
}
