/*
 * Storm control (storm.h).  A bucket holds up to `burst' frames and
 * fills at `rate' frames a second; each flooded frame takes one, and a
 * frame that finds the bucket empty is dropped.  Tokens are counted in
 * thousandths of a frame so that the loop's clock in milliseconds
 * fills it exactly at any rate: rate frames a second is rate
 * thousandths a millisecond.  No division, no allocation.
 */
#include "storm.h"

#define MILLI	1000LL

/* A new port starts with a full bucket: a guest that boots may chatter. */
void
storm_start(struct storm *b, const struct storm_limit *l, long long now_ms)
{
	b->tokens = (long long)l->burst * MILLI;
	b->last_ms = now_ms;
}

/* May one more frame be flooded now?  Always, with -L 0. */
int
storm_take(struct storm *b, const struct storm_limit *l, long long now_ms)
{
	long long full = (long long)l->burst * MILLI;

	if (l->rate == 0)
		return (1);
	if (now_ms > b->last_ms) {
		b->tokens += (now_ms - b->last_ms) * (long long)l->rate;
		if (b->tokens > full)
			b->tokens = full;
		b->last_ms = now_ms;
	}
	if (b->tokens < MILLI)
		return (0);
	b->tokens -= MILLI;
	return (1);
}
