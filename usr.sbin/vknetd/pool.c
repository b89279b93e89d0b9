/*
 * The frame pool (pool.h).
 *
 * The buffers are one calloc'd array; a buffer is touched only once
 * it is first handed out, so an idle switch costs the memory of what
 * it has used, not of what it may use.  Free buffers are kept on a
 * stack, last freed first out, so that under steady load the same few
 * stay warm in the cache and resident, and the rest are never touched.
 * Buffers never handed out are not on the stack at all: `fresh' counts
 * them off.
 */
#include <stdlib.h>

#include "pool.h"

static struct {
	struct frame	*frames;
	uint32_t	*stack;		/* indices of free, used buffers */
	uint32_t	 nstack;
	uint32_t	 fresh;		/* frames[fresh..size) never used */
	uint32_t	 size;
} pool;

int
pool_init(uint32_t nframes)
{
	pool.frames = calloc(nframes, sizeof(*pool.frames));
	pool.stack = calloc(nframes, sizeof(*pool.stack));
	if (pool.frames == NULL || pool.stack == NULL) {
		pool_free();
		return (-1);
	}
	pool.size = nframes;
	pool.nstack = pool.fresh = 0;
	return (0);
}

void
pool_free(void)
{
	free(pool.frames);
	free(pool.stack);
	pool.frames = NULL;
	pool.stack = NULL;
	pool.size = pool.nstack = pool.fresh = 0;
}

/* A buffer with one reference, the caller's; NULL if none is free. */
struct frame *
pool_get(void)
{
	struct frame *f;

	if (pool.nstack > 0)
		f = &pool.frames[pool.stack[--pool.nstack]];
	else if (pool.fresh < pool.size)
		f = &pool.frames[pool.fresh++];
	else
		return (NULL);
	f->refs = 1;
	f->len = 0;
	return (f);
}

void
frame_unref(struct frame *f)
{
	if (--f->refs == 0)
		pool.stack[pool.nstack++] = (uint32_t)(f - pool.frames);
}

uint32_t
pool_avail(void)
{
	return (pool.nstack + pool.size - pool.fresh);
}

uint32_t
pool_size(void)
{
	return (pool.size);
}
