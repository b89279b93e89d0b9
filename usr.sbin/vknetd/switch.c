/*
 * The switch: ports and the forwarding of frames between them.
 *
 * Port i is watched by pfd[i]; the ids of ports in use are also kept
 * densely in `active' so a flood touches only live ports.  Ids are
 * handed out lowest first, so the poll set stays as short as the
 * highest port in use.
 *
 * How frames are read from and written to a port depends on its kind
 * (a TAP, a SOCK_SEQPACKET client, a QEMU stream) and is port.c's
 * business: the switch is handed whole frames in pool buffers, a
 * bounded number per turn, and puts each in the output queue of every
 * port it is for.  After each batch, the ports that got frames send
 * what they can; the rest waits for POLLOUT.  Nothing is allocated per
 * frame.
 *
 * A busy port is not a stalled one, and only a stalled one loses
 * frames:
 *
 *  - Backpressure.  A port whose queue passes PORT_QHIGH holds back
 *    the ports that fill it: they are not read (POLLIN off) until it
 *    is down to PORT_QLOW, so their senders wait in their own socket
 *    buffers, or, for the TAP, in the kernel's queue behind it.  A port
 *    held back is on its holder's list of waiters (`waiters',
 *    `next_waiter'), or on the pool's when buffers ran short.
 *
 *  - Stalls.  A port that has had frames queued and taken none of them
 *    for stall_ms (-W) is declared stalled: its queue is dropped and
 *    counted, it lets go of everyone it held back, and frames for it
 *    are dropped, counted, until its socket has room again (POLLOUT),
 *    which means it has read.  So no port waits on another for longer
 *    than stall_ms.
 *
 * On its way a frame's fate (egress port or flood, drops and their
 * reasons) is noted in a struct fate; once it is settled, receive()
 * shows it to the monitors, if any are attached (monitor.c).  Queued
 * counts as taken: a frame queued and then lost to a stall is counted
 * on the stalled port, not in the fate.
 *
 * Ports are logged as they come and go, with who is behind them and,
 * as they go, what they carried.  What a peer can make happen again
 * and again (stalls, MAC-limit hits, MACs moving between ports,
 * storms) is logged at most once per LOG_EVERY seconds per kind of
 * event, with a count of the rest; on the path every frame takes,
 * nothing is formatted unless a line is due.  A TAP that fails (the interface
 * was deleted) is not worked around: the switch says so in tap_gone,
 * for main() to exit on, so that a service manager starts it afresh.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ether.h"
#include "log.h"
#include "loopguard.h"
#include "machash.h"
#include "monitor.h"
#include "pollset.h"
#include "pool.h"
#include "port.h"
#include "siphash.h"
#include "storm.h"
#include "switch.h"
#include "vlan.h"

#define POOL_FRAMES	8192	/* 68 MiB of address space, used as needed */
#define POOL_WAIT	(-1)	/* port.waiting: for buffers, not a port */
/*
 * A peer writes a frame's bytes right behind its length; a stream that
 * stays cut in the middle of a frame for this long has a peer that
 * stopped there, and would hold its port forever.
 */
#define STREAM_CUT_MS	5000
#define LOG_EVERY	10	/* seconds between lines of one kind */
#define WHO_LEN		80	/* who(): "port 12 (client, pid ..., ...)" */

/* Where port_recv() is to deliver a port's frames. */
struct ingress {
	struct vswitch	*sw;
	int		 id;
};

static struct log_limit stall_log = LOG_LIMIT(LOG_EVERY);
static struct log_limit limit_log = LOG_LIMIT(LOG_EVERY);
static struct log_limit move_log = LOG_LIMIT(LOG_EVERY);
static struct log_limit storm_log = LOG_LIMIT(LOG_EVERY);

static const char *drop_names[DROP_NREASONS] = {
	[DROP_SIZE] = "bad size",
	[DROP_SOURCE] = "group source",
	[DROP_HOSTMAC] = "host's MAC",
	[DROP_MACLIMIT] = "MAC limit",
	[DROP_FILTERED] = "filtered",
	[DROP_STALLED] = "stalled peer",
	[DROP_QFULL] = "queue full",
	[DROP_ERROR] = "write error",
	[DROP_STORM] = "storm",
	[DROP_LOOP] = "loop guard",
	[DROP_VLAN] = "VLAN",
};

