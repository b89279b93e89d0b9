/*
 * The host's network interfaces, as vknetd and vknet need them: a TAP
 * to carry frames, a bridge to put it in, an IPv4 and an IPv6 address
 * on one of them.  The interface is small so that a BSD port is one new file;
 * the Linux code lives in tap_linux.c (the tun driver) and
 * netif_linux.c (rtnetlink).  All functions return -1 and set errno on
 * failure.
 */
#ifndef VKNET_NETIF_H
#define VKNET_NETIF_H

#include <net/if.h>
#include <netinet/in.h>

struct tap {
	int	fd;			/* non-blocking, one frame per read */
	char	name[IFNAMSIZ];
	int	created;		/* it did not exist before tap_open() */
	int	was_up;			/* IFF_UP as we found it */
	char	master[IFNAMSIZ];	/* bridge as we found it, or "" */
};

/* Open (creating if needed) the TAP called name, or a new one if NULL. */
int	tap_open(struct tap *, const char *name);
/* Close it; a TAP tap_open() created disappears, another is restored. */
void	tap_close(struct tap *);

int	netif_exists(const char *ifname);
int	netif_is_up(const char *ifname);
int	netif_set_up(const char *ifname, int up);
int	netif_mac(const char *ifname, unsigned char mac[6]);
int	netif_master(const char *ifname, char master[IFNAMSIZ]);
int	netif_set_master(const char *ifname, const char *master);
int	netif_bridge_create(const char *name);
int	netif_delete(const char *ifname);
int	netif_addr_add(const char *ifname, struct in_addr, int prefixlen);
int	netif_addr_del(const char *ifname, struct in_addr, int prefixlen);
int	netif_addr6_add(const char *ifname, const struct in6_addr *,
	    int prefixlen);
int	netif_addr6_del(const char *ifname, const struct in6_addr *,
	    int prefixlen);

#endif
