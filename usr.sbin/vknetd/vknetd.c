/*
 * vknetd: a virtual Ethernet switch for virtual machines.
 *
 * main() parses the command line, checks everything it can before it
 * creates anything (so a bad invocation leaves no trace), then sets up
 * in this order: pidfile lock, listening sockets, TAP (and bridge and
 * address), detach.  A caller may connect as soon as we return.  Then
 * it stays the privileged parent of privsep.c, which holds all that to
 * undo it at the end, and runs the switch in a confined child, the
 * worker (sandbox.c), restarted if it dies; after a reload (SIGHUP) the
 * program finds everything handed over and creates nothing.
 *
 * In the worker, worker() runs one poll loop (waiting through epoll,
 * see pollset.c) that does all the work: new clients on the listeners
 * (the SOCK_SEQPACKET socket and, with -q, QEMU's stream socket, and
 * with -V one per VLAN), each also given to the parent to hold, frames
 * on the ports (see switch.c and port.c), MAC aging once a second, and
 * the sessions of the control socket beside the data socket: monitors,
 * stats requests and the administrator's commands (monitor.c).  Signal
 * handlers only set a flag; the loop sees it when its wait returns.
 * If the TAP goes (switch.c), the worker says so in its exit status and
 * vknetd ends, status 1 after the same teardown: the switch is useless
 * to the host without it, and a service manager that restarts failed
 * services makes a new one.
 *
 * With -c, -s, -k or -f the same binary is a client of a running
 * daemon's control socket instead (watch.c), and creates nothing.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl.h"
#include "filter.h"
#include "listener.h"
#include "log.h"
#include "monitor.h"
#include "netif.h"
#include "options.h"
#include "peer.h"
#include "pidfile.h"
#include "pollset.h"
#include "privsep.h"
#include "sandbox.h"
#include "signals.h"
#include "stats.h"
#include "switch.h"
#include "watch.h"

#define FD_RESERVE	32	/* listeners, sessions, syslog, stdio */

/* Fixed poll slots: listeners, control sessions; then the ports. */
enum {
	PFD_LISTEN,
	PFD_STREAM,		/* -q, or fd -1 */
	PFD_VLAN,		/* -V: VSOCK_MAX of them */
	PFD_CONTROL = PFD_VLAN + VSOCK_MAX,
	PFD_PARENT,		/* privsep.c: the parent's orders */
	PFD_MONITOR,
	PFD_PORTS = PFD_MONITOR + SESSION_MAX
};

/* What start-up created, so that exit can take exactly that away. */
static struct state {
	struct pidfile	*pfh;
	const char	*sockpath;
	int		 listen_fd;
	const char	*streampath;
	int		 stream_fd;
	const char	*vlan_path[VSOCK_MAX];
	int		 vlan_fd[VSOCK_MAX];
	int		 nvlan;		/* of them open */
	const char	*ctlpath;
	int		 ctl_fd;
	struct tap	 tap;
	const char	*addr_if;	/* interface we put the address on */
	const char	*addr6_if;	/* and the IPv6 one */
	int		 bridge_created;
	const char	*bridge;
	const struct secure_net *net; /* the addresses */
	int		 maxports;
	pid_t		 worker;	/* the switch process, for the record */
	const struct config *cf;
	int		 ready_fd;	/* see detach() */
	int		 announced;
	char		 statepath[PATH_MAX];	/* see state_write() */
} st = { .listen_fd = -1, .stream_fd = -1, .ctl_fd = -1, .ready_fd = -1,
    .tap = { .fd = -1 } };

/* What a reload hands over of st, through privsep.c. */
struct carried {
	int		 listen_fd;
	int		 stream_fd;
	int		 ctl_fd;
	int		 vlan_fd[VSOCK_MAX];
	int		 pid_fd;
	struct tap	 tap;
	int		 bridge_created;
	char		 addr_if[IFNAMSIZ];	/* "" for none */
	char		 addr6_if[IFNAMSIZ];
};

static volatile sig_atomic_t quit;
static volatile sig_atomic_t stats_wanted;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_wanted = 1;
	else
		quit = 1;
}