const char *
drop_reason_name(enum drop_reason r)
{
	return ((unsigned int)r < DROP_NREASONS ? drop_names[r] : "unknown");
}

void
port_stats_add(struct port_stats *sum, const struct port_stats *st)
{
	int r;

	sum->rx_frames += st->rx_frames;
	sum->rx_bytes += st->rx_bytes;
	sum->tx_frames += st->tx_frames;
	sum->tx_bytes += st->tx_bytes;
	for (r = 0; r < DROP_NREASONS; r++)
		sum->drops[r] += st->drops[r];
	sum->stalls += st->stalls;
	sum->blocks += st->blocks;
}

/* Port id as the logs name it: its number and who is behind it. */
static const char *
who(const struct vswitch *sw, int id, char buf[WHO_LEN])
{
	const struct port *p = &sw->ports[id];

	snprintf(buf, WHO_LEN, "port %d (%s, pid %d, uid %u, %s)", id,
	    port_kind_name(p->kind), (int)p->pid, (unsigned int)p->uid,
	    p->name);
	return (buf);
}

/* Stop reading port id until `*list' lets it go. */
static void
hold(struct vswitch *sw, int id, int *list, int holder)
{
	struct port *p = &sw->ports[id];

	p->waiting = holder;
	p->next_waiter = *list;
	*list = id + 1;
	sw->pfd[id].events &= ~POLLIN;
}

/* Read again every port on the list; streams with frames buffered now. */
static void
let_go(struct vswitch *sw, int *list)
{
	struct port *p;
	int id;

	while (*list != 0) {
		id = *list - 1;
		p = &sw->ports[id];
		*list = p->next_waiter;
		p->next_waiter = 0;
		p->waiting = 0;
		if (p->partial_ms != 0)		/* it was not read meanwhile */
			p->partial_ms = sw->now_ms;
		sw->pfd[id].events |= POLLIN;
		if (port_pending(p) && sw->nkick < sw->maxports)
			sw->kick[sw->nkick++] = id;
	}
}

/* Take a port that is going away off the list it waits on. */
static void
unhold(struct vswitch *sw, int id)
{
	struct port *p = &sw->ports[id];
	int *link;

	link = p->waiting == POOL_WAIT ? &sw->pool_waiters :
	    &sw->ports[p->waiting - 1].waiters;
	while (*link != id + 1)
		link = &sw->ports[*link - 1].next_waiter;
	*link = p->next_waiter;
	p->next_waiter = 0;
	p->waiting = 0;
}

/* Wait for room on port id, or stop waiting; counted as a backlog. */
static void
want_out(struct vswitch *sw, int id, int on)
{
	struct pollfd *pfd = &sw->pfd[id];

	if (on && !(pfd->events & POLLOUT)) {
		pfd->events |= POLLOUT;
		sw->nbacklog++;
	} else if (!on && pfd->events & POLLOUT) {
		pfd->events &= ~POLLOUT;
		sw->nbacklog--;
	}
}

int
switch_init(struct vswitch *sw, struct pollfd *pfd, int maxports,
    time_t max_age, int stall_ms, uint32_t mac_limit,
    const struct secure_net *secure)
{
	memset(sw, 0, sizeof(*sw));
	sw->pid = getpid();
	sw->pfd = pfd;
	sw->maxports = maxports;
	sw->tap = -1;
	sw->stall_ms = stall_ms;
	sw->mac_limit = mac_limit;
	sw->secure = secure;
	sw->ports = calloc((size_t)maxports, sizeof(*sw->ports));
	sw->active = calloc((size_t)maxports, sizeof(*sw->active));
	sw->dirty = calloc((size_t)maxports, sizeof(*sw->dirty));
	sw->kick = calloc((size_t)maxports, sizeof(*sw->kick));
	sw->mac = machash_new(SWITCH_MACS, max_age, maxports);
	sw->owners = machash_new(SWITCH_MACS, max_age, maxports);
	if (sw->ports == NULL || sw->active == NULL || sw->dirty == NULL ||
	    sw->kick == NULL || sw->mac == NULL || sw->owners == NULL ||
	    pool_init(POOL_FRAMES) == -1 || port_init(maxports) == -1 ||
	    getrandom(sw->owner_seed, sizeof(sw->owner_seed), 0) !=
	    sizeof(sw->owner_seed)) {
		switch_free(sw);
		return (-1);
	}
	loop_init(sw);
	/*
	 * Slots are not initialised here: ids are handed out lowest first,
	 * so only slots below `high' are ever polled or read, and each is
	 * set when its port opens and reset when it closes.  Untouched,
	 * the big arrays cost no memory.
	 */
	return (0);
}

