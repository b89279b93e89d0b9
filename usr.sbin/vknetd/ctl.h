/*
 * The control socket: how "vknetd -c" and "vknetd -s" talk to a running
 * daemon.  Shared by both sides (monitor.c in the daemon, watch.c in
 * the client), which are always the same binary, so the record below
 * is in host byte order and carries enum values of switch.h and
 * filter.h; VKMON_VERSION changes whenever either does.
 *
 * The socket is "<socket_path>.ctl", SOCK_SEQPACKET, with the data
 * socket's permissions.  It is separate from the data socket so that
 * no frame a client sends can ever be taken for a command.  A client
 * connects and sends one message, a command:
 *
 *	"monitor"	the daemon answers CTL_OK, then sends one record
 *			per frame it switches until either side closes.
 *	"stats"		the daemon sends the table of stats.c as text, in
 *			messages of at most CTL_CHUNK bytes, then closes.
 *
 * A refusal (unknown command, too many sessions) is one text message
 * beginning with CTL_ERROR, after which the daemon closes.
 */
#ifndef VKNETD_CTL_H
#define VKNETD_CTL_H

#include <stdint.h>

#define CTL_SUFFIX	".ctl"
#define CTL_MONITOR	"monitor"
#define CTL_STATS	"stats"
#define CTL_OK		"ok"
#define CTL_ERROR	"error: "
#define CTL_CHUNK	4096
#define CTL_CMDMAX	64		/* longest command message */

#define VKMON_VERSION	2

enum vkmon_event {
	VKMON_FORWARD = 1,	/* learned unicast, sent to port `out' */
	VKMON_FLOOD,		/* broadcast, multicast or unknown: all ports */
	VKMON_DROP,		/* dropped at ingress, or by its one egress */
	VKMON_LOCAL,		/* destination is behind the ingress port */
	VKMON_MISSED		/* no frame: only tells the missed count */
};

#define VKMON_ALL	(-1)	/* out: flooded */
#define VKMON_NONE	(-2)	/* out: dropped before a port was chosen */

/* One frame's fate; the frame's first bytes follow it in the message. */
struct vkmon_rec {
	uint8_t		version;	/* VKMON_VERSION */
	uint8_t		event;		/* enum vkmon_event */
	uint8_t		verdict;	/* enum filter_verdict if filtered */
	uint8_t		pad;
	uint32_t	drops;		/* 1 << enum drop_reason, each seen */
	uint32_t	len;		/* of the frame as it was received */
	int32_t		in;		/* ingress port */
	int32_t		out;		/* egress port, VKMON_ALL, VKMON_NONE */
	uint32_t	nout;		/* egress ports that took it */
	uint32_t	ndrop;		/* egress ports that dropped it */
	uint32_t	nsec;
	int64_t		sec;		/* CLOCK_REALTIME when switched */
	uint64_t	missed;		/* records this monitor lost so far */
};

_Static_assert(sizeof(struct vkmon_rec) == 48, "vkmon_rec has holes");

#endif
