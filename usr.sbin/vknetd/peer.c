/*
 * The peer's process name, read once at connect from /proc/<pid>/comm.
 * It is what the peer calls itself, so it is shown, never trusted: any
 * user can name a process "vknet".  A peer that has already gone, or a
 * pid from another pid namespace, gives "?".
 *
 * The switch runs in an empty chroot (sandbox.c), where there is no
 * /proc: peer_init() opens it before, and names are read relative to
 * that descriptor.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

static int procfd = -1;

int
peer_init(void)
{
	if (procfd == -1)
		procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return (procfd == -1 ? -1 : 0);
}

void
peer_name(pid_t pid, char name[PEER_NAMEMAX])
{
	char path[32];
	ssize_t n = -1;
	int fd, i;

	snprintf(path, sizeof(path), "%ld/comm", (long)pid);
	if (procfd != -1 && (fd = openat(procfd, path, PEER_OPEN_FLAGS)) !=
	    -1) {
		n = read(fd, name, PEER_NAMEMAX - 1);
		close(fd);
	}
	if (n <= 0) {
		strcpy(name, "?");
		return;
	}
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	/* It is the peer's to choose: nothing unprintable reaches a log. */
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] < 0x20 || name[i] == 0x7f)
			name[i] = '?';
}
