/*
 * The unix-domain sockets clients connect to.
 */
#ifndef VKNETD_LISTENER_H
#define VKNETD_LISTENER_H

#include <sys/types.h>

int	listener_open(const char *path, int type, gid_t gid, mode_t);
int	listener_accept(int fd);
int	listener_connect(const char *path, int type);

#endif
