/*
 * The pidfile: a lock that says which vknetd owns a set of sockets,
 * and the pid of that process for rc.d scripts and service managers.
 */
#ifndef VKNETD_PIDFILE_H
#define VKNETD_PIDFILE_H

#include <sys/types.h>

struct pidfile;

struct pidfile	*pidfile_lock(const char *path, pid_t *other);
int		 pidfile_put(struct pidfile *);
int		 pidfile_fd(const struct pidfile *);
void		 pidfile_drop(struct pidfile *);

#endif
