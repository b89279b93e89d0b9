/*
 * The JSON output (-j): "vknetd -s -j" prints one document, "vknetd
 * -c -j" one object per line and frame.  The schema is in vknetd.8
 * (JSON OUTPUT); keys are stable, counters are numbers, absent things
 * are null.
 *
 * The emitter is the smallest that is correct: it tracks whether a
 * comma is due at each depth, and escapes strings as RFC 8259 says
 * (quote, backslash and control characters; other bytes pass as they
 * are, for the strings here are paths and names, and a process name is
 * the peer's to choose).
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "ether.h"
#include "filter.h"
#include "output.h"
#include "port.h"
#include "switch.h"

#define JSON_DEPTH	8		/* deeper than any document here */

static struct json {
	int	depth;
	int	pretty;			/* a member per line, indented */
	int	after_key;		/* the next value is a member's */
	int	more[JSON_DEPTH];	/* a value was written at this depth */
} j;

static void
json_string(const char *s)
{
	const unsigned char *c;

	putchar('"');
	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", stdout);
		else if (*c == '\t')
			fputs("\\t", stdout);
		else if (*c < 0x20 || *c == 0x7f)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

/* Before a value or a key: the comma and, if pretty, the indent. */
static void
json_next(void)
{
	int i;

	if (j.more[j.depth])
		putchar(',');
	j.more[j.depth] = 1;
	if (j.pretty && j.depth > 0) {
		putchar('\n');
		for (i = 0; i < j.depth; i++)
			fputs("  ", stdout);
	}
}

static void
json_key(const char *k)
{
	json_next();
	json_string(k);
	fputs(j.pretty ? ": " : ":", stdout);
	j.after_key = 1;
}

static void
json_value(void)
{
	if (j.after_key)
		j.after_key = 0;
	else
		json_next();
}

static void
json_open(int c)
{
	json_value();
	putchar(c);
	j.more[++j.depth] = 0;
}

static void
json_close(int c)
{
	int i, had = j.more[j.depth];

	j.depth--;
	if (j.pretty && had) {
		putchar('\n');
		for (i = 0; i < j.depth; i++)
			fputs("  ", stdout);
	}
	putchar(c);
}

static void
json_str(const char *k, const char *v)
{
	json_key(k);
	json_value();
	if (v == NULL)
		fputs("null", stdout);
	else
		json_string(v);
}

static void
json_u64(const char *k, unsigned long long v)
{
	json_key(k);
	json_value();
	printf("%llu", v);
}

static void
json_i64(const char *k, long long v)
{
	json_key(k);
	json_value();
	printf("%lld", v);
}

static void
json_bool(const char *k, int v)
{
	json_key(k);
	json_value();
	fputs(v ? "true" : "false", stdout);
}

static void
json_null(const char *k)
{
	json_key(k);
	json_value();
	fputs("null", stdout);
}

static void
json_begin(int pretty)
{
	memset(&j, 0, sizeof(j));
	j.pretty = pretty;
}

/* A drop reason as a key: "host's MAC" is "hosts_mac". */
static const char *
drop_key(char *buf, size_t len, unsigned int r)
{
	const char *s = drop_reason_name((enum drop_reason)r);
	size_t n = 0;

	for (; *s != '\0' && n + 1 < len; s++)
		if (*s == ' ')
			buf[n++] = '_';
		else if (isalnum((unsigned char)*s))
			buf[n++] = (char)tolower((unsigned char)*s);
	buf[n] = '\0';
	return (buf);
}

static void
counters(const struct ctl_counters *c, unsigned int ndrops)
{
	char key[32];
	unsigned int r;

	json_key("in");
	json_open('{');
	json_u64("frames", c->rx_frames);
	json_u64("bytes", c->rx_bytes);
	json_close('}');
	json_key("out");
	json_open('{');
	json_u64("frames", c->tx_frames);
	json_u64("bytes", c->tx_bytes);
	json_close('}');
	json_u64("stalls", c->stalls);
	json_key("drops");
	json_open('{');
	for (r = 0; r < ndrops; r++)
		json_u64(drop_key(key, sizeof(key), r), c->drops[r]);
	json_close('}');
}

static void
port(const struct ctl_port *p, unsigned int ndrops)
{
	char user[64];

	json_open('{');
	json_i64("port", p->id);
	json_str("kind", output_kind(p));
	json_i64("pid", p->pid);
	json_u64("uid", p->uid);
	json_str("user", output_user(user, sizeof(user), p->uid, 0));
	json_str("name", p->name);
	json_i64("up", p->up);
	json_u64("macs", p->macs);
	json_u64("queue", p->queue);
	json_u64("queue_bytes", p->qbytes);
	json_bool("stalled", (p->flags & CTL_PORT_STALLED) != 0);
	json_bool("blocked", (p->flags & CTL_PORT_BLOCKED) != 0);
	json_bool("loop_blocked", (p->flags & CTL_PORT_LOOP) != 0);
	json_u64("loop_blocks", p->loop_blocks);
	if (p->vid == 0)
		json_null("vlan");
	else
		json_u64("vlan", p->vid);
	json_bool("trunk", p->vid == 0);
	counters(&p->c, ndrops);
	json_close('}');
}

static void
json_stats(const struct stats_reply *r)
{
	const struct ctl_switch *sw = &r->sw;
	struct ctl_counters total = sw->gone;
	unsigned int ndrops = sw->ndrops, d;
	char buf[80];
	size_t i;

	if (ndrops > CTL_DROPS)
		ndrops = CTL_DROPS;
	json_begin(1);
	json_open('{');
	json_str("version", sw->version);
	json_u64("record_version", sw->hdr.version);
	json_str("socket", sw->sockpath);
	json_str("control", r->ctlpath);
	json_str("stream", *sw->streampath ? sw->streampath : NULL);
	json_str("tap", *sw->tap ? sw->tap : NULL);
	json_str("bridge", *sw->bridge ? sw->bridge : NULL);
	json_str("mode", sw->secure ? "secure" : "unsecure");
	output_addr(buf, sizeof(buf), sw, AF_INET);
	json_str("ipv4", *buf ? buf : NULL);
	output_addr(buf, sizeof(buf), sw, AF_INET6);
	json_str("ipv6", *buf ? buf : NULL);
	json_i64("uptime", sw->uptime);
	if (sw->reloaded != 0)
		json_i64("reloaded", (int64_t)time(NULL) - sw->reloaded);
	else
		json_null("reloaded");
	json_u64("reload_lost", sw->reload_lost);
	json_u64("macs", sw->macs);
	json_u64("mac_capacity", sw->mac_capacity);
	json_u64("mac_limit", sw->mac_limit);
	json_u64("mac_age", sw->mac_age);
	json_u64("port_count", sw->ports);
	json_u64("max_ports", sw->maxports);
	json_u64("monitors", sw->monitors);
	json_u64("refused", sw->refused);
	json_key("drop_reasons");
	json_open('[');
	for (d = 0; d < ndrops; d++) {
		json_value();
		json_string(drop_key(buf, sizeof(buf), d));
	}
	json_close(']');
	json_key("ports");
	json_open('[');
	for (i = 0; i < r->nport; i++) {
		port(&r->port[i], ndrops);
		output_sum(&total, &r->port[i].c);
	}
	json_close(']');
	json_key("gone");
	json_open('{');
	counters(&sw->gone, ndrops);
	json_close('}');
	json_key("total");
	json_open('{');
	counters(&total, ndrops);
	json_close('}');
	json_key("mac_table");
	json_open('[');
	for (i = 0; i < r->nmac; i++) {
		json_open('{');
		json_str("mac", mac_fmt(buf, r->mac[i].mac));
		json_i64("port", r->mac[i].port);
		json_u64("vlan", r->mac[i].vid);
		json_i64("age", r->mac[i].age);
		json_close('}');
	}
	json_close(']');
	json_close('}');
	putchar('\n');
}

static void
json_frame(const struct vkmon_rec *r, const uint8_t *frame, size_t caplen,
    int hex)
{
	char line[DECODE_LINE], mac[MAC_STRLEN], key[32];
	static const char digits[] = "0123456789abcdef";
	size_t i;
	int d;

	json_begin(0);
	json_open('{');
	json_i64("sec", r->sec);
	json_u64("usec", r->nsec / 1000);
	json_str("event", output_event(r));
	json_i64("in", r->in);
	if (r->out >= 0)
		json_i64("out", r->out);
	else
		json_null("out");
	json_u64("ports_out", r->nout);
	json_u64("ports_dropped", r->ndrop);
	json_key("drops");
	json_open('[');
	for (d = 0; d < DROP_NREASONS; d++)
		if ((r->drops & 1U << d) != 0) {
			json_value();
			json_string(drop_key(key, sizeof(key), (unsigned)d));
		}
	json_close(']');
	json_str("filter", (r->drops & 1U << DROP_FILTERED) != 0 ?
	    filter_reason((enum filter_verdict)r->verdict) : NULL);
	json_u64("length", r->len);
	json_u64("captured", caplen);
	json_u64("missed", r->missed);
	if (caplen >= ETHER_HDR) {
		json_str("dst", mac_fmt(mac, frame));
		json_str("src", mac_fmt(mac, frame + MAC_LEN));
		json_u64("ethertype", (unsigned)frame[12] << 8 | frame[13]);
	} else {
		json_null("dst");
		json_null("src");
		json_null("ethertype");
	}
	decode_frame(line, sizeof(line), frame, caplen, r->len);
	json_str("summary", line);
	if (hex) {
		json_key("hex");
		json_value();
		putchar('"');
		for (i = 0; i < caplen; i++) {
			putchar(digits[frame[i] >> 4]);
			putchar(digits[frame[i] & 0xf]);
		}
		putchar('"');
	}
	json_close('}');
	putchar('\n');
}

const struct output output_json = {
	.stats = json_stats,
	.frame = json_frame,
};
