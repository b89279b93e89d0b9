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
 * business: the switch is handed whole frames, a bounded number per
 * turn, and sends each on to its output ports with non-blocking
 * writes.  Nothing is allocated per frame: a port that cannot take a
 * frame now loses it, and the loss is counted against that port.
 *
 * On its way a frame's fate (egress port or flood, drops and their
 * reasons) is noted in a struct fate; once it is settled, receive()
 * shows it to the monitors, if any are attached (monitor.c).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ether.h"
#include "log.h"
#include "machash.h"
#include "monitor.h"
#include "pollset.h"
#include "port.h"
#include "switch.h"

#define MACHASH_SIZE	16384

/* Where port_recv() is to deliver a port's frames. */
struct ingress {
	struct vswitch	*sw;
	int		 id;
};

static const char *drop_names[DROP_NREASONS] = {
	[DROP_SIZE] = "bad size",
	[DROP_SOURCE] = "group source",
	[DROP_FILTERED] = "filtered",
	[DROP_STALLED] = "stalled peer",
	[DROP_ERROR] = "write error",
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
}

int
switch_init(struct vswitch *sw, struct pollfd *pfd, int maxports,
    time_t max_age, const struct cidr *secure)
{
	memset(sw, 0, sizeof(*sw));
	sw->pfd = pfd;
	sw->maxports = maxports;
	sw->secure = secure;
	sw->ports = calloc((size_t)maxports, sizeof(*sw->ports));
	sw->active = calloc((size_t)maxports, sizeof(*sw->active));
	sw->mac = machash_new(MACHASH_SIZE, max_age);
	if (sw->ports == NULL || sw->active == NULL || sw->mac == NULL) {
		switch_free(sw);
		return (-1);
	}
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
	free(sw->ports);
	free(sw->active);
	sw->ports = NULL;
	sw->active = NULL;
	sw->mac = NULL;
}

int
switch_add_port(struct vswitch *sw, enum port_kind kind, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct port *p;
	int id;

	for (id = 0; id < sw->maxports; id++)
		if (sw->ports[id].kind == PORT_FREE)
			break;
	if (id == sw->maxports) {
		sw->refused++;
		errno = ENFILE;
		return (-1);
	}
	p = &sw->ports[id];
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	if (port_open(p, kind) == -1)
		return (-1);
	p->since = sw->now;
	p->pid = getpid();
	if (kind != PORT_TAP && getsockopt(fd, SOL_SOCKET, SO_PEERCRED,
	    &cred, &len) == 0) {
		p->pid = cred.pid;
		p->uid = cred.uid;
	}
	p->slot = sw->nactive;
	sw->active[sw->nactive++] = id;
	sw->pfd[id].fd = fd;
	sw->pfd[id].events = POLLIN;
	sw->pfd[id].revents = 0;
	if (id >= sw->high)
		sw->high = id + 1;
	return (id);
}

void
switch_close_port(struct vswitch *sw, int id)
{
	struct port *p = &sw->ports[id];
	int last;

	machash_forget_port(sw->mac, id);
	port_stats_add(&sw->closed, &p->st);
	pollset_forget(&sw->pfd[id]);
	port_close(p);
	last = sw->active[--sw->nactive];
	sw->active[p->slot] = last;
	sw->ports[last].slot = p->slot;
	p->kind = PORT_FREE;
	p->fd = -1;
	sw->pfd[id].fd = -1;
	sw->pfd[id].revents = 0;
	while (sw->high > 0 && sw->ports[sw->high - 1].kind == PORT_FREE)
		sw->high--;
}

/* Count a drop against port p and note it in the frame's fate. */
static void
drop(struct port *p, struct fate *f, enum drop_reason why)
{
	p->st.drops[why]++;
	f->drops |= 1U << why;
}

/*
 * Send one frame out of port `out'.  Secure mode is applied here, on
 * the way to the host, and only there: clients see each other's
 * frames unfiltered.  A filtered frame is counted against the port it
 * came in on, a stalled write against the port that stopped reading.
 */
