/*
 * The switch: a table of ports (the TAP and one per connected client)
 * and the forwarding of frames between them through the MAC table.
 */
#ifndef VKNETD_SWITCH_H
#define VKNETD_SWITCH_H

#include <sys/types.h>

#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "filter.h"

struct monitor;

enum drop_reason {
	DROP_SIZE,		/* runt, giant or empty message */
	DROP_SOURCE,		/* broadcast or multicast source MAC */
	DROP_FILTERED,		/* secure mode kept it off the TAP */
	DROP_STALLED,		/* peer not reading: its queue is full */
	DROP_ERROR,		/* the write failed otherwise */
	DROP_NREASONS
};

/*
 * What became of one frame, as forward() found out: told to monitors
 * (monitor.c).  `out' is the egress port, FATE_ALL for a flood or
 * FATE_NONE if it was dropped on the way in.
 */
#define FATE_ALL	(-1)
#define FATE_NONE	(-2)

struct fate {
	int		in;
	int		out;
	size_t		len;		/* as received: a giant is cut short */
	unsigned int	drops;		/* 1 << drop_reason, each seen */
	enum filter_verdict verdict;	/* why secure mode refused it */
	int		nout;		/* egress ports that took it */
	int		ndrop;		/* egress ports that lost it */
};

struct port_stats {
	uint64_t	rx_frames;
	uint64_t	rx_bytes;
	uint64_t	tx_frames;
	uint64_t	tx_bytes;
	uint64_t	drops[DROP_NREASONS];
};

enum port_kind {
	PORT_FREE,
	PORT_TAP,
	PORT_SEQPACKET,		/* one frame per message */
	PORT_STREAM		/* length-prefixed frames on a byte stream */
};

struct stream;			/* a stream port's buffers (port.c) */

struct port {
	enum port_kind	 kind;
	int		 fd;
	pid_t		 pid;		/* of the peer, from SO_PEERCRED */
	uid_t		 uid;
	time_t		 since;
	int		 slot;		/* index in vswitch.active */
	struct stream	*stream;	/* PORT_STREAM only */
	int		 defer_first;	/* frames held for it (port.c) */
	int		 defer_last;
	struct port_stats st;
};

struct vswitch {
	struct port	*ports;
	struct pollfd	*pfd;		/* pfd[i] watches ports[i] */
	int		 maxports;
	int		 high;		/* one past the highest port in use */
	int		*active;	/* ids of ports in use, for flooding */
	int		 nactive;
	struct machash	*mac;
	const struct cidr *secure;	/* NULL: -U, nothing filtered */
	time_t		 now;		/* monotonic seconds, per loop turn */
	time_t		 started;	/* monotonic, for the uptime */
	struct monitor	*mon;		/* control sessions (monitor.c) */
	int		 deferring;	/* client frames go out per batch */
	int		 watchers;	/* monitors attached: publish frames */
	uint64_t	 refused;	/* clients turned away: table full */
	struct port_stats closed;	/* of the ports that have gone */
};

int	switch_init(struct vswitch *, struct pollfd *, int maxports,
	    time_t max_age, const struct cidr *secure);
void	switch_free(struct vswitch *);
int	switch_add_port(struct vswitch *, enum port_kind, int fd);
void	switch_close_port(struct vswitch *, int id);
void	switch_ready(struct vswitch *, int id, short revents);
void	switch_tick(struct vswitch *, time_t now);
const char *drop_reason_name(enum drop_reason);
void	port_stats_add(struct port_stats *, const struct port_stats *);

#endif
