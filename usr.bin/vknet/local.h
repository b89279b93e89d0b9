/*
 * The local side of vknet: the spec it was given, opened as a vknetd
 * socket, a TAP or a real interface, with frames read and written one
 * at a time.
 */
#ifndef VKNET_LOCAL_H
#define VKNET_LOCAL_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stdint.h>

#include "netif.h"
#include "raw.h"

#define LOCAL_NONE	(-1)	/* local_recv(): nothing to read now */
#define LOCAL_GONE	(-2)	/* the other end closed, or it failed */

enum local_kind {
	LOCAL_SOCKET,		/* SOCK_SEQPACKET: one frame per message */
	LOCAL_TAP,
	LOCAL_RAW		/* "raw:ifname": a real interface */
};

struct local {
	enum local_kind	 kind;
	const char	*spec;
	int		 fd;
	struct tap	 tap;
	struct raw	 raw;
	const char	*bridge;
	int		 bridge_created;
	int		 blocked;	/* full: wait for POLLOUT */
	uint64_t	 errors;	/* frames a write refused */
};

int	 spec_is_tap(const char *spec);
int	 spec_is_raw(const char *spec);
int	 spec_check(const char *spec, const char *bridge, const char *opt);
int	 local_open(struct local *, const char *spec, const char *bridge);
void	 local_close(struct local *);
ssize_t	 local_recv(struct local *, void *, size_t, short revents);
int	 local_send(struct local *, const struct iovec *, int n);

#endif
