/*
 * The loop guard (loopguard.h).  Two links between the same switches,
 * or three switches joined in a ring by vknet(1), make a loop, and
 * every broadcast then goes round it for ever.  Each switch has a
 * random 64-bit id and, once a second, sends out of every port a probe
 * that names it and the port; a switch that gets another's probe adds
 * its own id to the probe's list of hops and floods it onward, like
 * any broadcast, except to blocked ports, and drops it if its id is on
 * the list already or the list is full (PROBE_HOPS): so a probe
 * crosses each switch at most once, and dies out.  A switch that gets
 * its own probe back has a loop: out of port s, round, in at port r.
 *
 * Only one switch on a loop may act, or each would block a port and
 * the ring would fall into pieces: the one with the highest id among
 * those the probe crossed, which is also the highest on the loop.  It
 * blocks r, the port that closed the loop, unless r or s is blocked
 * already, in which case the loop is broken there, and that block is
 * renewed.  A blocked port takes in and sends nothing but probes, and
 * its learned addresses are forgotten, so that they are learned again
 * the other way round.  Its own probes still go out of it, and come
 * back while the loop is there, which renews the block; once no probe
 * has come back for PROBE_HOLD_MS, the port is let go.  So a blocked
 * vknet link is retried without ever being opened to a storm.
 *
 * Probes keep to VLANs like any broadcast: out of each port in its own
 * VLAN (untagged, VLAN 1, on a trunk), flooded on in the VLAN they came
 * in.  A loop through trunks is found in VLAN 1, which every trunk
 * carries; one through access ports of a VLAN in that VLAN.
 *
 * A switch that is not a vknetd floods the probes as multicast: a loop
 * through it is found the same way.  One that drops unknown multicast
 * hides a loop behind it.  Probes from a guest are limited per port
 * like floods; a guest that sends back a probe of ours blocks its own
 * port, no other.
 */
#include <sys/random.h>

#include <string.h>
#include <time.h>

#include "log.h"
#include "loopguard.h"
#include "machash.h"
#include "pool.h"
#include "port.h"
#include "switch.h"

#define PROBE_MAGIC	"vkLG"
#define PROBE_VERSION	1
#define PROBE_FIXED	(ETHER_HDR + 20)	/* up to the hops */
#define PROBE_MINLEN	60			/* as on a wire */
#define PROBE_EVERY_MS	1000

static const uint8_t probe_dst[MAC_LEN] = PROBE_DST;

/* Probes a port may bring in a second: beyond this it is a guest's game. */
static const struct storm_limit probe_limit = { 64, 64 };

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (v);
}

/*
 * Layout after the Ethernet header: "vkLG", version, number of hops,
 * two bytes of zero, the origin's id, the port it left by (32 bits),
 * four bytes of zero, then the hops' ids; padded to 60 bytes.
 */
int
probe_parse(const uint8_t *f, size_t len, struct probe *pr)
{
	const uint8_t *p = f + ETHER_HDR;

	if (!probe_is(f, len) || len < PROBE_FIXED ||
	    memcmp(p, PROBE_MAGIC, 4) != 0 || p[4] != PROBE_VERSION ||
	    p[5] > PROBE_HOPS || len < PROBE_FIXED + (size_t)p[5] * 8)
		return (-1);
	pr->nhops = p[5];
	pr->origin = get64(p + 8);
	pr->port = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 |
	    (uint32_t)p[18] << 8 | p[19];
	pr->hops = p + 20;
	return (0);
}

size_t
probe_build(uint8_t *f, const uint8_t src[MAC_LEN], uint64_t origin,
    uint32_t port)
{
	uint8_t *p = f + ETHER_HDR;

	memset(f, 0, PROBE_MINLEN);
	memcpy(f, probe_dst, MAC_LEN);
	memcpy(f + MAC_LEN, src, MAC_LEN);
	f[12] = PROBE_TYPE >> 8;
	f[13] = PROBE_TYPE & 0xff;
	memcpy(p, PROBE_MAGIC, 4);
	p[4] = PROBE_VERSION;
	put64(p + 8, origin);
	p[16] = (uint8_t)(port >> 24);
	p[17] = (uint8_t)(port >> 16);
	p[18] = (uint8_t)(port >> 8);
	p[19] = (uint8_t)port;
	return (PROBE_MINLEN);
}

/*
 * Add id to the probe's hops, in place (the buffer holds FRAME_MAX):
 * -1 if it has crossed this switch before or can cross no more.
 */
int
probe_pass(uint8_t *f, size_t *len, uint64_t id)
{
	struct probe pr;
	size_t end;
	int i;

	if (probe_parse(f, *len, &pr) == -1 || pr.nhops == PROBE_HOPS ||
	    pr.origin == id)
		return (-1);
	for (i = 0; i < pr.nhops; i++)
		if (get64(pr.hops + 8 * i) == id)
			return (-1);
	end = PROBE_FIXED + (size_t)pr.nhops * 8;
	put64(f + end, id);
	f[ETHER_HDR + 5]++;
	if (end + 8 > *len)
		*len = end + 8;
	return (0);
}