void
switch_free(struct vswitch *sw)
{
	int id;

	for (id = 0; sw->ports != NULL && id < sw->maxports; id++)
		if (sw->ports[id].kind != PORT_FREE)
			switch_close_port(sw, id);
	machash_free(sw->mac);
	machash_free(sw->owners);
	pool_free();
	port_fini();
	free(sw->ports);
	free(sw->active);
	free(sw->dirty);
	free(sw->kick);
	sw->ports = NULL;
	sw->active = NULL;
	sw->dirty = sw->kick = NULL;
	sw->mac = sw->owners = NULL;
}

int
switch_add_port(struct vswitch *sw, enum port_kind kind, int fd)
{
	int id;

	for (id = 0; id < sw->maxports; id++)
		if (sw->ports[id].kind == PORT_FREE)
			break;
	if (id == sw->maxports) {
		sw->refused++;
		errno = ENFILE;
		return (-1);
	}
	return (switch_add_port_at(sw, id, kind, fd));
}

/*
 * The port keeps the id it had: a worker that takes over the ports of
 * the one before it (privsep.c) shows and monitors them as they were.
 */
int
switch_add_port_at(struct vswitch *sw, int id, enum port_kind kind, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct port *p;
	char buf[WHO_LEN];

	if (id < 0 || id >= sw->maxports || sw->ports[id].kind != PORT_FREE) {
		errno = EBADSLT;
		return (-1);
	}
	p = &sw->ports[id];
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->vid = VLAN_NATIVE;
	if (port_open(p, id, kind) == -1)
		return (-1);
	p->cut = sw->cut != NULL ? &sw->cut[id] : NULL;
	p->since = sw->now;
	p->pid = sw->pid;
	if (kind != PORT_TAP && getsockopt(fd, SOL_SOCKET, SO_PEERCRED,
	    &cred, &len) == 0) {
		p->pid = cred.pid;
		p->uid = cred.uid;
	}
	if (kind == PORT_TAP)
		strcpy(p->name, "vknetd");
	else
		peer_name(p->pid, p->name);
	storm_start(&p->storm, &sw->storm, sw->now_ms);
	p->slot = sw->nactive;
	sw->active[sw->nactive++] = id;
	if (kind == PORT_TAP)
		sw->tap = id;
	/* Slots up to the new high were never set: ids came out of order. */
	for (; sw->high <= id; sw->high++)
		sw->pfd[sw->high].fd = -1;
	sw->pfd[id].fd = fd;
	sw->pfd[id].events = POLLIN;
	sw->pfd[id].revents = 0;
	log_info("%s connected", who(sw, id, buf));
	return (id);
}

/* Make port id an access port of VLAN vid, or a trunk of `trunk'. */
void
switch_port_vlan(struct vswitch *sw, int id, uint16_t vid,
    const struct vlan_set *trunk)
{
	sw->ports[id].vid = trunk != NULL ? VLAN_NATIVE : vid;
	sw->ports[id].trunk = trunk;
}

void
switch_close_port(struct vswitch *sw, int id)
{
	struct port *p = &sw->ports[id];
	unsigned long long dropped = 0;
	char buf[WHO_LEN];
	int last, r;

	for (r = 0; r < DROP_NREASONS; r++)
		dropped += p->st.drops[r];
	log_info("%s disconnected after %lld s: %llu frames in, %llu out, "
	    "%llu dropped", who(sw, id, buf), (long long)(sw->now - p->since),
	    (unsigned long long)p->st.rx_frames,
	    (unsigned long long)p->st.tx_frames, dropped);
	if (p->waiting != 0)
		unhold(sw, id);
	let_go(sw, &p->waiters);
	if (sw->pfd[id].events & POLLOUT)
		sw->nbacklog--;
	machash_forget_port(sw->mac, id);
	machash_forget_port(sw->owners, id);
	port_stats_add(&sw->closed, &p->st);
	pollset_forget(&sw->pfd[id]);
	port_close(p);
	last = sw->active[--sw->nactive];
	sw->active[p->slot] = last;
	sw->ports[last].slot = p->slot;
	if (id == sw->tap)
		sw->tap = -1;
	else if (sw->port_closed != NULL)
		sw->port_closed(id);
	p->kind = PORT_FREE;
	p->fd = -1;
	sw->pfd[id].fd = -1;
	sw->pfd[id].revents = 0;
	while (sw->high > 0 && sw->ports[sw->high - 1].kind == PORT_FREE)
		sw->high--;
}

