/*
 * What both output formats say the same way: a port's kind as shown
 * (a client that calls itself "vknet" is shown as a link), a user's
 * name, a monitor record's event, the switch's addresses.  Names are
 * resolved here, in the client, which runs with the privileges of
 * whoever asks and can read the user database: the daemon sends only
 * numbers.
 */
#include <arpa/inet.h>

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "port.h"

const char *
output_kind(const struct ctl_port *p)
{
	/* What the peer calls itself: shown, never trusted. */
	if (p->kind == PORT_SEQPACKET && strcmp(p->name, "vknet") == 0)
		return ("link");
	return (port_kind_name((enum port_kind)p->kind));
}

/* The user's name; the number if it has none, or NULL if numeric is 0. */
const char *
output_user(char *buf, size_t len, uint32_t uid, int numeric)
{
	struct passwd *pw;

	if ((pw = getpwuid((uid_t)uid)) != NULL) {
		snprintf(buf, len, "%s", pw->pw_name);
		return (buf);
	}
	if (!numeric)
		return (NULL);
	snprintf(buf, len, "%u", uid);
	return (buf);
}

const char *
output_event(const struct vkmon_rec *r)
{
	switch (r->event) {
	case VKMON_FORWARD:
		return ("forward");
	case VKMON_FLOOD:
		return ("flood");
	case VKMON_DROP:
		return ("drop");
	case VKMON_LOCAL:
		return ("local");
	default:
		return ("unknown");
	}
}

/* The IPv4 (AF_INET) or IPv6 address/prefix of secure mode, or "". */
void
output_addr(char *buf, size_t len, const struct ctl_switch *sw, int family)
{
	char a[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (family == AF_INET && sw->has4 &&
	    inet_ntop(AF_INET, sw->addr4, a, sizeof(a)) != NULL)
		snprintf(buf, len, "%s/%u", a, sw->bits4);
	else if (family == AF_INET6 && sw->has6 &&
	    inet_ntop(AF_INET6, sw->addr6, a, sizeof(a)) != NULL)
		snprintf(buf, len, "%s/%u", a, sw->bits6);
}

void
output_sum(struct ctl_counters *sum, const struct ctl_counters *c)
{
	int r;

	sum->rx_frames += c->rx_frames;
	sum->rx_bytes += c->rx_bytes;
	sum->tx_frames += c->tx_frames;
	sum->tx_bytes += c->tx_bytes;
	sum->stalls += c->stalls;
	for (r = 0; r < CTL_DROPS; r++)
		sum->drops[r] += c->drops[r];
}
