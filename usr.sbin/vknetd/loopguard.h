/*
 * The loop guard: each switch sends a probe out of every port once a
 * second and floods the probes of other switches onward; a switch
 * that gets its own probe back has a loop behind two of its ports (or
 * one), and blocks one of them.  See loopguard.c.
 */
#ifndef VKNETD_LOOPGUARD_H
#define VKNETD_LOOPGUARD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ether.h"

/*
 * A probe is a multicast frame, locally administered, of the second
 * IEEE 802 local experimental ethertype: any switch that is not a
 * vknetd floods it as it would any multicast, none acts on it.
 */
#define PROBE_TYPE	0x88b6
#define PROBE_DST	{ 0x03, 'v', 'k', 'n', 'e', 't' }
#define PROBE_HOPS	16	/* vknetd switches a probe may cross */
#define PROBE_HOLD_MS	10000	/* a block outlasts the loop by this */

/* Is it a loop probe, of whichever switch? */
static inline int
probe_is(const uint8_t *f, size_t len)
{
	static const uint8_t dst[MAC_LEN] = PROBE_DST;

	return (len >= ETHER_HDR && memcmp(f, dst, MAC_LEN) == 0 &&
	    frame_ethertype(f) == PROBE_TYPE);
}

struct vswitch;
struct fate;
struct frame;

/* What a probe says: who sent it, out of which port, and who passed it. */
struct probe {
	uint64_t	 origin;
	uint32_t	 port;
	int		 nhops;
	const uint8_t	*hops;		/* nhops ids, 8 bytes each */
};

int	probe_parse(const uint8_t *frame, size_t len, struct probe *);
size_t	probe_build(uint8_t *frame, const uint8_t src[MAC_LEN],
	    uint64_t origin, uint32_t port);
int	probe_pass(uint8_t *frame, size_t *len, uint64_t id);

void	loop_init(struct vswitch *);
void	loop_tick(struct vswitch *);
void	loop_probe_in(struct vswitch *, struct fate *, struct frame *);

#endif
