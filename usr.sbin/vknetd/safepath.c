/*
 * vknetd runs as root and makes files that others connect to or read:
 * its sockets and pidfile.  In a directory another user can write, a
 * name can be swapped for a symlink between two system calls, and root
 * would then set up (chown, chmod, write) a file of the attacker's
 * choosing.  So such a directory is refused, unless it is sticky
 * (/tmp): there nobody may rename or remove an entry of ours.  The
 * rest is done without following names twice: sockets are made in a
 * private directory and renamed into place (listener.c), the pidfile
 * is opened O_NOFOLLOW and must be ours (pidfile.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "safepath.h"

/*
 * Check the directory path is in; give its name in dir.  Returns -1,
 * having said why, if another user could change what is in it.
 */
int
safe_dir(const char *path, char *dir, size_t dirsize)
{
	char copy[PATH_MAX];
	struct stat sb;

	if (strlen(path) >= sizeof(copy) || strlen(path) >= dirsize) {
		log_warnx("%s: path too long", path);
		return (-1);
	}
	strcpy(copy, path);
	strcpy(dir, dirname(copy));
	if (stat(dir, &sb) == -1) {
		log_warn("%s", dir);
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		log_warnx("%s: not a directory", dir);
		return (-1);
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
		log_warnx("%s: owned by uid %u, who could swap %s for a "
		    "symlink", dir, (unsigned int)sb.st_uid, path);
		return (-1);
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (sb.st_mode & S_ISVTX) == 0) {
		log_warnx("%s: writable by %s and not sticky: another user "
		    "could swap %s for a symlink", dir,
		    sb.st_mode & S_IWOTH ? "everyone" : "its group", path);
		return (-1);
	}
	return (0);
}
