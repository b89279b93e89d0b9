/*
 * The frame pool: every frame the switch holds lives in one of a fixed
 * number of buffers, allocated once at start-up.  A frame is received
 * straight into a buffer and sits there, referenced, in the output
 * queue of every port it is bound for; the last port to send it (or
 * drop it) gives the buffer back.  So a flood to N ports is one buffer
 * with N references, and nothing is allocated per frame.
 */
#ifndef VKNETD_POOL_H
#define VKNETD_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "ether.h"

/* A frame and the 802.1Q tag of a trunk; a giant shows as one more. */
#define FRAME_RXMAX	(FRAME_MAX + 4 + 1)

struct frame {
	uint32_t	 refs;
	uint32_t	 len;
	uint8_t		*data;		/* FRAME_RXMAX bytes, untagged */
	uint16_t	 vid;		/* its VLAN (vlan.h) */
	uint8_t		 own;		/* the switch's own: not counted out */
};

int		 pool_init(uint32_t nframes);
void		 pool_free(void);
struct frame	*pool_get(void);
uint32_t	 pool_avail(void);
uint32_t	 pool_size(void);

static inline struct frame *
frame_ref(struct frame *f)
{
	f->refs++;
	return (f);
}

void		 frame_unref(struct frame *);

#endif