static int
host_mac(const struct vswitch *sw, const uint8_t *mac)
{
	int i;

	for (i = 0; i < sw->nhost_mac; i++)
		if (memcmp(mac, sw->host_mac[i], MAC_LEN) == 0)
			return (1);
	return (0);
}

/* Count a drop against port p and note it in the frame's fate. */
static void
drop(struct port *p, struct fate *f, enum drop_reason why)
{
	p->st.drops[why]++;
	f->drops |= 1U << why;
}

/* Forget the MACs learned on port id, or on every port (-1): how many. */
uint32_t
switch_forget_macs(struct vswitch *sw, int id)
{
	uint32_t had = machash_count(sw->mac);
	int i;

	for (i = 0; i < sw->high; i++)
		if ((id == -1 || id == i) && sw->ports[i].kind != PORT_FREE)
			machash_forget_port(sw->mac, i);
	return (had - machash_count(sw->mac));
}

/*
 * Send what port id can take of its queue now, and account for it: a
 * port with frames left waits for POLLOUT, and lets its waiters go
 * once its queue is low.  Returns -1 if the port is broken.
 */

static int
flush(struct vswitch *sw, int id)
{
	struct port *p = &sw->ports[id];
	uint32_t had = p->qlen;

	if (port_flush(p) == -1)
		return (-1);
	if (p->qlen < had || !(sw->pfd[id].events & POLLOUT))
		p->progress_ms = sw->now_ms;
	want_out(sw, id, p->qlen > 0 || p->stalled);
	if (p->qlen <= PORT_QLOW)
		let_go(sw, &p->waiters);
	if (sw->pool_waiters != 0 && pool_avail() >= pool_size() / 4)
		let_go(sw, &sw->pool_waiters);
	return (0);
}

/* Every port that got frames in this batch sends what it can. */
void
switch_flush(struct vswitch *sw)
{
	int i, id;

	for (i = 0; i < sw->ndirty; i++) {
		id = sw->dirty[i];
		if (sw->ports[id].kind == PORT_FREE)
			continue;
		sw->ports[id].dirty = 0;
		if (flush(sw, id) == -1)
			switch_close_port(sw, id);
	}
	sw->ndirty = 0;
}

/*
 * Queue one frame for port `out'.  Secure mode is applied here, on
 * the way to the host, and only there: clients see each other's
 * frames unfiltered.  A filtered frame is counted against the port it
 * came in on, a lost one against the port it was for.  A queue past
 * its high-water mark holds back the port the frame came from.
 */
static void
output(struct vswitch *sw, struct fate *f, int out, struct frame *fr)
{
	struct port *op = &sw->ports[out], *ip = &sw->ports[f->in];

	if (op->kind == PORT_TAP && sw->secure != NULL &&
	    (f->verdict = filter_check(sw->secure, fr->data, fr->len)) !=
	    FILTER_PASS) {
		f->ndrop++;
		drop(ip, f, DROP_FILTERED);
		return;
	}
	if (op->flags & PORT_BLOCKED) {
		f->ndrop++;
		drop(op, f, DROP_LOOP);
		return;
	}
	if (op->stalled) {
		f->ndrop++;
		drop(op, f, DROP_STALLED);
		return;
	}
	/* Full with what others sent: try to make room before losing it. */
	if (op->qlen == PORT_QLEN)
		(void)flush(sw, out);
	if (port_enqueue(op, fr) == -1) {
		f->ndrop++;
		drop(op, f, DROP_QFULL);
		return;
	}
	f->nout++;
	if (!op->dirty) {
		op->dirty = 1;
		sw->dirty[sw->ndirty++] = out;
	}
	if ((op->qlen >= PORT_QHIGH || op->qbytes >= PORT_QHIGH_BYTES) &&
	    ip->waiting == 0)
		hold(sw, f->in, &op->waiters, out + 1);
}

/*
 * The host's addresses are the host's: a frame for one goes to the
 * TAP whatever the MAC table says, and no client may send from one.
 */