void
loop_init(struct vswitch *sw)
{
	uint64_t id;

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint64_t)(uintptr_t)sw ^ (uint64_t)time(NULL) << 20;
	sw->loop_id = id;
	/* Unicast, locally administered: "vk" and three bytes of the id. */
	sw->loop_mac[0] = 0x02;
	sw->loop_mac[1] = 'v';
	sw->loop_mac[2] = 'k';
	sw->loop_mac[3] = (uint8_t)(id >> 16);
	sw->loop_mac[4] = (uint8_t)(id >> 8);
	sw->loop_mac[5] = (uint8_t)id;
}

/*
 * Probes go where a loop may close: out of a port with a switch behind
 * it, one that has brought probes, a vknet(1) link, or one with more
 * than one address learned behind it; not to a guest, which would only
 * have to ignore them.  In secure mode nothing but ARP and IP goes to
 * the host, no probe.
 */
static int
probed(const struct vswitch *sw, int id)
{
	const struct port *p = &sw->ports[id];

	if (p->kind == PORT_TAP && sw->secure != NULL)
		return (0);
	return ((p->flags & PORT_SWITCH) || strcmp(p->name, "vknet") == 0 ||
	    machash_port_count(sw->mac, id) >= 2);
}

static void
block(struct vswitch *sw, int r, int s)
{
	struct port *p = &sw->ports[r];

	p->flags |= PORT_BLOCKED;
	p->hold_ms = sw->now_ms + PROBE_HOLD_MS;
	p->st.blocks++;
	machash_forget_port(sw->mac, r);
	log_warnx("port %d (%s, pid %d): loop: a probe sent out of port %d "
	    "came back in here; blocked until none has for %d s", r,
	    port_kind_name(p->kind), (int)p->pid, s, PROBE_HOLD_MS / 1000);
}

/* Our own probe, sent out of port s, came back in at port r. */
static void
loop_seen(struct vswitch *sw, int r, const struct probe *pr)
{
	int s, i;

	/* A guest may send one back with any port number in it. */
	if (pr->port >= (uint32_t)sw->high ||
	    sw->ports[pr->port].kind == PORT_FREE)
		return;			/* or that port has gone since */
	s = (int)pr->port;
	for (i = 0; i < pr->nhops; i++)
		if (get64(pr->hops + 8 * i) > sw->loop_id)
			return;		/* a higher switch on it decides */
	if (sw->ports[r].flags & PORT_BLOCKED)
		sw->ports[r].hold_ms = sw->now_ms + PROBE_HOLD_MS;
	else if (sw->ports[s].flags & PORT_BLOCKED)
		sw->ports[s].hold_ms = sw->now_ms + PROBE_HOLD_MS;
	else
		block(sw, r, s);
}

/*
 * A probe came in at port f->in: ours back, or another switch's to
 * pass on.  Nothing learns from it; what a blocked port brings is
 * looked at, never passed on.
 */
void
loop_probe_in(struct vswitch *sw, struct fate *f, struct frame *fr)
{
	struct port *ip = &sw->ports[f->in];
	struct probe pr;
	size_t len = fr->len;
	int i, out;

	if (!storm_take(&ip->probes, &probe_limit, sw->now_ms) ||
	    probe_parse(fr->data, len, &pr) == -1)
		return;
	ip->flags |= PORT_SWITCH;
	if (pr.origin == sw->loop_id) {
		loop_seen(sw, f->in, &pr);
		return;
	}
	if (ip->flags & PORT_BLOCKED ||
	    probe_pass(fr->data, &len, sw->loop_id) == -1)
		return;
	fr->len = (uint32_t)len;
	f->out = FATE_ALL;
	for (i = 0; i < sw->nactive; i++) {
		out = sw->active[i];
		if (out != f->in && probed(sw, out) &&
		    port_in_vlan(&sw->ports[out], fr->vid) &&
		    !(sw->ports[out].flags & PORT_BLOCKED))
			f->nout += switch_emit(sw, out, fr);
	}
}

/* Once a second: a probe out of every port, and blocks that are over. */
void
loop_tick(struct vswitch *sw)
{
	struct frame *fr;
	struct port *p;
	int i, id;

	if (sw->now_ms < sw->probe_ms)
		return;
	sw->probe_ms = sw->now_ms + PROBE_EVERY_MS;
	for (i = 0; i < sw->nactive; i++) {
		id = sw->active[i];
		p = &sw->ports[id];
		if (p->flags & PORT_BLOCKED && sw->now_ms >= p->hold_ms) {
			p->flags &= ~PORT_BLOCKED;
			log_warnx("port %d (%s, pid %d): no loop seen for %d s: "
			    "unblocked", id, port_kind_name(p->kind),
			    (int)p->pid, PROBE_HOLD_MS / 1000);
		}
		/* Short of buffers, frames come first; the next second will do. */
		if (!probed(sw, id) || pool_avail() < pool_size() / 4 ||
		    (fr = pool_get()) == NULL)
			continue;
		fr->len = (uint32_t)probe_build(fr->data, sw->loop_mac,
		    sw->loop_id, (uint32_t)id);
		fr->vid = p->vid;	/* a trunk's: VLAN 1, untagged */
		fr->own = 1;
		(void)switch_emit(sw, id, fr);
		frame_unref(fr);
	}
	switch_flush(sw);
}
