/*
 * What "vknetd -s" is told: the records of ctl.h, gathered from the
 * switch on request.  Nothing here formats for people; SIGUSR1 logs
 * only a summary.
 */
#ifndef VKNETD_STATS_H
#define VKNETD_STATS_H

#include <stdio.h>

#include "ctl.h"
#include "options.h"
#include "switch.h"

void	stats_identify(struct ctl_switch *, const struct config *,
	    const char *tap);
int	stats_gather(FILE *, const struct vswitch *,
	    const struct ctl_switch *ident);
void	stats_log(const struct vswitch *);

#endif
