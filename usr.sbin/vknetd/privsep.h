/*
 * Privilege separation: a privileged parent that holds what outlives
 * any one switch process, and the confined worker that switches
 * (privsep.c).
 */
#ifndef VKNETD_PRIVSEP_H
#define VKNETD_PRIVSEP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "port.h"

/* The parent: before start-up creates anything. */
void	privsep_signals(void);
void	privsep_init(char *argv[], int maxports);
int	privsep_inherit(void *carried, size_t len);
/* The parent: after start-up. */
/* A port's tag is the caller's to choose: vknetd.c's says which listener. */
void	privsep_hold(int id, enum port_kind, int tag, int fd, time_t since);
int	privsep_run(void (*worker)(void *), void (*started)(pid_t),
	    void *arg, const void *carried, size_t len, const int *keep,
	    int nkeep);

/* The worker.  It exits PRIVSEP_TAP_GONE when the TAP has gone: the end. */
#define PRIVSEP_TAP_GONE	3
enum order {
	ORDER_NONE,
	ORDER_STATS,		/* log the stats (SIGUSR1 to the parent) */
	ORDER_STOP		/* stop, for a reload or the end */
};

struct vswitch;
int	privsep_chan(void);
enum order privsep_order(void);
void	privsep_adopt(struct vswitch *,
	    void (*)(struct vswitch *, int id, int tag));
void	privsep_told(int id, enum port_kind, int tag, int fd,
	    time_t since);
void	privsep_closed(int id);
void	privsep_stop(struct vswitch *);

#endif
