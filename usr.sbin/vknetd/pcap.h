/*
 * Writing frames to a pcap file (LINKTYPE_ETHERNET) that tcpdump(8)
 * and Wireshark read, for "vknetd -c -w".
 */
#ifndef VKNETD_PCAP_H
#define VKNETD_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pcap {
	FILE	*fp;
	int	 flush;		/* a pipe: the reader wants every record now */
};

int	pcap_open(struct pcap *, const char *path);
int	pcap_write(struct pcap *, int64_t sec, uint32_t nsec,
	    const uint8_t *frame, size_t caplen, size_t len);
int	pcap_close(struct pcap *);

#endif
