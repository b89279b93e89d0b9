/*
 * The table that "vknetd -s" prints and SIGUSR1 logs: ports, their
 * traffic and drops, the MAC table, totals and uptime.
 */
#ifndef VKNETD_STATS_H
#define VKNETD_STATS_H

#include <stdio.h>

#include "switch.h"

void	stats_print(FILE *, const struct vswitch *);
void	stats_log(const struct vswitch *);

#endif
