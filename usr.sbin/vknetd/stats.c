/*
 * The stats table: a header line with uptime and mode, then three
 * tables (ports with their peer and traffic, drops by reason per
 * port, the MAC table sorted by port), each port table ending in a
 * row for ports that have gone and a total since start-up.
 *
 * It is made only on request ("vknetd -s" through monitor.c, SIGUSR1
 * through stats_log()), so unlike the forwarding path it may allocate:
 * the MAC table is copied out to be sorted.  Columns are fixed-width
 * and headings are single words, so that scripts can use awk(1); the
 * drop headings are the drop reasons' names, dashed.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "log.h"
#include "machash.h"
#include "port.h"
#include "stats.h"

#define PORT_FMT	"%5s %-6s %7s %5s %9s %10s %10s %10s %10s\n"
#define DROP_WIDTH	13

struct mac_row {
	uint8_t		mac[MAC_LEN];
	int		port;
	time_t		seen;
};

struct mac_rows {
	struct mac_row	*v;
	size_t		 n;
	size_t		 cap;
};

static const char *
duration(char *buf, size_t len, time_t t)
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

static void
traffic_row(FILE *fp, const char *label, const char *kind, const char *pid,
    const char *uid, const char *up, const struct port_stats *st)
{
	char v[4][24];

	snprintf(v[0], sizeof(v[0]), "%llu", (unsigned long long)st->rx_frames);
	snprintf(v[1], sizeof(v[1]), "%llu", (unsigned long long)st->rx_bytes);
	snprintf(v[2], sizeof(v[2]), "%llu", (unsigned long long)st->tx_frames);
	snprintf(v[3], sizeof(v[3]), "%llu", (unsigned long long)st->tx_bytes);
	fprintf(fp, PORT_FMT, label, kind, pid, uid, up, v[0], v[1], v[2],
	    v[3]);
}

static void
port_table(FILE *fp, const struct vswitch *sw, struct port_stats *total)
{
	const struct port *p;
	char id[16], pid[16], uid[16], up[32];
	int i;

	fprintf(fp, PORT_FMT, "PORT", "KIND", "PID", "UID", "UP",
	    "FRAMES-IN", "BYTES-IN", "FRAMES-OUT", "BYTES-OUT");
	memset(total, 0, sizeof(*total));
	for (i = 0; i < sw->high; i++) {
		p = &sw->ports[i];
		if (p->kind == PORT_FREE)
			continue;
		snprintf(id, sizeof(id), "%d", i);
		snprintf(pid, sizeof(pid), "%d", (int)p->pid);
		snprintf(uid, sizeof(uid), "%u", (unsigned int)p->uid);
		traffic_row(fp, id, port_kind_name(p->kind), pid, uid,
		    duration(up, sizeof(up), sw->now - p->since), &p->st);
		port_stats_add(total, &p->st);
	}
	traffic_row(fp, "gone", "", "", "", "", &sw->closed);
	port_stats_add(total, &sw->closed);
	traffic_row(fp, "total", "", "", "", "", total);
}

static void
drop_row(FILE *fp, const char *label, const struct port_stats *st)
{
	int r;

	fprintf(fp, "%5s", label);
	for (r = 0; r < DROP_NREASONS; r++)
		fprintf(fp, " %*llu", DROP_WIDTH - 1,
		    (unsigned long long)st->drops[r]);
	fputc('\n', fp);
}

static void
drop_table(FILE *fp, const struct vswitch *sw,
    const struct port_stats *total)
{
	char head[DROP_WIDTH], *c;
	char id[16];
	int i, r;

	fprintf(fp, "%5s", "PORT");
	for (r = 0; r < DROP_NREASONS; r++) {
		snprintf(head, sizeof(head), "%s", drop_reason_name(r));
		for (c = head; *c != '\0'; c++)
			*c = *c == ' ' ? '-' : (char)toupper((unsigned char)*c);
		fprintf(fp, " %*s", DROP_WIDTH - 1, head);
	}
	fputc('\n', fp);
	for (i = 0; i < sw->high; i++) {
		if (sw->ports[i].kind == PORT_FREE)
			continue;
		snprintf(id, sizeof(id), "%d", i);
		drop_row(fp, id, &sw->ports[i].st);
	}
	drop_row(fp, "gone", &sw->closed);
	drop_row(fp, "total", total);
}

static void
collect(const uint8_t *mac, int port, time_t seen, void *arg)
{
	struct mac_rows *rows = arg;

	if (rows->n == rows->cap)
		return;
	memcpy(rows->v[rows->n].mac, mac, MAC_LEN);
	rows->v[rows->n].port = port;
	rows->v[rows->n].seen = seen;
	rows->n++;
}

static int
by_port(const void *a, const void *b)
{
	const struct mac_row *x = a, *y = b;

	if (x->port != y->port)
		return (x->port < y->port ? -1 : 1);
	return (memcmp(x->mac, y->mac, MAC_LEN));
}

static void
mac_table(FILE *fp, const struct vswitch *sw)
{
	struct mac_rows rows;
	char buf[MAC_STRLEN];
	size_t i;

	fprintf(fp, "%-17s %5s %9s\n", "MAC", "PORT", "AGE");
	rows.n = 0;
	rows.cap = machash_count(sw->mac);
	if ((rows.v = calloc(rows.cap + 1, sizeof(*rows.v))) == NULL) {
		fprintf(fp, "(no memory to list %zu addresses)\n", rows.cap);
		return;
	}
	machash_walk(sw->mac, collect, &rows);
	qsort(rows.v, rows.n, sizeof(*rows.v), by_port);
	for (i = 0; i < rows.n; i++)
		fprintf(fp, "%-17s %5d %8llds\n", mac_fmt(buf, rows.v[i].mac),
		    rows.v[i].port, (long long)(sw->now - rows.v[i].seen));
	free(rows.v);
}

void
stats_print(FILE *fp, const struct vswitch *sw)
{
	struct port_stats total;
	struct in_addr in;
	char up[32], addr[INET_ADDRSTRLEN], addr6[INET6_ADDRSTRLEN];
	char mode[128];
	const struct secure_net *net = sw->secure;

	if (net != NULL) {
		in.s_addr = htonl(net->v4.addr);
		inet_ntop(AF_INET, &in, addr, sizeof(addr));
		inet_ntop(AF_INET6, net->v6.addr, addr6, sizeof(addr6));
		if (net->has4 && net->has6)
			snprintf(mode, sizeof(mode), "secure %s/%d %s/%d",
			    addr, net->v4.bits, addr6, net->v6.bits);
		else if (net->has4)
			snprintf(mode, sizeof(mode), "secure %s/%d", addr,
			    net->v4.bits);
		else
			snprintf(mode, sizeof(mode), "secure %s/%d", addr6,
			    net->v6.bits);
	} else
		snprintf(mode, sizeof(mode), "unsecure");
	fprintf(fp, "up %s, %s, %d ports, %u MACs, %d monitors, "
	    "%llu clients refused\n",
	    duration(up, sizeof(up), sw->now - sw->started), mode,
	    sw->nactive, machash_count(sw->mac), sw->watchers,
	    (unsigned long long)sw->refused);
	fprintf(fp, "vknetd %s, %llu frames lost in reloads, reloaded %s",
	    VKNET_VERSION, (unsigned long long)sw->reload_lost,
	    sw->reloaded != 0 ? ctime(&sw->reloaded) : "never\n");
	port_table(fp, sw, &total);
	fputc('\n', fp);
	drop_table(fp, sw, &total);
	fputc('\n', fp);
	mac_table(fp, sw);
}

/* For SIGUSR1: the same table, a log line per row. */
void
stats_log(const struct vswitch *sw)
{
	char *text = NULL, *line, *next;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&text, &len)) == NULL) {
		log_warn("stats");
		return;
	}
	stats_print(fp, sw);
	if (fclose(fp) == EOF) {
		log_warn("stats");
		free(text);
		return;
	}
	for (line = text; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next != '\0')
			*next++ = '\0';
		if (*line != '\0')
			log_info("%s", line);
	}
	free(text);
}
