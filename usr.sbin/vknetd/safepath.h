/*
 * Where vknetd may put its sockets and pidfile: only in a directory no
 * other user can change under it.
 */
#ifndef VKNETD_SAFEPATH_H
#define VKNETD_SAFEPATH_H

#include <stddef.h>

int	safe_dir(const char *path, char *dir, size_t dirsize);

#endif
