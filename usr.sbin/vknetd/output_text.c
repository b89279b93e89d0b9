/*
 * The text output: what "vknetd -s" and "vknetd -c" print for people
 * and for awk(1).
 *
 * -s prints a header block, one "key value" line each, then three
 * tables separated by blank lines: the ports, their drops by reason,
 * the MAC table.  Every table starts with a row of one-word column
 * names and every cell is one word ("-" when there is nothing to say,
 * a blank in a process name shown as "_"), so that a script finds a
 * column by its name, whatever columns are added later.  The port
 * tables end with a row for the ports that have gone and a total.
 *
 * -c prints one line per frame: the time, the frame's way through the
 * switch in brackets, then decode.c's account of the frame.
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

#define PORT_HEAD	"%5s %-6s %7s %-8s %-15s %9s %5s %5s %5s %10s " \
			"%12s %10s %12s %8s %6s %s\n"
#define DROP_WIDTH	13

static const char *
duration(char *buf, size_t len, int64_t t)
{
	long long s = t < 0 ? 0 : (long long)t;

	if (s >= 86400)
		snprintf(buf, len, "%lldd%02lld:%02lld:%02lld", s / 86400,
		    s / 3600 % 24, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600,
		    s / 60 % 60, s % 60);
	return (buf);
}

static const char *
or_dash(const char *s)
{
	return (s != NULL && *s != '\0' ? s : "-");
}

static unsigned long long
drops_of(const struct ctl_counters *c)
{
	unsigned long long n = 0;
	int r;

	for (r = 0; r < CTL_DROPS; r++)
		n += c->drops[r];
	return (n);
}

static void
header(const struct stats_reply *r)
{
	const struct ctl_switch *sw = &r->sw;
	char up[32], a4[64], a6[80];

	printf("vknetd %s, up %s", sw->version,
	    duration(up, sizeof(up), sw->uptime));
	if (sw->reloaded != 0)
		printf(", reloaded %s ago, %llu frames lost in reloads",
		    duration(up, sizeof(up), (int64_t)time(NULL) -
		    sw->reloaded),
		    (unsigned long long)sw->reload_lost);
	putchar('\n');
	printf("socket   %s\n", sw->sockpath);
	printf("control  %s\n", r->ctlpath);
	printf("stream   %s\n", or_dash(sw->streampath));
	printf("tap      %s\n", or_dash(sw->tap));
	printf("bridge   %s\n", or_dash(sw->bridge));
	output_addr(a4, sizeof(a4), sw, AF_INET);
	output_addr(a6, sizeof(a6), sw, AF_INET6);
	if (sw->secure)
		printf("mode     secure%s%s%s%s\n", *a4 ? " " : "", a4,
		    *a6 ? " " : "", a6);
	else
		printf("mode     unsecure\n");
	printf("macs     %u of %u, at most %u per client, aged after %u s\n",
	    sw->macs, sw->mac_capacity, sw->mac_limit, sw->mac_age);
	printf("ports    %u of %u, %u monitor%s, %llu client%s refused\n",
	    sw->ports, sw->maxports, sw->monitors, sw->monitors == 1 ? "" :
	    "s", (unsigned long long)sw->refused, sw->refused == 1 ? "" :
	    "s");
}

/* The traffic cells of a row, after its first nine. */
static void
traffic(const char *cells[], char v[6][24], const struct ctl_counters *c)
{
	snprintf(v[0], sizeof(v[0]), "%llu", (unsigned long long)c->rx_frames);
	snprintf(v[1], sizeof(v[1]), "%llu", (unsigned long long)c->rx_bytes);
	snprintf(v[2], sizeof(v[2]), "%llu", (unsigned long long)c->tx_frames);
	snprintf(v[3], sizeof(v[3]), "%llu", (unsigned long long)c->tx_bytes);
	snprintf(v[4], sizeof(v[4]), "%llu", drops_of(c));
	snprintf(v[5], sizeof(v[5]), "%llu", (unsigned long long)c->stalls);
	printf(PORT_HEAD, cells[0], cells[1], cells[2], cells[3], cells[4],
	    cells[5], cells[6], cells[7], cells[8], v[0], v[1], v[2], v[3],
	    v[4], v[5], cells[9]);
}

/* A port's state, one word: "stalled,held", "loop", or "-". */
static const char *
flags(uint32_t f)
{
	static char buf[32];

	buf[0] = '\0';
	if (f & CTL_PORT_STALLED)
		strcat(buf, ",stalled");
	if (f & CTL_PORT_BLOCKED)
		strcat(buf, ",blocked");
	if (f & CTL_PORT_LOOP)
		strcat(buf, ",loop");
	return (buf[0] == '\0' ? "-" : buf + 1);
}

static void
port_row(const struct ctl_port *p)
{
	char id[16], pid[16], user[64], name[CTL_NAMEMAX], up[32];
	char macs[16], vid[16], queue[16], v[6][24], *c;
	const char *cells[10];

	snprintf(id, sizeof(id), "%d", (int)p->id);
	snprintf(pid, sizeof(pid), "%d", (int)p->pid);
	snprintf(name, sizeof(name), "%s", p->name);
	for (c = name; *c != '\0'; c++)
		if (isspace((unsigned char)*c))
			*c = '_';
	snprintf(macs, sizeof(macs), "%u", p->macs);
	snprintf(queue, sizeof(queue), "%u", p->queue);
	if (p->vid == 0)
		strcpy(vid, "trunk");
	else
		snprintf(vid, sizeof(vid), "%u", p->vid);
	cells[0] = id;
	cells[1] = output_kind(p);
	cells[2] = pid;
	cells[3] = output_user(user, sizeof(user), p->uid, 1);
	cells[4] = or_dash(name);
	cells[5] = duration(up, sizeof(up), p->up);
	cells[6] = macs;
	cells[7] = vid;
	cells[8] = queue;
	cells[9] = flags(p->flags);
	traffic(cells, v, &p->c);
}

