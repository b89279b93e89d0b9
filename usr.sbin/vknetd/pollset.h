/*
 * Waiting on the poll slots through epoll.
 */
#ifndef VKNETD_POLLSET_H
#define VKNETD_POLLSET_H

#include <poll.h>
#include <signal.h>

int	pollset_init(struct pollfd *slots, int maxslots);
int	pollset_wait(int nslots, int timeout_ms, const sigset_t *waitmask);
void	pollset_forget(const struct pollfd *slot);
void	pollset_close(void);

#endif
