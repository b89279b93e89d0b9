/*
 * MAC address text conversion, in the lower-case colon form that
 * ip(8) and tcpdump(8) print.
 */
#include <stdio.h>

#include "ether.h"

char *
mac_fmt(char buf[MAC_STRLEN], const uint8_t *mac)
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return (buf);
}

int
mac_parse(const char *s, uint8_t mac[MAC_LEN])
{
	unsigned int b[MAC_LEN];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
	    &b[3], &b[4], &b[5], &tail) != MAC_LEN)
		return (-1);
	for (i = 0; i < MAC_LEN; i++)
		mac[i] = (uint8_t)b[i];
	return (0);
}
