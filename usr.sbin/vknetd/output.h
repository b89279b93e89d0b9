/*
 * How the client shows what the daemon sends (ctl.h): a table of
 * output formats, as in OpenBSD's bgpctl, so that text and JSON are
 * the client's choice and the daemon never formats for people.  watch.c
 * reads and checks the records; an output only formats them.
 */
#ifndef VKNETD_OUTPUT_H
#define VKNETD_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "ctl.h"

/* A whole "stats" reply, as read. */
struct stats_reply {
	const char		*ctlpath;	/* where it came from */
	struct ctl_switch	 sw;
	struct ctl_port		*port;
	size_t			 nport;
	struct ctl_mac		*mac;		/* sorted by port, then MAC */
	size_t			 nmac;
};

struct output {
	void	(*stats)(const struct stats_reply *);
	/* One monitor record, its frame's first caplen bytes behind it. */
	void	(*frame)(const struct vkmon_rec *, const uint8_t *frame,
		    size_t caplen, int hex);
};

extern const struct output output_text;
extern const struct output output_json;

/* For both formats (output.c). */
const char	*output_kind(const struct ctl_port *);
const char	*output_user(char *buf, size_t, uint32_t uid, int numeric);
const char	*output_event(const struct vkmon_rec *);
void		 output_addr(char *buf, size_t, const struct ctl_switch *,
		    int family);
void		 output_sum(struct ctl_counters *, const struct ctl_counters *);

#endif
