/*
 * vknetd's command line: what it says, checked as far as it can be
 * without touching the system, so that a bad invocation leaves no trace.
 */
#ifndef VKNETD_OPTIONS_H
#define VKNETD_OPTIONS_H

#include <limits.h>
#include <time.h>
#include <stdint.h>

#include "filter.h"
#include "storm.h"
#include "vlan.h"

#define VKNET_GROUP	"vknet"
#define MAX_PORTS	4096
#define VSOCK_MAX	16	/* -V sockets */

/* -V: a socket whose clients are access ports of a VLAN, or trunks. */
struct vsock {
	const char	*path;
	uint16_t	 vid;
	int		 trunk;
	struct vlan_set	 vids;		/* a trunk's tagged VLANs */
};

struct config {
	const char	*sockpath;
	const char	*streampath;	/* -q */
	const char	*pidpath;
	const char	*tapname;
	const char	*bridge;
	const char	*ctlgroup;	/* -g: may use the control socket */
	const char	*address;	/* as given, or NULL */
	const char	*address6;
	struct secure_net net;
	time_t		 max_age;
	int		 stall_ms;	/* -W */
	uint32_t	 mac_limit;	/* -M */
	struct storm_limit storm;	/* -L */
	struct vsock	 vsock[VSOCK_MAX];	/* -V */
	int		 nvsock;
	int		 tap_trunk;	/* -T */
	struct vlan_set	 tap_vids;
	int		 debug;
	int		 secure;
	int		 client;	/* c, f, k, s: talk to a daemon */
	int		 port;		/* -k, -f; CTL_PORT_ALL: -f all */
	int		 json;		/* -j */
	int		 hex;
	const char	*wfile;
	char		 ctlpath[PATH_MAX];
};

void	options_parse(int argc, char *argv[], struct config *);
void	usage(void) __attribute__((noreturn));

#endif
