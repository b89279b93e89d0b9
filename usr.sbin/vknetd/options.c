/*
 * vknetd's command line.  Every value is checked here, before start-up
 * creates anything; each mistake gets one line naming the option and
 * why, then the usage message and EX_USAGE.
 */
#include <arpa/inet.h>
#include <net/if.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "options.h"

#define DEFAULT_SOCKET	"/var/run/vknet"
#define DEFAULT_PIDFILE	"/var/run/vknetd.pid"
#define DEFAULT_AGE	300
#define MAX_AGE		(24 * 3600)
#define DEFAULT_STALL	100	/* ms; see "QUEUES" in vknetd.8 */
#define DEFAULT_MACS	1024	/* per client; see -M in vknetd.8 */
#define MAX_MACS	16384	/* the whole table */
#define MAX_STALL	60000
#define DEFAULT_STORM	200	/* frames/s; see "STORM CONTROL" in vknetd.8 */
#define MAX_STORM	1000000

void
usage(void)
{
	fprintf(stderr, "usage: vknetd [-dU] [-A seconds] [-b bridge] "
	    "[-g group] [-i pidfile]\n"
	    "              [-L rate[:burst]] [-M count] [-p socket_path] "
	    "[-q stream_path]\n"
	    "              [-T vids] [-t tap] [-V vid:path] "
	    "[-V trunk:vids:path] [-W ms]\n"
	    "              [address/cidrbits] [address6/prefixlen]\n"
	    "       vknetd -c [-jx] [-w file] [-p socket_path]\n"
	    "       vknetd -s [-j] [-p socket_path]\n"
	    "       vknetd -k port [-p socket_path]\n"
	    "       vknetd -f port | all [-p socket_path]\n");
	exit(EX_USAGE);
}

static void
check_ifname(const char *name)
{
	if (name != NULL && (*name == '\0' || strlen(name) >= IFNAMSIZ)) {
		log_warnx("%s: not a valid interface name", name);
		usage();
	}
}

/* The number of option -ch, within min..max, or a usage error. */
static long long
number(int ch, long long min, long long max, const char *what,
    const char *unit)
{
	const char *errstr;
	long long n;

	n = strtonum(optarg, min, max, &errstr);
	if (errstr != NULL) {
		log_warnx("-%c %s: %s is %s (%lld..%lld%s)", ch, optarg, what,
		    errstr, min, max, unit);
		usage();
	}
	return (n);
}

/* The port of -k, or of -f, which also takes "all". */
static int
target(int ch)
{
	if (ch == 'f' && strcmp(optarg, CTL_ALL) == 0)
		return (CTL_PORT_ALL);
	return ((int)number(ch, 0, MAX_PORTS - 1, "port", ""));
}

/*
 * -L rate[:burst]: frames a second a port may flood, 0 for no limit,
 * and how many at once, as many as the rate unless given.
 */
static void
storm_option(const char *arg, struct storm_limit *l)
{
	const char *errstr;
	char buf[32], *colon;

	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf)) {
		log_warnx("-L %s: too long", arg);
		usage();
	}
	if ((colon = strchr(buf, ':')) != NULL)
		*colon = '\0';
	l->rate = (uint32_t)strtonum(buf, 0, MAX_STORM, &errstr);
	if (errstr != NULL) {
		log_warnx("-L %s: rate is %s (0..%d frames a second)", arg,
		    errstr, MAX_STORM);
		usage();
	}
	l->burst = l->rate > 0 ? l->rate : 1;
	if (colon == NULL)
		return;
	l->burst = (uint32_t)strtonum(colon + 1, 1, 2LL * MAX_STORM, &errstr);
	if (errstr != NULL) {
		log_warnx("-L %s: burst is %s (1..%d frames)", arg, errstr,
		    2 * MAX_STORM);
		usage();
	}
}

/* -V vid:path, or -V trunk:vids:path. */
static void
vlan_socket(const char *arg, struct config *cf)
{
	struct vsock *v = &cf->vsock[cf->nvsock];
	const char *errstr, *colon;
	char vid[8], vids[256];

	if (cf->nvsock == VSOCK_MAX) {
		log_warnx("-V %s: at most %d VLAN sockets", arg, VSOCK_MAX);
		usage();
	}
	memset(v, 0, sizeof(*v));
	if (strncmp(arg, "trunk:", 6) == 0) {
		v->trunk = 1;
		if ((colon = strchr(arg + 6, ':')) == NULL ||
		    (size_t)(colon - arg - 6) >= sizeof(vids)) {
			log_warnx("-V %s: not trunk:vids:path", arg);
			usage();
		}
		memcpy(vids, arg + 6, (size_t)(colon - arg - 6));
		vids[colon - arg - 6] = '\0';
		if (vlan_set_parse(vids, &v->vids) == -1) {
			log_warnx("-V %s: %s is not a list of VLANs 2..%d, "
			    "such as 10,20,30-39", arg, vids, VLAN_MAX);
			usage();
		}
	} else {
		if ((colon = strchr(arg, ':')) == NULL ||
		    (size_t)(colon - arg) >= sizeof(vid)) {
			log_warnx("-V %s: not vid:path or trunk:vids:path",
			    arg);
			usage();
		}
		memcpy(vid, arg, (size_t)(colon - arg));
		vid[colon - arg] = '\0';
		v->vid = (uint16_t)strtonum(vid, 1, VLAN_MAX, &errstr);
		if (errstr != NULL) {
			log_warnx("-V %s: VLAN %s is %s (1..%d)", arg, vid,
			    errstr, VLAN_MAX);
			usage();
		}
	}
	if (colon[1] == '\0') {
		log_warnx("-V %s: no socket path", arg);
		usage();
	}
	v->path = colon + 1;
	cf->nvsock++;
}

