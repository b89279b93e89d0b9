/*
 * Connections to keep off a raw interface, as text: the form of
 * SSH_CONNECTION ("client-addr client-port server-addr server-port"),
 * which vknet -S takes from sshd and -x takes from the user, with the
 * trailing words optional and a port of 0 meaning any.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <bsd/stdlib.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "raw.h"

static int
endpoint_parse(char *addr, const char *port, struct endpoint *ep)
{
	const char *errstr;

	if (addr == NULL)
		return (0);
	if (inet_pton(AF_INET, addr, ep->addr) == 1)
		ep->af = AF_INET;
	else if (inet_pton(AF_INET6, addr, ep->addr) == 1)
		ep->af = AF_INET6;
	else
		return (-1);
	if (port == NULL)
		return (0);
	ep->port = (uint16_t)strtonum(port, 0, 65535, &errstr);
	return (errstr == NULL ? 0 : -1);
}

int
conn_parse(const char *s, struct conn *c)
{
	char buf[256], *w[5];
	int n;

	memset(c, 0, sizeof(*c));
	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	memset(w, 0, sizeof(w));
	for (n = 0, w[0] = strtok(buf, " \t"); w[n] != NULL && n < 4;)
		w[++n] = strtok(NULL, " \t");
	if (n == 0 || w[4] != NULL ||
	    endpoint_parse(w[0], w[1], &c->a) == -1 ||
	    endpoint_parse(w[2], w[3], &c->b) == -1)
		goto bad;
	/* One packet never has an IPv4 and an IPv6 address. */
	if (c->b.af != AF_UNSPEC && c->b.af != c->a.af)
		goto bad;
	return (0);
bad:
	errno = EINVAL;
	return (-1);
}

/* For the log: what is kept off the interface. */
char *
conn_format(const struct conn *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "any", b[INET6_ADDRSTRLEN] = "any";

	if (c->a.af != AF_UNSPEC)
		inet_ntop(c->a.af, c->a.addr, a, sizeof(a));
	if (c->b.af != AF_UNSPEC)
		inet_ntop(c->b.af, c->b.addr, b, sizeof(b));
	snprintf(buf, len, "%s port %u and %s port %u", a, c->a.port, b,
	    c->b.port);
	return (buf);
}