void
switch_host_mac(struct vswitch *sw, const uint8_t *mac)
{
	if (sw->nhost_mac < 2 && !host_mac(sw, mac))
		memcpy(sw->host_mac[sw->nhost_mac++], mac, MAC_LEN);
}

/* Is the claimed address one of the host's? */
static int
host_addr(const struct secure_net *net, const struct claim *cl)
{
	uint32_t a;
	int i;

	if (filter_claim_v4(cl, &a))
		return (net->has4 && a == net->v4.addr);
	for (i = 0; i < net->nhost6; i++)
		if (memcmp(cl->addr, net->host6[i], 16) == 0)
			return (1);
	return (0);
}

/*
 * The owners table's key for an address: an IPv4 address as itself
 * (first byte 0), an IPv6 address as 47 bits of its SipHash under a
 * key drawn at start-up (first bit 1).  Two IPv6 addresses share a key
 * with odds of 2^-47, and nobody without the key can make them.
 */
static void
owner_key(const struct vswitch *sw, const struct claim *cl,
    uint8_t key[MAC_LEN])
{
	uint32_t a;
	uint64_t h;
	int i;

	if (filter_claim_v4(cl, &a)) {
		key[0] = key[1] = 0;
		for (i = 0; i < 4; i++)
			key[2 + i] = (uint8_t)(a >> (24 - 8 * i));
		return;
	}
	h = siphash(sw->owner_seed, cl->addr, sizeof(cl->addr));
	for (i = 0; i < MAC_LEN; i++)
		key[i] = (uint8_t)(h >> (8 * i));
	key[0] |= 0x80;
}

/*
 * Secure mode: a client owns the addresses it speaks for first (ARP
 * sender, IPv4 or IPv6 source, a neighbour advertisement's target), as
 * the MAC table owns MACs, up to -M of them and until they age out or
 * the port closes.  A frame from any other port that speaks for an
 * owned address, or for the host's, is dropped, wherever it goes: no
 * guest can poison the host's neighbour entry for another guest, nor
 * pose as it (or as the host) to anyone.
 */
static enum filter_verdict
check_claim(struct vswitch *sw, int in, const uint8_t *frame, size_t len)
{
	struct claim cl[FILTER_MAXCLAIMS];
	uint8_t key[MAC_LEN];
	int n, i, owner;

	n = filter_claims(frame, len, cl);
	for (i = 0; i < n; i++) {
		if (host_addr(sw->secure, &cl[i]))
			return (FILTER_ADDR_OWNED);
		owner_key(sw, &cl[i], key);
		owner = machash_lookup(sw->owners, 0, key, sw->now);
		if ((owner != MACHASH_NONE && owner != in) ||
		    machash_learn(sw->owners, 0, key, in, sw->now,
		    sw->mac_limit) == MACHASH_LIMIT)
			return (FILTER_ADDR_OWNED);
	}
	return (FILTER_PASS);
}

/*
 * Storm control: may port id flood one more frame?  The host's own
 * broadcasts are trusted; with -b the TAP carries a LAN, which is
 * limited like a guest.  The excess is logged at most every 10 s.
 */
static int
may_flood(struct vswitch *sw, int id)
{
	struct port *p = &sw->ports[id];
	char buf[WHO_LEN];

	if ((p->kind == PORT_TAP && !sw->storm_tap) ||
	    storm_take(&p->storm, &sw->storm, sw->now_ms))
		return (1);
	if (log_limit_due(&storm_log, sw->now))
		log_limited(&storm_log, sw->now, "%s floods more than %u "
		    "frames a second: storm, dropping the excess",
		    who(sw, id, buf), sw->storm.rate);
	return (0);
}

