/*
 * relay: the floor that "make bench" measures switches against.
 *
 * It listens on a SOCK_SEQPACKET path, accepts exactly two clients and
 * passes every message from one to the other: poll(), one blocking
 * recv() and one blocking send() per message, nothing else.  No MAC
 * table, no flooding, no drops, so whatever a switch costs beyond this
 * is the price of being a switch.  Exits when a client leaves.
 *
 * usage: relay path
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

int
main(int argc, char *argv[])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd pfd[2];
	ssize_t n;
	int s, i;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: relay path\n");
		return (2);
	}
	strcpy(sun.sun_path, argv[1]);
	if ((s = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(s, 2) == -1)
		err(1, "%s", argv[1]);
	for (i = 0; i < 2; i++) {
		if ((pfd[i].fd = accept(s, NULL, NULL)) == -1)
			err(1, "accept");
		pfd[i].events = POLLIN;
	}
	close(s);
	unlink(argv[1]);
	for (;;) {
		if (poll(pfd, 2, -1) == -1)
			err(1, "poll");
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents == 0)
				continue;
			if ((n = recv(pfd[i].fd, buf, sizeof(buf), 0)) <= 0)
				return (0);
			if (send(pfd[1 - i].fd, buf, (size_t)n, MSG_NOSIGNAL) !=
			    n)
				return (0);
		}
	}
}