/* Every socket needs a path of its own. */
static void
check_paths(const struct config *cf)
{
	const char *path[VSOCK_MAX + 3];
	int n = 0, i, j;

	path[n++] = cf->sockpath;
	path[n++] = cf->ctlpath;
	if (cf->streampath != NULL)
		path[n++] = cf->streampath;
	for (i = 0; i < cf->nvsock; i++)
		path[n++] = cf->vsock[i].path;
	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(path[i], path[j]) == 0) {
				log_warnx("%s: each socket needs a path of its "
				    "own", path[i]);
				usage();
			}
}

/* An IPv4 address/cidrbits or an IPv6 address6/prefixlen, once each. */
static void
operand(const char *arg, struct config *cf)
{
	struct secure_net *net = &cf->net;

	if (strchr(arg, ':') == NULL) {
		if (cf->address != NULL) {
			log_warnx("%s: one IPv4 address only (already %s)",
			    arg, cf->address);
			usage();
		}
		if (cidr_parse(arg, &net->v4) == -1) {
			log_warnx("%s: not an IPv4 address/cidrbits", arg);
			usage();
		}
		cf->address = arg;
		net->has4 = 1;
		return;
	}
	if (cf->address6 != NULL) {
		log_warnx("%s: one IPv6 address only (already %s)", arg,
		    cf->address6);
		usage();
	}
	if (cidr6_parse(arg, &net->v6) == -1) {
		log_warnx("%s: not an IPv6 address6/prefixlen", arg);
		usage();
	}
	cf->address6 = arg;
	net->has6 = 1;
}

void
options_parse(int argc, char *argv[], struct config *cf)
{
	int ch, daemon_only = 0;

	memset(cf, 0, sizeof(*cf));
	cf->sockpath = DEFAULT_SOCKET;
	cf->pidpath = DEFAULT_PIDFILE;
	cf->max_age = DEFAULT_AGE;
	cf->stall_ms = DEFAULT_STALL;
	cf->mac_limit = DEFAULT_MACS;
	cf->storm.rate = DEFAULT_STORM;
	cf->storm.burst = DEFAULT_STORM;
	cf->secure = 1;
	while ((ch = getopt(argc, argv,
	    "A:b:cdf:g:i:jk:L:M:p:q:sT:t:UV:W:w:x")) != -1) {
		daemon_only |= strchr("AbdgiLMqTtUVW", ch) != NULL;
		switch (ch) {
		case 'A':
			cf->max_age = (time_t)number(ch, 1, MAX_AGE,
			    "aging time", " seconds");
			break;
		case 'b':
			cf->bridge = optarg;
			break;
		case 'c':
		case 'f':
		case 'k':
		case 's':
			if (cf->client != 0 && cf->client != ch) {
				log_warnx("-%c and -%c exclude each other",
				    cf->client, ch);
				usage();
			}
			cf->client = ch;
			if (ch == 'f' || ch == 'k')
				cf->port = target(ch);
			break;
		case 'd':
			cf->debug = 1;
			break;
		case 'g':
			cf->ctlgroup = optarg;
			break;
		case 'i':
			cf->pidpath = optarg;
			break;
		case 'j':
			cf->json = 1;
			break;
		case 'L':
			storm_option(optarg, &cf->storm);
			break;
		case 'M':
			cf->mac_limit = (uint32_t)number(ch, 1, MAX_MACS,
			    "MAC limit", "");
			break;
		case 'p':
			cf->sockpath = optarg;
			break;
		case 'q':
			cf->streampath = optarg;
			break;
		case 'T':
			if (vlan_set_parse(optarg, &cf->tap_vids) == -1) {
				log_warnx("-T %s: not a list of VLANs 2..%d, "
				    "such as 10,20,30-39", optarg, VLAN_MAX);
				usage();
			}
			cf->tap_trunk = 1;
			break;
		case 't':
			cf->tapname = optarg;
			break;
		case 'U':
			cf->secure = 0;
			break;
		case 'V':
			vlan_socket(optarg, cf);
			break;
		case 'W':
			cf->stall_ms = (int)number(ch, 10, MAX_STALL,
			    "stall time", " ms");
			break;
		case 'w':
			cf->wfile = optarg;
			break;
		case 'x':
			cf->hex = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if ((size_t)snprintf(cf->ctlpath, sizeof(cf->ctlpath), "%s%s",
	    cf->sockpath, CTL_SUFFIX) >= sizeof(cf->ctlpath))
		fatalx("%s: socket path too long", cf->sockpath);
	if ((cf->hex || cf->wfile != NULL) && cf->client != 'c') {
		log_warnx("-x and -w go with -c");
		usage();
	}
	if (cf->json && ((cf->client != 'c' && cf->client != 's') ||
	    cf->wfile != NULL)) {
		log_warnx("-j goes with -c or -s, and not with -w");
		usage();
	}
	if (cf->client != 0) {
		if (daemon_only || argc > 0) {
			log_warnx("-%c talks to a running vknetd: it takes "
			    "no switch options", cf->client);
			usage();
		}
		return;
	}
	if (argc > 2)
		usage();
	check_paths(cf);
	for (; argc > 0; argc--, argv++)
		operand(argv[0], cf);
	if (cf->secure && !cf->net.has4 && !cf->net.has6) {
		log_warnx("secure mode needs an address/cidrbits or an "
		    "address6/prefixlen (or -U for an unfiltered bridge)");
		usage();
	}
	check_ifname(cf->tapname);
	check_ifname(cf->bridge);
}

