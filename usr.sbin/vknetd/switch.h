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

#include "ether.h"
#include "filter.h"
#include "port.h"
#include "storm.h"
#include "vlan.h"

struct monitor;

#define SWITCH_MACS	16384	/* MAC table capacity */

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
	uint16_t	vid;		/* its VLAN, once known */
};

struct vswitch {
	struct port	*ports;
	struct pollfd	*pfd;		/* pfd[i] watches ports[i] */
	int		 maxports;
	int		 high;		/* one past the highest port in use */
	int		*active;	/* ids of ports in use, for flooding */
	int		 nactive;
	struct machash	*mac;
	struct machash	*owners;	/* secure: address -> its port */
	uint8_t		 owner_seed[16]; /* keys IPv6 addresses in owners */
	const struct secure_net *secure; /* NULL: -U, nothing filtered */
	uint8_t		 host_mac[2][MAC_LEN]; /* the TAP's, the bridge's */
	int		 nhost_mac;
	int		 tap;		/* its port, or -1 */
	time_t		 now;		/* monotonic seconds, per loop turn */
	time_t		 started;	/* monotonic, for the uptime */
	struct monitor	*mon;		/* control sessions (monitor.c) */
	int		 stall_ms;	/* -W: a port taking nothing is stalled */
	uint32_t	 mac_limit;	/* -M: MACs a client may have learned */
	struct storm_limit storm;	/* -L: what a port may flood */
	int		 storm_tap;	/* -b: the TAP's floods are limited too */
	long long	 now_ms;	/* monotonic, per loop turn */
	long long	 stall_check_ms; /* when queues were last looked at */
	int		*dirty;		/* ports with frames to send now */
	int		 ndirty;
	int		*kick;		/* streams let go with frames buffered */
	int		 nkick;
	int		 pool_waiters;	/* id + 1: held back for want of buffers */
	int		 nbacklog;	/* ports with frames still queued */
	int		 watchers;	/* monitors attached: publish frames */
	uint64_t	 refused;	/* clients turned away: table full */
	int		 tap_gone;	/* the TAP failed: main() exits */
	struct port_stats closed;	/* of the ports that have gone */
	uint64_t	 loop_id;	/* in our loop probes (loopguard.c) */
	uint8_t		 loop_mac[MAC_LEN]; /* their source */
	long long	 probe_ms;	/* when to send the next */
	pid_t		 pid;		/* the daemon's, shown for the TAP */
	time_t		 reloaded;	/* wall clock of the last SIGHUP, or 0 */
	uint64_t	 reload_lost;	/* frames in flight lost in reloads */
	/* Told of every client port that closes (privsep.c), if set. */
	void		(*port_closed)(int id);
	uint8_t		*cut;		/* cut[id]: see port.h, or NULL */
};

int	switch_init(struct vswitch *, struct pollfd *, int maxports,
	    time_t max_age, int stall_ms, uint32_t mac_limit,
	    const struct secure_net *secure);
void	switch_free(struct vswitch *);
int	switch_add_port(struct vswitch *, enum port_kind, int fd);
int	switch_add_port_at(struct vswitch *, int id, enum port_kind, int fd);
void	switch_close_port(struct vswitch *, int id);
uint32_t switch_forget_macs(struct vswitch *, int id);
void	switch_port_vlan(struct vswitch *, int id, uint16_t vid,
	    const struct vlan_set *trunk);
void	switch_ready(struct vswitch *, int id, short revents);
void	switch_host_mac(struct vswitch *, const uint8_t *mac);
void	switch_tick(struct vswitch *, long long now_ms);
void	switch_run_kicks(struct vswitch *);
int	switch_timeout(const struct vswitch *);
int	switch_emit(struct vswitch *, int out, struct frame *);
void	switch_flush(struct vswitch *);
const char *drop_reason_name(enum drop_reason);
void	port_stats_add(struct port_stats *, const struct port_stats *);

#endif