static void
output(struct vswitch *sw, struct fate *f, int out, const uint8_t *frame)
{
	struct port *op = &sw->ports[out];
	size_t len = f->len;
	enum drop_reason why;

	if (op->kind == PORT_TAP && sw->secure != NULL &&
	    (f->verdict = filter_check(sw->secure, frame, len)) !=
	    FILTER_PASS) {
		f->ndrop++;
		drop(&sw->ports[f->in], f, DROP_FILTERED);
		return;
	}
	if (sw->deferring && op->kind == PORT_SEQPACKET) {
		/* Full: send what is held first, so nothing overtakes. */
		if (port_defer(op, out, frame, len) == -1) {
			port_send_deferred(sw->ports);
			(void)port_defer(op, out, frame, len);
		}
		return;
	}
	if (port_send(op, &sw->pfd[out], frame, len, &why) == 0) {
		op->st.tx_frames++;
		op->st.tx_bytes += len;
		f->nout++;
		return;
	}
	f->ndrop++;
	drop(op, f, why);
}

/* The life of a frame, from the port it came in on to its way out. */
static void
forward(struct vswitch *sw, struct fate *f, const uint8_t *frame)
{
	struct port *ip = &sw->ports[f->in];
	int i;

	ip->st.rx_frames++;
	ip->st.rx_bytes += f->len;
	if (!frame_size_ok(f->len)) {
		drop(ip, f, DROP_SIZE);
		return;
	}
	if (mac_is_group(frame + MAC_LEN)) {
		drop(ip, f, DROP_SOURCE);
		return;
	}
	(void)machash_learn(sw->mac, frame + MAC_LEN, f->in, sw->now);
	if (!mac_is_group(frame) &&
	    (f->out = machash_lookup(sw->mac, frame, sw->now)) !=
	    MACHASH_NONE) {
		/* A destination behind the ingress port needs no copy. */
		if (f->out != f->in)
			output(sw, f, f->out, frame);
		return;
	}
	f->out = FATE_ALL;
	for (i = 0; i < sw->nactive; i++)
		if (sw->active[i] != f->in)
			output(sw, f, sw->active[i], frame);
}

/*
 * Every frame passes here once, handed over by port_recv().  Without a
 * monitor attached, showing it costs one branch; a giant is shown cut
 * to the receive buffer.
 */
static void
receive(void *arg, const uint8_t *frame, size_t len)
{
	struct ingress *ig = arg;
	struct vswitch *sw = ig->sw;
	struct fate f = { .in = ig->id, .out = FATE_NONE, .len = len };

	forward(sw, &f, frame);
	if (sw->watchers != 0)
		monitor_frame(sw->mon, &f, frame, len < PORT_RXMAX ? len :
		    PORT_RXMAX);
}

void
switch_ready(struct vswitch *sw, int id, short revents)
{
	struct port *p = &sw->ports[id];
	struct ingress ig = { sw, id };
	int gone = 0;

	if (revents & POLLOUT)
		gone = port_flush(p, &sw->pfd[id]) == -1;
	if (!gone && revents & POLLIN) {
		/*
		 * Sends to clients wait for the end of the batch (port.c),
		 * unless a monitor must see each frame's fate as it goes or
		 * the frames sit in a stream's buffer, which moves.
		 */
		sw->deferring = sw->watchers == 0 && p->kind != PORT_STREAM;
		gone = port_recv(p, receive, &ig) == -1;
		port_send_deferred(sw->ports);
		sw->deferring = 0;
	} else if (!gone && revents & (POLLHUP | POLLERR | POLLNVAL)) {
		if (p->kind == PORT_TAP)
			log_warnx("TAP failed; switching between clients only");
		gone = 1;
	}
	if (gone)
		switch_close_port(sw, id);
}

void
switch_tick(struct vswitch *sw, time_t now)
{
	if (now != sw->now)
		(void)machash_expire(sw->mac, now);
	sw->now = now;
}
