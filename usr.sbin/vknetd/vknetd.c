/*
 * vknetd: a virtual Ethernet switch for virtual machines.
 *
 * main() parses the command line, checks everything it can before it
 * creates anything (so a bad invocation leaves no trace), then sets up
 * in this order: pidfile lock, listening sockets, TAP (and bridge and
 * address), detach.  A caller may connect as soon as we return.  After
 * that one poll loop (waiting through epoll, see pollset.c) does all
 * the work: new clients on the listeners (the SOCK_SEQPACKET socket
 * and, with -q, QEMU's stream socket, and with -V one per VLAN), frames
 * on the ports (see switch.c and port.c), MAC aging once a second, and
 * the sessions of the control socket beside the data socket: monitors,
 * stats requests and the administrator's commands (monitor.c).  Signal
 * handlers only set a flag; the loop sees it when its wait returns.
 * The loop ends on SIGTERM or SIGINT, exit status 0, or when the TAP
 * has gone (switch.c), status 1 after the same teardown: the switch is
 * useless to the host without it, and a service manager that restarts
 * failed services makes a new one.  Either way the last line logged
 * says why.
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
#include "pidfile.h"
#include "pollset.h"
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
} st = { .listen_fd = -1, .stream_fd = -1, .ctl_fd = -1,
    .tap = { .fd = -1 } };

static volatile sig_atomic_t quit;	/* the signal that said so */
static volatile sig_atomic_t stats_wanted;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_wanted = 1;
	else
		quit = sig;
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
 * Go to the background.  The parent returns only once the child has
 * written the pidfile, so whoever started us finds it, and the socket,
 * ready.
 */
static void
detach(void)
{
	int ready[2], devnull;
	char c;
	pid_t pid;

	if (pipe(ready) == -1)
		startup_failed("pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		startup_failed("fork: %s", strerror(errno));
	if (pid != 0) {
		close(ready[1]);
		_exit(read(ready[0], &c, 1) == 1 ? 0 : 1);
	}
	close(ready[0]);
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
	/* If the parent has gone, nobody is left to tell: carry on. */
	if (write(ready[1], "", 1) == -1)
		log_warn("telling the parent we are ready");
	close(ready[1]);
}

/* New clients on a listener; of a -V socket, v says which VLANs. */
static void
accept_clients(struct vswitch *sw, int lfd, enum port_kind kind,
    const struct vsock *v)
{
	/* A member of the group can connect at will: a line per 10 s. */
	static struct log_limit full = LOG_LIMIT(10), refused = LOG_LIMIT(10);
	int fd, n, id;

	for (n = 0; n < 64 && (fd = listener_accept(lfd)) != -1; n++) {
		if ((id = switch_add_port(sw, kind, fd)) != -1 && v != NULL)
			switch_port_vlan(sw, id, v->vid, v->trunk ? &v->vids :
			    NULL);
		if (id == -1) {
			if (errno == ENFILE)
				log_limited(&full, sw->now, "port table full "
				    "(%d): connection refused", sw->maxports);
			else
				log_limited(&refused, sw->now, "connection "
				    "refused: %s", strerror(errno));
			close(fd);
		}
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
			    NULL);
		if (pfd[PFD_STREAM].revents & POLLIN)
			accept_clients(sw, pfd[PFD_STREAM].fd, PORT_STREAM,
			    NULL);
		for (i = 0; i < cf->nvsock; i++)
			if (pfd[PFD_VLAN + i].revents & POLLIN)
				accept_clients(sw, pfd[PFD_VLAN + i].fd,
				    PORT_SEQPACKET, &cf->vsock[i]);
		if (pfd[PFD_CONTROL].revents & POLLIN)
			monitor_accept(sw->mon, pfd[PFD_CONTROL].fd);
	}
}

