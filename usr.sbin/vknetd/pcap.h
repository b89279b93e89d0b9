/*
 * Writing what "vknetd -c -w" sees to a capture file that tcpdump(8)
 * and Wireshark read: classic pcap (LINKTYPE_ETHERNET), or pcapng for
 * a file named "*.pcapng", with an interface per port and each frame's
 * fate in a comment (pcapng.c).
 */
#ifndef VKNETD_PCAP_H
#define VKNETD_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl.h"

#define PCAP_SNAPLEN	65535
#define LINKTYPE_ETHERNET 1

struct pcap {
	FILE		*fp;
	int		 flush;	/* a pipe: the reader wants every record now */
	int		 ng;	/* pcapng */
	uint32_t	*ifid;	/* pcapng: interface + 1 of each port, or 0 */
	uint32_t	 nif;	/* pcapng: interfaces described so far */
};

int	pcap_open(struct pcap *, const char *path);
int	pcap_write(struct pcap *, const struct vkmon_rec *,
	    const uint8_t *frame, size_t caplen);
int	pcap_close(struct pcap *);

#endif
