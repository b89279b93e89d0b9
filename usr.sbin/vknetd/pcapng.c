/*
 * pcapng (RFC draft "PCAP Next Generation Dump File Format") for
 * "vknetd -c -w file.pcapng": a capture that knows the switch.
 *
 * The file is one section: a Section Header Block, then an Interface
 * Description Block for each port, written the first time a frame
 * comes in on that port, and an Enhanced Packet Block per frame on the
 * interface of the port it came in on.  An interface is named after
 * its port, "port3", so that Wireshark's and tshark's interface column
 * reads as the ports of "vknetd -s".  Each packet carries the frame's
 * fate as its comment (opt_comment), what the bracketed part of its
 * line of "vknetd -c" says, in words: "forwarded to port 2", "flooded
 * to 3 ports", "dropped: MAC limit", with the drops of a flood and
 * what secure mode found wrong.
 * Interfaces have nanosecond time stamps (if_tsresol 9): what the
 * daemon records.
 *
 * Blocks are built whole in one buffer and written with one fwrite(),
 * in host byte order, which readers tell from the byte-order magic.
 * Every block and option is padded to 4 bytes.  Port numbers come from
 * the daemon, but are checked all the same: one out of range goes on
 * an interface of its own, "port?".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "options.h"
#include "pcapng.h"
#include "switch.h"

#define BT_SHB		0x0a0d0d0aU	/* Section Header Block */
#define BT_IDB		1		/* Interface Description Block */
#define BT_EPB		6		/* Enhanced Packet Block */
#define BYTE_ORDER_MAGIC 0x1a2b3c4dU

#define OPT_ENDOFOPT	0
#define OPT_COMMENT	1
#define SHB_USERAPPL	4
#define IF_NAME		2
#define IF_TSRESOL	9

#define COMMENT_MAX	256
#define IFNAME_LEN	16
/* Block header and trailer, EPB fields, the frame, comment, options. */
#define BLOCK_MAX	(12 + 20 + PCAP_SNAPLEN + 3 + 4 + COMMENT_MAX + 8)

static struct {
	uint8_t		b[BLOCK_MAX];
	size_t		len;
} blk;

/* Append, padded to 4 bytes. */
static void
put(const void *p, size_t len)
{
	memcpy(blk.b + blk.len, p, len);
	blk.len += len;
	while (blk.len % 4 != 0)
		blk.b[blk.len++] = 0;
}

static void
put32(uint32_t v)
{
	put(&v, sizeof(v));
}

static void
option(uint16_t code, const void *p, size_t len)
{
	uint16_t h[2] = { code, (uint16_t)len };

	put(h, sizeof(h));
	if (len != 0)
		put(p, len);
}

static void
begin(uint32_t type)
{
	blk.len = 0;
	put32(type);
	put32(0);		/* the total length, once it is known */
}

/* End the options and the block, and write it. */
static int
finish(struct pcap *pc)
{
	uint32_t total;

	option(OPT_ENDOFOPT, NULL, 0);
	total = (uint32_t)blk.len + 4;
	memcpy(blk.b + 4, &total, sizeof(total));
	put32(total);
	return (fwrite(blk.b, blk.len, 1, pc->fp) == 1 ? 0 : -1);
}

int
pcapng_open(struct pcap *pc)
{
	static const char app[] = "vknetd";
	uint16_t version[2] = { 1, 0 };
	int64_t section_len = -1;	/* not given */

	/* One more for the ports out of range. */
	if ((pc->ifid = calloc(MAX_PORTS + 1, sizeof(*pc->ifid))) == NULL)
		return (-1);
	begin(BT_SHB);
	put32(BYTE_ORDER_MAGIC);
	put(version, sizeof(version));
	put(&section_len, sizeof(section_len));
	option(SHB_USERAPPL, app, sizeof(app) - 1);
	return (finish(pc));
}

/* The interface of port `in', described first if it is new. */
static int
interface(struct pcap *pc, int32_t in, uint32_t *ifid)
{
	uint32_t slot = in >= 0 && in < MAX_PORTS ? (uint32_t)in : MAX_PORTS;
	uint16_t link[2] = { LINKTYPE_ETHERNET, 0 };
	uint8_t tsresol = 9;		/* nanoseconds */
	char name[IFNAME_LEN];

	if (pc->ifid[slot] == 0) {
		if (slot == MAX_PORTS)
			snprintf(name, sizeof(name), "port?");
		else
			snprintf(name, sizeof(name), "port%d", (int)in);
		begin(BT_IDB);
		put(link, sizeof(link));
		put32(PCAP_SNAPLEN);
		option(IF_NAME, name, strlen(name));
		option(IF_TSRESOL, &tsresol, sizeof(tsresol));
		if (finish(pc) == -1)
			return (-1);
		pc->ifid[slot] = ++pc->nif;
	}
	*ifid = pc->ifid[slot] - 1;
	return (0);
}

/* ", "-separated drop reasons, with why secure mode filtered. */
static void
reasons(char *buf, size_t len, const struct vkmon_rec *r)
{
	size_t n = strlen(buf);
	const char *sep = "";
	int i;

	for (i = 0; i < DROP_NREASONS && n < len; i++) {
		if ((r->drops & 1U << i) == 0)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", sep,
		    drop_reason_name((enum drop_reason)i));
		if (i == DROP_FILTERED && n < len)
			n += (size_t)snprintf(buf + n, len - n, " (%s)",
			    filter_reason((enum filter_verdict)r->verdict));
		sep = ", ";
	}
}

/* What became of the frame, in words. */
static void
fate(char *buf, size_t len, const struct vkmon_rec *r)
{
	switch (r->event) {
	case VKMON_FORWARD:
		snprintf(buf, len, "forwarded to port %d", (int)r->out);
		return;
	case VKMON_LOCAL:
		snprintf(buf, len, "not forwarded: for port %d itself",
		    (int)r->in);
		return;
	case VKMON_FLOOD:
		snprintf(buf, len, "flooded to %u port%s", r->nout,
		    r->nout == 1 ? "" : "s");
		if (r->ndrop == 0)
			return;
		snprintf(buf + strlen(buf), len - strlen(buf),
		    ", %u dropped: ", r->ndrop);
		break;
	case VKMON_DROP:
		if (r->out == VKMON_NONE)
			snprintf(buf, len, "dropped: ");
		else
			snprintf(buf, len, "dropped on the way to port %d: ",
			    (int)r->out);
		break;
	default:
		snprintf(buf, len, "event %u", r->event);
		return;
	}
	reasons(buf, len, r);
}

int
pcapng_write(struct pcap *pc, const struct vkmon_rec *r, const uint8_t *frame,
    size_t caplen)
{
	char comment[COMMENT_MAX];
	uint64_t ts;
	uint32_t ifid;

	if (interface(pc, r->in, &ifid) == -1)
		return (-1);
	fate(comment, sizeof(comment), r);
	ts = (uint64_t)r->sec * 1000000000 + r->nsec;
	begin(BT_EPB);
	put32(ifid);
	put32((uint32_t)(ts >> 32));
	put32((uint32_t)ts);
	put32((uint32_t)caplen);
	put32(r->len);
	if (caplen != 0)
		put(frame, caplen);
	option(OPT_COMMENT, comment, strlen(comment));
	return (finish(pc));
}

void
pcapng_close(struct pcap *pc)
{
	free(pc->ifid);
	pc->ifid = NULL;
}
