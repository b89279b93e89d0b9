/*
 * Storm control: a token bucket per port on the frames it floods
 * (broadcast, multicast, unknown unicast), so that one guest cannot
 * make the switch copy its frames to every port faster than -L allows.
 */
#ifndef VKNETD_STORM_H
#define VKNETD_STORM_H

#include <stdint.h>

/* -L rate[:burst]: frames a second, and how many at once; rate 0: off. */
struct storm_limit {
	uint32_t	rate;
	uint32_t	burst;
};

struct storm {
	long long	tokens;		/* in thousandths of a frame */
	long long	last_ms;	/* when it was last filled */
};

void	storm_start(struct storm *, const struct storm_limit *,
	    long long now_ms);
int	storm_take(struct storm *, const struct storm_limit *,
	    long long now_ms);

#endif
