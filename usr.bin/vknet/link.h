/*
 * The link: the byte stream to the other vknet, through an ssh child or,
 * with -S, through our own stdin and stdout.  It owns the two stream
 * buffers; frames are framed into and parsed out of them in place.
 */
#ifndef VKNET_LINK_H
#define VKNET_LINK_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define LINK_BUFSZ	(256 * 1024)
#define LINK_RESERVE	(WIRE_HDR + WIRE_MAX + 1)	/* +1: see giants */

struct stream {
	uint8_t		*data;		/* LINK_BUFSZ bytes */
	size_t		 head;		/* first byte not yet used */
	size_t		 tail;		/* one past the last byte */
};

struct link {
	int		 rfd;		/* -1 while the link is down */
	int		 wfd;
	pid_t		 pid;		/* the ssh child, or -1 */
	int		 status;	/* its wait status, -1 if none */
	int		 eof;		/* rfd reached end of file */
	int		 rflags;	/* -S: stdin's and stdout's */
	int		 wflags;	/* file status flags as found */
	struct stream	 out;		/* framed, toward the link */
	struct stream	 in;		/* from the link, to be parsed */
};

int	 link_init(struct link *);
void	 link_free(struct link *);
int	 link_spawn(struct link *, char *const argv[]);
int	 link_stdio(struct link *);
void	 link_close(struct link *, int now);
int	 link_reap(struct link *);
char	*link_status(const struct link *, char *, size_t);

uint8_t	*link_slot(struct link *);
void	 link_put(struct link *, size_t len);
int	 link_flush(struct link *);
int	 link_fill(struct link *);
enum wire_status link_peek(const struct link *, size_t off,
	    struct wire_msg *);
void	 link_consume(struct link *, size_t);

static inline int
link_up(const struct link *lk)
{
	return (lk->rfd != -1);
}

static inline int
link_pending(const struct link *lk)
{
	return (lk->out.tail > lk->out.head);
}

/* Worth a read: there is room for a whole frame once compacted. */
static inline int
link_can_fill(const struct link *lk)
{
	return (!lk->eof &&
	    LINK_BUFSZ - (lk->in.tail - lk->in.head) >= LINK_RESERVE);
}

#endif