/* The life of a frame, from the port it came in on to its way out. */
static void
forward(struct vswitch *sw, struct fate *f, struct frame *fr)
{
	struct port *ip = &sw->ports[f->in];
	const uint8_t *frame = fr->data;
	char buf[WHO_LEN], mac[MAC_STRLEN];
	int i;

	ip->st.rx_frames++;
	ip->st.rx_bytes += f->len;
	/* From here on the frame is untagged, its VLAN in fr->vid. */
	fr->vid = ip->vid;
	if (ip->trunk != NULL &&
	    vlan_untag(ip->trunk, fr->data, &fr->len, &fr->vid) == -1) {
		drop(ip, f, DROP_VLAN);
		return;
	}
	f->vid = fr->vid;
	if (!frame_size_ok(fr->len)) {
		drop(ip, f, DROP_SIZE);
		return;
	}
	if (probe_is(frame, fr->len)) {
		loop_probe_in(sw, f, fr);
		return;
	}
	if (ip->flags & PORT_BLOCKED) {
		drop(ip, f, DROP_LOOP);
		return;
	}
	if (mac_is_group(frame + MAC_LEN)) {
		drop(ip, f, DROP_SOURCE);
		return;
	}
	if (host_mac(sw, frame + MAC_LEN) && ip->kind != PORT_TAP) {
		drop(ip, f, DROP_HOSTMAC);
		return;
	}
	if (sw->secure != NULL && ip->kind != PORT_TAP &&
	    ((f->verdict = filter_guest(sw->secure, frame, fr->len)) !=
	    FILTER_PASS ||
	    (f->verdict = check_claim(sw, f->in, frame, fr->len)) !=
	    FILTER_PASS)) {
		drop(ip, f, DROP_FILTERED);
		return;
	}
	/* The TAP carries the host's side, with -b a whole LAN: no limit. */
	switch (machash_learn(sw->mac, fr->vid, frame + MAC_LEN, f->in,
	    sw->now, ip->kind == PORT_TAP ? 0 : sw->mac_limit)) {
	case MACHASH_LIMIT:
		if (log_limit_due(&limit_log, sw->now))
			log_limited(&limit_log, sw->now, "%s: MAC limit of %u "
			    "reached: frames from %s dropped",
			    who(sw, f->in, buf), sw->mac_limit,
			    mac_fmt(mac, frame + MAC_LEN));
		drop(ip, f, DROP_MACLIMIT);
		return;
	case MACHASH_MOVED:
		if (log_limit_due(&move_log, sw->now))
			log_limited(&move_log, sw->now, "MAC %s moved to %s",
			    mac_fmt(mac, frame + MAC_LEN), who(sw, f->in, buf));
		break;
	default:
		break;
	}
	if (host_mac(sw, frame) && sw->tap != -1 && f->in != sw->tap &&
	    port_in_vlan(&sw->ports[sw->tap], fr->vid)) {
		f->out = sw->tap;
		output(sw, f, f->out, fr);
		return;
	}
	if (!mac_is_group(frame) &&
	    (f->out = machash_lookup(sw->mac, fr->vid, frame, sw->now)) !=
	    MACHASH_NONE) {
		/* A destination behind the ingress port needs no copy. */
		if (f->out != f->in)
			output(sw, f, f->out, fr);
		return;
	}
	if (!may_flood(sw, f->in)) {
		drop(ip, f, DROP_STORM);
		return;
	}
	f->out = FATE_ALL;
	for (i = 0; i < sw->nactive; i++)
		if (sw->active[i] != f->in &&
		    port_in_vlan(&sw->ports[sw->active[i]], fr->vid))
			output(sw, f, sw->active[i], fr);
}

/*
 * A frame of the switch's own (a loop probe) for port out, queued
 * unfiltered: 1 if it was, 0 if the port cannot take it now.
 */
int
switch_emit(struct vswitch *sw, int out, struct frame *fr)
{
	struct port *op = &sw->ports[out];

	if (op->stalled || port_enqueue(op, fr) == -1)
		return (0);
	if (!op->dirty) {
		op->dirty = 1;
		sw->dirty[sw->ndirty++] = out;
	}
	return (1);
}

/*
 * Every frame passes here once, handed over by port_recv().  Without a
 * monitor attached, showing it costs one branch; a giant is shown cut
 * to the receive buffer.  A port held back stops reading.
 */
static int
receive(void *arg, struct frame *fr)
{
	struct ingress *ig = arg;
	struct vswitch *sw = ig->sw;
	struct fate f = { .in = ig->id, .out = FATE_NONE, .len = fr->len };

	forward(sw, &f, fr);
	if (sw->watchers != 0)
		monitor_frame(sw->mon, &f, fr->data, fr->len < FRAME_RXMAX ?
		    fr->len : FRAME_RXMAX);
	return (sw->ports[ig->id].waiting != 0);
}

