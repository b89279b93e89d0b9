/*
 * After a non-blocking read or write failed: was it only "not now"?
 * One answer for every file that asks, so that a peer that is merely
 * busy is never taken for one that has broken.
 */
#ifndef VKNET_IOERR_H
#define VKNET_IOERR_H

#include <errno.h>

/* Nothing to read, or no room to write, at the moment: try later. */
static inline int
io_again(int err)
{
	return (err == EAGAIN || err == EWOULDBLOCK || err == EINTR);
}

/* The peer cannot take it now (a unix datagram peer may say ENOBUFS). */
static inline int
io_full(int err)
{
	return (io_again(err) || err == ENOBUFS);
}

#endif
