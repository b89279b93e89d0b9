/*
 * Sessions on the control socket: monitors, which are shown every
 * frame the switch handles, and requests for the table of stats.c.
 * The protocol is in ctl.h.
 */
#ifndef VKNETD_MONITOR_H
#define VKNETD_MONITOR_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "switch.h"

#define MONITOR_MAX	8	/* control sessions at once */

struct monitor;

struct monitor	*monitor_new(struct vswitch *, struct pollfd *);
void		 monitor_free(struct monitor *);
void		 monitor_accept(struct monitor *, int listen_fd);
void		 monitor_ready(struct monitor *, int slot, short revents);
void		 monitor_tick(struct monitor *);
void		 monitor_frame(struct monitor *, const struct fate *,
		    const uint8_t *frame, size_t caplen);

#endif