/* Read a batch from port id and forward it; -1 if the port is done. */
static int
read_port(struct vswitch *sw, int id)
{
	struct ingress ig = { sw, id };
	enum port_status st;

	if (sw->ports[id].kind != PORT_STREAM && pool_avail() < PORT_BATCH)
		st = PORT_STARVED;
	else
		st = port_recv(&sw->ports[id], receive, &ig);
	if (st == PORT_STARVED && sw->ports[id].waiting == 0)
		hold(sw, id, &sw->pool_waiters, POOL_WAIT);
	if (!port_partial(&sw->ports[id]))
		sw->ports[id].partial_ms = 0;
	else if (sw->ports[id].partial_ms == 0)
		sw->ports[id].partial_ms = sw->now_ms;
	switch_flush(sw);
	return (st == PORT_CLOSED ? -1 : 0);
}

void
switch_ready(struct vswitch *sw, int id, short revents)
{
	struct port *p = &sw->ports[id];
	int gone = 0;

	if (revents & POLLOUT) {
		/* Its socket has room again: it has read. */
		p->stalled = 0;
		gone = flush(sw, id) == -1;
	}
	/*
	 * A port held back is not read, even if this wait said POLLIN;
	 * nor closed on a hang-up, for its last frames are still queued
	 * in its socket: it will find the end once it is let go.
	 */
	if (gone || p->waiting != 0)
		;
	else if (revents & POLLIN)
		gone = read_port(sw, id) == -1;
	else if (revents & (POLLHUP | POLLERR | POLLNVAL))
		gone = 1;
	if (!gone)
		return;
	if (p->kind == PORT_TAP)	/* main() says so as it exits */
		sw->tap_gone = 1;
	switch_close_port(sw, id);
}

/* Streams let go while frames were still in their buffers read them. */
void
switch_run_kicks(struct vswitch *sw)
{
	int i, id;

	for (i = 0; i < sw->nkick; i++) {
		id = sw->kick[i];
		if (sw->ports[id].kind == PORT_STREAM &&
		    sw->ports[id].waiting == 0 && read_port(sw, id) == -1)
			switch_close_port(sw, id);
	}
	sw->nkick = 0;
}

/* Declare stalled every port that has taken nothing for stall_ms. */
static void
find_stalls(struct vswitch *sw)
{
	struct port *p;
	char buf[WHO_LEN];
	long unread;
	int i, id;

	for (i = 0; i < sw->nactive; i++) {
		id = sw->active[i];
		p = &sw->ports[id];
		if (p->qlen == 0 || p->stalled)
			continue;
		/* Reading, if not yet enough to say so by POLLOUT. */
		unread = port_unread(p);
		if (unread < p->unread)
			p->progress_ms = sw->now_ms;
		p->unread = unread;
		if (sw->now_ms - p->progress_ms < sw->stall_ms)
			continue;
		if (log_limit_due(&stall_log, sw->now))
			log_limited(&stall_log, sw->now, "%s took nothing for "
			    "%d ms: stalled, dropping frames for it until it "
			    "reads", who(sw, id, buf), sw->stall_ms);
		port_discard(p);
		p->stalled = 1;
		p->st.stalls++;
		let_go(sw, &p->waiters);
	}
}

/* Close the stream ports whose peers stopped in the middle of a frame. */
static void
close_cut_streams(struct vswitch *sw)
{
	struct port *p;
	int i, id;

	for (i = 0; i < sw->nactive; i++) {
		id = sw->active[i];
		p = &sw->ports[id];
		if (p->partial_ms == 0 || p->waiting != 0 ||
		    sw->now_ms - p->partial_ms < STREAM_CUT_MS)
			continue;
		log_warnx("stream port of pid %d: a frame stayed incomplete "
		    "for %d s: closing it", (int)p->pid, STREAM_CUT_MS / 1000);
		switch_close_port(sw, id);
		i--;		/* the last active port took its place */
	}
}

void
switch_tick(struct vswitch *sw, long long now_ms)
{
	time_t now = (time_t)(now_ms / 1000);

	sw->now_ms = now_ms;
	if (now != sw->now) {
		(void)machash_expire(sw->mac, now);
		(void)machash_expire(sw->owners, now);
		close_cut_streams(sw);
	}
	sw->now = now;
	loop_tick(sw);
	if (sw->nbacklog > 0 &&
	    now_ms - sw->stall_check_ms >= sw->stall_ms / 4) {
		sw->stall_check_ms = now_ms;
		find_stalls(sw);
	}
}

/* How long the loop may wait: short while queues are being watched. */
int
switch_timeout(const struct vswitch *sw)
{
	return (sw->nbacklog > 0 ? sw->stall_ms / 4 + 1 : 1000);
}
