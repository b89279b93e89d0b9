/*
 * libFuzzer harness for the control socket's command parser
 * (usr.sbin/vknetd/ctl.c): any bytes a client may send.  Beyond not
 * crashing, a command accepted is one of those ctl.h documents, written
 * exactly as the client writes it (so the bytes accepted are the
 * command printed back), with a port in range; anything else is
 * refused.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../usr.sbin/vknetd/ctl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	char again[CTL_CMDMAX + 1];
	struct ctl_cmd cmd;
	int n;

	if (ctl_parse((const char *)buf, len, &cmd) == -1)
		return (0);
	assert(len <= CTL_CMDMAX);
	switch (cmd.type) {
	case CTL_CMD_MONITOR:
		n = snprintf(again, sizeof(again), "%s", CTL_MONITOR);
		break;
	case CTL_CMD_STATS:
		n = snprintf(again, sizeof(again), "%s", CTL_STATS);
		break;
	case CTL_CMD_KILL:
		assert(cmd.port >= 0 && cmd.port <= CTL_PORTMAX);
		n = snprintf(again, sizeof(again), "%s %d", CTL_KILL,
		    cmd.port);
		break;
	case CTL_CMD_FORGET:
		assert(cmd.port == CTL_PORT_ALL ||
		    (cmd.port >= 0 && cmd.port <= CTL_PORTMAX));
		if (cmd.port == CTL_PORT_ALL)
			n = snprintf(again, sizeof(again), "%s %s",
			    CTL_FORGET, CTL_ALL);
		else
			n = snprintf(again, sizeof(again), "%s %d",
			    CTL_FORGET, cmd.port);
		break;
	default:
		assert(!"a command of no known type was accepted");
		return (0);
	}
	assert(n > 0 && (size_t)n == len && memcmp(again, buf, len) == 0);
	return (0);
}