int
main(int argc, char *argv[])
{
	struct config cf;
	struct vswitch sw;
	struct ctl_switch ident;
	struct pollfd *pfd;
	struct group *gr, *ctl_gr = NULL;
	static const int caught[] = { SIGTERM, SIGINT, SIGUSR1, 0 };
	sigset_t waitmask;
	uint8_t mac[MAC_LEN];
	const char *own;
	pid_t other;
	int maxports, gone, i;

	log_init("vknetd", 1);
	options_parse(argc, argv, &cf);
	if (cf.client != 0)
		return (watch_command(&cf));
	/*
	 * Termination signals stay blocked except during the wait: one that
	 * arrives during start-up waits for the loop, which then cleans up.
	 */
	signals_catch(on_signal, &waitmask, caught);

	if ((gr = getgrnam(VKNET_GROUP)) == NULL)
		fatalx("group \"%s\" does not exist (groupadd --system %s)",
		    VKNET_GROUP, VKNET_GROUP);
	if (cf.ctlgroup != NULL && (ctl_gr = getgrnam(cf.ctlgroup)) == NULL)
		fatalx("-g %s: no such group", cf.ctlgroup);
	maxports = raise_fd_limit();

	if ((st.pfh = pidfile_lock(cf.pidpath, &other)) == NULL) {
		if (errno == EEXIST)
			fatalx("%s: vknetd already running as pid %d",
			    cf.pidpath, (int)other);
		exit(1);
	}
	st.sockpath = cf.sockpath;
	st.net = &cf.net;
	if ((st.listen_fd = listener_open(cf.sockpath, SOCK_SEQPACKET,
	    gr->gr_gid, 0660)) == -1)
		startup_failed("cannot listen on %s", cf.sockpath);
	st.streampath = cf.streampath;
	if (cf.streampath != NULL && (st.stream_fd = listener_open(
	    cf.streampath, SOCK_STREAM, gr->gr_gid, 0660)) == -1)
		startup_failed("cannot listen on %s", cf.streampath);
	for (i = 0; i < cf.nvsock; i++) {
		if ((st.vlan_fd[i] = listener_open(cf.vsock[i].path,
		    SOCK_SEQPACKET, gr->gr_gid, 0660)) == -1)
			startup_failed("cannot listen on %s", cf.vsock[i].path);
		st.vlan_path[i] = cf.vsock[i].path;
		st.nvlan++;
	}
	/* Watching every frame is root's, or the group's that -g names. */
	st.ctlpath = cf.ctlpath;
	if ((st.ctl_fd = listener_open(cf.ctlpath, SOCK_SEQPACKET,
	    ctl_gr != NULL ? ctl_gr->gr_gid : 0,
	    ctl_gr != NULL ? 0660 : 0600)) == -1)
		startup_failed("cannot listen on %s", cf.ctlpath);
	setup_tap(&cf);
	if (cf.debug && pidfile_put(st.pfh) == -1)
		log_warn("%s", cf.pidpath);
	printf("%s\n", st.tap.name);
	fflush(stdout);
	if (!cf.debug)
		detach();

	stats_identify(&ident, &cf, st.tap.name);
	if ((pfd = calloc((size_t)(PFD_PORTS + maxports), sizeof(*pfd))) ==
	    NULL || switch_init(&sw, pfd + PFD_PORTS, maxports, cf.max_age,
	    cf.stall_ms, cf.mac_limit, cf.secure ? &cf.net : NULL) == -1 ||
	    monitor_new(&sw, pfd + PFD_MONITOR, &ident) == NULL)
		startup_failed("out of memory");
	if (pollset_init(pfd, PFD_PORTS + maxports) == -1)
		startup_failed("epoll: %s", strerror(errno));
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
	switch_tick(&sw, clock_ms());
	sw.started = sw.now;
	sw.storm = cf.storm;
	sw.storm_tap = cf.bridge != NULL;
	if (switch_add_port(&sw, PORT_TAP, st.tap.fd) == -1)
		startup_failed("no port for the TAP");
	if (cf.tap_trunk)
		switch_port_vlan(&sw, sw.tap, VLAN_NATIVE, &cf.tap_vids);
	for (i = 0; i < 2; i++) {
		if ((own = i == 0 ? st.tap.name : cf.bridge) == NULL)
			continue;
		if (netif_mac(own, mac) == -1)
			startup_failed("MAC address of %s: %s", own,
			    strerror(errno));
		switch_host_mac(&sw, mac);
		host_addr6(&cf.net, mac);
	}
	log_info("switching on %s%s%s, socket %s%s%s, %s mode%s%s%s%s",
	    st.tap.name, cf.bridge != NULL ? " in bridge " : "",
	    cf.bridge != NULL ? cf.bridge : "", cf.sockpath,
	    cf.streampath != NULL ? ", stream socket " : "",
	    cf.streampath != NULL ? cf.streampath : "",
	    cf.secure ? "secure" : "unsecure",
	    cf.address != NULL ? " " : "",
	    cf.address != NULL ? cf.address : "",
	    cf.address6 != NULL ? " " : "",
	    cf.address6 != NULL ? cf.address6 : "");

	run(&sw, pfd, &waitmask, &cf);

	gone = sw.tap_gone;
	monitor_free(sw.mon);
	switch_free(&sw);
	pollset_close();
	free(pfd);
	teardown();
	if (gone)
		log_warnx("TAP %s has gone: exiting", st.tap.name);
	else
		log_info("exiting on SIG%s", sigabbrev_np(quit));
	return (gone ? 1 : 0);
}