static void
teardown(void)
{
	struct in_addr in;

	if (st.addr_if != NULL) {
		in.s_addr = htonl(st.net->v4.addr);
		(void)netif_addr_del(st.addr_if, in, st.net->v4.bits);
	}
	if (st.addr6_if != NULL)
		(void)netif_addr6_del(st.addr6_if,
		    (const struct in6_addr *)st.net->v6.addr, st.net->v6.bits);
	tap_close(&st.tap);
	if (st.bridge_created && netif_delete(st.bridge) == -1)
		log_warn("cannot delete bridge %s", st.bridge);
	if (st.listen_fd != -1) {
		close(st.listen_fd);
		unlink(st.sockpath);
	}
	if (st.stream_fd != -1) {
		close(st.stream_fd);
		unlink(st.streampath);
	}
	while (st.nvlan > 0) {
		st.nvlan--;
		close(st.vlan_fd[st.nvlan]);
		unlink(st.vlan_path[st.nvlan]);
	}
	if (st.ctl_fd != -1) {
		close(st.ctl_fd);
		unlink(st.ctlpath);
	}
	if (st.statepath[0] != '\0')
		(void)unlink(st.statepath);
	pidfile_drop(st.pfh);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
startup_failed(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	teardown();
	exit(1);
}

/* Raise the soft descriptor limit; return how many ports fit. */
static int
raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = MAX_PORTS + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			fatal("setrlimit");
	}
	if (want <= FD_RESERVE + 1)
		fatalx("descriptor limit %lu is too low", (unsigned long)want);
	return ((int)(want - FD_RESERVE));
}

static void
setup_tap(const struct config *cf)
{
	struct in_addr in;
	const char *ifname;

	if (tap_open(&st.tap, cf->tapname) == -1)
		startup_failed("TAP %s: %s", cf->tapname != NULL ?
		    cf->tapname : "(new)", strerror(errno));
	if (cf->bridge != NULL) {
		st.bridge = cf->bridge;
		if (!netif_exists(cf->bridge)) {
			if (netif_bridge_create(cf->bridge) == -1)
				startup_failed("bridge %s: %s", cf->bridge,
				    strerror(errno));
			st.bridge_created = 1;
		}
		if (netif_set_master(st.tap.name, cf->bridge) == -1 ||
		    netif_set_up(cf->bridge, 1) == -1)
			startup_failed("bridge %s: %s", cf->bridge,
			    strerror(errno));
	}
	if (netif_set_up(st.tap.name, 1) == -1)
		startup_failed("%s: %s", st.tap.name, strerror(errno));
	/* Linux does not deliver locally on an address held by a port. */
	ifname = cf->bridge != NULL ? cf->bridge : st.tap.name;
	if (cf->address != NULL) {
		in.s_addr = htonl(cf->net.v4.addr);
		st.addr_if = ifname;
		if (netif_addr_add(ifname, in, cf->net.v4.bits) == -1) {
			if (errno != EEXIST)
				startup_failed("%s on %s: %s", cf->address,
				    ifname, strerror(errno));
			st.addr_if = NULL;	/* it was there before us */
		}
	}
	if (cf->address6 != NULL) {
		st.addr6_if = ifname;
		if (netif_addr6_add(ifname,
		    (const struct in6_addr *)cf->net.v6.addr,
		    cf->net.v6.bits) == -1) {
			/* What Linux says when IPv6 is off on the device. */
			if (errno == EACCES)
				startup_failed("%s on %s: IPv6 is disabled "
				    "there (sysctl net.ipv6.conf.%s."
				    "disable_ipv6)", cf->address6, ifname,
				    ifname);
			if (errno != EEXIST)
				startup_failed("%s on %s: %s", cf->address6,
				    ifname, strerror(errno));
			st.addr6_if = NULL;
		}
	}
}

/*
 * The host's IPv6 addresses, which no guest may speak for: the one
 * given, and the link-local address the kernel derives from each of
 * the host's MACs (modified EUI-64, RFC 4291 appendix A).
 */
