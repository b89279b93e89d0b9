/*
 * The one parser of control commands (protocol in ctl.h): a pure
 * function of the bytes a client sent, so that the daemon and the fuzz
 * harness (tests/fuzz/ctl_fuzz.c) run the same code.  A command is
 * accepted only as documented, byte for byte: one word, for kill and
 * forget one space and a port number in decimal without sign, leading
 * zeros or blanks (or "all" for forget), nothing after it.
 */
#include <string.h>

#include "ctl.h"

/* A decimal port number, 0..CTL_PORTMAX, written the one way. */
static int
port_number(const char *s, size_t len, int *port)
{
	long n = 0;
	size_t i;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		n = n * 10 + (s[i] - '0');
	}
	if (n > CTL_PORTMAX)
		return (-1);
	*port = (int)n;
	return (0);
}

/* Whether buf[0..len) is word, alone or followed by a space. */
static size_t
word(const char *buf, size_t len, const char *w)
{
	size_t n = strlen(w);

	if (len < n || memcmp(buf, w, n) != 0)
		return (0);
	if (len == n)
		return (n);
	return (buf[n] == ' ' ? n + 1 : 0);
}

int
ctl_parse(const char *buf, size_t len, struct ctl_cmd *cmd)
{
	size_t n;

	memset(cmd, 0, sizeof(*cmd));
	if (len > CTL_CMDMAX)
		return (-1);
	if (len == strlen(CTL_MONITOR) && word(buf, len, CTL_MONITOR)) {
		cmd->type = CTL_CMD_MONITOR;
		return (0);
	}
	if (len == strlen(CTL_STATS) && word(buf, len, CTL_STATS)) {
		cmd->type = CTL_CMD_STATS;
		return (0);
	}
	if ((n = word(buf, len, CTL_KILL)) != 0 && n < len) {
		cmd->type = CTL_CMD_KILL;
		return (port_number(buf + n, len - n, &cmd->port));
	}
	if ((n = word(buf, len, CTL_FORGET)) != 0 && n < len) {
		cmd->type = CTL_CMD_FORGET;
		if (len - n == strlen(CTL_ALL) &&
		    memcmp(buf + n, CTL_ALL, len - n) == 0) {
			cmd->port = CTL_PORT_ALL;
			return (0);
		}
		return (port_number(buf + n, len - n, &cmd->port));
	}
	return (-1);
}
