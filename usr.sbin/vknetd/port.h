/*
 * Ports by kind: how each kind of port carries frames, so that the
 * switch (switch.c) only ever sees whole frames and gives whole frames
 * back.  The kinds and their framing are:
 *
 *	PORT_TAP	one frame per read(2) and write(2) of the TAP;
 *	PORT_SEQPACKET	one frame per message: vkernels, vknet(1), and
 *			QEMU's "-netdev dgram" on an inherited descriptor;
 *	PORT_STREAM	QEMU's "-netdev stream": a byte stream on which
 *			each frame follows its length, 4 bytes big-endian.
 *
 * Every port has a bounded output queue of frames from the pool
 * (pool.h), sent in order whenever the port can take them.
 */
#ifndef VKNETD_PORT_H
#define VKNETD_PORT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "peer.h"
#include "pool.h"
#include "storm.h"
#include "vlan.h"

#define PORT_BATCH	32	/* frames read from one port per turn */

/*
 * The output queue of a port.  A socket already buffers about 200 KiB
 * (net.core.wmem_default) before it says "not now"; the queue only has
 * to carry a receiver over the moment it is busy, and then hold its
 * senders back.  Past PORT_QHIGH frames or PORT_QHIGH_BYTES bytes the
 * ports that fill it are no longer read; below PORT_QLOW they are read
 * again.  Up to PORT_BATCH frames per sender may still arrive after
 * the mark (they were read already), so PORT_QLEN leaves room for a
 * dozen senders at once before anything is lost as "queue full".
 */
#define PORT_QLEN	512
#define PORT_QHIGH	128
#define PORT_QHIGH_BYTES (512 * 1024)
#define PORT_QLOW	32

#define STREAM_HDR	4

enum port_kind {
	PORT_FREE,
	PORT_TAP,
	PORT_SEQPACKET,		/* one frame per message */
	PORT_STREAM		/* length-prefixed frames on a byte stream */
};

enum drop_reason {
	DROP_SIZE,		/* runt, giant or empty message */
	DROP_SOURCE,		/* broadcast or multicast source MAC */
	DROP_FILTERED,		/* secure mode kept it off the TAP */
	DROP_STALLED,		/* the peer stopped reading */
	DROP_QFULL,		/* its queue full of other senders' frames */
	DROP_ERROR,		/* the write failed otherwise */
	DROP_HOSTMAC,		/* a client sent from the host's MAC */
	DROP_MACLIMIT,		/* from a MAC past the port's -M limit */
	DROP_STORM,		/* flooded past the port's -L rate */
	DROP_LOOP,		/* to or from a port the loop guard blocked */
	DROP_VLAN,		/* tagged for a VLAN its trunk does not carry */
	DROP_NREASONS
};

struct port_stats {
	uint64_t	rx_frames;
	uint64_t	rx_bytes;
	uint64_t	tx_frames;
	uint64_t	tx_bytes;
	uint64_t	drops[DROP_NREASONS];
	uint64_t	stalls;		/* times declared stalled */
	uint64_t	blocks;		/* times blocked by the loop guard */
};

enum stream_status {
	STREAM_FRAME,		/* a whole frame is there */
	STREAM_MORE,		/* not yet: more bytes are needed */
	STREAM_BAD		/* a length of 0 or over FRAME_MAX */
};

enum port_status {
	PORT_OK,		/* read all it should for now */
	PORT_STARVED,		/* stopped: the pool is empty */
	PORT_CLOSED		/* the peer has gone or broke the framing */
};

/* port.flags */
#define PORT_BLOCKED	0x1	/* the loop guard's: only probes pass */
#define PORT_SWITCH	0x2	/* loop probes came in: a switch behind it */

struct txq;			/* a port's output queue (port.c) */
struct stream;			/* a stream port's reassembly (port.c) */

struct port {
	enum port_kind	 kind;
	int		 fd;
	pid_t		 pid;		/* of the peer, from SO_PEERCRED */
	uid_t		 uid;
	char		 name[PEER_NAMEMAX]; /* the peer's process name */
	time_t		 since;
	int		 slot;		/* index in vswitch.active */
	struct txq	*txq;
	struct stream	*stream;	/* PORT_STREAM only */
	uint8_t		*cut;		/* set while a frame is half read or
					   half sent, where a successor can
					   see it (privsep.c), or NULL */
	uint32_t	 qhead;		/* txq's first frame */
	uint32_t	 qlen;		/* frames in txq */
	size_t		 qsent;		/* stream: bytes of the first gone */
	size_t		 qbytes;	/* and their bytes */
	/* Kept by the switch (switch.c): */
	long long	 progress_ms;	/* last sent anything, or queued */
	long long	 partial_ms;	/* stream: since when a frame is cut */
	long		 unread;	/* port_unread() at the last look */
	int		 stalled;	/* declared so: frames for it dropped */
	int		 dirty;		/* has frames to send this turn */
	int		 waiting;	/* held back by a full queue or pool */
	int		 next_waiter;	/* id + 1 of the next one held */
	int		 waiters;	/* id + 1 of the first it holds */
	struct storm	 storm;		/* what it may still flood (-L) */
	struct storm	 probes;	/* loop probes it may still bring */
	int		 flags;		/* PORT_BLOCKED, PORT_SWITCH */
	uint16_t	 vid;		/* an access port's VLAN */
	const struct vlan_set *trunk;	/* or a trunk's tagged VLANs */
	long long	 hold_ms;	/* blocked: until then, at least */
	struct port_stats st;
};

/* Is the port in VLAN vid?  A trunk is in VLAN 1 too, untagged. */
static inline int
port_in_vlan(const struct port *p, uint16_t vid)
{
	if (p->trunk != NULL)
		return (vid == VLAN_NATIVE || vlan_member(p->trunk, vid));
	return (p->vid == vid);
}

/*
 * Called for each frame a port brings in, holding its own reference;
 * returns non-zero when the port should stop reading for now.
 */
typedef int	port_rx_fn(void *arg, struct frame *);

enum stream_status stream_parse(const uint8_t *buf, size_t avail,
	    size_t *len);
void	stream_header(uint8_t hdr[STREAM_HDR], size_t len);

int	port_init(int maxports);
void	port_fini(void);
int	port_open(struct port *, int id, enum port_kind);
void	port_close(struct port *);
enum port_status port_recv(struct port *, port_rx_fn *, void *arg);
int	port_pending(const struct port *);
int	port_partial(const struct port *);
long	port_unread(const struct port *);
int	port_enqueue(struct port *, struct frame *);
int	port_flush(struct port *);
void	port_discard(struct port *);
int	port_finish(struct port *, long long end_ms, uint64_t *lost);
const char *port_kind_name(enum port_kind);

#endif