static void
host_addr6(struct secure_net *net, const uint8_t mac[MAC_LEN])
{
	uint8_t *a;

	if (net->nhost6 == 0 && net->has6)
		memcpy(net->host6[net->nhost6++], net->v6.addr, 16);
	if (net->nhost6 == FILTER_HOST6)
		return;
	a = net->host6[net->nhost6++];
	memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = mac[0] ^ 0x02;
	a[9] = mac[1];
	a[10] = mac[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	memcpy(a + 13, mac + 3, 3);
}

/*
 * What start-up made, in a file beside the pidfile: a vknetd killed
 * outright (kill -9, the OOM killer) cannot take it away, so the next
 * one on the same pidfile does.  One line per object: "tap NAME",
 * "bridge NAME", "address A/BITS IFNAME", "address6 A/BITS IFNAME", and
 * "worker PID", the switch process of the time, which dies with the
 * parent but may take a moment to.  Written whole to a new file, then
 * renamed, so it is never half there; removed by teardown().  Only
 * what vknetd made is ever in it, never what was there before.
 */
static void
state_write(void)
{
	char tmp[PATH_MAX + 4], a[INET6_ADDRSTRLEN];
	struct in_addr in;
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.new", st.statepath);
	if ((fp = fopen(tmp, "we")) == NULL) {
		log_warn("%s", tmp);
		return;
	}
	if (st.tap.created)
		fprintf(fp, "tap %s\n", st.tap.name);
	if (st.bridge_created)
		fprintf(fp, "bridge %s\n", st.bridge);
	if (st.addr_if != NULL) {
		in.s_addr = htonl(st.net->v4.addr);
		inet_ntop(AF_INET, &in, a, sizeof(a));
		fprintf(fp, "address %s/%d %s\n", a, st.net->v4.bits,
		    st.addr_if);
	}
	if (st.addr6_if != NULL) {
		inet_ntop(AF_INET6, st.net->v6.addr, a, sizeof(a));
		fprintf(fp, "address6 %s/%d %s\n", a, st.net->v6.bits,
		    st.addr6_if);
	}
	if (st.worker > 0)
		fprintf(fp, "worker %d\n", (int)st.worker);
	if (fclose(fp) == EOF || rename(tmp, st.statepath) == -1) {
		log_warn("%s", st.statepath);
		(void)unlink(tmp);
	}
}

/* The dead daemon's switch process, if it has not quite gone yet. */
static void
await_gone(pid_t pid)
{
	long long end = clock_ms() + 2000;
	char path[32], stat[64];
	FILE *fp;
	int alive;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	while (clock_ms() < end && (fp = fopen(path, "re")) != NULL) {
		/* "pid (comm) state": a zombie holds nothing any more. */
		alive = fgets(stat, sizeof(stat), fp) != NULL &&
		    strstr(stat, " (vknetd) ") != NULL &&
		    strstr(stat, " (vknetd) Z") == NULL;
		fclose(fp);
		if (!alive)
			return;
		(void)poll(NULL, 0, 10);
	}
}

/*
 * A dead vknetd's address on ifname: ours if this start-up is about to
 * put the same address on the same interface (1), else removed (0).
 */
static int
adopt_address(const struct config *cf, const char *obj, const char *ifname)
{
	const char *use_if = cf->bridge != NULL ? cf->bridge : cf->tapname;
	struct in_addr in;
	struct cidr c;
	struct cidr6 c6;
	int same;

	if (cidr_parse(obj, &c) == 0) {
		same = cf->address != NULL && c.addr == cf->net.v4.addr &&
		    c.bits == cf->net.v4.bits;
		in.s_addr = htonl(c.addr);
	} else if (cidr6_parse(obj, &c6) == 0)
		same = cf->address6 != NULL && c6.bits == cf->net.v6.bits &&
		    memcmp(c6.addr, cf->net.v6.addr, 16) == 0;
	else
		return (0);
	if (same && use_if != NULL && strcmp(ifname, use_if) == 0)
		return (1);
	if ((strchr(obj, ':') == NULL ? netif_addr_del(ifname, in, c.bits) :
	    netif_addr6_del(ifname, (const struct in6_addr *)c6.addr,
	    c6.bits)) == 0)
		log_info("address %s on %s, left by a vknetd that died: "
		    "removed", obj, ifname);
	return (0);
}

/*
 * Before set-up: what a dead vknetd on this pidfile made.  What this
 * start-up is about to use again (its bridge, its addresses) is taken
 * as ours, to be removed at exit; the rest is removed now.  An address
 * is only known to be ours once setup_tap() has tried to add it: its
 * interface goes in adopt_if (IPv4) or adopt6_if.
 */
static void
state_adopt(const struct config *cf, char adopt_if[IFNAMSIZ],
    char adopt6_if[IFNAMSIZ])
{
	char line[256], what[16], obj[64], ifname[IFNAMSIZ + 1];
	FILE *fp;
	int n;

	adopt_if[0] = adopt6_if[0] = '\0';
	if ((fp = fopen(st.statepath, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		n = sscanf(line, "%15s %63s %16s", what, obj, ifname);
		if (n >= 2 && strcmp(what, "worker") == 0)
			await_gone((pid_t)atoi(obj));
		if (n >= 2 && strcmp(what, "bridge") == 0 &&
		    netif_exists(obj)) {
			if (cf->bridge != NULL && strcmp(obj, cf->bridge) == 0) {
				log_info("bridge %s, left by a vknetd that "
				    "died: ours now", obj);
				st.bridge = cf->bridge;
				st.bridge_created = 1;
			} else if (netif_delete(obj) == 0)
				log_info("bridge %s, left by a vknetd that "
				    "died: removed", obj);
		}
		if (n == 3 && (strcmp(what, "address") == 0 ||
		    strcmp(what, "address6") == 0) &&
		    strlen(ifname) < IFNAMSIZ && netif_exists(ifname) &&
		    adopt_address(cf, obj, ifname))
			memcpy(what[7] == '6' ? adopt6_if : adopt_if, ifname,
			    IFNAMSIZ);
	}
	fclose(fp);
}

/*
 * Go to the background.  The parent returns, and prints the TAP's name,
 * only once the child is ready (see announce()), so whoever started us
 * finds the pidfile and the socket ready.
 */
static void
detach(void)
{
	int ready[2], devnull;
	char c;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) == -1)
		startup_failed("pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		startup_failed("fork: %s", strerror(errno));
	if (pid != 0) {
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)
			_exit(1);
		printf("%s\n", st.tap.name);
		fflush(stdout);
		_exit(0);
	}
	close(ready[0]);
	st.ready_fd = ready[1];
	if (setsid() == -1)
		fatal("setsid");
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	log_init("vknetd", 0);
	if (pidfile_put(st.pfh) == -1)
		log_warn("%s", "pidfile");
}

/*
 * Ready: the first switch process is running and on record (see
 * state_write()), so a kill -9 from now on leaves nothing the next
 * vknetd does not know of.  The TAP's name goes out now, from the
 * process that started us if we detached.
 */
static void
announce(const struct config *cf)
{
	if (cf->debug) {
		printf("%s\n", st.tap.name);
		fflush(stdout);
		return;
	}
	/* If the parent has gone, nobody is left to tell: carry on. */
	if (write(st.ready_fd, "", 1) == -1)
		log_warn("telling the parent we are ready");
	close(st.ready_fd);
	st.ready_fd = -1;
}

/* A new switch process: on record, and the first makes us ready. */
static void
worker_started(pid_t pid)
{
	st.worker = pid;
	state_write();
	if (!st.announced) {
		announce(st.cf);
		st.announced = 1;
	}
}

/*
 * Put port id in the VLANs of where it came from: tag 0 is the main
 * and the stream socket, tag i + 1 the -V socket i; the TAP is a trunk
 * with -T.  Called as a port is accepted, and for each port a new
 * switch process takes over (privsep_adopt()).
 */
static void
place_port(struct vswitch *sw, int id, int tag)
{
	const struct config *cf = st.cf;
	const struct vsock *v;

	if (sw->ports[id].kind == PORT_TAP) {
		if (cf->tap_trunk)
			switch_port_vlan(sw, id, VLAN_NATIVE, &cf->tap_vids);
		return;
	}
	if (tag < 1 || tag > cf->nvsock)
		return;
	v = &cf->vsock[tag - 1];
	switch_port_vlan(sw, id, v->vid, v->trunk ? &v->vids : NULL);
}

/* New clients on a listener, tagged as place_port() says. */
static void
accept_clients(struct vswitch *sw, int lfd, enum port_kind kind, int tag)
{
	/* A member of the group can connect at will: a line per 10 s. */
	static struct log_limit full = LOG_LIMIT(10), refused = LOG_LIMIT(10);
	int fd, n, id;

	for (n = 0; n < 64 && (fd = listener_accept(lfd)) != -1; n++) {
		if ((id = switch_add_port(sw, kind, fd)) == -1) {
			if (errno == ENFILE)
				log_limited(&full, sw->now, "port table full "
				    "(%d): connection refused", sw->maxports);
			else
				log_limited(&refused, sw->now, "connection "
				    "refused: %s", strerror(errno));
			close(fd);
			continue;
		}
		place_port(sw, id, tag);
		privsep_told(id, kind, tag, fd, sw->now);
	}
}

static void
run(struct vswitch *sw, struct pollfd *pfd, const sigset_t *waitmask,
    const struct config *cf)
{
	int id, high, i;

	while (!quit && !sw->tap_gone) {
		if (stats_wanted) {
			stats_wanted = 0;
			stats_log(sw);
		}
		if (pollset_wait(PFD_PORTS + sw->high, switch_timeout(sw),
		    waitmask) == -1) {
			if (errno != EINTR)
				fatal("poll");
			continue;
		}
		switch_tick(sw, clock_ms());
		monitor_tick(sw->mon);
		high = sw->high;
		for (id = 0; id < high; id++)
			if (sw->pfd[id].revents != 0)
				switch_ready(sw, id, sw->pfd[id].revents);
		switch_run_kicks(sw);
		for (i = 0; i < SESSION_MAX; i++)
			if (pfd[PFD_MONITOR + i].revents != 0)
				monitor_ready(sw->mon, i,
				    pfd[PFD_MONITOR + i].revents);
		if (pfd[PFD_LISTEN].revents & POLLIN)
			accept_clients(sw, pfd[PFD_LISTEN].fd, PORT_SEQPACKET,
			    0);
		if (pfd[PFD_STREAM].revents & POLLIN)
			accept_clients(sw, pfd[PFD_STREAM].fd, PORT_STREAM, 0);
		for (i = 0; i < cf->nvsock; i++)
			if (pfd[PFD_VLAN + i].revents & POLLIN)
				accept_clients(sw, pfd[PFD_VLAN + i].fd,
				    PORT_SEQPACKET, i + 1);
		if (pfd[PFD_CONTROL].revents & POLLIN)
			monitor_accept(sw->mon, pfd[PFD_CONTROL].fd);
		if (pfd[PFD_PARENT].revents != 0) {
			switch (privsep_order()) {
			case ORDER_STATS:
				stats_wanted = 1;
				break;
			case ORDER_STOP:
				quit = 1;
				break;
			case ORDER_NONE:
				break;
			}
		}
	}
}

/*
 * The switch, in the worker process that privsep.c forks: it takes the
 * ports the parent holds, confines itself, and runs the loop until the
 * parent asks it to stop, or the TAP has gone.
 */
static void
worker(void *arg)
{
	static const int caught[] = { SIGTERM, SIGUSR1, 0 };
	struct config *cf = arg;	/* this process's copy */
	struct vswitch sw;
	struct ctl_switch ident;
	struct pollfd *pfd;
	sigset_t waitmask;
	uint8_t mac[MAC_LEN];
	const char *own;
	int maxports = st.maxports, i, gone;

	/* The parent's alone: the pidfile (and its lock), the start-up. */
	if (st.pfh != NULL)
		close(pidfile_fd(st.pfh));
	if (st.ready_fd != -1)
		close(st.ready_fd);
	signals_catch(on_signal, &waitmask, caught);
	stats_identify(&ident, cf, st.tap.name);
	if ((pfd = calloc((size_t)(PFD_PORTS + maxports), sizeof(*pfd))) ==
	    NULL || switch_init(&sw, pfd + PFD_PORTS, maxports, cf->max_age,
	    cf->stall_ms, cf->mac_limit, cf->secure ? &cf->net : NULL) == -1 ||
	    monitor_new(&sw, pfd + PFD_MONITOR, &ident) == NULL)
		fatalx("out of memory");
	if (pollset_init(pfd, PFD_PORTS + maxports) == -1)
		fatal("epoll");
	pfd[PFD_LISTEN].fd = st.listen_fd;
	pfd[PFD_LISTEN].events = POLLIN;
	pfd[PFD_STREAM].fd = st.stream_fd;
	pfd[PFD_STREAM].events = POLLIN;
	for (i = 0; i < VSOCK_MAX; i++) {
		pfd[PFD_VLAN + i].fd = i < st.nvlan ? st.vlan_fd[i] : -1;
		pfd[PFD_VLAN + i].events = POLLIN;
	}
	pfd[PFD_CONTROL].fd = st.ctl_fd;
	pfd[PFD_CONTROL].events = POLLIN;
	pfd[PFD_PARENT].fd = privsep_chan();
	pfd[PFD_PARENT].events = POLLIN;
	for (i = 0; i < 2; i++) {
		if ((own = i == 0 ? st.tap.name : cf->bridge) == NULL)
			continue;
		if (netif_mac(own, mac) == -1)
			fatal("MAC address of %s", own);
		switch_host_mac(&sw, mac);
		host_addr6(&cf->net, mac);
	}
	sw.storm = cf->storm;
	sw.storm_tap = cf->bridge != NULL;
	switch_tick(&sw, clock_ms());
	if (peer_init() == -1)
		fatal("/proc");
	privsep_adopt(&sw, place_port);
	sandbox_enter(sw.pid);

	run(&sw, pfd, &waitmask, cf);

	gone = sw.tap_gone;
	if (!gone)
		privsep_stop(&sw);
	monitor_free(sw.mon);
	switch_free(&sw);
	pollset_close();
	free(pfd);
	if (gone) {
		log_warnx("TAP %s has gone: exiting", st.tap.name);
		_exit(PRIVSEP_TAP_GONE);
	}
}

/*
 * After a reload: what the program before set up is ours, as it was.
 * The pidfile's lock comes over on its descriptor, and is taken again
 * on a descriptor of our own before that one is closed.
 */
static void
take_over(const struct config *cf, const struct carried *c)
{
	pid_t other;
	int i;

	st.listen_fd = c->listen_fd;
	st.stream_fd = c->stream_fd;
	for (i = 0; i < cf->nvsock; i++) {
		st.vlan_fd[i] = c->vlan_fd[i];
		st.vlan_path[i] = cf->vsock[i].path;
	}
	st.nvlan = cf->nvsock;
	st.ctl_fd = c->ctl_fd;
	st.tap = c->tap;
	st.bridge_created = c->bridge_created;
	st.bridge = cf->bridge;
	if (c->addr_if[0] != '\0')
		st.addr_if = strcmp(c->addr_if, st.tap.name) == 0 ?
		    st.tap.name : cf->bridge;
	if (c->addr6_if[0] != '\0')
		st.addr6_if = strcmp(c->addr6_if, st.tap.name) == 0 ?
		    st.tap.name : cf->bridge;
	st.pfh = pidfile_lock(cf->pidpath, &other);
	close(c->pid_fd);
	if (st.pfh == NULL)
		st.pfh = pidfile_lock(cf->pidpath, &other);
	if (st.pfh == NULL || pidfile_put(st.pfh) == -1)
		log_warn("%s: pidfile after the reload", cf->pidpath);
}

/* A fresh start: everything vknetd.c's parent keeps, made. */
static void
set_up(struct config *cf, const struct group *gr, const struct group *ctl_gr)
{
	char adopt_if[IFNAMSIZ], adopt6_if[IFNAMSIZ];
	pid_t other;
	int i;

	if ((st.pfh = pidfile_lock(cf->pidpath, &other)) == NULL) {
		if (errno == EEXIST)
			fatalx("%s: vknetd already running as pid %d",
			    cf->pidpath, (int)other);
		exit(1);
	}
	state_adopt(cf, adopt_if, adopt6_if);
	if ((st.listen_fd = listener_open(cf->sockpath, SOCK_SEQPACKET,
	    gr->gr_gid, 0660)) == -1)
		startup_failed("cannot listen on %s", cf->sockpath);
	if (cf->streampath != NULL && (st.stream_fd = listener_open(
	    cf->streampath, SOCK_STREAM, gr->gr_gid, 0660)) == -1)
		startup_failed("cannot listen on %s", cf->streampath);
	for (i = 0; i < cf->nvsock; i++) {
		if ((st.vlan_fd[i] = listener_open(cf->vsock[i].path,
		    SOCK_SEQPACKET, gr->gr_gid, 0660)) == -1)
			startup_failed("cannot listen on %s",
			    cf->vsock[i].path);
		st.vlan_path[i] = cf->vsock[i].path;
		st.nvlan++;
	}
	/* Watching every frame is root's, or the group's that -g names. */
	if ((st.ctl_fd = listener_open(cf->ctlpath, SOCK_SEQPACKET,
	    ctl_gr != NULL ? ctl_gr->gr_gid : 0,
	    ctl_gr != NULL ? 0660 : 0600)) == -1)
		startup_failed("cannot listen on %s", cf->ctlpath);
	setup_tap(cf);
	if (st.addr_if == NULL && adopt_if[0] != '\0') {
		st.addr_if = cf->bridge != NULL ? cf->bridge : st.tap.name;
		log_info("address %s on %s, left by a vknetd that died: "
		    "ours now", cf->address, st.addr_if);
	}
	if (st.addr6_if == NULL && adopt6_if[0] != '\0') {
		st.addr6_if = cf->bridge != NULL ? cf->bridge : st.tap.name;
		log_info("address %s on %s, left by a vknetd that died: "
		    "ours now", cf->address6, st.addr6_if);
	}
	state_write();
	if (cf->debug && pidfile_put(st.pfh) == -1)
		log_warn("%s", cf->pidpath);
	if (!cf->debug)
		detach();
	/* The TAP is the first port, id 0. */
	privsep_hold(0, PORT_TAP, 0, st.tap.fd, (time_t)(clock_ms() / 1000));
	log_info("switching on %s%s%s, socket %s%s%s, %s mode%s%s%s%s",
	    st.tap.name, cf->bridge != NULL ? " in bridge " : "",
	    cf->bridge != NULL ? cf->bridge : "", cf->sockpath,
	    cf->streampath != NULL ? ", stream socket " : "",
	    cf->streampath != NULL ? cf->streampath : "",
	    cf->secure ? "secure" : "unsecure",
	    cf->address != NULL ? " " : "",
	    cf->address != NULL ? cf->address : "",
	    cf->address6 != NULL ? " " : "",
	    cf->address6 != NULL ? cf->address6 : "");
}

int
main(int argc, char *argv[])
{
	struct config cf;
	struct carried c;
	struct group *gr, *ctl_gr = NULL;
	int keep[5 + VSOCK_MAX], nkeep = 0, status, i;

	log_init("vknetd", 1);
	options_parse(argc, argv, &cf);
	if (cf.client != 0)
		return (watch_command(&cf));
	privsep_signals();

	if ((gr = getgrnam(VKNET_GROUP)) == NULL)
		fatalx("group \"%s\" does not exist (groupadd --system %s)",
		    VKNET_GROUP, VKNET_GROUP);
	if (cf.ctlgroup != NULL && (ctl_gr = getgrnam(cf.ctlgroup)) == NULL)
		fatalx("-g %s: no such group", cf.ctlgroup);
	sandbox_prepare();
	st.maxports = raise_fd_limit();
	privsep_init(argv, st.maxports);
	st.sockpath = cf.sockpath;
	st.streampath = cf.streampath;
	st.ctlpath = cf.ctlpath;
	st.net = &cf.net;
	st.cf = &cf;
	if ((size_t)snprintf(st.statepath, sizeof(st.statepath), "%s.state",
	    cf.pidpath) >= sizeof(st.statepath))
		fatalx("%s: pidfile path too long", cf.pidpath);

	if (privsep_inherit(&c, sizeof(c))) {
		if (!cf.debug)
			log_init("vknetd", 0);
		take_over(&cf, &c);
		st.announced = 1;
		log_info("reloaded: switching on %s again", st.tap.name);
	} else
		set_up(&cf, gr, ctl_gr);

	memset(&c, 0, sizeof(c));
	c.listen_fd = keep[nkeep++] = st.listen_fd;
	c.ctl_fd = keep[nkeep++] = st.ctl_fd;
	c.tap = st.tap;
	keep[nkeep++] = st.tap.fd;
	if ((c.stream_fd = st.stream_fd) != -1)
		keep[nkeep++] = st.stream_fd;
	for (i = 0; i < st.nvlan; i++)
		c.vlan_fd[i] = keep[nkeep++] = st.vlan_fd[i];
	if ((c.pid_fd = st.pfh != NULL ? pidfile_fd(st.pfh) : -1) != -1)
		keep[nkeep++] = c.pid_fd;
	c.bridge_created = st.bridge_created;
	if (st.addr_if != NULL)
		snprintf(c.addr_if, sizeof(c.addr_if), "%s", st.addr_if);
	if (st.addr6_if != NULL)
		snprintf(c.addr6_if, sizeof(c.addr6_if), "%s", st.addr6_if);
	status = privsep_run(worker, worker_started, &cf, &c, sizeof(c), keep,
	    nkeep);
	teardown();
	return (status);
}
