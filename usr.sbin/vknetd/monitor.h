/*
 * Sessions on the control socket: monitors, which are shown every
 * frame the switch handles, requests for the records of stats.c, and
 * the administrator's commands.  The protocol is in ctl.h.
 */
#ifndef VKNETD_MONITOR_H
#define VKNETD_MONITOR_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "switch.h"

#define MONITOR_MAX	8	/* monitors at once */
#define MONITOR_UID	4	/* of them held by one user other than root */
#define SESSION_MAX	(2 * MONITOR_MAX) /* sessions of any kind at once */

struct monitor;

struct monitor	*monitor_new(struct vswitch *, struct pollfd *,
		    const struct ctl_switch *ident);
void		 monitor_free(struct monitor *);
void		 monitor_accept(struct monitor *, int listen_fd);
void		 monitor_ready(struct monitor *, int slot, short revents);
void		 monitor_tick(struct monitor *);
void		 monitor_frame(struct monitor *, const struct fate *,
		    const uint8_t *frame, size_t caplen);

#endif
