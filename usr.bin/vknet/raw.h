/*
 * A real interface carried by vknet ("raw:eth0"): frames it sends and
 * receives are read from a packet socket bound to it, frames for it are
 * written there.  The connection that carries the link itself must never
 * be carried by it, or every frame of the tunnel would make another; the
 * socket's kernel filter excludes such connections (struct conn).  The
 * Linux code is raw_linux.c (AF_PACKET, classic BPF, /proc); a BSD port
 * is one more file (bpf(4)).  Functions return -1 and set errno on
 * failure.
 */
#ifndef VKNET_RAW_H
#define VKNET_RAW_H

#include <sys/types.h>
#include <sys/uio.h>

#include <net/if.h>
#include <netinet/in.h>

#include <stdint.h>

#define RAW_PREFIX	"raw:"
#define RAW_MAXCONN	16

/*
 * Traffic between two endpoints, in both directions; an address with
 * af AF_UNSPEC or a port of 0 stands for any.  Written as
 * SSH_CONNECTION is: "addr port addr port", trailing words optional.
 */
struct endpoint {
	int		 af;		/* AF_INET, AF_INET6 or AF_UNSPEC */
	uint8_t		 addr[16];
	uint16_t	 port;
};

struct conn {
	struct endpoint	 a, b;
};

struct raw {
	int		 fd;		/* non-blocking */
	int		 ifindex;
	unsigned int	 mtu;
	char		 name[IFNAMSIZ];
	uint32_t	 offloads;	/* those we turned off, to restore */
};

int	conn_parse(const char *, struct conn *);
char	*conn_format(const struct conn *, char *, size_t);
int	raw_open(struct raw *, const char *ifname);
int	raw_exclude(struct raw *, const struct conn *, int n);
int	raw_block(struct raw *);
int	raw_conn_of(pid_t, struct conn *);
ssize_t	raw_send(struct raw *, const void *, size_t);
void	raw_close(struct raw *);

#endif
