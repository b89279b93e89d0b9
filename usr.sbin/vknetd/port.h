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
 */
#ifndef VKNETD_PORT_H
#define VKNETD_PORT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "ether.h"
#include "switch.h"

#define PORT_RXMAX	(FRAME_MAX + 1)	/* a giant shows as this long */
#define STREAM_HDR	4
#define STREAM_OUTBUF	(64 * 1024)	/* what a slow stream may owe */

enum stream_status {
	STREAM_FRAME,		/* a whole frame is there */
	STREAM_MORE,		/* not yet: more bytes are needed */
	STREAM_BAD		/* a length of 0 or over FRAME_MAX */
};

/* Called for each frame a port brings in; the frame is the port's. */
typedef void	port_rx_fn(void *arg, const uint8_t *frame, size_t len);

enum stream_status stream_parse(const uint8_t *buf, size_t avail,
	    size_t *len);
void	stream_header(uint8_t hdr[STREAM_HDR], size_t len);

int	port_open(struct port *, enum port_kind);
void	port_close(struct port *);
int	port_recv(struct port *, port_rx_fn *, void *arg);
int	port_send(struct port *, struct pollfd *, const uint8_t *frame,
	    size_t len, enum drop_reason *why);
int	port_flush(struct port *, struct pollfd *);
int	port_defer(struct port *, int id, const uint8_t *frame, size_t len);
void	port_send_deferred(struct port *ports);
const char *port_kind_name(enum port_kind);

#endif
