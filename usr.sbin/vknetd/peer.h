/*
 * Who is on the other end of a client port: the process name of the
 * peer that connected, so that -s and the logs can tell a vknet(1)
 * link from a VM.
 */
#ifndef VKNETD_PEER_H
#define VKNETD_PEER_H

#include <sys/types.h>

#define PEER_NAMEMAX	16	/* TASK_COMM_LEN, with its NUL */
/* The one open(2) the confined switch may make (sandbox.c). */
#define PEER_OPEN_FLAGS	(O_RDONLY | O_CLOEXEC)

int	peer_init(void);
void	peer_name(pid_t, char name[PEER_NAMEMAX]);

#endif
