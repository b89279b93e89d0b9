/*
 * The control socket: how "vknetd -c", "-s", "-k" and "-f" talk to a
 * running daemon.  Shared by both sides (monitor.c and stats.c in the
 * daemon, watch.c and output*.c in the client), which are always the
 * same binary, so records are in host byte order and carry enum values
 * of port.h, switch.h and filter.h; each record carries a version,
 * changed whenever any of them changes, so that a client of another
 * build says so instead of misreading it.
 *
 * The socket is "<socket_path>.ctl", SOCK_SEQPACKET, root's alone
 * (0600) unless -g names a group that may use it (0660).  It is
 * separate from the data socket so that no frame a client sends can
 * ever be taken for a command.  A client connects and sends one
 * message, a command (ctl_parse() is the one parser of it):
 *
 *	"monitor"	the daemon answers CTL_OK, then sends one struct
 *			vkmon_rec per frame it switches, the frame's first
 *			bytes behind it, until either side closes.
 *	"stats"		the daemon sends records: one struct ctl_switch,
 *			one struct ctl_port per port, one struct ctl_mac
 *			per learned address, then a ctl_hdr of type
 *			CTL_REC_END, and closes.  Whole records are packed
 *			into messages of at most CTL_CHUNK bytes.
 *	"kill N"	disconnect port N (never the TAP): answered CTL_OK;
 *	"forget N"	forget the MAC addresses learned on port N,
 *	"forget all"	or every learned MAC address: answered CTL_OK, a
 *			space and how many were forgotten, in decimal.
 *
 * A refusal (unknown command, no such port, too many sessions) is one
 * text message beginning with CTL_ERROR, after which the daemon closes.
 * Nothing the daemon sends is formatted for people: the client does it
 * (output.h), so text and JSON are the client's choice.
 */
#ifndef VKNETD_CTL_H
#define VKNETD_CTL_H

#include <stddef.h>
#include <stdint.h>

#define CTL_SUFFIX	".ctl"
#define CTL_MONITOR	"monitor"
#define CTL_STATS	"stats"
#define CTL_KILL	"kill"
#define CTL_FORGET	"forget"
#define CTL_ALL		"all"
#define CTL_OK		"ok"
#define CTL_ERROR	"error: "
#define CTL_CHUNK	4096
#define CTL_CMDMAX	64		/* longest command message */
#define CTL_PORTMAX	65535		/* highest port a command names */

enum ctl_cmd_type {
	CTL_CMD_MONITOR = 1,
	CTL_CMD_STATS,
	CTL_CMD_KILL,
	CTL_CMD_FORGET
};

#define CTL_PORT_ALL	(-1)		/* "forget all" */

struct ctl_cmd {
	enum ctl_cmd_type type;
	int		port;		/* kill, forget: 0..CTL_PORTMAX, all */
};

int	ctl_parse(const char *buf, size_t len, struct ctl_cmd *);

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

/*
 * The records of a "stats" reply.  Every one begins with a ctl_hdr;
 * len is the whole record's, header included.
 */
#define CTL_VERSION	2

enum ctl_rec_type {
	CTL_REC_SWITCH = 1,
	CTL_REC_PORT,
	CTL_REC_MAC,
	CTL_REC_END
};

struct ctl_hdr {
	uint16_t	version;	/* CTL_VERSION */
	uint16_t	type;		/* enum ctl_rec_type */
	uint32_t	len;
};

#define CTL_DROPS	32		/* room for enum drop_reason */
#define CTL_PATHMAX	108		/* a unix socket's sun_path */
#define CTL_NAMEMAX	16		/* an interface or process name */

struct ctl_counters {
	uint64_t	rx_frames;
	uint64_t	rx_bytes;
	uint64_t	tx_frames;
	uint64_t	tx_bytes;
	uint64_t	stalls;		/* times declared stalled */
	uint64_t	drops[CTL_DROPS]; /* by enum drop_reason */
};

/* Who the switch is and how it is set up; first in every reply. */
struct ctl_switch {
	struct ctl_hdr	hdr;
	char		version[16];	/* VKNET_VERSION */
	char		sockpath[CTL_PATHMAX];
	char		streampath[CTL_PATHMAX]; /* -q, or "" */
	char		tap[CTL_NAMEMAX];
	char		bridge[CTL_NAMEMAX];	/* -b, or "" */
	uint8_t		secure;		/* not -U */
	uint8_t		has4;
	uint8_t		has6;
	uint8_t		bits4;
	uint8_t		bits6;
	uint8_t		pad[3];
	uint8_t		addr4[4];	/* network byte order */
	uint8_t		addr6[16];
	uint32_t	ndrops;		/* drop reasons in use: DROP_NREASONS */
	uint32_t	ports;		/* in use, the TAP included */
	uint32_t	maxports;
	uint32_t	macs;		/* learned now */
	uint32_t	mac_capacity;
	uint32_t	mac_limit;	/* -M, per client port */
	uint32_t	mac_age;	/* -A, seconds */
	uint32_t	monitors;
	uint64_t	refused;	/* clients turned away: table full */
	int64_t		uptime;		/* seconds */
	int64_t		reloaded;	/* CLOCK_REALTIME of a reload; 0: none */
	uint64_t	reload_lost;	/* frames in flight lost in reloads */
	struct ctl_counters gone;	/* of the ports that have closed */
};

#define CTL_PORT_STALLED 0x1		/* frames for it are being dropped */
#define CTL_PORT_BLOCKED 0x2		/* not read: its frames wait for room */
#define CTL_PORT_LOOP	0x4		/* the loop guard has blocked it */

struct ctl_port {
	struct ctl_hdr	hdr;
	int32_t		id;
	uint32_t	kind;		/* enum port_kind */
	int32_t		pid;		/* of the peer; the daemon's: TAP */
	uint32_t	uid;
	char		name[CTL_NAMEMAX]; /* the peer's process name */
	int64_t		up;		/* seconds connected */
	uint32_t	macs;		/* learned on it now */
	uint32_t	queue;		/* frames waiting in its queue */
	uint64_t	qbytes;		/* and their bytes */
	uint32_t	flags;		/* CTL_PORT_* */
	uint16_t	vid;		/* an access port's VLAN; 0: a trunk */
	uint16_t	pad;
	uint64_t	loop_blocks;	/* times the loop guard blocked it */
	struct ctl_counters c;
};

struct ctl_mac {
	struct ctl_hdr	hdr;
	uint8_t		mac[6];
	uint16_t	vid;
	int32_t		port;
	uint32_t	pad2;
	int64_t		age;		/* seconds since a frame came from it */
};

#endif
