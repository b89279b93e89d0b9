/*
 * The pcapng side of pcap.c: the blocks of a pcapng file, written to
 * the stream pcap.c opened.  Only pcap.c calls these.
 */
#ifndef VKNETD_PCAPNG_H
#define VKNETD_PCAPNG_H

#include "pcap.h"

int	pcapng_open(struct pcap *);
int	pcapng_write(struct pcap *, const struct vkmon_rec *,
	    const uint8_t *frame, size_t caplen);
void	pcapng_close(struct pcap *);

#endif
