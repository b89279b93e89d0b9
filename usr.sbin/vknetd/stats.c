/*
 * The records of a "stats" reply (ctl.h), gathered from the switch.
 *
 * What does not change while the daemon runs (version, paths, TAP,
 * bridge, mode and addresses, limits) is filled once at start-up by
 * stats_identify(); stats_gather() copies it and adds the state of the
 * moment: one record per port, one per learned MAC address, then the
 * end.  It is done only on request, so unlike the forwarding path it
 * may take its time and memory (the records go to a memory stream
 * that monitor.c sends from).  The order of the MAC records is the
 * table's: the client sorts what it shows.
 */
#include <arpa/inet.h>

#include <string.h>

#include "log.h"
#include "machash.h"
#include "port.h"
#include "stats.h"
#include "version.h"

_Static_assert(DROP_NREASONS <= CTL_DROPS, "drop reasons do not fit");
_Static_assert(PEER_NAMEMAX <= CTL_NAMEMAX, "process names do not fit");

static void
copy(char *dst, size_t size, const char *src)
{
	if (src != NULL)
		(void)snprintf(dst, size, "%s", src);
}

void
stats_identify(struct ctl_switch *id, const struct config *cf,
    const char *tap)
{
	uint32_t a;

	memset(id, 0, sizeof(*id));
	id->hdr.version = CTL_VERSION;
	id->hdr.type = CTL_REC_SWITCH;
	id->hdr.len = sizeof(*id);
	copy(id->version, sizeof(id->version), VKNET_VERSION);
	copy(id->sockpath, sizeof(id->sockpath), cf->sockpath);
	copy(id->streampath, sizeof(id->streampath), cf->streampath);
	copy(id->tap, sizeof(id->tap), tap);
	copy(id->bridge, sizeof(id->bridge), cf->bridge);
	id->secure = (uint8_t)cf->secure;
	if (cf->secure && cf->net.has4) {
		id->has4 = 1;
		id->bits4 = (uint8_t)cf->net.v4.bits;
		a = htonl(cf->net.v4.addr);
		memcpy(id->addr4, &a, sizeof(id->addr4));
	}
	if (cf->secure && cf->net.has6) {
		id->has6 = 1;
		id->bits6 = (uint8_t)cf->net.v6.bits;
		memcpy(id->addr6, cf->net.v6.addr, sizeof(id->addr6));
	}
	id->ndrops = DROP_NREASONS;
	id->mac_capacity = SWITCH_MACS;
	id->mac_limit = cf->mac_limit;
	id->mac_age = (uint32_t)cf->max_age;
}

static void
counters(struct ctl_counters *c, const struct port_stats *st)
{
	int r;

	c->rx_frames = st->rx_frames;
	c->rx_bytes = st->rx_bytes;
	c->tx_frames = st->tx_frames;
	c->tx_bytes = st->tx_bytes;
	c->stalls = st->stalls;
	for (r = 0; r < DROP_NREASONS; r++)
		c->drops[r] = st->drops[r];
}

struct walk {
	FILE		*fp;
	time_t		 now;
};

static void
mac_record(uint16_t vid, const uint8_t *mac, int port, time_t seen,
    void *arg)
{
	struct walk *w = arg;
	struct ctl_mac m;

	memset(&m, 0, sizeof(m));
	m.hdr.version = CTL_VERSION;
	m.hdr.type = CTL_REC_MAC;
	m.hdr.len = sizeof(m);
	memcpy(m.mac, mac, sizeof(m.mac));
	m.vid = vid;
	m.port = port;
	m.age = (int64_t)(w->now - seen);
	(void)fwrite(&m, sizeof(m), 1, w->fp);
}

/* The whole reply, into fp; -1 if it could not be written. */
int
stats_gather(FILE *fp, const struct vswitch *sw,
    const struct ctl_switch *ident)
{
	struct ctl_switch s = *ident;
	struct ctl_port p;
	struct ctl_hdr end = { CTL_VERSION, CTL_REC_END, sizeof(end) };
	struct walk w = { fp, sw->now };
	const struct port *pt;
	int i;

	s.ports = (uint32_t)sw->nactive;
	s.maxports = (uint32_t)sw->maxports;
	s.macs = machash_count(sw->mac);
	s.monitors = (uint32_t)sw->watchers;
	s.refused = sw->refused;
	s.uptime = (int64_t)(sw->now - sw->started);
	s.reloaded = (int64_t)sw->reloaded;
	s.reload_lost = sw->reload_lost;
	counters(&s.gone, &sw->closed);
	(void)fwrite(&s, sizeof(s), 1, fp);
	for (i = 0; i < sw->high; i++) {
		pt = &sw->ports[i];
		if (pt->kind == PORT_FREE)
			continue;
		memset(&p, 0, sizeof(p));
		p.hdr.version = CTL_VERSION;
		p.hdr.type = CTL_REC_PORT;
		p.hdr.len = sizeof(p);
		p.id = i;
		p.kind = (uint32_t)pt->kind;
		p.pid = (int32_t)pt->pid;
		p.uid = (uint32_t)pt->uid;
		copy(p.name, sizeof(p.name), pt->name);
		p.up = (int64_t)(sw->now - pt->since);
		p.macs = machash_port_count(sw->mac, i);
		p.queue = pt->qlen;
		p.qbytes = pt->qbytes;
		p.flags = (pt->stalled ? CTL_PORT_STALLED : 0) |
		    (pt->waiting ? CTL_PORT_BLOCKED : 0) |
		    (pt->flags & PORT_BLOCKED ? CTL_PORT_LOOP : 0);
		p.vid = pt->trunk != NULL ? 0 : pt->vid;
		p.loop_blocks = pt->st.blocks;
		counters(&p.c, &pt->st);
		(void)fwrite(&p, sizeof(p), 1, fp);
	}
	machash_walk(sw->mac, mac_record, &w);
	(void)fwrite(&end, sizeof(end), 1, fp);
	return (ferror(fp) ? -1 : 0);
}

/* For SIGUSR1: one line, the rest is for "vknetd -s" to show. */
void
stats_log(const struct vswitch *sw)
{
	struct port_stats total = sw->closed;
	unsigned long long drops = 0;
	int i, r;

	for (i = 0; i < sw->high; i++)
		if (sw->ports[i].kind != PORT_FREE)
			port_stats_add(&total, &sw->ports[i].st);
	for (r = 0; r < DROP_NREASONS; r++)
		drops += total.drops[r];
	log_info("stats: up %llds, %d ports, %u MACs, %d monitors, "
	    "%llu frames in, %llu out, %llu dropped, %llu clients refused",
	    (long long)(sw->now - sw->started), sw->nactive,
	    machash_count(sw->mac), sw->watchers,
	    (unsigned long long)total.rx_frames,
	    (unsigned long long)total.tx_frames, drops,
	    (unsigned long long)sw->refused);
}