static void
summary_row(const char *label, const struct ctl_counters *c)
{
	const char *cells[10] = { label, "-", "-", "-", "-", "-", "-", "-",
	    "-", "-" };
	char v[6][24];

	traffic(cells, v, c);
}

static void
drop_head(unsigned int ndrops)
{
	char head[DROP_WIDTH], *c;
	unsigned int r;

	printf("%5s", "PORT");
	for (r = 0; r < ndrops; r++) {
		snprintf(head, sizeof(head), "%s",
		    drop_reason_name((enum drop_reason)r));
		for (c = head; *c != '\0'; c++)
			*c = *c == ' ' ? '-' : (char)toupper((unsigned char)*c);
		printf(" %*s", DROP_WIDTH - 1, head);
	}
	putchar('\n');
}

static void
drop_row(const char *label, const struct ctl_counters *c,
    unsigned int ndrops)
{
	unsigned int r;

	printf("%5s", label);
	for (r = 0; r < ndrops; r++)
		printf(" %*llu", DROP_WIDTH - 1,
		    (unsigned long long)c->drops[r]);
	putchar('\n');
}

static void
text_stats(const struct stats_reply *r)
{
	struct ctl_counters total = r->sw.gone;
	unsigned int ndrops = r->sw.ndrops;
	char id[16], mac[MAC_STRLEN];
	size_t i;

	if (ndrops > CTL_DROPS)
		ndrops = CTL_DROPS;
	header(r);
	putchar('\n');
	printf(PORT_HEAD, "PORT", "KIND", "PID", "USER", "NAME", "UP", "MACS",
	    "VID", "QUEUE", "FRAMES-IN", "BYTES-IN", "FRAMES-OUT", "BYTES-OUT",
	    "DROPS", "STALLS", "FLAGS");
	for (i = 0; i < r->nport; i++) {
		port_row(&r->port[i]);
		output_sum(&total, &r->port[i].c);
	}
	summary_row("gone", &r->sw.gone);
	summary_row("total", &total);
	putchar('\n');
	drop_head(ndrops);
	for (i = 0; i < r->nport; i++) {
		snprintf(id, sizeof(id), "%d", (int)r->port[i].id);
		drop_row(id, &r->port[i].c, ndrops);
	}
	drop_row("gone", &r->sw.gone, ndrops);
	drop_row("total", &total, ndrops);
	putchar('\n');
	printf("%-17s %5s %5s %9s\n", "MAC", "PORT", "VID", "AGE");
	for (i = 0; i < r->nmac; i++)
		printf("%-17s %5d %5u %8llds\n", mac_fmt(mac, r->mac[i].mac),
		    (int)r->mac[i].port, r->mac[i].vid,
		    (long long)r->mac[i].age);
}

/* The drop reasons of a record, filtered with why: "a, b (why)". */
static void
print_drops(const struct vkmon_rec *r)
{
	const char *sep = "";
	int i;

	for (i = 0; i < DROP_NREASONS; i++) {
		if ((r->drops & 1U << i) == 0)
			continue;
		printf("%s%s", sep, drop_reason_name((enum drop_reason)i));
		if (i == DROP_FILTERED)
			printf(" (%s)", filter_reason(
			    (enum filter_verdict)r->verdict));
		sep = ", ";
	}
}

/* The frame's way through the switch, in brackets. */
static void
print_path(const struct vkmon_rec *r)
{
	switch (r->event) {
	case VKMON_FORWARD:
		printf("[%d > %d]", (int)r->in, (int)r->out);
		return;
	case VKMON_LOCAL:
		printf("[%d local]", (int)r->in);
		return;
	case VKMON_FLOOD:
		printf("[%d > all", (int)r->in);
		if (r->ndrop != 0) {
			printf(", %u of %u dropped: ", r->ndrop,
			    r->nout + r->ndrop);
			print_drops(r);
		}
		break;
	case VKMON_DROP:
		if (r->out == VKMON_NONE)
			printf("[%d dropped: ", (int)r->in);
		else
			printf("[%d > %d dropped: ", (int)r->in, (int)r->out);
		print_drops(r);
		break;
	default:
		printf("[%d ? event %u", (int)r->in, r->event);
	}
	putchar(']');
}

static void
text_frame(const struct vkmon_rec *r, const uint8_t *frame, size_t caplen,
    int hex)
{
	char line[DECODE_LINE];
	struct tm tm;
	time_t t = (time_t)r->sec;

	localtime_r(&t, &tm);
	printf("%02d:%02d:%02d.%06u ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	    r->nsec / 1000);
	print_path(r);
	decode_frame(line, sizeof(line), frame, caplen, r->len);
	printf(" %s\n", line);
	if (hex)
		decode_hex(stdout, frame, caplen);
}

const struct output output_text = {
	.stats = text_stats,
	.frame = text_frame,
};
