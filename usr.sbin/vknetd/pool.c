/*
 * The frame pool (pool.h).
 *
 * The buffers are one calloc'd array, their descriptors (struct frame)
 * another: a buffer's memory is touched only by what is written into
 * it, so an idle switch costs the memory of what it has used, not of
 * what it may use, and a receive that asks for 32 buffers and gets one
 * frame touches one.  Free buffers are kept on a
 * stack, last freed first out, so that under steady load the same few
 * stay warm in the cache and resident, and the rest are never touched.
 * Buffers never handed out are not on the stack at all: `fresh' counts
 * them off.
 */
#include <stdlib.h>

#include "pool.h"

static struct {
	struct frame	*frames;
	uint8_t		*data;		/* frames[i].data: FRAME_RXMAX each */
	uint32_t	 top;		/* index + 1 of the last freed, or 0 */
	uint32_t	 nfree;		/* on the stack */
	uint32_t	 fresh;		/* frames[fresh..size) never used */
	uint32_t	 size;
} pool;

int
pool_init(uint32_t nframes)
{
	pool.frames = calloc(nframes, sizeof(*pool.frames));
	pool.data = calloc(nframes, FRAME_RXMAX);
	if (pool.frames == NULL || pool.data == NULL) {
		pool_free();
		return (-1);
	}
	pool.size = nframes;
	pool.top = pool.nfree = pool.fresh = 0;
	return (0);
}

void
pool_free(void)
{
	free(pool.frames);
	free(pool.data);
	pool.frames = NULL;
	pool.data = NULL;
	pool.size = pool.top = pool.nfree = pool.fresh = 0;
}

/* A buffer with one reference, the caller's; NULL if none is free. */
struct frame *
pool_get(void)
{
	struct frame *f;

	if (pool.top != 0) {
		f = &pool.frames[pool.top - 1];
		pool.top = f->len;
		pool.nfree--;
	} else if (pool.fresh < pool.size) {
		f = &pool.frames[pool.fresh];
		f->data = pool.data + (size_t)pool.fresh++ * FRAME_RXMAX;
	} else
		return (NULL);
	f->refs = 1;
	f->len = 0;
	f->own = 0;
	return (f);
}

void
frame_unref(struct frame *f)
{
	if (--f->refs == 0) {
		f->len = pool.top;
		pool.top = (uint32_t)(f - pool.frames) + 1;
		pool.nfree++;
	}
}

uint32_t
pool_avail(void)
{
	return (pool.nfree + pool.size - pool.fresh);
}

uint32_t
pool_size(void)
{
	return (pool.size);
}
